#include "HostRegistry.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Memory/ExternalMemory.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw::detail {

namespace {

using ImportedBuffer = Buffer<std::byte, false, TransferSrcUsage | TransferDstUsage>;

} // namespace

struct HostRegistry::Entry {
    std::uint64_t id = 0;
    std::byte *begin = nullptr;
    std::size_t size = 0;
    std::unique_ptr<BufferBase> buffer; // null while not imported
    vk::DeviceSize base_offset = 0;     // begin's offset in the aligned import
    vk::DeviceSize import_bytes = 0;
    // The last submission using the import.
    std::shared_ptr<Semaphore> semaphore;
    std::uint64_t value = 0;
    std::uint32_t users = 0;
    std::uint64_t last_used = 0;
    std::string reason;     // why it is not imported now
    bool permanent = false; // the import cannot succeed: no retry
    std::chrono::nanoseconds import_time{0};
};

struct HostRegistry::Released {
    std::unique_ptr<BufferBase> buffer;
    std::shared_ptr<Semaphore> semaphore;
    std::uint64_t value = 0;
};

HostRegistry::Use::Use(HostRegistry &registry, std::shared_ptr<Entry> entry, vk::DeviceSize offset) noexcept
    : m_registry(&registry)
    , m_entry(std::move(entry))
    , m_offset(offset) {}

HostRegistry::Use::Use(Use &&other) noexcept
    : m_registry(other.m_registry)
    , m_entry(std::move(other.m_entry))
    , m_offset(other.m_offset) {}

HostRegistry::Use::~Use() {
    if (!m_entry) return;
    {
        const std::lock_guard lock(m_registry->m_mutex);
        --m_entry->users;
    }
    m_registry->m_idle.notify_all();
}

const BufferBase &HostRegistry::Use::buffer() const noexcept { return *m_entry->buffer; }

void HostRegistry::Use::retire(const std::shared_ptr<Semaphore> &semaphore, std::uint64_t value) const {
    const std::lock_guard lock(m_registry->m_mutex);
    // One timeline per Transfer's buffer queue: the later value covers the earlier ones.
    m_entry->semaphore = semaphore;
    m_entry->value = std::max(m_entry->value, value);
}

HostRegistry::HostRegistry(std::shared_ptr<Allocator> allocator, vk::DeviceSize budget)
    : m_allocator(std::move(allocator))
    , m_budget(budget)
    , m_alignment(std::max<vk::DeviceSize>(
          1, m_allocator->device()->physical_device().memory_limits().min_imported_host_pointer_alignment.value_or(1))) {
    m_statistics.budget_bytes = budget;
}

HostRegistry::~HostRegistry() { close(); }

void HostRegistry::free_import(Released &import) noexcept {
    try {
        if (import.semaphore && import.value != 0) import.semaphore->wait(import.value);
    } catch (const Exception &) {
        // Device lost: nothing runs any more, the import can go.
    }
    import.buffer.reset();
}

HostRegistry::FreeOnExit::~FreeOnExit() {
    for (Released &import : released) free_import(import);
}

void HostRegistry::import_locked(Entry &entry, std::vector<Released> &released) {
    const Device &device = *m_allocator->device();
    if (!device.has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
        entry.reason = std::string(device.physical_device().name()) + " lacks VK_EXT_external_memory_host";
        entry.permanent = true;
        ++m_statistics.refusals;
        return;
    }
    const auto address = reinterpret_cast<std::uintptr_t>(entry.begin);
    const std::uintptr_t base = address / m_alignment * m_alignment;
    const std::uintptr_t end = (address + entry.size + m_alignment - 1) / m_alignment * m_alignment;
    const vk::DeviceSize bytes = end - base;
    if (bytes > m_budget) {
        entry.reason = "the registration (" + std::to_string(bytes) +
                       " bytes imported) is larger than TransferOptions::registration_budget (" +
                       std::to_string(m_budget) + " bytes)";
        entry.permanent = true;
        ++m_statistics.refusals;
        return;
    }
    // Least recently used first, and only imports no transfer is using.
    while (m_statistics.imported_bytes + bytes > m_budget) {
        Entry *oldest = nullptr;
        for (auto &[id, other] : m_entries) {
            if (other->buffer && other->users == 0 && other.get() != &entry &&
                (oldest == nullptr || other->last_used < oldest->last_used)) {
                oldest = other.get();
            }
        }
        if (oldest == nullptr) {
            entry.reason = "TransferOptions::registration_budget is held by registrations in use";
            ++m_statistics.refusals;
            return;
        }
        // The slot first: a bad_alloc then leaves the import where it was, not freed unwaited.
        Released &slot = released.emplace_back();
        slot = {std::move(oldest->buffer), std::move(oldest->semaphore), oldest->value};
        oldest->value = 0;
        oldest->reason = "evicted to stay within TransferOptions::registration_budget";
        m_statistics.imported_bytes -= oldest->import_bytes;
        ++m_statistics.evictions;
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        auto buffer = ExternalMemory::import_host_pointer<ImportedBuffer>(
            *m_allocator, reinterpret_cast<void *>(base), static_cast<std::size_t>(bytes), "registered host memory");
        if (!(buffer->memory_properties() & vk::MemoryPropertyFlagBits::eHostCoherent)) {
            // The host reads and writes the memory through the caller's own pointer, which no
            // flush or invalidate reaches.
            entry.reason = "the memory type of imported host memory is not host-coherent";
            entry.permanent = true;
            ++m_statistics.refusals;
            return;
        }
        entry.buffer = std::move(buffer);
    } catch (const DeviceLostError &) {
        throw;
    } catch (const OutOfMemoryError &error) {
        // Memory may come back: the next use tries again.
        entry.reason = "the import ran out of memory: " + error.message();
        ++m_statistics.refusals;
        return;
    } catch (const Exception &error) {
        entry.reason = "the import was refused: " + error.message();
        entry.permanent = true;
        ++m_statistics.refusals;
        return;
    }
    entry.import_time = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    entry.base_offset = address - base;
    entry.import_bytes = bytes;
    entry.reason.clear();
    m_statistics.imported_bytes += bytes;
    m_statistics.import_time += entry.import_time;
    ++m_statistics.imports;
}

std::uint64_t HostRegistry::add(std::span<std::byte> memory) {
    if (memory.empty()) throw LogicError("Transfer::register_host_memory: the memory is empty");
    const auto begin = reinterpret_cast<std::uintptr_t>(memory.data());
    std::vector<Released> released;
    const FreeOnExit free_on_exit{released};
    std::uint64_t id = 0;
    {
        const std::lock_guard lock(m_mutex);
        if (m_closed) throw LogicError("Transfer::register_host_memory: the Transfer is gone");
        // The registration starting after `begin` must start past our end, the one before must
        // end before our start.
        const auto next = m_by_address.lower_bound(begin);
        const bool overlaps_next = next != m_by_address.end() && next->first < begin + memory.size();
        const bool overlaps_previous =
            next != m_by_address.begin() && [&] {
                const Entry &previous = *m_entries.at(std::prev(next)->second);
                return reinterpret_cast<std::uintptr_t>(previous.begin) + previous.size > begin;
            }();
        if (overlaps_next || overlaps_previous) {
            throw LogicError("Transfer::register_host_memory: the memory overlaps a registration");
        }
        auto entry = std::make_shared<Entry>();
        entry->id = id = m_next_id++;
        entry->begin = memory.data();
        entry->size = memory.size();
        entry->last_used = ++m_clock;
        try {
            m_entries.emplace(id, entry);
            m_by_address.emplace(begin, id);
            import_locked(*entry, released);
        } catch (...) {
            m_by_address.erase(begin);
            m_entries.erase(id);
            throw;
        }
        ++m_statistics.registrations;
    }
    return id;
}

void HostRegistry::remove(std::uint64_t id) noexcept {
    std::optional<Released> released; // no allocation: this may not throw
    {
        std::unique_lock lock(m_mutex);
        const auto found = m_entries.find(id);
        if (found == m_entries.end()) return;
        const std::shared_ptr<Entry> entry = found->second;
        m_idle.wait(lock, [&] { return entry->users == 0; });
        if (entry->buffer) {
            m_statistics.imported_bytes -= entry->import_bytes;
            released.emplace(Released{std::move(entry->buffer), std::move(entry->semaphore), entry->value});
        }
        m_by_address.erase(reinterpret_cast<std::uintptr_t>(entry->begin));
        m_entries.erase(found);
        --m_statistics.registrations;
    }
    if (released) free_import(*released);
}

std::optional<HostRegistry::Use> HostRegistry::find(const std::byte *data, std::size_t size,
                                                    RegisteredDirection direction) {
    if (size == 0) return std::nullopt;
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    std::vector<Released> released;
    const FreeOnExit free_on_exit{released};
    std::optional<Use> use;
    {
        const std::lock_guard lock(m_mutex);
        if (m_by_address.empty() || m_closed) return std::nullopt;
        auto holder = m_by_address.upper_bound(begin);
        if (holder == m_by_address.begin()) return std::nullopt;
        const std::shared_ptr<Entry> &entry = m_entries.at(std::prev(holder)->second);
        const auto entry_begin = reinterpret_cast<std::uintptr_t>(entry->begin);
        if (begin - entry_begin > entry->size || size > entry->size - (begin - entry_begin)) return std::nullopt;
        if (!entry->buffer && !entry->permanent) import_locked(*entry, released);
        if (entry->buffer) {
            entry->last_used = ++m_clock;
            ++entry->users;
            ++(direction == RegisteredDirection::Upload ? m_statistics.zero_copy_uploads
                                                        : m_statistics.zero_copy_downloads);
            use.emplace(*this, entry, entry->base_offset + (begin - entry_begin));
        }
    }
    return use;
}

void HostRegistry::close() noexcept {
    {
        std::unique_lock lock(m_mutex);
        m_closed = true;
        m_idle.wait(lock, [&] {
            return std::none_of(m_entries.begin(), m_entries.end(), [](const auto &item) { return item.second->users != 0; });
        });
        for (auto &[id, entry] : m_entries) {
            if (entry->buffer) {
                // Freed here, with no list to allocate: the Transfer waited for its copies first,
                // so the wait returns at once.
                m_statistics.imported_bytes -= entry->import_bytes;
                Released import{std::move(entry->buffer), std::move(entry->semaphore), entry->value};
                free_import(import);
            }
            entry->reason = "the Transfer is gone";
            entry->permanent = true;
        }
    }
}

bool HostRegistry::imported(std::uint64_t id) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(id);
    return found != m_entries.end() && found->second->buffer != nullptr;
}

std::string HostRegistry::fallback_reason(std::uint64_t id) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(id);
    return found == m_entries.end() ? std::string("not registered") : found->second->reason;
}

std::chrono::nanoseconds HostRegistry::import_time(std::uint64_t id) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_entries.find(id);
    return found == m_entries.end() ? std::chrono::nanoseconds{0} : found->second->import_time;
}

RegistrationStatistics HostRegistry::statistics() const {
    const std::lock_guard lock(m_mutex);
    return m_statistics;
}

} // namespace vw::detail
