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
    /// The physical device.
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
/// buffer device address where supported, and the extensions VK_EXT_memory_budget,
/// VK_EXT_external_memory_host, VK_KHR_external_memory_fd, VK_EXT_external_memory_dma_buf and
/// VK_KHR_external_semaphore_fd where present (Memory/ExternalMemory.h says what they allow).
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
    /// Requires a device extension; devices without it, or without a device extension it needs
    /// (vk.xml's requirements, transitively, less what the usable core version covers), are
    /// rejected. What it needs is enabled with it.
    DeviceFinder &requireExtension(std::string name);
    /// Enables a device extension, with the device extensions it needs, when the device has them
    /// all; otherwise enables none of them.
    DeviceFinder &requestExtension(std::string name);
    /// Requires (and enables) a feature, given as a member pointer into vk::PhysicalDeviceFeatures
    /// or into any feature structure (see FeatureMember):
    /// `&vk::PhysicalDeviceFeatures::samplerAnisotropy`,
    /// `&vk::PhysicalDeviceVulkan12Features::bufferDeviceAddress`,
    /// `&vk::PhysicalDeviceRobustness2FeaturesEXT::nullDescriptor`. The structure is queried only
    /// on devices whose usable version has it in core or that have the extension providing it;
    /// that extension is then enabled too, with the device extensions it needs (a device lacking
    /// one of those does not have the feature). Requirements between features of one structure
    /// (sparseImageFloat32AtomicAdd needs shaderImageFloat32AtomicAdd) are the caller's to
    /// request together. A promoted structure is read and enabled through
    /// vk::PhysicalDeviceVulkan11/12/13Features where the usable version has them. A device
    /// without the feature is rejected with a reason naming it. Throws LogicError, before any
    /// Vulkan call, when the member belongs to a structure VulkanWrapper does not know (one newer
    /// than the Vulkan headers it was built with, or not a feature structure).
    DeviceFinder &requireFeature(FeatureMember feature);
    /// Enables a feature where the chosen device supports it (with the extension providing its
    /// structure, where one is needed); never rejects a device. Device::is_feature_enabled()
    /// says afterwards whether it was enabled. Same forms and LogicError as requireFeature().
    DeviceFinder &requestFeature(FeatureMember feature);
    /// Ranks devices of this type first.
    DeviceFinder &preferDeviceType(vk::PhysicalDeviceType type);

    /// Every physical device with the reasons it was rejected, in enumeration order.
    /// Throws VulkanException if enumeration fails.
    [[nodiscard]] std::vector<DeviceCandidate> candidates() const;

    /// Chooses the device. Throws NoDeviceError, its message listing every device and why it was
    /// rejected, when the instance sees no device, when none fits, or when VW_DEVICE names no
    /// device or only unfit ones; VulkanException if enumeration fails.
    DeviceFinder &find();
    /// The chosen device; find() is called first if it has not been.
    [[nodiscard]] const PhysicalDevice &chosen();

    /// Creates the logical device on the chosen device (calling find() if needed). Throws
    /// NoDeviceError from find(); NotSupportedError when the device refuses a required
    /// extension or feature after all (it reported support when judged, then vkCreateDevice
    /// returned VK_ERROR_EXTENSION_NOT_PRESENT or VK_ERROR_FEATURE_NOT_PRESENT, or a required
    /// feature is no longer reported); VulkanException (OutOfMemoryError, DeviceLostError) for
    /// any other vkCreateDevice failure.
    [[nodiscard]] std::shared_ptr<Device> build();

private:
    std::vector<std::string> rejections(const PhysicalDevice &device) const;

    std::shared_ptr<Instance> m_instance;
    bool m_graphics = false;
    bool m_compute = false;
    bool m_transfer = false;
    std::vector<std::string> m_required_extensions;
    std::vector<std::string> m_requested_extensions;
    std::vector<FeatureMember> m_required_features;
    std::vector<FeatureMember> m_requested_features;
    std::optional<vk::PhysicalDeviceType> m_preferred_type;
    std::optional<PhysicalDevice> m_chosen;
};

} // namespace vw
