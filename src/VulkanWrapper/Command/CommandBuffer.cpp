#include "VulkanWrapper/Command/CommandBuffer.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

CommandBuffer::CommandBuffer(std::shared_ptr<Device> device,
                             std::shared_ptr<vk::UniqueCommandPool> pool, vk::CommandBuffer buffer)
    : m_device(std::move(device))
    , m_pool(std::move(pool))
    , m_buffer(buffer, vk::PoolFree<vk::Device, vk::CommandPool, vk::DispatchLoaderStatic>(
                           m_device->handle(), m_pool->get())) {}

CommandBuffer::~CommandBuffer() = default;

void CommandBuffer::begin(vk::CommandBufferUsageFlags usage) {
    const vk::CommandBufferBeginInfo info(usage);
    check(m_buffer->begin(&info), "vkBeginCommandBuffer");
}

void CommandBuffer::end() { check(vkEndCommandBuffer(*m_buffer), "vkEndCommandBuffer"); }

void CommandBuffer::reset() {
    check(vkResetCommandBuffer(*m_buffer, 0), "vkResetCommandBuffer");
}

void CommandBuffer::submit(Queue &queue, std::span<const vk::SemaphoreSubmitInfo> waits,
                           std::span<const vk::SemaphoreSubmitInfo> signals, vk::Fence fence) const {
    const vk::CommandBufferSubmitInfo buffer_info(*m_buffer);
    const vk::SubmitInfo2 submit({}, waits, buffer_info, signals);
    queue.submit(std::span(&submit, 1), fence);
}

void CommandBuffer::submit_and_wait(Queue &queue) const {
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
