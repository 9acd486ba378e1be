#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace vw::detail {

// Keeps defragmentation passes apart from allocations and frees in other threads: VMA must not
// free an allocation a pass moves, and a pass must not read an object still being filled in.
//
// Allocation and free paths announce themselves (GateEntry) and take `mutex` only while a pass
// is running; a pass (close()) holds `mutex`, raises `active`, then waits until no entry is in
// flight. Where Linux's membarrier(2) is available, an entry announces itself with a plain store
// to its thread's GateSlot, with no locked instruction (issue 12 measured the two locked
// read-modify-writes of each allocation and each free at about 3% of allocate + free); the pass's membarrier makes that store
// and the entry's read of `active` ordered against the pass's own store and reads (an
// asymmetric fence). Elsewhere, and for a thread whose slot is gone (thread_local destructors
// after the slot's own), entries count in `busy` with atomic read-modify-writes.
struct DefragmentationGate {
    std::mutex mutex;
    std::atomic<std::uint32_t> busy{0};
    std::atomic<bool> active{false};

    // Begins a pass: blocks new entries and waits until those in flight have left. Must not be
    // called by a thread inside an entry of this gate. Throws std::system_error only as
    // std::mutex::lock() does.
    void close();
    // Ends the pass begun by close() on this thread.
    void open() noexcept;
};

// The entry one thread has in flight, read by every gate's passes. Written only by its thread.
struct alignas(64) GateSlot {
    // The gate of this thread's fenced entry in flight; null when there is none.
    std::atomic<const DefragmentationGate *> gate{nullptr};
    bool fenced = false; // false: this thread's entries count in each gate's `busy`
};

// This thread's slot; null until its first entry.
extern constinit thread_local GateSlot *t_gate_slot;
// Gives this thread its slot (a fenced one where the process can use membarrier). Never null.
GateSlot *register_gate_slot() noexcept;

// One allocation or free in progress, from construction to leave() or destruction; waits
// while a pass runs. An entry made while the thread has another in flight counts in `busy`.
class GateEntry {
public:
    explicit GateEntry(DefragmentationGate &gate)
        : m_gate(&gate) {
        GateSlot *slot = t_gate_slot;
        if (slot == nullptr) [[unlikely]] slot = register_gate_slot();
        if (slot->fenced && slot->gate.load(std::memory_order_relaxed) == nullptr) [[likely]] {
            slot->gate.store(&gate, std::memory_order_relaxed);
            // The compiler keeps the store before the load; the pass's membarrier does the rest.
            std::atomic_signal_fence(std::memory_order_seq_cst);
            if (gate.active.load(std::memory_order_acquire)) [[unlikely]] {
                slot->gate.store(nullptr, std::memory_order_release);
                wait_for_pass();
                return;
            }
            m_slot = slot;
        } else {
            gate.busy.fetch_add(1);
            if (gate.active.load()) [[unlikely]] {
                gate.busy.fetch_sub(1);
                wait_for_pass();
            }
        }
    }
    GateEntry(const GateEntry &) = delete;
    GateEntry &operator=(const GateEntry &) = delete;
    ~GateEntry() { leave(); }

    // Ends the entry early; later calls (and the destructor) do nothing.
    void leave() noexcept {
        if (m_gate == nullptr) return;
        if (m_slot != nullptr) [[likely]] {
            m_slot->gate.store(nullptr, std::memory_order_release);
        } else if (m_locked) {
            m_gate->mutex.unlock();
        } else {
            m_gate->busy.fetch_sub(1, std::memory_order_release);
        }
        m_gate = nullptr;
    }

private:
    void wait_for_pass() {
        m_gate->mutex.lock();
        m_locked = true;
    }

    DefragmentationGate *m_gate;
    GateSlot *m_slot = nullptr;
    bool m_locked = false;
};

} // namespace vw::detail
