#pragma once

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

/// A logical device with its queues. Created by DeviceFinder::build(), owned through
/// std::shared_ptr; holds its Instance alive. Thread-safe: queues lock their submissions.
class Device {
public:
    struct Config;
    /// Use DeviceFinder::build().
    explicit Device(Config config);
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
    /// else the main queue. May be in a different family than the other queues: resources
    /// shared between them need queue-family ownership transfers.
    [[nodiscard]] Queue &transfer_queue() const noexcept;
    /// Every distinct queue the device was created with, one per family used.
    [[nodiscard]] std::vector<Queue *> queues() const;

    /// True when device extension `name` was enabled.
    [[nodiscard]] bool has_extension(std::string_view name) const noexcept;
    /// The enabled device extensions, sorted.
    [[nodiscard]] const std::vector<std::string> &extensions() const noexcept;
    /// True when bufferDeviceAddress was enabled (the device supports it).
    [[nodiscard]] bool buffer_device_address_enabled() const noexcept;

    /// Waits until every queue is idle, holding every queue's lock meanwhile (submissions from
    /// other threads wait). Throws VulkanException on failure (device lost).
    void wait_idle() const;

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
    std::shared_ptr<Instance> m_instance;
    PhysicalDevice m_physical_device;
    std::uint32_t m_api_version;
    std::vector<std::string> m_extensions;
    bool m_buffer_device_address;
    vk::UniqueDevice m_device;
    vk::DispatchLoaderDynamic m_dispatcher;
    std::vector<std::unique_ptr<Queue>> m_queues;
    Queue *m_graphics = nullptr;
    Queue *m_compute = nullptr;
    Queue *m_transfer = nullptr;
};

} // namespace vw
