#pragma once

// Picture files the tests make themselves: stb_image_write's BMP, TGA and JPEG writers
// (Debian's header, compiled in PictureFiles.cpp), and PNG headers of any size with no pixels.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace vw::test {

enum class PictureKind { Bmp, Tga, Jpeg };

// `pixels`: width × height × channels bytes.
[[nodiscard]] std::vector<std::byte> write_picture(PictureKind kind, int width, int height, int channels,
                                                   const std::vector<std::uint8_t> &pixels);

// A PNG signature, an IHDR of `width` × `height` 8-bit RGBA, and IEND: what a header reader sees.
[[nodiscard]] std::vector<std::byte> png_header_only(std::uint32_t width, std::uint32_t height);

// A fresh directory under the system's temporary one, removed with the object.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    [[nodiscard]] std::filesystem::path operator/(const char *name) const { return m_path / name; }
    [[nodiscard]] const std::filesystem::path &path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
};

void write_bytes(const std::filesystem::path &path, const std::vector<std::byte> &bytes);

} // namespace vw::test
