#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Buffer.h"

namespace vw {
class Allocator;
class Device;
} // namespace vw

namespace vw::detail {

class CopyThreads;
class SubmitTimeline;

/// Which way a staging stream moves data.
enum class StagingDirection { Upload, Download };

/// Test seam: while one is installed, every staging stream calls before_chunk() with its lock
/// held, before the CPU copy of each chunk, on the thread doing the transfer. The tests use it
/// to hold a transfer in the middle of its ring deterministically; nothing else installs one.
class StagingStreamProbe {
public:
    virtual void before_chunk(StagingDirection direction, std::size_t chunk) = 0;

protected:
    ~StagingStreamProbe() = default;
};

/// Installs `probe` (null removes it) for every stream of the process. The probe must outlive
/// its installation; install and remove it while no transfer runs.
void set_staging_stream_probe(StagingStreamProbe *probe) noexcept;

/// A ring of persistently mapped staging slots, each with its command buffer and the timeline
/// value of its last use. Allocated at the first transfer that needs it, kept afterwards. Not
/// thread-safe: its stream's lock guards it.
class StagingRing {
public:
    struct Slot {
        BufferBase staging;
        CommandBuffer commands;
        std::uint64_t last_value = 0;
    };

    StagingRing(StagingDirection direction, std::shared_ptr<Device> device,
                std::shared_ptr<Allocator> allocator, std::uint32_t family_index,
                vk::DeviceSize slot_bytes, std::uint32_t slot_count);

    /// The slots, allocated on first use. OutOfMemoryError (and no slot kept) when they do not
    /// fit.
    std::vector<Slot> &slots();
    [[nodiscard]] vk::DeviceSize slot_bytes() const noexcept { return m_slot_bytes; }

private:
    StagingDirection m_direction;
    std::shared_ptr<Allocator> m_allocator;
    vk::DeviceSize m_slot_bytes;
    std::uint32_t m_slot_count;
    CommandPool m_pool;
    std::vector<Slot> m_slots; // after the pool: their command buffers are freed first
};

/// Host-to-buffer copies through an upload ring: chunk by chunk, the CPU filling one slot while
/// the GPU copies out of the others. One upload at a time (the stream's own lock); downloads
/// have a stream, a ring and a lock of their own and never wait for it.
class UploadStream {
public:
    UploadStream(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                 SubmitTimeline &timeline, CopyThreads &threads, vk::DeviceSize chunk_bytes,
                 std::uint32_t slots);

    /// Copies `bytes` into `destination` from byte `offset` on (checked by the caller) and
    /// returns the timeline value at which the device has them; `bytes` may be freed on return.
    /// The first chunk's submission waits for `waits` (the others follow it on the queue).
    std::uint64_t upload(const BufferBase &destination, std::span<const std::byte> bytes,
                         vk::DeviceSize offset, std::span<const vk::SemaphoreSubmitInfo> waits = {});

private:
    SubmitTimeline &m_timeline;
    CopyThreads &m_threads;
    std::mutex m_mutex;
    StagingRing m_ring;
    std::size_t m_cursor = 0;
};

/// Buffer-to-host copies through a readback ring (host-cached slots): the GPU copies the next
/// chunks while the CPU copies earlier ones out. One readback at a time (the stream's own
/// lock), independent of uploads.
class DownloadStream {
public:
    DownloadStream(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                   SubmitTimeline &timeline, CopyThreads &threads, vk::DeviceSize chunk_bytes,
                   std::uint32_t slots);

    /// Reads `out.size()` bytes of `source` from byte `offset` on (checked by the caller) into
    /// `out`; returns when they are there.
    void download(const BufferBase &source, std::span<std::byte> out, vk::DeviceSize offset);

private:
    SubmitTimeline &m_timeline;
    CopyThreads &m_threads;
    std::mutex m_mutex;
    StagingRing m_ring;
};

} // namespace vw::detail
