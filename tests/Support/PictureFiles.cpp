#include "Support/PictureFiles.h"

#include <atomic>
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

} // namespace

std::vector<std::byte> write_picture(PictureKind kind, int width, int height, int channels,
                                     const std::vector<std::uint8_t> &pixels) {
    std::vector<std::byte> out;
    int ok = 0;
    switch (kind) {
    case PictureKind::Bmp: ok = stbi_write_bmp_to_func(append, &out, width, height, channels, pixels.data()); break;
    case PictureKind::Tga:
        stbi_write_tga_with_rle = 1;
        ok = stbi_write_tga_to_func(append, &out, width, height, channels, pixels.data());
        break;
    case PictureKind::Jpeg: ok = stbi_write_jpg_to_func(append, &out, width, height, channels, pixels.data(), 100); break;
    }
    if (!ok) throw std::runtime_error("stb_image_write failed");
    return out;
}

std::vector<std::byte> png_header_only(std::uint32_t width, std::uint32_t height) {
    std::vector<std::byte> out;
    for (const int b : {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a}) out.push_back(static_cast<std::byte>(b));
    put_u32(out, 13);
    for (const char c : {'I', 'H', 'D', 'R'}) out.push_back(static_cast<std::byte>(c));
    put_u32(out, width);
    put_u32(out, height);
    for (const int b : {8, 6, 0, 0, 0}) out.push_back(static_cast<std::byte>(b));
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
