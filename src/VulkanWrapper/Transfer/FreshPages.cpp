#include "FreshPages.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace vw::detail {

namespace {

constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;

#if defined(__linux__)
constexpr int populate_write = 23; // MADV_POPULATE_WRITE (Linux 5.14), absent from older headers
#endif

} // namespace

std::span<std::byte> huge_pages_within(std::byte *storage, std::size_t bytes) noexcept {
    if (storage == nullptr) return {};
    const auto first = reinterpret_cast<std::uintptr_t>(storage);
    const std::uintptr_t begin = (first + huge_page - 1) & ~(huge_page - 1);
    const std::uintptr_t end = (first + bytes) & ~(huge_page - 1);
    if (end < begin + 2 * huge_page) return {};
    return {reinterpret_cast<std::byte *>(begin), static_cast<std::size_t>(end - begin)};
}

void advise_huge_pages(std::span<std::byte> pages) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!pages.empty()) static_cast<void>(madvise(pages.data(), pages.size(), MADV_HUGEPAGE));
#else
    static_cast<void>(pages);
#endif
}

void populate_pages(std::span<std::byte> pages) noexcept {
#if defined(__linux__)
    if (!pages.empty()) static_cast<void>(madvise(pages.data(), pages.size(), populate_write));
#else
    static_cast<void>(pages);
#endif
}

} // namespace vw::detail
