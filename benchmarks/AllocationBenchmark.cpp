// Allocate + free throughput of buffers: the wrapper (vw::Allocator::allocate) against raw VMA
// calls on the very same VmaAllocator with the flags the wrapper uses, and against the naive
// way (one vkAllocateMemory per buffer).
//
// A batch allocates 64 buffers, then frees all 64, so VMA's blocks are reused as in a real
// application. Each iteration of a paired case runs one wrapper batch and one raw batch, in
// alternating order, timing each; 5 repetitions. After the run the program prints, per kind and
// size, the median time per buffer of both and the ratio wrapper/raw, and the naive way's cost.
//
// Usual Google Benchmark flags apply (--benchmark_filter, --benchmark_out...). Each case runs
// for at least 0.05 s per repetition unless --benchmark_min_time is given. No validation
// layer: it would dominate the timings. Build in Release.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace {

/// Buffers allocated (then freed) per benchmark iteration.
constexpr std::size_t batch_size = 64;
constexpr std::array<std::int64_t, 4> buffer_sizes{256, 4 * 1024, 64 * 1024, 1024 * 1024};
constexpr std::array<std::int64_t, 2> naive_sizes{4 * 1024, 1024 * 1024};
constexpr int repetitions = 5;
constexpr double default_min_time_s = 0.05;

using DeviceLocalBuffer = vw::Buffer<std::byte, false, vw::StorageBufferUsage>;
using StagingBuffer = vw::Buffer<std::byte, true, vw::StagingBufferUsage>;

/// Created once in main(), before any benchmark runs; released after the run.
struct Context {
    std::shared_ptr<vw::Instance> instance;
    std::shared_ptr<vw::Device> device;
    std::shared_ptr<vw::Allocator> allocator;
};

Context &context() {
    static Context instance;
    return instance;
}

/// Marks the benchmark failed with the message vw::check gives for `result`. The caller must
/// leave the benchmark loop right after.
void skip_with_result(benchmark::State &state, VkResult result, std::string_view operation) {
    try {
        vw::check(result, operation);
        state.SkipWithError((std::string(operation) + " returned a non-success code").c_str());
    } catch (const std::exception &error) {
        state.SkipWithError(error.what());
    }
}

void set_items(benchmark::State &state) {
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch_size));
}

// ---- The raw VMA parameters ------------------------------------------------------------------

/// The VMA parameters the wrapper uses for one kind of buffer (see Allocator::allocate_buffer).
struct RawParameters {
    VkBufferUsageFlags usage;
    vw::HostAccess access; // the VMA parameters come from Allocator::allocation_create_info
};

constexpr RawParameters raw_device_local{vw::StorageBufferUsage, vw::HostAccess::None};
constexpr RawParameters raw_staging{vw::StagingBufferUsage, vw::HostAccess::SequentialWrite};

// ---- 4: one vkAllocateMemory per buffer -----------------------------------------------------

void naive_case(benchmark::State &state) {
    const vw::Device &device = *context().device;
    const auto vk_device = static_cast<VkDevice>(device.handle());
    const vk::DispatchLoaderDynamic &vk = device.dispatcher(); // device-level entry points
    const vk::PhysicalDeviceMemoryProperties &memory = device.physical_device().memory_properties();

    VkBufferCreateInfo buffer_info{};
    buffer_info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    buffer_info.size = static_cast<VkDeviceSize>(state.range(0));
    buffer_info.usage = vw::StorageBufferUsage;
    buffer_info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;

    std::array<VkBuffer, batch_size> buffers{};
    std::array<VkDeviceMemory, batch_size> memories{};

    for (auto _ : state) {
        VkResult result = VK_SUCCESS;
        const char *operation = "";
        std::size_t created = 0; // buffers[0, created) and memories[0, created) are live
        for (; created < batch_size; ++created) {
            VkBuffer buffer = VK_NULL_HANDLE;
            result = vk.vkCreateBuffer(vk_device, &buffer_info, nullptr, &buffer);
            if (result != VK_SUCCESS) {
                operation = "vkCreateBuffer";
                break;
            }
            VkMemoryRequirements requirements{};
            vk.vkGetBufferMemoryRequirements(vk_device, buffer, &requirements);

            std::uint32_t type = memory.memoryTypeCount;
            for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
                if ((requirements.memoryTypeBits & (1U << i)) != 0 &&
                    (memory.memoryTypes[i].propertyFlags &
                     vk::MemoryPropertyFlagBits::eDeviceLocal)) {
                    type = i;
                    break;
                }
            }
            if (type == memory.memoryTypeCount) {
                vk.vkDestroyBuffer(vk_device, buffer, nullptr);
                operation = nullptr; // no device-local type: not a VkResult
                break;
            }

            VkMemoryAllocateInfo allocate_info{};
            allocate_info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
            allocate_info.allocationSize = requirements.size;
            allocate_info.memoryTypeIndex = type;
            VkDeviceMemory device_memory = VK_NULL_HANDLE;
            result = vk.vkAllocateMemory(vk_device, &allocate_info, nullptr, &device_memory);
            if (result != VK_SUCCESS) {
                vk.vkDestroyBuffer(vk_device, buffer, nullptr);
                operation = "vkAllocateMemory";
                break;
            }
            result = vk.vkBindBufferMemory(vk_device, buffer, device_memory, 0);
            if (result != VK_SUCCESS) {
                vk.vkDestroyBuffer(vk_device, buffer, nullptr);
                vk.vkFreeMemory(vk_device, device_memory, nullptr);
                operation = "vkBindBufferMemory";
                break;
            }
            buffers[created] = buffer;
            memories[created] = device_memory;
        }
        for (std::size_t i = 0; i < created; ++i) {
            vk.vkDestroyBuffer(vk_device, buffers[i], nullptr);
            vk.vkFreeMemory(vk_device, memories[i], nullptr);
        }
        if (operation == nullptr) {
            state.SkipWithError("no DEVICE_LOCAL memory type allowed for the buffer");
            break;
        }
        if (result != VK_SUCCESS) {
            skip_with_result(state, result, operation);
            break;
        }
    }
    set_items(state);
}

// ---- Paired: wrapper and raw VMA alternating inside one benchmark loop -----------------------

/// One batch through the wrapper; returns the nanoseconds it took.
template <typename BufferType>
[[gnu::noinline]] double wrapper_batch(vw::Allocator &allocator, std::size_t count,
                     std::array<std::unique_ptr<BufferType>, batch_size> &buffers) {
    const auto start = std::chrono::steady_clock::now();
    for (auto &buffer : buffers) buffer = allocator.allocate<BufferType>(count);
    for (auto &buffer : buffers) buffer.reset();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
}

/// One batch through raw VMA; returns the nanoseconds it took, or a negative value on failure.
[[gnu::noinline]] double raw_batch(VmaAllocator allocator, const VkBufferCreateInfo &buffer_info,
                 const VmaAllocationCreateInfo &allocation_info, std::array<VkBuffer, batch_size> &buffers,
                 std::array<VmaAllocation, batch_size> &allocations, VkResult &result) {
    VmaAllocationInfo info{};
    const auto start = std::chrono::steady_clock::now();
    std::size_t created = 0;
    for (; created < batch_size; ++created) {
        result = vmaCreateBuffer(allocator, &buffer_info, &allocation_info, &buffers[created],
                                 &allocations[created], &info);
        if (result != VK_SUCCESS) break;
    }
    for (std::size_t i = 0; i < created; ++i) vmaDestroyBuffer(allocator, buffers[i], allocations[i]);
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return result == VK_SUCCESS ? ns : -1.0;
}

/// Wrapper and raw batches alternate (ABBA order) inside every iteration, so that drift in the
/// driver's or the C library's state hits both alike. Counters: ns per buffer of each, and
/// their ratio; the iteration time is the sum of both.
template <typename BufferType>
void paired_case(benchmark::State &state, RawParameters parameters) {
    const auto count = static_cast<std::size_t>(state.range(0));
    vw::Allocator &allocator = *context().allocator;
    std::array<std::unique_ptr<BufferType>, batch_size> wrapped;

    VkBufferCreateInfo buffer_info{};
    buffer_info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    buffer_info.size = static_cast<VkDeviceSize>(count);
    buffer_info.usage = parameters.usage;
    buffer_info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    const auto &families = allocator.buffer_queue_families(); // as the wrapper shares buffers
    if (families.size() > 1) {
        buffer_info.sharingMode = VK_SHARING_MODE_CONCURRENT;
        buffer_info.queueFamilyIndexCount = static_cast<std::uint32_t>(families.size());
        buffer_info.pQueueFamilyIndices = families.data();
    }
    // Exactly what the wrapper passes to VMA for this kind of buffer (sizes here stay below the
    // dedicated-memory threshold, where the wrapper adds nothing).
    const VmaAllocationCreateInfo allocation_info = allocator.allocation_create_info(parameters.access);
    std::array<VkBuffer, batch_size> buffers{};
    std::array<VmaAllocation, batch_size> allocations{};

    double wrapper_ns = 0.0;
    double raw_ns = 0.0;
    bool wrapper_first = true;
    for (auto _ : state) {
        VkResult result = VK_SUCCESS;
        double wrapper = 0.0;
        double raw = 0.0;
        try {
            if (wrapper_first) {
                wrapper = wrapper_batch(allocator, count, wrapped);
                raw = raw_batch(allocator.handle(), buffer_info, allocation_info, buffers, allocations, result);
            } else {
                raw = raw_batch(allocator.handle(), buffer_info, allocation_info, buffers, allocations, result);
                wrapper = wrapper_batch(allocator, count, wrapped);
            }
        } catch (const std::exception &error) {
            for (auto &buffer : wrapped) buffer.reset();
            state.SkipWithError(error.what());
            break;
        }
        if (raw < 0.0) {
            skip_with_result(state, result, "vmaCreateBuffer");
            break;
        }
        wrapper_first = !wrapper_first;
        wrapper_ns += wrapper;
        raw_ns += raw;
        state.SetIterationTime((wrapper + raw) * 1e-9);
    }
    const double buffers_done = static_cast<double>(state.iterations()) * static_cast<double>(batch_size);
    if (buffers_done > 0 && raw_ns > 0) {
        state.counters["wrapper_ns"] = wrapper_ns / buffers_done;
        state.counters["raw_ns"] = raw_ns / buffers_done;
        state.counters["ratio"] = wrapper_ns / raw_ns;
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * batch_size));
}

// ---- Summary --------------------------------------------------------------------------------

/// The console output, plus the median real time per buffer of every case, captured for the
/// summary table. Keyed by "function/arg", e.g. "BM_RawVmaStaging/4096".
class SummaryReporter : public benchmark::ConsoleReporter {
public:
    SummaryReporter() : benchmark::ConsoleReporter(OO_None) {}

    void ReportRuns(const std::vector<Run> &reports) override {
        for (const Run &run : reports) {
            if (run.error_occurred || run.run_type != Run::RT_Aggregate ||
                run.aggregate_name != "median") {
                continue;
            }
            // GetAdjustedRealTime(): per iteration, in run.time_unit.
            const double ns_per_iteration =
                run.GetAdjustedRealTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
            const std::string key = run.run_name.function_name + "/" + run.run_name.args;
            m_ns_per_buffer[key] = ns_per_iteration / static_cast<double>(batch_size);
            for (const char *counter : {"wrapper_ns", "raw_ns", "ratio"}) {
                if (const auto found = run.counters.find(counter); found != run.counters.end()) {
                    m_counters[key + ":" + counter] = found->second.value;
                }
            }
        }
        ConsoleReporter::ReportRuns(reports);
    }

    /// Median ns per buffer of `function` at `size`, or a negative value when it did not run.
    [[nodiscard]] double median(const std::string &function, std::int64_t size) const {
        const auto found = m_ns_per_buffer.find(function + "/" + std::to_string(size));
        return found == m_ns_per_buffer.end() ? -1.0 : found->second;
    }

    /// Median of a paired case's counter, or a negative value when it did not run.
    [[nodiscard]] double counter(const std::string &function, std::int64_t size,
                                 const std::string &name) const {
        const auto found = m_counters.find(function + "/" + std::to_string(size) + ":" + name);
        return found == m_counters.end() ? -1.0 : found->second;
    }

private:
    std::map<std::string, double> m_ns_per_buffer;
    std::map<std::string, double> m_counters;
};

std::string format_ns(double ns) {
    if (ns < 0.0) return "n/a";
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << ns;
    return out.str();
}

std::string format_ratio(double numerator, double denominator) {
    if (numerator < 0.0 || denominator <= 0.0) return "n/a";
    std::ostringstream out;
    out << std::fixed << std::setprecision(2) << numerator / denominator;
    return out.str();
}

void print_summary(const SummaryReporter &reporter, std::ostream &out) {
    out << "\nSummary: allocate + free per buffer, wrapper and raw VMA alternating in one loop "
           "(batches of "
        << batch_size << ", median of " << repetitions << " repetitions)\n";
    out << std::left << std::setw(14) << "kind" << std::right << std::setw(10) << "size B"
        << std::setw(14) << "wrapper ns" << std::setw(14) << "raw VMA ns" << std::setw(14)
        << "wrapper/raw" << '\n';
    for (const auto &[label, function] : {std::pair{"device-local", "BM_PairedDeviceLocal"},
                                          std::pair{"staging", "BM_PairedStaging"}}) {
        for (const std::int64_t size : buffer_sizes) {
            out << std::left << std::setw(14) << label << std::right << std::setw(10) << size
                << std::setw(14) << format_ns(reporter.counter(function, size, "wrapper_ns"))
                << std::setw(14) << format_ns(reporter.counter(function, size, "raw_ns"))
                << std::setw(14) << format_ratio(reporter.counter(function, size, "ratio"), 1.0)
                << '\n';
        }
    }
    out << '\n';
    for (const std::int64_t size : naive_sizes) {
        const double naive = reporter.median("BM_NaiveVkAllocateMemory", size);
        const double raw = reporter.counter("BM_PairedDeviceLocal", size, "raw_ns");
        const double wrapper = reporter.counter("BM_PairedDeviceLocal", size, "wrapper_ns");
        out << "naive vkAllocateMemory " << size << " B: " << format_ns(naive)
            << " ns per buffer, " << format_ratio(naive, raw) << " x raw VMA, "
            << format_ratio(naive, wrapper) << " x wrapper\n";
    }
}

// ---- Registration ---------------------------------------------------------------------------

void configure(benchmark::internal::Benchmark *benchmark, std::int64_t size, bool set_min_time,
               bool manual_time = false) {
    benchmark->Arg(size)->Repetitions(repetitions)->ReportAggregatesOnly(true);
    if (manual_time) {
        benchmark->UseManualTime();
    } else {
        benchmark->UseRealTime();
    }
    if (set_min_time) benchmark->MinTime(default_min_time_s);
}

void register_benchmarks(bool set_min_time) {
    for (const std::int64_t size : buffer_sizes) {
        configure(benchmark::RegisterBenchmark("BM_PairedDeviceLocal", paired_case<DeviceLocalBuffer>,
                                               raw_device_local),
                  size, set_min_time, true);
        configure(benchmark::RegisterBenchmark("BM_PairedStaging", paired_case<StagingBuffer>, raw_staging),
                  size, set_min_time, true);
    }
    for (const std::int64_t size : naive_sizes) {
        configure(benchmark::RegisterBenchmark("BM_NaiveVkAllocateMemory", naive_case), size,
                  set_min_time);
    }
}

} // namespace

int main(int argc, char **argv) {
    // --benchmark_min_time, when given, replaces the short default (Initialize consumes it).
    bool set_min_time = true;
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]).starts_with("--benchmark_min_time")) set_min_time = false;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    try {
        Context &ctx = context();
        ctx.instance = vw::InstanceBuilder().setApplicationName("vw-bench").build();
        ctx.device = ctx.instance->findGpu().find().build();
        ctx.allocator = vw::AllocatorBuilder(ctx.instance, ctx.device).build();
        const vw::PhysicalDevice &gpu = ctx.device->physical_device();
        benchmark::AddCustomContext("vw_device", std::string(gpu.name()));
        benchmark::AddCustomContext("vw_driver", std::string(gpu.driver_name()));
    } catch (const std::exception &error) {
        std::cerr << "vw-bench-alloc: setup failed: " << error.what() << '\n';
        return 1;
    }

    register_benchmarks(set_min_time);
    SummaryReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    print_summary(reporter, std::cout);

    Context &ctx = context();
    ctx.allocator.reset();
    ctx.device.reset();
    ctx.instance.reset();
    return 0;
}
