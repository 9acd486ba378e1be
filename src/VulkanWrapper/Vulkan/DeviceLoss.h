#pragma once
// Device loss and failed waits, for the library's own calls on a device. Not installed.

#include <source_location>
#include <string_view>

#include <vulkan/vulkan.hpp>

namespace vw {
class Device;
}

namespace vw::detail {

/// DeviceLostError when `device` has been lost: nothing more reaches the driver.
void throw_if_lost(const Device &device, std::string_view operation,
                   std::source_location location = std::source_location::current());

/// check() for a call on `device`; VK_ERROR_DEVICE_LOST marks the device lost first.
void check_on(const Device &device, vk::Result result, std::string_view operation,
              std::source_location location = std::source_location::current());

/// check_on() for a wait or a status query. Any other failure first waits for the device to go
/// idle (best effort), so that what the wait guarded may be destroyed once the error is thrown.
void check_wait(const Device &device, vk::Result result, std::string_view operation,
                std::source_location location = std::source_location::current());

} // namespace vw::detail
