#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "Support/RandomBytes.h"
#include "VulkanWrapper/Utils/StreamingCopy.h"

namespace vw::detail {
namespace {

constexpr std::size_t guard = 64;

using Copy = void (*)(std::byte *, const std::byte *, std::size_t) noexcept;

// Every destination alignment inside a cache line, and lengths with and without a head, a body
// of whole lines and a tail: the bytes land, the guards around them stay as they were.

void expect_copies_at_every_alignment(Copy copy) {
    std::uint32_t seed = 1;
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64},
                                   std::size_t{65}, std::size_t{127}, std::size_t{128}, std::size_t{191},
                                   std::size_t{4096}, std::size_t{70000}}) {
        for (std::size_t destination_offset = 0; destination_offset < 64; ++destination_offset) {
            const std::size_t source_offset = (destination_offset * 7) % 64;
            const std::vector<std::byte> source = vw::test::random_bytes(size + source_offset, seed++);
            std::vector<std::byte> target(size + destination_offset + 2 * guard, std::byte{0xEE});
            std::byte *destination = target.data() + guard + destination_offset;
            copy(destination, source.data() + source_offset, size);
            ASSERT_TRUE(std::equal(source.begin() + static_cast<std::ptrdiff_t>(source_offset), source.end(),
                                   destination))
                << size << " bytes at offset " << destination_offset;
            const auto untouched = [](std::byte b) { return b == std::byte{0xEE}; };
            EXPECT_TRUE(std::all_of(target.data(), destination, untouched));
            EXPECT_TRUE(std::all_of(destination + size, target.data() + target.size(), untouched));
        }
    }
}

TEST(StreamingCopyTests, CopiesEveryByteAtEveryAlignment) {
    expect_copies_at_every_alignment(streaming_copy);
}

#if defined(__x86_64__)
TEST(StreamingCopyTests, TheSse2FallbackCopiesEveryByteAtEveryAlignment) {
    expect_copies_at_every_alignment(streaming_copy_sse2);
}
#endif

} // namespace
} // namespace vw::detail
