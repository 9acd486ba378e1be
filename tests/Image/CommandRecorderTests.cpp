#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "Image/CommandRecorderFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

using DeviceBytes = Buffer<std::uint8_t, false, StorageBufferUsage>;
using test::CommandRecorderTests;

std::vector<std::uint8_t> iota_bytes(std::size_t n) {
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) {
        bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
    }
    return bytes;
}

TEST_F(CommandRecorderTests, BufferRangesCopiedFilledAndReadBack) {
    const auto contents = iota_bytes(1024);
    auto source = host_bytes(contents);
    auto middle = allocator->allocate<DeviceBytes>(1024);
    auto back = host_bytes(std::vector<std::uint8_t>(1024, 0));
    CommandRecorder recorder(*commands, tracker);
    recorder.fill(*middle, 0, VK_WHOLE_SIZE, 0xABABABABU);
    const std::array regions{vk::BufferCopy(0, 512, 256), vk::BufferCopy(768, 0, 128)};
    recorder.copy(*source, *middle, regions);
    recorder.copy(*middle, *back);
    recorder.fill(*back, 1020, 4, 0x01020304U);
    submit(recorder, *back);
    const auto got = back->read_as_vector(0, 1024);
    for (std::size_t i = 0; i < 1024; ++i) {
        std::uint8_t expected = 0xAB;
        if (i >= 512 && i < 768) expected = contents[i - 512];
        if (i < 128) expected = contents[768 + i];
        if (i >= 1020) expected = static_cast<std::uint8_t>(4 - (i - 1020)); // little endian
        ASSERT_EQ(got[i], expected) << i;
    }
}

TEST_F(CommandRecorderTests, BufferToImageToImageToBufferRoundTrip) {
    auto first = image(vk::Format::eR8G8B8A8Unorm, 8, 8, 1, 2);
    auto second = image(vk::Format::eR8G8B8A8Uint, 8, 8); // same texel size, other format
    const auto contents = iota_bytes(8 * 8 * 4 * 2);
    auto source = host_bytes(contents);
    auto back = host_bytes(std::vector<std::uint8_t>(8 * 8 * 4, 0));
    CommandRecorder recorder(*commands, tracker);
    const vk::BufferImageCopy up(0, 0, 0, {vk::ImageAspectFlagBits::eColor, 0, 0, 2}, {0, 0, 0}, {8, 8, 1});
    recorder.copy(*source, *first, std::span(&up, 1));
    // Layer 1 of `first` to `second`, its left half only; then the right half from layer 0.
    const std::array copies{
        vk::ImageCopy({vk::ImageAspectFlagBits::eColor, 0, 1, 1}, {0, 0, 0},
                      {vk::ImageAspectFlagBits::eColor, 0, 0, 1}, {0, 0, 0}, {4, 8, 1}),
        vk::ImageCopy({vk::ImageAspectFlagBits::eColor, 0, 0, 1}, {4, 0, 0},
                      {vk::ImageAspectFlagBits::eColor, 0, 0, 1}, {4, 0, 0}, {4, 8, 1})};
    recorder.copy(*first, *second, copies);
    const auto down = whole_level(*second, 0);
    recorder.copy(*second, *back, std::span(&down, 1));
    submit(recorder, *back);
    const auto got = back->read_as_vector(0, 256);
    for (std::size_t y = 0; y < 8; ++y) {
        for (std::size_t x = 0; x < 8; ++x) {
            for (std::size_t c = 0; c < 4; ++c) {
                const std::size_t layer = x < 4 ? 1 : 0;
                ASSERT_EQ(got[(y * 8 + x) * 4 + c], contents[layer * 256 + (y * 8 + x) * 4 + c]);
            }
        }
    }
}

TEST_F(CommandRecorderTests, BlitNearestScalesUpAndClearsColourAndDepth) {
    auto small = image(vk::Format::eR8G8B8A8Unorm, 2, 2);
    auto large = image(vk::Format::eR8G8B8A8Unorm, 4, 4);
    const std::vector<std::uint8_t> texels{10, 0, 0, 255, 20, 0, 0, 255, 30, 0, 0, 255, 40, 0, 0, 255};
    auto source = host_bytes(texels);
    auto back = host_bytes(std::vector<std::uint8_t>(64 + 16, 0));
    auto depth = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eD32Sfloat)
                     .setExtent(Width{2}, Height{2})
                     .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                               vk::ImageUsageFlagBits::eDepthStencilAttachment)
                     .build();
    CommandRecorder recorder(*commands, tracker);
    const auto up = whole_level(*small, 0);
    recorder.copy(*source, *small, std::span(&up, 1));
    recorder.clear(*large, vk::ClearColorValue(std::array{1.0F, 1.0F, 1.0F, 1.0F}), large->full_range());
    const vk::ImageBlit blit(mip_layers(*small, MipLevel{0}), mip_blit_offsets(*small, MipLevel{0}),
                             mip_layers(*large, MipLevel{0}), mip_blit_offsets(*large, MipLevel{0}));
    recorder.blit(*small, *large, std::span(&blit, 1), vk::Filter::eNearest);
    recorder.clear(*depth, vk::ClearDepthStencilValue(0.25F, 0), depth->full_range());
    const std::array down{whole_level(*large, 0), whole_level(*depth, 0, 64)};
    recorder.copy(*large, *back, std::span(&down[0], 1));
    recorder.copy(*depth, *back, std::span(&down[1], 1));
    submit(recorder, *back);
    const auto got = back->read_as_vector(0, 80);
    for (std::size_t y = 0; y < 4; ++y) {
        for (std::size_t x = 0; x < 4; ++x) {
            ASSERT_EQ(got[(y * 4 + x) * 4], texels[((y / 2) * 2 + x / 2) * 4]) << x << "," << y;
            ASSERT_EQ(got[(y * 4 + x) * 4 + 3], 255);
        }
    }
    for (std::size_t i = 0; i < 4; ++i) {
        float value = 0;
        std::memcpy(&value, got.data() + 64 + i * 4, 4);
        EXPECT_EQ(value, 0.25F);
    }
}

TEST_F(CommandRecorderTests, BlitsAndMipChainsForAFamilyWithoutGraphicsAreNotSupported) {
    // Recorded there they are invalid, and a real GPU (an H200) loses the device on them.
    // A family the device was created with (the H200's compute-only family 2).
    std::optional<std::uint32_t> no_graphics;
    for (const Queue *queue : {&device->compute_queue(), &device->transfer_queue()}) {
        if (!(queue->flags() & vk::QueueFlagBits::eGraphics)) no_graphics = queue->family_index();
    }
    if (!no_graphics) GTEST_SKIP() << "every queue family of the device has graphics (lavapipe)";
    CommandPool other(device, *no_graphics);
    CommandBuffer recording = other.allocate();
    auto source = image(vk::Format::eR8G8B8A8Unorm, 4, 4);
    auto target = image(vk::Format::eR8G8B8A8Unorm, 8, 8, 4);
    CommandRecorder recorder(recording, tracker);
    const vk::ImageBlit blit(mip_layers(*source, MipLevel{0}), mip_blit_offsets(*source, MipLevel{0}),
                             mip_layers(*target, MipLevel{0}), mip_blit_offsets(*target, MipLevel{0}));
    EXPECT_THROW(recorder.blit(*source, *target, std::span(&blit, 1), vk::Filter::eNearest), NotSupportedError);
    EXPECT_THROW(recorder.generate_mipmaps(*target), NotSupportedError);
    EXPECT_TRUE(tracker.pending_image_barriers().empty());
    recorder.end();
}

TEST_F(CommandRecorderTests, BadInputThrowsWithNothingRecordedOrTracked) {
    auto target = image(vk::Format::eR8G8B8A8Unorm, 4, 4);
    auto sampled_only = test::small_image(allocator, 4).build();
    auto source = host_bytes(iota_bytes(64));
    auto integers = image(vk::Format::eR32Uint, 4, 4, 3);
    CommandRecorder recorder(*commands, tracker);
    const auto pending_before = tracker.pending_buffer_barriers().size();
    // A region past the end of the image, and one past the end of the buffer.
    const vk::BufferImageCopy outside(0, 0, 0, mip_layers(*target, MipLevel{0}), {2, 0, 0}, {4, 4, 1});
    EXPECT_THROW(recorder.copy(*source, *target, std::span(&outside, 1)), LogicError);
    const vk::BufferImageCopy too_long(16, 0, 0, mip_layers(*target, MipLevel{0}), {0, 0, 0}, {4, 4, 1});
    EXPECT_THROW(recorder.copy(*source, *target, std::span(&too_long, 1)), LogicError);
    // Buffer strides whose byte count wraps 64 bits (to 4 bytes, which the buffer holds).
    auto layered = image(vk::Format::eR8G8B8A8Unorm, 4, 4, 1, 9);
    const vk::BufferImageCopy wrapping(0, 1U << 30, 1U << 31, {vk::ImageAspectFlagBits::eColor, 0, 0, 9}, {0, 0, 0},
                                       {1, 1, 1});
    try {
        recorder.copy(*source, *layered, std::span(&wrapping, 1));
        ADD_FAILURE() << "no LogicError";
    } catch (const LogicError &error) {
        EXPECT_NE(error.message().find("do not fit in 64 bits"), std::string::npos) << error.message();
    }
    EXPECT_THROW(recorder.fill(*source, 2, 4, 0), LogicError);
    EXPECT_THROW(recorder.fill(*source, 0, 68, 0), LogicError);
    const vk::BufferCopy overlapping(0, 8, 16);
    EXPECT_THROW(recorder.copy(*source, *source, std::span(&overlapping, 1)), LogicError);
    // Usage the image lacks; a mip chain of a format the device cannot filter linearly.
    EXPECT_THROW(recorder.clear(*sampled_only, vk::ClearColorValue(), sampled_only->full_range()),
                 LogicError);
    EXPECT_THROW(recorder.generate_mipmaps(*sampled_only), LogicError);
    EXPECT_THROW(recorder.generate_mipmaps(*integers, vk::Filter::eLinear), NotSupportedError);
    EXPECT_EQ(tracker.layout(integers->tracked(), vk::ImageAspectFlagBits::eColor, 1, 0),
              vk::ImageLayout::eUndefined);
    EXPECT_EQ(tracker.layout(target->tracked(), vk::ImageAspectFlagBits::eColor, 0, 0),
              vk::ImageLayout::eUndefined);
    EXPECT_EQ(tracker.pending_buffer_barriers().size(), pending_before);
    EXPECT_TRUE(tracker.pending_image_barriers().empty());
    EXPECT_THROW((void)mip_range(*target, MipLevel{1}), LogicError);
    recorder.end();
    EXPECT_THROW(recorder.fill(*source, 0, 4, 0), LogicError); // ended
    EXPECT_THROW(tracker.flush(*commands), LogicError);        // not recording
}

TEST_F(CommandRecorderTests, ARecorderLeftWithoutEndAbandonsTheRecording) {
    auto buffer = host_bytes(iota_bytes(16));
    {
        CommandRecorder recorder(*commands, tracker);
        recorder.fill(*buffer, 0, 16, 7);
        EXPECT_TRUE(commands->is_recording());
    }
    EXPECT_FALSE(commands->is_recording());
}

} // namespace
} // namespace vw
