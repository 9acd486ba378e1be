#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Pool.h"
#include "VulkanWrapper/Report/MemoryMap.h"

namespace vw {
namespace {

constexpr vk::DeviceSize KiB = 1024;

using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;
using UniformWords = Buffer<std::uint32_t, true, UniformBufferUsage>;
using ReadbackWords = ReadbackBuffer<std::uint32_t>;

class PoolTests : public test::AllocatorTest {};

TEST_F(PoolTests, BuffersShareThePoolsBlockAndShowInItsStatistics) {
    auto pool = PoolBuilder(allocator).setName("meshes").setBlockSize(1024 * KiB).build();
    EXPECT_EQ(pool->name(), "meshes");
    EXPECT_EQ(pool->host_access(), HostAccess::None);
    EXPECT_EQ(pool->statistics().memory.block_count, 0u);
    std::vector<std::unique_ptr<DeviceWords>> buffers;
    for (int i = 0; i < 10; ++i) buffers.push_back(pool->allocate<DeviceWords>(1024));
    const PoolStatistics stats = pool->statistics();
    EXPECT_EQ(stats.name, "meshes");
    EXPECT_EQ(stats.memory_type, pool->memory_type_index());
    EXPECT_EQ(stats.block_size, 1024 * KiB);
    EXPECT_EQ(stats.memory.block_count, 1u);
    EXPECT_EQ(stats.memory.block_bytes, 1024 * KiB);
    EXPECT_EQ(stats.memory.allocation_count, 10u);
    EXPECT_EQ(stats.memory.allocation_bytes, 10 * 4 * KiB);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 10u);
    for (const auto &b : buffers) {
        EXPECT_EQ(b->memory_type_index(), pool->memory_type_index());
        EXPECT_FALSE(b->is_dedicated());
    }
    buffers.clear();
    EXPECT_EQ(pool->statistics().memory.allocation_count, 0u);
}

TEST_F(PoolTests, HostVisiblePoolBuffersAreWrittenAndReadBack) {
    auto upload = PoolBuilder(allocator).setHostAccess(HostAccess::SequentialWrite)
                      .setBlockSize(256 * KiB).build();
    auto readback = PoolBuilder(allocator).setHostAccess(HostAccess::Random)
                        .setBlockSize(256 * KiB).build();
    std::vector<std::uint32_t> values(300);
    std::iota(values.begin(), values.end(), 7u);
    auto uniforms = upload->allocate<UniformWords>(values.size(), "uniform words");
    uniforms->write(values, 0);
    EXPECT_EQ(uniforms->read_as_vector(0, values.size()), values);
    EXPECT_EQ(uniforms->name(), "uniform words");
    auto back = readback->allocate<ReadbackWords>(values.size());
    back->write(values, 0);
    EXPECT_EQ(back->read_as_vector(10, 5), std::vector<std::uint32_t>(values.begin() + 10, values.begin() + 15));
    EXPECT_TRUE(back->memory_properties() & vk::MemoryPropertyFlagBits::eHostVisible);
}

TEST_F(PoolTests, AFullPoolIsAnOutOfMemoryErrorNamingItAndStaysUsable) {
    auto pool = PoolBuilder(allocator).setName("tiny").setBlockSize(64 * KiB)
                    .setMaxBlockCount(1).build();
    auto first = pool->allocate<DeviceWords>(16 * 1024); // the whole block
    try {
        auto second = pool->allocate<DeviceWords>(256);
        FAIL() << "no OutOfMemoryError";
    } catch (const OutOfMemoryError &error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("'tiny'"), std::string::npos) << message;
        EXPECT_NE(message.find("1 of at most 1 blocks"), std::string::npos) << message;
        EXPECT_EQ(error.requested_bytes(), std::optional<std::uint64_t>(1024));
    }
    EXPECT_EQ(pool->statistics().memory.allocation_count, 1u);
    first.reset();
    auto again = pool->allocate<DeviceWords>(256);
    EXPECT_EQ(pool->statistics().memory.allocation_count, 1u);
    // Larger than a block: never satisfiable, refused before VMA.
    EXPECT_THROW((void)pool->allocate<DeviceWords>(32 * 1024), OutOfMemoryError);
}

TEST_F(PoolTests, BadInputIsALogicErrorAndNothingIsMade) {
    EXPECT_THROW((void)PoolBuilder().build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setBlockSize(0).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setMaxBlockCount(0).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setMinBlockCount(3).setMaxBlockCount(2).build(),
                 LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setMemoryType(VK_MAX_MEMORY_TYPES).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setHostAccess(static_cast<HostAccess>(9)).build(),
                 LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setName("bad\nname").build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setBufferUsage({}).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setBlockSize(~vk::DeviceSize{0}).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setPriority(-0.25F).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setPriority(1.5F).build(), LogicError);
    EXPECT_THROW((void)PoolBuilder(allocator).setPriority(std::numeric_limits<float>::quiet_NaN()).build(),
                 LogicError);
    EXPECT_TRUE(allocator->statistics().pools.empty());

    auto pool = PoolBuilder(allocator).setBlockSize(64 * KiB).build();
    EXPECT_THROW((void)pool->allocate<DeviceWords>(0), LogicError);
    EXPECT_THROW((void)pool->allocate<DeviceWords>(SIZE_MAX / 2), LogicError);
    EXPECT_THROW((void)pool->allocate<UniformWords>(4), LogicError); // host access differs
    EXPECT_THROW((void)pool->allocate_buffer(64, vk::BufferUsageFlags{}, HostAccess::None), LogicError);
    EXPECT_THROW((void)pool->allocate<DeviceWords>(4, "bad\x01"), LogicError);
    EXPECT_EQ(pool->statistics().memory.allocation_count, 0u);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0u);
}

TEST_F(PoolTests, TheAllocatorsStatisticsListEveryLivePoolWithItsPriority) {
    auto high = PoolBuilder(allocator).setName("high").setPriority(1.0F).setBlockSize(256 * KiB).build();
    auto low = PoolBuilder(allocator).setName("low").setPriority(0.0F).setBlockSize(128 * KiB).build();
    EXPECT_EQ(high->priority(), 1.0F);
    EXPECT_EQ(low->priority(), 0.0F);
    EXPECT_EQ(high->priority_applied(), allocator->applies_memory_priority());
    EXPECT_EQ(allocator->applies_memory_priority(),
              device->is_feature_enabled(&vk::PhysicalDeviceMemoryPriorityFeaturesEXT::memoryPriority));
    auto a = high->allocate<DeviceWords>(1024);
    auto b = high->allocate<DeviceWords>(512);
    auto c = low->allocate<DeviceWords>(256);

    AllocatorStatistics stats = allocator->statistics();
    ASSERT_EQ(stats.pools.size(), 2u);
    EXPECT_EQ(stats.pools[0].name, "high"); // creation order
    EXPECT_EQ(stats.pools[0].block_size, 256 * KiB);
    EXPECT_EQ(stats.pools[0].memory.allocation_count, 2u);
    EXPECT_EQ(stats.pools[0].memory.allocation_bytes, (1024 + 512) * 4u);
    EXPECT_EQ(stats.pools[1].name, "low");
    EXPECT_EQ(stats.pools[1].memory.allocation_count, 1u);
    if (allocator->applies_memory_priority()) {
        EXPECT_EQ(stats.pools[0].priority, std::optional<float>(1.0F));
        EXPECT_EQ(stats.pools[1].priority, std::optional<float>(0.0F));
    } else {
        EXPECT_FALSE(stats.pools[0].priority.has_value());
    }
    EXPECT_EQ(stats.total.allocation_count, 3u); // pool memory is in the totals too

    c.reset();
    low.reset();
    stats = allocator->statistics();
    ASSERT_EQ(stats.pools.size(), 1u);
    EXPECT_EQ(stats.pools[0].name, "high");
}

TEST_F(PoolTests, MinimumBlocksAreMadeUpFrontAndAnExplicitTypeIsKept) {
    auto pool = PoolBuilder(allocator).setBlockSize(64 * KiB).setMinBlockCount(2).build();
    EXPECT_EQ(pool->min_block_count(), 2u);
    EXPECT_EQ(pool->statistics().memory.block_count, 2u);
    auto same = PoolBuilder(allocator).setMemoryType(pool->memory_type_index()).build();
    EXPECT_EQ(same->memory_type_index(), pool->memory_type_index());
    auto buffer = same->allocate<DeviceWords>(16);
    EXPECT_EQ(buffer->memory_type_index(), pool->memory_type_index());
}

TEST_F(PoolTests, LinearPoolAllocatesInOrder) {
    auto pool = PoolBuilder(allocator).setLinear().setBlockSize(64 * KiB).setMaxBlockCount(1).build();
    EXPECT_TRUE(pool->is_linear());
    auto a = pool->allocate<DeviceWords>(1024);
    auto b = pool->allocate<DeviceWords>(1024);
    VmaAllocationInfo info_a{};
    VmaAllocationInfo info_b{};
    vmaGetAllocationInfo(allocator->handle(), a->allocation(), &info_a);
    vmaGetAllocationInfo(allocator->handle(), b->allocation(), &info_b);
    EXPECT_LT(info_a.offset, info_b.offset);
    EXPECT_EQ(pool->statistics().memory.allocation_bytes, 8 * KiB);
}

TEST_F(PoolTests, BuffersAndImagesKeepThePoolAlive) {
    auto pool = PoolBuilder(allocator).setName("kept").setBlockSize(1024 * KiB).build();
    auto buffer = pool->allocate<DeviceWords>(64);
    auto image = test::small_image(allocator).setPool(pool).build();
    const std::weak_ptr<Pool> weak = pool;
    EXPECT_EQ(weak.lock()->statistics().memory.allocation_count, 2u);
    pool.reset();
    EXPECT_FALSE(weak.expired());
    buffer.reset();
    EXPECT_FALSE(weak.expired());
    image.reset();
    EXPECT_TRUE(weak.expired());
}

TEST_F(PoolTests, ImagesRefuseAPoolOfAnotherAllocatorOrAHostVisibleOne) {
    auto other = AllocatorBuilder(instance, device).build();
    auto foreign = PoolBuilder(other).build();
    EXPECT_THROW((void)test::small_image(allocator).setPool(foreign).build(), LogicError);
    auto mapped = PoolBuilder(allocator).setHostAccess(HostAccess::SequentialWrite).build();
    EXPECT_THROW((void)test::small_image(allocator).setPool(mapped).build(), LogicError);
    auto tiny = PoolBuilder(allocator).setName("tiny images").setBlockSize(1024)
                    .setMaxBlockCount(1).build();
    try {
        (void)test::small_image(allocator, 64).setPool(tiny).build();
        ADD_FAILURE() << "no OutOfMemoryError";
    } catch (const OutOfMemoryError &error) {
        EXPECT_NE(std::string(error.what()).find("'tiny images'"), std::string::npos) << error.what();
    } catch (const NotSupportedError &) {
        // The image's requirements may exclude the pool's (buffer-chosen) memory type.
    }
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0u);
}

TEST_F(PoolTests, TheJsonTheMemoryMapAndTheReportNameThePool) {
    auto pool = PoolBuilder(allocator).setName("uniforms").setHostAccess(HostAccess::SequentialWrite)
                    .setBlockSize(128 * KiB).build();
    auto empty = PoolBuilder(allocator).setBlockSize(64 * KiB).build();
    auto a = pool->allocate<UniformWords>(64, "camera");
    auto b = pool->allocate<UniformWords>(128, "lights");
    auto outside = allocator->allocate<DeviceWords>(16, "outside");

    EXPECT_NE(allocator->json().find("0 - uniforms"), std::string::npos);
    const MemoryMap map(*allocator);
    const std::vector<PoolStatistics> pools = map.pools();
    ASSERT_EQ(pools.size(), 2u);
    const auto named = std::find_if(pools.begin(), pools.end(),
                                    [](const PoolStatistics &p) { return p.name == "uniforms"; });
    ASSERT_NE(named, pools.end());
    EXPECT_EQ(named->memory_type, pool->memory_type_index());
    EXPECT_EQ(named->block_size, 128 * KiB);
    EXPECT_EQ(named->memory.allocation_count, 2u);
    EXPECT_EQ(named->memory.allocation_bytes, (64 + 128) * 4u);
    EXPECT_EQ(named->memory.block_count, 1u);
    EXPECT_EQ(named->memory.allocation_count, pool->statistics().memory.allocation_count);
    const auto unnamed = std::find_if(pools.begin(), pools.end(),
                                      [](const PoolStatistics &p) { return p.name.empty(); });
    ASSERT_NE(unnamed, pools.end());
    EXPECT_EQ(unnamed->memory.block_count, 0u);

    int in_pool = 0;
    for (const AllocationRecord &record : map.allocations()) {
        if (record.name == "outside") {
            EXPECT_FALSE(record.pool.has_value());
        }
        if (record.name == "camera" || record.name == "lights") {
            EXPECT_EQ(record.pool, std::optional<std::string>("uniforms"));
            ++in_pool;
        }
    }
    EXPECT_EQ(in_pool, 2);
    const std::string report = map.report();
    EXPECT_NE(report.find("Pool 'uniforms'"), std::string::npos) << report;
    EXPECT_NE(report.find("Pool (unnamed)"), std::string::npos) << report;
    EXPECT_NE(map.svg().find("uniforms"), std::string::npos); // the block's caption and tooltip
}

} // namespace
} // namespace vw
