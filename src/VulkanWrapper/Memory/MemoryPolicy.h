#pragma once

#include <cstdint>

#include <vulkan/vulkan.hpp>

namespace vw::detail {

/// True when every device-local memory type is also host-visible (integrated GPUs, lavapipe), and
/// there is at least one.
[[nodiscard]] inline bool is_unified_memory(const vk::PhysicalDeviceMemoryProperties &memory) noexcept {
    bool any = false;
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        const auto flags = memory.memoryTypes[i].propertyFlags;
        if (!(flags & vk::MemoryPropertyFlagBits::eDeviceLocal)) continue;
        if (!(flags & vk::MemoryPropertyFlagBits::eHostVisible)) return false;
        any = true;
    }
    return any;
}

/// True when a device-local, host-visible memory type lives on the largest device-local heap:
/// resizable BAR exposes all of VRAM to the host. A 256 MiB BAR window is a heap of its own, so
/// it does not count: placing buffers there would compete for scarce memory.
[[nodiscard]] inline bool has_resizable_bar(const vk::PhysicalDeviceMemoryProperties &memory) noexcept {
    std::uint32_t largest = UINT32_MAX;
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        if (!(memory.memoryHeaps[i].flags & vk::MemoryHeapFlagBits::eDeviceLocal)) continue;
        if (largest == UINT32_MAX || memory.memoryHeaps[i].size > memory.memoryHeaps[largest].size) largest = i;
    }
    if (largest == UINT32_MAX) return false;
    constexpr auto wanted = vk::MemoryPropertyFlagBits::eDeviceLocal | vk::MemoryPropertyFlagBits::eHostVisible;
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        if (memory.memoryTypes[i].heapIndex == largest && (memory.memoryTypes[i].propertyFlags & wanted) == wanted) {
            return true;
        }
    }
    return false;
}

} // namespace vw::detail
