// Textures with vw: a picture file (made here: a 256 × 128 gradient with a checker, written as
// PNG) loaded into a device-local sRGB texture with its full mip chain made on the GPU, then
// every level read back and saved to PNG beside the executable, with the validation layer on.
// Each saved level is checked: the right size, and its mean colour in linear light within 1%
// of level 0's.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <VulkanWrapper/Image/ImageFile.h>
#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Transfer/Texture.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

namespace {

// The mean of one channel in linear light: sRGB textures are filtered after decoding.
double average(const vw::PixelImage &image, std::uint32_t channel) {
    double sum = 0;
    for (std::size_t i = channel; i < image.pixels.size(); i += image.channels) {
        const double encoded = std::to_integer<int>(image.pixels[i]) / 255.0;
        sum += encoded <= 0.04045 ? encoded / 12.92 : std::pow((encoded + 0.055) / 1.055, 2.4);
    }
    return sum / (static_cast<double>(image.width) * image.height);
}

} // namespace

int main(int argc, char **argv) {
    try {
        const std::filesystem::path dir = argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path("texture-example");
        std::filesystem::create_directories(dir);

        vw::PixelImage picture{256, 128, 4, vw::PixelType::UInt8, std::vector<std::byte>(256 * 128 * 4)};
        for (std::uint32_t y = 0; y < picture.height; ++y) {
            for (std::uint32_t x = 0; x < picture.width; ++x) {
                std::byte *texel = &picture.pixels[(std::size_t{y} * picture.width + x) * 4];
                const bool dark = ((x / 16) + (y / 16)) % 2 == 0;
                texel[0] = static_cast<std::byte>(x);
                texel[1] = static_cast<std::byte>(y * 2);
                texel[2] = static_cast<std::byte>(dark ? 40 : 220);
                texel[3] = std::byte{255};
            }
        }
        vw::save_image(dir / "picture.png", picture);

        auto instance = vw::InstanceBuilder().setDebug().setApplicationName("texture").build();
        auto device = instance->findGpu().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        vw::Transfer transfer(device, allocator);

        // One call: decode, sRGB RGBA8 image with 9 levels, upload, mips, view.
        const vw::Texture texture = vw::load_texture(transfer, allocator, dir / "picture.png");
        std::printf("%s: %s, %u x %u, %u levels\n", (dir / "picture.png").string().c_str(),
                    vk::to_string(texture.image->format()).c_str(), texture.image->extent().width,
                    texture.image->extent().height, texture.image->mip_levels());

        bool ok = texture.image->mip_levels() == 9;
        for (std::uint32_t level = 0; level < texture.image->mip_levels(); ++level) {
            const std::filesystem::path file = dir / ("level-" + std::to_string(level) + ".png");
            vw::save_texture(transfer, *texture.image, file, vw::MipLevel{level});
            const vw::PixelImage saved = vw::load_image(file);
            const vk::Extent3D extent = texture.image->mip_extent(vw::MipLevel{level});
            ok = ok && saved.width == extent.width && saved.height == extent.height;
            for (std::uint32_t c = 0; c < 3; ++c) {
                const double delta = average(saved, c) - average(picture, c);
                ok = ok && delta < 0.01 && delta > -0.01;
            }
            std::printf("  %s: %u x %u\n", file.string().c_str(), saved.width, saved.height);
        }
        ok = ok && instance->validation_error_count() == 0;
        std::printf("%s\n", ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "texture: %s\n", error.what());
        return 1;
    }
}
