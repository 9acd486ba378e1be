#include "VulkanWrapper/Transfer/PendingDownload.h"

#include <cstring>
#include <string>

#include "FreshPages.h"
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

void PendingDownloadBase::check_takeable() const {
    if (!m_state) throw LogicError("PendingDownload::get: the object is empty (moved from)");
    if (m_state->taken) throw LogicError("PendingDownload::get: the data was already taken");
}

void PendingDownloadBase::check_element_size(std::size_t element_size) const {
    if (m_state && m_state->size % element_size != 0) {
        throw LogicError("PendingDownload::get: " + std::to_string(m_state->size) + " bytes are not a whole number of " +
                         std::to_string(element_size) + "-byte elements");
    }
}

std::unique_ptr<detail::HostCopy> PendingDownloadBase::take_host_copy() {
    check_takeable();
    if (!m_state->host_copy) return nullptr;
    m_state->taken = true;
    return std::move(m_state->host_copy);
}

template <typename Sink>
void PendingDownloadBase::take_with(Sink &&sink) {
    check_takeable();
    m_state->ticket.wait();
    const auto size = static_cast<std::size_t>(m_state->size);
    if (!m_state->staging.empty()) {
        m_state->staging.buffer().invalidate(0, size);
        if (size != 0) sink(m_state->staging.data(), size);
        m_state->staging.reset(); // back to the arena now, not when this object goes
    } else if (size != 0) {
        sink(m_state->host_copy->data(), size);
        m_state->host_copy.reset();
    }
    m_state->taken = true;
}

void PendingDownloadBase::take(std::span<std::byte> out) {
    if (m_state && out.size() != m_state->size) throw LogicError("PendingDownload::get: size mismatch");
    std::size_t position = 0;
    take_with([&](const std::byte *bytes, std::size_t size) {
        std::memcpy(out.data() + position, bytes, size);
        position += size;
    });
}

void PendingDownloadBase::take(void (*append)(void *, const std::byte *, std::size_t), void *context,
                               std::byte *reserved) {
    // No copy threads here (this object may outlive its Transfer): the caller faults the pages
    // in, while the device may still be copying.
    const std::span<std::byte> pages = detail::huge_pages_within(reserved, static_cast<std::size_t>(size_bytes()));
    detail::advise_huge_pages(pages);
    detail::populate_pages(pages);
    take_with([&](const std::byte *bytes, std::size_t size) { append(context, bytes, size); });
}

} // namespace vw
