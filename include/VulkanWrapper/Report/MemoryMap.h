#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Statistics.h"

namespace vw {

class Allocator;

/// What an allocation holds, as VMA records it.
enum class ResourceKind : std::uint8_t {
    /// A buffer.
    Buffer,
    /// An image with optimal tiling.
    ImageOptimal,
    /// An image with linear tiling.
    ImageLinear,
    /// An image whose tiling VMA was not told.
    ImageUnknown,
    /// Memory allocated without a resource (vmaAllocateMemory).
    Unknown,
};

/// The lower-case name of a kind: "buffer", "image (optimal)", "image (linear)", "image",
/// "unknown". A static string; does not fail.
[[nodiscard]] const char *to_string(ResourceKind kind) noexcept;

/// One live allocation.
struct AllocationRecord {
    /// The name given at allocation or with set_name(); "" when unnamed.
    std::string name;
    /// What the allocation holds.
    ResourceKind kind = ResourceKind::Unknown;
    /// Size in bytes.
    vk::DeviceSize size = 0;
    /// Offset in its block (0 for dedicated allocations).
    vk::DeviceSize offset = 0;
    /// Index of its memory type.
    std::uint32_t memory_type = 0;
    /// Index of the heap of that memory type.
    std::uint32_t heap = 0;
    /// True when the allocation has a VkDeviceMemory of its own.
    bool dedicated = false;
    /// The block's id (see MemoryBlock::id); std::nullopt for dedicated allocations.
    std::optional<std::uint32_t> block_id;
    /// The buffer or image usage flags the resource was created with (0 when unknown).
    std::uint64_t usage = 0;
    /// The custom pool (vw::Pool) it was allocated from: its name ("" when unnamed);
    /// std::nullopt for the allocator's default pools.
    std::optional<std::string> pool;
};

/// A range of a block that nothing occupies.
struct FreeRange {
    /// Offset of the range in its block.
    vk::DeviceSize offset = 0;
    /// Size of the range in bytes.
    vk::DeviceSize size = 0;
};

/// One VkDeviceMemory block that small resources are sub-allocated from.
struct MemoryBlock {
    /// VMA's id of the block, unique within the allocator.
    std::uint32_t id = 0;
    /// Size of the block in bytes.
    vk::DeviceSize size = 0;
    /// Its allocations and free ranges, by offset.
    std::vector<AllocationRecord> allocations;
    /// Its free ranges, by offset.
    std::vector<FreeRange> free_ranges;
    /// The custom pool (vw::Pool) the block belongs to: its name ("" when unnamed);
    /// std::nullopt for the allocator's default pools.
    std::optional<std::string> pool;
};

/// The allocator's memory of one memory type: its blocks and its dedicated allocations.
struct MemoryTypeMap {
    /// Index of the memory type in the device's memory properties.
    std::uint32_t type_index = 0;
    /// Index of the heap it draws from.
    std::uint32_t heap_index = 0;
    /// The memory type's property flags.
    vk::MemoryPropertyFlags flags;
    /// Its blocks, in VMA's order.
    std::vector<MemoryBlock> blocks;
    /// Its dedicated allocations (one VkDeviceMemory each).
    std::vector<AllocationRecord> dedicated;
};

/// Options for MemoryMap::svg().
struct SvgOptions {
    /// Width of the picture in pixels (at least 400; smaller values draw 400 wide).
    std::uint32_t width = 1200;
    /// Title drawn at the top; by default "GPU memory map" and the device's name.
    std::string title;
};

/// A snapshot of where an allocator's memory went: every block with its allocations and free
/// ranges, every dedicated allocation, per memory type, with the heaps' budgets. Built from
/// VMA's detailed statistics JSON (Allocator::json(true)), read with the memory properties of
/// the device it describes. A plain value: it owns its data, is copyable and movable, and stays
/// valid after the allocator changes or goes away. Its const members may be called from any
/// number of threads at once.
///
/// What the JSON must hold (the shape VMA 3.x writes, docs/statistics.md): a `DefaultPools`
/// object of `"Type <index>"` members, each with a `Blocks` object (block id -> block with
/// `TotalBytes` and `Suballocations`) and a `DedicatedAllocations` array; optionally
/// `CustomPools` (per memory type, an array of pools shaped like a default pool, each with an
/// optional string `Name` "<index> - <name>" and an optional `PreferredBlockSize`). Sizes, offsets and usage flags are plain non-negative JSON integers that fit
/// in 64 bits; block ids and memory type indices are decimal and fit in 32 bits. Anything else
/// — malformed JSON, a missing or mistyped member, a negative, fractional or exponent-form
/// number, or one past 2^64 - 1 — is a LogicError whose message names the offending member;
/// no partial map is produced. Members VulkanWrapper does not read are ignored.
class MemoryMap {
public:
    /// Captures `allocator`'s state now. Thread-safe with respect to the allocator: other
    /// threads may allocate and free meanwhile (their allocations may or may not be in it).
    /// The map holds no reference to the allocator. Throws std::bad_alloc, or LogicError if
    /// VMA's statistics do not have the shape described above (a VMA with another JSON shape,
    /// or names set through the raw VMA handle that are not valid UTF-8).
    explicit MemoryMap(const Allocator &allocator);

    /// Builds a map from VMA's detailed statistics JSON written earlier (Allocator::json(true),
    /// or the vw-memory.json that `vw-info --demo` writes), read against the memory properties
    /// of the device it was taken on: they give each memory type its heap and flags. The device
    /// name comes from the JSON's `General.GPU` ("" when absent); `budgets` is kept as given
    /// (the dump does not say whether its budget was an estimate). Nothing is retained from
    /// `vma_json` after the call. Reentrant. Throws LogicError as described on the class (a
    /// memory type index not below `memory.memoryTypeCount` included), or std::bad_alloc.
    [[nodiscard]] static MemoryMap from_json(std::string_view vma_json,
                                             const vk::PhysicalDeviceMemoryProperties &memory,
                                             std::vector<HeapBudget> budgets = {});

    /// The device's name. Does not fail.
    [[nodiscard]] const std::string &device_name() const noexcept { return m_device_name; }
    /// The memory types that hold at least one block or dedicated allocation, in index order;
    /// blocks by id, their allocations and free ranges by offset. Does not fail.
    [[nodiscard]] const std::vector<MemoryTypeMap> &memory_types() const noexcept {
        return m_types;
    }
    /// The heaps' budgets, captured with the map (empty for from_json() without budgets).
    /// Does not fail.
    [[nodiscard]] const std::vector<HeapBudget> &budgets() const noexcept { return m_budgets; }

    /// Every live allocation (the live-allocation report), largest first, then by name; a
    /// copy the caller owns. Throws std::bad_alloc only.
    [[nodiscard]] std::vector<AllocationRecord> allocations() const;
    /// Every custom pool (vw::Pool) of the allocator, by memory type then creation order: its
    /// name (the part of VMA's `Name` after "<index> - ", "" when unnamed), memory type,
    /// block size (VMA's `PreferredBlockSize`, 0 when absent) and the totals of its blocks and
    /// dedicated allocations, computed from the map as totals() is. Empty pools are listed
    /// too. A copy the caller owns; throws std::bad_alloc only.
    [[nodiscard]] std::vector<PoolStatistics> pools() const { return m_pools; }
    /// Totals computed from the map itself: blocks (dedicated allocations count as blocks, as
    /// in Allocator::statistics()), allocations, and their bytes. Does not fail.
    [[nodiscard]] MemoryStatistics totals() const noexcept;

    /// The live-allocation report as a text table: a line of totals, one line per custom pool
    /// (name, memory type, block size, its allocations and blocks), a header line, then one
    /// line per allocation, largest first, with its size, kind, memory type, heap, block and
    /// offset ("dedicated" and "-" for dedicated allocations) and name ("(unnamed)" when it
    /// has none). At most `max_rows` allocations are listed, followed by a line
    /// "... and N smaller allocations" when some were left out. Throws std::bad_alloc only.
    [[nodiscard]] std::string report(std::size_t max_rows = SIZE_MAX) const;

    /// The map drawn as a standalone SVG document (UTF-8, well-formed XML whatever bytes the
    /// names hold): per memory type, each block to scale with its allocations (colour by kind,
    /// names on those wide enough, a tooltip on every one) and free ranges, dedicated
    /// allocations apart, heap budgets, a legend and totals. Every allocation is a
    /// `<rect class="allocation ...">` with data-name and data-size attributes, so tools can read
    /// the picture back. Throws std::bad_alloc only.
    [[nodiscard]] std::string svg(const SvgOptions &options = {}) const;

private:
    MemoryMap() = default;

    std::string m_device_name;
    std::vector<MemoryTypeMap> m_types;
    std::vector<HeapBudget> m_budgets;
    std::vector<PoolStatistics> m_pools;
};

} // namespace vw
