#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Report/MemoryMap.h"
#include "VulkanWrapper/Utils/Error.h"
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

// An entry's "Name", or "" when it has none.
std::string name_of(const nlohmann::json &entry) {
    const auto found = entry.find("Name");
    return found == entry.end() || !found->is_string() ? std::string() : found->get_ref<const std::string &>();
}

// Every allocation VMA lists in its detailed JSON, as name -> (type, size).
std::multimap<std::string, std::pair<std::string, std::uint64_t>> json_allocations(
    const nlohmann::json &root) {
    std::multimap<std::string, std::pair<std::string, std::uint64_t>> out;
    for (const auto &[type_key, pool] : root.at("DefaultPools").items()) {
        for (const auto &[block_id, block] : pool.at("Blocks").items()) {
            for (const auto &entry : block.at("Suballocations")) {
                if (entry.at("Type") == "FREE") continue;
                out.emplace(name_of(entry),
                            std::make_pair(entry.at("Type").get<std::string>(),
                                           entry.at("Size").get<std::uint64_t>()));
            }
        }
        for (const auto &entry : pool.at("DedicatedAllocations")) {
            out.emplace(name_of(entry),
                        std::make_pair(entry.at("Type").get<std::string>(),
                                       entry.at("Size").get<std::uint64_t>()));
        }
    }
    return out;
}

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
                if (name_of(entry) == "named") ++named;
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

TEST_F(MemoryMapTests, FromJsonOfTheAllocatorsDumpEqualsTheLiveMap) {
    std::vector<std::unique_ptr<StagingBytes>> small;
    for (std::size_t i = 0; i < 8; ++i) {
        small.push_back(allocator->allocate<StagingBytes>(512 * (i + 1), std::string("s").append(std::to_string(i))));
    }
    auto large = allocator->allocate<DeviceLocalBytes>(160 * MiB, "large");
    const MemoryMap live(*allocator);
    const MemoryMap read = MemoryMap::from_json(
        allocator->json(true), device->physical_device().memory_properties(), allocator->budget());
    EXPECT_EQ(read.device_name(), live.device_name());
    ASSERT_EQ(read.memory_types().size(), live.memory_types().size());
    const auto a = live.allocations();
    const auto b = read.allocations();
    ASSERT_EQ(a.size(), 9u);
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(b[i].name, a[i].name);
        EXPECT_EQ(b[i].size, a[i].size);
        EXPECT_EQ(b[i].offset, a[i].offset);
        EXPECT_EQ(b[i].memory_type, a[i].memory_type);
        EXPECT_EQ(b[i].heap, a[i].heap);
        EXPECT_EQ(b[i].block_id, a[i].block_id);
        EXPECT_EQ(b[i].dedicated, a[i].dedicated);
        EXPECT_EQ(b[i].usage, a[i].usage);
    }
    EXPECT_EQ(read.report(), live.report());
    EXPECT_EQ(read.budgets().size(), live.budgets().size());
}

// The parser's edge cases, on documents written by hand: no device involved.

vk::PhysicalDeviceMemoryProperties two_memory_types() {
    vk::PhysicalDeviceMemoryProperties memory;
    memory.memoryTypeCount = 2;
    memory.memoryTypes[0] = vk::MemoryType(vk::MemoryPropertyFlagBits::eDeviceLocal, 0);
    memory.memoryTypes[1] = vk::MemoryType(
        vk::MemoryPropertyFlagBits::eHostVisible | vk::MemoryPropertyFlagBits::eHostCoherent, 1);
    memory.memoryHeapCount = 2;
    memory.memoryHeaps[0] = vk::MemoryHeap(1ull << 33, vk::MemoryHeapFlagBits::eDeviceLocal);
    memory.memoryHeaps[1] = vk::MemoryHeap(1ull << 34, {});
    return memory;
}

// A VMA-shaped document whose only suballocation has `size_text` as its Size.
std::string document_with_size(const std::string &size_text) {
    return R"({"DefaultPools": {"Type 0": {"Blocks": {"0": {"TotalBytes": 65536,
        "Suballocations": [{"Offset": 0, "Type": "BUFFER", "Size": )" +
           size_text + R"(, "Usage": 3}]}}, "DedicatedAllocations": []}}})";
}

// The message of the LogicError that from_json throws on `json`; "" when it does not throw it.
std::string from_json_error(const std::string &json) {
    try {
        (void)MemoryMap::from_json(json, two_memory_types());
    } catch (const LogicError &error) {
        return error.message();
    }
    return {};
}

TEST(MemoryMapJsonTests, ReadsEveryFieldOfAHandWrittenDocument) {
    const std::string json = R"({
      "General": {"GPU": "Hand-written GPU \u00e9 \ud83d\ude00", "apiVersion": "1.3.0"},
      "Total": {"BlockCount": 99},
      "DefaultPools": {
        "Type 1": {"PreferredBlockSize": 1048576,
          "Blocks": {
            "10": {"TotalBytes": 4096, "Suballocations": [
              {"Offset": 2048, "Type": "IMAGE_OPTIMAL", "Size": 2048, "Usage": 6, "Name": "late"},
              {"Offset": 0, "Type": "FREE", "Size": 2048}]},
            "2": {"TotalBytes": 8192, "Suballocations": [
              {"Offset": 0, "Type": "BUFFER", "Size": 1024, "Usage": 131, "Name": "vertices"},
              {"Offset": 1024, "Type": "FREE", "Size": 7168}]}},
          "DedicatedAllocations": [
            {"Type": "IMAGE_LINEAR", "Size": 1048576, "Usage": 1, "Name": "linear"}]},
        "Type 0": {"Blocks": {}, "DedicatedAllocations": []},
        "Something newer": {"ignored": true}
      },
      "CustomPools": {"Type 0": [{"Name": "0 - mine", "PreferredBlockSize": 65536,
        "Blocks": {"7": {"TotalBytes": 65536, "Suballocations": [
          {"Offset": 256, "Type": "UNKNOWN", "Size": 256}]}},
        "DedicatedAllocations": [{"Type": "IMAGE_UNKNOWN", "Size": 512}]}]}
    })";
    std::vector<HeapBudget> budgets(1);
    budgets[0].heap_index = 0;
    budgets[0].budget_bytes = 12345;
    const MemoryMap map = MemoryMap::from_json(json, two_memory_types(), budgets);

    EXPECT_EQ(map.device_name(), "Hand-written GPU \xC3\xA9 \xF0\x9F\x98\x80");
    ASSERT_EQ(map.budgets().size(), 1u);
    EXPECT_EQ(map.budgets()[0].budget_bytes, 12345u);
    ASSERT_EQ(map.memory_types().size(), 2u);

    const MemoryTypeMap &custom = map.memory_types()[0];
    EXPECT_EQ(custom.type_index, 0u);
    EXPECT_EQ(custom.heap_index, 0u);
    EXPECT_EQ(custom.flags, vk::MemoryPropertyFlags(vk::MemoryPropertyFlagBits::eDeviceLocal));
    ASSERT_EQ(custom.blocks.size(), 1u);
    EXPECT_EQ(custom.blocks[0].id, 7u);
    ASSERT_EQ(custom.blocks[0].allocations.size(), 1u);
    EXPECT_EQ(custom.blocks[0].allocations[0].kind, ResourceKind::Unknown);
    EXPECT_EQ(custom.blocks[0].allocations[0].offset, 256u);
    EXPECT_EQ(custom.blocks[0].allocations[0].usage, 0u); // absent: 0
    EXPECT_EQ(custom.blocks[0].allocations[0].name, "");  // absent: unnamed
    ASSERT_EQ(custom.dedicated.size(), 1u);
    EXPECT_EQ(custom.dedicated[0].kind, ResourceKind::ImageUnknown);
    EXPECT_EQ(custom.dedicated[0].size, 512u);

    const MemoryTypeMap &host = map.memory_types()[1];
    EXPECT_EQ(host.type_index, 1u);
    EXPECT_EQ(host.heap_index, 1u);
    EXPECT_EQ(host.flags, vk::MemoryPropertyFlagBits::eHostVisible |
                              vk::MemoryPropertyFlagBits::eHostCoherent);
    ASSERT_EQ(host.blocks.size(), 2u);
    EXPECT_EQ(host.blocks[0].id, 2u); // by id as a number, not as the key's text
    EXPECT_EQ(host.blocks[1].id, 10u);
    EXPECT_EQ(host.blocks[0].size, 8192u);
    const MemoryBlock &late = host.blocks[1];
    ASSERT_EQ(late.allocations.size(), 1u);
    ASSERT_EQ(late.free_ranges.size(), 1u);
    EXPECT_EQ(late.free_ranges[0].offset, 0u);
    EXPECT_EQ(late.free_ranges[0].size, 2048u);
    const AllocationRecord &image = late.allocations[0];
    EXPECT_EQ(image.name, "late");
    EXPECT_EQ(image.kind, ResourceKind::ImageOptimal);
    EXPECT_EQ(image.offset, 2048u);
    EXPECT_EQ(image.size, 2048u);
    EXPECT_EQ(image.usage, 6u);
    EXPECT_EQ(image.block_id, 10u);
    EXPECT_EQ(image.memory_type, 1u);
    EXPECT_EQ(image.heap, 1u);
    EXPECT_FALSE(image.dedicated);
    ASSERT_EQ(host.dedicated.size(), 1u);
    EXPECT_TRUE(host.dedicated[0].dedicated);
    EXPECT_EQ(host.dedicated[0].block_id, std::nullopt);
    EXPECT_EQ(host.dedicated[0].offset, 0u);
    EXPECT_EQ(host.dedicated[0].kind, ResourceKind::ImageLinear);

    const MemoryStatistics totals = map.totals();
    EXPECT_EQ(totals.block_count, 5u); // 3 blocks and 2 dedicated; "Total" in the JSON is not read
    EXPECT_EQ(totals.block_bytes, 4096u + 8192u + 65536u + 1048576u + 512u);
    EXPECT_EQ(totals.allocation_count, 5u);
    EXPECT_EQ(totals.allocation_bytes, 2048u + 1024u + 256u + 1048576u + 512u);
    const auto all = map.allocations();
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].name, "linear");
    EXPECT_EQ(all[1].name, "late");
    EXPECT_EQ(all[2].name, "vertices");
}

TEST(MemoryMapJsonTests, TheLargestUnsignedSizeIsReadExactly) {
    const MemoryMap map = MemoryMap::from_json(document_with_size("18446744073709551615"),
                                               two_memory_types());
    const auto all = map.allocations();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].size, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(all[0].usage, 3u);
}

// A double past 2^64 converted to an integer is undefined behaviour; these are LogicErrors
// naming the member and the value instead.
TEST(MemoryMapJsonTests, NumbersThatDoNotFitAreLogicErrorsNamingTheMember) {
    const std::string where = "/DefaultPools/Type 0/Blocks/0/Suballocations/0/Size";
    for (const std::string number : {"18446744073709551616", "1e30", "-1", "1.5", "4096.0",
                                      "1e3", "-0.0", "340282366920938463463374607431768211456"}) {
        const std::string message = from_json_error(document_with_size(number));
        EXPECT_NE(message.find(where), std::string::npos) << number << ": " << message;
        EXPECT_NE(message.find("fits in 64 bits"), std::string::npos) << number << ": " << message;
    }
    EXPECT_NE(from_json_error(document_with_size("1e30")).find("1e+30"), std::string::npos);
    EXPECT_NE(from_json_error(document_with_size("-1")).find("is -1,"), std::string::npos);
    EXPECT_THROW((void)MemoryMap::from_json(document_with_size("1e30"), two_memory_types()),
                 LogicError);
    for (const std::string value : {"\"4096\"", "null", "true", "[4096]", "{}"}) {
        const std::string message = from_json_error(document_with_size(value));
        EXPECT_NE(message.find(where + " is "), std::string::npos) << value << ": " << message;
        EXPECT_NE(message.find("not an unsigned integer"), std::string::npos) << message;
    }
}

TEST(MemoryMapJsonTests, KeysThatDoNotFitOrNameNoMemoryTypeAreLogicErrors) {
    const auto with_block_key = [](const std::string &key) {
        return R"({"DefaultPools": {"Type 0": {"Blocks": {")" + key +
               R"(": {"TotalBytes": 1, "Suballocations": []}}, "DedicatedAllocations": []}}})";
    };
    EXPECT_EQ(MemoryMap::from_json(with_block_key("4294967295"), two_memory_types())
                  .memory_types()[0].blocks[0].id,
              4294967295u);
    for (const std::string key : {"4294967296", "-1", "", "3x", "1e3"}) {
        const std::string message = from_json_error(with_block_key(key));
        EXPECT_NE(message.find("/DefaultPools/Type 0/Blocks has the key \"" + key + "\""),
                  std::string::npos) << message;
        EXPECT_NE(message.find("block id"), std::string::npos) << message;
    }
    const auto with_type_key = [](const std::string &key) {
        return R"({"DefaultPools": {")" + key + R"(": {"Blocks": {}, "DedicatedAllocations": []}}})";
    };
    EXPECT_NE(from_json_error(with_type_key("Type 4294967296")).find("memory type index"),
              std::string::npos);
    EXPECT_NE(from_json_error(with_type_key("Type 2")).find("the device has 2 memory types"),
              std::string::npos);
    EXPECT_TRUE(MemoryMap::from_json(with_type_key("Types"), two_memory_types())
                    .memory_types().empty()); // another kind of key: not a memory type, ignored
}

TEST(MemoryMapJsonTests, MalformedJsonIsALogicErrorNotAParserException) {
    for (const std::string &text :
         {std::string(), std::string("{"), std::string("{\"DefaultPools\": {}"),
          std::string("{\"DefaultPools\": {}} trailing"), std::string("{'DefaultPools': {}}"),
          std::string("{\"DefaultPools\": {,}}"), std::string("{\"a\": \"\\x\"}"),
          std::string("{\"a\": \"unterminated}"), std::string("{\"a\": \"bad \xFF utf-8\"}"),
          std::string("{\"a\": 01}")}) {
        try {
            (void)MemoryMap::from_json(text, two_memory_types());
            ADD_FAILURE() << "accepted: " << text;
        } catch (const LogicError &error) {
            EXPECT_NE(error.message().find("not valid JSON"), std::string::npos) << error.message();
        } catch (const std::exception &error) {
            ADD_FAILURE() << "not a LogicError for " << text << ": " << error.what();
        }
    }
}

TEST(MemoryMapJsonTests, DeepNestingIsALogicErrorWithoutExhaustingTheStack) {
    constexpr std::size_t depth = 200000;
    const std::string nested = std::string(depth, '[') + std::string(depth, ']');
    EXPECT_NE(from_json_error(nested).find("the document is an array, not an object"),
              std::string::npos);
    const std::string message = from_json_error("{\"DefaultPools\": " + nested + "}");
    EXPECT_NE(message.find("/DefaultPools is an array, not an object"), std::string::npos)
        << message;
}

TEST(MemoryMapJsonTests, MissingOrMistypedMembersAreLogicErrorsNamingThem) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({})", "/DefaultPools is missing"},
        {R"([])", "the document is an array, not an object"},
        {R"({"DefaultPools": []})", "/DefaultPools is an array, not an object"},
        {R"({"DefaultPools": {"Type 0": {"DedicatedAllocations": []}}})",
         "/DefaultPools/Type 0/Blocks is missing"},
        {R"({"DefaultPools": {"Type 0": {"Blocks": {}}}})",
         "/DefaultPools/Type 0/DedicatedAllocations is missing"},
        {R"({"DefaultPools": {"Type 0": 3}})", "/DefaultPools/Type 0 is a number, not an object"},
        {R"({"DefaultPools": {"Type 0": {"Blocks": {"0": {"Suballocations": []}},
            "DedicatedAllocations": []}}})",
         "/DefaultPools/Type 0/Blocks/0/TotalBytes is missing"},
        {R"({"DefaultPools": {"Type 0": {"Blocks": {"0": {"TotalBytes": 1, "Suballocations": {}}},
            "DedicatedAllocations": []}}})",
         "/DefaultPools/Type 0/Blocks/0/Suballocations is an object, not an array"},
        {R"({"DefaultPools": {"Type 0": {"Blocks": {"0": {"TotalBytes": 1, "Suballocations": [
            {"Type": "BUFFER", "Size": 1}]}}, "DedicatedAllocations": []}}})",
         "/DefaultPools/Type 0/Blocks/0/Suballocations/0/Offset is missing"},
        {R"({"DefaultPools": {"Type 0": {"Blocks": {}, "DedicatedAllocations": [
            {"Type": "BUFFER", "Size": 1}, {"Type": 7, "Size": 1}]}}})",
         "/DefaultPools/Type 0/DedicatedAllocations/1/Type is a number, not a string"},
        {R"({"DefaultPools": {"Type 0": {"Blocks": {}, "DedicatedAllocations": [
            {"Type": "BUFFER", "Size": 1, "Name": 5}]}}})",
         "/DefaultPools/Type 0/DedicatedAllocations/0/Name is a number, not a string"},
        {R"({"DefaultPools": {}, "CustomPools": {"Type 1": {}}})",
         "/CustomPools/Type 1 is an object, not an array"},
        {R"({"DefaultPools": {}, "CustomPools": {"Type 1": [7]}})",
         "/CustomPools/Type 1/0 is a number, not an object"},
    };
    for (const auto &[json, expected] : cases) {
        const std::string message = from_json_error(json);
        EXPECT_NE(message.find(expected), std::string::npos)
            << json << "\n gave: " << message << "\n wanted: " << expected;
    }
}

} // namespace
} // namespace vw
