#include "VulkanWrapper/Synchronization/Fence.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw {

namespace {

std::uint64_t to_timeout(std::chrono::nanoseconds timeout) {
    return timeout.count() < 0 ? 0 : static_cast<std::uint64_t>(timeout.count());
}

} // namespace

Fence::Fence(std::shared_ptr<Device> device, bool signaled) {
    if (!device) throw LogicError("Fence: device is null");
    detail::throw_if_lost(*device, "vkCreateFence");
    const vk::FenceCreateInfo info(signaled ? vk::FenceCreateFlagBits::eSignaled
                                            : vk::FenceCreateFlags{});
    vk::Fence fence;
    check(device->handle().createFence(&info, nullptr, &fence), "vkCreateFence");
    vk::UniqueFence owned(
        fence, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(device->handle(), nullptr));
    m_fence = OwnedHandle<vk::UniqueFence, Device>(std::move(owned), std::move(device));
}

Fence::~Fence() = default;

const Device &Fence::device_or_throw(const char *operation) const {
    const auto &device = m_fence.owner<0>();
    if (!device) throw LogicError(std::string(operation) + ": the fence is empty (moved from)");
    return *device;
}

bool Fence::is_signaled() const {
    const Device &device = device_or_throw("Fence::is_signaled");
    detail::throw_if_lost(device, "vkGetFenceStatus");
    const VkResult result = vkGetFenceStatus(device.handle(), *m_fence.get());
    detail::check_wait(device, static_cast<vk::Result>(result), "vkGetFenceStatus");
    return result == VK_SUCCESS;
}

bool Fence::wait(std::chrono::nanoseconds timeout) const {
    const Device &device = device_or_throw("Fence::wait");
    const vk::Fence fence = *m_fence.get();
    detail::throw_if_lost(device, "vkWaitForFences");
    const vk::Result result = device.handle().waitForFences(1, &fence, VK_TRUE, to_timeout(timeout));
    detail::check_wait(device, result, "vkWaitForFences");
    return result == vk::Result::eSuccess;
}

void Fence::reset() {
    const Device &device = device_or_throw("Fence::reset");
    const vk::Fence fence = *m_fence.get();
    detail::throw_if_lost(device, "vkResetFences");
    detail::check_on(device, device.handle().resetFences(1, &fence), "vkResetFences");
}

} // namespace vw
