#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageFile.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class Allocator;
class Transfer;

/// How load_texture() and upload_texture() make a texture.
struct TextureOptions {
    /// 8-bit colour as sRGB (default) or UNORM; 16-bit and float files are always linear.
    ColorSpace color_space = ColorSpace::Srgb;
    /// Channels of the texture: 0 keeps the file's (3 becomes RGBA, the alpha opaque); 1, 2
    /// or 4 converts as load_image() does.
    std::uint32_t channels = 0;
    /// Radiance HDR (and any Float32 pixels) as 32-bit floats instead of 16-bit ones.
    bool float32 = false;
    /// Generate the full mip chain on the GPU (linear blits, level after level).
    bool mipmaps = true;
    /// Usage beyond what the texture needs anyway (sampled, transfer source and destination).
    vk::ImageUsageFlags usage = vk::ImageUsageFlagBits::eSampled;
    /// The layout every level is left in, ready for the first use.
    vk::ImageLayout layout = vk::ImageLayout::eShaderReadOnlyOptimal;
    /// Decoded pictures above this size are refused before decoding (ImageLoadOptions::max_bytes).
    std::size_t max_bytes = std::size_t{1} << 30;
};

/// A device-local texture: the image (shared, so that views and the caller may keep it) and a
/// view of every level, which holds the image alive.
struct Texture {
    /// The image: device-local, every level in TextureOptions::layout.
    std::shared_ptr<Image> image;
    /// A view of the whole image in its own format.
    std::unique_ptr<ImageView> view;
};

/// Decodes the picture file at `path` (see load_image()), makes a device-local image of the
/// format texture_format() gives for it and `options`, uploads level 0 through `transfer`,
/// generates the mip chain on the GPU when asked, and returns the image with a view; returns
/// when the texture is ready on the device, on the main queue (graphics, else compute), whose
/// family owns it. Everything is checked before the image is made: ImageFileError naming the
/// file for a missing, unreadable, truncated or corrupt one; NotSupportedError naming it for a
/// side above maxImageDimension2D or a format the device cannot sample (or, with mipmaps, blit
/// and filter linearly); OutOfMemoryError naming it when the image needs more than the largest
/// device-local heap. After a failure nothing is left allocated. `transfer` and `allocator`
/// must be of the same device. Thread-safe as Transfer is.
[[nodiscard]] Texture load_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator,
                                   const std::filesystem::path &path, const TextureOptions &options = {});

/// load_texture() for a file's bytes in memory; `name` stands for the file in messages and is
/// the image's name.
[[nodiscard]] Texture load_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator,
                                   std::span<const std::byte> file_bytes, std::string_view name,
                                   const TextureOptions &options = {});

/// load_texture() for pixels already decoded (`options.channels` must be 0 or theirs;
/// `max_bytes` does not apply). `name` is used in messages and as the image's name.
/// LogicError for pixels of the wrong size.
[[nodiscard]] Texture upload_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator,
                                     const PixelImage &pixels, std::string_view name,
                                     const TextureOptions &options = {});

/// Reads back mip level `level` of array layer `layer` of a colour image through `transfer`
/// (the subresource is in `layout` and stays in it) and converts it with
/// pixels_from_texels(). LogicError for an image without transfer-source usage, a level or
/// layer past the end, or an undefined layout; NotSupportedError for a format with no
/// conversion to pixels.
[[nodiscard]] PixelImage read_texture(Transfer &transfer, const Image &image, MipLevel level = MipLevel{0},
                                      ArrayLayer layer = ArrayLayer{0},
                                      vk::ImageLayout layout = vk::ImageLayout::eShaderReadOnlyOptimal);

/// read_texture(), then save_image(): a PNG, or Radiance HDR when `path` ends in .hdr. A
/// one-channel image is written as grey; a two-channel one as RGB, its red and green kept and
/// blue zero (a two-channel file would mean grey and alpha). Errors as for both;
/// ImageFileError naming the file when it cannot be written (a partial file is removed).
void save_texture(Transfer &transfer, const Image &image, const std::filesystem::path &path,
                  MipLevel level = MipLevel{0}, ArrayLayer layer = ArrayLayer{0},
                  vk::ImageLayout layout = vk::ImageLayout::eShaderReadOnlyOptimal);

} // namespace vw
