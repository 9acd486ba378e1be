#pragma once

#include <cstdint>
#include <string>

namespace vw::detail {

// VMA's internal assertions are routed here instead of to assert(): library code never aborts.
// A failure is recorded (count and the last expression) so that tests can fail on it.
void vma_assertion_failed(const char *expression, const char *file, int line) noexcept;

// Assertions failed since the process started, and the most recent one ("" when none).
[[nodiscard]] std::uint64_t vma_assertion_count() noexcept;
[[nodiscard]] std::string last_vma_assertion();

// True when VMA was compiled with debug margins and corruption detection (VW_CORRUPTION_DETECTION).
[[nodiscard]] bool vma_corruption_detection() noexcept;

} // namespace vw::detail
