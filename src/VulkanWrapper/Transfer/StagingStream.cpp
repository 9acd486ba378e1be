#include "StagingStream.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>

#include "CopyBarriers.h"
#include "CopyThreads.h"
#include "SubmitTimeline.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw::detail {

namespace {

constexpr vk::DeviceSize small_chunk = vk::DeviceSize{4} << 20;

std::atomic<StagingStreamProbe *> g_probe{nullptr};

void probe(StagingDirection direction, std::size_t chunk) {
    if (StagingStreamProbe *installed = g_probe.load(std::memory_order_acquire)) {
        installed->before_chunk(direction, chunk);
    }
}

} // namespace

void set_staging_stream_probe(StagingStreamProbe *installed) noexcept {
    g_probe.store(installed, std::memory_order_release);
}

namespace {

// Leaving a stream's call by an exception, part-way: waits for what was submitted on `timeline`,
// since the chunks in flight copy into or out of a buffer the caller may free at once, and out
// of blocks that go back to the arena after it (declare it after them). When `unsignalled` holds
// anything, some submissions have no signal yet: a signal-only batch covers them. If none can be
// submitted, or the wait fails, the queue's idle wait covers what was submitted; a wait that
// fails has drained the device already, and a lost device runs nothing.
class SettleOnFailure {
public:
    explicit SettleOnFailure(SubmitTimeline &timeline, const std::vector<std::size_t> *unsignalled = nullptr) noexcept
        : m_timeline(timeline)
        , m_unsignalled(unsignalled)
        , m_exceptions(std::uncaught_exceptions()) {}
    SettleOnFailure(const SettleOnFailure &) = delete;
    SettleOnFailure &operator=(const SettleOnFailure &) = delete;
    ~SettleOnFailure() {
        if (std::uncaught_exceptions() <= m_exceptions) return;
        try {
            const bool pending = m_unsignalled != nullptr && !m_unsignalled->empty();
            m_timeline.wait(pending ? m_timeline.signal() : m_timeline.last_submitted());
            return;
        } catch (const Exception &) {
        }
        try {
            m_timeline.queue().wait_idle();
        } catch (const Exception &) {
        }
    }

private:
    SubmitTimeline &m_timeline;
    const std::vector<std::size_t> *m_unsignalled;
    int m_exceptions;
};

} // namespace

UploadStream::UploadStream(std::shared_ptr<StagingArena> arena, SubmitTimeline &timeline, CopyThreads &threads,
                           vk::DeviceSize chunk_bytes, std::uint32_t slots)
    : m_arena(std::move(arena))
    , m_timeline(timeline)
    , m_threads(threads)
    , m_chunk(chunk_bytes)
    , m_slots(slots) {}

namespace {

// An upload's chunk lengths: they grow from small_chunk to a full slot and shrink again towards
// the end, so that the DMA starts sooner and the last copy, which nothing overlaps, is short.
class ChunkRamp {
public:
    explicit ChunkRamp(vk::DeviceSize chunk) noexcept
        : m_chunk(chunk)
        , m_ramp(std::min(chunk, small_chunk)) {}

    // The next chunk's length, `remaining` bytes being left.
    vk::DeviceSize next(vk::DeviceSize remaining) noexcept {
        const vk::DeviceSize length = std::min({m_ramp, m_chunk, std::max(small_chunk, remaining / 2), remaining});
        m_ramp = std::min(m_ramp * 2, m_chunk); // capped: doubling without end wraps to 0 after 64 bits
        return length;
    }

private:
    vk::DeviceSize m_chunk;
    vk::DeviceSize m_ramp;
};

std::size_t planned_chunks(vk::DeviceSize size, vk::DeviceSize chunk) noexcept {
    ChunkRamp ramp(chunk);
    std::size_t count = 0;
    for (vk::DeviceSize remaining = size; remaining > 0; remaining -= ramp.next(remaining)) ++count;
    return count;
}

} // namespace

std::uint64_t UploadStream::upload(const BufferBase &destination, std::span<const std::byte> bytes,
                                   vk::DeviceSize offset, std::span<const vk::SemaphoreSubmitInfo> waits) {
    const std::lock_guard lock(m_mutex);
    const std::uint32_t family = m_timeline.queue().family_index();
    ChunkRamp ramp(m_chunk);
    const std::size_t planned = planned_chunks(bytes.size(), m_chunk);
    std::uint64_t last = 0;
    std::size_t index = 0;
    // The blocks this upload holds, in the order of their first use; once the arena gives no
    // more (the slot count or the budget), the oldest is waited for and reused.
    std::vector<StagingLease> held;
    held.reserve(m_slots);
    std::size_t reuse = 0;
    // A chunk signals the timeline when it is the last, or when a later chunk is to reuse its
    // block (the ring wraps after `m_slots` chunks); the others do not (a signal between chunks
    // cost the H200 6 us of idle copy engine each). Their blocks, by index in `held`, are retired
    // with the next value signalled, which covers every earlier submission; a block needed
    // sooner than planned (the arena's budget gave fewer blocks) gets a signal of its own then.
    std::vector<std::size_t> unsignalled;
    unsignalled.reserve(m_slots); // no allocation between a submission and its record below
    const auto cover = [&](std::uint64_t value) {
        for (const std::size_t slot : unsignalled) held[slot].retire(m_timeline.semaphore(), value);
        unsignalled.clear();
    };
    const SettleOnFailure settle(m_timeline, &unsignalled);
    for (vk::DeviceSize position = 0, length = 0; position < bytes.size(); position += length, ++index) {
        length = ramp.next(bytes.size() - position);

        StagingLease *lease = nullptr;
        if (held.size() < m_slots) {
            if (auto fresh = m_arena->try_acquire(StagingKind::Upload, length)) {
                lease = &held.emplace_back(std::move(*fresh));
            } else if (held.empty()) {
                lease = &held.emplace_back(m_arena->acquire(StagingKind::Upload, length, true));
            }
        }
        if (lease == nullptr) {
            const std::size_t slot = reuse++ % held.size();
            lease = &held[slot];
            if (std::find(unsignalled.begin(), unsignalled.end(), slot) != unsignalled.end()) {
                cover(m_timeline.signal());
            }
            m_timeline.wait(lease->retired_value(), lease->bytes());
            // A block from the start of the ramp is traded for one the chunk fills, when the
            // arena has it: the chunks keep growing with a fixed number of blocks held.
            if (lease->bytes() < length) {
                if (auto bigger = m_arena->try_acquire(StagingKind::Upload, length)) *lease = std::move(*bigger);
            }
        }
        length = std::min(length, lease->bytes());
        probe(StagingDirection::Upload, index);
        m_threads.copy(lease->data(), bytes.data() + position, length,
                       staging_stores_for(lease->buffer().memory_properties(), bytes.size()));
        lease->buffer().flush(0, length);

        CommandBuffer &recorder = lease->commands(m_arena->device(), family);
        recorder.begin();
        const vk::CommandBuffer commands = recorder.handle();
        // One barrier, in the first chunk: the later chunks follow it in submission order and
        // write bytes no other chunk writes, so a barrier each would only keep the device from
        // overlapping one chunk's copy with the next. Submission order alone does not order
        // the copy after earlier work on the same bytes (earlier transfers, the user's work).
        if (index == 0) order_copy_after_earlier_work(commands, vk::AccessFlagBits2::eTransferWrite);
        commands.copyBuffer(lease->buffer().handle(), destination.handle(),
                            vk::BufferCopy(0, offset + position, length));
        recorder.end();
        // The first chunk waits; the later ones follow it in submission order.
        const auto chunk_waits = index == 0 ? waits : std::span<const vk::SemaphoreSubmitInfo>{};
        const bool final_chunk = position + length == bytes.size();
        if (final_chunk || index + m_slots < planned) {
            last = m_timeline.submit(recorder, chunk_waits);
            lease->retire(m_timeline.semaphore(), last);
            cover(last);
        } else {
            m_timeline.submit_unsignalled(recorder, chunk_waits);
            unsignalled.push_back(static_cast<std::size_t>(lease - held.data()));
        }
    }
    return last;
}

DownloadStream::DownloadStream(std::shared_ptr<StagingArena> arena, SubmitTimeline &timeline, CopyThreads &threads,
                               vk::DeviceSize chunk_bytes, std::uint32_t slots)
    : m_arena(std::move(arena))
    , m_timeline(timeline)
    , m_threads(threads)
    , m_chunk(chunk_bytes)
    , m_slots(slots) {}

void DownloadStream::download(const BufferBase &source, std::span<std::byte> out, vk::DeviceSize offset,
                              std::span<const vk::SemaphoreSubmitInfo> waits) {
    std::size_t position = 0;
    download(source, offset, out.size(), 1,
             [&](const std::byte *bytes, std::size_t size) {
                 m_threads.copy(out.data() + position, bytes, size);
                 position += size;
             },
             waits);
}

void DownloadStream::download(const BufferBase &source, vk::DeviceSize offset, vk::DeviceSize size,
                              std::size_t granule, const ChunkSink &sink,
                              std::span<const vk::SemaphoreSubmitInfo> waits) {
    const std::lock_guard lock(m_mutex);
    // Pieces small enough that the GPU copies the next ones while the host copies one out (a
    // readback in one piece does the two one after the other), not below small_chunk.
    vk::DeviceSize chunk = std::clamp<vk::DeviceSize>((size + m_slots - 1) / m_slots, std::min(small_chunk, m_chunk),
                                                      m_chunk);
    chunk = std::max<vk::DeviceSize>(granule, chunk / granule * granule);
    const auto chunks = static_cast<std::size_t>((size + chunk - 1) / chunk);
    const std::uint32_t family = m_timeline.queue().family_index();
    const auto length_of = [&](std::size_t index) { return std::min<vk::DeviceSize>(chunk, size - index * chunk); };
    const auto submit_chunk = [&](std::size_t index, StagingLease &lease) {
        CommandBuffer &recorder = lease.commands(m_arena->device(), family);
        recorder.begin();
        const vk::CommandBuffer commands = recorder.handle();
        order_copy_after_earlier_work(commands, vk::AccessFlagBits2::eTransferRead);
        commands.copyBuffer(source.handle(), lease.buffer().handle(),
                            vk::BufferCopy(offset + index * chunk, 0, length_of(index)));
        make_copies_visible_to_host(commands);
        recorder.end();
        lease.retire(m_timeline.semaphore(),
                     m_timeline.submit(recorder, index == 0 ? waits : std::span<const vk::SemaphoreSubmitInfo>{}));
    };
    std::vector<StagingLease> held;
    held.reserve(std::min<std::size_t>(chunks, m_slots));
    const SettleOnFailure settle(m_timeline);
    for (std::size_t index = 0; index < std::min<std::size_t>(chunks, m_slots); ++index) {
        if (index == 0) {
            held.push_back(m_arena->acquire(StagingKind::Readback, chunk, true));
        } else if (auto fresh = m_arena->try_acquire(StagingKind::Readback, chunk)) {
            held.push_back(std::move(*fresh));
        } else {
            break; // the budget is reached: fewer pieces in flight
        }
        submit_chunk(index, held.back());
    }
    const std::size_t depth = held.size();
    // The copy threads poll for the first chunk's copy-out from now on, while the device copies.
    m_threads.prepare();
    for (std::size_t index = 0; index < chunks; ++index) {
        StagingLease &lease = held[index % depth];
        const vk::DeviceSize length = length_of(index);
        m_timeline.wait(lease.retired_value(), length);
        probe(StagingDirection::Download, index);
        lease.buffer().invalidate(0, length);
        sink(lease.data(), static_cast<std::size_t>(length));
        if (index + depth < chunks) submit_chunk(index + depth, lease);
    }
}

} // namespace vw::detail
