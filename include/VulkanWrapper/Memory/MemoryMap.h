#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Statistics.h"

namespace vw {

class Allocator;

/// What an allocation holds, as VMA records it.
enum class ResourceKind : std::uint8_t {
    Buffer,
    ImageOptimal,
    ImageLinear,
    /// An image whose tiling VMA was not told.
    ImageUnknown,
    /// Memory allocated without a resource (vmaAllocateMemory).
    Unknown,
};

/// The lower-case name of a kind: "buffer", "image (optimal)", "image (linear)", "image",
/// "unknown".
[[nodiscard]] const char *to_string(ResourceKind kind) noexcept;

/// One live allocation.
struct AllocationRecord {
    /// The name given at allocation or with set_name(); "" when unnamed.
    std::string name;
    ResourceKind kind = ResourceKind::Unknown;
    vk::DeviceSize size = 0;
    /// Offset in its block (0 for dedicated allocations).
    vk::DeviceSize offset = 0;
    std::uint32_t memory_type = 0;
    std::uint32_t heap = 0;
    /// True when the allocation has a VkDeviceMemory of its own.
    bool dedicated = false;
    /// The block's id (see MemoryBlock::id); std::nullopt for dedicated allocations.
    std::optional<std::uint32_t> block_id;
    /// The buffer or image usage flags the resource was created with (0 when unknown).
    std::uint64_t usage = 0;
};

/// A range of a block that nothing occupies.
struct FreeRange {
    vk::DeviceSize offset = 0;
    vk::DeviceSize size = 0;
};

/// One VkDeviceMemory block that small resources are sub-allocated from.
struct MemoryBlock {
    /// VMA's id of the block, unique within the allocator.
    std::uint32_t id = 0;
    vk::DeviceSize size = 0;
    /// Its allocations and free ranges, by offset.
    std::vector<AllocationRecord> allocations;
    std::vector<FreeRange> free_ranges;
};

/// The allocator's memory of one memory type: its blocks and its dedicated allocations.
struct MemoryTypeMap {
    std::uint32_t type_index = 0;
    std::uint32_t heap_index = 0;
    vk::MemoryPropertyFlags flags;
    std::vector<MemoryBlock> blocks;
    std::vector<AllocationRecord> dedicated;
};

/// Options for MemoryMap::svg().
struct SvgOptions {
    /// Width of the picture in pixels (at least 400).
    std::uint32_t width = 1200;
    /// Title drawn at the top; by default "GPU memory map" and the device's name.
    std::string title;
};

/// A snapshot of where an allocator's memory went: every block with its allocations and free
/// ranges, every dedicated allocation, per memory type, with the heaps' budgets. Taken from
/// VMA's detailed statistics at one moment (allocations made meanwhile by other threads may or
/// may not be in it). A plain value: copyable, and independent of the allocator once taken.
class MemoryMap {
public:
    /// Captures `allocator`'s state now. Thread-safe with respect to the allocator (other
    /// threads may allocate meanwhile). Throws std::bad_alloc, or LogicError if VMA's
    /// statistics cannot be read (a VMA with a different JSON shape).
    explicit MemoryMap(const Allocator &allocator);

    /// The device's name.
    [[nodiscard]] const std::string &device_name() const noexcept { return m_device_name; }
    /// The memory types the allocator uses, in index order.
    [[nodiscard]] const std::vector<MemoryTypeMap> &memory_types() const noexcept {
        return m_types;
    }
    /// The heaps' budgets, captured with the map.
    [[nodiscard]] const std::vector<HeapBudget> &budgets() const noexcept { return m_budgets; }

    /// Every live allocation (the live-allocation report), largest first, then by name.
    [[nodiscard]] std::vector<AllocationRecord> allocations() const;
    /// Totals computed from the map itself: blocks (dedicated allocations count as blocks, as
    /// in Allocator::statistics()), allocations, and their bytes.
    [[nodiscard]] MemoryStatistics totals() const noexcept;

    /// The live-allocation report as a text table: one line per allocation with its size,
    /// kind, memory type, heap, block and offset, whether it is dedicated, and its name;
    /// totals first. At most `max_rows` allocations are listed (the largest), with a line
    /// counting the rest.
    [[nodiscard]] std::string report(std::size_t max_rows = SIZE_MAX) const;

    /// The map drawn as a standalone SVG document: per memory type, each block to scale with
    /// its allocations (colour by kind, names on those wide enough, a tooltip on every one)
    /// and free ranges, dedicated allocations apart, heap budgets, a legend and totals.
    /// Every allocation is a <rect class="allocation ..."> with data-name and data-size
    /// attributes, so tools can read the picture back.
    [[nodiscard]] std::string svg(const SvgOptions &options = {}) const;

private:
    std::string m_device_name;
    std::vector<MemoryTypeMap> m_types;
    std::vector<HeapBudget> m_budgets;
};

} // namespace vw
