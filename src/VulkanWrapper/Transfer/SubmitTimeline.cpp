#include "SubmitTimeline.h"

#include <span>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"

namespace vw::detail {

SubmitTimeline::SubmitTimeline(std::shared_ptr<Device> device, Queue &queue, std::chrono::nanoseconds spin)
    : m_semaphore(std::make_shared<Semaphore>(std::move(device), 0))
    , m_queue(&queue) {
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

std::uint64_t SubmitTimeline::last_submitted() const noexcept {
    return m_last.load(std::memory_order_acquire);
}

std::uint64_t SubmitTimeline::completed() const { return m_semaphore->value(); }

void SubmitTimeline::wait(std::uint64_t value) const {
    if (value != 0) m_semaphore->wait(value);
}

TransferTicket SubmitTimeline::ticket(std::uint64_t value) const { return {m_semaphore, value}; }

} // namespace vw::detail
