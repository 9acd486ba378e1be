#include "VulkanWrapper/Memory/ScopedMapping.h"

#include <mutex>

#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

ScopedMapping::ScopedMapping(const Allocator &allocator, VmaAllocation allocation)
    : m_allocator(allocator)
    , m_allocation(allocation) {
    void *data = nullptr;
    {
        const std::lock_guard lock(AllocatorInternals::mapping_mutex(allocator));
        check(vmaMapMemory(allocator.handle(), allocation, &data), "vmaMapMemory");
    }
    m_data = static_cast<std::byte *>(data);
}

ScopedMapping::~ScopedMapping() {
    const std::lock_guard lock(AllocatorInternals::mapping_mutex(m_allocator));
    vmaUnmapMemory(m_allocator.handle(), m_allocation);
}

} // namespace vw::detail
