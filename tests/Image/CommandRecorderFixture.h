#pragma once

// The fixture of the CommandRecorderTests suite, shared by Image/CommandRecorderTests.cpp and
// Image/MipmapsTests.cpp: GoogleTest requires every test of a suite to use the same fixture class.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"

namespace vw::test {

using Bytes = Buffer<std::uint8_t, true, TransferSrcUsage | TransferDstUsage, HostAccess::Random>;
constexpr BufferUse host_read{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead};
constexpr BufferUse host_write{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostWrite};

class CommandRecorderTests : public AllocatorTest {
protected:
    void SetUp() override {
        AllocatorTest::SetUp();
        pool.emplace(device, device->graphics_queue().family_index());
        commands.emplace(pool->allocate());
    }
    void TearDown() override {
        commands.reset();
        pool.reset();
        AllocatorTest::TearDown();
    }

    std::unique_ptr<Bytes> host_bytes(const std::vector<std::uint8_t> &contents) {
        auto buffer = allocator->allocate<Bytes>(contents.size());
        buffer->write(std::span(contents), 0);
        tracker.track(*buffer, host_write);
        return buffer;
    }
    std::unique_ptr<Image> image(vk::Format format, std::uint32_t width, std::uint32_t height,
                                 std::uint32_t levels = 1, std::uint32_t layers = 1) {
        return ImageBuilder()
            .setDevice(device)
            .setAllocator(allocator)
            .setFormat(format)
            .setExtent(Width{width}, Height{height})
            .setMipLevels(levels)
            .setArrayLayers(layers)
            .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                      vk::ImageUsageFlagBits::eSampled)
            .build();
    }
    // Ends the recording with the readback made visible to the host, submits and waits.
    void submit(CommandRecorder &recorder, const Bytes &readback) {
        tracker.request(readback, host_read);
        recorder.flush();
        recorder.end();
        commands->submit_and_wait(device->graphics_queue());
    }
    static vk::BufferImageCopy whole_level(const Image &image, std::uint32_t level,
                                           vk::DeviceSize offset = 0) {
        return {offset, 0, 0, mip_layers(image, MipLevel{level}), {0, 0, 0},
                image.mip_extent(MipLevel{level})};
    }

    std::optional<CommandPool> pool;
    std::optional<CommandBuffer> commands;
    ResourceTracker tracker;
};

} // namespace vw::test
