#pragma once

#include <cstddef>
#include <span>

namespace vw::detail {

// Fresh memory is faulted in and zeroed by the kernel page by page as it is first written; for
// a large readback into a new container that costs as much as the copy. These ask the kernel
// (Linux) for huge pages, 512 times fewer faults, and fault them in ahead of the copy. Advice
// only: where the kernel refuses or the system has neither, the pages fault in on first write
// as usual, and the contents never change.

// The whole 2 MiB pages inside [storage, storage + bytes): empty unless there are at least two.
[[nodiscard]] std::span<std::byte> huge_pages_within(std::byte *storage, std::size_t bytes) noexcept;

// Asks for huge pages over `pages` (madvise(MADV_HUGEPAGE)), which huge_pages_within() gave.
void advise_huge_pages(std::span<std::byte> pages) noexcept;

// Faults in `pages`, whole pages, on the calling thread (madvise(MADV_POPULATE_WRITE)).
void populate_pages(std::span<std::byte> pages) noexcept;

} // namespace vw::detail
