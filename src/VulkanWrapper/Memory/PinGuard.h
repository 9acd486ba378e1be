#pragma once
// A pin held by the library while its own GPU work uses a resource (staged copies): the
// defragmenter skips the resource until the work is retired. Not installed.

#include <utility>

#include "VulkanWrapper/Memory/Allocation.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

class PinGuard {
public:
    PinGuard() noexcept = default;
    // Pins `resource` (may be null: nothing is pinned); it must outlive the guard.
    explicit PinGuard(Allocation *resource) noexcept
        : m_resource(resource) {
        if (m_resource != nullptr) m_resource->pin();
    }
    PinGuard(PinGuard &&other) noexcept
        : m_resource(std::exchange(other.m_resource, nullptr)) {}
    PinGuard &operator=(PinGuard &&other) noexcept {
        if (this != &other) {
            release();
            m_resource = std::exchange(other.m_resource, nullptr);
        }
        return *this;
    }
    PinGuard(const PinGuard &) = delete;
    PinGuard &operator=(const PinGuard &) = delete;
    ~PinGuard() { release(); }

private:
    void release() noexcept {
        if (m_resource == nullptr) return;
        try {
            m_resource->unpin();
        } catch (const LogicError &) {
            // The caller unpinned more often than it pinned and took this pin with it.
        }
        m_resource = nullptr;
    }

    Allocation *m_resource = nullptr;
};

} // namespace vw::detail
