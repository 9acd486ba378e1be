#pragma once

// What exported and imported buffers and images share (ExternalMemory.cpp for buffers,
// Image/ExternalImages.cpp for images): the private VMA pool each one lives in, the registry
// that counts them per allocator and finds their owner, the checks of a descriptor to import,
// and the import itself.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/ExternalMemory.h"

namespace vw::detail {

enum class ExternalOrigin : std::uint8_t { Exported, ImportedFd, ImportedHost };

// The private pool of one exported or imported resource. The resource shares this object's
// ownership (its allocator pointer is an alias of it), so the pool goes right after the
// resource, and the allocator after the pool.
struct ExternalOwner {
    ExternalOwner(std::shared_ptr<const Allocator> owner, ExternalOrigin kind, ExternalMemoryHandle type);
    ExternalOwner(const ExternalOwner &) = delete;
    ExternalOwner &operator=(const ExternalOwner &) = delete;
    ~ExternalOwner();

    // Registers `made` (of `bytes`, set before) under this owner and counts it.
    void count(VmaAllocation made);
    // The pool, in `memory_type`, chaining `next` to every vkAllocateMemory; named `name`.
    void create_pool(std::uint32_t memory_type, void *next, const std::string &name);
    // The allocator pointer a resource made here holds: shares this owner.
    static std::shared_ptr<const Allocator> holder(std::shared_ptr<ExternalOwner> owner);

    std::shared_ptr<const Allocator> allocator;
    ExternalOrigin origin;
    ExternalMemoryHandle handle;
    vk::DeviceSize bytes = 0;          // of the memory
    vk::DeviceSize resource_bytes = 0; // of the buffer (its size) or image (its memory requirements)
    bool counted = false;
    VmaAllocation allocation = nullptr;
    VmaPool pool = nullptr;
    // What the pool chains to vkAllocateMemory: VMA wants it alive and unchanged while the pool
    // lives.
    VkExportMemoryAllocateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO, nullptr, 0};
    VkImportMemoryFdInfoKHR import_fd{VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR, nullptr, {}, -1};
    VkImportMemoryHostPointerInfoEXT import_host{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
                                                 nullptr, {}, nullptr};
};

struct ExternalOwnerFacts {
    ExternalOrigin origin;
    ExternalMemoryHandle handle;
    vk::DeviceSize bytes;
    vk::DeviceSize resource_bytes;
};

// The owner of an exported or imported allocation; nullopt for any other.
[[nodiscard]] std::optional<ExternalOwnerFacts> external_owner_of(VmaAllocation allocation) noexcept;

// The extension a handle kind needs, and its name in messages ("opaque fd", "dma-buf").
[[nodiscard]] const char *external_extension(ExternalMemoryHandle handle) noexcept;
[[nodiscard]] const char *external_label(ExternalMemoryHandle handle) noexcept;

// An OutOfMemoryError for out-of-memory results, DeviceLostError or VulkanException otherwise.
[[noreturn]] void throw_external_allocation_failure(const Allocator &allocator, VkResult result, const char *operation,
                                                    vk::DeviceSize bytes, std::uint32_t memory_type);

// The checks of `memory` that need no resource yet: the descriptor is set and open, the memory
// type exists (and is host-visible when `host_visible`), the size is not zero and the offset
// inside it, a measurable descriptor is not smaller than claimed, a dma-buf can be imported as
// that type. LogicError naming `operation`, the descriptor untouched.
void check_import_descriptor(const Device &device, const ExportedMemory &memory, bool host_visible,
                             const char *operation);

// The checks against the resource's memory requirements: the type fits, the offset is aligned,
// the resource fits past the offset, dedicated memory is exactly its size at offset 0.
void check_import_requirements(const ExportedMemory &memory, const VkMemoryRequirements &requirements,
                               const char *operation);

// Imports `memory` into `owner`'s new pool (dedicated to `buffer` or `image` when the memory is
// dedicated), with `allocation_info`'s flags (the pool and dedication are set here), and
// returns the allocation, bound to nothing yet. The caller's descriptor is left
// open: a duplicate is imported, so that a failure later (binding) frees only the duplicate.
// `memory.fd` is for the caller to reset once everything has succeeded.
[[nodiscard]] VmaAllocation import_descriptor(Allocator &allocator, ExternalOwner &owner, const ExportedMemory &memory,
                                              const VkMemoryRequirements &requirements,
                                              VmaAllocationCreateInfo allocation_info, VkBuffer buffer, VkImage image,
                                              VmaAllocationInfo &info);

// A new descriptor for `allocation` of an exported resource, with what an importer needs.
// LogicError when it was not allocated exportable.
[[nodiscard]] ExportedMemory export_allocation(const Allocator &allocator, VmaAllocation allocation);

// The exported and imported resources of `allocator` alive now.
[[nodiscard]] ExternalMemoryStatistics external_statistics(const Allocator &allocator);

} // namespace vw::detail
