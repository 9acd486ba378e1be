#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "Support/FaultInjection.h"
#include "Support/PictureFiles.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageFile.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Statistics.h"
#include "VulkanWrapper/Transfer/Texture.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {
namespace {

using test::TempDir;

class TextureTests : public test::AllocatorTest {
protected:
    void SetUp() override {
        AllocatorTest::SetUp();
        transfer.emplace(device, allocator);
    }
    void TearDown() override {
        transfer.reset();
        AllocatorTest::TearDown();
    }

    std::optional<Transfer> transfer;
};

PixelImage random_rgba(std::uint32_t width, std::uint32_t height, unsigned seed) {
    PixelImage image{width, height, 4, PixelType::UInt8, std::vector<std::byte>(std::size_t{width} * height * 4)};
    std::mt19937 random(seed);
    for (std::byte &b : image.pixels) b = static_cast<std::byte>(random() & 0xffU);
    return image;
}

// The next level on the CPU: each texel the bilinear sample at its centre mapped into the
// level above, which a linear blit to half the size is. Where a side halves exactly that is the
// 2 × 2 box filter; where an odd side of 3 becomes 1 it is the middle texel.
PixelImage box_filter(const PixelImage &above) {
    const std::uint32_t width = std::max(above.width / 2, 1U);
    const std::uint32_t height = std::max(above.height / 2, 1U);
    PixelImage out{width, height, above.channels, PixelType::UInt8, std::vector<std::byte>(std::size_t{width} * height * 4)};
    auto at = [&](int x, int y, std::uint32_t c) {
        x = std::clamp(x, 0, static_cast<int>(above.width) - 1);
        y = std::clamp(y, 0, static_cast<int>(above.height) - 1);
        return static_cast<double>(std::to_integer<int>(above.pixels[(std::size_t(y) * above.width + std::size_t(x)) * 4 + c]));
    };
    auto source = [](std::uint32_t i, std::uint32_t from, std::uint32_t to) {
        return (i + 0.5) * static_cast<double>(from) / static_cast<double>(to) - 0.5;
    };
    for (std::uint32_t y = 0; y < height; ++y) {
        const double v = source(y, above.height, height);
        const int y0 = static_cast<int>(std::floor(v));
        const double fy = v - y0;
        for (std::uint32_t x = 0; x < width; ++x) {
            const double u = source(x, above.width, width);
            const int x0 = static_cast<int>(std::floor(u));
            const double fx = u - x0;
            for (std::uint32_t c = 0; c < 4; ++c) {
                const double value = (1 - fy) * ((1 - fx) * at(x0, y0, c) + fx * at(x0 + 1, y0, c)) +
                                     fy * ((1 - fx) * at(x0, y0 + 1, c) + fx * at(x0 + 1, y0 + 1, c));
                out.pixels[(std::size_t{y} * width + x) * 4 + c] = static_cast<std::byte>(std::lround(value));
            }
        }
    }
    return out;
}

TEST_F(TextureTests, PngFileBecomesASampledTextureWithTheSameTexels) {
    TempDir dir;
    const PixelImage written = random_rgba(17, 9, 1);
    save_image(dir / "picture.png", written);
    const Texture texture = load_texture(*transfer, allocator, dir / "picture.png",
                                         TextureOptions{.color_space = ColorSpace::Linear, .mipmaps = false});
    EXPECT_EQ(texture.image->format(), vk::Format::eR8G8B8A8Unorm);
    EXPECT_EQ(texture.image->mip_levels(), 1U);
    EXPECT_EQ(texture.view->image(), texture.image->handle());
    EXPECT_EQ(texture.image->name(), (dir / "picture.png").string());
    const PixelImage back = read_texture(*transfer, *texture.image);
    EXPECT_EQ(back.pixels, written.pixels);
    // sRGB by default, the encoded values kept.
    const Texture srgb = load_texture(*transfer, allocator, dir / "picture.png", TextureOptions{.mipmaps = false});
    EXPECT_EQ(srgb.image->format(), vk::Format::eR8G8B8A8Srgb);
    EXPECT_EQ(read_texture(*transfer, *srgb.image).pixels, written.pixels);
}

TEST_F(TextureTests, MipChainMatchesACpuFilterWithinOneStep) {
    const PixelImage level0 = random_rgba(64, 24, 2);
    const Texture texture = upload_texture(*transfer, allocator, level0, "chain",
                                           TextureOptions{.color_space = ColorSpace::Linear});
    ASSERT_EQ(texture.image->mip_levels(), 7U);
    PixelImage above = read_texture(*transfer, *texture.image, MipLevel{0});
    ASSERT_EQ(above.pixels, level0.pixels);
    // Each level against the CPU filter of the level above it as the GPU made it (64 × 24 has
    // both exact halvings and a 3 → 1 step), within the device's rounding: ±1 of 255.
    for (std::uint32_t level = 1; level < texture.image->mip_levels(); ++level) {
        const PixelImage got = read_texture(*transfer, *texture.image, MipLevel{level});
        const PixelImage expected = box_filter(above);
        ASSERT_EQ(got.width, expected.width) << level;
        ASSERT_EQ(got.height, expected.height) << level;
        int worst = 0;
        for (std::size_t i = 0; i < got.pixels.size(); ++i) {
            worst = std::max(worst, std::abs(std::to_integer<int>(got.pixels[i]) - std::to_integer<int>(expected.pixels[i])));
        }
        EXPECT_LE(worst, 1) << "level " << level;
        above = got;
    }
}

TEST_F(TextureTests, SixteenBitFileRoundTripsThroughTheDevice) {
    TempDir dir;
    std::vector<std::uint16_t> data(6 * 4 * 4);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint16_t>(i * 683 + 3);
    PixelImage deep{6, 4, 4, PixelType::UInt16, std::vector<std::byte>(data.size() * 2)};
    std::memcpy(deep.pixels.data(), data.data(), deep.pixels.size());
    save_image(dir / "deep.png", deep);
    const Texture texture = load_texture(*transfer, allocator, dir / "deep.png");
    EXPECT_EQ(texture.image->format(), vk::Format::eR16G16B16A16Unorm);
    save_texture(*transfer, *texture.image, dir / "back.png");
    const PixelImage back = load_image(dir / "back.png");
    EXPECT_EQ(back.type, PixelType::UInt16);
    EXPECT_EQ(back.pixels, deep.pixels);
}

TEST_F(TextureTests, HdrFileLoadsAsHalfOrFullFloats) {
    TempDir dir;
    const std::vector<float> data{2.0F, 1.0F, 0.5F, 0.25F, 0.125F, 0.0625F, 96.0F, 64.0F, 32.0F, 0.0F, 0.0F, 0.0F};
    PixelImage light{2, 2, 3, PixelType::Float32, std::vector<std::byte>(data.size() * 4)};
    std::memcpy(light.pixels.data(), data.data(), light.pixels.size());
    save_image(dir / "light.hdr", light);
    for (const bool full : {false, true}) {
        const Texture texture =
            load_texture(*transfer, allocator, dir / "light.hdr", TextureOptions{.float32 = full, .mipmaps = false});
        EXPECT_EQ(texture.image->format(),
                  full ? vk::Format::eR32G32B32A32Sfloat : vk::Format::eR16G16B16A16Sfloat);
        const PixelImage back = read_texture(*transfer, *texture.image);
        ASSERT_EQ(back.channels, 4U);
        std::vector<float> got(16);
        std::memcpy(got.data(), back.pixels.data(), 64);
        for (std::size_t p = 0; p < 4; ++p) {
            for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(got[p * 4 + c], data[p * 3 + c]);
            EXPECT_EQ(got[p * 4 + 3], 1.0F);
        }
        save_texture(*transfer, *texture.image, dir / "again.hdr");
        const PixelImage again = load_image(dir / "again.hdr");
        EXPECT_EQ(again.width, 2U);
        std::vector<float> saved(12);
        std::memcpy(saved.data(), again.pixels.data(), 48);
        EXPECT_EQ(saved, data);
    }
}

TEST_F(TextureTests, BgraAndSingleChannelImagesSaveAsRgbaAndGrey) {
    TempDir dir;
    auto bgra = ImageBuilder()
                    .setDevice(device)
                    .setAllocator(allocator)
                    .setFormat(vk::Format::eB8G8R8A8Unorm)
                    .setExtent(Width{2}, Height{1})
                    .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                              vk::ImageUsageFlagBits::eSampled)
                    .build();
    const std::vector<std::uint8_t> texels{10, 20, 30, 40, 50, 60, 70, 80};
    transfer->upload(*bgra, std::as_bytes(std::span(texels)), MipLevel{0}, ArrayLayer{0});
    save_texture(*transfer, *bgra, dir / "bgra.png");
    const PixelImage read = load_image(dir / "bgra.png");
    ASSERT_EQ(read.channels, 4U);
    EXPECT_EQ(read.pixels, (std::vector<std::byte>{std::byte{30}, std::byte{20}, std::byte{10}, std::byte{40},
                                                   std::byte{70}, std::byte{60}, std::byte{50}, std::byte{80}}));
    PixelImage grey{3, 1, 1, PixelType::UInt8, {std::byte{0}, std::byte{100}, std::byte{255}}};
    const Texture r8 = upload_texture(*transfer, allocator, grey, "grey",
                                      TextureOptions{.color_space = ColorSpace::Linear, .mipmaps = false});
    EXPECT_EQ(r8.image->format(), vk::Format::eR8Unorm);
    save_texture(*transfer, *r8.image, dir / "grey.png");
    const PixelImage grey_back = load_image(dir / "grey.png");
    EXPECT_EQ(grey_back.channels, 1U);
    EXPECT_EQ(grey_back.pixels, grey.pixels);
}

TEST_F(TextureTests, BadFilesThrowNamingThemAndAllocateNothing) {
    TempDir dir;
    const auto before = allocator->statistics().total.allocation_count;
    try {
        (void)load_texture(*transfer, allocator, dir / "missing.png");
        ADD_FAILURE() << "no exception";
    } catch (const ImageFileError &error) {
        EXPECT_NE(error.message().find("missing.png"), std::string::npos);
    }
    const std::vector<std::byte> png = encode_png(random_rgba(16, 16, 3));
    test::write_bytes(dir / "cut.png", std::vector<std::byte>(png.begin(), png.begin() + 60));
    EXPECT_THROW((void)load_texture(*transfer, allocator, dir / "cut.png"), ImageFileError);
    const std::uint32_t max_side = device->physical_device().properties().limits.maxImageDimension2D;
    const std::vector<std::byte> wide = test::png_header_only(max_side + 1, 1);
    try {
        (void)load_texture(*transfer, allocator, wide, "wide.png");
        ADD_FAILURE() << "no exception";
    } catch (const NotSupportedError &error) {
        EXPECT_NE(error.message().find("wide.png"), std::string::npos);
        EXPECT_NE(error.message().find("maxImageDimension2D"), std::string::npos);
    }
    // A format the device cannot give a texture: 16-bit UNORM pixels made sRGB are fine, but
    // TextureOptions that cannot be met are refused before anything is made.
    EXPECT_THROW((void)load_texture(*transfer, allocator, png, "three.png", TextureOptions{.channels = 3}),
                 LogicError);
    EXPECT_THROW((void)load_texture(*transfer, allocator, png, "undefined.png",
                                    TextureOptions{.layout = vk::ImageLayout::eUndefined}),
                 LogicError);
    EXPECT_EQ(allocator->statistics().total.allocation_count, before);
}

TEST_F(TextureTests, PsdFileBecomesATextureWithOpaqueAlpha) {
    PixelImage rgb{5, 3, 3, PixelType::UInt8, std::vector<std::byte>(5 * 3 * 3)};
    for (std::size_t i = 0; i < rgb.pixels.size(); ++i) rgb.pixels[i] = static_cast<std::byte>(i * 13 + 1);
    const std::vector<std::byte> psd = test::write_psd(5, 3, 3, 8, true, rgb.pixels);
    const Texture texture = load_texture(*transfer, allocator, psd, "picture.psd", TextureOptions{.mipmaps = false});
    EXPECT_EQ(texture.image->format(), vk::Format::eR8G8B8A8Srgb);
    const PixelImage back = read_texture(*transfer, *texture.image);
    ASSERT_EQ(back.pixels.size(), 5U * 3 * 4);
    for (std::size_t p = 0; p < 15; ++p) {
        for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(back.pixels[p * 4 + c], rgb.pixels[p * 3 + c]) << p;
        EXPECT_EQ(back.pixels[p * 4 + 3], std::byte{255}) << p;
    }
}

TEST_F(TextureTests, EveryLayerAndLevelSavesAndRedGreenBecomesRgb) {
    TempDir dir;
    auto layered = ImageBuilder()
                       .setDevice(device)
                       .setAllocator(allocator)
                       .setFormat(vk::Format::eR8G8B8A8Unorm)
                       .setExtent(Width{8}, Height{4})
                       .setMipLevels(2)
                       .setArrayLayers(3)
                       .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                                 vk::ImageUsageFlagBits::eSampled)
                       .build();
    std::vector<PixelImage> written;
    for (std::uint32_t layer = 0; layer < 3; ++layer) {
        for (std::uint32_t level = 0; level < 2; ++level) {
            written.push_back(random_rgba(8 >> level, 4 >> level, 10 + layer * 2 + level));
            transfer->upload(*layered, written.back().pixels, MipLevel{level}, ArrayLayer{layer});
        }
    }
    for (std::uint32_t layer = 0; layer < 3; ++layer) {
        for (std::uint32_t level = 0; level < 2; ++level) {
            const auto file = dir.path() / ("layer" + std::to_string(layer) + "-level" + std::to_string(level) + ".png");
            save_texture(*transfer, *layered, file, MipLevel{level}, ArrayLayer{layer});
            const PixelImage read = load_image(file);
            EXPECT_EQ(read.width, 8U >> level);
            EXPECT_EQ(read.pixels, written[layer * 2 + level].pixels) << "layer " << layer << " level " << level;
        }
    }
    EXPECT_THROW(save_texture(*transfer, *layered, dir / "none.png", MipLevel{0}, ArrayLayer{3}), LogicError);
    EXPECT_FALSE(std::filesystem::exists(dir / "none.png"));

    // R and G of a two-channel image are red and green in the file, blue zero.
    const PixelImage rg{3, 1, 2, PixelType::UInt8,
                        {std::byte{10}, std::byte{20}, std::byte{30}, std::byte{40}, std::byte{250}, std::byte{0}}};
    const Texture texture = upload_texture(*transfer, allocator, rg, "rg",
                                           TextureOptions{.color_space = ColorSpace::Linear, .mipmaps = false});
    EXPECT_EQ(texture.image->format(), vk::Format::eR8G8Unorm);
    EXPECT_EQ(read_texture(*transfer, *texture.image).channels, 2U);
    save_texture(*transfer, *texture.image, dir / "rg.png");
    const PixelImage rgb = load_image(dir / "rg.png");
    EXPECT_EQ(rgb.channels, 3U);
    EXPECT_EQ(rgb.pixels, (std::vector<std::byte>{std::byte{10}, std::byte{20}, std::byte{0}, std::byte{30},
                                                  std::byte{40}, std::byte{0}, std::byte{250}, std::byte{0},
                                                  std::byte{0}}));
}

TEST_F(TextureTests, ATextureLargerThanAnyDeviceLocalHeapIsRefusedBeforeAnythingIsMade) {
    // The largest side the device allows, 16-bit RGBA, with its mip chain.
    const std::uint32_t side = device->physical_device().properties().limits.maxImageDimension2D;
    vk::DeviceSize bytes = 0;
    for (std::uint32_t s = side; s > 0; s /= 2) bytes += vk::DeviceSize{s} * s * 8;
    const auto &memory = device->physical_device().memory_properties();
    vk::DeviceSize largest = 0;
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) largest = std::max(largest, memory.memoryHeaps[i].size);
    if (bytes <= largest) GTEST_SKIP() << "the largest 16-bit texture this device allows fits in a heap";
    const auto before = allocator->statistics().total.allocation_count;
    try {
        (void)load_texture(*transfer, allocator, test::png_header_only(side, side, 16), "huge.png");
        ADD_FAILURE() << "no exception";
    } catch (const OutOfMemoryError &error) {
        EXPECT_NE(error.message().find("huge.png"), std::string::npos) << error.message();
        EXPECT_NE(error.message().find("larger than any device-local heap"), std::string::npos) << error.message();
        EXPECT_EQ(error.requested_bytes(), bytes);
    }
    EXPECT_EQ(allocator->statistics().total.allocation_count, before);
}

TEST_F(TextureTests, FormatsTheDeviceCannotSampleOrBlitAreRefusedNamingTheFile) {
    if (!test::fault::available()) GTEST_SKIP() << "needs the fault-injection layer (VW_FAULT_LAYER=0)";
    const std::vector<std::byte> png = encode_png(random_rgba(8, 8, 5));
    const auto before = allocator->statistics().total.allocation_count;
    {
        // No linear filtering: a texture without mips is still possible, a mip chain is not.
        const test::fault::HiddenFormatFeatures hidden(vk::Format::eR8G8B8A8Srgb,
                                                       vk::FormatFeatureFlagBits::eSampledImageFilterLinear);
        try {
            (void)load_texture(*transfer, allocator, png, "nofilter.png");
            ADD_FAILURE() << "no exception";
        } catch (const NotSupportedError &error) {
            EXPECT_NE(error.message().find("nofilter.png"), std::string::npos) << error.message();
            EXPECT_NE(error.message().find("SampledImageFilterLinear"), std::string::npos) << error.message();
        }
        EXPECT_EQ(allocator->statistics().total.allocation_count, before);
        const Texture flat = load_texture(*transfer, allocator, png, "flat.png", TextureOptions{.mipmaps = false});
        EXPECT_EQ(flat.image->mip_levels(), 1U);
    }
    {
        // (The upload above left the transfer engine's staging block, which it keeps.)
        const auto kept = allocator->statistics().total.allocation_count;
        const test::fault::HiddenFormatFeatures hidden(vk::Format::eR8G8B8A8Unorm, vk::FormatFeatureFlagBits::eSampledImage);
        EXPECT_THROW((void)load_texture(*transfer, allocator, png, "unsampled.png",
                                        TextureOptions{.color_space = ColorSpace::Linear, .mipmaps = false}),
                     NotSupportedError);
        EXPECT_EQ(allocator->statistics().total.allocation_count, kept);
    }
    // The device is as it was once the features show again.
    const Texture texture = load_texture(*transfer, allocator, png, "again.png");
    EXPECT_EQ(texture.image->mip_levels(), 4U);
}

TEST_F(TextureTests, ReadTextureRefusesFormatsWithoutPixels) {
    auto depth = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eD32Sfloat)
                     .setExtent(Width{4}, Height{4})
                     .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eDepthStencilAttachment)
                     .build();
    EXPECT_THROW((void)read_texture(*transfer, *depth), NotSupportedError);
    const Texture texture = upload_texture(*transfer, allocator, random_rgba(4, 4, 4), "small");
    EXPECT_THROW((void)read_texture(*transfer, *texture.image, MipLevel{3}), LogicError);
}

} // namespace
} // namespace vw
