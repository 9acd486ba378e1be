#pragma once

#include <algorithm>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"

namespace vw::detail {

inline bool is_power_of_two(vk::DeviceSize value) { return value != 0 && (value & (value - 1)) == 0; }

inline vk::DeviceSize usage_alignment(const vk::PhysicalDeviceLimits &limits, vk::BufferUsageFlags usage,
                               HostAccess access) {
    using Bit = vk::BufferUsageFlagBits;
    vk::DeviceSize alignment = 1;
    if (usage & Bit::eUniformBuffer) alignment = std::max(alignment, limits.minUniformBufferOffsetAlignment);
    if (usage & Bit::eStorageBuffer) alignment = std::max(alignment, limits.minStorageBufferOffsetAlignment);
    if (usage & (Bit::eUniformTexelBuffer | Bit::eStorageTexelBuffer)) {
        alignment = std::max(alignment, limits.minTexelBufferOffsetAlignment);
    }
    // Index offsets must be multiples of the index size, indirect ones of 4; vertex data is
    // kept 4-aligned for its attributes.
    if (usage & (Bit::eIndexBuffer | Bit::eIndirectBuffer | Bit::eVertexBuffer)) {
        alignment = std::max<vk::DeviceSize>(alignment, 4);
    }
    if (access != HostAccess::None) alignment = std::max(alignment, limits.nonCoherentAtomSize);
    // The limits are powers of two by the specification; a driver that breaks this still gets
    // a power of two at least as large.
    while (!is_power_of_two(alignment)) alignment += alignment & (~alignment + 1);
    return alignment;
}

} // namespace vw::detail
