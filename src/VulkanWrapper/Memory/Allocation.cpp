#include "VulkanWrapper/Memory/Allocation.h"

#include <utility>

#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/DefragmentationGate.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

Allocation &Allocation::operator=(Allocation &&other) noexcept {
    if (this != &other) {
        release();
        m_allocator = std::move(other.m_allocator);
        m_allocation = std::exchange(other.m_allocation, nullptr);
        m_type = other.m_type;
        m_object = std::exchange(other.m_object, 0);
        m_pins.store(other.m_pins.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
        if (m_allocation != nullptr) attach();
    }
    return *this;
}

void Allocation::attach() noexcept {
    vmaSetAllocationUserData(m_allocator->handle(), m_allocation, this);
}

void Allocation::unpin() {
    std::uint32_t pins = m_pins.load(std::memory_order_relaxed);
    do {
        if (pins == 0) throw LogicError(qualified("unpin") + ": the " + kind() + " is not pinned");
    } while (!m_pins.compare_exchange_weak(pins, pins - 1, std::memory_order_relaxed));
}

void Allocation::release() noexcept {
    if (m_allocation != nullptr) {
        // Scoped: the gate lives in the allocator, which m_allocator.reset() may destroy.
        const detail::GateEntry entry(AllocatorInternals::defragmentation_gate(*m_allocator));
        if (m_type == vk::ObjectType::eImage) {
            vmaDestroyImage(m_allocator->handle(), reinterpret_cast<VkImage>(m_object), m_allocation);
        } else {
            vmaDestroyBuffer(m_allocator->handle(), reinterpret_cast<VkBuffer>(m_object), m_allocation);
        }
    }
    m_allocation = nullptr;
    m_object = 0;
    m_allocator.reset();
}

void Allocation::require_object(const char *operation) const {
    if (empty()) throw LogicError(qualified(operation) + ": the " + kind() + " is empty");
}

const char *Allocation::kind() const noexcept {
    return m_type == vk::ObjectType::eImage ? "image" : "buffer";
}

std::string Allocation::qualified(const char *operation) const {
    return std::string(m_type == vk::ObjectType::eImage ? "Image::" : "BufferBase::") + operation;
}

std::uint32_t Allocation::memory_type_index() const {
    require_object("memory_type_index");
    VmaAllocationInfo info{};
    vmaGetAllocationInfo(m_allocator->handle(), m_allocation, &info);
    return info.memoryType;
}

vk::MemoryPropertyFlags Allocation::memory_properties() const {
    require_object("memory_properties");
    VkMemoryPropertyFlags flags = 0;
    vmaGetAllocationMemoryProperties(m_allocator->handle(), m_allocation, &flags);
    return vk::MemoryPropertyFlags(flags);
}

bool Allocation::is_dedicated() const {
    require_object("is_dedicated");
    VmaAllocationInfo2 info{};
    vmaGetAllocationInfo2(m_allocator->handle(), m_allocation, &info);
    return info.dedicatedMemory == VK_TRUE;
}

void Allocation::set_name(std::string_view name) {
    require_object("set_name");
    AllocatorInternals::set_allocation_name(*m_allocator, m_allocation, name, m_type, m_object);
}

std::string Allocation::name() const {
    return empty() ? std::string() : AllocatorInternals::allocation_name(*m_allocator, m_allocation);
}

} // namespace vw
