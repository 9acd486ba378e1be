#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

class Instance;
class DeviceFinder;

namespace detail {
class FeatureChain;
class DeviceAccess;
} // namespace detail

/// Names one VkBool32 feature: a member pointer into vk::PhysicalDeviceFeatures, or into any
/// feature structure, i.e. one that extends vk::PhysicalDeviceFeatures2: the core
/// vk::PhysicalDeviceVulkan11Features, 12 and 13, and extension structures such as
/// vk::PhysicalDeviceRobustness2FeaturesEXT or vk::PhysicalDeviceRayTracingPipelineFeaturesKHR.
/// Converts implicitly from the member pointer, so `&vk::PhysicalDeviceFeatures::shaderInt64` is
/// passed as is to DeviceFinder::requireFeature and Device::is_feature_enabled. A plain value,
/// cheap to copy; constructing it never fails (whether the library knows the structure is
/// checked where it is used).
class FeatureMember {
public:
    /// A Vulkan 1.0 feature (it is read and enabled through vk::PhysicalDeviceFeatures2).
    FeatureMember(vk::Bool32 vk::PhysicalDeviceFeatures::*member) noexcept // NOLINT: implicit
        : m_type(vk::StructureType::ePhysicalDeviceFeatures2)
        , m_offset(static_cast<std::uint32_t>(offsetof(VkPhysicalDeviceFeatures2, features)) +
                   offset_of(member)) {}

    /// A member of a feature structure, identified by the structure's sType.
    /// @tparam Structure a vulkan.hpp feature structure (it has a `structureType`).
    template <typename Structure>
        requires requires {
            { Structure::structureType } -> std::convertible_to<vk::StructureType>;
        }
    FeatureMember(vk::Bool32 Structure::*member) noexcept // NOLINT: implicit
        : m_type(Structure::structureType)
        , m_offset(offset_of(member)) {}

    /// The sType of the structure (ePhysicalDeviceFeatures2 for a Vulkan 1.0 feature).
    [[nodiscard]] vk::StructureType structure_type() const noexcept { return m_type; }
    /// The byte offset of the member in that structure.
    [[nodiscard]] std::uint32_t offset() const noexcept { return m_offset; }

    friend bool operator==(const FeatureMember &, const FeatureMember &) = default;

private:
    template <typename Structure>
    static std::uint32_t offset_of(vk::Bool32 Structure::*member) noexcept {
        const Structure probe{};
        return static_cast<std::uint32_t>(reinterpret_cast<const std::byte *>(&(probe.*member)) -
                                          reinterpret_cast<const std::byte *>(&probe));
    }

    vk::StructureType m_type;
    std::uint32_t m_offset;
};

/// A logical device with its queues. Created by DeviceFinder::build(), owned through
/// std::shared_ptr; holds its Instance alive. Thread-safe: queues lock their submissions.
class Device {
public:
    /// Destroys the device. Work the user submitted must have completed (wait_idle()).
    ~Device();
    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;

    /// The vk::Device; owned by this object.
    [[nodiscard]] vk::Device handle() const noexcept;
    /// The physical device it was created from.
    [[nodiscard]] const PhysicalDevice &physical_device() const noexcept;
    /// The instance it belongs to.
    [[nodiscard]] const std::shared_ptr<Instance> &instance() const noexcept;
    /// The Vulkan version usable on this device: the lower of the instance's and the
    /// device's versions.
    [[nodiscard]] std::uint32_t api_version() const noexcept;

    /// True when the device has a graphics-capable queue.
    [[nodiscard]] bool has_graphics_queue() const noexcept;
    /// A graphics (and, where the family has it, compute) queue. Throws LogicError when the
    /// device has none.
    [[nodiscard]] Queue &graphics_queue() const;
    /// A compute queue: from a compute family without graphics when the device has one
    /// (asynchronous compute), else the main queue.
    [[nodiscard]] Queue &compute_queue() const noexcept;
    /// A transfer queue: from a transfer-only family when the device has one (a DMA engine),
    /// else the main queue. May be in a different family than the other queues: buffers are
    /// shared between the families (VK_SHARING_MODE_CONCURRENT), images are exclusive and
    /// need queue-family ownership transfers.
    [[nodiscard]] Queue &transfer_queue() const noexcept;
    /// Every distinct queue the device was created with, one per family used.
    [[nodiscard]] std::vector<Queue *> queues() const;

    /// True when device extension `name` was enabled.
    [[nodiscard]] bool has_extension(std::string_view name) const noexcept;
    /// The enabled device extensions, sorted.
    [[nodiscard]] const std::vector<std::string> &extensions() const noexcept;
    /// True when bufferDeviceAddress was enabled (the device supports it).
    [[nodiscard]] bool buffer_device_address_enabled() const noexcept;
    /// True when `feature` was enabled on this device: required through DeviceFinder, requested
    /// and supported, or enabled by the library itself (timelineSemaphore, synchronization2,
    /// bufferDeviceAddress where supported). A promoted feature answers the same through either
    /// structure: on Vulkan 1.2 and newer `&vk::PhysicalDeviceDescriptorIndexingFeatures::
    /// runtimeDescriptorArray` and `&vk::PhysicalDeviceVulkan12Features::runtimeDescriptorArray`
    /// are the same feature. False for a structure this device's version and extensions do not
    /// have. Throws LogicError for a member of a structure VulkanWrapper does not know (see
    /// DeviceFinder::requireFeature). Thread-safe.
    [[nodiscard]] bool is_feature_enabled(FeatureMember feature) const;

    /// Waits until every queue is idle, holding every queue's lock meanwhile (submissions from
    /// other threads wait). Throws VulkanException on failure (device lost).
    void wait_idle() const;

    /// True once a call on this device returned VK_ERROR_DEVICE_LOST. From then on every
    /// library call that would reach the device (waits, submissions, allocations, object
    /// creation) throws DeviceLostError at once; destroying objects still works. Thread-safe.
    [[nodiscard]] bool is_lost() const noexcept { return m_lost.load(std::memory_order_acquire); }

    /// True when Vulkan objects can carry names (the instance has VK_EXT_debug_utils, which
    /// InstanceBuilder::setDebug() enables).
    [[nodiscard]] bool object_names_enabled() const noexcept;
    /// Names a Vulkan object of this device (vkSetDebugUtilsObjectNameEXT), so validation
    /// messages, debuggers and capture tools show the name. Does nothing when
    /// object_names_enabled() is false. `name` must not contain NUL. Thread-safe for distinct
    /// objects; VulkanException if the driver fails.
    void set_object_name(vk::ObjectType type, std::uint64_t handle, std::string_view name) const;

    /// Dispatcher for device-level functions, extensions included.
    [[nodiscard]] const vk::DispatchLoaderDynamic &dispatcher() const noexcept;

private:
    friend class detail::DeviceAccess; // the only creator (DeviceFinder::build, tests)
    struct Config;
    explicit Device(Config config);

    std::shared_ptr<Instance> m_instance;
    PhysicalDevice m_physical_device;
    std::uint32_t m_api_version;
    std::vector<std::string> m_extensions;
    bool m_buffer_device_address;
    std::unique_ptr<detail::FeatureChain> m_enabled_features;
    vk::UniqueDevice m_device;
    vk::DispatchLoaderDynamic m_dispatcher;
    std::vector<std::unique_ptr<Queue>> m_queues;
    Queue *m_graphics = nullptr;
    Queue *m_compute = nullptr;
    Queue *m_transfer = nullptr;
    mutable std::atomic<bool> m_lost{false};
};

} // namespace vw
