// Debian's libstb-dev headers compiled here (third-party code: built without our warnings,
// see CMakeLists.txt). STB_IMAGE_STATIC keeps every stb symbol inside this file, so a program
// with its own stb links without clashes and nothing of stb reaches the library's link
// interface; the decoder is instrumented with the rest of the library when fuzzed.
#include "VulkanWrapper/Image/StbCodec.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <new>
#include <vector>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_ONLY_PSD
#define STBI_ONLY_HDR
#include <stb/stb_image.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
// Not STBI_WRITE_NO_STDIO: stb_image_write 1.16 compiles its HDR writer only with stdio.
#include <stb/stb_image_write.h>

namespace vw::detail {

namespace {

bool fits_int(std::span<const std::byte> bytes) { return bytes.size() <= static_cast<std::size_t>(INT_MAX); }

const stbi_uc *as_uc(std::span<const std::byte> bytes) { return reinterpret_cast<const stbi_uc *>(bytes.data()); }

// False when a JPEG has a Huffman table of more than 256 codes. The stb_image of Debian 12
// (2022-09) does not check that and writes past its code-size table (found by vw-image-fuzzer);
// later stb releases reject such a table ("bad DHT header"), as this does first. Everything
// else, malformed or not, is left to stb.
bool jpeg_huffman_tables_fit(std::span<const std::byte> bytes) noexcept {
    const auto at = [&](std::size_t i) { return std::to_integer<unsigned>(bytes[i]); };
    // stb reads a marker after any number of 0xFF fill bytes, the start-of-image one included.
    std::size_t start = 0;
    while (start < bytes.size() && at(start) == 0xFF) ++start;
    if (start == 0 || start >= bytes.size() || at(start) != 0xD8) return true;
    std::size_t pos = start + 1;
    while (pos + 4 <= bytes.size()) {
        if (at(pos) != 0xFF) {
            // Entropy-coded data after a scan: on to the next marker that is not a stuffed
            // zero or a restart marker.
            ++pos;
            continue;
        }
        const unsigned marker = at(pos + 1);
        if (marker == 0xFF || marker == 0x00 || marker == 0x01 || marker == 0xD8 ||
            (marker >= 0xD0 && marker <= 0xD7)) {
            pos += marker == 0xFF ? 1 : 2;
            continue;
        }
        if (marker == 0xD9) return true;
        const std::size_t length = at(pos + 2) << 8 | at(pos + 3);
        if (marker != 0xC4) {
            if (length < 2) return true;
            pos += 2 + length;
            continue;
        }
        // As stb reads it: tables until the segment's length is used up, each read whole even
        // past the segment's end (past the file's end stb reads zeros), and the next marker
        // looked for where the last table ended.
        std::size_t cursor = pos + 4;
        std::ptrdiff_t left = static_cast<std::ptrdiff_t>(length) - 2;
        while (left > 0 && cursor < bytes.size()) {
            std::size_t codes = 0;
            for (std::size_t i = 1; i <= 16 && cursor + i < bytes.size(); ++i) codes += at(cursor + i);
            if (codes > 256) return false;
            cursor += 17 + codes;
            left -= static_cast<std::ptrdiff_t>(17 + codes);
        }
        pos = cursor;
    }
    return true;
}

std::size_t be16(std::span<const std::byte> bytes, std::size_t i) noexcept {
    return std::size_t{std::to_integer<unsigned>(bytes[i])} << 8 | std::to_integer<unsigned>(bytes[i + 1]);
}

// The bit depth in a Photoshop file's header, or 0 for bytes that are not one.
std::size_t psd_depth(std::span<const std::byte> bytes) noexcept {
    if (bytes.size() < 26 || be16(bytes, 0) != 0x3842 || be16(bytes, 2) != 0x5053) return 0;
    return be16(bytes, 22);
}

// Where a Photoshop file's image data starts (its 2-byte compression field), past the colour
// mode data, image resources and layer sections; 0 for a file too short to say.
std::size_t psd_image_data(std::span<const std::byte> bytes) noexcept {
    std::size_t pos = 26;
    for (int section = 0; section < 3; ++section) {
        if (pos + 4 > bytes.size()) return 0;
        const std::size_t length = be16(bytes, pos) << 16 | be16(bytes, pos + 2);
        if (length > bytes.size() - pos - 4) return 0;
        pos += 4 + length;
    }
    return pos + 2 <= bytes.size() ? pos : 0;
}

// True for a 16-bit Photoshop file with RLE-compressed pixels. stb_image reads those as 8-bit
// planes (it decodes 16 bits only from uncompressed data) and returns wrong pixels without an
// error; Photoshop itself writes 16-bit files raw or ZIP-compressed, never RLE.
bool psd_sixteen_bit_rle(std::span<const std::byte> bytes) noexcept {
    if (psd_depth(bytes) != 16) return false;
    const std::size_t data = psd_image_data(bytes);
    return data != 0 && be16(bytes, data) == 1;
}

// A Photoshop file of more than three planes as one of its three colour planes alone: the
// channel count made 3 and, for RLE data, the row-length table cut to those planes (the planes
// follow one another, so theirs come first). stb_image "removes the white matte" of a fourth
// (alpha) plane with float-to-integer conversions out of range, undefined behaviour, wherever a
// dark pixel is partly transparent (found by vw-image-fuzzer); without it the alpha is opaque.
// Empty for every other file, or one too short to rewrite (left to stb as it is).
std::vector<std::byte> psd_colour_planes(std::span<const std::byte> bytes) {
    if (psd_depth(bytes) == 0 || be16(bytes, 12) <= 3 || be16(bytes, 12) > 16) return {}; // stb refuses > 16
    const std::size_t data = psd_image_data(bytes);
    if (data == 0) return {};
    const std::size_t planes = be16(bytes, 12);
    const std::size_t height = be16(bytes, 14) << 16 | be16(bytes, 16);
    std::vector<std::byte> out(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(data + 2));
    out[12] = std::byte{0};
    out[13] = std::byte{3};
    std::size_t rest = data + 2;
    if (be16(bytes, data) == 1) {
        const std::size_t table = height * planes * 2;
        if (table > bytes.size() - rest) return {};
        out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(rest),
                   bytes.begin() + static_cast<std::ptrdiff_t>(rest + height * 3 * 2));
        rest += table;
    }
    out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(rest), bytes.end());
    return out;
}

// A PNG file without its empty image-data chunks, which carry nothing of the compressed stream.
// stb_image copies an empty first IDAT into its not yet allocated buffer, memcpy from a null
// pointer, undefined behaviour (found by vw-image-fuzzer). Empty for every other file.
std::vector<std::byte> png_without_empty_data(std::span<const std::byte> bytes) {
    static constexpr unsigned char signature[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (bytes.size() < sizeof signature) return {};
    for (std::size_t i = 0; i < sizeof signature; ++i)
        if (std::to_integer<unsigned char>(bytes[i]) != signature[i]) return {};
    const auto empty_data = [&](std::size_t pos) {
        return be16(bytes, pos) == 0 && be16(bytes, pos + 2) == 0 && be16(bytes, pos + 4) == 0x4944 &&
               be16(bytes, pos + 6) == 0x4154;
    };
    std::vector<std::byte> out;
    std::size_t pos = sizeof signature;
    std::size_t kept = 0; // bytes before pos already in out (or to be copied once a chunk drops)
    bool dropped = false;
    while (pos + 8 <= bytes.size()) {
        const std::size_t length = be16(bytes, pos) << 16 | be16(bytes, pos + 2);
        const std::size_t end = length > bytes.size() - pos - 8 ? bytes.size() : std::min(bytes.size(), pos + 12 + length);
        if (empty_data(pos)) {
            if (!dropped) out.reserve(bytes.size());
            out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(kept), bytes.begin() + static_cast<std::ptrdiff_t>(pos));
            kept = end;
            dropped = true;
        }
        pos = end;
    }
    if (!dropped) return {};
    out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(kept), bytes.end());
    return out;
}

// What stb_image would decode wrongly or unsafely is refused first, with stb's own kind of
// reason; everything else, malformed or not, is left to stb.
bool acceptable(std::span<const std::byte> bytes) noexcept {
    if (!jpeg_huffman_tables_fit(bytes)) {
        stbi__err("bad DHT header", "Corrupt JPEG");
        return false;
    }
    if (psd_sixteen_bit_rle(bytes)) {
        stbi__err("16-bit RLE-compressed PSD is not supported", "Unsupported PSD");
        return false;
    }
    return true;
}

void append(void *context, void *data, int size) {
    auto &out = *static_cast<std::vector<std::byte> *>(context);
    const auto *begin = static_cast<const std::byte *>(data);
    try {
        out.insert(out.end(), begin, begin + size);
    } catch (const std::bad_alloc &) {
        out.clear();
        out.shrink_to_fit();
    }
}

} // namespace

void StbFree::operator()(void *pixels) const noexcept { stbi_image_free(pixels); }

bool stb_info(std::span<const std::byte> bytes, StbInfo &info) noexcept {
    if (!fits_int(bytes)) {
        stbi__err("file too large", "file too large");
        return false;
    }
    if (!acceptable(bytes)) return false;
    const int length = static_cast<int>(bytes.size());
    if (!stbi_info_from_memory(as_uc(bytes), length, &info.width, &info.height, &info.channels)) return false;
    // Debian's stb_image looks for a PSD's depth at the wrong offset (the height and width it
    // means to skip are read inside STBI_NOTUSED, a sizeof, so never), so 16-bit PSDs are
    // recognised here; its decoder reads them right.
    info.is_16_bit = stbi_is_16_bit_from_memory(as_uc(bytes), length) != 0 || psd_depth(bytes) == 16;
    info.is_hdr = stbi_is_hdr_from_memory(as_uc(bytes), length) != 0;
    return true;
}

StbPixels stb_decode(std::span<const std::byte> bytes, StbDepth depth, int desired_channels, int &width,
                     int &height, int &channels) noexcept {
    if (!fits_int(bytes)) {
        stbi__err("file too large", "file too large");
        return nullptr;
    }
    if (!acceptable(bytes)) return nullptr;
    std::vector<std::byte> rewritten;
    try {
        rewritten = psd_colour_planes(bytes);
        if (rewritten.empty()) rewritten = png_without_empty_data(bytes);
    } catch (const std::bad_alloc &) {
        stbi__err("outofmem", "Out of memory");
        return nullptr;
    }
    if (!rewritten.empty()) bytes = rewritten;
    const int length = static_cast<int>(bytes.size());
    switch (depth) {
    case StbDepth::Eight:
        return StbPixels(stbi_load_from_memory(as_uc(bytes), length, &width, &height, &channels, desired_channels));
    case StbDepth::Sixteen:
        return StbPixels(stbi_load_16_from_memory(as_uc(bytes), length, &width, &height, &channels, desired_channels));
    case StbDepth::Float:
        return StbPixels(stbi_loadf_from_memory(as_uc(bytes), length, &width, &height, &channels, desired_channels));
    }
    return nullptr;
}

const char *stb_failure_reason() noexcept { return stbi_failure_reason(); }

bool stb_write_png8(int width, int height, int channels, const void *pixels, std::vector<std::byte> &out) {
    out.clear();
    return stbi_write_png_to_func(append, &out, width, height, channels, pixels, width * channels) != 0 &&
           !out.empty();
}

bool stb_write_hdr(int width, int height, int channels, const float *pixels, std::vector<std::byte> &out) {
    out.clear();
    return stbi_write_hdr_to_func(append, &out, width, height, channels, pixels) != 0 && !out.empty();
}

bool stb_zlib_compress(std::span<const std::byte> data, std::vector<std::byte> &out) {
    if (!fits_int(data)) return false;
    int length = 0;
    unsigned char *compressed = stbi_zlib_compress(
        const_cast<unsigned char *>(reinterpret_cast<const unsigned char *>(data.data())),
        static_cast<int>(data.size()), &length, stbi_write_png_compression_level);
    if (!compressed) return false;
    try {
        out.assign(reinterpret_cast<const std::byte *>(compressed), reinterpret_cast<const std::byte *>(compressed) + length);
    } catch (const std::bad_alloc &) {
        STBIW_FREE(compressed);
        return false;
    }
    STBIW_FREE(compressed);
    return true;
}

} // namespace vw::detail
