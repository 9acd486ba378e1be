#include "VulkanWrapper/Command/CommandPool.h"

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

CommandPool::CommandPool(std::shared_ptr<Device> device, std::uint32_t queue_family_index,
                         vk::CommandPoolCreateFlags flags)
    : m_device(std::move(device))
    , m_family_index(queue_family_index) {
    if (!m_device) throw LogicError("CommandPool: device is null");
    if (queue_family_index >= m_device->physical_device().queue_families().size()) {
        throw LogicError("CommandPool: queue family " + std::to_string(queue_family_index) +
                         " does not exist on " + std::string(m_device->physical_device().name()));
    }
    const vk::CommandPoolCreateInfo info(flags, queue_family_index);
    vk::CommandPool pool;
    check(m_device->handle().createCommandPool(&info, nullptr, &pool), "vkCreateCommandPool");
    m_pool = std::make_shared<vk::UniqueCommandPool>(
        pool, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(m_device->handle(), nullptr));
}

CommandPool::~CommandPool() = default;

CommandPool &CommandPool::operator=(CommandPool &&other) noexcept {
    if (this != &other) {
        m_pool.reset(); // before the device it belongs to can go
        m_device = std::move(other.m_device);
        m_family_index = other.m_family_index;
        m_pool = std::move(other.m_pool);
    }
    return *this;
}

CommandBuffer CommandPool::allocate() {
    if (!m_pool) throw LogicError("CommandPool::allocate: the pool is empty (moved from)");
    const vk::CommandBufferAllocateInfo info(handle(), vk::CommandBufferLevel::ePrimary, 1);
    vk::CommandBuffer buffer;
    check(m_device->handle().allocateCommandBuffers(&info, &buffer), "vkAllocateCommandBuffers");
    return CommandBuffer(m_device, m_pool, m_family_index, buffer);
}

void CommandPool::reset() {
    if (!m_pool) throw LogicError("CommandPool::reset: the pool is empty (moved from)");
    check(vkResetCommandPool(m_device->handle(), handle(), 0), "vkResetCommandPool");
}

} // namespace vw
