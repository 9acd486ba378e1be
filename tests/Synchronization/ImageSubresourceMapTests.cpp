#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "VulkanWrapper/Synchronization/ImageSubresourceMap.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {
namespace {

TEST(ImageSubresourceMapTests, KeysRunsAndRanges) {
    const ImageSubresourceLayout layout(vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil, 4, 3);
    EXPECT_EQ(layout.count(), 24U);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
    auto collect = [&](std::uint64_t b, std::uint64_t e) { runs.emplace_back(b, e); };
    // Every layer of levels 1-2 of stencil: one run; two layers: one run per level.
    layout.for_each_run({vk::ImageAspectFlagBits::eStencil, 1, 2, 0, 3}, collect);
    EXPECT_EQ(runs, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{15, 21}}));
    runs.clear();
    layout.for_each_run({vk::ImageAspectFlagBits::eDepth, 0, VK_REMAINING_MIP_LEVELS, 1, 2}, collect);
    EXPECT_EQ(runs.size(), 4U);
    EXPECT_EQ(runs[0], (std::pair<std::uint64_t, std::uint64_t>{1, 3}));
    EXPECT_EQ(runs[3], (std::pair<std::uint64_t, std::uint64_t>{10, 12}));

    std::vector<vk::ImageSubresourceRange> ranges;
    layout.for_each_range(2, 16, [&](const vk::ImageSubresourceRange &r) { ranges.push_back(r); });
    const std::vector<vk::ImageSubresourceRange> expected{
        {vk::ImageAspectFlagBits::eDepth, 0, 1, 2, 1},   // the tail of level 0
        {vk::ImageAspectFlagBits::eDepth, 1, 3, 0, 3},   // whole levels 1-3
        {vk::ImageAspectFlagBits::eStencil, 0, 1, 0, 3}, // whole level 0 of the next aspect
        {vk::ImageAspectFlagBits::eStencil, 1, 1, 0, 1}, // the head of level 1
    };
    EXPECT_EQ(ranges, expected);

    EXPECT_THROW((void)layout.resolve({vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1}), LogicError);
    EXPECT_THROW((void)layout.resolve({vk::ImageAspectFlagBits::eDepth, 3, 2, 0, 1}), LogicError);
    EXPECT_THROW((void)layout.resolve({vk::ImageAspectFlagBits::eDepth, 0, 1, 3, 1}), LogicError);
    EXPECT_THROW((void)layout.resolve({vk::ImageAspectFlagBits::eDepth, 0, 0, 0, 1}), LogicError);
    EXPECT_THROW(ImageSubresourceLayout({}, 1, 1), LogicError);
}

TEST(ImageSubresourceMapTests, MapAndSetOverMipsAndLayers) {
    const ImageSubresourceLayout layout(vk::ImageAspectFlagBits::eColor, 5, 2);
    ImageSubresourceMap<int> map(layout);
    map.assign({vk::ImageAspectFlagBits::eColor, 0, 5, 0, 2}, 1);
    map.assign({vk::ImageAspectFlagBits::eColor, 2, 1, 1, 1}, 2);
    ASSERT_NE(map.find(vk::ImageAspectFlagBits::eColor, 2, 1), nullptr);
    EXPECT_EQ(*map.find(vk::ImageAspectFlagBits::eColor, 2, 1), 2);
    EXPECT_EQ(*map.find(vk::ImageAspectFlagBits::eColor, 2, 0), 1);
    EXPECT_EQ(map.keys().intervals().size(), 3U);
    EXPECT_THROW(map.assign({vk::ImageAspectFlagBits::eColor, 5, 1, 0, 1}, 3), LogicError);
    EXPECT_EQ(map.keys().intervals().size(), 3U);

    ImageSubresourceSet written(layout);
    written.insert({vk::ImageAspectFlagBits::eColor, 0, 1, 0, 2});
    written.insert({vk::ImageAspectFlagBits::eColor, 1, 1, 0, 2});
    EXPECT_TRUE(written.contains({vk::ImageAspectFlagBits::eColor, 0, 2, 0, 2}));
    EXPECT_FALSE(written.contains({vk::ImageAspectFlagBits::eColor, 0, 3, 0, 2}));
    EXPECT_EQ(written.ranges(), (std::vector<vk::ImageSubresourceRange>{
                                    {vk::ImageAspectFlagBits::eColor, 0, 2, 0, 2}}));
    written.erase({vk::ImageAspectFlagBits::eColor, 1, 1, 1, 1});
    EXPECT_EQ(written.ranges(), (std::vector<vk::ImageSubresourceRange>{
                                    {vk::ImageAspectFlagBits::eColor, 0, 1, 0, 2},
                                    {vk::ImageAspectFlagBits::eColor, 1, 1, 0, 1}}));
    EXPECT_TRUE(written.intersects({vk::ImageAspectFlagBits::eColor, 1, 4, 0, 2}));
    EXPECT_FALSE(written.intersects({vk::ImageAspectFlagBits::eColor, 2, 3, 0, 2}));
}

} // namespace
} // namespace vw
