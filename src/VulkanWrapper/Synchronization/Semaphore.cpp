#include "VulkanWrapper/Synchronization/Semaphore.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

Semaphore::Semaphore(std::shared_ptr<Device> device, std::uint64_t initial_value)
    : m_device(std::move(device)) {
    if (!m_device) throw LogicError("Semaphore: device is null");
    vk::SemaphoreTypeCreateInfo type_info(vk::SemaphoreType::eTimeline, initial_value);
    const vk::SemaphoreCreateInfo info({}, &type_info);
    vk::Semaphore semaphore;
    check(m_device->handle().createSemaphore(&info, nullptr, &semaphore), "vkCreateSemaphore");
    m_semaphore = vk::UniqueSemaphore(
        semaphore,
        vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(m_device->handle(), nullptr));
}

Semaphore::~Semaphore() = default;

std::uint64_t Semaphore::value() const {
    std::uint64_t current = 0;
    check(m_device->handle().getSemaphoreCounterValue(*m_semaphore, &current,
                                                      m_device->dispatcher()),
          "vkGetSemaphoreCounterValue");
    return current;
}

bool Semaphore::wait(std::uint64_t target, std::chrono::nanoseconds timeout) const {
    const vk::Semaphore semaphore = *m_semaphore;
    const vk::SemaphoreWaitInfo info({}, semaphore, target);
    const auto nanoseconds =
        timeout.count() < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(timeout.count());
    const vk::Result result =
        m_device->handle().waitSemaphores(&info, nanoseconds, m_device->dispatcher());
    check(result, "vkWaitSemaphores");
    return result == vk::Result::eSuccess;
}

void Semaphore::signal(std::uint64_t target) {
    const std::uint64_t current = value();
    if (target <= current) {
        throw LogicError("Semaphore::signal: " + std::to_string(target) +
                         " is not above the current value " + std::to_string(current));
    }
    const vk::SemaphoreSignalInfo info(*m_semaphore, target);
    check(m_device->handle().signalSemaphore(&info, m_device->dispatcher()), "vkSignalSemaphore");
}

vk::SemaphoreSubmitInfo Semaphore::submit_info(std::uint64_t target,
                                               vk::PipelineStageFlags2 stages) const noexcept {
    return {*m_semaphore, target, stages};
}

} // namespace vw
