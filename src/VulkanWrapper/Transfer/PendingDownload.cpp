#include "VulkanWrapper/Transfer/PendingDownload.h"

#include <cstring>

#include "PendingDownloadState.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

PendingDownloadBase::PendingDownloadBase(std::unique_ptr<State> state) noexcept
    : m_state(std::move(state)) {}

PendingDownloadBase::PendingDownloadBase(PendingDownloadBase &&) noexcept = default;

PendingDownloadBase &PendingDownloadBase::operator=(PendingDownloadBase &&other) noexcept {
    if (this != &other) {
        PendingDownloadBase old(std::move(*this)); // waits for our own copy as it goes
        m_state = std::move(other.m_state);
    }
    return *this;
}

PendingDownloadBase::~PendingDownloadBase() {
    if (!m_state) return;
    try {
        m_state->ticket.wait(); // the command buffer and staging memory must outlive the copy
    } catch (const Exception &) {
        // Device lost: nothing runs any more, and destruction must go on.
    }
}

bool PendingDownloadBase::ready() const {
    if (!m_state) throw LogicError("PendingDownload::ready: the object is empty (moved from)");
    return m_state->ticket.ready();
}

const TransferTicket &PendingDownloadBase::ticket() const {
    if (!m_state) throw LogicError("PendingDownload::ticket: the object is empty (moved from)");
    return m_state->ticket;
}

vk::DeviceSize PendingDownloadBase::size_bytes() const noexcept { return m_state ? m_state->size : 0; }

void PendingDownloadBase::take(std::span<std::byte> out) {
    if (!m_state) throw LogicError("PendingDownload::get: the object is empty (moved from)");
    if (m_state->taken) throw LogicError("PendingDownload::get: the data was already taken");
    if (out.size() != m_state->size) throw LogicError("PendingDownload::get: size mismatch");
    m_state->ticket.wait();
    if (m_state->staging) {
        m_state->staging->invalidate(0, m_state->size);
        if (!out.empty()) std::memcpy(out.data(), m_state->staging->mapped_data(), out.size());
    } else if (!out.empty()) {
        std::memcpy(out.data(), m_state->immediate.data(), out.size());
    }
    m_state->taken = true;
}

} // namespace vw
