#include "StagingStream.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>

#include "CopyThreads.h"
#include "SubmitTimeline.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
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

constexpr BufferUse earlier_work{vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite};

// Orders a copy after earlier writes and reads of the same bytes on the queue (earlier
// transfers, or the user's work on them), which submission order alone does not.
void order_after_earlier_work(vk::CommandBuffer commands, std::uint32_t family, const BufferBase &buffer,
                              vk::DeviceSize offset, vk::DeviceSize size, const BufferUse &copy_use) {
    ResourceTracker tracker;
    tracker.track(buffer, offset, size, earlier_work);
    tracker.request(buffer, offset, size, copy_use);
    tracker.flush(commands, family);
}

// Makes the copy into `staging` visible to the host.
void make_visible_to_host(vk::CommandBuffer commands, std::uint32_t family, const BufferBase &staging,
                          vk::DeviceSize size) {
    ResourceTracker tracker;
    tracker.track(staging, 0, size, BufferUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite});
    tracker.request(staging, 0, size, BufferUse{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead});
    tracker.flush(commands, family);
}

} // namespace

void set_staging_stream_probe(StagingStreamProbe *installed) noexcept {
    g_probe.store(installed, std::memory_order_release);
}

StagingRing::StagingRing(StagingDirection direction, std::shared_ptr<Device> device,
                         std::shared_ptr<Allocator> allocator, std::uint32_t family_index,
                         vk::DeviceSize slot_bytes, std::uint32_t slot_count)
    : m_direction(direction)
    , m_allocator(std::move(allocator))
    , m_slot_bytes(slot_bytes)
    , m_slot_count(slot_count)
    , m_pool(std::move(device), family_index) {}

std::vector<StagingRing::Slot> &StagingRing::slots() {
    if (m_slots.empty()) {
        const bool upload = m_direction == StagingDirection::Upload;
        // Built aside: when a slot cannot be allocated, the ones made before it are freed with
        // `fresh` rather than left behind as a short ring.
        std::vector<Slot> fresh;
        fresh.reserve(m_slot_count);
        for (std::uint32_t i = 0; i < m_slot_count; ++i) {
            fresh.push_back({m_allocator->allocate_buffer(
                                 m_slot_bytes, upload ? TransferSrcUsage : TransferDstUsage,
                                 upload ? HostAccess::SequentialWrite : HostAccess::Random,
                                 std::string("vw::Transfer ") + (upload ? "upload" : "download") +
                                     " staging slot " + std::to_string(i)),
                             m_pool.allocate(), 0});
        }
        m_slots = std::move(fresh);
    }
    return m_slots;
}

namespace {

// Leaving a stream's call by an exception, part-way: waits for what was submitted on `timeline`,
// since the chunks in flight copy into or out of a buffer the caller may free at once. A wait
// that fails has drained the device already; a lost device runs nothing.
class SettleOnFailure {
public:
    explicit SettleOnFailure(SubmitTimeline &timeline) noexcept
        : m_timeline(timeline)
        , m_exceptions(std::uncaught_exceptions()) {}
    SettleOnFailure(const SettleOnFailure &) = delete;
    SettleOnFailure &operator=(const SettleOnFailure &) = delete;
    ~SettleOnFailure() {
        if (std::uncaught_exceptions() <= m_exceptions) return;
        try {
            m_timeline.wait(m_timeline.last_submitted());
        } catch (const Exception &) {
        }
    }

private:
    SubmitTimeline &m_timeline;
    int m_exceptions;
};

} // namespace

UploadStream::UploadStream(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                           SubmitTimeline &timeline, CopyThreads &threads, vk::DeviceSize chunk_bytes,
                           std::uint32_t slots)
    : m_timeline(timeline)
    , m_threads(threads)
    , m_ring(StagingDirection::Upload, std::move(device), std::move(allocator),
             timeline.queue().family_index(), chunk_bytes, slots) {}

std::uint64_t UploadStream::upload(const BufferBase &destination, std::span<const std::byte> bytes,
                                   vk::DeviceSize offset, std::span<const vk::SemaphoreSubmitInfo> waits) {
    const std::lock_guard lock(m_mutex);
    auto &slots = m_ring.slots();
    const vk::DeviceSize chunk = m_ring.slot_bytes();
    // Chunks grow from small_chunk to a full slot and shrink again towards the end: the DMA
    // starts sooner and the last copy, which nothing overlaps, is short.
    vk::DeviceSize ramp = std::min(chunk, small_chunk);
    std::uint64_t last = 0;
    std::size_t index = 0;
    const SettleOnFailure settle(m_timeline);
    for (vk::DeviceSize position = 0, length = 0; position < bytes.size(); position += length, ++index) {
        const vk::DeviceSize remaining = bytes.size() - position;
        length = std::min({ramp, chunk, std::max(small_chunk, remaining / 2), remaining});
        ramp = std::min(ramp * 2, chunk); // capped: doubling without end wraps to 0 after 64 bits

        StagingRing::Slot &slot = slots[m_cursor];
        m_cursor = (m_cursor + 1) % slots.size();
        m_timeline.wait(slot.last_value);
        probe(StagingDirection::Upload, index);
        m_threads.copy(slot.staging.mapped_data(), bytes.data() + position, length);
        slot.staging.flush(0, length);

        slot.commands.reset();
        slot.commands.begin();
        const vk::CommandBuffer commands = slot.commands.handle();
        order_after_earlier_work(commands, m_timeline.queue().family_index(), destination, offset + position,
                                 length, BufferUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite});
        commands.copyBuffer(slot.staging.handle(), destination.handle(),
                            vk::BufferCopy(0, offset + position, length));
        slot.commands.end();
        // The first chunk waits; the later ones follow it in submission order.
        last = m_timeline.submit(slot.commands, index == 0 ? waits : std::span<const vk::SemaphoreSubmitInfo>{});
        slot.last_value = last;
    }
    return last;
}

DownloadStream::DownloadStream(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                               SubmitTimeline &timeline, CopyThreads &threads, vk::DeviceSize chunk_bytes,
                               std::uint32_t slots)
    : m_timeline(timeline)
    , m_threads(threads)
    , m_ring(StagingDirection::Download, std::move(device), std::move(allocator),
             timeline.queue().family_index(), chunk_bytes, slots) {}

void DownloadStream::download(const BufferBase &source, std::span<std::byte> out, vk::DeviceSize offset) {
    const std::lock_guard lock(m_mutex);
    auto &slots = m_ring.slots();
    const vk::DeviceSize chunk = m_ring.slot_bytes();
    const auto chunks = static_cast<std::size_t>((out.size() + chunk - 1) / chunk);
    const SettleOnFailure settle(m_timeline);
    const auto length_of = [&](std::size_t index) {
        return std::min<vk::DeviceSize>(chunk, out.size() - index * chunk);
    };
    const auto submit_chunk = [&](std::size_t index) {
        StagingRing::Slot &slot = slots[index % slots.size()];
        m_timeline.wait(slot.last_value);
        slot.commands.reset();
        slot.commands.begin();
        const vk::CommandBuffer commands = slot.commands.handle();
        const std::uint32_t family = m_timeline.queue().family_index();
        order_after_earlier_work(commands, family, source, offset + index * chunk, length_of(index),
                                 BufferUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferRead});
        commands.copyBuffer(source.handle(), slot.staging.handle(),
                            vk::BufferCopy(offset + index * chunk, 0, length_of(index)));
        make_visible_to_host(commands, family, slot.staging, length_of(index));
        slot.commands.end();
        slot.last_value = m_timeline.submit(slot.commands);
    };
    for (std::size_t index = 0; index < std::min<std::size_t>(chunks, slots.size()); ++index) {
        submit_chunk(index);
    }
    for (std::size_t index = 0; index < chunks; ++index) {
        StagingRing::Slot &slot = slots[index % slots.size()];
        m_timeline.wait(slot.last_value);
        probe(StagingDirection::Download, index);
        const vk::DeviceSize length = length_of(index);
        slot.staging.invalidate(0, length);
        m_threads.copy(out.data() + index * chunk, slot.staging.mapped_data(), length);
        if (index + slots.size() < chunks) submit_chunk(index + slots.size());
    }
}

} // namespace vw::detail
