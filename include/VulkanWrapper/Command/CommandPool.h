#pragma once

#include <cstdint>
#include <memory>

#include <vulkan/vulkan.hpp>

namespace vw {

class CommandBuffer;
class Device;

/// A VkCommandPool for one queue family. Move-only; a moved-from pool is empty. Keeps its
/// Device alive, and the command buffers allocated from it keep the pool alive: destroy them
/// in any order. Not thread-safe
/// (Vulkan requires external synchronization of a pool and its buffers): use one pool per
/// recording thread.
class CommandPool {
public:
    /// Creates a pool for `queue_family_index` whose buffers can be reset one by one.
    /// LogicError for a family the device does not have; VulkanException on failure.
    CommandPool(std::shared_ptr<Device> device, std::uint32_t queue_family_index,
                vk::CommandPoolCreateFlags flags = vk::CommandPoolCreateFlagBits::eResetCommandBuffer);
    CommandPool(CommandPool &&) noexcept = default;
    CommandPool &operator=(CommandPool &&other) noexcept;
    ~CommandPool();

    /// The vk::CommandPool (null when empty).
    [[nodiscard]] vk::CommandPool handle() const noexcept {
        return m_pool ? m_pool->get() : vk::CommandPool{};
    }
    /// The queue family its buffers are submitted to.
    [[nodiscard]] std::uint32_t family_index() const noexcept { return m_family_index; }
    /// The device it belongs to.
    [[nodiscard]] const std::shared_ptr<Device> &device() const noexcept { return m_device; }
    /// Allocates a primary command buffer. VulkanException on failure.
    [[nodiscard]] CommandBuffer allocate();
    /// Resets every buffer of the pool; none may be pending execution.
    void reset();

private:
    std::shared_ptr<Device> m_device;
    std::uint32_t m_family_index = 0;
    std::shared_ptr<vk::UniqueCommandPool> m_pool;
};

} // namespace vw
