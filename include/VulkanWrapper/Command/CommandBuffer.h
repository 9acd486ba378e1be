#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/OwnedHandle.h"

namespace vw {

class Device;
class Queue;

/// A primary command buffer and the helpers to record and submit it. Created by
/// CommandPool::allocate(); move-only (a moved-from buffer is empty, its methods throw
/// LogicError); keeps its pool alive and is freed back to it on destruction, which must not
/// happen while it is pending execution. Not thread-safe, like its pool. To submit several
/// buffers at once, or with a vw::Fence, use vw::Submission (Synchronization/Submission.h).
class CommandBuffer {
public:
    /// Takes the other one's command buffer, which is left empty.
    CommandBuffer(CommandBuffer &&) noexcept = default;
    /// Frees the current command buffer, then takes the other one's, which is left empty.
    CommandBuffer &operator=(CommandBuffer &&) noexcept = default;
    /// Frees the command buffer back to its pool.
    ~CommandBuffer();

    /// The vk::CommandBuffer (null when empty), for recording commands.
    [[nodiscard]] vk::CommandBuffer handle() const noexcept { return *m_buffer.get(); }
    /// True when the buffer holds nothing (moved from).
    [[nodiscard]] bool empty() const noexcept { return !m_buffer.get(); }
    /// Begins recording, by default for one submission. VulkanException on failure.
    void begin(vk::CommandBufferUsageFlags usage = vk::CommandBufferUsageFlagBits::eOneTimeSubmit);
    /// Ends recording. VulkanException on failure (e.g. an invalid command was recorded).
    void end();
    /// Resets the buffer (its pool must allow it, as CommandPool's default does).
    void reset();
    /// True between a successful begin() and the next end() or reset().
    [[nodiscard]] bool is_recording() const noexcept { return m_recording; }
    /// The queue family it may be submitted to (its pool's).
    [[nodiscard]] std::uint32_t family_index() const noexcept { return m_family_index; }

    /// Submits the recorded buffer to `queue` with optional semaphore waits and signals
    /// (vkQueueSubmit2). LogicError when the queue is of another family than the pool's, or
    /// the buffer is empty; VulkanException (DeviceLostError, OutOfMemoryError) on failure.
    void submit(Queue &queue, std::span<const vk::SemaphoreSubmitInfo> waits = {},
                std::span<const vk::SemaphoreSubmitInfo> signals = {}) const;
    /// Submits to `queue` and waits for completion with a fence of its own: the one-time
    /// submit path. VulkanException on failure or device loss.
    void submit_and_wait(Queue &queue) const;

private:
    friend class CommandPool;

    // Adopts `buffer`, allocated from `pool` on `device`.
    CommandBuffer(std::shared_ptr<Device> device, std::shared_ptr<vk::UniqueCommandPool> pool,
                  std::uint32_t family_index, vk::CommandBuffer buffer) noexcept;

    OwnedHandle<vk::UniqueCommandBuffer, Device, vk::UniqueCommandPool> m_buffer;
    std::uint32_t m_family_index = 0;
    bool m_recording = false;
};

} // namespace vw
