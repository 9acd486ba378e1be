#include <gtest/gtest.h>

#include <string>

#include "VulkanWrapper/Report/MemoryMap.h"

// MemoryMap::report(), written by src/VulkanWrapper/Report/AllocationReport.cpp, on documents
// written by hand so that every byte of the table is known.
namespace vw {
namespace {

vk::PhysicalDeviceMemoryProperties one_memory_type() {
    vk::PhysicalDeviceMemoryProperties memory;
    memory.memoryTypeCount = 2;
    memory.memoryTypes[0] = vk::MemoryType(vk::MemoryPropertyFlagBits::eDeviceLocal, 0);
    memory.memoryTypes[1] = vk::MemoryType(vk::MemoryPropertyFlagBits::eHostVisible, 1);
    memory.memoryHeapCount = 2;
    memory.memoryHeaps[0] = vk::MemoryHeap(1ull << 33, vk::MemoryHeapFlagBits::eDeviceLocal);
    memory.memoryHeaps[1] = vk::MemoryHeap(1ull << 33, {});
    return memory;
}

const char *const three_allocations = R"({
  "General": {"GPU": "Report GPU"},
  "DefaultPools": {
    "Type 1": {"Blocks": {"4": {"TotalBytes": 1048576, "Suballocations": [
        {"Offset": 0, "Type": "BUFFER", "Size": 512, "Usage": 1},
        {"Offset": 512, "Type": "FREE", "Size": 512},
        {"Offset": 1024, "Type": "IMAGE_OPTIMAL", "Size": 65536, "Usage": 4, "Name": "albedo"}]}},
      "DedicatedAllocations": [
        {"Type": "BUFFER", "Size": 167772160, "Usage": 35, "Name": "large"}]}}})";

TEST(AllocationReportTests, TableListsEveryAllocationLargestFirstWithTotals) {
    const MemoryMap map = MemoryMap::from_json(three_allocations, one_memory_type());
    const std::string expected =
        "Live allocations on Report GPU: 3 (160.1 MiB) in 2 blocks of device memory (161.0 MiB)\n"
        "        size  kind             type heap     block       offset  name\n"
        "   160.0 MiB  buffer              1    1 dedicated            -  large\n"
        "    64.0 KiB  image (optimal)     1    1         4         1024  albedo\n"
        "       512 B  buffer              1    1         4            0  (unnamed)\n";
    EXPECT_EQ(map.report(), expected);
    EXPECT_EQ(map.report(3), expected);
}

TEST(AllocationReportTests, RowsBeyondTheLimitAreCounted) {
    const MemoryMap map = MemoryMap::from_json(three_allocations, one_memory_type());
    const std::string one = map.report(1);
    EXPECT_EQ(one.substr(one.find("   160.0 MiB")),
              "   160.0 MiB  buffer              1    1 dedicated            -  large\n"
              "... and 2 smaller allocations\n");
    const std::string none = map.report(0);
    EXPECT_EQ(none.substr(none.find('\n') + 1),
              "        size  kind             type heap     block       offset  name\n"
              "... and 3 smaller allocations\n");
}

TEST(AllocationReportTests, AnEmptyMapHasTotalsAndAHeaderOnly) {
    const MemoryMap map =
        MemoryMap::from_json(R"({"DefaultPools": {"Type 0": {"Blocks": {},
                                 "DedicatedAllocations": []}}})",
                             one_memory_type());
    EXPECT_EQ(map.report(),
              "Live allocations on : 0 (0 B) in 0 blocks of device memory (0 B)\n"
              "        size  kind             type heap     block       offset  name\n");
}

// The widest values a VMA document can carry widen their columns instead of being cut.
TEST(AllocationReportTests, ExtremeValuesArePrintedInFull) {
    const MemoryMap map = MemoryMap::from_json(R"({"DefaultPools": {"Type 0": {
        "Blocks": {"4294967295": {"TotalBytes": 18446744073709551615, "Suballocations": [
          {"Offset": 18446744073709550591, "Type": "IMAGE_LINEAR", "Size": 1024,
           "Name": "far \u00e9"}]}},
        "DedicatedAllocations": []}}})",
                                               one_memory_type());
    const std::string report = map.report();
    EXPECT_NE(report.find("in 1 blocks of device memory (16.0 EiB)"), std::string::npos) << report;
    EXPECT_NE(report.find("    1.00 KiB  image (linear)      0    0 4294967295 "
                          "18446744073709550591  far \xC3\xA9\n"),
              std::string::npos)
        << report;
}

} // namespace
} // namespace vw
