#pragma once
// The allocator's record of library GPU work that reads or writes its allocations (Transfer's
// asynchronous copies): defragmentation leaves an allocation where it is until the semaphore
// value of its last such copy is reached. Internal: not installed.

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

namespace vw {
class Device;
} // namespace vw

namespace vw::detail {

class PendingWork {
public:
    /// The record of the allocator of `device`, which must outlive it.
    explicit PendingWork(const Device &device) noexcept
        : m_device(device) {}
    PendingWork(const PendingWork &) = delete;
    PendingWork &operator=(const PendingWork &) = delete;

    /// Records that the submission signalling `value` of `semaphore` uses `allocation`;
    /// `keepalive` owns the semaphore (a weak reference is kept: an expired one means the
    /// semaphore's owner waited for its work and went). Thread-safe.
    void add(VmaAllocation allocation, const std::shared_ptr<const void> &keepalive, vk::Semaphore semaphore,
             std::uint64_t value);
    /// True while some recorded work on `allocation` has not completed; forgets the work that
    /// has. A query that fails counts as pending. Thread-safe.
    [[nodiscard]] bool busy(VmaAllocation allocation);

private:
    struct Record {
        std::weak_ptr<const void> keepalive;
        vk::Semaphore semaphore;
        std::uint64_t value = 0;
    };
    // Whether `record`'s work has completed (its semaphore gone counts as completed).
    [[nodiscard]] bool completed(const Record &record) const;
    // Drops every completed record; called when the map has grown (allocations freed after
    // their work leave records nobody asks about).
    void sweep();

    const Device &m_device;
    std::mutex m_mutex;
    std::unordered_map<VmaAllocation, std::vector<Record>> m_records;
    std::size_t m_sweep_at = 256;
};

} // namespace vw::detail
