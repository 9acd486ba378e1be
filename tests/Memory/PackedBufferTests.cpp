#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "Memory/PackedBufferFixture.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/PackedBuffer.h"
#include "VulkanWrapper/Memory/Pool.h"
#include "VulkanWrapper/Transfer/Transfer.h"

namespace vw {
namespace {

constexpr vk::DeviceSize KiB = 1024;

using test::DevicePack;
using test::PackedBufferTests;
using test::UniformPack;

TEST_F(PackedBufferTests, EverySliceHonoursItsUsagesAlignmentAtOddSizes) {
    using Bit = vk::BufferUsageFlagBits;
    struct Case {
        vk::BufferUsageFlags usage;
        vk::DeviceSize needed;
    };
    const std::vector<Case> cases = {
        {Bit::eUniformBuffer, limits().minUniformBufferOffsetAlignment},
        {Bit::eStorageBuffer, limits().minStorageBufferOffsetAlignment},
        {Bit::eUniformTexelBuffer, limits().minTexelBufferOffsetAlignment},
        {Bit::eStorageTexelBuffer, limits().minTexelBufferOffsetAlignment},
        {Bit::eVertexBuffer, 4},
        {Bit::eIndexBuffer, 4},
        {Bit::eIndirectBuffer, 4},
        {Bit::eTransferSrc, 1},
        {Bit::eUniformBuffer | Bit::eStorageBuffer,
         std::max(limits().minUniformBufferOffsetAlignment, limits().minStorageBufferOffsetAlignment)},
    };
    for (const Case &c : cases) {
        for (HostAccess access : {HostAccess::None, HostAccess::SequentialWrite, HostAccess::Random}) {
            PackedBufferBase packed(allocator, c.usage | Bit::eTransferDst, access,
                                    PackedBufferOptions().setBufferSize(64 * KiB));
            vk::DeviceSize needed = c.needed;
            if (access != HostAccess::None) needed = std::max(needed, limits().nonCoherentAtomSize);
            EXPECT_EQ(packed.alignment() % needed, 0u) << vk::to_string(c.usage);
            std::vector<BufferSliceBase> slices;
            for (vk::DeviceSize size : {1u, 3u, 7u, 13u, 100u, 257u, 1000u, 4095u}) {
                slices.push_back(packed.allocate_bytes(size));
                EXPECT_EQ(slices.back().offset() % needed, 0u) << vk::to_string(c.usage) << " " << size;
                EXPECT_EQ(slices.back().size_bytes(), size);
            }
            slices.push_back(packed.allocate_bytes(5, 512));
            EXPECT_EQ(slices.back().offset() % 512, 0u);
            EXPECT_EQ(packed.statistics().buffer_count, 1u);
        }
    }
}

TEST_F(PackedBufferTests, BadInputIsALogicErrorAndNothingIsAllocated) {
    UniformPack packed(allocator);
    EXPECT_THROW((void)packed.allocate(0), LogicError);
    EXPECT_THROW((void)packed.allocate(SIZE_MAX / 2), LogicError);
    EXPECT_THROW((void)packed.allocate(4, 3), LogicError);
    EXPECT_THROW((void)packed.allocate(4, 0), LogicError);
    EXPECT_THROW((void)packed.allocate_bytes(0), LogicError);
    EXPECT_THROW((void)packed.allocate_bytes(16, 24), LogicError);
    EXPECT_EQ(packed.statistics().buffer_count, 0u);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0u);
    EXPECT_THROW(PackedBufferBase(nullptr, vk::BufferUsageFlagBits::eUniformBuffer, HostAccess::None),
                 LogicError);
    EXPECT_THROW(PackedBufferBase(allocator, {}, HostAccess::None), LogicError);
    EXPECT_THROW(PackedBufferBase(allocator, vk::BufferUsageFlagBits::eUniformBuffer,
                                  static_cast<HostAccess>(7)),
                 LogicError);
    EXPECT_THROW(UniformPack(allocator, PackedBufferOptions().setBufferSize(0)), LogicError);
    EXPECT_THROW(UniformPack(allocator, PackedBufferOptions().setName("bad\tname")), LogicError);
    auto device_pool = PoolBuilder(allocator).build();
    EXPECT_THROW(UniformPack(allocator, PackedBufferOptions().setPool(device_pool)), LogicError); // host access differs
    UniformPack moved(std::move(packed));
    EXPECT_THROW((void)packed.allocate(1), LogicError); // NOLINT(bugprone-use-after-move)
    UniformPack::Slice slice = moved.allocate(4);
    UniformPack::Slice empty;
    EXPECT_THROW((void)empty.buffer(), LogicError);
    EXPECT_THROW(slice.write(std::vector<std::uint32_t>(5), 0), LogicError);
    EXPECT_THROW((void)slice.read_as_vector(3, 2), LogicError);
    EXPECT_THROW(slice.write_bytes(std::vector<std::byte>(1), 16), LogicError);
}

TEST_F(PackedBufferTests, ADroppedSlicesRangeIsReused) {
    UniformPack packed(allocator, PackedBufferOptions().setBufferSize(64 * KiB).setName("uniform pack"));
    auto keep = packed.allocate(16);
    vk::DeviceSize offset = 0;
    vk::Buffer handle;
    {
        auto slice = packed.allocate(64);
        offset = slice.offset();
        handle = slice.handle();
        EXPECT_EQ(packed.statistics().slice_count, 2u);
    }
    EXPECT_EQ(packed.statistics().slice_count, 1u);
    auto again = packed.allocate(64);
    EXPECT_EQ(again.offset(), offset);
    EXPECT_EQ(again.handle(), handle);
    const PackedBufferStatistics stats = packed.statistics();
    EXPECT_EQ(stats.buffer_count, 1u);
    EXPECT_EQ(stats.buffer_bytes, 64 * KiB);
    EXPECT_EQ(stats.slice_bytes, (16 + 64) * 4u);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1u);
    EXPECT_EQ(again.buffer().name(), "uniform pack");

    // Moving a slice moves its range; the moved-from one is empty and frees nothing.
    UniformPack::Slice moved = std::move(again);
    EXPECT_TRUE(again.empty()); // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(moved.offset(), offset);
    EXPECT_EQ(packed.statistics().slice_count, 2u);
}

TEST_F(PackedBufferTests, RandomAllocationsAndFreesNeverOverlapAndKeepTheirContents) {
    PackedBuffer<std::byte, true, StorageBufferUsage> packed(allocator, PackedBufferOptions().setBufferSize(256 * KiB));
    struct Live {
        PackedBuffer<std::byte, true, StorageBufferUsage>::Slice slice;
        std::byte fill;
    };
    std::vector<Live> live;
    std::mt19937 random(12345);
    // CPU model: per buffer, the live ranges by offset.
    std::map<VkBuffer, std::map<vk::DeviceSize, vk::DeviceSize>> model;
    const auto check_no_overlap = [&](const BufferSliceBase &s) {
        auto &ranges = model[static_cast<VkBuffer>(s.handle())];
        auto next = ranges.lower_bound(s.offset());
        if (next != ranges.end()) {
            ASSERT_LE(s.offset() + s.size_bytes(), next->first);
        }
        if (next != ranges.begin()) {
            auto previous = std::prev(next);
            ASSERT_LE(previous->first + previous->second, s.offset());
        }
        ranges[s.offset()] = s.size_bytes();
    };
    vk::DeviceSize live_bytes = 0;
    vk::DeviceSize peak_bytes = 0;
    for (int step = 0; step < 3000; ++step) {
        if (live.empty() || random() % 3 != 0) {
            const vk::DeviceSize size = 1 + random() % 6000;
            const vk::DeviceSize alignment = vk::DeviceSize{1} << (random() % 10);
            auto slice = packed.allocate(size, alignment);
            ASSERT_EQ(slice.offset() % alignment, 0u);
            ASSERT_EQ(slice.offset() % packed.alignment(), 0u);
            ASSERT_LE(slice.offset() + slice.size_bytes(), slice.buffer().size_bytes());
            check_no_overlap(slice);
            const auto fill = static_cast<std::byte>(random());
            std::memset(slice.mapped_data(), static_cast<int>(fill), slice.size_bytes());
            live_bytes += size;
            peak_bytes = std::max(peak_bytes, live_bytes);
            live.push_back({std::move(slice), fill});
        } else {
            const std::size_t index = random() % live.size();
            auto &s = live[index].slice;
            model[static_cast<VkBuffer>(s.handle())].erase(s.offset());
            live_bytes -= s.size_bytes();
            std::swap(live[index], live.back());
            live.pop_back();
        }
    }
    for (const Live &l : live) {
        const auto bytes = l.slice.read_as_vector(0, l.slice.size());
        ASSERT_TRUE(std::all_of(bytes.begin(), bytes.end(), [&](std::byte b) { return b == l.fill; }));
    }
    const PackedBufferStatistics stats = packed.statistics();
    EXPECT_EQ(stats.slice_count, live.size());
    // Ranges are reused: the large buffers hold at most twice the peak of live bytes (padding
    // and fragmentation) and one buffer more, not a buffer per slice.
    EXPECT_LE(stats.buffer_bytes, 2 * peak_bytes + 256 * KiB);
    EXPECT_LT(stats.buffer_count, 40u);
    live.clear();
    EXPECT_EQ(packed.statistics().slice_count, 0u);
    packed.trim();
    EXPECT_EQ(packed.statistics().buffer_count, 0u);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0u);
}

TEST_F(PackedBufferTests, ALargeSliceGetsABufferOfItsOwnAndTrimFreesEmptyOnes) {
    DevicePack packed(allocator, PackedBufferOptions().setBufferSize(4 * KiB));
    auto small = packed.allocate(16);
    auto large = packed.allocate(4096); // 16 KiB
    EXPECT_NE(small.handle(), large.handle());
    EXPECT_EQ(large.buffer().size_bytes(), 16 * KiB);
    large = {};
    packed.trim();
    EXPECT_EQ(packed.statistics().buffer_count, 1u);
    EXPECT_EQ(packed.statistics().buffer_bytes, 4 * KiB);
}

TEST_F(PackedBufferTests, BuffersComeFromTheGivenPool) {
    auto pool = PoolBuilder(allocator).setName("packed").setBlockSize(256 * KiB).build();
    DevicePack packed(allocator, PackedBufferOptions().setBufferSize(64 * KiB).setPool(pool));
    auto a = packed.allocate(10000);
    auto b = packed.allocate(10000);
    EXPECT_EQ(pool->statistics().memory.allocation_count, 2u);
}

TEST_F(PackedBufferTests, TransferUploadsAndDownloadsSlices) {
    Transfer transfer(device, allocator);
    DevicePack packed(allocator);
    auto a = packed.allocate(300);
    auto b = packed.allocate(500);
    ASSERT_EQ(a.handle(), b.handle());
    std::vector<std::uint32_t> first(300);
    std::vector<std::uint32_t> second(500);
    std::iota(first.begin(), first.end(), 1u);
    std::iota(second.begin(), second.end(), 100000u);
    transfer.upload(a, first);
    transfer.upload(b, second);
    EXPECT_EQ(transfer.download(a), first);
    EXPECT_EQ(transfer.download(b), second);
    transfer.upload(b, std::vector<std::uint32_t>{7, 8}, 498);
    EXPECT_EQ(transfer.download(b, 497, 3), (std::vector<std::uint32_t>{100497, 7, 8}));
    EXPECT_EQ(transfer.download(a), first);
    EXPECT_THROW(transfer.upload(b, std::vector<std::uint32_t>(3), 498), LogicError);
    EXPECT_THROW((void)transfer.download(a, 299, 2), LogicError);
}

class PackedBufferConcurrencyTests : public test::AllocatorTest {};

TEST_F(PackedBufferConcurrencyTests, ThreadsAllocateAndDropSlicesWithoutOverlap) {
    UniformPack packed(allocator, PackedBufferOptions().setBufferSize(64 * KiB));
    constexpr int threads = 8;
    std::vector<std::vector<std::uint32_t>> failures(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::vector<UniformPack::Slice> mine;
            for (int i = 0; i < 300; ++i) {
                auto slice = packed.allocate(1 + static_cast<std::size_t>(i % 13));
                const std::uint32_t tag = static_cast<std::uint32_t>(t * 100000 + i);
                std::vector<std::uint32_t> values(slice.size(), tag);
                slice.write(values, 0);
                mine.push_back(std::move(slice));
                if (i % 3 == 0) mine.erase(mine.begin());
            }
            for (std::size_t i = 0; i < mine.size(); ++i) {
                const auto values = mine[i].read_as_vector(0, mine[i].size());
                if (values[0] / 100000 != static_cast<std::uint32_t>(t) ||
                    std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
                    failures[static_cast<std::size_t>(t)].push_back(static_cast<std::uint32_t>(i));
                }
            }
        });
    }
    for (auto &w : workers) w.join();
    for (const auto &f : failures) EXPECT_TRUE(f.empty());
    EXPECT_EQ(packed.statistics().slice_count, 0u);
}

} // namespace
} // namespace vw
