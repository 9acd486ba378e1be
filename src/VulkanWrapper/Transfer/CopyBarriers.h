#pragma once

#include <vulkan/vulkan.hpp>

namespace vw::detail {

// The barriers around a transfer's own copies, recorded as global memory barriers. Their
// execution dependency is a buffer barrier's (stages decide what waits, not byte ranges), and
// they need no ResourceTracker built for one use. On the H200 (BENCHMARKS.md, 2026-12-04):
// recording a 1 MiB readback 1.6-2.5 us instead of 2.3-4.0; uploads from registered memory at
// 16 MiB 47.3-47.5 GB/s instead of 42.8-46.4; the staged paths within their spread.

// Earlier work of any kind on the queue (the caller's included) before a copy that accesses
// its buffers with `copy_access` (TRANSFER_READ, TRANSFER_WRITE or both).
inline void order_copy_after_earlier_work(vk::CommandBuffer commands, vk::AccessFlags2 copy_access) {
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                                     vk::PipelineStageFlagBits2::eCopy, copy_access);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

// The writes of the copies recorded before it visible to the host, once the submission's
// signal has been waited for.
inline void make_copies_visible_to_host(vk::CommandBuffer commands) {
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                     vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

// Earlier writes of any kind on the queue visible to the host, once the submission's signal
// has been waited for.
inline void make_earlier_writes_visible_to_host(vk::CommandBuffer commands) {
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                                     vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

} // namespace vw::detail
