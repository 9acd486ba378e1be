// request + flush through vw::ResourceTracker against the baseline of the same barriers pushed
// into a std::vector by hand and recorded with the same vkCmdPipelineBarrier2, at 1, 100 and
// 10,000 tracked buffers. Each iteration requests every buffer once, alternating a transfer
// write and a compute read between iterations (so every request needs a barrier: RAW, then
// WAR), then flushes into a recording command buffer. Reported: time per request of both, and
// the barriers emitted per request (1.0: one barrier per request; the "merged" case requests
// 64 adjacent 4-byte ranges of one buffer and gets one barrier for all of them).
//
// Usual Google Benchmark flags apply. No validation layer (it would dominate). Build in Release.

#include <cstdint>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace {

using Words = vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage>;
constexpr vw::BufferUse write_use{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite};
constexpr vw::BufferUse read_use{vk::PipelineStageFlagBits2::eComputeShader,
                                 vk::AccessFlagBits2::eShaderStorageRead};
// Iterations recorded into one command buffer before it is reset (outside the timing).
constexpr std::int64_t per_recording = 16;

struct Context {
    std::shared_ptr<vw::Instance> instance;
    std::shared_ptr<vw::Device> device;
    std::shared_ptr<vw::Allocator> allocator;
    std::vector<std::unique_ptr<Words>> buffers;
    std::unique_ptr<vw::CommandPool> pool;
};
Context *context = nullptr;

class Recording {
public:
    Recording() : m_commands(context->pool->allocate()) { m_commands.begin(); }
    ~Recording() {
        m_commands.end();
    }
    vw::CommandBuffer &commands() { return m_commands; }
    void maybe_restart(benchmark::State &state, std::int64_t iteration) {
        if (iteration % per_recording == per_recording - 1) {
            state.PauseTiming();
            m_commands.end();
            m_commands.reset();
            m_commands.begin();
            state.ResumeTiming();
        }
    }

private:
    vw::CommandBuffer m_commands;
};

void tracker_request_flush(benchmark::State &state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    vw::ResourceTracker tracker;
    Recording recording;
    std::int64_t iteration = 0;
    std::size_t barriers = 0;
    for (auto _ : state) {
        const vw::BufferUse &use = iteration % 2 == 0 ? write_use : read_use;
        for (std::size_t i = 0; i < count; ++i) {
            tracker.request(*context->buffers[i], use);
        }
        barriers += tracker.flush(recording.commands());
        recording.maybe_restart(state, iteration++);
    }
    state.counters["ns_per_request"] = benchmark::Counter(
        static_cast<double>(state.iterations() * static_cast<std::int64_t>(count)),
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["barriers_per_request"] =
        static_cast<double>(barriers) / static_cast<double>(state.iterations() * static_cast<std::int64_t>(count));
}

void vector_push_flush(benchmark::State &state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    std::vector<vk::BufferMemoryBarrier2> barriers;
    Recording recording;
    std::int64_t iteration = 0;
    for (auto _ : state) {
        const bool write = iteration % 2 == 0;
        for (std::size_t i = 0; i < count; ++i) {
            const Words &buffer = *context->buffers[i];
            if (write) {
                barriers.emplace_back(read_use.stages, vk::AccessFlags2{}, write_use.stages, write_use.access,
                                      VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, buffer.handle(), 0,
                                      buffer.size_bytes());
            } else {
                barriers.emplace_back(write_use.stages, write_use.access, read_use.stages, read_use.access,
                                      VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, buffer.handle(), 0,
                                      buffer.size_bytes());
            }
        }
        recording.commands().handle().pipelineBarrier2(vk::DependencyInfo({}, {}, barriers, {}));
        barriers.clear();
        recording.maybe_restart(state, iteration++);
    }
    state.counters["ns_per_request"] = benchmark::Counter(
        static_cast<double>(state.iterations() * static_cast<std::int64_t>(count)),
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["barriers_per_request"] = 1.0;
}

// 64 adjacent 4-byte ranges of one buffer per iteration: the tracker merges their barriers.
void tracker_merged_ranges(benchmark::State &state) {
    vw::ResourceTracker tracker;
    Recording recording;
    std::int64_t iteration = 0;
    std::size_t barriers = 0;
    const Words &buffer = *context->buffers[0];
    for (auto _ : state) {
        const vw::BufferUse &use = iteration % 2 == 0 ? write_use : read_use;
        for (vk::DeviceSize i = 0; i < 64; ++i) {
            tracker.request(buffer, i * 4, 4, use);
        }
        barriers += tracker.flush(recording.commands());
        recording.maybe_restart(state, iteration++);
    }
    state.counters["ns_per_request"] = benchmark::Counter(
        static_cast<double>(state.iterations() * 64), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["barriers_per_request"] =
        static_cast<double>(barriers) / static_cast<double>(state.iterations() * 64);
}

} // namespace

BENCHMARK(tracker_request_flush)->Arg(1)->Arg(100)->Arg(10000);
BENCHMARK(vector_push_flush)->Arg(1)->Arg(100)->Arg(10000);
BENCHMARK(tracker_merged_ranges);

int main(int argc, char **argv) {
    Context owned;
    owned.instance = vw::InstanceBuilder().setApplicationName("vw-bench-tracker").build();
    owned.device = owned.instance->findGpu().find().build();
    owned.allocator = vw::AllocatorBuilder(owned.instance, owned.device).build();
    for (int i = 0; i < 10000; ++i) {
        owned.buffers.push_back(owned.allocator->allocate<Words>(64));
    }
    owned.pool = std::make_unique<vw::CommandPool>(owned.device, owned.device->compute_queue().family_index());
    context = &owned;
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    context = nullptr;
    return 0;
}
