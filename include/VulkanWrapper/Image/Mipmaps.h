#pragma once

#include <array>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class CommandBuffer;
class ResourceTracker;

/// Every aspect and array layer of mip level `level` of `image`, as a barrier or clear range.
/// LogicError when the image has no such level.
[[nodiscard]] vk::ImageSubresourceRange mip_range(const Image &image, MipLevel level);

/// Every aspect and array layer of mip level `level`, as a copy or blit names them.
/// LogicError when the image has no such level.
[[nodiscard]] vk::ImageSubresourceLayers mip_layers(const Image &image, MipLevel level);

/// The two corners of mip level `level` as a blit names them: {0, 0, 0} and its extent.
/// LogicError when the image has no such level.
[[nodiscard]] std::array<vk::Offset3D, 2> mip_blit_offsets(const Image &image, MipLevel level);

/// Records into `commands` (recording) the blits that fill levels 1 to the last of `image`
/// from level 0, each level from the one above with `filter`, every layer at once, with the
/// barriers `tracker` adds. Level 0 must hold its texels and be tracked (after an upload, a
/// copy or a render): what the tracker does not know is treated as undefined. Afterwards every
/// level but the last is in eTransferSrcOptimal and the last in eTransferDstOptimal, as the
/// tracker knows; request the next use (sampling, say) to transition them.
/// LogicError (nothing recorded) when `commands` is not recording, the image is empty, lacks
/// transfer-source or transfer-destination usage, or is multisampled; NotSupportedError
/// (nothing recorded) when the device cannot blit the format with its tiling, or cannot filter
/// it linearly and `filter` is eLinear. One level: no blit is recorded (the tracker's pending
/// barriers are still flushed into `commands`).
void generate_mipmaps(CommandBuffer &commands, ResourceTracker &tracker, const Image &image,
                      vk::Filter filter = vk::Filter::eLinear);

} // namespace vw
