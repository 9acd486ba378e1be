#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Transfer/HostRegistration.h"

namespace vw {
class Allocator;
class Semaphore;
} // namespace vw

namespace vw::detail {

/// Which way a zero-copy transfer goes (for the statistics).
enum class RegisteredDirection { Upload, Download };

/// The host ranges registered with one Transfer and their imports (VK_EXT_external_memory_host):
/// each registration is imported at once, within a budget of imported bytes kept by evicting
/// the least recently used imports that no transfer is using (evicted ones are imported again
/// when next used). Thread-safe: one lock, held for bookkeeping and for imports (rare: at
/// registration and after an eviction), never across a wait for the device but in close(),
/// which runs after the Transfer has waited for its copies.
class HostRegistry {
    struct Entry;
    struct Released;

public:
    HostRegistry(std::shared_ptr<Allocator> allocator, vk::DeviceSize budget);
    HostRegistry(const HostRegistry &) = delete;
    HostRegistry &operator=(const HostRegistry &) = delete;
    ~HostRegistry();

    /// A registered range a transfer is using: its import stays until the Use goes, and the
    /// registry waits for the value retire() records before it releases the import. Move-only.
    class Use {
    public:
        Use(HostRegistry &registry, std::shared_ptr<Entry> entry, vk::DeviceSize offset) noexcept;
        Use(Use &&other) noexcept;
        Use &operator=(Use &&) = delete;
        Use(const Use &) = delete;
        Use &operator=(const Use &) = delete;
        ~Use();
        /// The imported buffer.
        [[nodiscard]] const BufferBase &buffer() const noexcept;
        /// The byte offset of the transfer's host pointer in buffer().
        [[nodiscard]] vk::DeviceSize offset() const noexcept { return m_offset; }
        /// Records that a submission signalling `value` of `semaphore` reads or writes the range.
        void retire(const std::shared_ptr<Semaphore> &semaphore, std::uint64_t value) const;

    private:
        HostRegistry *m_registry;
        std::shared_ptr<Entry> m_entry;
        vk::DeviceSize m_offset;
    };

    /// Registers `memory` and imports it. LogicError for an empty span or one that overlaps a
    /// registration. An import that fails leaves the registration staged (fallback_reason()).
    [[nodiscard]] std::uint64_t add(std::span<std::byte> memory);
    /// Waits until no transfer uses registration `id` and the device is done with it, then
    /// releases it. Unknown ids are ignored.
    void remove(std::uint64_t id) noexcept;
    /// The registration holding all of `[data, data + size)`, imported (again, if it was
    /// evicted) and in use until the result goes; nothing when no registration holds the range
    /// or its import is refused.
    [[nodiscard]] std::optional<Use> find(const std::byte *data, std::size_t size, RegisteredDirection direction);
    /// Releases every import (the Transfer is going: nothing is in flight); the registrations
    /// stay, staged for good.
    void close() noexcept;

    [[nodiscard]] bool imported(std::uint64_t id) const;
    [[nodiscard]] std::string fallback_reason(std::uint64_t id) const;
    [[nodiscard]] std::chrono::nanoseconds import_time(std::uint64_t id) const;
    [[nodiscard]] RegistrationStatistics statistics() const;

private:
    // Imports `entry` with m_mutex held, evicting others first when the budget asks for it;
    // the evicted imports land in `released`, to be freed once the lock is dropped.
    void import_locked(Entry &entry, std::vector<Released> &released);
    // Waits for the device to be done with an import, then frees it.
    static void free_import(Released &import) noexcept;
    // Frees the imports an operation took out under m_mutex when it goes: after the lock is let
    // go, on every way out (a throw after an eviction included).
    struct FreeOnExit {
        std::vector<Released> &released;
        ~FreeOnExit();
    };

    std::shared_ptr<Allocator> m_allocator;
    vk::DeviceSize m_budget;
    vk::DeviceSize m_alignment;
    mutable std::mutex m_mutex;
    std::condition_variable m_idle; // a Use went
    std::map<std::uint64_t, std::shared_ptr<Entry>> m_entries;
    std::map<std::uintptr_t, std::uint64_t> m_by_address; // registration start -> id
    std::uint64_t m_next_id = 1;
    std::uint64_t m_clock = 0; // least-recently-used order
    bool m_closed = false;
    RegistrationStatistics m_statistics;
};

} // namespace vw::detail
