#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace vw::detail {

// Keeps defragmentation passes apart from allocations and frees in other threads: VMA must not
// free an allocation a pass moves, and a pass must not read an object still being filled in.
// Allocation and free paths announce themselves in `busy` and take `mutex` only while a pass
// is running; a pass holds `mutex`, raises `active`, then waits for `busy` to drain.
struct DefragmentationGate {
    std::mutex mutex;
    std::atomic<std::uint32_t> busy{0};
    std::atomic<bool> active{false};
};

// One allocation or free in progress (a scope); waits while a pass runs.
class GateEntry {
public:
    explicit GateEntry(DefragmentationGate &gate)
        : m_gate(gate) {
        m_gate.busy.fetch_add(1);
        if (m_gate.active.load()) [[unlikely]] {
            m_gate.busy.fetch_sub(1);
            m_lock = std::unique_lock<std::mutex>(m_gate.mutex);
        }
    }
    GateEntry(const GateEntry &) = delete;
    GateEntry &operator=(const GateEntry &) = delete;
    ~GateEntry() {
        if (!m_lock.owns_lock()) m_gate.busy.fetch_sub(1, std::memory_order_release);
    }

private:
    DefragmentationGate &m_gate;
    std::unique_lock<std::mutex> m_lock;
};

} // namespace vw::detail
