#pragma once

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

// The most recent failure not reported yet, marking every failure so far as reported; std::nullopt
// when none is pending. Thread-safe: each failure is handed to one caller.
[[nodiscard]] std::optional<std::string> take_unreported_vma_assertion();

// Marks every failure so far as reported (check_corruption() reports its own findings).
void acknowledge_vma_assertions() noexcept;

// True when VMA was compiled with debug margins and corruption detection (VW_CORRUPTION_DETECTION).
[[nodiscard]] bool vma_corruption_detection() noexcept;

} // namespace vw::detail
