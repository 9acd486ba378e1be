#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace vw {

/// Counts and bytes for a set of memory (one heap, one memory type, or all of it).
/// Blocks are VkDeviceMemory objects; allocations are what was handed out from them.
/// A dedicated allocation is one block holding one allocation.
struct MemoryStatistics {
    /// VkDeviceMemory blocks (a dedicated allocation counts as one).
    std::uint32_t block_count = 0;
    /// Allocations handed out from those blocks.
    std::uint32_t allocation_count = 0;
    /// Bytes of those blocks.
    vk::DeviceSize block_bytes = 0;
    /// Bytes handed out (at most block_bytes; the rest is free space in blocks).
    vk::DeviceSize allocation_bytes = 0;
};

/// One memory heap: its size and flags, what the allocator holds in it, and the budget.
struct HeapStatistics {
    /// Index of the heap in the device's memory properties.
    std::uint32_t heap_index = 0;
    /// The heap's size in bytes.
    vk::DeviceSize heap_size = 0;
    /// The heap's flags (device-local, multi-instance).
    vk::MemoryHeapFlags flags;
    /// What this allocator holds in the heap.
    MemoryStatistics memory;
    /// Bytes this process may use in the heap, and bytes in use (by every allocator of the
    /// process when VK_EXT_memory_budget reports it).
    vk::DeviceSize budget_bytes = 0;
    /// Bytes in use in the heap (see budget_bytes).
    vk::DeviceSize usage_bytes = 0;
    /// True when the device has no VK_EXT_memory_budget: budget is 80% of the heap size and
    /// usage is what this allocator holds.
    bool budget_is_estimate = true;
};

/// One memory type: its flags, its heap and what the allocator holds in it.
struct MemoryTypeStatistics {
    /// Index of the memory type in the device's memory properties.
    std::uint32_t type_index = 0;
    /// Index of the heap it draws from.
    std::uint32_t heap_index = 0;
    /// The memory type's property flags (device-local, host-visible, coherent, cached...).
    vk::MemoryPropertyFlags flags;
    /// What this allocator holds in memory of this type.
    MemoryStatistics memory;
};

/// One heap's budget: how much this process may use and how much it uses. From
/// VK_EXT_memory_budget when the device has it (figures for the whole process, every
/// allocator and driver-internal memory included); otherwise an estimate (`is_estimate`):
/// budget is 80% of the heap's size and usage is what this allocator holds in blocks.
struct HeapBudget {
    /// Index of the heap in the device's memory properties.
    std::uint32_t heap_index = 0;
    /// The heap's size in bytes.
    vk::DeviceSize heap_size = 0;
    /// The heap's flags (device-local, multi-instance).
    vk::MemoryHeapFlags flags;
    /// Bytes this process may use in the heap.
    vk::DeviceSize budget_bytes = 0;
    /// Bytes in use in the heap.
    vk::DeviceSize usage_bytes = 0;
    /// What this allocator holds in the heap: VkDeviceMemory blocks (dedicated ones included)
    /// and the bytes handed out from them.
    vk::DeviceSize block_bytes = 0;
    /// Bytes handed out from those blocks.
    vk::DeviceSize allocation_bytes = 0;
    /// True when budget and usage are an estimate (no VK_EXT_memory_budget).
    bool is_estimate = true;
};

/// One custom pool (vw::Pool, or a block list of one in the memory map): what it holds.
struct PoolStatistics {
    /// The pool's name ("" when unnamed).
    std::string name;
    /// The memory type its blocks live in.
    std::uint32_t memory_type = 0;
    /// Size of its blocks (VMA's preferred block size for the pool).
    vk::DeviceSize block_size = 0;
    /// The priority its blocks were allocated with (0 to 1; 0.5 unless set). nullopt when it
    /// was not applied (the device has no VK_EXT_memory_priority) or is unknown (pools that
    /// MemoryMap reads from VMA's JSON, which does not carry it).
    std::optional<float> priority;
    /// Its blocks and the allocations made from them.
    MemoryStatistics memory;
};

/// A snapshot of the allocator: in total, per heap and per memory type.
struct AllocatorStatistics {
    /// All memory of the allocator.
    MemoryStatistics total;
    /// One entry per memory heap, in heap order.
    std::vector<HeapStatistics> heaps;
    /// One entry per memory type, in type order.
    std::vector<MemoryTypeStatistics> memory_types;
    /// One entry per live vw::Pool of the allocator, in creation order. Their memory is
    /// counted in `total`, `heaps` and `memory_types` too.
    std::vector<PoolStatistics> pools;
};

} // namespace vw
