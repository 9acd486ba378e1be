#include "VulkanWrapper/Command/CommandBuffer.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw {

namespace {

const Device &device_or_throw(const std::shared_ptr<Device> &device, const char *operation) {
    if (!device) {
        throw LogicError(std::string(operation) + ": the command buffer is empty (moved from)");
    }
    return *device;
}

void check_family(std::uint32_t family_index, const Queue &queue, const char *operation) {
    if (queue.family_index() != family_index) {
        throw LogicError(std::string(operation) + ": the buffer belongs to queue family " +
                         std::to_string(family_index) + ", the queue to family " +
                         std::to_string(queue.family_index()));
    }
}

} // namespace

CommandBuffer::CommandBuffer(std::shared_ptr<Device> device,
                             std::shared_ptr<vk::UniqueCommandPool> pool, std::uint32_t family_index,
                             vk::CommandBuffer buffer) noexcept
    : m_buffer(vk::UniqueCommandBuffer(
                   buffer, vk::PoolFree<vk::Device, vk::CommandPool, vk::DispatchLoaderStatic>(
                               device->handle(), pool->get())),
               device, pool)
    , m_family_index(family_index) {}

CommandBuffer::~CommandBuffer() = default;

void CommandBuffer::begin(vk::CommandBufferUsageFlags usage) {
    detail::throw_if_lost(device_or_throw(m_buffer.owner<0>(), "CommandBuffer::begin"), "vkBeginCommandBuffer");
    const vk::CommandBufferBeginInfo info(usage);
    check(handle().begin(&info), "vkBeginCommandBuffer");
    m_recording = true;
}

void CommandBuffer::end() {
    device_or_throw(m_buffer.owner<0>(), "CommandBuffer::end");
    m_recording = false;
    check(vkEndCommandBuffer(handle()), "vkEndCommandBuffer");
}

void CommandBuffer::reset() {
    device_or_throw(m_buffer.owner<0>(), "CommandBuffer::reset");
    m_recording = false;
    check(vkResetCommandBuffer(handle(), 0), "vkResetCommandBuffer");
}

void CommandBuffer::submit(Queue &queue, std::span<const vk::SemaphoreSubmitInfo> waits,
                           std::span<const vk::SemaphoreSubmitInfo> signals) const {
    device_or_throw(m_buffer.owner<0>(), "CommandBuffer::submit");
    check_family(m_family_index, queue, "CommandBuffer::submit");
    const vk::CommandBufferSubmitInfo buffer_info(handle());
    const vk::SubmitInfo2 submit({}, waits, buffer_info, signals);
    queue.submit(std::span(&submit, 1));
}

void CommandBuffer::submit_and_wait(Queue &queue) const {
    const Device &device = device_or_throw(m_buffer.owner<0>(), "CommandBuffer::submit_and_wait");
    check_family(m_family_index, queue, "CommandBuffer::submit_and_wait");
    // A plain fence rather than vw::Fence: Synchronization comes after Command in the layering.
    const vk::FenceCreateInfo info;
    vk::Fence fence;
    detail::throw_if_lost(device, "CommandBuffer::submit_and_wait");
    check(device.handle().createFence(&info, nullptr, &fence), "vkCreateFence");
    const vk::UniqueFence owned(
        fence, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(device.handle(), nullptr));
    const vk::CommandBufferSubmitInfo buffer_info(handle());
    const vk::SubmitInfo2 submit({}, {}, buffer_info, {});
    queue.submit(std::span(&submit, 1), fence);
    detail::check_wait(device, device.handle().waitForFences(1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

} // namespace vw
