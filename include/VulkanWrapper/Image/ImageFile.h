#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/Error.h"

namespace vw {

/// How the channel values of a PixelImage are stored.
enum class PixelType : std::uint8_t {
    UInt8,   ///< 8-bit unsigned normalised (PNG, JPEG, BMP, TGA, PSD).
    UInt16,  ///< 16-bit unsigned normalised (16-bit PNG and PSD), native byte order.
    Float32, ///< 32-bit float (Radiance HDR, or a float image read back).
};

/// How the 8-bit colour of a file is meant to be sampled: sRGB-encoded (the default: what
/// pictures are) or linear UNORM (normal maps, masks, data).
enum class ColorSpace : std::uint8_t {
    Srgb,   ///< Colour channels are sRGB-encoded; the GPU decodes them when sampling.
    Linear, ///< Values are used as they are.
};

/// Decoded pixels on the host: `height` rows from the top, each `width` pixels of `channels`
/// values (1: grey or R, 2: grey and alpha or RG, 3: RGB, 4: RGBA) of `type`, tightly packed.
/// A plain value type.
struct PixelImage {
    /// Width in pixels.
    std::uint32_t width = 0;
    /// Height in pixels.
    std::uint32_t height = 0;
    /// Values per pixel, 1 to 4.
    std::uint32_t channels = 0;
    /// How each value is stored.
    PixelType type = PixelType::UInt8;
    /// width × height × channels values of `type`, row after row.
    std::vector<std::byte> pixels;

    /// Bytes of one value (1, 2 or 4).
    [[nodiscard]] std::size_t value_bytes() const noexcept;
    /// Bytes of one pixel (value_bytes() × channels).
    [[nodiscard]] std::size_t pixel_bytes() const noexcept { return value_bytes() * channels; }
};

/// What a file holds, read from its header without decoding it (image_file_info()).
struct ImageFileInfo {
    /// Width in pixels.
    std::uint32_t width = 0;
    /// Height in pixels.
    std::uint32_t height = 0;
    /// The file's channel count, 1 to 4.
    std::uint32_t channels = 0;
    /// What load_image() decodes it to: UInt16 for 16-bit PNG and PSD, Float32 for Radiance
    /// HDR, UInt8 otherwise.
    PixelType type = PixelType::UInt8;
};

/// A picture file could not be read, decoded or written: missing, unreadable, truncated,
/// corrupt, of a kind the decoder does not know, or refused for its size. The message names
/// the file (or "<memory>" for bytes) and the decoder's reason; path() returns the name.
class ImageFileError : public Exception {
public:
    /// `path` names the file, `reason` says what is wrong with it.
    ImageFileError(std::string path, std::string_view reason,
                   std::source_location location = std::source_location::current());
    /// The file's name as given (or the name given for bytes in memory).
    [[nodiscard]] const std::string &path() const noexcept;

private:
    std::string m_path;
};

/// How load_image() decodes.
struct ImageLoadOptions {
    /// Channels wanted: 0 keeps the file's count; 1 to 4 converts (grey to RGB, alpha added
    /// as opaque, colour to luminance, as stb_image does).
    std::uint32_t channels = 0;
    /// Decoded pictures larger than this (width × height × channels × value bytes, with the
    /// file's channels where it has more than those asked for: the decoder holds them first)
    /// are refused with ImageFileError before anything is decoded. Default 1 GiB.
    std::size_t max_bytes = std::size_t{1} << 30;
};

/// The header of a PNG, JPEG, BMP, TGA, PSD or Radiance HDR file in memory. ImageFileError
/// naming `name` when the bytes are no such file (or a zero-sized one). Thread-safe.
[[nodiscard]] ImageFileInfo image_file_info(std::span<const std::byte> bytes,
                                            std::string_view name = "<memory>");

/// The header of the file at `path`; ImageFileError naming it when it is missing,
/// unreadable, or no picture file. Thread-safe.
[[nodiscard]] ImageFileInfo image_file_info(const std::filesystem::path &path);

/// Decodes a PNG (8 or 16 bit), JPEG, BMP, TGA, PSD or Radiance HDR file held in memory:
/// 16-bit files to UInt16, HDR to Float32 (linear), the rest to UInt8. ImageFileError naming
/// `name` for data that is truncated, corrupt, of another kind, zero-sized or larger than
/// `options.max_bytes`; LogicError for a channel count above 4. Thread-safe.
[[nodiscard]] PixelImage load_image(std::span<const std::byte> bytes, const ImageLoadOptions &options = {},
                                    std::string_view name = "<memory>");

/// Reads and decodes the file at `path` as load_image() does for bytes; ImageFileError naming
/// the file when it is missing or unreadable too. Thread-safe.
[[nodiscard]] PixelImage load_image(const std::filesystem::path &path, const ImageLoadOptions &options = {});

/// Encodes `image` as a PNG: UInt8 as 8-bit, UInt16 as 16-bit, Float32 clamped to [0, 1] and
/// rounded to 8 bits; 1 channel is written as grey, 2 as grey and alpha, 3 as RGB, 4 as RGBA.
/// LogicError for an empty image, a channel count outside 1-4 or pixels of the wrong size.
[[nodiscard]] std::vector<std::byte> encode_png(const PixelImage &image);

/// Encodes `image` as Radiance HDR (RGBE: 8-bit mantissas with a shared exponent); UInt8 and
/// UInt16 values become floats in [0, 1]. LogicError as for encode_png().
[[nodiscard]] std::vector<std::byte> encode_hdr(const PixelImage &image);

/// Writes `image` to `path`: Radiance HDR when the extension is .hdr (any case), PNG
/// otherwise. LogicError as for encode_png(); ImageFileError naming the file when it cannot be
/// written (a partial file is removed).
void save_image(const std::filesystem::path &path, const PixelImage &image);

/// The texels of one mip level of a colour image, as Transfer::download returns them, as
/// pixels: 8-bit UNORM and sRGB formats (RGBA, BGRA swizzled to RGBA, RGB, BGR, RG, R) as UInt8
/// with their values kept; 16-bit UNORM as UInt16; 16-bit and 32-bit float as Float32.
/// NotSupportedError for other formats (packed, compressed, integer, depth or stencil);
/// LogicError when `texels` is not width × height texels of `format`.
[[nodiscard]] PixelImage pixels_from_texels(std::span<const std::byte> texels, vk::Format format,
                                            vk::Extent2D extent);

/// The inverse for uploads: the pixels of `image` as tightly packed texels of `format`, one
/// of those texture_format() returns (3 channels padded to 4 with opaque alpha, floats to
/// half floats for 16-bit float formats). LogicError when the format does not fit the image's
/// type and channel count.
[[nodiscard]] std::vector<std::byte> texels_from_pixels(const PixelImage &image, vk::Format format);

/// The format a texture of `channels` values (1 to 4; 3 is given 4) of `type` is made in:
/// UInt8 → R8/R8G8/R8G8B8A8, sRGB or UNORM after `color_space`; UInt16 → R16/R16G16/
/// R16G16B16A16 UNORM; Float32 → 16-bit float formats, or 32-bit ones when `float32`.
/// LogicError for a channel count outside 1-4.
[[nodiscard]] vk::Format texture_format(std::uint32_t channels, PixelType type, ColorSpace color_space,
                                        bool float32 = false);

} // namespace vw
