#include "DeviceLoss.h"

#include "DeviceAccess.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw::detail {

void throw_if_lost(const Device &device, std::string_view operation, std::source_location location) {
    if (device.is_lost()) [[unlikely]] {
        throw DeviceLostError(std::string(operation) + " (the device was lost earlier)", location);
    }
}

void check_on(const Device &device, vk::Result result, std::string_view operation, std::source_location location) {
    if (result == vk::Result::eErrorDeviceLost) DeviceAccess::mark_lost(device);
    check(result, operation, location);
}

void check_wait(const Device &device, vk::Result result, std::string_view operation, std::source_location location) {
    if (static_cast<int>(result) < 0 && result != vk::Result::eErrorDeviceLost) [[unlikely]] {
        try {
            device.wait_idle();
        } catch (const Exception &) {
            // The original failure is the one to report.
        }
    }
    check_on(device, result, operation, location);
}

} // namespace vw::detail
