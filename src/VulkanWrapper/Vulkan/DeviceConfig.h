#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw::detail {

// The feature structures valid for one device at one API version, linked into a pNext chain.
// Below Vulkan 1.3 (1.2) the library's own needs come from the promoted extensions' structures.
class FeatureChain {
public:
    FeatureChain(std::uint32_t api_version, const std::vector<std::string> &extensions);
    FeatureChain(const FeatureChain &) = delete;
    FeatureChain &operator=(const FeatureChain &) = delete;

    vk::PhysicalDeviceFeatures2 &head() noexcept { return m_core; }
    // nullptr when that structure is not part of the chain.
    vk::Bool32 *field(const DeviceFinder::Feature &feature) noexcept;
    vk::Bool32 *timeline_semaphore() noexcept;
    vk::Bool32 *synchronization2() noexcept;
    vk::Bool32 *buffer_device_address() noexcept;

private:
    std::uint32_t m_api;
    bool m_timeline_ext;
    bool m_sync2_ext;
    bool m_bda_ext;
    vk::PhysicalDeviceFeatures2 m_core;
    vk::PhysicalDeviceVulkan11Features m_v11;
    vk::PhysicalDeviceVulkan12Features m_v12;
    vk::PhysicalDeviceVulkan13Features m_v13;
    vk::PhysicalDeviceTimelineSemaphoreFeatures m_timeline;
    vk::PhysicalDeviceSynchronization2Features m_sync2;
    vk::PhysicalDeviceBufferDeviceAddressFeatures m_bda;
};

struct QueueFamilies {
    std::uint32_t main;
    std::uint32_t compute;
    std::uint32_t transfer;
    std::optional<std::uint32_t> graphics;
};

// Picks the families Device uses; nullopt when the device has no compute- or graphics-capable
// family at all.
std::optional<QueueFamilies> choose_queue_families(
    const std::vector<vk::QueueFamilyProperties> &families);

// The extensions the library enables on a device besides what the user asked for: required
// ones for features promoted after the device's API version, requested ones where present.
std::vector<std::string> library_required_extensions(std::uint32_t api_version);
std::vector<std::string> library_requested_extensions(std::uint32_t api_version);

std::uint32_t effective_api_version(std::uint32_t instance_version, std::uint32_t device_version);

// What device selection looks at, so that it can be tested with any list of devices.
struct DeviceSummary {
    std::uint32_t index;
    std::string name;
    vk::PhysicalDeviceType type;
    vk::DeviceSize device_local_bytes;
    bool fits;
};

// Positions in `devices` that VW_DEVICE=`selector` names (an index, or a case-insensitive part
// of the name); every position when `selector` is empty.
std::vector<std::size_t> devices_matching(const std::vector<DeviceSummary> &devices,
                                          std::string_view selector);

// The best fitting device among `positions`: the preferred type first, then discrete >
// integrated > virtual > CPU > other, then the most device-local memory; nullopt when none fits.
std::optional<std::size_t> best_device(const std::vector<DeviceSummary> &devices,
                                       const std::vector<std::size_t> &positions,
                                       std::optional<vk::PhysicalDeviceType> preferred);

} // namespace vw::detail

namespace vw {

struct Device::Config {
    std::shared_ptr<Instance> instance;
    PhysicalDevice physical_device;
    std::uint32_t api_version;
    std::vector<std::string> extensions;
    std::vector<DeviceFinder::Feature> features;
    detail::QueueFamilies families;
};

} // namespace vw
