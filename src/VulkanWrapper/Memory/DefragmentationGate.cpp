#include "VulkanWrapper/Memory/DefragmentationGate.h"

#include <algorithm>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <cerrno>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace vw::detail {

constinit thread_local GateSlot *t_gate_slot = nullptr;

namespace {

#if defined(__linux__)
bool register_membarrier() noexcept {
    const long commands = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

// Orders every other running thread's earlier stores before this thread's later loads.
bool process_barrier() noexcept {
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return true;
    // A forked child inherits the fenced slots but not the registration: register again.
    return errno == EPERM && register_membarrier() &&
           syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
}
#else
bool register_membarrier() noexcept { return false; }
bool process_barrier() noexcept { return false; }
#endif

bool fences_available() noexcept {
    static const bool available = register_membarrier();
    return available;
}

// The fenced slots of live threads. Immortal: threads may end after static destruction.
struct SlotRegistry {
    std::mutex mutex;
    std::vector<GateSlot *> slots;
};
SlotRegistry &registry() noexcept {
    static SlotRegistry *const instance = new SlotRegistry;
    return *instance;
}

// A thread's entries after its fenced slot is gone count in the gates' `busy`.
constinit GateSlot g_unfenced_slot;

// Unregisters and frees this thread's fenced slot when the thread ends.
struct SlotOwner {
    GateSlot *slot = nullptr;
    SlotOwner() = default;
    SlotOwner(const SlotOwner &) = delete;
    SlotOwner &operator=(const SlotOwner &) = delete;
    ~SlotOwner() {
        if (slot == nullptr) return;
        {
            SlotRegistry &slots = registry();
            const std::lock_guard lock(slots.mutex);
            std::erase(slots.slots, slot);
        }
        t_gate_slot = &g_unfenced_slot;
        delete slot;
    }
};
thread_local SlotOwner t_slot_owner;

} // namespace

GateSlot *register_gate_slot() noexcept {
    if (!fences_available()) return t_gate_slot = &g_unfenced_slot;
    try {
        auto *slot = new GateSlot;
        slot->fenced = true;
        {
            SlotRegistry &slots = registry();
            const std::lock_guard lock(slots.mutex);
            slots.slots.push_back(slot);
        }
        t_slot_owner.slot = slot;
        return t_gate_slot = slot;
    } catch (...) {
        // Out of memory for the slot: this thread counts in the gates' `busy`, and tries again
        // at its next entry.
        return &g_unfenced_slot;
    }
}

void DefragmentationGate::close() {
    mutex.lock();
    active.store(true);
    // Without membarrier, no slot is fenced and every entry counts in `busy`. A failed barrier
    // (not expected once registered) still leaves the wait below, which sees every entry whose
    // announcement has reached this thread.
    if (fences_available()) {
        static_cast<void>(process_barrier());
        SlotRegistry &slots = registry();
        const std::lock_guard lock(slots.mutex);
        for (const GateSlot *slot : slots.slots) {
            while (slot->gate.load(std::memory_order_acquire) == this) std::this_thread::yield();
        }
    }
    while (busy.load() != 0) std::this_thread::yield();
}

void DefragmentationGate::open() noexcept {
    active.store(false);
    mutex.unlock();
}

} // namespace vw::detail
