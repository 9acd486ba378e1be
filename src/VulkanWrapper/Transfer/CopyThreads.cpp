#include "CopyThreads.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace vw::detail {

namespace {

// Below this a single memcpy wins: waking threads costs more than it saves.
// (measured on lavapipe: one memcpy still won at 1 MiB).
// From 1 MiB a copy is shared: on the H200 one thread writes write-combined staging or BAR
// memory at about 18 GB/s, short of the 20 a 1 MiB upload is to reach, and workers that poll
// between copies start within microseconds.
constexpr std::size_t parallel_threshold = std::size_t{1} << 20;
constexpr std::size_t populate_threshold = std::size_t{4} << 20;
constexpr std::size_t min_piece = std::size_t{256} << 10;
constexpr std::size_t huge_page = std::size_t{2} << 20;

#if defined(__linux__)
constexpr int populate_write = 23; // MADV_POPULATE_WRITE (Linux 5.14), absent from older headers
#endif

// Copies, or with no source faults the pages in.
void piece_work(std::byte *destination, const std::byte *source, std::size_t length) {
    if (source != nullptr) {
        std::memcpy(destination, source, length);
        return;
    }
#if defined(__linux__)
    static_cast<void>(madvise(destination, length, populate_write));
#else
    static_cast<void>(destination);
    static_cast<void>(length);
#endif
}

} // namespace

CopyThreads::CopyThreads(std::uint32_t participants) {
    const std::uint32_t extra = participants > 1 ? participants - 1 : 0;
    // Polling only pays where there are cores to spare for it.
    if (std::thread::hardware_concurrency() >= 8) m_spin = std::chrono::microseconds(200);
    m_workers.reserve(extra);
    for (std::uint32_t i = 0; i < extra; ++i) m_workers.emplace_back([this] { work(); });
}

CopyThreads::~CopyThreads() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_start.notify_all();
    for (auto &worker : m_workers) worker.join();
}

void CopyThreads::run_pieces() {
    for (std::size_t piece = m_next++; piece < m_pieces; piece = m_next++) {
        const std::size_t begin = piece * m_piece;
        const std::size_t length = std::min(m_piece, m_bytes - begin);
        piece_work(m_destination + begin, m_source == nullptr ? nullptr : m_source + begin, length);
    }
}

void CopyThreads::work() {
    std::uint64_t seen = 0;
    for (;;) {
        const auto give_up = std::chrono::steady_clock::now() + m_spin;
        while (m_published.load(std::memory_order_acquire) == seen &&
               std::chrono::steady_clock::now() < give_up) {
            std::this_thread::yield();
        }
        {
            std::unique_lock lock(m_mutex);
            m_start.wait(lock, [&] { return m_stop || (m_generation != seen && m_wanted > 0); });
            if (m_stop) return;
            seen = m_generation;
            --m_wanted;
        }
        run_pieces();
        {
            std::lock_guard lock(m_mutex);
            --m_busy;
        }
        m_done.notify_one();
    }
}

void CopyThreads::copy(std::byte *destination, const std::byte *source, std::size_t bytes) {
    if (bytes < parallel_threshold || m_workers.empty()) {
        if (bytes != 0) std::memcpy(destination, source, bytes);
        return;
    }
    run(destination, source, bytes, 64);
}

void CopyThreads::populate(std::byte *destination, std::size_t bytes) {
    // Whole huge pages inside the range: madvise wants page-aligned starts, and pieces of huge
    // pages keep them so.
    const auto first = reinterpret_cast<std::uintptr_t>(destination);
    const std::uintptr_t begin = (first + huge_page - 1) & ~(std::uintptr_t{huge_page} - 1);
    const std::uintptr_t end = (first + bytes) & ~(std::uintptr_t{huge_page} - 1);
    if (end <= begin) return;
    auto *aligned = reinterpret_cast<std::byte *>(begin);
    const std::size_t length = end - begin;
    if (length < populate_threshold || m_workers.empty()) {
        piece_work(aligned, nullptr, length);
        return;
    }
    run(aligned, nullptr, length, huge_page);
}

void CopyThreads::run(std::byte *destination, const std::byte *source, std::size_t bytes,
                      std::size_t piece_alignment) {
    const std::unique_lock owner(m_owner, std::try_to_lock);
    if (!owner.owns_lock()) {
        piece_work(destination, source, bytes);
        return;
    }
    const std::size_t participants = m_workers.size() + 1;
    // Pieces of at least 256 KiB, aligned, a few per participant to even out the load; only as
    // many workers are woken as there are pieces beyond the caller's first.
    std::size_t piece = std::max(min_piece, bytes / (participants * 4));
    piece = (piece + piece_alignment - 1) / piece_alignment * piece_alignment;
    const std::size_t pieces = (bytes + piece - 1) / piece;
    const auto helpers = static_cast<std::uint32_t>(std::min(m_workers.size(), pieces - 1));
    {
        std::lock_guard lock(m_mutex);
        m_destination = destination;
        m_source = source;
        m_bytes = bytes;
        m_piece = piece;
        m_pieces = pieces;
        m_next = 0;
        m_busy = helpers;
        m_wanted = helpers;
        ++m_generation;
        m_published.store(m_generation, std::memory_order_release);
    }
    m_start.notify_all();
    run_pieces();
    const auto give_up = std::chrono::steady_clock::now() + m_spin;
    while (m_busy.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
    }
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] { return m_busy.load() == 0; });
}

} // namespace vw::detail
