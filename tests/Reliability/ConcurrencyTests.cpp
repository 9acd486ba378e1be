// Concurrency stress: many threads at once on ONE allocator and ONE Transfer, every kind of
// buffer, images, synchronous and asynchronous transfers, every byte read back and checked, and
// the allocator's statistics back at their baseline at the end. Run under ThreadSanitizer by
// the "tsan" preset (ctest --preset tsan) and under ASan + UBSan by the "asan" preset; the
// figures below are what docs/reliability.md quotes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Transfer/Transfer.h"

namespace vw {
namespace {

/// Threads working at once on the shared allocator and the shared Transfer.
constexpr std::size_t kThreads = 8;
/// Operations each thread performs (one buffer or image each: allocate, fill, read back, free).
constexpr std::size_t kIterationsPerThread = 60;
/// Buffer sizes are drawn from [kMinBufferBytes, kMaxBufferBytes] (a fixed seed per thread).
constexpr std::size_t kMinBufferBytes = 1;
constexpr std::size_t kMaxBufferBytes = 256 * 1024;
/// Image edges are drawn from [kMinImageEdge, kMaxImageEdge] texels (RGBA8, one level).
constexpr std::uint32_t kMinImageEdge = 1;
constexpr std::uint32_t kMaxImageEdge = 96;
/// Each thread keeps up to this many of its buffers alive across iterations and checks at the
/// end that nothing else wrote into them while the other threads allocated and transferred.
constexpr std::size_t kKeptPerThread = 6;
/// Staging ring of the "Staged" variant: small chunks, so that most transfers are chunked and
/// the ring wraps around under contention.
constexpr vk::DeviceSize kStagedChunkBytes = 64 * 1024;
constexpr std::uint32_t kStagedSlots = 3;

using Words = std::vector<std::uint32_t>;
using Bytes = std::vector<std::byte>;
using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;   // sequential-write, mapped
using ReadbackWords = ReadbackBuffer<std::uint32_t>;                 // host-cached, mapped
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>; // device-local, never mapped

/// The kinds of operation a thread cycles through.
enum class Kind : std::uint8_t {
    HostWrite,        // host-visible: write() and read_as_vector(), then Transfer::download
    ReadbackUpload,   // readback buffer: Transfer::upload, then read_as_vector and download
    DeviceSync,       // device-local: Transfer::upload and download
    DeviceAsync,      // device-local: upload_async, partial upload_async, download_async
    DeviceBytes,      // untyped device-local, odd byte sizes: upload_bytes / download_bytes
    Image,            // RGBA8 image: upload and download of one subresource
};
constexpr std::size_t kKinds = 6;

/// A word of the pattern identified by `seed`, at index `index`: every (seed, index) pair gives
/// a different-looking value, so that a misplaced or stale word is seen.
std::uint32_t pattern_word(std::uint32_t seed, std::size_t index) {
    std::uint32_t x = seed * 0x9E3779B1U + static_cast<std::uint32_t>(index) * 0x85EBCA77U + 0x165667B1U;
    x ^= x >> 15;
    x *= 0x2C1B3C6DU;
    x ^= x >> 12;
    return x;
}

Words pattern_words(std::uint32_t seed, std::size_t count) {
    Words words(count);
    for (std::size_t i = 0; i < count; ++i) words[i] = pattern_word(seed, i);
    return words;
}

Bytes pattern_bytes(std::uint32_t seed, std::size_t count) {
    Bytes bytes(count);
    for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<std::byte>(pattern_word(seed, i) >> 8);
    return bytes;
}

/// What the threads found, gathered and checked on the main thread.
struct Outcome {
    std::atomic<std::uint64_t> verified_bytes{0};
    std::atomic<std::uint64_t> mismatched_elements{0};
    std::atomic<std::uint64_t> operations{0};
    std::atomic<std::uint64_t> kind_counts[kKinds]{};
    std::mutex mutex;
    std::vector<std::string> errors; // guarded by mutex; at most a few kept

    void error(std::string text) {
        std::lock_guard lock(mutex);
        if (errors.size() < 8) errors.push_back(std::move(text));
    }

    template <typename T>
    void verify(const std::vector<T> &actual, const std::vector<T> &expected, const std::string &what) {
        std::uint64_t bad = 0;
        std::size_t first_bad = 0;
        if (actual.size() != expected.size()) {
            bad = std::max(actual.size(), expected.size());
        } else {
            for (std::size_t i = 0; i < actual.size(); ++i) {
                if (actual[i] != expected[i]) {
                    if (bad == 0) first_bad = i;
                    ++bad;
                }
            }
        }
        verified_bytes += expected.size() * sizeof(T);
        if (bad != 0) {
            mismatched_elements += bad;
            error(what + ": " + std::to_string(bad) + " of " + std::to_string(expected.size()) +
                  " elements differ, first at " + std::to_string(first_bad) + " (sizes " +
                  std::to_string(actual.size()) + " / " + std::to_string(expected.size()) + ")");
        }
    }
};

/// A buffer a thread keeps alive for a while, with the words it must still hold.
struct Kept {
    std::unique_ptr<HostWords> host;
    std::unique_ptr<DeviceWords> device;
    Words expected;
};

class ConcurrencyTests : public test::AllocatorTest, public ::testing::WithParamInterface<bool> {
protected:
    /// The shared Transfer's options: GetParam() true forces the staging ring (small chunks,
    /// a short ring) even where memory is host-visible; false keeps the defaults (direct writes
    /// into host-visible device memory on lavapipe and integrated GPUs).
    [[nodiscard]] static TransferOptions options() {
        TransferOptions options;
        if (GetParam()) {
            options.chunk_bytes = kStagedChunkBytes;
            options.staging_slots = kStagedSlots;
            options.copy_threads = 2;
            options.direct_access = false;
        }
        return options;
    }

    /// One thread's work: kIterationsPerThread operations on the shared allocator and transfer.
    void work(std::size_t thread, Transfer &transfer, Outcome &outcome, std::latch &start) {
        std::mt19937 random(static_cast<std::uint32_t>(1000 + thread));
        std::vector<Kept> kept;
        start.arrive_and_wait();
        for (std::size_t iteration = 0; iteration < kIterationsPerThread; ++iteration) {
            const auto kind = static_cast<Kind>((thread + iteration) % kKinds);
            const std::size_t bytes = kMinBufferBytes + random() % (kMaxBufferBytes - kMinBufferBytes + 1);
            const std::size_t words = std::max<std::size_t>(1, bytes / sizeof(std::uint32_t));
            const auto seed = static_cast<std::uint32_t>(thread * 100000 + iteration);
            const bool keep = random() % 3 == 0;
            const std::string what = "thread " + std::to_string(thread) + " iteration " +
                                     std::to_string(iteration) + " kind " +
                                     std::to_string(static_cast<int>(kind));
            try {
                run_one(kind, bytes, words, seed, keep, transfer, outcome, kept, random, what);
                ++outcome.operations;
                ++outcome.kind_counts[static_cast<std::size_t>(kind)];
            } catch (const std::exception &e) {
                outcome.error(what + " threw: " + e.what());
            }
            if (kept.size() > kKeptPerThread) {
                verify_kept(kept.front(), transfer, outcome, what + " (kept, released)");
                kept.erase(kept.begin());
            }
        }
        for (std::size_t i = 0; i < kept.size(); ++i) {
            verify_kept(kept[i], transfer, outcome, "thread " + std::to_string(thread) + " kept " + std::to_string(i));
        }
    }

    void run_one(Kind kind, std::size_t bytes, std::size_t words, std::uint32_t seed, bool keep,
                 Transfer &transfer, Outcome &outcome, std::vector<Kept> &kept, std::mt19937 &random,
                 const std::string &what) {
        switch (kind) {
        case Kind::HostWrite: {
            auto buffer = allocator->allocate<HostWords>(words);
            const Words data = pattern_words(seed, words);
            buffer->write(data, 0);
            outcome.verify(buffer->read_as_vector(0, words), data, what + " read_as_vector");
            outcome.verify(transfer.download(*buffer), data, what + " download");
            if (keep) kept.push_back({std::move(buffer), nullptr, data});
            break;
        }
        case Kind::ReadbackUpload: {
            auto buffer = allocator->allocate<ReadbackWords>(words);
            const Words data = pattern_words(seed, words);
            transfer.upload(*buffer, std::span<const std::uint32_t>(data));
            outcome.verify(buffer->read_as_vector(0, words), data, what + " read_as_vector");
            outcome.verify(transfer.download(*buffer), data, what + " download");
            break;
        }
        case Kind::DeviceSync: {
            auto buffer = allocator->allocate<DeviceWords>(words);
            const Words data = pattern_words(seed, words);
            transfer.upload(*buffer, std::span<const std::uint32_t>(data));
            outcome.verify(transfer.download(*buffer), data, what + " download");
            if (keep) kept.push_back({nullptr, std::move(buffer), data});
            break;
        }
        case Kind::DeviceAsync: {
            auto buffer = allocator->allocate<DeviceWords>(words);
            Words data = pattern_words(seed, words);
            TransferTicket ticket = transfer.upload_async(*buffer, std::span<const std::uint32_t>(data));
            // A second, partial upload over the tail, with another pattern; the transfers are
            // ordered on the Transfer's queue, so the tail must hold the second pattern.
            const std::size_t first = words / 2;
            const Words tail = pattern_words(seed ^ 0xA5A5A5A5U, words - first);
            TransferTicket tail_ticket =
                transfer.upload_async(*buffer, std::span<const std::uint32_t>(tail), first);
            std::copy(tail.begin(), tail.end(), data.begin() + static_cast<std::ptrdiff_t>(first));
            ticket.wait();
            tail_ticket.wait();
            auto whole = transfer.download_async(*buffer);
            auto part = transfer.download_async(*buffer, first, words - first);
            outcome.verify(part.get(), tail, what + " download_async (tail)");
            outcome.verify(whole.get(), data, what + " download_async");
            break;
        }
        case Kind::DeviceBytes: {
            // Untyped, any byte size (odd sizes included), at a byte offset.
            BufferBase buffer = allocator->allocate_buffer(bytes, StorageBufferUsage, HostAccess::None);
            const std::size_t offset = bytes > 1 ? random() % (bytes / 2) : 0;
            const Bytes data = pattern_bytes(seed, bytes - offset);
            transfer.upload_bytes(buffer, data, offset);
            Bytes back(data.size());
            transfer.download_bytes(buffer, back, offset);
            outcome.verify(back, data, what + " download_bytes");
            break;
        }
        case Kind::Image: {
            const auto width = static_cast<std::uint32_t>(kMinImageEdge + random() % (kMaxImageEdge - kMinImageEdge + 1));
            const auto height = static_cast<std::uint32_t>(kMinImageEdge + random() % (kMaxImageEdge - kMinImageEdge + 1));
            auto image = ImageBuilder()
                             .setDevice(device)
                             .setAllocator(allocator)
                             .setFormat(vk::Format::eR8G8B8A8Unorm)
                             .setExtent(Width{width}, Height{height})
                             .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eTransferSrc)
                             .build();
            const Bytes texels = pattern_bytes(seed, std::size_t{width} * height * 4);
            transfer.upload(*image, texels, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal);
            outcome.verify(transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal),
                           texels, what + " image download");
            break;
        }
        }
    }

    static void verify_kept(const Kept &k, Transfer &transfer, Outcome &outcome, const std::string &what) {
        try {
            if (k.host) {
                outcome.verify(k.host->read_as_vector(0, k.host->size()), k.expected, what + " host");
            } else {
                outcome.verify(transfer.download(*k.device), k.expected, what + " device");
            }
        } catch (const std::exception &e) {
            outcome.error(what + " threw: " + e.what());
        }
    }
};

using ConcurrencyAllocatorTests = test::AllocatorTest;

TEST_P(ConcurrencyTests, ManyThreadsShareOneAllocatorAndOneTransferAndEveryByteComesBack) {
    auto shared_transfer = std::make_unique<Transfer>(device, allocator, options());
    Transfer &transfer = *shared_transfer;

    // Warm-up on this thread: one buffer round trip and one 1x1 image upload, with the buffer
    // and image freed. The Transfer's staging arena keeps the blocks the traffic asked for (up
    // to its budget): the baseline is taken after trim(), which frees every idle block, and the
    // same trim after the threads must bring the allocator back to it.
    auto upload_one_texel = [&] {
        auto image = ImageBuilder()
                         .setDevice(device)
                         .setAllocator(allocator)
                         .setFormat(vk::Format::eR8G8B8A8Unorm)
                         .setExtent(Width{1}, Height{1})
                         .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eTransferSrc)
                         .build();
        const Bytes texel = pattern_bytes(9, 4);
        transfer.upload(*image, texel, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal);
        return transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal) == texel;
    };
    {
        auto warm = allocator->allocate<DeviceWords>(kStagedChunkBytes / 2);
        const Words data = pattern_words(7, warm->size());
        transfer.upload(*warm, std::span<const std::uint32_t>(data));
        ASSERT_EQ(transfer.download(*warm), data);
        ASSERT_TRUE(upload_one_texel());
    }
    transfer.trim();
    const MemoryStatistics baseline = allocator->statistics().total;

    Outcome outcome;
    std::latch start(static_cast<std::ptrdiff_t>(kThreads));
    {
        std::vector<std::jthread> threads;
        threads.reserve(kThreads);
        for (std::size_t t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] { work(t, transfer, outcome, start); });
        }
    } // joined

    std::string errors;
    for (const auto &text : outcome.errors) errors += "\n  " + text;
    EXPECT_TRUE(outcome.errors.empty()) << errors;
    EXPECT_EQ(outcome.mismatched_elements.load(), 0U);
    EXPECT_EQ(outcome.operations.load(), kThreads * kIterationsPerThread);
    for (std::size_t kind = 0; kind < kKinds; ++kind) {
        EXPECT_EQ(outcome.kind_counts[kind].load(), kThreads * kIterationsPerThread / kKinds) << "kind " << kind;
    }
    EXPECT_GT(outcome.verified_bytes.load(), std::uint64_t{kThreads} * kIterationsPerThread * 1024);
    RecordProperty("verified_bytes", std::to_string(outcome.verified_bytes.load()));
    std::cout << "[ concurrency ] " << kThreads << " threads x " << kIterationsPerThread
              << " operations, " << outcome.verified_bytes.load() << " bytes read back and verified\n";

    // Nothing leaked: every buffer and image made by the threads is gone, and every staging
    // block is idle (trim() frees them all) and was held within the budget.
    EXPECT_TRUE(upload_one_texel());
    EXPECT_LE(transfer.staging_statistics().held_bytes, transfer.options().staging_budget);
    transfer.trim();
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U);
    const MemoryStatistics after = allocator->statistics().total;
    EXPECT_EQ(after.allocation_count, baseline.allocation_count);
    EXPECT_EQ(after.allocation_bytes, baseline.allocation_bytes);
    // And with the Transfer gone, its staging arena too: the allocator holds nothing.
    shared_transfer.reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
    EXPECT_EQ(allocator->statistics().total.allocation_bytes, 0U);
}

std::string path_name(const ::testing::TestParamInfo<bool> &param) {
    return param.param ? "Staged" : "Direct";
}

INSTANTIATE_TEST_SUITE_P(Paths, ConcurrencyTests, ::testing::Values(true, false), path_name);

/// Overlap check without the Transfer: every thread holds a burst of host-visible buffers at
/// once (both mapped kinds, and device-local ones beside them), writes a pattern into each,
/// then checks them all before freeing them in a shuffled order. Sub-allocations that
/// overlapped, or a free that released another thread's memory, would show as wrong words.
constexpr std::size_t kBurstThreads = 8;
constexpr std::size_t kBursts = 12;
constexpr std::size_t kBuffersPerBurst = 32;
constexpr std::size_t kBurstMaxBytes = 64 * 1024;

TEST_F(ConcurrencyAllocatorTests, BurstsOfBuffersFromManyThreadsNeverOverlapAndAllAreFreed) {
    Outcome outcome;
    std::latch start(static_cast<std::ptrdiff_t>(kBurstThreads));
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < kBurstThreads; ++t) {
            threads.emplace_back([&, t] {
                std::mt19937 random(static_cast<std::uint32_t>(2000 + t));
                start.arrive_and_wait();
                try {
                    for (std::size_t burst = 0; burst < kBursts; ++burst) {
                        std::vector<std::unique_ptr<HostWords>> host;
                        std::vector<std::unique_ptr<ReadbackWords>> readback;
                        std::vector<std::unique_ptr<DeviceWords>> local;
                        std::vector<std::uint32_t> seeds;
                        for (std::size_t b = 0; b < kBuffersPerBurst; ++b) {
                            const std::size_t words = 1 + random() % (kBurstMaxBytes / sizeof(std::uint32_t));
                            const auto seed = static_cast<std::uint32_t>((t << 24) | (burst << 12) | b);
                            seeds.push_back(seed);
                            const Words data = pattern_words(seed, words);
                            switch (b % 3) {
                            case 0: host.push_back(allocator->allocate<HostWords>(words)); host.back()->write(data, 0); break;
                            case 1: readback.push_back(allocator->allocate<ReadbackWords>(words)); readback.back()->write(data, 0); break;
                            default: local.push_back(allocator->allocate<DeviceWords>(words)); break;
                            }
                        }
                        // Every buffer is written; now check them all, after the other threads
                        // have allocated and written theirs in the meantime.
                        std::size_t h = 0;
                        std::size_t r = 0;
                        for (std::size_t b = 0; b < kBuffersPerBurst; ++b) {
                            const std::string what = "thread " + std::to_string(t) + " burst " +
                                                     std::to_string(burst) + " buffer " + std::to_string(b);
                            if (b % 3 == 0) {
                                const auto &buffer = *host[h++];
                                outcome.verify(buffer.read_as_vector(0, buffer.size()), pattern_words(seeds[b], buffer.size()), what);
                            } else if (b % 3 == 1) {
                                const auto &buffer = *readback[r++];
                                outcome.verify(buffer.read_as_vector(0, buffer.size()), pattern_words(seeds[b], buffer.size()), what);
                            }
                        }
                        std::shuffle(host.begin(), host.end(), random);
                        std::shuffle(local.begin(), local.end(), random);
                        while (!host.empty() || !local.empty() || !readback.empty()) {
                            if (!local.empty()) local.pop_back();
                            if (!host.empty()) host.pop_back();
                            if (!readback.empty()) readback.pop_back();
                        }
                        ++outcome.operations;
                    }
                } catch (const std::exception &e) {
                    outcome.error("thread " + std::to_string(t) + " threw: " + e.what());
                }
            });
        }
    }
    std::string errors;
    for (const auto &text : outcome.errors) errors += "\n  " + text;
    EXPECT_TRUE(outcome.errors.empty()) << errors;
    EXPECT_EQ(outcome.mismatched_elements.load(), 0U);
    EXPECT_EQ(outcome.operations.load(), kBurstThreads * kBursts);
    std::cout << "[ concurrency ] " << kBurstThreads << " threads x " << kBursts << " bursts x "
              << kBuffersPerBurst << " buffers, " << outcome.verified_bytes.load()
              << " bytes verified\n";
    const MemoryStatistics after = allocator->statistics().total;
    EXPECT_EQ(after.allocation_count, 0U);
    EXPECT_EQ(after.allocation_bytes, 0U);
}

} // namespace
} // namespace vw
