#pragma once

#include <cstddef>
#include <string_view>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {
class Device;
class Image;
} // namespace vw

namespace vw::detail {

// What Transfer and StagingBufferManager share about copying one subresource (one mip level
// of one array layer, every aspect of the format but one) between a buffer and an image: the
// validation, the copy region and the layout transitions around the copy.

/// Throws LogicError unless `texel_bytes` tightly packed bytes can be copied into (level,
/// layer) of `image`, which then goes from `current_layout` to `final_layout`: a non-null,
/// non-empty image of `device` with TRANSFER_DST usage, single-sampled, not combined
/// depth-stencil, the level and layer inside it, the size that of the subresource, a defined
/// final layout and both layouts ones the image's usage allows around a transfer.
void check_image_upload(const Image *image, const Device &device, MipLevel level, ArrayLayer layer,
                        std::size_t texel_bytes, vk::ImageLayout final_layout,
                        vk::ImageLayout current_layout, std::string_view operation);

/// Throws LogicError unless (level, layer) of `image`, in `layout`, can be copied out: as for
/// check_image_upload() with TRANSFER_SRC usage, and a layout with defined contents.
void check_image_download(const Image *image, const Device &device, MipLevel level, ArrayLayer layer,
                          vk::ImageLayout layout, std::string_view operation);

/// The bytes one subresource of `level` occupies, tightly packed (whole blocks for
/// compressed formats).
[[nodiscard]] vk::DeviceSize subresource_bytes(const Image &image, MipLevel level);

/// The region copying (level, layer) whole, tightly packed from byte 0 of the buffer.
[[nodiscard]] vk::BufferImageCopy copy_region(const Image &image, MipLevel level, ArrayLayer layer);

} // namespace vw::detail
