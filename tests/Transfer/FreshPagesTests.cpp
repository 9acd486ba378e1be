#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "VulkanWrapper/Transfer/FreshPages.h"

namespace vw::detail {
namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

// An address for the range arithmetic only (never dereferenced).
std::byte *address(std::uintptr_t value) { return reinterpret_cast<std::byte *>(value); }

TEST(FreshPagesTests, TheHugePagesWithinARangeAreItsWhole2MiBPagesFromTwoOn) {
    const std::uintptr_t aligned = std::uintptr_t{64} << 30; // a multiple of 2 MiB
    EXPECT_TRUE(huge_pages_within(nullptr, 64 * MiB).empty());

    const auto whole = huge_pages_within(address(aligned), 4 * MiB);
    EXPECT_EQ(whole.data(), address(aligned));
    EXPECT_EQ(whole.size(), 4 * MiB);

    // Unaligned at both ends: the pages wholly inside.
    const auto inner = huge_pages_within(address(aligned + 1), 6 * MiB + 5);
    EXPECT_EQ(inner.data(), address(aligned + 2 * MiB));
    EXPECT_EQ(inner.size(), 4 * MiB);

    // One whole page is not worth asking for.
    EXPECT_TRUE(huge_pages_within(address(aligned), 4 * MiB - 1).empty());
    EXPECT_TRUE(huge_pages_within(address(aligned + 1), 4 * MiB).empty());
    EXPECT_TRUE(huge_pages_within(address(aligned), 0).empty());
}

TEST(FreshPagesTests, AdviceAndPopulatingLeaveTheContentsAsTheyAre) {
    std::vector<std::byte> memory(9 * MiB + 3);
    for (std::size_t i = 0; i < memory.size(); ++i) memory[i] = static_cast<std::byte>(i * 31 + 5);
    const std::vector<std::byte> expected = memory;
    const auto pages = huge_pages_within(memory.data(), memory.size());
    ASSERT_GE(pages.size(), 4 * MiB);
    advise_huge_pages(pages);
    populate_pages(pages);
    EXPECT_EQ(memory, expected);
    // Empty ranges are nothing to do.
    advise_huge_pages({});
    populate_pages({});
    EXPECT_EQ(memory, expected);
}

} // namespace
} // namespace vw::detail
