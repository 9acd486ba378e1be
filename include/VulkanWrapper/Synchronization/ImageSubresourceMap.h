#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Synchronization/IntervalMap.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

/// The subresources of one image (aspect × mip level × array layer), numbered so that each
/// subresource has one key: key = (aspect index × mip levels + level) × array layers + layer,
/// the aspect index counting the image's aspect bits from the lowest. A range over every layer
/// of consecutive levels is then one run of keys. A value type, cheap to copy; thread-safe to
/// read.
class ImageSubresourceLayout {
public:
    /// An image with no subresource.
    ImageSubresourceLayout() noexcept = default;
    /// An image of `aspects` (non-empty), `mip_levels` and `array_layers` (both at least 1).
    /// LogicError otherwise.
    ImageSubresourceLayout(vk::ImageAspectFlags aspects, std::uint32_t mip_levels,
                           std::uint32_t array_layers)
        : m_aspects(aspects), m_levels(mip_levels), m_layers(array_layers) {
        if (!aspects || mip_levels == 0 || array_layers == 0) {
            throw LogicError("ImageSubresourceLayout: an image needs an aspect, a level and a layer");
        }
    }

    /// The image's aspects.
    [[nodiscard]] vk::ImageAspectFlags aspects() const noexcept { return m_aspects; }
    /// The image's mip levels.
    [[nodiscard]] std::uint32_t mip_levels() const noexcept { return m_levels; }
    /// The image's array layers.
    [[nodiscard]] std::uint32_t array_layers() const noexcept { return m_layers; }
    /// The number of subresources (keys).
    [[nodiscard]] std::uint64_t count() const noexcept {
        return std::uint64_t(std::popcount(static_cast<std::uint32_t>(m_aspects))) * m_levels *
               m_layers;
    }

    /// `range` with VK_REMAINING_MIP_LEVELS / VK_REMAINING_ARRAY_LAYERS resolved. LogicError when
    /// it is empty, names an aspect the image lacks, or reaches past its levels or layers.
    [[nodiscard]] vk::ImageSubresourceRange resolve(vk::ImageSubresourceRange range) const {
        if (range.levelCount == VK_REMAINING_MIP_LEVELS && range.baseMipLevel < m_levels) {
            range.levelCount = m_levels - range.baseMipLevel;
        }
        if (range.layerCount == VK_REMAINING_ARRAY_LAYERS && range.baseArrayLayer < m_layers) {
            range.layerCount = m_layers - range.baseArrayLayer;
        }
        if (!range.aspectMask || (range.aspectMask & ~m_aspects) || range.levelCount == 0 ||
            range.layerCount == 0 || range.baseMipLevel >= m_levels ||
            range.levelCount > m_levels - range.baseMipLevel || range.baseArrayLayer >= m_layers ||
            range.layerCount > m_layers - range.baseArrayLayer) {
            throw LogicError("subresource range (aspects " + vk::to_string(range.aspectMask) +
                             ", levels " + std::to_string(range.baseMipLevel) + "+" +
                             std::to_string(range.levelCount) + ", layers " +
                             std::to_string(range.baseArrayLayer) + "+" +
                             std::to_string(range.layerCount) + ") is empty or outside the image (" +
                             vk::to_string(m_aspects) + ", " + std::to_string(m_levels) +
                             " levels, " + std::to_string(m_layers) + " layers)");
        }
        return range;
    }

    /// Calls `visit(begin, end)` for each run of keys of `range` (resolved first), in key order:
    /// one run per aspect when the range covers every layer, else one per aspect and level.
    /// @tparam Visit callable as `visit(std::uint64_t begin, std::uint64_t end)`.
    template <typename Visit>
    void for_each_run(const vk::ImageSubresourceRange &range, Visit &&visit) const {
        const vk::ImageSubresourceRange r = resolve(range);
        std::uint32_t index = 0;
        for (std::uint32_t bit = 1; bit != 0 && bit <= static_cast<std::uint32_t>(m_aspects);
             bit <<= 1) {
            if (!(static_cast<std::uint32_t>(m_aspects) & bit)) {
                continue;
            }
            if (static_cast<std::uint32_t>(r.aspectMask) & bit) {
                const std::uint64_t base = std::uint64_t(index) * m_levels;
                if (r.layerCount == m_layers) {
                    visit((base + r.baseMipLevel) * m_layers,
                          (base + r.baseMipLevel + r.levelCount) * m_layers);
                } else {
                    for (std::uint32_t level = r.baseMipLevel; level < r.baseMipLevel + r.levelCount;
                         ++level) {
                        const std::uint64_t first = (base + level) * m_layers + r.baseArrayLayer;
                        visit(first, first + r.layerCount);
                    }
                }
            }
            ++index;
        }
    }

    /// Calls `visit(vk::ImageSubresourceRange)` with the fewest ranges (of one aspect each) that
    /// cover the keys [begin, end): a partial first level, whole levels, a partial last level.
    /// @tparam Visit callable as `visit(const vk::ImageSubresourceRange &)`.
    template <typename Visit> void for_each_range(std::uint64_t begin, std::uint64_t end, Visit &&visit) const {
        while (begin < end) {
            const std::uint64_t row = begin / m_layers;
            const auto aspect = aspect_at(static_cast<std::uint32_t>(row / m_levels));
            const auto level = static_cast<std::uint32_t>(row % m_levels);
            const auto layer = static_cast<std::uint32_t>(begin % m_layers);
            if (layer != 0 || end - begin < m_layers) {
                const std::uint64_t stop = std::min(end, (row + 1) * m_layers);
                visit(vk::ImageSubresourceRange(aspect, level, 1, layer,
                                                static_cast<std::uint32_t>(stop - begin)));
                begin = stop;
                continue;
            }
            // Whole levels, up to the end of this aspect or of the run.
            const std::uint64_t aspect_end = (row / m_levels + 1) * m_levels;
            const std::uint64_t rows = std::min((end - begin) / m_layers, aspect_end - row);
            visit(vk::ImageSubresourceRange(aspect, level, static_cast<std::uint32_t>(rows), 0,
                                            m_layers));
            begin += rows * m_layers;
        }
    }

    /// Layouts are equal when their aspects, levels and layers are.
    /// Equal when aspects, mip levels and array layers are equal.
    bool operator==(const ImageSubresourceLayout &) const = default;

private:
    [[nodiscard]] vk::ImageAspectFlags aspect_at(std::uint32_t index) const noexcept {
        auto bits = static_cast<std::uint32_t>(m_aspects);
        for (std::uint32_t i = 0; i < index; ++i) {
            bits &= bits - 1;
        }
        return vk::ImageAspectFlags(bits & (~bits + 1));
    }

    vk::ImageAspectFlags m_aspects;
    std::uint32_t m_levels = 0;
    std::uint32_t m_layers = 0;
};

/// Values per image subresource (aspect × mip level × array layer): an IntervalMap over the
/// keys of an ImageSubresourceLayout. Ranges outside the image throw LogicError before anything
/// changes. Same threading rules as IntervalMap.
/// @tparam T the mapped value: copyable and equality-comparable.
template <typename T> class ImageSubresourceMap {
public:
    /// A map over the subresources of `layout`, all unmapped.
    explicit ImageSubresourceMap(ImageSubresourceLayout layout) : m_layout(layout) {}

    /// The image's subresources.
    [[nodiscard]] const ImageSubresourceLayout &layout() const noexcept { return m_layout; }
    /// The underlying map over keys.
    [[nodiscard]] const IntervalMap<T> &keys() const noexcept { return m_map; }

    /// Maps every subresource of `range` to `value`.
    void assign(const vk::ImageSubresourceRange &range, const T &value) {
        (void)m_layout.resolve(range);
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) { m_map.assign(b, e, value); });
    }
    /// Unmaps every subresource of `range`.
    void erase(const vk::ImageSubresourceRange &range) {
        (void)m_layout.resolve(range);
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) { m_map.erase(b, e); });
    }
    /// The value of one subresource, or nullptr. LogicError when it is outside the image.
    [[nodiscard]] const T *find(vk::ImageAspectFlagBits aspect, std::uint32_t level,
                                std::uint32_t layer) const {
        const T *found = nullptr;
        m_layout.for_each_run(vk::ImageSubresourceRange(aspect, level, 1, layer, 1),
                              [&](std::uint64_t b, std::uint64_t) { found = m_map.find(b); });
        return found;
    }
    /// Calls `visit(vk::ImageSubresourceRange, const T &)` for the mapped parts of `range`,
    /// as the fewest single-aspect ranges per piece.
    /// @tparam Visit callable as `visit(const vk::ImageSubresourceRange &, const T &)`.
    template <typename Visit> void for_each(const vk::ImageSubresourceRange &range, Visit &&visit) const {
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) {
            m_map.for_each(b, e, [&](std::uint64_t pb, std::uint64_t pe, const T &value) {
                m_layout.for_each_range(pb, pe, [&](const vk::ImageSubresourceRange &r) { visit(r, value); });
            });
        });
    }
    /// True when no subresource is mapped.
    [[nodiscard]] bool empty() const noexcept { return m_map.empty(); }

private:
    ImageSubresourceLayout m_layout;
    IntervalMap<T> m_map;
};

/// A set of image subresources (the levels of a mip chain written so far, say): insert, erase,
/// query by vk::ImageSubresourceRange; ranges() gives the fewest single-aspect ranges that cover
/// it. Same rules as ImageSubresourceMap.
class ImageSubresourceSet {
public:
    /// An empty set over the subresources of `layout`.
    explicit ImageSubresourceSet(ImageSubresourceLayout layout) : m_layout(layout) {}

    /// Adds every subresource of `range`.
    void insert(const vk::ImageSubresourceRange &range) {
        (void)m_layout.resolve(range);
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) { m_keys.insert(b, e); });
    }
    /// Removes every subresource of `range`.
    void erase(const vk::ImageSubresourceRange &range) {
        (void)m_layout.resolve(range);
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) { m_keys.erase(b, e); });
    }
    /// True when every subresource of `range` is in the set.
    [[nodiscard]] bool contains(const vk::ImageSubresourceRange &range) const {
        bool all = true;
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) { all = all && m_keys.contains(b, e); });
        return all;
    }
    /// True when some subresource of `range` is in the set.
    [[nodiscard]] bool intersects(const vk::ImageSubresourceRange &range) const {
        bool any = false;
        m_layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) { any = any || m_keys.intersects(b, e); });
        return any;
    }
    /// The set as the fewest single-aspect subresource ranges, in key order.
    [[nodiscard]] std::vector<vk::ImageSubresourceRange> ranges() const {
        std::vector<vk::ImageSubresourceRange> out;
        for (const auto &run : m_keys.ranges()) {
            m_layout.for_each_range(run.begin, run.end, [&](const vk::ImageSubresourceRange &r) { out.push_back(r); });
        }
        return out;
    }
    /// True when the set holds no subresource.
    [[nodiscard]] bool empty() const noexcept { return m_keys.empty(); }
    /// The image's subresources.
    [[nodiscard]] const ImageSubresourceLayout &layout() const noexcept { return m_layout; }

private:
    ImageSubresourceLayout m_layout;
    IntervalSet m_keys;
};

} // namespace vw
