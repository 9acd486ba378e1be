#include "Support/PictureFiles.h"

#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace vw::test {

namespace {

void append(void *context, void *data, int size) {
    auto &out = *static_cast<std::vector<std::byte> *>(context);
    const auto *begin = static_cast<const std::byte *>(data);
    out.insert(out.end(), begin, begin + size);
}

void put_u32(std::vector<std::byte> &out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>((value >> shift) & 0xffU));
}

void put_u16(std::vector<std::byte> &out, std::uint32_t value) {
    out.push_back(static_cast<std::byte>((value >> 8) & 0xffU));
    out.push_back(static_cast<std::byte>(value & 0xffU));
}

// PackBits: a run of 2 to 128 equal bytes is (1 - n, byte); anything else goes in literal
// packets of up to 128 bytes (n - 1, bytes...).
std::vector<std::byte> pack_bits(const std::vector<std::byte> &row) {
    std::vector<std::byte> out;
    std::size_t i = 0;
    while (i < row.size()) {
        std::size_t run = 1;
        while (i + run < row.size() && run < 128 && row[i + run] == row[i]) ++run;
        if (run >= 2) {
            out.push_back(static_cast<std::byte>(static_cast<std::uint8_t>(257 - run)));
            out.push_back(row[i]);
            i += run;
            continue;
        }
        std::size_t literal = 1;
        while (i + literal < row.size() && literal < 128 &&
               !(i + literal + 1 < row.size() && row[i + literal] == row[i + literal + 1])) {
            ++literal;
        }
        out.push_back(static_cast<std::byte>(literal - 1));
        out.insert(out.end(), row.begin() + static_cast<std::ptrdiff_t>(i),
                   row.begin() + static_cast<std::ptrdiff_t>(i + literal));
        i += literal;
    }
    return out;
}

} // namespace

std::vector<std::byte> write_psd(std::uint32_t width, std::uint32_t height, std::uint32_t channels, int bits,
                                 bool rle, const std::vector<std::byte> &pixels) {
    const std::size_t value = bits == 16 ? 2 : 1;
    if (pixels.size() != std::size_t{width} * height * channels * value) throw std::invalid_argument("write_psd: size");
    std::vector<std::byte> out;
    for (const char c : {'8', 'B', 'P', 'S'}) out.push_back(static_cast<std::byte>(c));
    put_u16(out, 1);
    out.insert(out.end(), 6, std::byte{0});
    put_u16(out, channels);
    put_u32(out, height);
    put_u32(out, width);
    put_u16(out, static_cast<std::uint32_t>(bits));
    put_u16(out, 3); // RGB
    for (int section = 0; section < 3; ++section) put_u32(out, 0); // mode data, resources, layers
    put_u16(out, rle ? 1 : 0);
    // Planar, big-endian: every row of channel 0, then of channel 1...
    std::vector<std::vector<std::byte>> rows;
    for (std::uint32_t c = 0; c < channels; ++c) {
        for (std::uint32_t y = 0; y < height; ++y) {
            std::vector<std::byte> row;
            for (std::uint32_t x = 0; x < width; ++x) {
                const std::byte *v = pixels.data() + ((std::size_t{y} * width + x) * channels + c) * value;
                if (value == 2) {
                    std::uint16_t native = 0;
                    std::memcpy(&native, v, 2);
                    put_u16(row, native);
                } else {
                    row.push_back(*v);
                }
            }
            rows.push_back(rle ? pack_bits(row) : row);
        }
    }
    if (rle) {
        for (const auto &row : rows) put_u16(out, static_cast<std::uint32_t>(row.size()));
    }
    for (const auto &row : rows) out.insert(out.end(), row.begin(), row.end());
    return out;
}

std::vector<std::byte> write_picture(PictureKind kind, int width, int height, int channels,
                                     const std::vector<std::uint8_t> &pixels) {
    std::vector<std::byte> out;
    int ok = 0;
    switch (kind) {
    case PictureKind::Bmp: ok = stbi_write_bmp_to_func(append, &out, width, height, channels, pixels.data()); break;
    case PictureKind::Tga:
    case PictureKind::TgaPlain:
        stbi_write_tga_with_rle = kind == PictureKind::Tga ? 1 : 0;
        ok = stbi_write_tga_to_func(append, &out, width, height, channels, pixels.data());
        break;
    case PictureKind::Jpeg: ok = stbi_write_jpg_to_func(append, &out, width, height, channels, pixels.data(), 100); break;
    }
    if (!ok) throw std::runtime_error("stb_image_write failed");
    return out;
}

std::vector<std::byte> png_header_only(std::uint32_t width, std::uint32_t height, int bits) {
    std::vector<std::byte> out;
    for (const int b : {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a}) out.push_back(static_cast<std::byte>(b));
    put_u32(out, 13);
    for (const char c : {'I', 'H', 'D', 'R'}) out.push_back(static_cast<std::byte>(c));
    put_u32(out, width);
    put_u32(out, height);
    for (const int b : {bits, 6, 0, 0, 0}) out.push_back(static_cast<std::byte>(b));
    put_u32(out, 0); // CRC: stb_image does not check it
    put_u32(out, 0);
    for (const char c : {'I', 'E', 'N', 'D'}) out.push_back(static_cast<std::byte>(c));
    put_u32(out, 0xae426082U);
    return out;
}

TempDir::TempDir() {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    m_path = std::filesystem::temp_directory_path() /
             ("vw-test-" + std::to_string(random()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

void write_bytes(const std::filesystem::path &path, const std::vector<std::byte> &bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

} // namespace vw::test
