#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "VulkanWrapper/Utils/Error.h"

namespace vw {

/// One piece of an IntervalMap: the half-open key range [begin, end) and its value.
/// @tparam T the mapped value.
template <typename T> struct Interval {
    std::uint64_t begin = 0; ///< First key of the piece.
    std::uint64_t end = 0;   ///< One past the last key of the piece.
    T value{};               ///< The value every key of the piece maps to.

    /// Pieces are equal when their bounds and values are.
    /// Equal when both bounds are equal.
    bool operator==(const Interval &) const = default;
};

/// A map from half-open ranges of 64-bit keys (buffer bytes, linearised image subresources)
/// to values, kept as sorted, disjoint pieces. Keys not covered map to nothing. Adjacent pieces
/// with equal values are always merged, so the pieces are the fewest that describe the map.
/// Assigning over part of a piece splits it. Stored in one sorted vector: lookups are a binary
/// search, edits move the pieces after the edited range. Like a standard container: one writer
/// at a time, readers only when nobody writes. Ranges with begin > end throw LogicError; empty
/// ranges change nothing.
/// @tparam T the mapped value: copyable and equality-comparable.
template <typename T> class IntervalMap {
public:
    /// The pieces, sorted by key, disjoint, adjacent ones of equal value merged.
    [[nodiscard]] std::span<const Interval<T>> intervals() const noexcept { return m_pieces; }
    /// True when no key is mapped.
    [[nodiscard]] bool empty() const noexcept { return m_pieces.empty(); }
    /// Unmaps every key.
    void clear() noexcept { m_pieces.clear(); }

    /// The value mapped to `key`, or nullptr. Valid until the next edit.
    [[nodiscard]] const T *find(std::uint64_t key) const noexcept {
        const auto it = first_after(key);
        if (it == m_pieces.begin()) {
            return nullptr;
        }
        const auto &piece = *(it - 1);
        return key < piece.end ? &piece.value : nullptr;
    }

    /// Maps every key of [begin, end) to `value`, replacing what was there.
    void assign(std::uint64_t begin, std::uint64_t end, const T &value) {
        update(begin, end, value, [&](std::uint64_t, std::uint64_t, T &piece) { piece = value; });
    }

    /// Unmaps every key of [begin, end).
    void erase(std::uint64_t begin, std::uint64_t end) {
        check_bounds(begin, end);
        if (begin == end) {
            return;
        }
        split_at(begin);
        split_at(end);
        const auto first = first_after_or_at(begin);
        auto last = first;
        while (last != m_pieces.end() && last->begin < end) {
            ++last;
        }
        m_pieces.erase(first, last);
    }

    /// Calls `visit(begin, end, const T &)` for each mapped piece overlapping [begin, end),
    /// clipped to it, in key order.
    /// @tparam Visit callable as `visit(std::uint64_t begin, std::uint64_t end, const T &)`.
    template <typename Visit>
    void for_each(std::uint64_t begin, std::uint64_t end, Visit &&visit) const {
        check_bounds(begin, end);
        auto it = first_after(begin);
        if (it != m_pieces.begin() && (it - 1)->end > begin) {
            --it;
        }
        for (; it != m_pieces.end() && it->begin < end; ++it) {
            visit(std::max(it->begin, begin), std::min(it->end, end), it->value);
        }
    }

    /// True when some key of [begin, end) is mapped.
    [[nodiscard]] bool intersects(std::uint64_t begin, std::uint64_t end) const {
        bool found = false;
        for_each(begin, end, [&](std::uint64_t, std::uint64_t, const T &) { found = true; });
        return found;
    }

    /// True when every key of [begin, end) is mapped (an empty range is covered).
    [[nodiscard]] bool covers(std::uint64_t begin, std::uint64_t end) const {
        std::uint64_t next = begin;
        for_each(begin, end, [&](std::uint64_t b, std::uint64_t e, const T &) {
            if (b == next) {
                next = e;
            }
        });
        return next == end;
    }

    /// Edits [begin, end) in place: unmapped keys of the range are first mapped to `fill`, then
    /// pieces are split at the range's bounds and `edit(begin, end, T &)` is called for each
    /// piece inside it, in key order; adjacent equal pieces are merged afterwards. This is the
    /// primitive the resource tracker is built on.
    /// @tparam Edit callable as `edit(std::uint64_t begin, std::uint64_t end, T &)`.
    template <typename Edit>
    void update(std::uint64_t begin, std::uint64_t end, const T &fill, Edit &&edit) {
        check_bounds(begin, end);
        if (begin == end) {
            return;
        }
        if (m_pieces.empty() || m_pieces.back().end <= begin) {
            // Appending past the end: the common case of a new resource or a growing range.
            m_pieces.push_back({begin, end, fill});
            edit(begin, end, m_pieces.back().value);
            merge_around(m_pieces.size() - 1, m_pieces.size());
            return;
        }
        split_at(begin);
        split_at(end);
        std::size_t index = static_cast<std::size_t>(first_after_or_at(begin) - m_pieces.begin());
        const std::size_t first = index;
        std::uint64_t cursor = begin;
        while (cursor < end) {
            if (index < m_pieces.size() && m_pieces[index].begin == cursor) {
                cursor = m_pieces[index].end;
                ++index;
                continue;
            }
            const std::uint64_t gap_end =
                index < m_pieces.size() ? std::min(m_pieces[index].begin, end) : end;
            m_pieces.insert(m_pieces.begin() + static_cast<std::ptrdiff_t>(index),
                            Interval<T>{cursor, gap_end, fill});
            cursor = gap_end;
            ++index;
        }
        for (std::size_t i = first; i < index; ++i) {
            edit(m_pieces[i].begin, m_pieces[i].end, m_pieces[i].value);
        }
        merge_around(first, index);
    }

private:
    using Iterator = typename std::vector<Interval<T>>::iterator;
    using ConstIterator = typename std::vector<Interval<T>>::const_iterator;

    static void check_bounds(std::uint64_t begin, std::uint64_t end) {
        if (begin > end) {
            throw LogicError("IntervalMap: range [" + std::to_string(begin) + ", " +
                             std::to_string(end) + ") ends before it begins");
        }
    }

    // First piece whose begin is greater than key.
    [[nodiscard]] ConstIterator first_after(std::uint64_t key) const noexcept {
        return std::upper_bound(
            m_pieces.begin(), m_pieces.end(), key,
            [](std::uint64_t k, const Interval<T> &piece) { return k < piece.begin; });
    }
    [[nodiscard]] Iterator first_after_or_at(std::uint64_t key) noexcept {
        return std::lower_bound(
            m_pieces.begin(), m_pieces.end(), key,
            [](const Interval<T> &piece, std::uint64_t k) { return piece.begin < k; });
    }

    // Makes `key` a piece boundary when it falls strictly inside a piece.
    void split_at(std::uint64_t key) {
        auto it = std::upper_bound(
            m_pieces.begin(), m_pieces.end(), key,
            [](std::uint64_t k, const Interval<T> &piece) { return k < piece.begin; });
        if (it == m_pieces.begin()) {
            return;
        }
        auto &piece = *(it - 1);
        if (piece.begin < key && key < piece.end) {
            Interval<T> tail{key, piece.end, piece.value};
            piece.end = key;
            m_pieces.insert(it, std::move(tail));
        }
    }

    // Merges equal adjacent pieces among [first - 1, last], the edited ones and their neighbours.
    void merge_around(std::size_t first, std::size_t last) {
        std::size_t from = first > 0 ? first - 1 : 0;
        std::size_t to = std::min(last + 1, m_pieces.size());
        std::size_t out = from;
        for (std::size_t i = from + 1; i < to; ++i) {
            if (m_pieces[out].end == m_pieces[i].begin && m_pieces[out].value == m_pieces[i].value) {
                m_pieces[out].end = m_pieces[i].end;
            } else {
                ++out;
                if (out != i) {
                    m_pieces[out] = std::move(m_pieces[i]);
                }
            }
        }
        if (out + 1 < to) {
            m_pieces.erase(m_pieces.begin() + static_cast<std::ptrdiff_t>(out + 1),
                           m_pieces.begin() + static_cast<std::ptrdiff_t>(to));
        }
    }

    std::vector<Interval<T>> m_pieces;
};

/// A set of half-open ranges of 64-bit keys, such as the dirty byte ranges of a buffer: inserted
/// ranges that touch or overlap are merged, erasing splits. Built on IntervalMap; same threading
/// and error rules.
class IntervalSet {
public:
    /// One range of the set.
    struct Range {
        std::uint64_t begin = 0; ///< First key.
        std::uint64_t end = 0;   ///< One past the last key.
        /// Ranges are equal when their bounds are.
        /// Equal when both bounds are equal.
        bool operator==(const Range &) const = default;
    };

    /// Adds [begin, end).
    void insert(std::uint64_t begin, std::uint64_t end) { m_map.assign(begin, end, Present{}); }
    /// Removes [begin, end).
    void erase(std::uint64_t begin, std::uint64_t end) { m_map.erase(begin, end); }
    /// True when every key of [begin, end) is in the set.
    [[nodiscard]] bool contains(std::uint64_t begin, std::uint64_t end) const {
        return m_map.covers(begin, end);
    }
    /// True when some key of [begin, end) is in the set.
    [[nodiscard]] bool intersects(std::uint64_t begin, std::uint64_t end) const {
        return m_map.intersects(begin, end);
    }
    /// The ranges, sorted, disjoint and not touching.
    [[nodiscard]] std::vector<Range> ranges() const {
        std::vector<Range> out;
        out.reserve(m_map.intervals().size());
        for (const auto &piece : m_map.intervals()) {
            out.push_back({piece.begin, piece.end});
        }
        return out;
    }
    /// True when the set holds no key.
    [[nodiscard]] bool empty() const noexcept { return m_map.empty(); }
    /// Removes every range.
    void clear() noexcept { m_map.clear(); }

private:
    struct Present {
        /// Equal when every member is equal.
        bool operator==(const Present &) const = default;
    };
    IntervalMap<Present> m_map;
};

} // namespace vw
