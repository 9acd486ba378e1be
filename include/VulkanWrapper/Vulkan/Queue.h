#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>

#include <vulkan/vulkan.hpp>

namespace vw {

/// One device queue. Vulkan requires submissions to a queue to be externally synchronized;
/// this class does it: submit() and wait_idle() may be called from any thread. Owned by its
/// Device (the handle needs no destruction); not copyable or movable.
class Queue {
public:
    Queue(const Queue &) = delete;
    Queue &operator=(const Queue &) = delete;

    /// The vk::Queue. Submitting to it directly bypasses the lock: use submit().
    [[nodiscard]] vk::Queue handle() const noexcept;
    /// The queue family this queue belongs to.
    [[nodiscard]] std::uint32_t family_index() const noexcept;
    /// The capabilities of its family.
    [[nodiscard]] vk::QueueFlags flags() const noexcept;

    /// vkQueueSubmit2 under the queue's lock; signals `fence` when done if given.
    /// Throws VulkanException (or OutOfMemoryError) if the submission fails, DeviceLostError
    /// at once when the device was lost.
    void submit(std::span<const vk::SubmitInfo2> submits, vk::Fence fence = {});
    /// vkQueueSubmit (Vulkan 1.0 form) under the queue's lock.
    void submit(std::span<const vk::SubmitInfo> submits, vk::Fence fence = {});
    /// Waits until the queue has finished all its work. Throws VulkanException on failure
    /// (e.g. device lost).
    void wait_idle();

private:
    // Made by Device; `dispatcher` must outlive the queue.
    Queue(vk::Queue handle, std::uint32_t family_index, vk::QueueFlags flags,
          const vk::DispatchLoaderDynamic &dispatcher);

    friend class Device; // it makes the queues, and Device::wait_idle holds every queue's lock

    vk::Queue m_handle;
    std::uint32_t m_family_index;
    vk::QueueFlags m_flags;
    const vk::DispatchLoaderDynamic *m_dispatcher;
    std::atomic<bool> *m_lost = nullptr; // the device's lost flag (Device sets it)
    std::mutex m_mutex;
};

} // namespace vw
