#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "Support/SvgCheck.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Report/MemoryMap.h"

// MemoryMap::svg(), drawn by src/VulkanWrapper/Report/SvgWriter.cpp.
namespace vw {
namespace {

constexpr vk::DeviceSize MiB = 1024 * 1024;

using DeviceLocalBytes = Buffer<std::byte, false, StorageBufferUsage>;
using StagingBytes = Buffer<std::byte, true, StagingBufferUsage>;

using test::parse_svg;
using test::SvgContents;

class SvgWriterTests : public test::AllocatorTest {};

TEST_F(SvgWriterTests, SvgIsWellFormedWithARectanglePerAllocation) {
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

TEST_F(SvgWriterTests, ThousandsOfAllocationsStayOneRectangleEachInABoundedPicture) {
    constexpr std::size_t count = 3000;
    std::vector<std::unique_ptr<StagingBytes>> buffers;
    buffers.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        buffers.push_back(allocator->allocate<StagingBytes>(256 + 16 * (i % 64), std::string("b").append(std::to_string(i))));
    }
    const std::string svg = MemoryMap(*allocator).svg();
    const SvgContents contents = parse_svg(svg);
    ASSERT_TRUE(contents.well_formed) << contents.error;
    EXPECT_EQ(contents.allocation_rects.size(), count);
    // Labels are drawn only where they fit, so text stays bounded by blocks, not allocations.
    EXPECT_LT(contents.texts, 100u);
    EXPECT_LT(svg.size(), std::size_t{3} * 1024 * 1024);
}

// A document written by hand: names that are not XML-safe, sizes past what a device holds.
TEST(SvgWriterJsonTests, HandWrittenMapDrawsEveryAllocationWithItsExactSize) {
    vk::PhysicalDeviceMemoryProperties memory;
    memory.memoryTypeCount = 1;
    memory.memoryTypes[0] = vk::MemoryType(vk::MemoryPropertyFlagBits::eDeviceLocal, 0);
    memory.memoryHeapCount = 1;
    memory.memoryHeaps[0] = vk::MemoryHeap(1ull << 40, vk::MemoryHeapFlagBits::eDeviceLocal);
    const MemoryMap map = MemoryMap::from_json(R"({
        "General": {"GPU": "Hand <GPU> & co"},
        "DefaultPools": {"Type 0": {
            "Blocks": {"0": {"TotalBytes": 18446744073709551615, "Suballocations": [
                {"Offset": 0, "Type": "BUFFER", "Size": 9223372036854775808, "Name": "half of everything"},
                {"Offset": 9223372036854775808, "Type": "FREE", "Size": 9223372036854775807}]}},
            "DedicatedAllocations": [
                {"Type": "IMAGE_LINEAR", "Size": 4096, "Name": "a \"quoted\" <name>"}]}}})",
                                               memory);
    SvgOptions options;
    options.width = 100; // below the minimum: drawn 400 wide
    const std::string svg = map.svg(options);
    const SvgContents contents = parse_svg(svg);
    ASSERT_TRUE(contents.well_formed) << contents.error;
    ASSERT_EQ(contents.allocation_rects.size(), 2u);
    std::map<std::string, std::map<std::string, std::string>> by_name;
    for (const auto &rect : contents.allocation_rects) by_name[rect.at("data-name")] = rect;
    ASSERT_EQ(by_name.count("half of everything"), 1u);
    ASSERT_EQ(by_name.count("a \"quoted\" <name>"), 1u);
    EXPECT_EQ(by_name["half of everything"].at("data-size"), "9223372036854775808");
    EXPECT_EQ(by_name["a \"quoted\" <name>"].at("data-size"), "4096");
    EXPECT_NE(by_name["a \"quoted\" <name>"].at("class").find("image-linear"), std::string::npos);
    EXPECT_NE(svg.find("width=\"400\""), std::string::npos);
    EXPECT_NE(svg.find("Hand &lt;GPU&gt; &amp; co"), std::string::npos);
}

} // namespace
} // namespace vw
