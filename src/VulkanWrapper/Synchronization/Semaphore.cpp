#include "VulkanWrapper/Synchronization/Semaphore.h"

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Utils/SpinPause.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

#include <algorithm>
#include <chrono>

#include <fcntl.h>

namespace vw {

Semaphore::Semaphore(std::shared_ptr<Device> device, std::uint64_t initial_value)
    : Semaphore(std::move(device), initial_value, false) {}

Semaphore::Semaphore(std::shared_ptr<Device> device, std::uint64_t initial_value, bool export_fd)
    : m_exportable(export_fd) {
    if (!device) throw LogicError("Semaphore: device is null");
    detail::throw_if_lost(*device, "vkCreateSemaphore");
    vk::SemaphoreTypeCreateInfo type_info(vk::SemaphoreType::eTimeline, initial_value);
    const vk::ExportSemaphoreCreateInfo export_info(vk::ExternalSemaphoreHandleTypeFlagBits::eOpaqueFd);
    if (export_fd) type_info.pNext = &export_info;
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
    if (timeout.count() < 0) timeout = std::chrono::nanoseconds{0};
    if (m_spin.count() > 0 && timeout.count() > 0) {
        // Polling sees a copy that ends within the spin without the driver's sleep and wake-up
        // (tens of microseconds on a discrete GPU), which is most of a small transfer's latency.
        const auto start = std::chrono::steady_clock::now();
        const auto spin = std::min(m_spin, timeout);
        std::chrono::nanoseconds elapsed{0};
        do {
            if (value() >= target) return true;
            detail::spin_pause();
            elapsed = std::chrono::steady_clock::now() - start;
        } while (elapsed < spin);
        if (timeout != std::chrono::nanoseconds::max()) timeout = std::max(timeout - elapsed, std::chrono::nanoseconds{0});
    }
    const auto nanoseconds = static_cast<std::uint64_t>(timeout.count());
    detail::throw_if_lost(device, "vkWaitSemaphores");
    const vk::Result result =
        device.handle().waitSemaphores(&info, nanoseconds, device.dispatcher());
    detail::check_wait(device, result, "vkWaitSemaphores");
    return result == vk::Result::eSuccess;
}

void Semaphore::set_wait_spin(std::chrono::nanoseconds spin) noexcept {
    m_spin = std::max(spin, std::chrono::nanoseconds{0});
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

bool Semaphore::supports_fd(const Device &device) {
    if (!device.has_extension(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME)) return false;
    vk::SemaphoreTypeCreateInfo type_info(vk::SemaphoreType::eTimeline, 0);
    const vk::PhysicalDeviceExternalSemaphoreInfo info(vk::ExternalSemaphoreHandleTypeFlagBits::eOpaqueFd,
                                                       &type_info);
    vk::ExternalSemaphoreProperties properties;
    device.dispatcher().vkGetPhysicalDeviceExternalSemaphoreProperties(
        device.physical_device().handle(), reinterpret_cast<const VkPhysicalDeviceExternalSemaphoreInfo *>(&info),
        reinterpret_cast<VkExternalSemaphoreProperties *>(&properties));
    const auto both = vk::ExternalSemaphoreFeatureFlagBits::eExportable |
                      vk::ExternalSemaphoreFeatureFlagBits::eImportable;
    return (properties.externalSemaphoreFeatures & both) == both;
}

namespace {

[[noreturn]] void throw_no_semaphore_fd(const Device &device, const char *operation) {
    throw NotSupportedError(std::string(operation) + ": " + std::string(device.physical_device().name()) +
                            (device.has_extension(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME)
                                 ? "'s driver cannot export and import timeline semaphores as "
                                   "opaque file descriptors"
                                 : " lacks VK_KHR_external_semaphore_fd"));
}

} // namespace

Semaphore Semaphore::exportable(std::shared_ptr<Device> device, std::uint64_t initial_value) {
    if (!device) throw LogicError("Semaphore::exportable: device is null");
    if (!supports_fd(*device)) throw_no_semaphore_fd(*device, "Semaphore::exportable");
    return Semaphore(std::move(device), initial_value, true);
}

UniqueFd Semaphore::export_fd() const {
    const Device &device = device_or_throw("Semaphore::export_fd");
    if (!m_exportable) {
        throw LogicError("Semaphore::export_fd: the semaphore was not created exportable "
                         "(Semaphore::exportable)");
    }
    detail::throw_if_lost(device, "vkGetSemaphoreFdKHR");
    VkSemaphoreGetFdInfoKHR info{};
    info.sType = VK_STRUCTURE_TYPE_SEMAPHORE_GET_FD_INFO_KHR;
    info.semaphore = *m_semaphore.get();
    info.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
    int fd = -1;
    detail::check_on(device,
                     static_cast<vk::Result>(device.dispatcher().vkGetSemaphoreFdKHR(device.handle(), &info, &fd)),
                     "vkGetSemaphoreFdKHR");
    return UniqueFd(fd);
}

Semaphore Semaphore::import_fd(std::shared_ptr<Device> device, UniqueFd &fd) {
    if (!device) throw LogicError("Semaphore::import_fd: device is null");
    if (!fd.valid()) throw LogicError("Semaphore::import_fd: the descriptor is empty");
    if (::fcntl(fd.get(), F_GETFD) == -1) {
        throw LogicError("Semaphore::import_fd: descriptor " + std::to_string(fd.get()) + " is not open");
    }
    if (!supports_fd(*device)) throw_no_semaphore_fd(*device, "Semaphore::import_fd");
    Semaphore semaphore(device, 0, false);
    VkImportSemaphoreFdInfoKHR info{};
    info.sType = VK_STRUCTURE_TYPE_IMPORT_SEMAPHORE_FD_INFO_KHR;
    info.semaphore = semaphore.handle();
    info.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
    info.fd = fd.get();
    // A failed import leaves the descriptor to the caller; the new semaphore is destroyed.
    detail::check_on(*device,
                     static_cast<vk::Result>(device->dispatcher().vkImportSemaphoreFdKHR(device->handle(), &info)),
                     "vkImportSemaphoreFdKHR");
    static_cast<void>(fd.release()); // Vulkan owns it now
    return semaphore;
}

} // namespace vw
