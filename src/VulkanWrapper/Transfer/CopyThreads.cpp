#include "CopyThreads.h"

#include "../Utils/StreamingCopy.h"
#include "FreshPages.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace vw::detail {

namespace {

// Below this a single memcpy wins: waking threads costs more than it saves.
// (measured on lavapipe: one memcpy still won at 1 MiB).
// From 1 MiB a copy is shared: on the H200 one thread writes write-combined staging or BAR
// memory at about 18 GB/s, short of the 20 a 1 MiB upload is to reach, and workers that poll
// between copies start within microseconds.
constexpr std::size_t parallel_threshold = std::size_t{1} << 20;
// 64 KiB: on the H200 a 1 MiB readback's copy-out in 16 pieces took 13 us, in four of 256 KiB
// about 40 (one thread reads memory the device has just written at 5 to 10 GB/s).
constexpr std::size_t min_piece = std::size_t{64} << 10;
constexpr std::size_t huge_page = std::size_t{2} << 20;

constexpr unsigned generation_shift = 40;
constexpr unsigned pieces_shift = 20;
constexpr std::uint64_t field_mask = (std::uint64_t{1} << 20) - 1;
// Claims beyond the last piece (at most two per helper and one by the caller a copy) must not
// reach the piece count.
constexpr std::uint64_t max_pieces = field_mask / 2;

void copy_piece(std::byte *destination, const std::byte *source, std::size_t length, CopyStores stores) {
    if (stores == CopyStores::Streaming) {
        streaming_copy(destination, source, length);
    } else {
        std::memcpy(destination, source, length);
    }
}

// Copies, or with no source faults the pages in.
void piece_work(std::byte *destination, const std::byte *source, std::size_t length, CopyStores stores) {
    if (source != nullptr) {
        copy_piece(destination, source, length, stores);
    } else {
        populate_pages({destination, length});
    }
}

std::chrono::microseconds default_spin() {
    // Polling only pays where there are cores to spare for it.
    return std::thread::hardware_concurrency() >= 8 ? std::chrono::microseconds(200) : std::chrono::microseconds(0);
}

} // namespace

CopyThreads::CopyThreads(std::uint32_t participants)
    : CopyThreads(participants, default_spin()) {}

CopyThreads::CopyThreads(std::uint32_t participants, std::chrono::microseconds spin)
    : m_spin(spin) {
    const std::uint32_t extra = participants > 1 ? std::min<std::uint32_t>(participants - 1, max_pieces / 2) : 0;
    m_workers.reserve(extra);
    for (std::uint32_t i = 0; i < extra; ++i) {
        try {
            m_workers.emplace_back([this] { work(); });
        } catch (const std::system_error &) {
            // The system has no thread to give (a process or container limit): the helpers are
            // an aid to speed, and the copies go on with those already started.
            break;
        }
    }
}

CopyThreads::~CopyThreads() {
    m_stop.store(true, std::memory_order_seq_cst);
    publish(0);
    m_doorbell.fetch_add(1, std::memory_order_seq_cst);
    m_doorbell.notify_all();
    for (auto &worker : m_workers) worker.join();
}

void CopyThreads::publish(std::uint64_t pieces) {
    // A compare-exchange, not a store: prepare() may move the generation on meanwhile, and two
    // copies must never share one (a helper that saw it would not join the second).
    std::uint64_t word = m_word.load(std::memory_order_relaxed);
    std::uint64_t next = 0;
    do {
        next = (((word >> generation_shift) + 1) << generation_shift) | (pieces << pieces_shift);
    } while (!m_word.compare_exchange_weak(word, next, std::memory_order_seq_cst, std::memory_order_relaxed));
    ring();
}

void CopyThreads::ring() {
    // Waking every sleeper costs the waker about a microsecond each (17 us for 15 on the H200):
    // the caller wakes one, and that one wakes the others while the caller copies.
    if (m_sleeping.load(std::memory_order_seq_cst) == 0) return;
    m_doorbell.fetch_add(1, std::memory_order_seq_cst);
    m_doorbell.notify_one();
}

void CopyThreads::run_pieces() {
    for (;;) {
        const std::uint64_t word = m_word.fetch_add(1, std::memory_order_acq_rel);
        const std::uint64_t piece = word & field_mask;
        if (piece >= ((word >> pieces_shift) & field_mask)) return;
        const std::size_t begin = piece * m_piece;
        const std::size_t length = std::min(m_piece, m_bytes - begin);
        piece_work(m_destination + begin, m_source == nullptr ? nullptr : m_source + begin, length, m_stores);
        if (m_remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) m_remaining.notify_all();
    }
}

void CopyThreads::work() {
    std::uint64_t seen = m_word.load(std::memory_order_acquire) >> generation_shift;
    auto give_up = std::chrono::steady_clock::now() + m_spin;
    for (;;) {
        const std::uint64_t word = m_word.load(std::memory_order_acquire);
        if (m_stop.load(std::memory_order_acquire)) return;
        if ((word >> generation_shift) != seen) {
            seen = word >> generation_shift;
            run_pieces();
            give_up = std::chrono::steady_clock::now() + m_spin;
        } else if (std::chrono::steady_clock::now() < give_up) {
            std::this_thread::yield();
        } else {
            sleep(word);
            give_up = std::chrono::steady_clock::now() + m_spin;
        }
    }
}

void CopyThreads::sleep(std::uint64_t word) {
    // Announced before the word is read again, and the publisher reads the count after it has
    // written the word (all sequentially consistent): either this thread sees the new copy, or
    // the publisher sees a sleeper and rings.
    const std::uint32_t bell = m_doorbell.load(std::memory_order_seq_cst);
    m_sleeping.fetch_add(1, std::memory_order_seq_cst);
    if (m_word.load(std::memory_order_seq_cst) == word && !m_stop.load(std::memory_order_seq_cst)) {
        m_doorbell.wait(bell, std::memory_order_seq_cst);
    }
    if (m_sleeping.fetch_sub(1, std::memory_order_seq_cst) > 1) m_doorbell.notify_all();
}

void CopyThreads::copy(std::byte *destination, const std::byte *source, std::size_t bytes, CopyStores stores) {
    if (bytes < parallel_threshold || m_workers.empty()) {
        if (bytes != 0) copy_piece(destination, source, bytes, stores);
        return;
    }
    run(destination, source, bytes, 64, stores);
}

void CopyThreads::populate(std::byte *destination, std::size_t bytes, PopulateBy by) {
    // Whole huge pages: madvise wants page-aligned starts, and pieces of huge pages keep them so.
    const std::span<std::byte> pages = huge_pages_within(destination, bytes);
    if (pages.empty()) return;
    if (by == PopulateBy::Caller || m_workers.empty()) {
        populate_pages(pages);
        return;
    }
    run(pages.data(), nullptr, pages.size(), huge_page, CopyStores::Cached);
}

void CopyThreads::prepare() {
    if (m_workers.empty() || m_spin.count() == 0) return;
    std::uint64_t word = m_word.load(std::memory_order_relaxed);
    std::uint64_t next = 0;
    do {
        // While a copy still has pieces to hand out its helpers are awake: nothing to do.
        if ((word & field_mask) < ((word >> pieces_shift) & field_mask)) return;
        next = ((word >> generation_shift) + 1) << generation_shift;
    } while (!m_word.compare_exchange_weak(word, next, std::memory_order_seq_cst, std::memory_order_relaxed));
    ring();
}

void CopyThreads::run(std::byte *destination, const std::byte *source, std::size_t bytes,
                      std::size_t piece_alignment, CopyStores stores) {
    const std::unique_lock owner(m_owner, std::try_to_lock);
    if (!owner.owns_lock()) {
        piece_work(destination, source, bytes, stores);
        return;
    }
    const std::size_t participants = m_workers.size() + 1;
    // Pieces of at least min_piece, aligned, a few per participant to even out the load.
    std::size_t piece = std::max({min_piece, bytes / (participants * 4), bytes / max_pieces + 1});
    piece = (piece + piece_alignment - 1) / piece_alignment * piece_alignment;
    const std::size_t pieces = (bytes + piece - 1) / piece;
    m_destination = destination;
    m_source = source;
    m_bytes = bytes;
    m_piece = piece;
    m_stores = stores;
    m_remaining.store(pieces, std::memory_order_relaxed);
    publish(pieces);
    run_pieces();
    // Helpers may still be copying the pieces they claimed last.
    const auto give_up = std::chrono::steady_clock::now() + m_spin;
    std::uint64_t left = m_remaining.load(std::memory_order_acquire);
    while (left != 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
        left = m_remaining.load(std::memory_order_acquire);
    }
    while (left != 0) {
        m_remaining.wait(left, std::memory_order_acquire);
        left = m_remaining.load(std::memory_order_acquire);
    }
}

} // namespace vw::detail
