#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "Support/FaultInjection.h"
#include "Support/RandomBytes.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Transfer/TransferBatch.h"

namespace vw {
namespace {

using Bytes = std::vector<std::byte>;
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;
using NoTransferDst = Buffer<std::uint32_t, false, VK_BUFFER_USAGE_VERTEX_BUFFER_BIT | TransferSrcUsage>;

using test::random_bytes;

std::vector<std::uint32_t> words(std::size_t count, std::uint32_t seed) {
    std::vector<std::uint32_t> out(count);
    for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::uint32_t>(i * 2654435761U + seed);
    return out;
}

class TransferBatchTests : public test::AllocatorTest {
protected:
    std::vector<std::unique_ptr<DeviceWords>> make_buffers(std::size_t count, std::size_t size) {
        std::vector<std::unique_ptr<DeviceWords>> out;
        for (std::size_t i = 0; i < count; ++i) out.push_back(allocator->allocate<DeviceWords>(size));
        return out;
    }
};

TEST_F(TransferBatchTests, ManySmallUploadsLandWithOneSubmission) {
    Transfer transfer(device, allocator);
    auto buffers = make_buffers(64, 1024); // 4 KiB each
    TransferBatch batch(transfer);
    std::vector<std::vector<std::uint32_t>> data;
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        data.push_back(words(1024 - i, static_cast<std::uint32_t>(i)));
        batch.upload(*buffers[i], std::span<const std::uint32_t>(data.back()), i);
    }
    EXPECT_EQ(batch.staged(), 64U);
    if (test::fault::available()) test::fault::reset();
    const TransferTicket ticket = batch.submit();
    if (test::fault::available()) {
        EXPECT_EQ(test::fault::calls("vkQueueSubmit2"), 1U) << "one submission";
    }
    EXPECT_EQ(batch.staged(), 0U);
    EXPECT_NE(ticket.value(), 0U);
    ticket.wait();
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        ASSERT_EQ(transfer.download(*buffers[i], i, 1024 - i), data[i]) << "buffer " << i;
    }
}

TEST_F(TransferBatchTests, LaterCopiesOverTheSameBytesWinAndLargeOnesMixWithSmall) {
    Transfer transfer(device, allocator);
    const std::size_t large_words = 3 * 1024 * 1024 / 4; // larger than a shared staging block
    std::unique_ptr<DeviceWords> large = allocator->allocate<DeviceWords>(large_words);
    std::unique_ptr<DeviceWords> small = allocator->allocate<DeviceWords>(300);
    const std::vector<std::uint32_t> a = words(200, 1), b = words(200, 2), big = words(large_words, 3);
    TransferBatch batch(transfer);
    batch.upload(*small, std::span<const std::uint32_t>(a));
    batch.upload(*large, std::span<const std::uint32_t>(big));
    batch.upload(*small, std::span<const std::uint32_t>(b), 100); // overlaps a's last 100
    batch.submit().wait();
    std::vector<std::uint32_t> expected(a.begin(), a.begin() + 100);
    expected.insert(expected.end(), b.begin(), b.end());
    EXPECT_EQ(transfer.download(*small), expected);
    EXPECT_EQ(transfer.download(*large), big);
}

TEST_F(TransferBatchTests, ByteUploadsAndEmptySpansAndEmptySubmissions) {
    Transfer transfer(device, allocator);
    std::unique_ptr<DeviceWords> target = allocator->allocate<DeviceWords>(64);
    TransferBatch batch(transfer);
    const TransferTicket none = batch.submit();
    EXPECT_EQ(none.value(), 0U);
    EXPECT_TRUE(none.ready());
    batch.upload(*target, std::span<const std::uint32_t>());
    EXPECT_EQ(batch.staged(), 0U);
    const Bytes bytes = random_bytes(64 * 4 - 6, 5);
    batch.upload_bytes(*target, bytes, 6);
    batch.submit().wait();
    const std::vector<std::uint32_t> back = transfer.download(*target);
    EXPECT_EQ(std::memcmp(reinterpret_cast<const std::byte *>(back.data()) + 6, bytes.data(), bytes.size()), 0);
}

TEST_F(TransferBatchTests, TheCopiesWaitForTheSemaphoresGiven) {
    Transfer transfer(device, allocator);
    std::unique_ptr<DeviceWords> target = allocator->allocate<DeviceWords>(16);
    Semaphore gate(device, 0);
    TransferBatch batch(transfer);
    const std::vector<std::uint32_t> data = words(16, 9);
    batch.upload(*target, std::span<const std::uint32_t>(data));
    const vk::SemaphoreSubmitInfo wait = gate.submit_info(1);
    const TransferTicket ticket = batch.submit(std::span(&wait, 1));
    EXPECT_FALSE(ticket.ready()) << "the copy ran before its wait was signalled";
    gate.signal(1);
    ticket.wait();
    EXPECT_EQ(transfer.download(*target), data);
}

TEST_F(TransferBatchTests, DestinationsAreNotPinnedButStayInPlaceUntilTheirCopyAndMayBeFreedThen) {
    Transfer transfer(device, allocator);
    detail::PendingWork &pending = AllocatorInternals::pending_work(*allocator);
    TransferBatch batch(transfer);
    std::unique_ptr<DeviceWords> target = allocator->allocate<DeviceWords>(64);
    const std::vector<std::uint32_t> data = words(64, 3);
    Semaphore gate(device, 0);
    batch.upload(*target, std::span<const std::uint32_t>(data));
    EXPECT_FALSE(target->is_pinned());
    const vk::SemaphoreSubmitInfo wait = gate.submit_info(1);
    const TransferTicket ticket = batch.submit(std::span(&wait, 1));
    EXPECT_FALSE(target->is_pinned()) << "a pin would be dropped after the caller frees the buffer";
    EXPECT_TRUE(pending.busy(target->allocation())) << "defragmentation must leave it in place";
    gate.signal(1);
    ticket.wait();
    EXPECT_FALSE(pending.busy(target->allocation()));
    EXPECT_EQ(transfer.download(*target), data);

    // Freed once the ticket is ready, before the batch hears of it; the next buffer (likely at
    // the same address: freed buffer objects are reused) keeps its own pin through the batch's
    // later bookkeeping.
    target.reset();
    std::unique_ptr<DeviceWords> next = allocator->allocate<DeviceWords>(64);
    next->pin();
    std::unique_ptr<DeviceWords> other = allocator->allocate<DeviceWords>(16);
    batch.upload(*other, std::span<const std::uint32_t>(data).first(16));
    batch.submit().wait();
    batch.upload(*other, std::span<const std::uint32_t>(data).last(16));
    batch.submit().wait();
    EXPECT_TRUE(next->is_pinned());
    EXPECT_NO_THROW(next->unpin());
    EXPECT_FALSE(next->is_pinned());
    EXPECT_EQ(transfer.download(*other), std::vector<std::uint32_t>(data.end() - 16, data.end()));
}

TEST_F(TransferBatchTests, WarmBatchesAllocateNothing) {
    TransferOptions options;
    options.staging_idle = std::chrono::hours(1); // no block ages out, however slow the machine
    Transfer transfer(device, allocator, options);
    auto buffers = make_buffers(16, 256);
    TransferBatch batch(transfer);
    auto round = [&](std::uint32_t seed) {
        std::vector<std::vector<std::uint32_t>> data;
        for (std::size_t i = 0; i < buffers.size(); ++i) {
            data.push_back(words(256, seed * 100 + static_cast<std::uint32_t>(i)));
            batch.upload(*buffers[i], std::span<const std::uint32_t>(data.back()));
        }
        batch.submit().wait();
        for (std::size_t i = 0; i < buffers.size(); ++i) ASSERT_EQ(transfer.download(*buffers[i]), data[i]);
    };
    round(1);
    round(2);
    const std::uint32_t allocations = allocator->statistics().total.allocation_count;
    const StagingStatistics warm = transfer.staging_statistics();
    for (std::uint32_t seed = 3; seed < 20; ++seed) {
        round(seed);
        if (HasFatalFailure()) return;
    }
    const StagingStatistics after = transfer.staging_statistics();
    EXPECT_EQ(allocator->statistics().total.allocation_count, allocations) << "VMA allocations on the hot path";
    EXPECT_EQ(after.allocations, warm.allocations);
    EXPECT_EQ(after.command_pools, warm.command_pools);
    EXPECT_LE(batch.in_flight(), 1U) << "completed batches are reclaimed";
}

TEST_F(TransferBatchTests, BadUploadsThrowAndStageNothing) {
    Transfer transfer(device, allocator);
    std::unique_ptr<DeviceWords> target = allocator->allocate<DeviceWords>(8);
    std::unique_ptr<NoTransferDst> no_dst = allocator->allocate<NoTransferDst>(8);
    const std::vector<std::uint32_t> nine = words(9, 1), two = words(2, 2);
    TransferBatch batch(transfer);
    EXPECT_THROW(batch.upload(*target, std::span<const std::uint32_t>(nine)), LogicError);
    EXPECT_THROW(batch.upload(*target, std::span<const std::uint32_t>(two), 7), LogicError);
    EXPECT_THROW(batch.upload(*no_dst, std::span<const std::uint32_t>(two)), LogicError);
    EXPECT_THROW(batch.upload_bytes(*target, std::as_bytes(std::span(two)), 32 - 4), LogicError);
    DeviceWords moved_from = std::move(*target);
    EXPECT_THROW(batch.upload(*target, std::span<const std::uint32_t>(two)), LogicError) << "an empty buffer";
    EXPECT_EQ(batch.staged(), 0U);
    batch.upload(moved_from, std::span<const std::uint32_t>(two), 6);
    batch.submit().wait();
    EXPECT_EQ(transfer.download(moved_from, 6, 2), two);
}

TEST_F(TransferBatchTests, AFailedSubmissionRunsNoCopyAndTheBatchStaysUsable) {
    if (!test::fault::available()) GTEST_SKIP() << "needs the fault-injection layer (VW_FAULT_LAYER=0)";
    Transfer transfer(device, allocator);
    std::unique_ptr<DeviceWords> target = allocator->allocate<DeviceWords>(32);
    const std::vector<std::uint32_t> before = words(32, 1), lost = words(32, 2), after = words(32, 3);
    transfer.upload(*target, std::span<const std::uint32_t>(before));
    TransferBatch batch(transfer);
    batch.upload(*target, std::span<const std::uint32_t>(lost));
    test::fault::reset();
    test::fault::arm("vkQueueSubmit2", 1, vk::Result::eErrorOutOfDeviceMemory);
    EXPECT_THROW((void)batch.submit(), OutOfMemoryError);
    test::fault::disarm();
    EXPECT_EQ(batch.staged(), 0U);
    EXPECT_EQ(transfer.download(*target), before) << "no copy of the failed batch ran";
    batch.upload(*target, std::span<const std::uint32_t>(after));
    batch.submit().wait();
    EXPECT_EQ(transfer.download(*target), after);
    EXPECT_EQ(batch.in_flight(), 1U);
}

TEST_F(TransferBatchTests, DestructionWaitsForSubmittedBatchesAndTicketsOutliveIt) {
    Transfer transfer(device, allocator);
    auto buffers = make_buffers(8, 4096);
    std::vector<std::vector<std::uint32_t>> data;
    TransferTicket ticket;
    {
        TransferBatch batch(transfer);
        for (std::size_t i = 0; i < buffers.size(); ++i) {
            data.push_back(words(4096, static_cast<std::uint32_t>(i + 40)));
            batch.upload(*buffers[i], std::span<const std::uint32_t>(data.back()));
        }
        ticket = batch.submit();
        batch.upload(*buffers[0], std::span<const std::uint32_t>(data[1])); // never submitted: dropped
    }
    EXPECT_TRUE(ticket.ready());
    for (std::size_t i = 0; i < buffers.size(); ++i) ASSERT_EQ(transfer.download(*buffers[i]), data[i]);
}

TEST_F(TransferBatchTests, ConcurrentBatchesOnOneTransfer) {
    Transfer transfer(device, allocator);
    constexpr std::size_t threads = 3, per_thread = 12, rounds = 4;
    auto buffers = make_buffers(threads * per_thread, 512);
    std::vector<std::thread> workers;
    std::vector<std::vector<std::uint32_t>> last(buffers.size());
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            TransferBatch batch(transfer);
            for (std::size_t r = 0; r < rounds; ++r) {
                for (std::size_t i = t * per_thread; i < (t + 1) * per_thread; ++i) {
                    last[i] = words(512, static_cast<std::uint32_t>(r * 1000 + i));
                    batch.upload(*buffers[i], std::span<const std::uint32_t>(last[i]));
                }
                batch.submit().wait();
            }
        });
    }
    for (std::thread &worker : workers) worker.join();
    for (std::size_t i = 0; i < buffers.size(); ++i) ASSERT_EQ(transfer.download(*buffers[i]), last[i]) << i;
}

} // namespace
} // namespace vw
