// vw-bench-submit: where the time of a chunked host<->device copy goes (issue 21, mid sizes).
//
//   structure  16, 8 and 64 MiB copied from prefilled staging into device-local memory in one
//              submission, or in the chunks the upload stream uses (one submission each, a
//              timeline signal each or only on the last, or all batches in one call), wall time
//              until the host sees the last signal, and each chunk's GPU span (timestamps).
//   overlap    the staged upload as the engine runs it (host copy of a chunk with the copy
//              threads, then its submission, chunks 4, 6, 4, 2 MiB) with the GPU span of each
//              chunk: how the DMA engine's pace changes while the host writes the next chunk,
//              for write-combined and host-cached staging, streaming stores and memcpy, 16, 8
//              and 4 threads, and with the host copying everything before the first submission.
//   readback   a 1 MiB copy into host-cached memory with and without its two barriers, or in
//              two submissions; recording cost; the copy-out of 1 MiB with 1 to 16 threads.
//
// Wall times are medians of 31 runs (23 for the overlap rows, 101 for 1 MiB) after warm-ups.
// Needs a device with timestamps on its transfer queue; meant for a discrete GPU.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Transfer/CopyThreads.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;
constexpr std::uint32_t max_queries = 64;
using DeviceLocalBuffer = vw::Buffer<std::byte, false, vw::StorageBufferUsage>;
using StagingBuffer = vw::Buffer<std::byte, true, vw::StagingBufferUsage>;
using ReadbackBuffer = vw::ReadbackBuffer<std::byte>;
using Clock = std::chrono::steady_clock;
using vw::detail::CopyStores;
using vw::detail::CopyThreads;

double micros_since(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

/// One vkCmdCopyBuffer region.
struct Piece {
    vk::Buffer source;
    vk::Buffer destination;
    vk::DeviceSize offset;
    vk::DeviceSize size;
};

/// Consecutive pieces of `mib` MiB each, source and destination at the same offsets.
std::vector<Piece> pieces(vk::Buffer source, vk::Buffer destination, const std::vector<std::size_t> &mib) {
    std::vector<Piece> out;
    vk::DeviceSize offset = 0;
    for (const std::size_t size : mib) {
        out.push_back({source, destination, offset, size * MiB});
        offset += size * MiB;
    }
    return out;
}

vk::DeviceSize total_bytes(const std::vector<Piece> &all) {
    vk::DeviceSize bytes = 0;
    for (const Piece &piece : all) bytes += piece.size;
    return bytes;
}

enum Barriers : unsigned { NoBarrier = 0, BeforeCopy = 1, ToHost = 2 };

struct Recording {
    bool one_buffer = false; ///< all pieces in one command buffer (else one each)
    unsigned barriers = BeforeCopy;
    bool timestamps = false; ///< a timestamp before and after each command buffer
};

/// The device, its transfer queue and what every measurement shares.
class Bench {
public:
    Bench(const std::shared_ptr<vw::Device> &device, vw::Queue &queue)
        : m_device(device->handle())
        , m_queue(queue.handle())
        , m_pool(m_device.createCommandPoolUnique(vk::CommandPoolCreateInfo({}, queue.family_index())))
        , m_queries(m_device.createQueryPoolUnique(vk::QueryPoolCreateInfo({}, vk::QueryType::eTimestamp, max_queries)))
        , m_period_ns(static_cast<double>(device->physical_device().properties().limits.timestampPeriod)) {
        vk::SemaphoreTypeCreateInfo type(vk::SemaphoreType::eTimeline, 0);
        m_timeline = m_device.createSemaphoreUnique(vk::SemaphoreCreateInfo({}, &type));
    }

    /// Command buffers for `all`, recorded as asked; free() them when done.
    std::vector<vk::CommandBuffer> record(const std::vector<Piece> &all, const Recording &how) {
        const auto count = static_cast<std::uint32_t>(how.one_buffer ? 1 : all.size());
        std::vector<vk::CommandBuffer> buffers = m_device.allocateCommandBuffers(
            vk::CommandBufferAllocateInfo(*m_pool, vk::CommandBufferLevel::ePrimary, count));
        for (std::uint32_t index = 0; index < count; ++index) {
            const vk::CommandBuffer commands = buffers[index];
            commands.begin(vk::CommandBufferBeginInfo{});
            if (how.timestamps) {
                if (index == 0) commands.resetQueryPool(*m_queries, 0, max_queries);
                commands.writeTimestamp2(vk::PipelineStageFlagBits2::eTopOfPipe, *m_queries, 2 * index);
            }
            if ((how.barriers & BeforeCopy) != 0 && index == 0) {
                barrier(commands, vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                        vk::PipelineStageFlagBits2::eCopy,
                        vk::AccessFlagBits2::eTransferWrite | vk::AccessFlagBits2::eTransferRead);
            }
            const std::size_t first = how.one_buffer ? 0 : index;
            const std::size_t last = how.one_buffer ? all.size() : index + 1;
            for (std::size_t i = first; i < last; ++i) {
                commands.copyBuffer(all[i].source, all[i].destination,
                                    vk::BufferCopy(all[i].offset, all[i].offset, all[i].size));
            }
            if ((how.barriers & ToHost) != 0) {
                barrier(commands, vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                        vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
            }
            if (how.timestamps) {
                commands.writeTimestamp2(vk::PipelineStageFlagBits2::eAllCommands, *m_queries, 2 * index + 1);
            }
            commands.end();
        }
        return buffers;
    }

    void free(const std::vector<vk::CommandBuffer> &commands) { m_device.freeCommandBuffers(*m_pool, commands); }

    /// The next timeline value `index` (0-based) of a run of submissions will signal.
    [[nodiscard]] std::uint64_t next(std::size_t index) const noexcept { return m_value + index + 1; }

    /// Submits `commands[index]` alone, signalling next(index) when `signal`.
    void submit(const std::vector<vk::CommandBuffer> &commands, std::size_t index, bool signal) const {
        const vk::CommandBufferSubmitInfo info(commands[index]);
        const vk::SemaphoreSubmitInfo signal_info(*m_timeline, next(index), vk::PipelineStageFlagBits2::eAllCommands);
        m_queue.submit2(vk::SubmitInfo2({}, {}, info,
                                        signal ? vk::ArrayProxyNoTemporaries<const vk::SemaphoreSubmitInfo>(signal_info)
                                               : vk::ArrayProxyNoTemporaries<const vk::SemaphoreSubmitInfo>()));
    }

    /// Submits every command buffer as one batch each, in one vkQueueSubmit2, each signalling.
    void submit_all_at_once(const std::vector<vk::CommandBuffer> &commands) const {
        std::vector<vk::CommandBufferSubmitInfo> infos(commands.begin(), commands.end());
        std::vector<vk::SemaphoreSubmitInfo> signals;
        std::vector<vk::SubmitInfo2> batches;
        signals.reserve(commands.size());
        for (std::size_t i = 0; i < commands.size(); ++i) {
            signals.emplace_back(*m_timeline, next(i), vk::PipelineStageFlagBits2::eAllCommands);
        }
        for (std::size_t i = 0; i < commands.size(); ++i) batches.emplace_back(vk::SubmitInfo2({}, {}, infos[i], signals[i]));
        m_queue.submit2(batches);
    }

    /// Polls the timeline until the run of `count` submissions is done, and moves past it.
    void finish(std::size_t count) {
        const std::uint64_t last = next(count - 1);
        while (m_device.getSemaphoreCounterValue(*m_timeline) < last) {
        }
        m_value = last;
    }

    /// Microseconds from the first to each later timestamp (2 per command buffer).
    [[nodiscard]] std::vector<double> stamps(std::size_t command_buffers) const {
        const auto count = static_cast<std::uint32_t>(2 * command_buffers);
        std::vector<std::uint64_t> ticks(count);
        vw::check(m_device.getQueryPoolResults(*m_queries, 0, count, ticks.size() * sizeof(std::uint64_t), ticks.data(),
                                               sizeof(std::uint64_t),
                                               vk::QueryResultFlagBits::e64 | vk::QueryResultFlagBits::eWait),
                  "vkGetQueryPoolResults");
        std::vector<double> out;
        for (const std::uint64_t tick : ticks) out.push_back(static_cast<double>(tick - ticks[0]) * m_period_ns * 1e-3);
        return out;
    }

private:
    static void barrier(vk::CommandBuffer commands, vk::PipelineStageFlags2 source_stage, vk::AccessFlags2 source_access,
                        vk::PipelineStageFlags2 destination_stage, vk::AccessFlags2 destination_access) {
        const vk::MemoryBarrier2 memory(source_stage, source_access, destination_stage, destination_access);
        commands.pipelineBarrier2(vk::DependencyInfo({}, memory));
    }

    vk::Device m_device;
    vk::Queue m_queue;
    vk::UniqueCommandPool m_pool;
    vk::UniqueQueryPool m_queries;
    vk::UniqueSemaphore m_timeline;
    double m_period_ns;
    std::uint64_t m_value = 0;
};

enum class Submit { EachSignalled, LastSignalled, OneCall };

void print_row(const std::string &name, vk::DeviceSize bytes, double micros) {
    std::cout << "  " << std::left << std::setw(56) << name << std::right << std::fixed << std::setprecision(1)
              << std::setw(8) << micros << " us " << std::setw(7) << std::setprecision(2)
              << static_cast<double>(bytes) / micros * 1e-3 << " GB/s";
}

void print_spans(const std::vector<std::vector<double>> &columns) {
    std::cout << "  GPU";
    for (std::size_t i = 0; i + 1 < columns.size(); i += 2) {
        std::cout << " [" << std::setprecision(0) << median(columns[i]) << ".." << median(columns[i + 1]) << ']';
    }
}

/// Wall time of the copies of `all` submitted as asked; with `spans`, each command buffer's
/// GPU span too.
void structure_row(Bench &bench, const std::string &name, const std::vector<Piece> &all, Recording how, Submit submit,
                   int runs, bool spans = false) {
    how.timestamps = spans;
    const std::vector<vk::CommandBuffer> commands = bench.record(all, how);
    std::vector<double> micros;
    std::vector<std::vector<double>> columns(2 * commands.size());
    for (int run = -2; run < runs; ++run) {
        const auto start = Clock::now();
        if (submit == Submit::OneCall) {
            bench.submit_all_at_once(commands);
        } else {
            for (std::size_t i = 0; i < commands.size(); ++i) {
                bench.submit(commands, i, submit == Submit::EachSignalled || i + 1 == commands.size());
            }
        }
        bench.finish(commands.size());
        const double elapsed = micros_since(start);
        if (run < 0) continue;
        micros.push_back(elapsed);
        if (spans) {
            const std::vector<double> stamps = bench.stamps(commands.size());
            for (std::size_t i = 0; i < stamps.size(); ++i) columns[i].push_back(stamps[i]);
        }
    }
    bench.free(commands);
    print_row(name, total_bytes(all), median(micros));
    if (spans) print_spans(columns);
    std::cout << '\n';
}

/// The staged upload as UploadStream runs it: each chunk copied by `threads` into `staging`
/// (mapped), then submitted; or, with `host_first`, every chunk copied before the first
/// submission. Prints the wall time, when each submission went out and each chunk's GPU span.
void overlap_row(Bench &bench, const std::string &name, CopyThreads &threads, CopyStores stores, std::byte *staging,
                 const std::vector<Piece> &all, const std::vector<std::byte> &source, bool host_first) {
    const std::vector<vk::CommandBuffer> commands = bench.record(all, Recording{false, BeforeCopy, true});
    std::vector<double> micros;
    std::vector<std::vector<double>> submitted(all.size());
    std::vector<std::vector<double>> columns(2 * all.size());
    for (int run = -3; run < 23; ++run) {
        std::vector<double> at(all.size());
        const auto start = Clock::now();
        const auto fill = [&](const Piece &piece) {
            threads.copy(staging + piece.offset, source.data() + piece.offset, piece.size, stores);
        };
        if (host_first) {
            for (const Piece &piece : all) fill(piece);
        }
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (!host_first) fill(all[i]);
            bench.submit(commands, i, true);
            at[i] = micros_since(start);
        }
        bench.finish(all.size());
        const double elapsed = micros_since(start);
        if (run < 0) continue;
        micros.push_back(elapsed);
        for (std::size_t i = 0; i < all.size(); ++i) submitted[i].push_back(at[i]);
        const std::vector<double> stamps = bench.stamps(all.size());
        for (std::size_t i = 0; i < stamps.size(); ++i) columns[i].push_back(stamps[i]);
    }
    bench.free(commands);
    print_row(name, total_bytes(all), median(micros));
    std::cout << "  submitted at";
    for (const auto &column : submitted) std::cout << ' ' << std::setprecision(0) << median(column);
    print_spans(columns);
    std::cout << '\n';
}

int run() {
    const auto instance = vw::InstanceBuilder().setApplicationName("vw-bench-submit").build();
    const auto device = instance->findGpu().requireTransferQueue().find().build();
    const auto allocator = vw::AllocatorBuilder(instance, device).build();
    const vw::Transfer engine(device, allocator);
    vw::Queue &queue = engine.queue();
    const vw::PhysicalDevice &gpu = device->physical_device();
    if (gpu.queue_families().at(queue.family_index()).timestampValidBits < 64) {
        std::cerr << "vw-bench-submit: the transfer queue's family lacks 64-bit timestamps\n";
        return 1;
    }
    Bench bench(device, queue);

    constexpr std::size_t capacity = 64 * MiB;
    const auto staging = allocator->allocate<StagingBuffer>(capacity);
    const auto cached = allocator->allocate<ReadbackBuffer>(capacity);
    const auto local = allocator->allocate<DeviceLocalBuffer>(capacity);
    std::vector<std::byte> source(capacity, std::byte{0x5A});
    staging->write_bytes(source, 0);
    cached->write_bytes(source, 0);
    const vk::Buffer wc = staging->handle();
    const vk::Buffer hc = cached->handle();
    const vk::Buffer dl = local->handle();

    std::cout << "vw-bench-submit\ndevice:  " << gpu.name() << ", driver " << gpu.driver_info() << "\nqueue:   family "
              << queue.family_index() << "\nstaging: memory type " << staging->memory_type_index() << ' '
              << vk::to_string(staging->memory_properties()) << "\ncached:  memory type " << cached->memory_type_index()
              << ' ' << vk::to_string(cached->memory_properties()) << "\nthreads: "
              << std::thread::hardware_concurrency() << " hardware threads\n";

    const std::vector<std::size_t> plan16{4, 6, 4, 2};
    const std::vector<std::size_t> plan64{4, 8, 16, 16, 12, 6, 2};
    const std::vector<std::size_t> eight2{2, 2, 2, 2, 2, 2, 2, 2};
    const Recording single{false, BeforeCopy, false};
    const Recording together{true, BeforeCopy, false};

    std::cout << "\nstructure: prefilled write-combined staging -> device-local\n";
    structure_row(bench, "16 MiB, 1 submission", pieces(wc, dl, {16}), single, Submit::EachSignalled, 31);
    structure_row(bench, "16 MiB, 1 submission of 4 copies (4,6,4,2)", pieces(wc, dl, plan16), together,
                  Submit::EachSignalled, 31);
    structure_row(bench, "16 MiB, 4 submissions, each signalled", pieces(wc, dl, plan16), single,
                  Submit::EachSignalled, 31, true);
    structure_row(bench, "16 MiB, 4 submissions, the last signalled", pieces(wc, dl, plan16), single,
                  Submit::LastSignalled, 31, true);
    structure_row(bench, "16 MiB, 4 batches in one vkQueueSubmit2", pieces(wc, dl, plan16), single, Submit::OneCall, 31);
    structure_row(bench, "16 MiB, 8 submissions of 2 MiB, each signalled", pieces(wc, dl, eight2), single,
                  Submit::EachSignalled, 31, true);
    structure_row(bench, "16 MiB, 8 submissions of 2 MiB, the last signalled", pieces(wc, dl, eight2), single,
                  Submit::LastSignalled, 31);
    structure_row(bench, "8 MiB, 1 submission", pieces(wc, dl, {8}), single, Submit::EachSignalled, 31);
    structure_row(bench, "8 MiB, 2 submissions (4,4)", pieces(wc, dl, {4, 4}), single, Submit::EachSignalled, 31);
    structure_row(bench, "64 MiB, 1 submission", pieces(wc, dl, {64}), single, Submit::EachSignalled, 11);
    structure_row(bench, "64 MiB, 7 submissions (4,8,16,16,12,6,2), each signalled", pieces(wc, dl, plan64), single,
                  Submit::EachSignalled, 11);
    structure_row(bench, "64 MiB, 7 submissions, the last signalled", pieces(wc, dl, plan64), single,
                  Submit::LastSignalled, 11);
    structure_row(bench, "16 MiB from host-cached staging, 4 submissions", pieces(hc, dl, plan16), single,
                  Submit::EachSignalled, 31, true);

    std::cout << "\noverlap: host copy (copy threads) of each chunk, then its submission; 16 MiB as 4,6,4,2\n";
    for (const std::uint32_t participants : {16U, 8U, 4U}) {
        CopyThreads threads(participants);
        const std::string count = std::to_string(participants) + " threads";
        overlap_row(bench, "write-combined, streaming stores, " + count, threads, CopyStores::Streaming,
                    staging->mapped_data(), pieces(wc, dl, plan16), source, false);
        overlap_row(bench, "write-combined, memcpy, " + count, threads, CopyStores::Cached, staging->mapped_data(),
                    pieces(wc, dl, plan16), source, false);
        overlap_row(bench, "host-cached, memcpy, " + count, threads, CopyStores::Cached, cached->mapped_data(),
                    pieces(hc, dl, plan16), source, false);
    }
    {
        CopyThreads threads(std::thread::hardware_concurrency());
        overlap_row(bench, "write-combined, streaming, host copies all first", threads, CopyStores::Streaming,
                    staging->mapped_data(), pieces(wc, dl, plan16), source, true);
        overlap_row(bench, "host-cached, memcpy, host copies all first", threads, CopyStores::Cached,
                    cached->mapped_data(), pieces(hc, dl, plan16), source, true);
        overlap_row(bench, "write-combined, streaming, 8 chunks of 2 MiB", threads, CopyStores::Streaming,
                    staging->mapped_data(), pieces(wc, dl, eight2), source, false);
        overlap_row(bench, "write-combined, streaming, 64 MiB as the stream plans it", threads,
                    CopyStores::Streaming, staging->mapped_data(), pieces(wc, dl, plan64), source, false);
        overlap_row(bench, "write-combined, memcpy, 64 MiB as the stream plans it", threads, CopyStores::Cached,
                    staging->mapped_data(), pieces(wc, dl, plan64), source, false);
    }

    std::cout << "\nreadback: device-local -> host-cached, 1 MiB\n";
    const std::vector<Piece> one = pieces(dl, hc, {1});
    structure_row(bench, "1 MiB, barrier + copy + barrier to the host", one, Recording{false, BeforeCopy | ToHost, false},
                  Submit::EachSignalled, 101);
    structure_row(bench, "1 MiB, copy + barrier to the host", one, Recording{false, ToHost, false},
                  Submit::EachSignalled, 101);
    structure_row(bench, "1 MiB, copy alone", one, Recording{false, NoBarrier, false}, Submit::EachSignalled, 101);
    structure_row(bench, "1 MiB in 2 submissions of 512 KiB", {Piece{dl, hc, 0, MiB / 2}, Piece{dl, hc, MiB / 2, MiB / 2}},
                  Recording{false, BeforeCopy | ToHost, false}, Submit::EachSignalled, 101);
    std::vector<double> recording;
    for (int run = 0; run < 101; ++run) {
        const auto start = Clock::now();
        const std::vector<vk::CommandBuffer> commands = bench.record(one, Recording{false, BeforeCopy | ToHost, false});
        recording.push_back(micros_since(start));
        bench.free(commands);
    }
    std::cout << "  recording (allocate, begin, barrier, copy, barrier, end): " << std::setprecision(1)
              << median(recording) << " us\n";
    std::vector<std::byte> out(MiB);
    for (const std::uint32_t participants : {16U, 12U, 8U, 4U, 1U}) {
        CopyThreads threads(participants);
        std::vector<double> micros;
        for (int run = -3; run < 101; ++run) {
            threads.prepare(); // as DownloadStream does while the device copies
            std::this_thread::sleep_for(std::chrono::microseconds(40));
            const auto start = Clock::now();
            threads.copy(out.data(), cached->mapped_data(), MiB);
            if (run >= 0) micros.push_back(micros_since(start));
        }
        std::cout << "  copy-out of 1 MiB, participants " << std::setw(2) << participants << ": " << std::setprecision(1)
                  << median(micros) << " us\n";
    }
    return 0;
}

} // namespace

int main() {
    try {
        return run();
    } catch (const std::exception &error) {
        std::cerr << "vw-bench-submit: " << error.what() << '\n';
        return 1;
    }
}
