#pragma once
// The library's way to create a Device (its constructor is private). Not installed: only
// library sources and the test support header (tests/Support/InternalAccess.h) include it.

#include <memory>

#include "DeviceConfig.h"

namespace vw::detail {

class DeviceAccess {
public:
    /// What a Device is created from (DeviceConfig.h defines it).
    using Config = Device::Config;

    /// Creates the device `config` describes, as DeviceFinder::build() does, with the same
    /// failures (NotSupportedError, VulkanException). Enables the library's own features too.
    static std::shared_ptr<Device> create(Device::Config config) {
        return std::shared_ptr<Device>(new Device(std::move(config)));
    }

    /// Records that `device` was lost (a call returned VK_ERROR_DEVICE_LOST).
    static void mark_lost(const Device &device) noexcept { device.m_lost.store(true, std::memory_order_release); }
};

} // namespace vw::detail
