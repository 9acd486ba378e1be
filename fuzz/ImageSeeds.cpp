// Writes the image fuzzer's seeds into the directory given (scripts/fuzz.sh runs it): small
// pictures of every kind the decoder reads — PNG of 1 to 4 channels at 8 and 16 bits, Radiance
// HDR, BMP, TGA (plain and RLE), JPEG, PSD (8-bit raw and RLE, 16-bit raw) — made from code by
// the library and the tests' picture writers (tests/Support/PictureFiles), so that no binary
// file is committed.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "Support/PictureFiles.h"
#include "VulkanWrapper/Image/ImageFile.h"

namespace {

void write(const std::filesystem::path &path, const std::vector<std::byte> &bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
}

vw::PixelImage picture(std::uint32_t width, std::uint32_t height, std::uint32_t channels, vw::PixelType type) {
    vw::PixelImage image{width, height, channels, type, {}};
    image.pixels.resize(std::size_t{width} * height * image.pixel_bytes());
    for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::byte>(i * 29 + i / 5);
    if (type == vw::PixelType::Float32) {
        for (std::size_t i = 0; i < image.pixels.size() / 4; ++i) {
            const float value = static_cast<float>(i % 17) * 0.37F;
            std::memcpy(image.pixels.data() + i * 4, &value, 4);
        }
    }
    return image;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <directory>\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir(argv[1]);
    std::filesystem::create_directories(dir);
    for (std::uint32_t channels = 1; channels <= 4; ++channels) {
        const std::string n = std::to_string(channels);
        write(dir / ("png8-" + n + ".png"), vw::encode_png(picture(7, 5, channels, vw::PixelType::UInt8)));
        write(dir / ("png16-" + n + ".png"), vw::encode_png(picture(5, 3, channels, vw::PixelType::UInt16)));
    }
    write(dir / "light.hdr", vw::encode_hdr(picture(6, 4, 3, vw::PixelType::Float32)));
    const vw::PixelImage rgb = picture(9, 6, 3, vw::PixelType::UInt8);
    const vw::PixelImage rgba = picture(9, 6, 4, vw::PixelType::UInt8);
    const auto bytes = [](const vw::PixelImage &image) {
        return std::vector<std::uint8_t>(reinterpret_cast<const std::uint8_t *>(image.pixels.data()),
                                         reinterpret_cast<const std::uint8_t *>(image.pixels.data()) + image.pixels.size());
    };
    using vw::test::PictureKind;
    write(dir / "rgb.bmp", vw::test::write_picture(PictureKind::Bmp, 9, 6, 3, bytes(rgb)));
    write(dir / "plain.tga", vw::test::write_picture(PictureKind::TgaPlain, 9, 6, 4, bytes(rgba)));
    write(dir / "rle.tga", vw::test::write_picture(PictureKind::Tga, 9, 6, 3, bytes(rgb)));
    write(dir / "photo.jpg", vw::test::write_picture(PictureKind::Jpeg, 9, 6, 3, bytes(rgb)));
    write(dir / "raw.psd", vw::test::write_psd(9, 6, 3, 8, false, rgb.pixels));
    write(dir / "rle.psd", vw::test::write_psd(9, 6, 4, 8, true, rgba.pixels));
    write(dir / "deep.psd", vw::test::write_psd(5, 3, 4, 16, false, picture(5, 3, 4, vw::PixelType::UInt16).pixels));
    return 0;
}
