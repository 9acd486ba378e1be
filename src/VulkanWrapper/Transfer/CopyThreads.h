#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace vw::detail {

// How a copy writes its destination.
enum class CopyStores : std::uint8_t {
    Cached,    // memcpy: for memory the host reads again (a caller's vector)
    Streaming, // non-temporal stores (streaming_copy): for memory only the device reads next
};

// The stores for a host write into memory of these properties that the device reads next:
// streaming into memory the host does not cache (staging and BAR memory on a discrete GPU: the
// lines are not read before being written; on the H200 host 15 threads wrote 256 MiB of
// staging at 69 GB/s this way, 50 with memcpy), cached where the host caches it (unified memory).
[[nodiscard]] inline CopyStores stores_for(vk::MemoryPropertyFlags properties) noexcept {
    return properties & vk::MemoryPropertyFlagBits::eHostCached ? CopyStores::Cached : CopyStores::Streaming;
}

// Uploads up to this size fill their staging with streaming stores (where stores_for says so);
// larger ones with memcpy. Measured on the H200 (staged uploads, GB/s, memcpy -> streaming):
// 2 MiB 21 -> 28, 8 MiB 25 -> 36, 32 MiB 24 -> 37, 64 MiB 35.5 -> 37, but 128 MiB 41 -> 39 and
// 256 MiB 44.5 -> 40: over a long upload, the DMA engine reads staging the cache still holds
// when memcpy wrote it, and from memory when the stores bypassed the cache.
inline constexpr std::size_t streaming_upload_limit = std::size_t{64} << 20;

// The stores that fill staging of these properties for an upload of `upload_bytes` in all.
[[nodiscard]] inline CopyStores staging_stores_for(vk::MemoryPropertyFlags properties,
                                                   std::size_t upload_bytes) noexcept {
    return upload_bytes <= streaming_upload_limit ? stores_for(properties) : CopyStores::Cached;
}

// Who faults in the pages of CopyThreads::populate().
enum class PopulateBy : std::uint8_t {
    Caller,          // the calling thread alone
    AllParticipants, // split between the caller and the helpers
};

// A persistent pool of threads that split large memcpy calls between them and the caller.
// copy() may be called from several threads at once (an upload and a readback of one Transfer
// run side by side): the pool serves one copy at a time, and a caller that finds it busy
// copies alone rather than waiting behind another transfer's copy.
//
// A copy is published as one atomic word (generation, piece count, next piece); the caller and
// the helpers claim pieces from it with a fetch-add, so no helper takes a lock to join and none
// goes to sleep because a copy had fewer pieces than there are helpers. Between copies the
// helpers poll for `spin`, then sleep until the next copy or prepare() rings a doorbell.
class CopyThreads {
public:
    // `participants` counts the calling thread; 1 means no extra threads. Helpers poll for 200
    // microseconds between copies where the machine has 8 or more hardware threads, else not.
    explicit CopyThreads(std::uint32_t participants);
    // As above, with the polling time given (0: helpers sleep as soon as a copy is done).
    CopyThreads(std::uint32_t participants, std::chrono::microseconds spin);
    ~CopyThreads();
    CopyThreads(const CopyThreads &) = delete;
    CopyThreads &operator=(const CopyThreads &) = delete;

    [[nodiscard]] std::uint32_t participants() const noexcept {
        return static_cast<std::uint32_t>(m_workers.size()) + 1;
    }

    // memcpy(destination, source, bytes), split into pieces for every participant when large,
    // written with the stores asked for.
    void copy(std::byte *destination, const std::byte *source, std::size_t bytes,
              CopyStores stores = CopyStores::Cached);
    // Faults in the whole huge pages of fresh memory about to be written (huge_pages_within(),
    // populate_pages() of FreshPages.h), by the caller or split between the participants,
    // leaving its contents as they are. Advice only: where the kernel refuses, the pages fault
    // in on first write as usual.
    void populate(std::byte *destination, std::size_t bytes, PopulateBy by = PopulateBy::AllParticipants);
    // Wakes sleeping helpers so that they poll for the copy that follows shortly (a readback's
    // copy-out, while the device still copies): its pieces start without a wake-up's latency.
    // Does nothing without polling, or while a copy runs (the helpers are awake then).
    void prepare();

private:
    void work();
    // Claims pieces of the published copy and runs them until none is left.
    void run_pieces();
    void run(std::byte *destination, const std::byte *source, std::size_t bytes, std::size_t piece_alignment,
             CopyStores stores);
    void publish(std::uint64_t pieces);
    // Wakes a sleeping helper, if any; it wakes the others.
    void ring();
    // Sleeps until the doorbell rings, unless the word has moved on from `word`.
    void sleep(std::uint64_t word);

    std::vector<std::thread> m_workers;
    std::chrono::microseconds m_spin{0};
    std::mutex m_owner; // held by the caller whose copy the pool serves
    // Bits 40-63: generation; 20-39: pieces of the copy; 0-19: the next piece to claim.
    std::atomic<std::uint64_t> m_word{0};
    std::atomic<std::uint64_t> m_remaining{0}; // pieces of the copy not yet done
    std::atomic<bool> m_stop{false};
    // Helpers sleep on a 32-bit word (a futex of its own on Linux; a 64-bit one shares a proxy).
    std::atomic<std::uint32_t> m_doorbell{0};
    std::atomic<std::uint32_t> m_sleeping{0};

    // Written by the owner before it publishes a copy; read by a participant only after it has
    // claimed one of the copy's pieces, which the owner waits for before writing them again.
    std::byte *m_destination = nullptr;
    const std::byte *m_source = nullptr;
    std::size_t m_bytes = 0;
    std::size_t m_piece = 0;
    CopyStores m_stores = CopyStores::Cached;
};

} // namespace vw::detail
