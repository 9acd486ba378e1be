#include <gtest/gtest.h>

#include <chrono>

#include <cstddef>
#include <memory>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

#include "Support/FaultInjection.h"
#include "Support/RandomBytes.h"
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

using test::random_bytes;

class StagingBufferManagerTests : public test::AllocatorTest {
protected:
    // Records the manager's copies into a fresh command buffer and submits it with the signal.
    void flush_and_submit(StagingBufferManager &manager) {
        CommandPool pool(device, device->compute_queue().family_index());
        CommandBuffer commands = pool.allocate();
        commands.begin();
        const StagingFlush batch = manager.flush(commands);
        commands.end();
        Fence fence(device);
        Submission(device->compute_queue()).addCommands(commands).addSignals(batch.signals()).submit(fence);
        fence.wait(); // the command buffer must not be freed while pending
        if (batch) wait_for(batch.signal());
    }

    // The fence does not order the host's view of the timeline value (lavapipe under TSan shows
    // the fence first): wait for the value the manager watches.
    void wait_for(const vk::SemaphoreSubmitInfo &signal) {
        const vk::SemaphoreWaitInfo reached({}, signal.semaphore, signal.value);
        ASSERT_EQ(device->handle().waitSemaphores(&reached, UINT64_MAX, device->dispatcher()),
                  vk::Result::eSuccess);
    }

    std::unique_ptr<Image> make_unique_image() {
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

    std::shared_ptr<Image> make_image() { return make_unique_image(); }
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
    const StagingFlush batch = manager.flush(commands);
    commands.end();
    ASSERT_TRUE(batch);
    ASSERT_EQ(batch.signals().size(), 1U);
    EXPECT_TRUE(batch.signal().semaphore);
    EXPECT_EQ(batch.signals().data(), &batch.signal()); // the one signal, not a copy
    EXPECT_EQ(manager.in_flight(), 1U);
    EXPECT_FALSE(weak.expired());
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);

    Fence fence(device);
    Submission(device->compute_queue()).addCommands(commands).addSignals(batch.signals()).submit(fence);
    fence.wait();
    wait_for(batch.signal());
    manager.release_completed();
    EXPECT_EQ(manager.in_flight(), 0U);
    EXPECT_TRUE(weak.expired());
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(StagingBufferManagerTests, NothingStagedFlushesNothingAndOffersNoSignal) {
    StagingBufferManager manager(device, allocator);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    const StagingFlush batch = manager.flush(commands);
    commands.end();
    EXPECT_FALSE(batch);
    EXPECT_TRUE(batch.signals().empty());
    EXPECT_THROW((void)batch.signal(), LogicError);
    EXPECT_EQ(manager.in_flight(), 0U);
    // The signal list as is: submitting the empty case signals nothing (a null semaphore in a
    // signal list would be a validation error).
    Fence fence(device);
    Submission(device->compute_queue()).addCommands(commands).addSignals(batch.signals()).submit(fence);
    fence.wait();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

// signals() points into the result: it is refused on a temporary, where it would dangle.
template <typename Flush>
concept SignalsOfTemporary = requires { std::declval<Flush>().signals(); };
static_assert(!SignalsOfTemporary<StagingFlush>);
static_assert(SignalsOfTemporary<const StagingFlush &>);
static_assert(!std::is_convertible_v<StagingFlush, bool>, "operator bool is explicit");

// stage() takes what Allocator::allocate() and ImageBuilder::build() return, moved in, as well as
// shared pointers; a unique_ptr that is not moved in does not compile.
template <typename Pointer>
concept Stageable = requires(StagingBufferManager manager, Pointer pointer, std::span<const std::uint32_t> data) {
    manager.stage(std::forward<Pointer>(pointer), data);
};
template <typename Pointer>
concept ImageStageable = requires(StagingBufferManager manager, Pointer pointer, std::span<const std::byte> texels) {
    manager.stage(std::forward<Pointer>(pointer), texels, MipLevel{0}, ArrayLayer{0});
};
static_assert(Stageable<std::unique_ptr<DeviceWords>>);
static_assert(Stageable<std::shared_ptr<DeviceWords>>);
static_assert(Stageable<std::shared_ptr<DeviceWords> &>);
static_assert(!Stageable<std::unique_ptr<DeviceWords> &>);
static_assert(ImageStageable<std::unique_ptr<Image>>);
static_assert(ImageStageable<std::shared_ptr<Image> &>);
static_assert(!ImageStageable<std::unique_ptr<Image> &>);

TEST_F(StagingBufferManagerTests, UniquePointersAreTakenOverAndKeptUntilTheBatchCompletes) {
    StagingBufferManager manager(device, allocator);
    std::unique_ptr<DeviceWords> buffer = allocator->allocate<DeviceWords>(300);
    std::unique_ptr<Image> image = make_unique_image();
    const DeviceWords *raw_buffer = buffer.get();
    const Image *raw_image = image.get();
    std::vector<std::uint32_t> words(300);
    for (std::uint32_t i = 0; i < words.size(); ++i) words[i] = 0xC0DE0000U + i;
    const Bytes texels = random_bytes(Transfer::subresource_bytes(*image, MipLevel{1}), 3);

    // Refused or empty: nothing staged, and the pointers are still the caller's.
    const std::vector<std::uint32_t> too_many(301, 1U);
    EXPECT_THROW(manager.stage(std::move(buffer), std::span<const std::uint32_t>(too_many)), LogicError);
    EXPECT_THROW(manager.stage(std::move(image), Bytes(3), MipLevel{1}, ArrayLayer{0}), LogicError);
    manager.stage(std::move(buffer), std::span<const std::uint32_t>());
    ASSERT_NE(buffer, nullptr);
    ASSERT_NE(image, nullptr);
    EXPECT_EQ(manager.staged(), 0U);

    manager.stage(std::move(buffer), std::span<const std::uint32_t>(words));
    manager.stage(std::move(image), texels, MipLevel{1}, ArrayLayer{0});
    EXPECT_EQ(buffer, nullptr);
    EXPECT_EQ(image, nullptr);
    EXPECT_EQ(manager.staged(), 2U);
    // Destinations and staging (both copies packed into one staging block), all held by the
    // manager now.
    EXPECT_EQ(allocator->statistics().total.allocation_count, 3U);

    flush_and_submit(manager);
    {
        Transfer transfer(device, allocator, TransferOptions{});
        EXPECT_EQ(transfer.download(*raw_buffer), words);
        EXPECT_EQ(transfer.download(*raw_image, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eShaderReadOnlyOptimal),
                  texels);
    }
    manager.release_completed();
    EXPECT_EQ(manager.in_flight(), 0U);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(StagingBufferManagerTests, AManagerMadeFromATransferSharesItsArenaAndAllocatesNothingOnceWarm) {
    TransferOptions options;
    options.staging_idle = std::chrono::hours(1); // no block ages out, however slow the machine
    Transfer transfer(device, allocator, options);
    StagingBufferManager manager(transfer);
    std::vector<std::shared_ptr<DeviceWords>> buffers;
    for (std::size_t i = 0; i < 50; ++i) buffers.push_back(allocator->allocate<DeviceWords>(100 + i));
    std::shared_ptr<Image> image = make_image();
    const auto batch = [&](std::uint32_t seed) {
        std::vector<std::vector<std::uint32_t>> data;
        for (std::size_t i = 0; i < buffers.size(); ++i) {
            data.emplace_back(buffers[i]->size(), seed * 1000U + static_cast<std::uint32_t>(i));
            manager.stage(buffers[i], std::span<const std::uint32_t>(data.back()));
        }
        const Bytes texels = random_bytes(Transfer::subresource_bytes(*image, MipLevel{1}), seed);
        manager.stage(image, texels, MipLevel{1}, ArrayLayer{0});
        flush_and_submit(manager);
        manager.release_completed();
        for (std::size_t i = 0; i < buffers.size(); ++i) ASSERT_EQ(transfer.download(*buffers[i]), data[i]) << i;
        ASSERT_EQ(transfer.download(*image, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eShaderReadOnlyOptimal),
                  texels);
    };
    batch(1);
    // 51 small copies packed side by side: one block of the Transfer's arena (and one more,
    // for reading the image back, which is always staged).
    EXPECT_EQ(transfer.staging_statistics().allocations, 2U);
    const std::uint32_t allocations = allocator->statistics().total.allocation_count;
    for (std::uint32_t seed = 2; seed < 12; ++seed) {
        batch(seed);
        if (HasFatalFailure()) return;
    }
    EXPECT_EQ(transfer.staging_statistics().allocations, 2U) << "the blocks were not reused";
    EXPECT_EQ(allocator->statistics().total.allocation_count, allocations);
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
        const StagingFlush batch = manager.flush(commands);
        commands.end();
        Submission(device->compute_queue()).addCommands(commands).addSignals(batch.signals()).submit();
    } // waits here for the copy, then frees the staging buffer
    device->compute_queue().wait_idle();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    Transfer transfer(device, allocator);
    EXPECT_EQ(transfer.download(*buffer), data);
}

TEST_F(StagingBufferManagerTests, DestructionWithABatchNeverSubmittedReturnsAndFreesEverything) {
    auto buffer = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(4096));
    const std::vector<std::uint32_t> data(4096, 0x1234U);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    {
        StagingBufferManager manager(device, allocator);
        manager.stage(buffer, std::span<const std::uint32_t>(data));
        commands.begin();
        const StagingFlush batch = manager.flush(commands);
        commands.end();
        ASSERT_TRUE(batch);
        EXPECT_EQ(manager.in_flight(), 1U);
        EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);
    } // not submitted: its value is never signalled, and the destructor must not wait for it
    EXPECT_EQ(buffer.use_count(), 1L) << "the manager still holds the destination";
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    buffer.reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(StagingBufferManagerTests, ATransfersBlocksComeBackFromABatchNeverSubmitted) {
    // A manager made from a Transfer retires its blocks on its own timeline; one destroyed with
    // a batch nobody submits gives them back free, once the device is idle.
    TransferOptions options;
    options.staging_idle = std::chrono::hours(1);
    Transfer transfer(device, allocator, options);
    auto buffer = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(4096));
    const std::vector<std::uint32_t> data(4096, 0x4321U);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    {
        StagingBufferManager manager(transfer);
        manager.stage(buffer, std::span<const std::uint32_t>(data));
        commands.begin();
        const StagingFlush batch = manager.flush(commands);
        commands.end();
        ASSERT_TRUE(batch);
    }
    EXPECT_GT(transfer.staging_statistics().held_bytes, 0U);
    transfer.trim();
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U) << "a block still waits for the batch";
    transfer.upload(*buffer, data);
    EXPECT_EQ(transfer.download(*buffer), data);
}

TEST_F(StagingBufferManagerTests, ABlockOfABatchThatMayNeverRunIsNeitherReusedNorWaitedFor) {
    // The device does not go idle when the manager goes: its unsubmitted batch may never run, so
    // the Transfer, whose whole budget that block holds, must neither wait for it (the uploads
    // would hang) nor reuse it, and the destination the manager took over stays with the block.
    if (!test::fault::available()) GTEST_SKIP() << "needs the fault-injection layer (VW_FAULT_LAYER=0)";
    TransferOptions options;
    options.direct_access = false;
    options.staging_budget = 1024 * 1024; // the manager's one packing block
    auto transfer = std::make_unique<Transfer>(device, allocator, options);
    auto buffer = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(4096));
    const auto before = allocator->statistics().total.allocation_count;
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    test::fault::reset();
    {
        StagingBufferManager manager(*transfer);
        manager.stage(buffer, std::span<const std::uint32_t>(std::vector<std::uint32_t>(4096, 1U)));
        manager.stage(allocator->allocate<DeviceWords>(1024), std::span<const std::uint32_t>(std::vector<std::uint32_t>(1024, 2U)));
        commands.begin();
        const StagingFlush batch = manager.flush(commands);
        commands.end();
        ASSERT_TRUE(batch);
        test::fault::arm("vkDeviceWaitIdle", 1, vk::Result::eErrorOutOfHostMemory);
    }
    EXPECT_EQ(test::fault::fired(), 1U);
    test::fault::reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, before + 2) << "the block and the taken-over buffer";
    EXPECT_EQ(transfer->trim(), 0U) << "the abandoned block is not freed before its batch runs";
    EXPECT_EQ(transfer->staging_statistics().held_bytes, options.staging_budget);
    for (std::uint32_t round = 0; round < 3; ++round) {
        const std::vector<std::uint32_t> data(4096, 0x100U + round);
        transfer->upload(*buffer, std::span<const std::uint32_t>(data));
        EXPECT_EQ(transfer->download(*buffer), data) << "round " << round;
    }
    transfer.reset(); // the arena goes after the device is idle, and the block and buffer with it
    EXPECT_EQ(allocator->statistics().total.allocation_count, before);
}

TEST_F(StagingBufferManagerTests, DestructionAfterOneBatchSubmittedAndTheNextNotKeepsTheSubmittedData) {
    Transfer transfer(device, allocator, TransferOptions{});
    auto first = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(64 * 1024));
    auto second = std::shared_ptr<DeviceWords>(allocator->allocate<DeviceWords>(16));
    const std::vector<std::uint32_t> data(64 * 1024, 0xA5A5U);
    const std::vector<std::uint32_t> before(16, 0x7777U);
    const std::vector<std::uint32_t> never(16, 0xDEADU);
    transfer.upload(*second, before);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer submitted = pool.allocate();
    CommandBuffer dropped = pool.allocate();
    const std::uint32_t allocations = allocator->statistics().total.allocation_count;
    {
        StagingBufferManager manager(device, allocator);
        manager.stage(first, std::span<const std::uint32_t>(data));
        submitted.begin();
        const StagingFlush batch = manager.flush(submitted);
        submitted.end();
        submitted.submit(device->compute_queue(), {}, batch.signals());

        manager.stage(second, std::span<const std::uint32_t>(never));
        dropped.begin();
        const StagingFlush unsubmitted = manager.flush(dropped);
        dropped.end();
        ASSERT_TRUE(unsubmitted);
        EXPECT_GE(manager.in_flight(), 1U);
    } // waits for the submitted copy (the device goes idle), then frees both batches
    EXPECT_EQ(first.use_count(), 1L);
    EXPECT_EQ(second.use_count(), 1L);
    EXPECT_EQ(allocator->statistics().total.allocation_count, allocations);
    EXPECT_EQ(transfer.download(*first), data);
    EXPECT_EQ(transfer.download(*second), before); // the dropped batch never ran
}

} // namespace
} // namespace vw
