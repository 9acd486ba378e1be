#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/FrameArena.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {
namespace {

constexpr vk::DeviceSize KiB = 1024;

class FrameArenaTests : public test::AllocatorTest {
protected:
    const vk::PhysicalDeviceLimits &limits() const {
        return device->physical_device().properties().limits;
    }
};

TEST_F(FrameArenaTests, ChunksAreAlignedForTheUsageAndHoldWhatWasWritten) {
    FrameArena arena(allocator, FrameArenaOptions().setName("frame data"));
    EXPECT_EQ(arena.alignment() % limits().minUniformBufferOffsetAlignment, 0u);
    EXPECT_EQ(arena.alignment() % limits().minStorageBufferOffsetAlignment, 0u);
    EXPECT_EQ(arena.alignment() % limits().nonCoherentAtomSize, 0u);
    std::vector<ArenaChunk<std::uint32_t>> chunks;
    for (std::uint32_t i = 1; i <= 40; ++i) {
        chunks.push_back(arena.allocate<std::uint32_t>(i * 3 % 17 + 1));
        const auto &chunk = chunks.back();
        EXPECT_EQ(chunk.offset() % arena.alignment(), 0u);
        std::vector<std::uint32_t> values(chunk.size(), i);
        chunk.write(values, 0);
    }
    auto big = arena.allocate_bytes(5, 1024);
    EXPECT_EQ(big.offset() % 1024, 0u);
    for (std::uint32_t i = 1; i <= 40; ++i) {
        const auto &chunk = chunks[i - 1];
        const auto *words = reinterpret_cast<const std::uint32_t *>(chunk.mapped_data());
        EXPECT_TRUE(std::all_of(words, words + chunk.size(), [&](std::uint32_t w) { return w == i; }));
        const vk::DescriptorBufferInfo info = chunk.descriptor_info();
        EXPECT_EQ(info.buffer, chunk.handle());
        EXPECT_EQ(info.offset, chunk.offset());
        EXPECT_EQ(info.range, chunk.size() * 4u);
    }
    EXPECT_EQ(arena.statistics().ring_count, 1u);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1u); // one ring buffer
    EXPECT_THROW((void)chunks[0].device_address(), LogicError);     // no ShaderDeviceAddressUsage
}

TEST_F(FrameArenaTests, SpaceComesBackOnlyAfterTheTimelineValueAndChunksOfReclaimedFramesThrow) {
    Semaphore timeline(device);
    FrameArena arena(allocator, FrameArenaOptions().setCapacity(64 * KiB).setName("ring")
                                    .setExhaustion(ArenaExhaustion::Throw));
    auto first = arena.allocate<std::byte>(40 * KiB);
    first.write(std::byte{1}, 0);
    arena.end_frame(timeline.handle(), 1);
    auto second = arena.allocate<std::byte>(20 * KiB);
    arena.end_frame(timeline.handle(), 2);
    try {
        (void)arena.allocate<std::byte>(30 * KiB);
        FAIL() << "no OutOfMemoryError";
    } catch (const OutOfMemoryError &error) {
        EXPECT_NE(std::string(error.what()).find("'ring'"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("2 frames"), std::string::npos) << error.what();
    }
    EXPECT_TRUE(first.is_live());
    EXPECT_EQ(arena.statistics().pending_frames, 2u);
    timeline.signal(1);
    auto third = arena.allocate<std::byte>(30 * KiB); // reuses the first frame's space
    EXPECT_FALSE(first.is_live());
    EXPECT_TRUE(second.is_live());
    EXPECT_TRUE(third.is_live());
    EXPECT_LT(third.offset(), 40 * KiB);
    EXPECT_THROW(first.write(std::byte{2}, 0), LogicError);
    EXPECT_THROW((void)first.mapped_data(), LogicError);
    EXPECT_THROW(first.flush(), LogicError);
    EXPECT_EQ(arena.statistics().pending_frames, 1u);
    timeline.signal(2);
    EXPECT_EQ(arena.reclaim(), 1u);
    EXPECT_FALSE(second.is_live());
    EXPECT_TRUE(third.is_live()); // the frame being recorded is never reclaimed
    EXPECT_THROW((void)arena.allocate<std::byte>(128 * KiB), OutOfMemoryError); // past the capacity
}

TEST_F(FrameArenaTests, AFenceEndsAFrame) {
    FrameArena arena(allocator, FrameArenaOptions().setCapacity(16 * KiB));
    Fence done(device, true);
    Fence pending(device, false);
    auto a = arena.allocate<std::uint32_t>(16);
    arena.end_frame(done.handle());
    EXPECT_FALSE(a.is_live());
    EXPECT_EQ(arena.statistics().pending_frames, 0u);
    auto b = arena.allocate<std::uint32_t>(16);
    arena.end_frame(pending.handle());
    EXPECT_EQ(arena.reclaim(), 0u);
    EXPECT_TRUE(b.is_live());
    EXPECT_EQ(arena.statistics().pending_frames, 1u);
}

TEST_F(FrameArenaTests, AFullArenaGrowsAndKeepsEveryChunk) {
    FrameArena arena(allocator, FrameArenaOptions().setCapacity(4 * KiB));
    std::vector<ArenaChunk<std::uint32_t>> chunks;
    for (std::uint32_t i = 0; i < 64; ++i) {
        chunks.push_back(arena.allocate<std::uint32_t>(100));
        chunks.back().write(std::vector<std::uint32_t>(100, i), 0);
    }
    const FrameArenaStatistics stats = arena.statistics();
    EXPECT_GT(stats.ring_count, 1u);
    EXPECT_GT(stats.capacity, 4 * KiB);
    for (std::uint32_t i = 0; i < 64; ++i) {
        ASSERT_TRUE(chunks[i].is_live());
        const auto *words = reinterpret_cast<const std::uint32_t *>(chunks[i].mapped_data());
        EXPECT_TRUE(std::all_of(words, words + 100, [&](std::uint32_t w) { return w == i; }));
    }
    Semaphore timeline(device);
    arena.end_frame(timeline.handle(), 1);
    timeline.signal(1);
    EXPECT_EQ(arena.reclaim(), 1u);
    for (const auto &chunk : chunks) EXPECT_FALSE(chunk.is_live()); // old rings too
}

TEST_F(FrameArenaTests, BadInputIsALogicError) {
    EXPECT_THROW(FrameArena(nullptr), LogicError);
    EXPECT_THROW(FrameArena(allocator, FrameArenaOptions().setCapacity(0)), LogicError);
    EXPECT_THROW(FrameArena(allocator, FrameArenaOptions().setUsage({})), LogicError);
    EXPECT_THROW(FrameArena(allocator, FrameArenaOptions().setExhaustion(static_cast<ArenaExhaustion>(5))),
                 LogicError);
    EXPECT_THROW(FrameArena(allocator, FrameArenaOptions().setName("a\x7f")), LogicError);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0u);
    FrameArena arena(allocator, FrameArenaOptions().setCapacity(4 * KiB));
    EXPECT_THROW((void)arena.allocate<std::uint32_t>(0), LogicError);
    EXPECT_THROW((void)arena.allocate<std::uint64_t>(SIZE_MAX / 4), LogicError);
    for (const vk::DeviceSize huge : {vk::DeviceSize{1} << 61, vk::DeviceSize{1} << 63, ~vk::DeviceSize{0}}) {
        EXPECT_THROW((void)arena.allocate_bytes(huge), LogicError) << huge; // the growth would wrap
    }
    EXPECT_THROW((void)arena.allocate<std::uint32_t>(4, 3), LogicError);
    EXPECT_THROW((void)arena.allocate_bytes(0), LogicError);
    EXPECT_THROW(arena.end_frame(vk::Semaphore{}, 1), LogicError);
    EXPECT_THROW(arena.end_frame(vk::Fence{}), LogicError);
    auto chunk = arena.allocate<std::uint32_t>(4);
    EXPECT_THROW(chunk.write(std::vector<std::uint32_t>(5), 0), LogicError);
    EXPECT_THROW(chunk.write(1u, 4), LogicError);
    ArenaChunk<std::uint32_t> empty;
    EXPECT_THROW((void)empty.mapped_data(), LogicError);
    FrameArena moved(std::move(arena));
    EXPECT_THROW((void)arena.allocate<std::uint32_t>(1), LogicError); // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(chunk.is_live());
}

TEST_F(FrameArenaTests, RandomFramesNeverOverlapLiveChunksAndKeepTheirContents) {
    Semaphore timeline(device);
    FrameArena arena(allocator, FrameArenaOptions().setCapacity(64 * KiB));
    struct Live {
        ArenaChunkBase chunk;
        std::uint64_t frame;
        std::byte fill;
    };
    std::vector<Live> live;
    std::mt19937 random(4242);
    std::uint64_t signalled = 0;
    for (std::uint64_t frame = 1; frame <= 60; ++frame) {
        const int count = static_cast<int>(random() % 40);
        for (int i = 0; i < count; ++i) {
            const vk::DeviceSize size = 1 + random() % 3000;
            const vk::DeviceSize alignment = vk::DeviceSize{1} << (random() % 9);
            ArenaChunkBase chunk = arena.allocate_bytes(size, alignment);
            ASSERT_EQ(chunk.offset() % alignment, 0u);
            ASSERT_EQ(chunk.offset() % arena.alignment(), 0u);
            const auto fill = static_cast<std::byte>(random());
            std::memset(chunk.mapped_data(), static_cast<int>(fill), size);
            live.push_back({chunk, frame, fill});
        }
        arena.end_frame(timeline.handle(), frame);
        // The device is a few frames behind.
        if (frame > 3 && random() % 4 != 0) {
            signalled = frame - random() % 3;
            if (signalled > timeline.value()) timeline.signal(signalled);
        }
        arena.reclaim();
        // CPU model: the chunks of frames not signalled are live, the others not; live ones
        // never overlap and keep their bytes.
        std::map<VkBuffer, std::map<vk::DeviceSize, vk::DeviceSize>> ranges;
        std::vector<Live> kept;
        for (Live &l : live) {
            const bool expected_live = l.frame > timeline.value();
            ASSERT_EQ(l.chunk.is_live(), expected_live) << "frame " << l.frame;
            if (!expected_live) continue;
            auto &buffer = ranges[static_cast<VkBuffer>(l.chunk.handle())];
            auto next = buffer.lower_bound(l.chunk.offset());
            if (next != buffer.end()) {
                ASSERT_LE(l.chunk.offset() + l.chunk.size_bytes(), next->first);
            }
            if (next != buffer.begin()) {
                ASSERT_LE(std::prev(next)->first + std::prev(next)->second, l.chunk.offset());
            }
            buffer[l.chunk.offset()] = l.chunk.size_bytes();
            const std::byte *bytes = l.chunk.mapped_data();
            ASSERT_TRUE(std::all_of(bytes, bytes + l.chunk.size_bytes(),
                                    [&](std::byte b) { return b == l.fill; }));
            kept.push_back(l);
        }
        live = std::move(kept);
    }
}

class FrameArenaConcurrencyTests : public test::AllocatorTest {};

TEST_F(FrameArenaConcurrencyTests, ThreadsAllocateChunksWhileFramesEndAndNoneOverlap) {
    Semaphore timeline(device);
    FrameArena arena(allocator, FrameArenaOptions().setCapacity(256 * KiB));
    constexpr int threads = 8;
    constexpr int per_thread = 400;
    std::vector<std::vector<ArenaChunk<std::uint32_t>>> chunks(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto chunk = arena.allocate<std::uint32_t>(1 + static_cast<std::size_t>(i % 7));
                chunk.write(std::vector<std::uint32_t>(chunk.size(), static_cast<std::uint32_t>(t * 100000 + i)), 0);
                chunks[static_cast<std::size_t>(t)].push_back(chunk);
            }
        });
    }
    // Frames end while the threads allocate; none is signalled, so every chunk stays live.
    for (std::uint64_t frame = 1; frame <= 20; ++frame) {
        arena.end_frame(timeline.handle(), frame);
        std::this_thread::yield();
    }
    for (auto &w : workers) w.join();
    std::map<VkBuffer, std::map<vk::DeviceSize, vk::DeviceSize>> ranges;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < per_thread; ++i) {
            const auto &chunk = chunks[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)];
            ASSERT_TRUE(chunk.is_live());
            const auto *words = reinterpret_cast<const std::uint32_t *>(chunk.mapped_data());
            const auto tag = static_cast<std::uint32_t>(t * 100000 + i);
            ASSERT_TRUE(std::all_of(words, words + chunk.size(), [&](std::uint32_t w) { return w == tag; }));
            auto inserted = ranges[static_cast<VkBuffer>(chunk.handle())].emplace(chunk.offset(), chunk.size_bytes());
            ASSERT_TRUE(inserted.second);
        }
    }
    for (const auto &[buffer, map] : ranges) {
        vk::DeviceSize end = 0;
        for (const auto &[offset, size] : map) {
            ASSERT_LE(end, offset);
            end = offset + size;
        }
    }
    timeline.signal(20);
    arena.end_frame(timeline.handle(), 20);
    EXPECT_FALSE(chunks[0][0].is_live());
}

} // namespace
} // namespace vw
