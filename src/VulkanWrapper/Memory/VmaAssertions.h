#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace vw::detail {

// VMA's internal assertions are routed here instead of to assert(): library code never aborts.
// A failure is recorded (count and the last expression) and thrown as InvariantError by the
// next library call that reaches VMA (Allocator::check_invariants).
void vma_assertion_failed(const char *expression, const char *file, int line) noexcept;

// Assertions failed since the process started, and the most recent one ("" when none).
[[nodiscard]] std::uint64_t vma_assertion_count() noexcept;
[[nodiscard]] std::string last_vma_assertion();

// Failures so far, and how many of them were reported. Read on every allocation: the fast path
// of Allocator::check_invariants compares them without a call.
extern std::atomic<std::uint64_t> g_vma_failures;
extern std::atomic<std::uint64_t> g_vma_reported;

// True when a failure has not been reported yet.
[[nodiscard]] inline bool vma_assertion_pending() noexcept {
    return g_vma_failures.load(std::memory_order_relaxed) !=
           g_vma_reported.load(std::memory_order_relaxed);
}

// The most recent failure not reported yet, marking every failure so far as reported; std::nullopt
// when none is pending. Thread-safe: each failure is handed to one caller.
[[nodiscard]] std::optional<std::string> take_unreported_vma_assertion();

// Marks every failure so far as reported (check_corruption() reports its own findings).
void acknowledge_vma_assertions() noexcept;

// True when VMA was compiled with debug margins and corruption detection (VW_CORRUPTION_DETECTION).
[[nodiscard]] bool vma_corruption_detection() noexcept;

} // namespace vw::detail
