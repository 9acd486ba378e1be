#pragma once

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

namespace vw::detail {

/// Whether the host may map an allocation created with `flags` that landed in memory with
/// `properties`. VMA documents mapping as incorrect unless a HOST_ACCESS flag was given, even
/// when the memory type happens to be host-visible (device-local VRAM behind a resizable BAR).
[[nodiscard]] constexpr bool may_map(VmaAllocationCreateFlags flags,
                                     vk::MemoryPropertyFlags properties) noexcept {
    constexpr VmaAllocationCreateFlags host_access =
        VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT |
        VMA_ALLOCATION_CREATE_HOST_ACCESS_RANDOM_BIT;
    return (flags & host_access) != 0 &&
           static_cast<bool>(properties & vk::MemoryPropertyFlagBits::eHostVisible);
}

} // namespace vw::detail
