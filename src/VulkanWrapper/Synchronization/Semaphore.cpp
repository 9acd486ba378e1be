#include "VulkanWrapper/Synchronization/Semaphore.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw {

Semaphore::Semaphore(std::shared_ptr<Device> device, std::uint64_t initial_value) {
    if (!device) throw LogicError("Semaphore: device is null");
    detail::throw_if_lost(*device, "vkCreateSemaphore");
    vk::SemaphoreTypeCreateInfo type_info(vk::SemaphoreType::eTimeline, initial_value);
    const vk::SemaphoreCreateInfo info({}, &type_info);
    vk::Semaphore semaphore;
    check(device->handle().createSemaphore(&info, nullptr, &semaphore), "vkCreateSemaphore");
    vk::UniqueSemaphore owned(
        semaphore, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(device->handle(), nullptr));
    m_semaphore = OwnedHandle<vk::UniqueSemaphore, Device>(std::move(owned), std::move(device));
}

Semaphore::~Semaphore() = default;

const Device &Semaphore::device_or_throw(const char *operation) const {
    const auto &device = m_semaphore.owner<0>();
    if (!device) throw LogicError(std::string(operation) + ": the semaphore is empty (moved from)");
    return *device;
}

std::uint64_t Semaphore::value() const {
    const Device &device = device_or_throw("Semaphore::value");
    detail::throw_if_lost(device, "vkGetSemaphoreCounterValue");
    std::uint64_t current = 0;
    detail::check_wait(device,
                       device.handle().getSemaphoreCounterValue(*m_semaphore.get(), &current, device.dispatcher()),
                       "vkGetSemaphoreCounterValue");
    return current;
}

bool Semaphore::wait(std::uint64_t target, std::chrono::nanoseconds timeout) const {
    const Device &device = device_or_throw("Semaphore::wait");
    const vk::Semaphore semaphore = *m_semaphore.get();
    const vk::SemaphoreWaitInfo info({}, semaphore, target);
    const auto nanoseconds =
        timeout.count() < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(timeout.count());
    detail::throw_if_lost(device, "vkWaitSemaphores");
    const vk::Result result =
        device.handle().waitSemaphores(&info, nanoseconds, device.dispatcher());
    detail::check_wait(device, result, "vkWaitSemaphores");
    return result == vk::Result::eSuccess;
}

void Semaphore::signal(std::uint64_t target) {
    const std::uint64_t current = value();
    if (target <= current) {
        throw LogicError("Semaphore::signal: " + std::to_string(target) +
                         " is not above the current value " + std::to_string(current));
    }
    const Device &device = device_or_throw("Semaphore::signal");
    const vk::SemaphoreSignalInfo info(*m_semaphore.get(), target);
    detail::check_on(device, device.handle().signalSemaphore(&info, device.dispatcher()), "vkSignalSemaphore");
}

vk::SemaphoreSubmitInfo Semaphore::submit_info(std::uint64_t target,
                                               vk::PipelineStageFlags2 stages) const noexcept {
    return {*m_semaphore.get(), target, stages};
}

} // namespace vw
