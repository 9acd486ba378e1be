#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <random>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Transfer/StagingBufferManager.h"
#include "VulkanWrapper/Transfer/Transfer.h"

namespace vw {
namespace {

using Bytes = std::vector<std::byte>;
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;

Bytes random_bytes(std::size_t count, std::uint32_t seed) {
    std::mt19937 random(seed);
    Bytes bytes(count);
    for (auto &b : bytes) b = static_cast<std::byte>(random());
    return bytes;
}

class StagingBufferManagerTests : public test::AllocatorTest {
protected:
    // Records the manager's copies into a fresh command buffer and submits it with the signal.
    void flush_and_submit(StagingBufferManager &manager) {
        CommandPool pool(device, device->compute_queue().family_index());
        CommandBuffer commands = pool.allocate();
        commands.begin();
        const vk::SemaphoreSubmitInfo signal = manager.flush(commands);
        commands.end();
        Fence fence(device);
        Submission(device->compute_queue()).addCommands(commands).addSignal(signal).submit(fence);
        fence.wait(); // the command buffer must not be freed while pending
    }

    std::shared_ptr<Image> make_image() {
        return ImageBuilder()
            .setDevice(device)
            .setAllocator(allocator)
            .setFormat(vk::Format::eR8G8B8A8Unorm)
            .setExtent(Width{32}, Height{16})
            .setMipLevels(2)
            .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eTransferSrc |
                      vk::ImageUsageFlagBits::eSampled)
            .build();
    }
};

TEST_F(StagingBufferManagerTests, BatchedCopiesLandWhereTheyWereStaged) {
    StagingBufferManager manager(device, allocator);
    std::shared_ptr<DeviceWords> a = allocator->allocate<DeviceWords>(1000);
    std::shared_ptr<DeviceWords> b = allocator->allocate<DeviceWords>(10);
    std::shared_ptr<Image> image = make_image();
    std::vector<std::uint32_t> first(1000), second(4, 0xABCDU);
    for (std::uint32_t i = 0; i < first.size(); ++i) first[i] = i * 3U;
    const Bytes level0 = random_bytes(Transfer::subresource_bytes(*image, MipLevel{0}), 1);
    const Bytes level1 = random_bytes(Transfer::subresource_bytes(*image, MipLevel{1}), 2);

    manager.stage(a, std::span<const std::uint32_t>(first));
    manager.stage(b, std::span<const std::uint32_t>(second), 6);
    manager.stage(image, level0, MipLevel{0}, ArrayLayer{0});
    manager.stage(image, level1, MipLevel{1}, ArrayLayer{0});
    EXPECT_EQ(manager.staged(), 4U);
    flush_and_submit(manager);
    EXPECT_EQ(manager.staged(), 0U);

    Transfer transfer(device, allocator);
    EXPECT_EQ(transfer.download(*a), first);
    EXPECT_EQ(transfer.download(*b, 6, 4), second);
    EXPECT_EQ(transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eShaderReadOnlyOptimal), level0);
    EXPECT_EQ(transfer.download(*image, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eShaderReadOnlyOptimal), level1);
}

TEST_F(StagingBufferManagerTests, StagingMemoryAndDestinationsLiveUntilTheSubmissionCompletes) {
    StagingBufferManager manager(device, allocator);
    auto buffer = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(256));
    const std::vector<std::uint32_t> data(256, 7U);
    manager.stage(buffer, std::span<const std::uint32_t>(data));
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U); // destination + staging
    const std::weak_ptr<DeviceWords> weak = buffer;
    buffer.reset(); // the manager holds it now

    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    const vk::SemaphoreSubmitInfo signal = manager.flush(commands);
    commands.end();
    ASSERT_TRUE(signal.semaphore);
    EXPECT_EQ(manager.in_flight(), 1U);
    EXPECT_FALSE(weak.expired());
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);

    Fence fence(device);
    Submission(device->compute_queue()).addCommands(commands).addSignal(signal).submit(fence);
    fence.wait();
    // The fence does not order the host's view of the timeline value (lavapipe under TSan shows
    // the fence first): wait for the value the manager watches.
    const vk::SemaphoreWaitInfo reached({}, signal.semaphore, signal.value);
    ASSERT_EQ(device->handle().waitSemaphores(&reached, UINT64_MAX, device->dispatcher()),
              vk::Result::eSuccess);
    manager.release_completed();
    EXPECT_EQ(manager.in_flight(), 0U);
    EXPECT_TRUE(weak.expired());
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(StagingBufferManagerTests, NothingStagedFlushesNothing) {
    StagingBufferManager manager(device, allocator);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    EXPECT_FALSE(manager.flush(commands).semaphore);
    commands.end();
    EXPECT_EQ(manager.in_flight(), 0U);
}

TEST_F(StagingBufferManagerTests, BadInputIsALogicErrorAndStagesNothing) {
    StagingBufferManager manager(device, allocator);
    std::shared_ptr<DeviceWords> buffer = allocator->allocate<DeviceWords>(10);
    const std::vector<std::uint32_t> eleven(11, 1U);
    EXPECT_THROW(manager.stage(buffer, std::span<const std::uint32_t>(eleven)), LogicError);
    EXPECT_THROW(manager.stage(buffer, std::span<const std::uint32_t>(eleven).first(2), 9), LogicError);
    std::shared_ptr<BufferBase> vertex_only = std::make_shared<BufferBase>(
        allocator->allocate_buffer(64, VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, HostAccess::None));
    EXPECT_THROW(manager.stage_bytes(vertex_only, Bytes(4), 0), LogicError);
    EXPECT_THROW(manager.stage_bytes(nullptr, Bytes(4), 0), LogicError);
    std::shared_ptr<Image> image = make_image();
    EXPECT_THROW(manager.stage(image, Bytes(5), MipLevel{0}, ArrayLayer{0}), LogicError);
    EXPECT_THROW(manager.stage(image, Bytes(32 * 16 * 4), MipLevel{2}, ArrayLayer{0}), LogicError);
    EXPECT_THROW(manager.stage(image, Bytes(32 * 16 * 4), MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eUndefined),
                 LogicError);
    EXPECT_EQ(manager.staged(), 0U);
    EXPECT_THROW(StagingBufferManager(nullptr, allocator), LogicError);
}

TEST_F(StagingBufferManagerTests, DestructionWaitsForSubmittedBatches) {
    auto buffer = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(64 * 1024));
    const std::vector<std::uint32_t> data(64 * 1024, 0x5A5AU);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    {
        StagingBufferManager manager(device, allocator);
        manager.stage(buffer, std::span<const std::uint32_t>(data));
        commands.begin();
        const vk::SemaphoreSubmitInfo signal = manager.flush(commands);
        commands.end();
        commands.submit(device->compute_queue(), {}, std::span(&signal, 1));
    } // waits here for the copy, then frees the staging buffer
    device->compute_queue().wait_idle();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    Transfer transfer(device, allocator);
    EXPECT_EQ(transfer.download(*buffer), data);
}

} // namespace
} // namespace vw
