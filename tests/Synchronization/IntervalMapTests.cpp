#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "VulkanWrapper/Synchronization/IntervalMap.h"

namespace vw {
namespace {

using Piece = Interval<int>;

TEST(IntervalMapTests, AssignSplitsOverlapsAndMergesEqualNeighbours) {
    IntervalMap<int> map;
    map.assign(0, 100, 1);
    map.assign(40, 60, 2);
    ASSERT_EQ(map.intervals().size(), 3U);
    EXPECT_EQ(map.intervals()[0], (Piece{0, 40, 1}));
    EXPECT_EQ(map.intervals()[1], (Piece{40, 60, 2}));
    EXPECT_EQ(map.intervals()[2], (Piece{60, 100, 1}));
    map.assign(40, 60, 1); // equal to both neighbours: one piece again
    ASSERT_EQ(map.intervals().size(), 1U);
    EXPECT_EQ(map.intervals()[0], (Piece{0, 100, 1}));
    map.assign(100, 120, 1); // adjacent, equal: merged
    map.assign(200, 210, 1); // a gap: not merged
    ASSERT_EQ(map.intervals().size(), 2U);
    EXPECT_EQ(map.intervals()[0], (Piece{0, 120, 1}));
    EXPECT_EQ(map.intervals()[1], (Piece{200, 210, 1}));
    const auto *found = map.find(119);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, 1);
    EXPECT_EQ(map.find(120), nullptr);
    EXPECT_EQ(map.find(150), nullptr);
}

TEST(IntervalMapTests, UpdateFillsGapsAndEditsEachPieceClipped) {
    IntervalMap<int> map;
    map.assign(10, 20, 5);
    map.assign(30, 40, 7);
    std::vector<Piece> seen;
    map.update(15, 35, 0, [&](std::uint64_t b, std::uint64_t e, int &v) {
        seen.push_back({b, e, v});
        v += 1;
    });
    ASSERT_EQ(seen.size(), 3U);
    EXPECT_EQ(seen[0], (Piece{15, 20, 5}));
    EXPECT_EQ(seen[1], (Piece{20, 30, 0}));
    EXPECT_EQ(seen[2], (Piece{30, 35, 7}));
    const std::vector<Piece> expected{{10, 15, 5}, {15, 20, 6}, {20, 30, 1}, {30, 35, 8}, {35, 40, 7}};
    EXPECT_EQ(std::vector<Piece>(map.intervals().begin(), map.intervals().end()), expected);
}

TEST(IntervalMapTests, EraseForEachAndBadRanges) {
    IntervalMap<int> map;
    map.assign(0, 100, 3);
    map.erase(10, 20);
    EXPECT_FALSE(map.covers(0, 100));
    EXPECT_TRUE(map.covers(0, 10));
    EXPECT_TRUE(map.intersects(5, 15));
    EXPECT_FALSE(map.intersects(10, 20));
    std::vector<Piece> seen;
    map.for_each(5, 25, [&](std::uint64_t b, std::uint64_t e, const int &v) { seen.push_back({b, e, v}); });
    EXPECT_EQ(seen, (std::vector<Piece>{{5, 10, 3}, {20, 25, 3}}));
    EXPECT_THROW(map.assign(5, 4, 1), LogicError);
    EXPECT_THROW(map.erase(5, 4), LogicError);
    EXPECT_EQ(map.intervals().size(), 2U); // nothing changed
    map.assign(7, 7, 9);                   // empty: nothing
    EXPECT_EQ(map.intervals().size(), 2U);
}

TEST(IntervalMapTests, RandomEditsMatchAPlainArrayAndStayMinimal) {
    // 0 in the array: unmapped.
    constexpr std::uint64_t keys = 97;
    std::mt19937 random(7);
    auto below = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(random); };
    IntervalMap<int> map;
    std::vector<int> model(keys, 0);
    for (int step = 0; step < 5000; ++step) {
        const std::uint64_t begin = below(keys);
        const std::uint64_t end = begin + below(keys - begin + 1);
        const int value = 1 + static_cast<int>(below(3));
        switch (below(3)) {
        case 0:
            map.assign(begin, end, value);
            for (std::uint64_t k = begin; k < end; ++k) model[k] = value;
            break;
        case 1:
            map.erase(begin, end);
            for (std::uint64_t k = begin; k < end; ++k) model[k] = 0;
            break;
        default:
            map.update(begin, end, value, [](std::uint64_t, std::uint64_t, int &v) { v = v % 3 + 1; });
            for (std::uint64_t k = begin; k < end; ++k) model[k] = (model[k] == 0 ? value : model[k]) % 3 + 1;
            break;
        }
        std::vector<int> seen(keys, 0);
        const auto pieces = map.intervals();
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            ASSERT_LT(pieces[i].begin, pieces[i].end);
            if (i > 0) {
                ASSERT_LE(pieces[i - 1].end, pieces[i].begin);
                // Minimal: touching neighbours differ.
                ASSERT_FALSE(pieces[i - 1].end == pieces[i].begin && pieces[i - 1].value == pieces[i].value);
            }
            for (std::uint64_t k = pieces[i].begin; k < pieces[i].end; ++k) seen[k] = pieces[i].value;
        }
        ASSERT_EQ(seen, model) << "step " << step;
    }
}

TEST(IntervalSetTests, DirtyRangesMergeWhenTheyTouch) {
    IntervalSet dirty;
    dirty.insert(0, 16);
    dirty.insert(32, 48);
    dirty.insert(16, 32);
    using R = IntervalSet::Range;
    EXPECT_EQ(dirty.ranges(), (std::vector<R>{{0, 48}}));
    dirty.erase(8, 40);
    EXPECT_EQ(dirty.ranges(), (std::vector<R>{{0, 8}, {40, 48}}));
    EXPECT_TRUE(dirty.contains(0, 8));
    EXPECT_FALSE(dirty.contains(0, 9));
    EXPECT_TRUE(dirty.intersects(7, 41));
    dirty.clear();
    EXPECT_TRUE(dirty.empty());
}

} // namespace
} // namespace vw
