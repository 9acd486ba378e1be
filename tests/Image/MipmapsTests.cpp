#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "Image/CommandRecorderFixture.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"

namespace vw {
namespace {

using test::CommandRecorderTests;

TEST_F(CommandRecorderTests, GenerateMipmapsAveragesEachLevelFromTheOneAbove) {
    auto chain = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{4}, Height{4})
                     .setFullMipChain()
                     .setArrayLayers(2)
                     .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                               vk::ImageUsageFlagBits::eSampled)
                     .build();
    ASSERT_EQ(chain->mip_levels(), 3U);
    // Layer 0: each 2x2 block holds 0, 40, 80, 120 in red (average 60); layer 1: all 200.
    std::vector<std::uint8_t> texels(4 * 4 * 4 * 2, 255);
    for (std::size_t y = 0; y < 4; ++y) {
        for (std::size_t x = 0; x < 4; ++x) {
            texels[(y * 4 + x) * 4] = static_cast<std::uint8_t>(((y % 2) * 2 + x % 2) * 40);
            texels[64 + (y * 4 + x) * 4] = 200;
        }
    }
    auto source = host_bytes(texels);
    auto back = host_bytes(std::vector<std::uint8_t>(64, 0));
    CommandRecorder recorder(*commands, tracker);
    const vk::BufferImageCopy up(0, 0, 0, {vk::ImageAspectFlagBits::eColor, 0, 0, 2}, {0, 0, 0}, {4, 4, 1});
    recorder.copy(*source, *chain, std::span(&up, 1));
    recorder.generate_mipmaps(*chain);
    EXPECT_EQ(tracker.layout(chain->tracked(), vk::ImageAspectFlagBits::eColor, 1, 1),
              vk::ImageLayout::eTransferSrcOptimal);
    EXPECT_EQ(tracker.layout(chain->tracked(), vk::ImageAspectFlagBits::eColor, 2, 0),
              vk::ImageLayout::eTransferDstOptimal);
    // Levels 1 (2x2, two layers: 32 bytes) and 2 (1x1, two layers: 8 bytes).
    const std::array down{vk::BufferImageCopy(0, 0, 0, mip_layers(*chain, MipLevel{1}), {0, 0, 0}, {2, 2, 1}),
                          vk::BufferImageCopy(32, 0, 0, mip_layers(*chain, MipLevel{2}), {0, 0, 0}, {1, 1, 1})};
    recorder.copy(*chain, *back, down);
    submit(recorder, *back);
    const auto got = back->read_as_vector(0, 40);
    auto near = [](int value, int expected) { return value >= expected - 1 && value <= expected + 1; };
    for (std::size_t texel = 0; texel < 4; ++texel) {
        EXPECT_TRUE(near(got[texel * 4], 60)) << int(got[texel * 4]);
        EXPECT_EQ(got[16 + texel * 4], 200);
    }
    EXPECT_TRUE(near(got[32], 60)) << int(got[32]);
    EXPECT_EQ(got[36], 200);
}

TEST_F(CommandRecorderTests, PerLevelHelpers) {
    auto chain = image(vk::Format::eR8G8B8A8Unorm, 16, 4, 5, 3);
    EXPECT_EQ(mip_range(*chain, MipLevel{2}),
              vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, 2, 1, 0, 3));
    EXPECT_EQ(mip_layers(*chain, MipLevel{4}),
              vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, 4, 0, 3));
    const auto corners = mip_blit_offsets(*chain, MipLevel{3});
    EXPECT_EQ(corners[0], vk::Offset3D(0, 0, 0));
    EXPECT_EQ(corners[1], vk::Offset3D(2, 1, 1));
    EXPECT_EQ(ImageBuilder()
                  .setDevice(device)
                  .setAllocator(allocator)
                  .setFormat(vk::Format::eR8G8B8A8Unorm)
                  .setExtent(Width{100}, Height{7})
                  .setFullMipChain()
                  .setUsage(vk::ImageUsageFlagBits::eSampled)
                  .build()
                  ->mip_levels(),
              7U);
}

} // namespace
} // namespace vw
