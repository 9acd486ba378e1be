#include "VulkanWrapper/Image/ImageFile.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <new>
#include <optional>
#include <system_error>

#include "VulkanWrapper/Image/ImageFileFormats.h"
#include "VulkanWrapper/Image/StbCodec.h"
#include "VulkanWrapper/Utils/CheckedArithmetic.h"

namespace vw {

namespace {

std::uint64_t pixel_count(std::uint64_t width, std::uint64_t height) { return width * height; }

std::size_t value_bytes_of(PixelType type) noexcept {
    switch (type) {
    case PixelType::UInt8: return 1;
    case PixelType::UInt16: return 2;
    case PixelType::Float32: return 4;
    }
    return 1;
}

void check_image(const PixelImage &image, const char *operation) {
    if (image.width == 0 || image.height == 0) {
        throw LogicError(std::string(operation) + ": the image is empty (" + std::to_string(image.width) + " x " +
                         std::to_string(image.height) + ")");
    }
    if (image.channels < 1 || image.channels > 4) {
        throw LogicError(std::string(operation) + ": " + std::to_string(image.channels) +
                         " channels (1 to 4 expected)");
    }
    if (image.width > static_cast<std::uint32_t>(std::numeric_limits<int>::max()) ||
        image.height > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
        throw LogicError(std::string(operation) + ": the image is too large to encode");
    }
    // The encoders take a row's bytes as an int.
    const auto row_bytes = detail::checked_product({image.width, image.pixel_bytes()});
    const auto expected = detail::checked_product({image.width, image.height, image.pixel_bytes()});
    if (!row_bytes || !expected || *row_bytes > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
        throw LogicError(std::string(operation) + ": the image is too large to encode (" +
                         std::to_string(image.width) + " x " + std::to_string(image.height) + " x " +
                         std::to_string(image.pixel_bytes()) + " bytes)");
    }
    if (image.pixels.size() != *expected) {
        throw LogicError(std::string(operation) + ": " + std::to_string(image.pixels.size()) +
                         " bytes of pixels where " + std::to_string(image.width) + " x " +
                         std::to_string(image.height) + " x " + std::to_string(image.channels) + " values need " +
                         std::to_string(*expected));
    }
}

} // namespace

std::vector<std::byte> detail::read_file(const std::filesystem::path &path) {
    const std::string name = path.string();
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (error || !std::filesystem::exists(status)) {
        throw ImageFileError(name, "no such file");
    }
    if (!std::filesystem::is_regular_file(status)) throw ImageFileError(name, "not a regular file");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw ImageFileError(name, "cannot be opened for reading");
    const std::streamoff size = in.tellg();
    if (size < 0) throw ImageFileError(name, "cannot be read");
    std::vector<std::byte> bytes;
    try {
        bytes.resize(static_cast<std::size_t>(size));
    } catch (const std::bad_alloc &) {
        throw ImageFileError(name, "too large to read into memory (" + std::to_string(size) + " bytes)");
    }
    in.seekg(0);
    in.read(reinterpret_cast<char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!in) throw ImageFileError(name, "cannot be read");
    return bytes;
}

namespace {

std::string reason(std::string_view what) {
    const char *stb = detail::stb_failure_reason();
    return std::string(what) + (stb ? std::string(" (") + stb + ")" : std::string());
}

void put_u32(std::vector<std::byte> &out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>((value >> shift) & 0xffU));
}

std::uint32_t crc32(std::span<const std::byte> bytes) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xedb88320U ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffU;
    for (const std::byte b : bytes) c = table[(c ^ std::to_integer<std::uint32_t>(b)) & 0xffU] ^ (c >> 8);
    return c ^ 0xffffffffU;
}

void put_chunk(std::vector<std::byte> &out, const char (&type)[5], std::span<const std::byte> data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(type[i]));
    out.insert(out.end(), data.begin(), data.end());
    put_u32(out, crc32(std::span(out).subspan(start)));
}

// stb_image_write writes 8-bit PNGs only: 16-bit ones are framed here around its zlib
// compressor, with the "none" filter on every row.
std::vector<std::byte> encode_png16(const PixelImage &image) {
    const std::size_t row_bytes = std::size_t{image.width} * image.channels * 2;
    std::vector<std::byte> raw;
    raw.reserve((row_bytes + 1) * image.height);
    const auto *values = reinterpret_cast<const std::uint8_t *>(image.pixels.data());
    for (std::uint32_t y = 0; y < image.height; ++y) {
        raw.push_back(std::byte{0});
        const std::size_t values_per_row = row_bytes / 2;
        for (std::size_t i = 0; i < values_per_row; ++i) {
            std::uint16_t value = 0;
            std::memcpy(&value, values + (y * values_per_row + i) * 2, 2);
            raw.push_back(static_cast<std::byte>(value >> 8));
            raw.push_back(static_cast<std::byte>(value & 0xffU));
        }
    }
    std::vector<std::byte> compressed;
    if (!detail::stb_zlib_compress(raw, compressed)) throw std::bad_alloc();
    static constexpr std::array<std::uint8_t, 4> colour_types{0, 4, 2, 6};
    std::vector<std::byte> header;
    put_u32(header, image.width);
    put_u32(header, image.height);
    for (const std::uint8_t b : {std::uint8_t{16}, colour_types[image.channels - 1], std::uint8_t{0},
                                 std::uint8_t{0}, std::uint8_t{0}}) {
        header.push_back(static_cast<std::byte>(b));
    }
    std::vector<std::byte> out;
    static constexpr std::array<std::uint8_t, 8> signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    for (const std::uint8_t b : signature) out.push_back(static_cast<std::byte>(b));
    put_chunk(out, "IHDR", header);
    put_chunk(out, "IDAT", compressed);
    put_chunk(out, "IEND", {});
    return out;
}

std::vector<float> as_floats(const PixelImage &image) {
    const std::size_t count = image.pixels.size() / image.value_bytes();
    std::vector<float> out(count);
    const auto *data = image.pixels.data();
    for (std::size_t i = 0; i < count; ++i) {
        switch (image.type) {
        case PixelType::UInt8: out[i] = static_cast<float>(std::to_integer<std::uint8_t>(data[i])) / 255.0F; break;
        case PixelType::UInt16: {
            std::uint16_t v = 0;
            std::memcpy(&v, data + i * 2, 2);
            out[i] = static_cast<float>(v) / 65535.0F;
            break;
        }
        case PixelType::Float32: std::memcpy(&out[i], data + i * 4, 4); break;
        }
    }
    return out;
}

std::string lower_extension(const std::filesystem::path &path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return ext;
}

} // namespace

std::size_t PixelImage::value_bytes() const noexcept { return value_bytes_of(type); }

ImageFileError::ImageFileError(std::string path, std::string_view reason, std::source_location location)
    : Exception(path + ": " + std::string(reason), location), m_path(std::move(path)) {}

const std::string &ImageFileError::path() const noexcept { return m_path; }

ImageFileInfo image_file_info(std::span<const std::byte> bytes, std::string_view name) {
    detail::StbInfo info;
    if (bytes.empty()) throw ImageFileError(std::string(name), "empty data");
    if (!detail::stb_info(bytes, info)) throw ImageFileError(std::string(name), reason("not a readable picture"));
    if (info.width <= 0 || info.height <= 0 || info.channels < 1 || info.channels > 4) {
        throw ImageFileError(std::string(name), "zero-sized or malformed picture (" + std::to_string(info.width) +
                                                    " x " + std::to_string(info.height) + ")");
    }
    return {static_cast<std::uint32_t>(info.width), static_cast<std::uint32_t>(info.height),
            static_cast<std::uint32_t>(info.channels),
            info.is_hdr ? PixelType::Float32 : info.is_16_bit ? PixelType::UInt16 : PixelType::UInt8};
}

ImageFileInfo image_file_info(const std::filesystem::path &path) {
    return image_file_info(detail::read_file(path), path.string());
}

PixelImage load_image(std::span<const std::byte> bytes, const ImageLoadOptions &options, std::string_view name) {
    if (options.channels > 4) {
        throw LogicError("load_image: " + std::to_string(options.channels) + " channels asked for (0 to 4)");
    }
    const ImageFileInfo info = image_file_info(bytes, name);
    const std::uint32_t channels = options.channels ? options.channels : info.channels;
    // The decoder holds the file's channels first, then converts to those asked for.
    const std::optional<std::uint64_t> decoded = detail::checked_product(
        {info.width, info.height, std::max(channels, info.channels), value_bytes_of(info.type)});
    if (!decoded || *decoded > options.max_bytes) {
        throw ImageFileError(std::string(name), std::to_string(info.width) + " x " + std::to_string(info.height) +
                                                    " decodes to " +
                                                    (decoded ? std::to_string(*decoded) : std::string("over 2^64")) +
                                                    " bytes, above the limit of " +
                                                    std::to_string(options.max_bytes));
    }
    const detail::StbDepth depth = info.type == PixelType::Float32  ? detail::StbDepth::Float
                                   : info.type == PixelType::UInt16 ? detail::StbDepth::Sixteen
                                                                    : detail::StbDepth::Eight;
    int width = 0;
    int height = 0;
    int file_channels = 0;
    const detail::StbPixels pixels =
        detail::stb_decode(bytes, depth, static_cast<int>(options.channels), width, height, file_channels);
    if (!pixels) throw ImageFileError(std::string(name), reason("cannot be decoded"));
    if (static_cast<std::uint32_t>(width) != info.width || static_cast<std::uint32_t>(height) != info.height) {
        throw ImageFileError(std::string(name), "the decoded size differs from the header's");
    }
    PixelImage image;
    image.width = info.width;
    image.height = info.height;
    image.channels = channels;
    image.type = info.type;
    const auto *begin = static_cast<const std::byte *>(pixels.get());
    image.pixels.assign(begin, begin + pixel_count(info.width, info.height) * image.pixel_bytes()); // within *decoded
    return image;
}

PixelImage load_image(const std::filesystem::path &path, const ImageLoadOptions &options) {
    return load_image(detail::read_file(path), options, path.string());
}

std::vector<std::byte> encode_png(const PixelImage &image) {
    check_image(image, "encode_png");
    if (image.type == PixelType::UInt16) return encode_png16(image);
    const int width = static_cast<int>(image.width);
    const int height = static_cast<int>(image.height);
    const int channels = static_cast<int>(image.channels);
    std::vector<std::byte> out;
    bool written = false;
    if (image.type == PixelType::UInt8) {
        written = detail::stb_write_png8(width, height, channels, image.pixels.data(), out);
    } else {
        const std::vector<float> values = as_floats(image);
        std::vector<std::uint8_t> bytes(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float v = std::isnan(values[i]) ? 0.0F : std::clamp(values[i], 0.0F, 1.0F);
            bytes[i] = static_cast<std::uint8_t>(std::lround(v * 255.0F));
        }
        written = detail::stb_write_png8(width, height, channels, bytes.data(), out);
    }
    if (!written) throw std::bad_alloc();
    return out;
}

std::vector<std::byte> encode_hdr(const PixelImage &image) {
    check_image(image, "encode_hdr");
    const std::vector<float> values = as_floats(image);
    std::vector<std::byte> out;
    if (!detail::stb_write_hdr(static_cast<int>(image.width), static_cast<int>(image.height),
                               static_cast<int>(image.channels), values.data(), out)) {
        throw std::bad_alloc();
    }
    return out;
}

void save_image(const std::filesystem::path &path, const PixelImage &image) {
    const std::vector<std::byte> bytes = lower_extension(path) == ".hdr" ? encode_hdr(image) : encode_png(image);
    const std::string name = path.string();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (!out) throw ImageFileError(name, "cannot be opened for writing");
        out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (out) return;
    }
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    throw ImageFileError(name, "cannot be written");
}

PixelImage pixels_from_texels(std::span<const std::byte> texels, vk::Format format, vk::Extent2D extent) {
    const std::optional<detail::TexelLayout> layout = detail::texel_layout(format);
    if (!layout) {
        throw NotSupportedError("pixels_from_texels: " + vk::to_string(format) +
                                " has no conversion to pixels (8-bit, 16-bit UNORM and float colour formats do)");
    }
    const std::uint64_t count = pixel_count(extent.width, extent.height);
    const std::size_t texel_bytes = std::size_t{layout->channels} * detail::storage_bytes(layout->storage);
    const std::optional<std::uint64_t> expected = detail::checked_product({count, texel_bytes});
    if (count == 0 || !expected || texels.size() != *expected) {
        throw LogicError("pixels_from_texels: " + std::to_string(texels.size()) + " bytes for " +
                         std::to_string(extent.width) + " x " + std::to_string(extent.height) + " texels of " +
                         vk::to_string(format));
    }
    PixelImage image;
    image.width = extent.width;
    image.height = extent.height;
    image.channels = layout->channels;
    image.type = layout->storage == detail::Storage::U8    ? PixelType::UInt8
                 : layout->storage == detail::Storage::U16 ? PixelType::UInt16
                                                           : PixelType::Float32;
    const std::size_t values = count * layout->channels;
    if (layout->storage == detail::Storage::F16) {
        image.pixels.resize(values * 4);
        for (std::size_t i = 0; i < values; ++i) {
            std::uint16_t half = 0;
            std::memcpy(&half, texels.data() + i * 2, 2);
            const float value = detail::half_to_float(half);
            std::memcpy(image.pixels.data() + i * 4, &value, 4);
        }
    } else {
        image.pixels.assign(texels.begin(), texels.end());
    }
    if (layout->bgr) {
        const std::size_t step = image.pixel_bytes();
        for (std::size_t offset = 0; offset < image.pixels.size(); offset += step) {
            std::swap(image.pixels[offset], image.pixels[offset + 2]);
        }
    }
    return image;
}

std::vector<std::byte> texels_from_pixels(const PixelImage &image, vk::Format format) {
    check_image(image, "texels_from_pixels");
    const std::optional<detail::TexelLayout> layout = detail::texel_layout(format);
    const std::uint32_t wanted_channels = image.channels == 3 ? 4 : image.channels;
    const bool storage_fits =
        layout && ((image.type == PixelType::UInt8 && layout->storage == detail::Storage::U8) ||
                   (image.type == PixelType::UInt16 && layout->storage == detail::Storage::U16) ||
                   (image.type == PixelType::Float32 &&
                    (layout->storage == detail::Storage::F16 || layout->storage == detail::Storage::F32)));
    if (!storage_fits || layout->bgr || layout->channels != wanted_channels) {
        throw LogicError("texels_from_pixels: " + vk::to_string(format) + " does not hold " +
                         std::to_string(image.channels) + "-channel pixels of this type (see texture_format)");
    }
    const std::size_t count = pixel_count(image.width, image.height);
    const std::size_t in_value = image.value_bytes();
    const std::size_t out_value = detail::storage_bytes(layout->storage);
    std::vector<std::byte> out(count * wanted_channels * out_value);
    if (wanted_channels == image.channels && in_value == out_value) {
        std::memcpy(out.data(), image.pixels.data(), out.size());
        return out;
    }
    const std::byte *in = image.pixels.data();
    std::byte *to = out.data();
    for (std::size_t p = 0; p < count; ++p) {
        for (std::uint32_t c = 0; c < wanted_channels; ++c, to += out_value) {
            if (c < image.channels) {
                const std::byte *value = in + (p * image.channels + c) * in_value;
                if (in_value == out_value) {
                    std::memcpy(to, value, out_value);
                } else {
                    float f = 0.0F;
                    std::memcpy(&f, value, 4);
                    const std::uint16_t half = detail::float_to_half(f);
                    std::memcpy(to, &half, 2);
                }
                continue;
            }
            // The alpha added to RGB: opaque.
            switch (layout->storage) {
            case detail::Storage::U8: *to = std::byte{0xff}; break;
            case detail::Storage::U16: std::memset(to, 0xff, 2); break;
            case detail::Storage::F16: {
                const std::uint16_t one = 0x3c00;
                std::memcpy(to, &one, 2);
                break;
            }
            case detail::Storage::F32: {
                const float one = 1.0F;
                std::memcpy(to, &one, 4);
                break;
            }
            }
        }
    }
    return out;
}

vk::Format texture_format(std::uint32_t channels, PixelType type, ColorSpace color_space, bool float32) {
    if (channels < 1 || channels > 4) {
        throw LogicError("texture_format: " + std::to_string(channels) + " channels (1 to 4 expected)");
    }
    const std::size_t index = channels == 1 ? 0 : channels == 2 ? 1 : 2;
    switch (type) {
    case PixelType::UInt8: {
        static constexpr std::array srgb{vk::Format::eR8Srgb, vk::Format::eR8G8Srgb, vk::Format::eR8G8B8A8Srgb};
        static constexpr std::array unorm{vk::Format::eR8Unorm, vk::Format::eR8G8Unorm, vk::Format::eR8G8B8A8Unorm};
        return color_space == ColorSpace::Srgb ? srgb[index] : unorm[index];
    }
    case PixelType::UInt16: {
        static constexpr std::array unorm{vk::Format::eR16Unorm, vk::Format::eR16G16Unorm,
                                          vk::Format::eR16G16B16A16Unorm};
        return unorm[index];
    }
    case PixelType::Float32: {
        static constexpr std::array half{vk::Format::eR16Sfloat, vk::Format::eR16G16Sfloat,
                                         vk::Format::eR16G16B16A16Sfloat};
        static constexpr std::array full{vk::Format::eR32Sfloat, vk::Format::eR32G32Sfloat,
                                         vk::Format::eR32G32B32A32Sfloat};
        return float32 ? full[index] : half[index];
    }
    }
    return vk::Format::eUndefined;
}

} // namespace vw
