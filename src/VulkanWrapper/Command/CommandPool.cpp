#include "VulkanWrapper/Command/CommandPool.h"

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw {

CommandPool::CommandPool(std::shared_ptr<Device> device, std::uint32_t queue_family_index,
                         vk::CommandPoolCreateFlags flags)
    : m_family_index(queue_family_index) {
    if (!device) throw LogicError("CommandPool: device is null");
    if (queue_family_index >= device->physical_device().queue_families().size()) {
        throw LogicError("CommandPool: queue family " + std::to_string(queue_family_index) +
                         " does not exist on " + std::string(device->physical_device().name()));
    }
    detail::throw_if_lost(*device, "vkCreateCommandPool");
    const vk::CommandPoolCreateInfo info(flags, queue_family_index);
    vk::CommandPool pool;
    check(device->handle().createCommandPool(&info, nullptr, &pool), "vkCreateCommandPool");
    auto owned = std::make_shared<vk::UniqueCommandPool>(
        pool, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(device->handle(), nullptr));
    m_pool = decltype(m_pool)(std::move(owned), std::move(device));
}

CommandPool::~CommandPool() = default;

vk::CommandPool CommandPool::handle() const noexcept {
    return m_pool.get() ? m_pool.get()->get() : vk::CommandPool{};
}

CommandBuffer CommandPool::allocate() {
    auto buffers = allocate(1);
    return std::move(buffers.front());
}

std::vector<CommandBuffer> CommandPool::allocate(std::uint32_t count) {
    if (!m_pool.get()) throw LogicError("CommandPool::allocate: the pool is empty (moved from)");
    if (count == 0) throw LogicError("CommandPool::allocate: the count is zero");
    const Device &device = *m_pool.owner<0>();
    const vk::CommandBufferAllocateInfo info(handle(), vk::CommandBufferLevel::ePrimary, count);
    std::vector<vk::CommandBuffer> handles(count);
    std::vector<CommandBuffer> result;
    result.reserve(count); // before the allocation: nothing below can throw and leak handles
    check(device.handle().allocateCommandBuffers(&info, handles.data()), "vkAllocateCommandBuffers");
    for (const vk::CommandBuffer buffer : handles) {
        result.push_back(CommandBuffer(m_pool.owner<0>(), m_pool.get(), m_family_index, buffer));
    }
    return result;
}

void CommandPool::reset() {
    if (!m_pool.get()) throw LogicError("CommandPool::reset: the pool is empty (moved from)");
    check(vkResetCommandPool(m_pool.owner<0>()->handle(), handle(), 0), "vkResetCommandPool");
}

} // namespace vw
