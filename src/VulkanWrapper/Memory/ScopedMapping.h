#pragma once
// A temporary mapping of an allocation that is not persistently mapped. Internal: not installed.

#include <cstddef>

#include <vk_mem_alloc.h>

namespace vw {
class Allocator;
}

namespace vw::detail {

/// Maps `allocation` of `allocator` for its lifetime. VMA counts the mappings of one allocation
/// but does not synchronise them: mapping and unmapping go under the allocator's mapping lock,
/// so that several threads (several Transfers) may each hold one of the same allocation. The
/// allocation must allow host access. VulkanException when vmaMapMemory fails.
class ScopedMapping {
public:
    ScopedMapping(const Allocator &allocator, VmaAllocation allocation);
    ~ScopedMapping();
    ScopedMapping(const ScopedMapping &) = delete;
    ScopedMapping &operator=(const ScopedMapping &) = delete;

    /// The allocation's first byte.
    [[nodiscard]] std::byte *data() const noexcept { return m_data; }

private:
    const Allocator &m_allocator;
    VmaAllocation m_allocation;
    std::byte *m_data = nullptr;
};

} // namespace vw::detail
