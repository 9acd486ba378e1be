#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "Support/InternalAccess.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw {
namespace {

constexpr vk::DeviceSize MiB = 1024 * 1024;

using DeviceLocalBytes = Buffer<std::byte, false, StorageBufferUsage>;
using StagingBytes = Buffer<std::byte, true, StagingBufferUsage>;
using ReadbackBytes = ReadbackBuffer<std::byte>;

class AllocatorTests : public test::AllocatorTest {
protected:
    std::string expect_logic_error(const std::function<void()> &call) {
        try {
            call();
        } catch (const LogicError &error) {
            return error.message();
        }
        ADD_FAILURE() << "no LogicError";
        return {};
    }
};

TEST_F(AllocatorTests, BuilderSettersAndConstructorBothWork) {
    const auto a = AllocatorBuilder().setInstance(instance).setDevice(device).build();
    const auto b = AllocatorBuilder(instance, device).build();
    EXPECT_NE(a->handle(), nullptr);
    EXPECT_NE(b->handle(), nullptr);
    EXPECT_NE(a->handle(), b->handle());
    EXPECT_EQ(a->device(), device);
    EXPECT_FALSE(a->allows_over_subscription());
}

TEST_F(AllocatorTests, BuilderMissingFieldsAreLogicErrorsNamingTheField) {
    EXPECT_NE(expect_logic_error([&] { (void)AllocatorBuilder().setDevice(device).build(); })
                  .find("instance"),
              std::string::npos);
    EXPECT_NE(expect_logic_error([&] { (void)AllocatorBuilder().setInstance(instance).build(); })
                  .find("device"),
              std::string::npos);
    EXPECT_NE(expect_logic_error([&] {
                  (void)AllocatorBuilder(instance, device).setPreferredBlockSize(0).build();
              }).find("preferredBlockSize"),
              std::string::npos);
}

TEST_F(AllocatorTests, DeviceFromAnotherInstanceIsRejected) {
    const auto other = InstanceBuilder().build();
    EXPECT_NE(expect_logic_error([&] { (void)AllocatorBuilder(other, device).build(); })
                  .find("another instance"),
              std::string::npos);
}

TEST_F(AllocatorTests, ZeroCountAndOverflowAreLogicErrorsAndLeaveNothing) {
    const auto before = allocator->statistics().total;
    EXPECT_THROW((void)allocator->allocate<DeviceLocalBytes>(0), LogicError);
    using Big = Buffer<std::array<std::uint64_t, 16>, true, StagingBufferUsage>;
    const std::string message = expect_logic_error(
        [&] { (void)allocator->allocate<Big>(std::numeric_limits<std::size_t>::max() / 2); });
    EXPECT_NE(message.find("overflow"), std::string::npos) << message;
    EXPECT_THROW((void)allocator->allocate_buffer(0, StagingBufferUsage, HostAccess::Random), LogicError);
    EXPECT_THROW((void)allocator->allocate_buffer(64, 0, HostAccess::Random), LogicError);
    EXPECT_THROW((void)allocator->allocate_buffer(64, StagingBufferUsage, static_cast<HostAccess>(7)),
                 LogicError);
    const auto after = allocator->statistics().total;
    EXPECT_EQ(after.allocation_count, before.allocation_count);
    EXPECT_EQ(after.block_bytes, before.block_bytes);
}

TEST_F(AllocatorTests, AbsurdSizeIsRefusedCleanly) {
    const vk::DeviceSize absurd = vk::DeviceSize{1} << 60;
    const auto &limits = device->physical_device().memory_limits();
    if (limits.max_buffer_size && absurd > *limits.max_buffer_size) {
        const auto message = expect_logic_error(
            [&] { (void)allocator->allocate_buffer(absurd, StorageBufferUsage, HostAccess::None); });
        EXPECT_NE(message.find("maxBufferSize"), std::string::npos) << message;
    } else {
        EXPECT_THROW((void)allocator->allocate_buffer(absurd, StorageBufferUsage, HostAccess::None),
                     OutOfMemoryError);
    }
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
    auto buffer = allocator->allocate<StagingBytes>(16);
    EXPECT_EQ(buffer->size(), 16U);
}

TEST_F(AllocatorTests, ExhaustingTheBudgetThrowsOutOfMemoryErrorAndKeepsEverythingIntact) {
    const auto stats = allocator->statistics();
    const auto &heap = stats.heaps.at(0);
    // Chunks of a quarter of the budget, below maxMemoryAllocationSize: the fifth cannot fit.
    const vk::DeviceSize chunk = std::min<vk::DeviceSize>(
        heap.budget_bytes / 4 + MiB,
        device->physical_device().memory_limits().max_memory_allocation_size.value_or(heap.budget_bytes));
    if (device->physical_device().memory_properties().memoryHeapCount != 1 || chunk > 4096 * MiB) {
        GTEST_SKIP() << "budget exhaustion is exercised on single-heap devices of a few GiB (lavapipe)";
    }
    std::vector<std::unique_ptr<StagingBytes>> held;
    std::optional<OutOfMemoryError> failure;
    for (int i = 0; i < 8 && !failure; ++i) {
        try {
            held.push_back(allocator->allocate<StagingBytes>(chunk));
            held.back()->write(std::byte(i + 1), 0);
            held.back()->write(std::byte(i + 1), chunk - 1);
        } catch (const OutOfMemoryError &error) {
            failure = error;
        }
    }
    ASSERT_TRUE(failure.has_value()) << "the budget was never exceeded";
    EXPECT_EQ(failure->requested_bytes(), chunk);
    EXPECT_EQ(failure->heap_index(), 0U);
    ASSERT_TRUE(failure->heap_budget_bytes().has_value());
    EXPECT_EQ(*failure->heap_budget_bytes(), heap.budget_bytes);
    EXPECT_NE(failure->message().find("heap budget"), std::string::npos);

    // Everything allocated before the failure is intact, and the allocator still works.
    for (std::size_t i = 0; i < held.size(); ++i) {
        EXPECT_EQ(held[i]->read_as_vector(0, 1)[0], std::byte(i + 1));
        EXPECT_EQ(held[i]->read_as_vector(chunk - 1, 1)[0], std::byte(i + 1));
    }
    EXPECT_EQ(allocator->statistics().total.allocation_count, held.size());
    auto small = allocator->allocate<StagingBytes>(4096);
    small->write(std::byte{42}, 4095);
    EXPECT_EQ(small->read_as_vector(4095, 1)[0], std::byte{42});
}

TEST_F(AllocatorTests, OverSubscriptionLetsAllocationsPassTheBudget) {
    const auto over = AllocatorBuilder(instance, device).allowOverSubscription().build();
    EXPECT_TRUE(over->allows_over_subscription());
    const auto heap = over->statistics().heaps.at(0); // a copy: the statistics are a temporary
    const vk::DeviceSize chunk = heap.budget_bytes / 4 + MiB;
    if (device->physical_device().memory_properties().memoryHeapCount != 1 ||
        chunk * 4 > heap.heap_size || chunk > 4096 * MiB) {
        GTEST_SKIP() << "needs a single heap with room above its budget (lavapipe)";
    }
    std::vector<std::unique_ptr<StagingBytes>> held;
    for (int i = 0; i < 4; ++i) held.push_back(over->allocate<StagingBytes>(chunk));
    EXPECT_GT(over->statistics().heaps.at(0).usage_bytes, heap.budget_bytes);
}

TEST_F(AllocatorTests, BufferKindsLandInTheIntendedMemoryTypes) {
    auto device_local = allocator->allocate<DeviceLocalBytes>(4096);
    auto staging = allocator->allocate<StagingBytes>(4096);
    auto readback = allocator->allocate<ReadbackBytes>(4096);
    EXPECT_TRUE(device_local->memory_properties() & vk::MemoryPropertyFlagBits::eDeviceLocal);
    EXPECT_FALSE(device_local->is_host_visible());
    EXPECT_TRUE(staging->memory_properties() & vk::MemoryPropertyFlagBits::eHostVisible);
    EXPECT_TRUE(staging->is_host_visible());
    EXPECT_TRUE(readback->memory_properties() & vk::MemoryPropertyFlagBits::eHostVisible);
    const auto &memory = device->physical_device().memory_properties();
    bool has_cached = false;
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        has_cached = has_cached || (memory.memoryTypes[i].propertyFlags &
                                    vk::MemoryPropertyFlagBits::eHostCached);
    }
    EXPECT_EQ(bool(readback->memory_properties() & vk::MemoryPropertyFlagBits::eHostCached), has_cached);
    bool has_pure_device_local = false;
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        const auto flags = memory.memoryTypes[i].propertyFlags;
        has_pure_device_local = has_pure_device_local ||
                                ((flags & vk::MemoryPropertyFlagBits::eDeviceLocal) &&
                                 !(flags & vk::MemoryPropertyFlagBits::eHostVisible));
    }
    // With a choice, device-local buffers avoid host-visible (BAR) memory, except where BAR
    // spans the whole heap: there they take it, and Transfer writes small uploads directly.
    if (has_pure_device_local) {
        EXPECT_EQ(bool(device_local->memory_properties() & vk::MemoryPropertyFlagBits::eHostVisible),
                  allocator->resizable_bar());
    }
    RecordProperty("device_local_type", static_cast<int>(device_local->memory_type_index()));
    RecordProperty("sequential_write_type", static_cast<int>(staging->memory_type_index()));
    RecordProperty("random_type", static_cast<int>(readback->memory_type_index()));
    for (const BufferBase *buffer : {static_cast<BufferBase *>(device_local.get()),
                                     static_cast<BufferBase *>(staging.get()),
                                     static_cast<BufferBase *>(readback.get())}) {
        EXPECT_EQ(vk::MemoryPropertyFlags(memory.memoryTypes[buffer->memory_type_index()].propertyFlags),
                  buffer->memory_properties());
    }
}

TEST_F(AllocatorTests, SmallBuffersShareBlocks) {
    const auto before = allocator->statistics().total;
    std::vector<std::unique_ptr<DeviceLocalBytes>> buffers;
    for (int i = 0; i < 500; ++i) buffers.push_back(allocator->allocate<DeviceLocalBytes>(1024));
    const auto after = allocator->statistics().total;
    EXPECT_EQ(after.allocation_count - before.allocation_count, 500U);
    EXPECT_LE(after.block_count - before.block_count, 2U);
    EXPECT_GE(after.allocation_bytes - before.allocation_bytes, 500U * 1024U);
    for (const auto &buffer : buffers) EXPECT_FALSE(buffer->is_dedicated());
    buffers.clear();
    EXPECT_EQ(allocator->statistics().total.allocation_count, before.allocation_count);
}

TEST_F(AllocatorTests, LargeBufferGetsADedicatedAllocationOfItsOwnSize) {
    const auto before = allocator->statistics().total;
    auto large = allocator->allocate<DeviceLocalBytes>(200 * MiB);
    const auto after = allocator->statistics().total;
    EXPECT_TRUE(large->is_dedicated());
    EXPECT_EQ(after.block_count - before.block_count, 1U);
    EXPECT_EQ(after.block_bytes - before.block_bytes, 200 * MiB); // not a 256 MiB block
    EXPECT_EQ(after.allocation_bytes - before.allocation_bytes, 200 * MiB);
    large.reset();
    EXPECT_EQ(allocator->statistics().total.block_bytes, before.block_bytes);
}

TEST_F(AllocatorTests, StatisticsAgreeWithVmaAndAddUp) {
    auto a = allocator->allocate<DeviceLocalBytes>(4096);
    auto b = allocator->allocate<StagingBytes>(65536);
    auto c = allocator->allocate<DeviceLocalBytes>(150 * MiB);
    const auto stats = allocator->statistics();
    VmaTotalStatistics raw;
    vmaCalculateStatistics(allocator->handle(), &raw);
    EXPECT_EQ(stats.total.allocation_count, raw.total.statistics.allocationCount);
    EXPECT_EQ(stats.total.block_bytes, raw.total.statistics.blockBytes);
    EXPECT_EQ(stats.total.allocation_count, 3U);
    EXPECT_EQ(stats.total.allocation_bytes, 4096 + 65536 + 150 * MiB);

    const auto &memory = device->physical_device().memory_properties();
    ASSERT_EQ(stats.heaps.size(), memory.memoryHeapCount);
    ASSERT_EQ(stats.memory_types.size(), memory.memoryTypeCount);
    MemoryStatistics heap_sum, type_sum;
    for (const auto &heap : stats.heaps) {
        heap_sum.allocation_count += heap.memory.allocation_count;
        heap_sum.block_bytes += heap.memory.block_bytes;
        EXPECT_EQ(heap.heap_size, memory.memoryHeaps[heap.heap_index].size);
        EXPECT_EQ(heap.budget_is_estimate, !device->has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME));
        EXPECT_GT(heap.budget_bytes, 0U);
        EXPECT_LE(heap.budget_bytes, heap.heap_size);
        if (heap.budget_is_estimate) {
            EXPECT_EQ(heap.usage_bytes, heap.memory.block_bytes);
        } else {
            EXPECT_GE(heap.usage_bytes, heap.memory.block_bytes);
        }
    }
    for (const auto &type : stats.memory_types) {
        type_sum.allocation_count += type.memory.allocation_count;
        type_sum.block_bytes += type.memory.block_bytes;
        EXPECT_EQ(type.heap_index, memory.memoryTypes[type.type_index].heapIndex);
    }
    EXPECT_EQ(heap_sum.allocation_count, 3U);
    EXPECT_EQ(type_sum.allocation_count, 3U);
    EXPECT_EQ(heap_sum.block_bytes, stats.total.block_bytes);
    EXPECT_EQ(type_sum.block_bytes, stats.total.block_bytes);
}

TEST_F(AllocatorTests, RuntimeAllocationPathAndAdoptionIntoTypedBuffers) {
    BufferBase raw = allocator->allocate_buffer(64, StagingBufferUsage, HostAccess::Random);
    EXPECT_EQ(raw.size_bytes(), 64U);
    EXPECT_EQ(raw.usage(), vk::BufferUsageFlags(StagingBufferUsage));
    EXPECT_EQ(raw.host_access(), HostAccess::Random);
    const std::array<std::byte, 4> bytes{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    raw.write_bytes(bytes, 60);
    std::array<std::byte, 4> back{};
    raw.read_bytes(back, 60);
    EXPECT_EQ(back, bytes);

    // Wrong usage, wrong access, size not a multiple of sizeof(T): refused, buffer untouched.
    EXPECT_THROW((Buffer<std::byte, true, VertexBufferUsage, HostAccess::Random>(std::move(raw))), LogicError);
    EXPECT_THROW((Buffer<std::byte, true, StagingBufferUsage>(std::move(raw))), LogicError);
    EXPECT_THROW((ReadbackBuffer<std::array<std::byte, 48>>(std::move(raw))), LogicError);
    EXPECT_FALSE(raw.empty());

    ReadbackBuffer<std::uint32_t> typed(std::move(raw));
    EXPECT_TRUE(raw.empty());
    EXPECT_EQ(typed.size(), 16U);
    EXPECT_EQ(typed.read_as_vector(15, 1)[0], 0x04030201U);
}

TEST_F(AllocatorTests, DeviceAddressNeedsTheUsageBit) {
    auto plain = allocator->allocate<DeviceLocalBytes>(256);
    EXPECT_THROW((void)plain->device_address(), LogicError);
    using Addressed = Buffer<std::byte, false, StorageBufferUsage | ShaderDeviceAddressUsage>;
    if (!device->buffer_device_address_enabled()) {
        EXPECT_THROW((void)allocator->allocate<Addressed>(256), LogicError);
        return;
    }
    auto addressed = allocator->allocate<Addressed>(256);
    auto other = allocator->allocate<Addressed>(256);
    EXPECT_NE(addressed->device_address(), 0U);
    EXPECT_NE(addressed->device_address(), other->device_address());
}

TEST_F(AllocatorTests, BuffersKeepTheAllocatorAlive) {
    auto buffer = allocator->allocate<StagingBytes>(32);
    const std::weak_ptr<Allocator> weak = allocator;
    allocator.reset();
    ASSERT_FALSE(weak.expired());
    buffer->write(std::byte{7}, 31);
    EXPECT_EQ(buffer->read_as_vector(31, 1)[0], std::byte{7});
    buffer.reset();
    EXPECT_TRUE(weak.expired());
}

TEST_F(AllocatorTests, EightThreadsAllocateWriteReadAndFreeWithNothingLost) {
    constexpr int threads = 8;
    constexpr int iterations = 150;
    std::atomic<int> mismatches{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::mt19937 random(static_cast<std::uint32_t>(t));
            std::vector<std::unique_ptr<Buffer<std::uint32_t, true, StagingBufferUsage>>> kept;
            try {
                for (int i = 0; i < iterations; ++i) {
                    const std::size_t count = 1 + random() % 4096;
                    auto buffer = allocator->allocate<Buffer<std::uint32_t, true, StagingBufferUsage>>(count);
                    std::vector<std::uint32_t> data(count);
                    std::iota(data.begin(), data.end(), static_cast<std::uint32_t>(t * 1000000 + i));
                    buffer->write(data, 0);
                    if (buffer->read_as_vector(0, count) != data) ++mismatches;
                    if (random() % 3 == 0) {
                        kept.push_back(std::move(buffer));
                    }
                    if (kept.size() > 8) kept.erase(kept.begin());
                }
                for (const auto &buffer : kept) {
                    const auto values = buffer->read_as_vector(0, buffer->size());
                    for (std::size_t k = 1; k < values.size(); ++k) {
                        if (values[k] != values[0] + k) ++mismatches;
                    }
                }
            } catch (...) {
                ++failures;
            }
        });
    }
    for (auto &worker : workers) worker.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(mismatches.load(), 0);
    const auto stats = allocator->statistics().total;
    EXPECT_EQ(stats.allocation_count, 0U);
    EXPECT_EQ(stats.allocation_bytes, 0U);
}

// Not an AllocatorTest: its fixture fails any test during which a VMA assertion fails, and this
// one raises one on purpose (each test runs in a process of its own).
TEST(VmaAssertionPolicyTests, AFailedVmaAssertionIsThrownOnceByTheNextAllocation) {
    auto allocator = AllocatorBuilder(test::shared_instance(), test::shared_device()).build();
    auto before = allocator->allocate<Buffer<std::uint32_t, true, StagingBufferUsage>>(16);
    detail::vma_assertion_failed("pretend invariant", "vk_mem_alloc.h", 1);
    try {
        (void)allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(16);
        ADD_FAILURE() << "the allocation went on past a failed VMA assertion";
    } catch (const InvariantError &error) {
        EXPECT_NE(error.message().find("pretend invariant"), std::string::npos) << error.message();
    }
    // Nothing was left behind by the refused call; the failure is reported once, not forever.
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    auto after = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(16);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);
    before->write(std::vector<std::uint32_t>(16, 9U), 0);
    EXPECT_EQ(before->read_as_vector(0, 16), std::vector<std::uint32_t>(16, 9U));
}

TEST(VmaAssertionPolicyTests, AnImageBuildAfterAFailedAssertionThrowsItToo) {
    auto device = test::shared_device();
    auto allocator = AllocatorBuilder(test::shared_instance(), device).build();
    detail::vma_assertion_failed("another invariant", "vk_mem_alloc.h", 2);
    const auto build = [&] { return test::small_image(allocator, 8).build(); };
    EXPECT_THROW((void)build(), InvariantError);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
    EXPECT_NE(build(), nullptr);
}

TEST_F(AllocatorTests, NamesChangeWhileAnotherThreadReadsTheJson) {
    // vmaSetAllocationName frees the old name, which the detailed map reads: under
    // ThreadSanitizer (and AddressSanitizer), renaming without the allocator's lock reports it.
    std::vector<std::unique_ptr<DeviceLocalBytes>> buffers;
    for (int i = 0; i < 8; ++i) buffers.push_back(allocator->allocate<DeviceLocalBytes>(4096, "first"));
    std::atomic<bool> done{false};
    std::thread renamer([&] {
        for (int round = 0; round < 200; ++round) {
            for (auto &buffer : buffers) buffer->set_name("round " + std::to_string(round) + std::string(40, 'x'));
        }
        done = true;
    });
    std::size_t reads = 0;
    while (!done) {
        const std::string json = allocator->json(true);
        EXPECT_TRUE(json.find("round ") != std::string::npos || json.find("first") != std::string::npos) << reads;
        ++reads;
    }
    renamer.join();
    const std::string final_json = allocator->json(true);
    EXPECT_NE(final_json.find("round 199"), std::string::npos);
    for (auto &buffer : buffers) EXPECT_EQ(buffer->name(), "round 199" + std::string(40, 'x'));
}

} // namespace
} // namespace vw
