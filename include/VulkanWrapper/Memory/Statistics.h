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
    std::uint32_t block_count = 0;
    std::uint32_t allocation_count = 0;
    vk::DeviceSize block_bytes = 0;
    vk::DeviceSize allocation_bytes = 0;
};

/// One memory heap: its size and flags, what the allocator holds in it, and the budget.
struct HeapStatistics {
    std::uint32_t heap_index = 0;
    vk::DeviceSize heap_size = 0;
    vk::MemoryHeapFlags flags;
    MemoryStatistics memory;
    /// Bytes this process may use in the heap, and bytes in use (by every allocator of the
    /// process when VK_EXT_memory_budget reports it).
    vk::DeviceSize budget_bytes = 0;
    vk::DeviceSize usage_bytes = 0;
    /// True when the device has no VK_EXT_memory_budget: budget is 80% of the heap size and
    /// usage is what this allocator holds.
    bool budget_is_estimate = true;
};

/// One memory type: its flags, its heap and what the allocator holds in it.
struct MemoryTypeStatistics {
    std::uint32_t type_index = 0;
    std::uint32_t heap_index = 0;
    vk::MemoryPropertyFlags flags;
    MemoryStatistics memory;
};

/// One heap's budget: how much this process may use and how much it uses. From
/// VK_EXT_memory_budget when the device has it (figures for the whole process, every
/// allocator and driver-internal memory included); otherwise an estimate (`is_estimate`):
/// budget is 80% of the heap's size and usage is what this allocator holds in blocks.
struct HeapBudget {
    std::uint32_t heap_index = 0;
    vk::DeviceSize heap_size = 0;
    vk::MemoryHeapFlags flags;
    vk::DeviceSize budget_bytes = 0;
    vk::DeviceSize usage_bytes = 0;
    /// What this allocator holds in the heap: VkDeviceMemory blocks (dedicated ones included)
    /// and the bytes handed out from them.
    vk::DeviceSize block_bytes = 0;
    vk::DeviceSize allocation_bytes = 0;
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
    /// Its blocks and the allocations made from them.
    MemoryStatistics memory;
};

/// A snapshot of the allocator: in total, per heap and per memory type.
struct AllocatorStatistics {
    MemoryStatistics total;
    std::vector<HeapStatistics> heaps;
    std::vector<MemoryTypeStatistics> memory_types;
};

} // namespace vw
