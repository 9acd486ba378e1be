#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {
class CommandBuffer;
class Device;
class Queue;
class Semaphore;
} // namespace vw

namespace vw::detail {

/// A timeline semaphore whose signal values follow one queue's submission order. Vulkan wants
/// every signal of a timeline above those already pending, so picking the next value and
/// submitting happen under one lock, held for the submission only: threads staging uploads and
/// readbacks at once share the timeline without waiting for each other's copies. Thread-safe.
class SubmitTimeline {
public:
    /// VulkanException when the semaphore cannot be created. Waits on it poll for `spin`
    /// before they sleep (Semaphore::set_wait_spin).
    SubmitTimeline(std::shared_ptr<Device> device, Queue &queue, std::chrono::nanoseconds spin = {});

    /// Submits `commands` to the queue, signalling the next value, and returns that value. The
    /// value counts as used only once the submission succeeded: a failed one (VulkanException)
    /// leaves no value nobody signals.
    std::uint64_t submit(const CommandBuffer &commands,
                         std::span<const vk::SemaphoreSubmitInfo> waits = {});
    /// Submits `commands` with no signal: the next value signalled on the queue (by submit()
    /// or signal()) covers them, since a signal waits for every earlier submission of its
    /// queue. VulkanException when the submission fails.
    void submit_unsignalled(const CommandBuffer &commands, std::span<const vk::SemaphoreSubmitInfo> waits = {});
    /// Submits a batch with no commands that signals the next value, and returns it: reached
    /// once everything submitted to the queue before it is done. VulkanException on failure.
    std::uint64_t signal();
    /// The highest value submitted so far (0 before the first submission); submissions made
    /// by submit_unsignalled() since are not covered by it.
    [[nodiscard]] std::uint64_t last_submitted() const noexcept;
    /// The value the device has reached. DeviceLostError on device loss.
    [[nodiscard]] std::uint64_t completed() const;
    /// Waits until the semaphore reaches `value`. DeviceLostError on device loss.
    void wait(std::uint64_t value) const;
    /// Waits for a copy of `bytes` that the device does without the host (registered memory,
    /// an image, the last chunks of a staged transfer): polls for the time those bytes take at
    /// poll_rate (at most poll_bytes_limit of them), then waits as wait(value) does. With no
    /// spin (0 at construction) it never polls. DeviceLostError on device loss.
    void wait(std::uint64_t value, vk::DeviceSize bytes) const;
    /// The rate wait(value, bytes) assumes, bytes per second: below a PCIe 4.0 x16 link's, so
    /// the poll outlasts copies on such links and faster ones.
    static constexpr double poll_rate = 16e9;
    /// The most bytes wait(value, bytes) polls for (about 4.2 ms at poll_rate).
    static constexpr vk::DeviceSize poll_bytes_limit = vk::DeviceSize{64} << 20;
    /// A ticket completed at `value`.
    [[nodiscard]] TransferTicket ticket(std::uint64_t value) const;
    /// The semaphore it signals.
    [[nodiscard]] const std::shared_ptr<Semaphore> &semaphore() const noexcept { return m_semaphore; }
    /// The queue it submits to.
    [[nodiscard]] Queue &queue() const noexcept { return *m_queue; }

private:
    std::shared_ptr<Semaphore> m_semaphore;
    Queue *m_queue;
    std::chrono::nanoseconds m_spin;
    std::mutex m_submit;
    std::atomic<std::uint64_t> m_last{0};
};

} // namespace vw::detail
