#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace vw::detail {

// A persistent pool of threads that split large memcpy calls between them and the caller.
// copy() may be called from several threads at once (an upload and a readback of one Transfer
// run side by side): the pool serves one copy at a time, and a caller that finds it busy
// copies alone rather than waiting behind another transfer's copy.
class CopyThreads {
public:
    // `participants` counts the calling thread; 1 means no extra threads.
    explicit CopyThreads(std::uint32_t participants);
    ~CopyThreads();
    CopyThreads(const CopyThreads &) = delete;
    CopyThreads &operator=(const CopyThreads &) = delete;

    [[nodiscard]] std::uint32_t participants() const noexcept {
        return static_cast<std::uint32_t>(m_workers.size()) + 1;
    }

    // memcpy(destination, source, bytes), split into pieces for every participant when large.
    void copy(std::byte *destination, const std::byte *source, std::size_t bytes);
    // Faults in the pages of fresh memory about to be written (Linux: MADV_POPULATE_WRITE),
    // split between the participants, leaving its contents as they are. Advice only: where the
    // kernel refuses, the pages fault in on first write as usual.
    void populate(std::byte *destination, std::size_t bytes);

private:
    void work();
    void run_pieces();
    void run(std::byte *destination, const std::byte *source, std::size_t bytes, std::size_t piece_alignment);

    std::vector<std::thread> m_workers;
    std::mutex m_owner; // held by the caller whose copy the workers serve
    std::mutex m_mutex;
    std::condition_variable m_start;
    std::condition_variable m_done;
    std::uint64_t m_generation = 0;
    bool m_stop = false;
    std::atomic<std::uint32_t> m_busy{0}; // helpers of the current copy not yet finished
    std::uint32_t m_wanted = 0;           // helpers of the current copy not yet started
    // Copies come in bursts (one per staging chunk): between two of them, threads poll for a
    // while before sleeping, which saves the wake-up latency of a condition variable.
    std::atomic<std::uint64_t> m_published{0};
    std::chrono::microseconds m_spin{0};

    std::byte *m_destination = nullptr;
    const std::byte *m_source = nullptr;
    std::size_t m_bytes = 0;
    std::size_t m_piece = 0;
    std::size_t m_pieces = 0;
    std::atomic<std::size_t> m_next{0};
};

} // namespace vw::detail
