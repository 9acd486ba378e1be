#include <gtest/gtest.h>

#include <type_traits>

#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {
namespace {

template <typename From, typename To>
concept implicitly_convertible = requires(From from) { [](To) {}(from); };

static_assert(std::is_same_v<std::underlying_type_t<Width>, std::uint32_t>);
static_assert(std::is_same_v<std::underlying_type_t<ArrayLayer>, std::uint32_t>);
static_assert(!implicitly_convertible<Width, Height>);
static_assert(!implicitly_convertible<Height, Width>);
static_assert(!implicitly_convertible<std::uint32_t, Width>);
static_assert(!implicitly_convertible<Width, std::uint32_t>);
static_assert(!implicitly_convertible<MipLevel, ArrayLayer>);
static_assert(!implicitly_convertible<Depth, Height>);
static_assert(requires { Width{1024}; Height{1}; Depth{1}; MipLevel{0}; ArrayLayer{0}; });
static_assert(value_of(Width{1024}) == 1024);

TEST(StrongTypesTests, ValuesRoundTrip) {
    const Width width{1920};
    const Height height{1080};
    EXPECT_EQ(value_of(width), 1920U);
    EXPECT_EQ(value_of(height), 1080U);
    EXPECT_EQ(value_of(MipLevel{3}), 3U);
    EXPECT_EQ(value_of(ArrayLayer{0xFFFFFFFFU}), 0xFFFFFFFFU);
    EXPECT_TRUE(Width{5} < Width{6});
}

} // namespace
} // namespace vw
