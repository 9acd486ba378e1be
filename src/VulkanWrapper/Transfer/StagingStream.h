#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "StagingArena.h"
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

/// Host-to-buffer copies through blocks of the staging arena: chunk by chunk, the CPU filling
/// one block while the GPU copies out of the others (at most `slots` blocks held, fewer when
/// the arena's budget is reached). One upload at a time (the stream's own lock); downloads have
/// a stream and a lock of their own and never wait for it.
class UploadStream {
public:
    UploadStream(std::shared_ptr<StagingArena> arena, SubmitTimeline &timeline, CopyThreads &threads,
                 vk::DeviceSize chunk_bytes, std::uint32_t slots);

    /// Copies `bytes` into `destination` from byte `offset` on (checked by the caller) and
    /// returns the timeline value at which the device has them; `bytes` may be freed on return.
    /// The first chunk's submission waits for `waits` (the others follow it on the queue).
    std::uint64_t upload(const BufferBase &destination, std::span<const std::byte> bytes,
                         vk::DeviceSize offset, std::span<const vk::SemaphoreSubmitInfo> waits = {});

private:
    std::shared_ptr<StagingArena> m_arena;
    SubmitTimeline &m_timeline;
    CopyThreads &m_threads;
    vk::DeviceSize m_chunk;
    std::uint32_t m_slots;
    std::mutex m_mutex;
};

/// Where a readback's chunks go, in order: called once per chunk with bytes of the mapped
/// staging memory, valid during the call only.
using ChunkSink = std::function<void(const std::byte *bytes, std::size_t size)>;

/// Buffer-to-host copies through readback blocks of the arena (host-cached): the GPU copies the
/// next chunks while the CPU copies earlier ones out. One readback at a time (the stream's own
/// lock), independent of uploads.
class DownloadStream {
public:
    DownloadStream(std::shared_ptr<StagingArena> arena, SubmitTimeline &timeline, CopyThreads &threads,
                   vk::DeviceSize chunk_bytes, std::uint32_t slots);

    /// Reads `out.size()` bytes of `source` from byte `offset` on (checked by the caller) into
    /// `out`; returns when they are there. The first copy waits for `waits`.
    void download(const BufferBase &source, std::span<std::byte> out, vk::DeviceSize offset,
                  std::span<const vk::SemaphoreSubmitInfo> waits = {});
    /// Reads `size` bytes of `source` from byte `offset` on, handing them to `sink` chunk by
    /// chunk, each a multiple of `granule` bytes (at most the chunk size).
    void download(const BufferBase &source, vk::DeviceSize offset, vk::DeviceSize size, std::size_t granule,
                  const ChunkSink &sink, std::span<const vk::SemaphoreSubmitInfo> waits = {});

private:
    std::shared_ptr<StagingArena> m_arena;
    SubmitTimeline &m_timeline;
    CopyThreads &m_threads;
    vk::DeviceSize m_chunk;
    std::uint32_t m_slots;
    std::mutex m_mutex;
};

} // namespace vw::detail
