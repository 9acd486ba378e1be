#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "VulkanWrapper/Memory/DefragmentationGate.h"

namespace vw::detail {
namespace {

// The slot of the calling thread, registering it as its first entry would.
const GateSlot &own_slot() {
    if (t_gate_slot == nullptr) register_gate_slot();
    return *t_gate_slot;
}

TEST(DefragmentationGateTests, AnEntryAnnouncesItselfInItsThreadsSlotOrElseInTheGate) {
    DefragmentationGate gate;
    const GateSlot &slot = own_slot();
    {
        GateEntry entry(gate);
        if (slot.fenced) {
            EXPECT_EQ(slot.gate.load(), &gate);
            EXPECT_EQ(gate.busy.load(), 0u);
        } else {
            EXPECT_EQ(slot.gate.load(), nullptr);
            EXPECT_EQ(gate.busy.load(), 1u);
        }
        entry.leave();
        EXPECT_EQ(slot.gate.load(), nullptr);
        EXPECT_EQ(gate.busy.load(), 0u);
    }
    EXPECT_EQ(slot.gate.load(), nullptr);
    EXPECT_EQ(gate.busy.load(), 0u);
}

// A second entry while the thread has one in flight counts in its own gate, so that a pass on
// either gate waits only for the entries of that gate.
TEST(DefragmentationGateTests, ANestedEntryCountsInItsGateAndAPassOnTheOtherGateDoesNotWaitForIt) {
    DefragmentationGate outer_gate;
    DefragmentationGate inner_gate;
    const GateSlot &slot = own_slot();
    GateEntry outer(outer_gate);
    {
        GateEntry inner(inner_gate);
        EXPECT_EQ(inner_gate.busy.load(), 1u);
        EXPECT_EQ(outer_gate.busy.load(), slot.fenced ? 0u : 1u);
    }
    EXPECT_EQ(inner_gate.busy.load(), 0u);
    // Another thread's pass on a gate this thread is not in returns while the entry is held
    // (were it to wait for every thread's slot, this would not return).
    std::atomic<bool> passed{false};
    std::thread pass([&] {
        inner_gate.close();
        passed = true;
        inner_gate.open();
    });
    pass.join();
    EXPECT_TRUE(passed.load());
    outer.leave();
}

TEST(DefragmentationGateTests, APassWaitsForTheEntriesInFlightAndNewEntriesWaitForThePass) {
    DefragmentationGate gate;
    std::atomic<bool> entered{false};
    std::atomic<bool> release{false};
    std::atomic<bool> left{false};
    std::thread holder([&] {
        GateEntry entry(gate);
        entered = true;
        while (!release.load()) std::this_thread::yield();
        left = true;
        entry.leave();
    });
    while (!entered.load()) std::this_thread::yield();
    std::atomic<bool> closed{false};
    std::thread pass([&] {
        gate.close();
        closed = true;
        EXPECT_TRUE(left.load()); // the entry in flight was waited for
    });
    // Gives the pass time to go wrong if it did not wait; correctness does not depend on it.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(closed.load());
    release = true;
    holder.join();
    pass.join();
    EXPECT_TRUE(closed.load());

    // The gate is closed: an entry from another thread waits until it opens.
    std::atomic<bool> opened{false};
    std::atomic<bool> late_entered{false};
    std::thread late([&] {
        GateEntry entry(gate);
        late_entered = true;
        EXPECT_TRUE(opened.load());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(late_entered.load());
    opened = true;
    gate.open();
    late.join();
    EXPECT_TRUE(late_entered.load());
    EXPECT_EQ(gate.busy.load(), 0u);
}

// Threads that come and go (each registers and, at its end, frees its slot) while passes run
// (ThreadSanitizer and AddressSanitizer see the slots' registration and release).
TEST(DefragmentationGateTests, ConcurrentShortLivedThreadsEnterWhilePassesRun) {
    DefragmentationGate gate;
    std::atomic<bool> stop{false};
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::thread passes([&] {
        while (!stop.load()) {
            gate.close();
            if (inside.load() != 0) overlaps.fetch_add(1);
            gate.open();
        }
    });
    for (int round = 0; round < 50; ++round) {
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20; ++i) {
                    GateEntry entry(gate);
                    inside.fetch_add(1);
                    std::this_thread::yield(); // widens the window a broken gate would show
                    inside.fetch_sub(1);
                }
            });
        }
        for (auto &thread : threads) thread.join();
    }
    stop = true;
    passes.join();
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_EQ(gate.busy.load(), 0u);
}

} // namespace
} // namespace vw::detail
