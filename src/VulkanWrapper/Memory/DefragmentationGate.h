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

// One allocation or free in progress, from construction to leave() or destruction; waits
// while a pass runs.
class GateEntry {
public:
    explicit GateEntry(DefragmentationGate &gate)
        : m_gate(&gate) {
        gate.busy.fetch_add(1);
        if (gate.active.load()) [[unlikely]] wait_for_pass();
    }
    GateEntry(const GateEntry &) = delete;
    GateEntry &operator=(const GateEntry &) = delete;
    ~GateEntry() { leave(); }

    // Ends the entry early; later calls (and the destructor) do nothing.
    void leave() noexcept {
        if (m_gate == nullptr) return;
        if (m_locked) [[unlikely]] {
            m_gate->mutex.unlock();
        } else {
            m_gate->busy.fetch_sub(1, std::memory_order_release);
        }
        m_gate = nullptr;
    }

private:
    void wait_for_pass() {
        m_gate->busy.fetch_sub(1);
        m_gate->mutex.lock();
        m_locked = true;
    }

    DefragmentationGate *m_gate;
    bool m_locked = false;
};

} // namespace vw::detail
