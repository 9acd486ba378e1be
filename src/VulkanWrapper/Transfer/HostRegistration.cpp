#include "VulkanWrapper/Transfer/HostRegistration.h"

#include <utility>

#include "HostRegistry.h"

namespace vw {

HostRegistration::HostRegistration(std::shared_ptr<detail::HostRegistry> registry, std::uint64_t id,
                                   std::span<std::byte> memory) noexcept
    : m_registry(std::move(registry))
    , m_id(id)
    , m_memory(memory) {}

HostRegistration::HostRegistration(HostRegistration &&other) noexcept
    : m_registry(std::move(other.m_registry))
    , m_id(std::exchange(other.m_id, 0))
    , m_memory(std::exchange(other.m_memory, {})) {}

HostRegistration &HostRegistration::operator=(HostRegistration &&other) noexcept {
    if (this != &other) {
        reset();
        m_registry = std::move(other.m_registry);
        m_id = std::exchange(other.m_id, 0);
        m_memory = std::exchange(other.m_memory, {});
    }
    return *this;
}

HostRegistration::~HostRegistration() { reset(); }

bool HostRegistration::imported() const { return m_registry && m_registry->imported(m_id); }

std::string HostRegistration::fallback_reason() const {
    return m_registry ? m_registry->fallback_reason(m_id) : std::string("the registration is empty");
}

std::chrono::nanoseconds HostRegistration::import_time() const {
    return m_registry ? m_registry->import_time(m_id) : std::chrono::nanoseconds{0};
}

void HostRegistration::reset() noexcept {
    if (!m_registry) return;
    m_registry->remove(m_id);
    m_registry.reset();
    m_id = 0;
    m_memory = {};
}

} // namespace vw
