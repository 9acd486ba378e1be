// Writes the image fuzzer's seeds into the directory given (scripts/fuzz.sh runs it): small
// pictures of every kind the decoder reads that the library or stb_image_write can make — PNG
// of 1 to 4 channels at 8 and 16 bits, Radiance HDR, BMP, TGA (plain and RLE), JPEG — made
// here from code, so that no binary file is committed.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

#include "VulkanWrapper/Image/ImageFile.h"

namespace {

void append(void *context, void *data, int size) {
    auto &out = *static_cast<std::vector<std::byte> *>(context);
    out.insert(out.end(), static_cast<std::byte *>(data), static_cast<std::byte *>(data) + size);
}

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
    std::vector<std::byte> out;
    stbi_write_bmp_to_func(append, &out, 9, 6, 3, rgb.pixels.data());
    write(dir / "rgb.bmp", out);
    out.clear();
    stbi_write_tga_with_rle = 0;
    stbi_write_tga_to_func(append, &out, 9, 6, 4, rgba.pixels.data());
    write(dir / "plain.tga", out);
    out.clear();
    stbi_write_tga_with_rle = 1;
    stbi_write_tga_to_func(append, &out, 9, 6, 3, rgb.pixels.data());
    write(dir / "rle.tga", out);
    out.clear();
    stbi_write_jpg_to_func(append, &out, 9, 6, 3, rgb.pixels.data(), 90);
    write(dir / "photo.jpg", out);
    return 0;
}
