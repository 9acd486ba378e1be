#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/DefragmentationGate.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

/// What other library classes (Allocation, ImageBuilder, Report) and tests need of an Allocator
/// that is no part of its public API. Internal: not installed.
class AllocatorInternals {
public:
    /// Names `allocation` for VMA's JSON and the Vulkan object `object` of `type` for debug
    /// utils (eUnknown: the allocation only). LogicError for an invalid name, nothing changed.
    static void set_allocation_name(const Allocator &allocator, VmaAllocation allocation,
                                    std::string_view name, vk::ObjectType type,
                                    std::uint64_t object) {
        allocator.set_allocation_name(allocation, name, type, object);
    }
    /// The name of `allocation` ("" when unnamed).
    [[nodiscard]] static std::string allocation_name(const Allocator &allocator,
                                                     VmaAllocation allocation) {
        return allocator.allocation_name(allocation);
    }
    /// LogicError when `name` has control characters or is not UTF-8.
    static void validate_name(std::string_view name, std::string_view operation) {
        Allocator::validate_name(name, operation);
    }
    /// The OutOfMemoryError for a failed request, with the heap and its budget.
    [[nodiscard]] static OutOfMemoryError out_of_memory(const Allocator &allocator, vk::Result result,
                                                        std::string_view operation,
                                                        std::optional<vk::DeviceSize> size_bytes,
                                                        std::uint32_t memory_type,
                                                        std::source_location location) {
        return allocator.out_of_memory(result, operation, size_bytes, memory_type, location);
    }
    /// The OutOfMemoryError to throw after freeing a dedicated allocation past the budget.
    [[nodiscard]] static std::optional<OutOfMemoryError> over_budget(
        const Allocator &allocator, VmaAllocation allocation, const VmaAllocationInfo &info,
        std::string_view operation, std::source_location location) {
        return allocator.over_budget(allocation, info, operation, location);
    }
    /// InvariantError when a VMA assertion failed since the last report (see
    /// Allocator::check_invariants); reports each failure once.
    static void check_invariants(std::string_view operation) { Allocator::check_invariants(operation); }
    /// What keeps allocations and frees apart from defragmentation passes.
    [[nodiscard]] static detail::DefragmentationGate &defragmentation_gate(const Allocator &allocator) {
        return *allocator.m_defragmentation_gate;
    }
    /// The create info of every buffer the allocator makes: `size` bytes of `usage`, shared
    /// between the allocator's queue families when there are several (the info points at the
    /// allocator's list of them).
    [[nodiscard]] static VkBufferCreateInfo buffer_create_info(const Allocator &allocator, vk::DeviceSize size,
                                                               vk::BufferUsageFlags usage) noexcept {
        VkBufferCreateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
        info.size = size;
        info.usage = static_cast<VkBufferUsageFlags>(usage);
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
        const auto &families = allocator.buffer_queue_families();
        if (families.size() > 1) {
            info.sharingMode = VK_SHARING_MODE_CONCURRENT;
            info.queueFamilyIndexCount = static_cast<std::uint32_t>(families.size());
            info.pQueueFamilyIndices = families.data();
        }
        return info;
    }
    /// The lock around mapping and unmapping allocations that are not persistently mapped.
    [[nodiscard]] static std::mutex &mapping_mutex(const Allocator &allocator) noexcept {
        return allocator.m_mapping_mutex;
    }
    /// The library's GPU work on the allocator's allocations, which defragmentation waits out.
    [[nodiscard]] static detail::PendingWork &pending_work(const Allocator &allocator) {
        return *allocator.m_pending_work;
    }
};

} // namespace vw
