#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/OwnedHandle.h"

namespace vw {

class CommandBuffer;
class Device;

/// A VkCommandPool for one queue family. Move-only; a moved-from pool is empty (its methods
/// throw LogicError). Keeps its Device alive, and the command buffers allocated from it keep
/// the pool alive: destroy them in any order. Not thread-safe (Vulkan requires external
/// synchronization of a pool and its buffers): use one pool per recording thread.
class CommandPool {
public:
    /// Creates a pool for `queue_family_index` whose buffers can be reset one by one.
    /// LogicError for a null device or a family the device does not have; VulkanException on
    /// failure.
    CommandPool(std::shared_ptr<Device> device, std::uint32_t queue_family_index,
                vk::CommandPoolCreateFlags flags = vk::CommandPoolCreateFlagBits::eResetCommandBuffer);
    /// Takes the other one's pool, which is left empty.
    CommandPool(CommandPool &&) noexcept = default;
    /// Destroys the current pool, then takes the other one's, which is left empty.
    CommandPool &operator=(CommandPool &&) noexcept = default;
    /// Destroys the pool.
    ~CommandPool();

    /// The vk::CommandPool (null when empty).
    [[nodiscard]] vk::CommandPool handle() const noexcept;
    /// The queue family its buffers are submitted to.
    [[nodiscard]] std::uint32_t family_index() const noexcept { return m_family_index; }
    /// The device it belongs to (null when empty).
    [[nodiscard]] const std::shared_ptr<Device> &device() const noexcept {
        return m_pool.owner<0>();
    }

    /// Allocates one primary command buffer. VulkanException on failure.
    [[nodiscard]] CommandBuffer allocate();
    /// Allocates `count` primary command buffers with one vkAllocateCommandBuffers call. All
    /// or nothing: on failure none is left allocated. LogicError for a zero count;
    /// VulkanException on failure.
    [[nodiscard]] std::vector<CommandBuffer> allocate(std::uint32_t count);
    /// Resets every buffer of the pool; none may be pending execution. VulkanException on
    /// failure.
    void reset();

private:
    // Shared with the command buffers allocated from it: the pool lives while any of them does.
    OwnedHandle<std::shared_ptr<vk::UniqueCommandPool>, Device> m_pool;
    std::uint32_t m_family_index = 0;
};

} // namespace vw
