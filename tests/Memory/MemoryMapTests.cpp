#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Support/SvgCheck.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/MemoryMap.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

constexpr vk::DeviceSize MiB = 1024 * 1024;

using DeviceLocalBytes = Buffer<std::byte, false, StorageBufferUsage>;
using StagingBytes = Buffer<std::byte, true, StagingBufferUsage>;

const AllocationRecord *find_named(const std::vector<AllocationRecord> &records,
                                   const std::string &name) {
    const auto found = std::find_if(records.begin(), records.end(),
                                    [&](const AllocationRecord &r) { return r.name == name; });
    return found == records.end() ? nullptr : &*found;
}

// Every allocation VMA lists in its detailed JSON, as name -> (type, size).
std::multimap<std::string, std::pair<std::string, std::uint64_t>> json_allocations(
    const nlohmann::json &root) {
    std::multimap<std::string, std::pair<std::string, std::uint64_t>> out;
    for (const auto &[type_key, pool] : root.at("DefaultPools").items()) {
        for (const auto &[block_id, block] : pool.at("Blocks").items()) {
            for (const auto &entry : block.at("Suballocations")) {
                if (entry.at("Type") == "FREE") continue;
                out.emplace(entry.value("Name", ""),
                            std::make_pair(entry.at("Type").get<std::string>(),
                                           entry.at("Size").get<std::uint64_t>()));
            }
        }
        for (const auto &entry : pool.at("DedicatedAllocations")) {
            out.emplace(entry.value("Name", ""),
                        std::make_pair(entry.at("Type").get<std::string>(),
                                       entry.at("Size").get<std::uint64_t>()));
        }
    }
    return out;
}

using test::parse_svg;
using test::SvgContents;

class MemoryMapTests : public test::AllocatorTest {};

TEST_F(MemoryMapTests, NamesRoundTripIntoBufferReportJsonAndMap) {
    auto vertices = allocator->allocate<DeviceLocalBytes>(4096, "vertices");
    auto staging = allocator->allocate<StagingBytes>(1024);
    EXPECT_EQ(vertices->name(), "vertices");
    EXPECT_EQ(staging->name(), "");
    staging->set_name("staging ring \xC3\xA9<&>\"'");
    EXPECT_EQ(staging->name(), "staging ring \xC3\xA9<&>\"'");

    const MemoryMap map(*allocator);
    const auto records = map.allocations();
    ASSERT_EQ(records.size(), 2u);
    const AllocationRecord *v = find_named(records, "vertices");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->kind, ResourceKind::Buffer);
    EXPECT_EQ(v->size, 4096u);
    EXPECT_EQ(v->memory_type, vertices->memory_type_index());
    EXPECT_EQ(v->dedicated, vertices->is_dedicated());
    EXPECT_EQ(v->usage, StorageBufferUsage);
    ASSERT_NE(find_named(records, "staging ring \xC3\xA9<&>\"'"), nullptr);

    const std::string report = map.report();
    EXPECT_NE(report.find("vertices"), std::string::npos) << report;
    EXPECT_NE(report.find("staging ring \xC3\xA9<&>\"'"), std::string::npos) << report;

    const auto json = json_allocations(nlohmann::json::parse(allocator->json()));
    ASSERT_EQ(json.count("vertices"), 1u);
    EXPECT_EQ(json.find("vertices")->second, std::make_pair(std::string("BUFFER"), std::uint64_t{4096}));
    EXPECT_EQ(json.count("staging ring \xC3\xA9<&>\"'"), 1u);

    staging->set_name("");
    EXPECT_EQ(staging->name(), "");
    EXPECT_EQ(json_allocations(nlohmann::json::parse(allocator->json())).count(""), 1u);
}

TEST_F(MemoryMapTests, ImagesCarryTheirNameAndKind) {
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{64}, Height{32})
                     .setUsage(vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eTransferDst)
                     .setName("albedo")
                     .build();
    EXPECT_EQ(image->name(), "albedo");
    const auto records = MemoryMap(*allocator).allocations();
    const AllocationRecord *record = find_named(records, "albedo");
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->kind, ResourceKind::ImageOptimal);
    EXPECT_EQ(record->memory_type, image->memory_type_index());
    EXPECT_EQ(record->dedicated, image->is_dedicated());
    image->set_name("albedo (mip 0)");
    EXPECT_EQ(image->name(), "albedo (mip 0)");
    EXPECT_NE(find_named(MemoryMap(*allocator).allocations(), "albedo (mip 0)"), nullptr);
}

TEST_F(MemoryMapTests, BadNamesAreLogicErrorsAndAllocateNothing) {
    const auto before = allocator->statistics().total;
    EXPECT_THROW((void)allocator->allocate<StagingBytes>(16, "line\nbreak"), LogicError);
    EXPECT_THROW((void)allocator->allocate<StagingBytes>(16, "bad \xFF utf-8"), LogicError);
    EXPECT_THROW((void)allocator->allocate_buffer(16, StagingBufferUsage, HostAccess::SequentialWrite,
                                                  std::string("nul\0byte", 8)),
                 LogicError);
    EXPECT_THROW((void)ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{4}, Height{4})
                     .setUsage(vk::ImageUsageFlagBits::eSampled)
                     .setName("tab\there")
                     .build(),
                 LogicError);
    const auto after = allocator->statistics().total;
    EXPECT_EQ(after.allocation_count, before.allocation_count);
    EXPECT_EQ(after.block_count, before.block_count);

    auto buffer = allocator->allocate<StagingBytes>(16, "kept");
    EXPECT_THROW(buffer->set_name("\x7f"), LogicError);
    EXPECT_EQ(buffer->name(), "kept");
    BufferBase empty;
    EXPECT_THROW(empty.set_name("x"), LogicError);
    EXPECT_EQ(empty.name(), "");
}

TEST_F(MemoryMapTests, ValidationMessagesNameTheObject) {
    ASSERT_TRUE(device->object_names_enabled());
    auto buffer = allocator->allocate<DeviceLocalBytes>(256, "particles-buffer");
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    expect_validation_errors();
    // A fill past the buffer's end (VUID-vkCmdFillBuffer-dstOffset-00024): the message
    // lists the buffer among its objects.
    commands.handle().fillBuffer(buffer->handle(), 512, 4, 0);
    commands.end();
    const auto errors = instance->recent_validation_errors();
    ASSERT_FALSE(errors.empty());
    EXPECT_NE(errors.back().find("particles-buffer"), std::string::npos) << errors.back();
}

TEST_F(MemoryMapTests, JsonParsesAndMatchesStatistics) {
    std::vector<std::unique_ptr<StagingBytes>> small;
    for (std::size_t i = 0; i < 20; ++i) small.push_back(allocator->allocate<StagingBytes>(1000 + 64 * i));
    auto large = allocator->allocate<DeviceLocalBytes>(200 * MiB, "large");
    ASSERT_TRUE(large->is_dedicated());

    const nlohmann::json root = nlohmann::json::parse(allocator->json());
    const AllocatorStatistics stats = allocator->statistics();
    const auto &total = root.at("Total");
    EXPECT_EQ(total.at("BlockCount").get<std::uint32_t>(), stats.total.block_count);
    EXPECT_EQ(total.at("AllocationCount").get<std::uint32_t>(), stats.total.allocation_count);
    EXPECT_EQ(total.at("BlockBytes").get<std::uint64_t>(), stats.total.block_bytes);
    EXPECT_EQ(total.at("AllocationBytes").get<std::uint64_t>(), stats.total.allocation_bytes);
    EXPECT_EQ(stats.total.allocation_count, 21u);
    EXPECT_EQ(root.at("General").at("GPU").get<std::string>(), device->physical_device().name());
    for (const HeapStatistics &heap : stats.heaps) {
        const auto &json_heap = root.at("MemoryInfo").at("Heap " + std::to_string(heap.heap_index));
        EXPECT_EQ(json_heap.at("Size").get<std::uint64_t>(), heap.heap_size);
        EXPECT_EQ(json_heap.at("Budget").at("BudgetBytes").get<std::uint64_t>(), heap.budget_bytes);
        EXPECT_EQ(json_heap.at("Stats").at("AllocationBytes").get<std::uint64_t>(),
                  heap.memory.allocation_bytes);
    }
    const auto listed = json_allocations(root);
    EXPECT_EQ(listed.size(), 21u);
    EXPECT_EQ(listed.count("large"), 1u);

    const nlohmann::json brief = nlohmann::json::parse(allocator->json(false));
    EXPECT_FALSE(brief.contains("DefaultPools"));
    EXPECT_EQ(brief.at("Total").at("AllocationCount").get<std::uint32_t>(), 21u);
}

// The keys docs/statistics.md documents: a VMA whose JSON changes shape fails here first.
TEST_F(MemoryMapTests, JsonHasTheDocumentedShape) {
    auto buffer = allocator->allocate<StagingBytes>(4096, "named");
    auto unnamed = allocator->allocate<DeviceLocalBytes>(8192);
    auto large = allocator->allocate<DeviceLocalBytes>(200 * MiB);
    const nlohmann::json root = nlohmann::json::parse(allocator->json());
    for (const char *key : {"API", "apiVersion", "GPU", "deviceType", "maxMemoryAllocationCount",
                            "bufferImageGranularity", "nonCoherentAtomSize", "memoryHeapCount",
                            "memoryTypeCount"}) {
        EXPECT_TRUE(root.at("General").contains(key)) << key;
    }
    const auto expect_stats = [](const nlohmann::json &stats) {
        for (const char *key : {"BlockCount", "BlockBytes", "AllocationCount", "AllocationBytes",
                                "UnusedRangeCount"}) {
            EXPECT_TRUE(stats.contains(key)) << key;
        }
    };
    expect_stats(root.at("Total"));
    EXPECT_TRUE(root.at("Total").contains("AllocationSizeMin"));
    EXPECT_TRUE(root.at("Total").contains("AllocationSizeMax"));
    for (const auto &[heap_key, heap] : root.at("MemoryInfo").items()) {
        EXPECT_TRUE(heap_key.starts_with("Heap ")) << heap_key;
        EXPECT_TRUE(heap.at("Flags").is_array());
        EXPECT_TRUE(heap.at("Size").is_number_unsigned());
        EXPECT_TRUE(heap.at("Budget").at("BudgetBytes").is_number_unsigned());
        EXPECT_TRUE(heap.at("Budget").at("UsageBytes").is_number_unsigned());
        expect_stats(heap.at("Stats"));
        for (const auto &[type_key, type] : heap.at("MemoryPools").items()) {
            EXPECT_TRUE(type_key.starts_with("Type ")) << type_key;
            EXPECT_TRUE(type.at("Flags").is_array());
            expect_stats(type.at("Stats"));
        }
    }
    const std::set<std::string> kinds = {"FREE", "UNKNOWN", "BUFFER", "IMAGE_UNKNOWN",
                                         "IMAGE_LINEAR", "IMAGE_OPTIMAL"};
    std::size_t named = 0;
    std::size_t dedicated = 0;
    for (const auto &[type_key, pool] : root.at("DefaultPools").items()) {
        EXPECT_TRUE(type_key.starts_with("Type ")) << type_key;
        EXPECT_TRUE(pool.at("PreferredBlockSize").is_number_unsigned());
        for (const auto &[id, block] : pool.at("Blocks").items()) {
            EXPECT_NO_THROW((void)std::stoul(id)) << id;
            for (const char *key : {"MapRefCount", "TotalBytes", "UnusedBytes", "Allocations",
                                    "UnusedRanges"}) {
                EXPECT_TRUE(block.contains(key)) << key;
            }
            std::uint64_t previous_offset = 0;
            for (const auto &entry : block.at("Suballocations")) {
                EXPECT_TRUE(kinds.contains(entry.at("Type").get<std::string>()));
                EXPECT_GE(entry.at("Offset").get<std::uint64_t>(), previous_offset);
                previous_offset = entry.at("Offset").get<std::uint64_t>();
                EXPECT_TRUE(entry.at("Size").is_number_unsigned());
                if (entry.at("Type") != "FREE") {
                    EXPECT_TRUE(entry.contains("Usage"));
                }
                if (entry.value("Name", "") == "named") ++named;
            }
        }
        for (const auto &entry : pool.at("DedicatedAllocations")) {
            EXPECT_TRUE(kinds.contains(entry.at("Type").get<std::string>()));
            EXPECT_TRUE(entry.at("Size").is_number_unsigned());
            EXPECT_TRUE(entry.contains("Usage"));
            EXPECT_FALSE(entry.contains("Name"));
            ++dedicated;
        }
    }
    EXPECT_EQ(named, 1u);
    EXPECT_EQ(dedicated, 1u);
    EXPECT_TRUE(root.at("CustomPools").is_object());
}

TEST_F(MemoryMapTests, BudgetIsConsistentWithStatistics) {
    auto a = allocator->allocate<DeviceLocalBytes>(3 * MiB);
    auto b = allocator->allocate<StagingBytes>(5 * MiB);
    const auto budgets = allocator->budget();
    const auto stats = allocator->statistics();
    ASSERT_EQ(budgets.size(), stats.heaps.size());
    vk::DeviceSize allocated = 0;
    for (std::size_t i = 0; i < budgets.size(); ++i) {
        const HeapBudget &budget = budgets[i];
        const HeapStatistics &heap = stats.heaps[i];
        EXPECT_EQ(budget.heap_index, heap.heap_index);
        EXPECT_EQ(budget.heap_size, heap.heap_size);
        EXPECT_EQ(budget.block_bytes, heap.memory.block_bytes);
        EXPECT_EQ(budget.allocation_bytes, heap.memory.allocation_bytes);
        EXPECT_EQ(budget.budget_bytes, heap.budget_bytes);
        EXPECT_EQ(budget.is_estimate, heap.budget_is_estimate);
        EXPECT_EQ(budget.is_estimate,
                  !device->has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME));
        EXPECT_LE(budget.allocation_bytes, budget.block_bytes);
        EXPECT_LE(budget.budget_bytes, budget.heap_size);
        if (budget.is_estimate) {
            EXPECT_EQ(budget.usage_bytes, budget.block_bytes);
            EXPECT_EQ(budget.budget_bytes, budget.heap_size * 8 / 10);
        } else {
            EXPECT_GE(budget.usage_bytes, budget.block_bytes);
        }
        allocated += budget.allocation_bytes;
    }
    EXPECT_EQ(allocated, 8 * MiB);
}

TEST_F(MemoryMapTests, MapMatchesStatisticsAndShowsBlocksFreeRangesAndDedicated) {
    std::vector<std::unique_ptr<StagingBytes>> small;
    for (std::size_t i = 0; i < 10; ++i) {
        small.push_back(allocator->allocate<StagingBytes>(4096, "small[" + std::to_string(i) + "]"));
    }
    auto large = allocator->allocate<DeviceLocalBytes>(160 * MiB, "large");
    small.erase(small.begin() + 3); // a hole

    const MemoryMap map(*allocator);
    const MemoryStatistics totals = map.totals();
    const MemoryStatistics stats = allocator->statistics().total;
    EXPECT_EQ(totals.allocation_count, stats.allocation_count);
    EXPECT_EQ(totals.allocation_bytes, stats.allocation_bytes);
    EXPECT_EQ(totals.block_count, stats.block_count);
    EXPECT_EQ(totals.block_bytes, stats.block_bytes);

    std::size_t dedicated = 0;
    std::size_t in_blocks = 0;
    for (const MemoryTypeMap &type : map.memory_types()) {
        for (const AllocationRecord &a : type.dedicated) {
            EXPECT_TRUE(a.dedicated);
            EXPECT_FALSE(a.block_id.has_value());
            ++dedicated;
        }
        for (const MemoryBlock &block : type.blocks) {
            vk::DeviceSize covered = 0;
            for (const AllocationRecord &a : block.allocations) {
                EXPECT_EQ(a.block_id, block.id);
                EXPECT_LE(a.offset + a.size, block.size);
                covered += a.size;
                ++in_blocks;
            }
            for (const FreeRange &range : block.free_ranges) covered += range.size;
            EXPECT_LE(covered, block.size); // alignment padding may sit between them
            EXPECT_FALSE(block.free_ranges.empty());
        }
    }
    EXPECT_EQ(dedicated, 1u);
    EXPECT_EQ(in_blocks, 9u);
    const auto records = map.allocations();
    ASSERT_EQ(records.size(), 10u);
    EXPECT_EQ(records.front().name, "large"); // largest first
    EXPECT_EQ(find_named(records, "small[3]"), nullptr);

    const std::string report = map.report(3);
    EXPECT_NE(report.find("large"), std::string::npos);
    EXPECT_NE(report.find("and 7 smaller allocations"), std::string::npos) << report;
}

TEST_F(MemoryMapTests, SvgIsWellFormedWithARectanglePerAllocation) {
    std::vector<std::unique_ptr<StagingBytes>> small;
    for (std::size_t i = 0; i < 5; ++i) {
        small.push_back(allocator->allocate<StagingBytes>(64 * 1024, "tile <" + std::to_string(i) + "> & \"co\""));
    }
    auto large = allocator->allocate<DeviceLocalBytes>(150 * MiB, "big \xE2\x9C\x93");
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{256}, Height{256})
                     .setUsage(vk::ImageUsageFlagBits::eSampled)
                     .setName("texture")
                     .build();

    const std::string svg = MemoryMap(*allocator).svg();
    const SvgContents contents = parse_svg(svg);
    ASSERT_TRUE(contents.well_formed) << contents.error;
    EXPECT_EQ(contents.root_element, "svg");
    ASSERT_EQ(contents.allocation_rects.size(), 7u);
    std::multiset<std::string> names;
    for (const auto &rect : contents.allocation_rects) {
        names.insert(rect.at("data-name"));
        EXPECT_GT(std::stod(rect.at("width")), 0.0);
    }
    EXPECT_EQ(names.count("big \xE2\x9C\x93"), 1u);
    EXPECT_EQ(names.count("texture"), 1u);
    EXPECT_EQ(names.count("tile <3> & \"co\""), 1u);
    const auto big = std::find_if(contents.allocation_rects.begin(), contents.allocation_rects.end(),
                                  [](const auto &r) { return r.at("data-name") == "big \xE2\x9C\x93"; });
    EXPECT_EQ(big->at("data-size"), std::to_string(150 * MiB));
    EXPECT_NE(big->at("class").find("buffer"), std::string::npos);
    // The big allocation is wide enough for its name to be drawn on it.
    EXPECT_NE(svg.find(">big \xE2\x9C\x93"), std::string::npos);

    const auto fresh = AllocatorBuilder(instance, device).build();
    const SvgContents empty = parse_svg(MemoryMap(*fresh).svg());
    EXPECT_TRUE(empty.well_formed);
    EXPECT_TRUE(empty.allocation_rects.empty());
}

TEST_F(MemoryMapTests, ThousandsOfAllocationsStayOneRectangleEachInABoundedPicture) {
    constexpr std::size_t count = 3000;
    std::vector<std::unique_ptr<StagingBytes>> buffers;
    buffers.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        buffers.push_back(allocator->allocate<StagingBytes>(256 + 16 * (i % 64), "b" + std::to_string(i)));
    }
    const std::string svg = MemoryMap(*allocator).svg();
    const SvgContents contents = parse_svg(svg);
    ASSERT_TRUE(contents.well_formed) << contents.error;
    EXPECT_EQ(contents.allocation_rects.size(), count);
    // Labels are drawn only where they fit, so text stays bounded by blocks, not allocations.
    EXPECT_LT(contents.texts, 100u);
    EXPECT_LT(svg.size(), std::size_t{3} * 1024 * 1024);
}

} // namespace
} // namespace vw
