// Many small allocations in few: a per-frame arena chunk against vmaVirtualAllocate and against
// a buffer each (allocate<Buffer>), single- and 8-threaded; a packed-buffer slice (allocate +
// drop) against a buffer each. Every case and its baselines run in the same process, on the
// same allocator. Google Benchmark flags apply (--benchmark_filter, --benchmark_out...). No
// validation layer: it would dominate the timings. Build in Release.
//
// Per item: "arena" cases allocate one 64-byte chunk per iteration; every 4096 chunks (per
// thread) the frame ends on an already signalled fence, so its space comes back as in a steady
// frame loop. "virtual" cases do the same with vmaVirtualAllocate on a VMA virtual block
// (behind a mutex when threaded: a virtual block is not thread-safe) and vmaClearVirtualBlock.
// "buffer" cases allocate a 64-byte host-visible uniform buffer and free it in batches of 64.
// "packed" cases allocate 64 slices of 64 bytes, then drop them.

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Memory/FrameArena.h"
#include "VulkanWrapper/Memory/PackedBuffer.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace {

constexpr vk::DeviceSize chunk_bytes = 64;
constexpr std::int64_t frame_chunks = 4096;
constexpr std::size_t batch = 64;

using UniformBytes = vw::Buffer<std::byte, true, vw::UniformBufferUsage>;

struct Context {
    std::shared_ptr<vw::Instance> instance;
    std::shared_ptr<vw::Device> device;
    std::shared_ptr<vw::Allocator> allocator;
    std::unique_ptr<vw::FrameArena> arena;
    std::unique_ptr<vw::Fence> signalled;
    VmaVirtualBlock virtual_block = nullptr;
    std::mutex virtual_mutex;
    vk::DeviceSize alignment = 1;
};

Context &context() {
    static Context instance;
    return instance;
}

void arena_chunk(benchmark::State &state) {
    Context &ctx = context();
    std::int64_t n = 0;
    for (auto _ : state) {
        vw::ArenaChunkBase chunk = ctx.arena->allocate_bytes(chunk_bytes);
        benchmark::DoNotOptimize(chunk);
        if (++n % frame_chunks == 0) {
            // Each thread ends a frame now and then; a signalled fence gives the space back.
            ctx.arena->end_frame(ctx.signalled->handle());
        }
    }
    state.SetItemsProcessed(state.iterations());
}

void virtual_allocate(benchmark::State &state) {
    Context &ctx = context();
    const bool threaded = state.threads() > 1;
    VmaVirtualAllocationCreateInfo info{};
    info.size = chunk_bytes;
    info.alignment = ctx.alignment;
    std::int64_t n = 0;
    for (auto _ : state) {
        VmaVirtualAllocation allocation = nullptr;
        vk::DeviceSize offset = 0;
        if (threaded) {
            const std::lock_guard lock(ctx.virtual_mutex);
            if (vmaVirtualAllocate(ctx.virtual_block, &info, &allocation, &offset) != VK_SUCCESS) {
                vmaClearVirtualBlock(ctx.virtual_block);
            }
            if (++n % frame_chunks == 0) vmaClearVirtualBlock(ctx.virtual_block);
        } else {
            if (vmaVirtualAllocate(ctx.virtual_block, &info, &allocation, &offset) != VK_SUCCESS) {
                vmaClearVirtualBlock(ctx.virtual_block);
            }
            if (++n % frame_chunks == 0) vmaClearVirtualBlock(ctx.virtual_block);
        }
        benchmark::DoNotOptimize(offset);
    }
    state.SetItemsProcessed(state.iterations());
}

void buffer_each(benchmark::State &state) {
    Context &ctx = context();
    std::vector<std::unique_ptr<UniformBytes>> buffers;
    buffers.reserve(batch);
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            buffers.push_back(ctx.allocator->allocate<UniformBytes>(chunk_bytes));
        }
        buffers.clear();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}

void packed_slice(benchmark::State &state) {
    Context &ctx = context();
    vw::PackedBuffer<std::byte, true, vw::UniformBufferUsage> packed(ctx.allocator);
    std::vector<vw::BufferSliceBase> slices;
    slices.reserve(batch);
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) slices.push_back(packed.allocate(chunk_bytes));
        slices.clear();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    Context &ctx = context();
    try {
        ctx.instance = vw::InstanceBuilder().setApplicationName("vw-bench-pools").build();
        ctx.device = ctx.instance->findGpu().find().build();
        ctx.allocator = vw::AllocatorBuilder(ctx.instance, ctx.device).build();
        ctx.arena = std::make_unique<vw::FrameArena>(
            ctx.allocator, vw::FrameArenaOptions().setCapacity(vk::DeviceSize{64} << 20));
        ctx.alignment = ctx.arena->alignment();
        ctx.signalled = std::make_unique<vw::Fence>(ctx.device, true);
        VmaVirtualBlockCreateInfo info{};
        info.size = vk::DeviceSize{64} << 20;
        vw::check(vmaCreateVirtualBlock(&info, &ctx.virtual_block), "vmaCreateVirtualBlock");
        const vw::PhysicalDevice &gpu = ctx.device->physical_device();
        benchmark::AddCustomContext("vw_device", std::string(gpu.name()));
        benchmark::AddCustomContext("vw_chunk_alignment", std::to_string(ctx.alignment));
    } catch (const std::exception &error) {
        std::cerr << "vw-bench-pools: setup failed: " << error.what() << '\n';
        return 1;
    }

    for (int threads : {1, 8}) {
        benchmark::RegisterBenchmark("arena_chunk", arena_chunk)->Threads(threads)->UseRealTime();
        benchmark::RegisterBenchmark("vma_virtual_allocate", virtual_allocate)->Threads(threads)->UseRealTime();
        benchmark::RegisterBenchmark("allocate_buffer", buffer_each)->Threads(threads)->UseRealTime();
    }
    benchmark::RegisterBenchmark("packed_slice_alloc_free", packed_slice)->UseRealTime();
    benchmark::RegisterBenchmark("buffer_alloc_free", buffer_each)->UseRealTime();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    ctx.arena.reset();
    ctx.signalled.reset();
    vmaClearVirtualBlock(ctx.virtual_block);
    vmaDestroyVirtualBlock(ctx.virtual_block);
    ctx.allocator.reset();
    ctx.device.reset();
    ctx.instance.reset();
    return 0;
}
