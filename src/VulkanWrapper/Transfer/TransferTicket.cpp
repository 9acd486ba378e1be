#include "VulkanWrapper/Transfer/TransferTicket.h"

#include "VulkanWrapper/Synchronization/Semaphore.h"

namespace vw {

TransferTicket::TransferTicket(std::shared_ptr<const Semaphore> timeline, std::uint64_t value) noexcept
    : m_timeline(std::move(timeline))
    , m_value(value) {}

bool TransferTicket::ready() const { return !m_timeline || m_timeline->value() >= m_value; }

void TransferTicket::wait() const {
    if (m_timeline) m_timeline->wait(m_value);
}

vk::Semaphore TransferTicket::semaphore() const noexcept {
    return m_timeline ? m_timeline->handle() : vk::Semaphore{};
}

vk::SemaphoreSubmitInfo TransferTicket::wait_info(vk::PipelineStageFlags2 stages) const noexcept {
    return {semaphore(), m_value, stages};
}

} // namespace vw
