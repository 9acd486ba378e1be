#include "VulkanWrapper/Transfer/TransferBatch.h"

#include <utility>

#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

TransferBatch::TransferBatch(const Transfer &transfer)
    : m_device(transfer.device())
    , m_queue(&transfer.queue())
    , m_manager(transfer)
    , m_pool(m_device, m_queue->family_index()) {}

namespace {

// Waits until `ticket`'s copies are done, whatever fails: after a loss nothing runs any more;
// after another failed wait, an idle device has finished them too.
void settle(const Device &device, const TransferTicket &ticket) noexcept {
    try {
        ticket.wait();
    } catch (const DeviceLostError &) {
    } catch (const Exception &) {
        try {
            device.wait_idle();
        } catch (const Exception &) {
        }
    }
}

} // namespace

TransferBatch::~TransferBatch() {
    // Tickets are values of one timeline: the last one reached means every one was.
    if (!m_submitted.empty()) settle(*m_device, m_submitted.back().ticket);
    try {
        m_manager.release_completed();
    } catch (const Exception &) {
        // Device lost: the members' destructors free what is left.
    }
}

void TransferBatch::upload_bytes(BufferBase &buffer, std::span<const std::byte> bytes, vk::DeviceSize offset) {
    m_manager.stage_borrowed(buffer, bytes, offset);
}

void TransferBatch::reclaim() {
    while (!m_submitted.empty() && m_submitted.front().ticket.ready()) {
        m_idle.push_back(std::move(m_submitted.front().commands));
        m_submitted.pop_front();
    }
}

TransferTicket TransferBatch::submit(std::span<const vk::SemaphoreSubmitInfo> waits) {
    reclaim();
    if (m_manager.staged() == 0) return {};
    CommandBuffer commands = [&] {
        if (m_idle.empty()) return m_pool.allocate();
        CommandBuffer reused = std::move(m_idle.back());
        m_idle.pop_back();
        reused.reset();
        return reused;
    }();
    StagingFlush flush;
    try {
        commands.begin();
        flush = m_manager.flush(commands);
        commands.end();
        commands.submit(*m_queue, waits, flush.signals());
    } catch (...) {
        // Copies already recorded are dropped with the recording (reset when the buffer is
        // reused), their staging given back: nothing will signal their value.
        m_manager.discard(flush);
        m_idle.push_back(std::move(commands));
        throw;
    }
    TransferTicket ticket = m_manager.ticket(flush);
    Submitted entry{ticket, std::move(commands)};
    try {
        m_submitted.push_back(std::move(entry));
    } catch (...) {
        settle(*m_device, entry.ticket); // a pending command buffer may not be freed
        throw;
    }
    return ticket;
}

std::size_t TransferBatch::staged() const noexcept { return m_manager.staged(); }

std::size_t TransferBatch::in_flight() const noexcept { return m_submitted.size(); }

} // namespace vw
