#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <vulkan/vulkan.hpp>

namespace vw {

namespace detail {
class HostRegistry;
} // namespace detail

/// What a Transfer's registrations hold now and have done so far
/// (Transfer::registration_statistics()).
struct RegistrationStatistics {
    /// Registrations alive now.
    std::size_t registrations = 0;
    /// Host memory imported (pinned by the driver) now, alignment padding included.
    vk::DeviceSize imported_bytes = 0;
    /// Imports made so far: at registration, and again after an eviction.
    std::uint64_t imports = 0;
    /// Imports released to stay within TransferOptions::registration_budget.
    std::uint64_t evictions = 0;
    /// Imports that could not be made (no VK_EXT_external_memory_host, the driver refused the
    /// range, over the budget): those registrations' transfers are staged.
    std::uint64_t refusals = 0;
    /// Uploads copied by the device straight out of registered memory.
    std::uint64_t zero_copy_uploads = 0;
    /// Readbacks copied by the device straight into registered memory.
    std::uint64_t zero_copy_downloads = 0;
    /// Time spent importing so far (the driver pins the pages).
    std::chrono::nanoseconds import_time{0};
    /// TransferOptions::registration_budget.
    vk::DeviceSize budget_bytes = 0;
};

/// A range of the caller's host memory registered with a Transfer (Transfer::register_host_memory):
/// while it lives, uploads whose source lies inside the range and readbacks whose destination
/// does are copied by the device's DMA engine straight from and into that memory, without a CPU
/// copy through staging. Move-only; an empty registration (default-constructed or moved from)
/// registers nothing.
///
/// The memory must stay allocated while the registration lives, and must not be changed between
/// an upload_async() from it and that upload's completion. Destroying the registration (or
/// reset()) waits for the device to finish the transfers that use it, then releases the import;
/// it may outlive its Transfer. Thread-safe, except that a registration must not be destroyed
/// while another thread transfers from or into its memory.
class HostRegistration {
public:
    /// An empty registration.
    HostRegistration() noexcept = default;
    /// Takes over `other`'s registration; `other` is left empty.
    HostRegistration(HostRegistration &&other) noexcept;
    /// Releases this registration (as reset()), then takes over `other`'s; `other` is left empty.
    HostRegistration &operator=(HostRegistration &&other) noexcept;
    HostRegistration(const HostRegistration &) = delete;
    HostRegistration &operator=(const HostRegistration &) = delete;
    /// Releases the registration (as reset()).
    ~HostRegistration();

    /// True when it registers nothing.
    [[nodiscard]] bool empty() const noexcept { return m_registry == nullptr; }
    /// The registered memory (empty span when empty).
    [[nodiscard]] std::span<std::byte> memory() const noexcept { return m_memory; }
    /// True when the device reaches the memory directly now; false when the import was refused
    /// (see fallback_reason()) or evicted (it is imported again when next used), or when empty.
    [[nodiscard]] bool imported() const;
    /// Why the memory is not imported now; empty when it is. Throws only std::bad_alloc.
    [[nodiscard]] std::string fallback_reason() const;
    /// How long the latest import took (the driver pinning the pages); zero before any. These
    /// three take the registry's lock and throw nothing but fallback_reason()'s bad_alloc.
    [[nodiscard]] std::chrono::nanoseconds import_time() const;
    /// Waits for the device to finish the transfers that use the memory, releases the import
    /// and leaves the registration empty. Never throws (a lost device has nothing in flight).
    void reset() noexcept;

private:
    friend class Transfer;
    HostRegistration(std::shared_ptr<detail::HostRegistry> registry, std::uint64_t id,
                     std::span<std::byte> memory) noexcept;

    std::shared_ptr<detail::HostRegistry> m_registry;
    std::uint64_t m_id = 0;
    std::span<std::byte> m_memory;
};

} // namespace vw
