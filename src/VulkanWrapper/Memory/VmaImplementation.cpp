// The one translation unit that compiles VMA's implementation, with its assertions recorded
// rather than aborting (see VmaAssertions.h).
#include "VmaAssertions.h"

#include <atomic>
#include <mutex>
#include <string>

#define VMA_ASSERT(expr)                                                                           \
    ((expr) ? static_cast<void>(0) : ::vw::detail::vma_assertion_failed(#expr, __FILE__, __LINE__))
#define VMA_HEAVY_ASSERT(expr) static_cast<void>(0)
#if defined(VW_CORRUPTION_DETECTION)
// Guard bytes around every sub-allocation, filled with a magic value VMA checks on free and in
// vmaCheckCorruption (host-visible, coherent memory only).
#define VMA_DEBUG_MARGIN 16
#define VMA_DEBUG_DETECT_CORRUPTION 1
#endif
#define VMA_IMPLEMENTATION
#include <vk_mem_alloc.h>

namespace vw::detail {

namespace {


std::mutex g_mutex;
std::string g_last; // guarded by g_mutex

} // namespace

std::atomic<std::uint64_t> g_vma_failures{0};
std::atomic<std::uint64_t> g_vma_reported{0};

void vma_assertion_failed(const char *expression, const char *file, int line) noexcept {
    ++g_vma_failures;
    try {
        std::lock_guard lock(g_mutex);
        g_last = std::string(expression) + " (" + file + ":" + std::to_string(line) + ")";
    } catch (...) {
        // Keeping the text needs memory; the count is what matters.
    }
}

bool vma_corruption_detection() noexcept {
#if defined(VW_CORRUPTION_DETECTION)
    return true;
#else
    return false;
#endif
}

std::uint64_t vma_assertion_count() noexcept { return g_vma_failures.load(); }

std::optional<std::string> take_unreported_vma_assertion() {
    const std::uint64_t failures = g_vma_failures.load();
    std::uint64_t reported = g_vma_reported.load();
    while (reported < failures) {
        if (g_vma_reported.compare_exchange_weak(reported, failures)) {
            const std::uint64_t missed = failures - reported;
            std::string text = last_vma_assertion();
            if (missed > 1) text += " (and " + std::to_string(missed - 1) + " earlier)";
            return text;
        }
    }
    return std::nullopt;
}

void acknowledge_vma_assertions() noexcept {
    const std::uint64_t failures = g_vma_failures.load();
    std::uint64_t reported = g_vma_reported.load();
    while (reported < failures && !g_vma_reported.compare_exchange_weak(reported, failures)) {
    }
}

std::string last_vma_assertion() {
    std::lock_guard lock(g_mutex);
    return g_last;
}

} // namespace vw::detail
