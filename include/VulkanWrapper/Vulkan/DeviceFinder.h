#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {

class Instance;

/// One physical device as DeviceFinder judged it.
struct DeviceCandidate {
    PhysicalDevice device;
    /// Why it cannot be used; empty when it fits every requirement.
    std::vector<std::string> rejections;
};

/// Chooses a physical device and builds a Device on it. Obtained from Instance::findGpu().
/// Requirements accumulate; find() picks the best fitting device (discrete > integrated >
/// virtual > CPU, then most device-local memory; preferDeviceType() puts one type first).
/// The environment variable VW_DEVICE (an index, or a case-insensitive part of the name)
/// overrides the choice. Not thread-safe; use one finder per thread.
///
/// By default the device gets one queue per family it uses (graphics/compute, asynchronous
/// compute, transfer-only where present), timeline semaphores and synchronization2 (required),
/// buffer device address where supported, and the extensions VK_EXT_memory_budget and
/// VK_EXT_external_memory_host where present.
class DeviceFinder {
public:
    /// Usually obtained through Instance::findGpu().
    explicit DeviceFinder(std::shared_ptr<Instance> instance);

    /// Requires a queue family with graphics.
    DeviceFinder &requireGraphicsQueue();
    /// Requires a queue family with compute.
    DeviceFinder &requireComputeQueue();
    /// Requires a transfer-capable queue; Device::transfer_queue() uses a transfer-only family
    /// when the device has one.
    DeviceFinder &requireTransferQueue();
    /// Requires a device extension; devices without it are rejected.
    DeviceFinder &requireExtension(std::string name);
    /// Enables a device extension when the device has it.
    DeviceFinder &requestExtension(std::string name);
    /// Requires (and enables) a core feature, given as a member pointer such as
    /// `&vk::PhysicalDeviceFeatures::samplerAnisotropy` or
    /// `&vk::PhysicalDeviceVulkan12Features::bufferDeviceAddress`.
    DeviceFinder &requireFeature(vk::Bool32 vk::PhysicalDeviceFeatures::*feature);
    DeviceFinder &requireFeature(vk::Bool32 vk::PhysicalDeviceVulkan11Features::*feature);
    DeviceFinder &requireFeature(vk::Bool32 vk::PhysicalDeviceVulkan12Features::*feature);
    DeviceFinder &requireFeature(vk::Bool32 vk::PhysicalDeviceVulkan13Features::*feature);
    /// Ranks devices of this type first.
    DeviceFinder &preferDeviceType(vk::PhysicalDeviceType type);

    /// Every physical device with the reasons it was rejected, in enumeration order.
    /// Throws VulkanException if enumeration fails.
    [[nodiscard]] std::vector<DeviceCandidate> candidates() const;

    /// Chooses the device. Throws vw::Exception listing every device and why it was rejected
    /// when none fits (or when VW_DEVICE names no device or an unfit one).
    DeviceFinder &find();
    /// The chosen device; find() is called first if it has not been.
    [[nodiscard]] const PhysicalDevice &chosen();

    /// Creates the logical device on the chosen device (calling find() if needed). Throws
    /// vw::Exception from find() or VulkanException from vkCreateDevice.
    [[nodiscard]] std::shared_ptr<Device> build();

    /// One required core feature: its structure (10, 11, 12, 13), offset and name.
    struct Feature {
        int version;
        std::size_t offset;
        std::string name;
    };

private:
    std::vector<std::string> rejections(const PhysicalDevice &device) const;

    std::shared_ptr<Instance> m_instance;
    bool m_graphics = false;
    bool m_compute = false;
    bool m_transfer = false;
    std::vector<std::string> m_required_extensions;
    std::vector<std::string> m_requested_extensions;
    std::vector<Feature> m_features;
    std::optional<vk::PhysicalDeviceType> m_preferred_type;
    std::optional<PhysicalDevice> m_chosen;
};

} // namespace vw
