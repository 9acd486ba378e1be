#include "VulkanWrapper/Command/CommandBuffer.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

CommandBuffer::CommandBuffer(std::shared_ptr<Device> device,
                             std::shared_ptr<vk::UniqueCommandPool> pool, std::uint32_t family_index,
                             vk::CommandBuffer buffer)
    : m_device(std::move(device))
    , m_pool(std::move(pool))
    , m_family_index(family_index)
    , m_buffer(buffer, vk::PoolFree<vk::Device, vk::CommandPool, vk::DispatchLoaderStatic>(
                           m_device->handle(), m_pool->get())) {}

CommandBuffer::~CommandBuffer() = default;

CommandBuffer &CommandBuffer::operator=(CommandBuffer &&other) noexcept {
    if (this != &other) {
        m_buffer.reset(); // before the pool and device it belongs to can go
        m_device = std::move(other.m_device);
        m_pool = std::move(other.m_pool);
        m_family_index = other.m_family_index;
        m_buffer = std::move(other.m_buffer);
    }
    return *this;
}

const Device &CommandBuffer::device_or_throw(const char *operation) const {
    if (!m_device) {
        throw LogicError(std::string(operation) + ": the command buffer is empty (moved from)");
    }
    return *m_device;
}

void CommandBuffer::begin(vk::CommandBufferUsageFlags usage) {
    device_or_throw("CommandBuffer::begin");
    const vk::CommandBufferBeginInfo info(usage);
    check(m_buffer->begin(&info), "vkBeginCommandBuffer");
}

void CommandBuffer::end() {
    device_or_throw("CommandBuffer::end");
    check(vkEndCommandBuffer(*m_buffer), "vkEndCommandBuffer");
}

void CommandBuffer::reset() {
    device_or_throw("CommandBuffer::reset");
    check(vkResetCommandBuffer(*m_buffer, 0), "vkResetCommandBuffer");
}

void CommandBuffer::submit(Queue &queue, std::span<const vk::SemaphoreSubmitInfo> waits,
                           std::span<const vk::SemaphoreSubmitInfo> signals, vk::Fence fence) const {
    device_or_throw("CommandBuffer::submit");
    if (queue.family_index() != m_family_index) {
        throw LogicError("CommandBuffer::submit: the buffer belongs to queue family " +
                         std::to_string(m_family_index) + ", the queue to family " +
                         std::to_string(queue.family_index()));
    }
    const vk::CommandBufferSubmitInfo buffer_info(*m_buffer);
    const vk::SubmitInfo2 submit({}, waits, buffer_info, signals);
    queue.submit(std::span(&submit, 1), fence);
}

void CommandBuffer::submit_and_wait(Queue &queue) const {
    device_or_throw("CommandBuffer::submit_and_wait");
    // A plain fence rather than vw::Fence: Synchronization comes after Command in the layering.
    const vk::FenceCreateInfo info;
    vk::Fence fence;
    check(m_device->handle().createFence(&info, nullptr, &fence), "vkCreateFence");
    const vk::UniqueFence owned(
        fence, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(m_device->handle(), nullptr));
    submit(queue, {}, {}, fence);
    check(m_device->handle().waitForFences(1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

} // namespace vw
