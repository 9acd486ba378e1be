#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Transfer/CopyThreads.h"

namespace vw::detail {
namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;
constexpr std::size_t guard = 64;
constexpr auto poll = std::chrono::microseconds(200);

std::vector<std::byte> pattern(std::size_t size, std::uint32_t seed) {
    std::vector<std::byte> bytes(size);
    std::uint32_t state = seed * 2654435761U + 1;
    for (auto &byte : bytes) {
        state = state * 1664525U + 1013904223U;
        byte = static_cast<std::byte>(state >> 24);
    }
    return bytes;
}

// Copies `source` into the middle of a guarded buffer and checks every byte, and that nothing
// beside the destination was written.
void expect_copied(CopyThreads &threads, const std::vector<std::byte> &source,
                   CopyStores stores = CopyStores::Cached) {
    std::vector<std::byte> target(source.size() + 2 * guard, std::byte{0xEE});
    threads.copy(target.data() + guard, source.data(), source.size(), stores);
    ASSERT_TRUE(std::equal(source.begin(), source.end(), target.begin() + guard)) << source.size() << " bytes";
    EXPECT_TRUE(std::all_of(target.begin(), target.begin() + guard, [](std::byte b) { return b == std::byte{0xEE}; }));
    EXPECT_TRUE(std::all_of(target.end() - guard, target.end(), [](std::byte b) { return b == std::byte{0xEE}; }));
}

TEST(CopyThreadsTests, CopiesEveryByteAtSizesAroundThePieceBoundaries) {
    for (const auto spin : {std::chrono::microseconds(0), poll}) {
        CopyThreads threads(4, spin);
        EXPECT_EQ(threads.participants(), 4u);
        std::uint32_t seed = 1;
        for (const std::size_t size : {MiB - 1, MiB, MiB + 13, 3 * MiB + 7, 17 * MiB + 4095}) {
            expect_copied(threads, pattern(size, seed++));
        }
    }
}

TEST(CopyThreadsTests, StreamingStoresCopyEveryByteOfUnalignedPieces) {
    CopyThreads threads(4, poll);
    std::uint32_t seed = 7;
    for (const std::size_t size : {std::size_t{100}, MiB - 1, MiB + 13, 3 * MiB + 7, 17 * MiB + 4095}) {
        expect_copied(threads, pattern(size, seed++), CopyStores::Streaming);
    }
}

TEST(CopyThreadsTests, StoresFollowTheMemorysCaching) {
    using Flags = vk::MemoryPropertyFlagBits;
    EXPECT_EQ(stores_for(Flags::eHostVisible | Flags::eHostCoherent), CopyStores::Streaming);
    EXPECT_EQ(stores_for(Flags::eDeviceLocal | Flags::eHostVisible | Flags::eHostCoherent), CopyStores::Streaming);
    EXPECT_EQ(stores_for(Flags::eHostVisible | Flags::eHostCoherent | Flags::eHostCached), CopyStores::Cached);
    EXPECT_EQ(stores_for(Flags::eDeviceLocal | Flags::eHostVisible | Flags::eHostCached), CopyStores::Cached);
    const vk::MemoryPropertyFlags staging = Flags::eHostVisible | Flags::eHostCoherent;
    EXPECT_EQ(staging_stores_for(staging, streaming_upload_limit), CopyStores::Streaming);
    EXPECT_EQ(staging_stores_for(staging, streaming_upload_limit + 1), CopyStores::Cached);
    EXPECT_EQ(staging_stores_for(staging | Flags::eHostCached, 4096), CopyStores::Cached);
}

TEST(CopyThreadsTests, HelpersThatWentToSleepServeTheNextCopy) {
    CopyThreads threads(3, std::chrono::microseconds(0));
    for (std::uint32_t round = 0; round < 5; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        expect_copied(threads, pattern(2 * MiB + round, round));
    }
}

TEST(CopyThreadsTests, OneParticipantCopiesAlone) {
    CopyThreads threads(1, poll);
    EXPECT_EQ(threads.participants(), 1u);
    threads.prepare();
    expect_copied(threads, pattern(2 * MiB + 3, 9));
}

TEST(CopyThreadsTests, ConcurrentCallersEachGetTheirOwnBytes) {
    CopyThreads threads(4, poll);
    std::vector<std::thread> callers;
    std::atomic<int> wrong{0};
    for (std::uint32_t caller = 0; caller < 3; ++caller) {
        callers.emplace_back([&, caller] {
            const std::vector<std::byte> source = pattern(MiB + 4096 * caller + 5, 100 + caller);
            std::vector<std::byte> target(source.size());
            for (int round = 0; round < 20; ++round) {
                std::fill(target.begin(), target.end(), std::byte{0});
                threads.copy(target.data(), source.data(), source.size());
                if (target != source) ++wrong;
            }
        });
    }
    for (auto &caller : callers) caller.join();
    EXPECT_EQ(wrong.load(), 0);
}

TEST(CopyThreadsTests, ConcurrentPrepareDoesNotDisturbACopyInFlight) {
    CopyThreads threads(4, poll);
    std::atomic<bool> done{false};
    std::thread waker([&] {
        while (!done.load()) {
            threads.prepare();
            std::this_thread::yield();
        }
    });
    for (std::uint32_t round = 0; round < 30; ++round) expect_copied(threads, pattern(MiB + 64 * round, round));
    done = true;
    waker.join();
}

TEST(CopyThreadsTests, PopulateLeavesTheContentsAsTheyAre) {
    CopyThreads threads(4, poll);
    for (const PopulateBy by : {PopulateBy::AllParticipants, PopulateBy::Caller}) {
        const std::vector<std::byte> expected = pattern(12 * MiB + 100, by == PopulateBy::Caller ? 7 : 8);
        std::vector<std::byte> memory = expected;
        threads.populate(memory.data(), memory.size(), by);
        EXPECT_EQ(memory, expected) << (by == PopulateBy::Caller ? "by the caller" : "by all participants");
    }
}

} // namespace
} // namespace vw::detail
