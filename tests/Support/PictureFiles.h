#pragma once

// Picture files the tests (and the image fuzzer's seed writer) make themselves: stb_image_write's
// BMP, TGA and JPEG writers (Debian's header, compiled in PictureFiles.cpp), Photoshop files, and
// PNG headers of any size with no pixels.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace vw::test {

// Tga is run-length encoded, TgaPlain is not.
enum class PictureKind { Bmp, Tga, TgaPlain, Jpeg };

// `pixels`: width × height × channels bytes. JPEG at quality 100.
[[nodiscard]] std::vector<std::byte> write_picture(PictureKind kind, int width, int height, int channels,
                                                   const std::vector<std::uint8_t> &pixels);

// A PNG signature, an IHDR of `width` × `height` RGBA of `bits` (8 or 16) a value, and IEND:
// what a header reader sees.
[[nodiscard]] std::vector<std::byte> png_header_only(std::uint32_t width, std::uint32_t height, int bits = 8);

// A Photoshop file in RGB colour mode: `channels` (3 or 4) planes of `bits` (8 or 16) a value,
// uncompressed or PackBits (RLE) compressed row by row. `pixels`: width × height × channels
// values, 16-bit ones in native byte order.
[[nodiscard]] std::vector<std::byte> write_psd(std::uint32_t width, std::uint32_t height, std::uint32_t channels,
                                               int bits, bool rle, const std::vector<std::byte> &pixels);

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
