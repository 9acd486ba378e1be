#include "SubmitTimeline.h"

#include <algorithm>
#include <chrono>
#include <span>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Utils/SpinPause.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw::detail {

SubmitTimeline::SubmitTimeline(std::shared_ptr<Device> device, Queue &queue, std::chrono::nanoseconds spin)
    : m_semaphore(std::make_shared<Semaphore>(std::move(device), 0))
    , m_queue(&queue)
    , m_spin(spin) {
    m_semaphore->set_wait_spin(spin);
}

std::uint64_t SubmitTimeline::submit(const CommandBuffer &commands,
                                     std::span<const vk::SemaphoreSubmitInfo> waits) {
    const std::lock_guard lock(m_submit);
    const std::uint64_t value = m_last.load(std::memory_order_relaxed) + 1;
    const vk::SemaphoreSubmitInfo signal = m_semaphore->submit_info(value);
    commands.submit(*m_queue, waits, std::span(&signal, 1));
    m_last.store(value, std::memory_order_release);
    return value;
}

void SubmitTimeline::submit_unsignalled(const CommandBuffer &commands,
                                        std::span<const vk::SemaphoreSubmitInfo> waits) {
    const std::lock_guard lock(m_submit);
    commands.submit(*m_queue, waits, {});
}

std::uint64_t SubmitTimeline::signal() {
    const std::lock_guard lock(m_submit);
    const std::uint64_t value = m_last.load(std::memory_order_relaxed) + 1;
    const vk::SemaphoreSubmitInfo signal_info = m_semaphore->submit_info(value);
    const vk::SubmitInfo2 batch({}, {}, {}, signal_info);
    m_queue->submit(std::span(&batch, 1));
    m_last.store(value, std::memory_order_release);
    return value;
}

std::uint64_t SubmitTimeline::last_submitted() const noexcept {
    return m_last.load(std::memory_order_acquire);
}

std::uint64_t SubmitTimeline::completed() const { return m_semaphore->value(); }

void SubmitTimeline::wait(std::uint64_t value) const {
    if (value != 0) m_semaphore->wait(value);
}

void SubmitTimeline::wait(std::uint64_t value, vk::DeviceSize bytes) const {
    if (value == 0) return;
    if (m_spin.count() > 0 && bytes > 0) {
        // A sleeping wait returned 100-130 us after the copy's end on an H200, a third of a
        // 16 MiB copy: one the caller blocks on is polled for as long as it should take.
        const auto poll = std::chrono::duration<double>(static_cast<double>(std::min(bytes, poll_bytes_limit)) /
                                                        poll_rate);
        const auto until = std::chrono::steady_clock::now() +
                           std::chrono::duration_cast<std::chrono::steady_clock::duration>(poll);
        while (m_semaphore->value() < value) {
            if (std::chrono::steady_clock::now() >= until) break;
            spin_pause();
        }
    }
    m_semaphore->wait(value);
}

TransferTicket SubmitTimeline::ticket(std::uint64_t value) const { return {m_semaphore, value}; }

} // namespace vw::detail
