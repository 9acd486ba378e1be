// Host <-> device buffer transfer throughput: the Transfer engine (vw::Transfer) against the
// bus limit, the textbook staging path and a plain host memcpy, all in one run.
//
// For every size (4 KiB ... 1 GiB by default) the program measures:
//   bus        one vkCmdCopyBuffer between a host-visible buffer and a device-local one, timed
//              on the GPU with two timestamps (the DMA limit of the queue the engine uses);
//   textbook   end to end on the host clock: memcpy of the whole source into a staging buffer,
//              one vkCmdCopyBuffer, submit, wait on a fence (readback: copy into a host-cached
//              buffer, wait, memcpy out);
//   engine     end to end: Transfer::upload / Transfer::download_bytes with default options, and
//              again with direct_access = false (the staging ring; on lavapipe and other
//              devices whose device-local memory is host-visible the default writes directly);
//   download() the natural call, `std::vector<std::byte> v = transfer.download(buffer)`, a
//              fresh vector every time (its allocation and page faults included), with the
//              default options and with direct_access = false; and download_async().get();
//   memcpy     one std::memcpy between two ordinary vectors on one thread (the limit on a CPU
//              device such as lavapipe);
//   new vector the same copy into a new std::vector (its allocation and page faults included):
//              the floor of any call that returns fresh memory, download()'s other baseline.
// After the table, the staged engine's staging arena: what it held after the run, its peak,
// its allocations, and what it holds after trim().
// Each figure is the median of N runs after one warm-up run (N = 9 up to 16 MiB, 5 up to
// 256 MiB, 3 above). The engine's result is checked once per size (upload then download,
// compared with the source); a mismatch ends the run with exit code 1.
//
// No validation layer (it would dominate). Build in Release. `--help` lists the options.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Transfer/HostRegistration.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Transfer/TransferBatch.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace {

constexpr std::size_t KiB = std::size_t{1} << 10;
constexpr std::size_t MiB = std::size_t{1} << 20;
constexpr std::size_t GiB = std::size_t{1} << 30;

constexpr std::array<std::size_t, 6> default_sizes{4 * KiB, 64 * KiB, 1 * MiB,
                                                   16 * MiB, 256 * MiB, 1 * GiB};
/// The default run on a CPU device (lavapipe) stops here, to stay within a few minutes.
constexpr std::size_t cpu_default_cap = 256 * MiB;
/// Latencies are printed for sizes up to this one.
constexpr std::size_t latency_max = 1 * MiB;

using DeviceLocalBuffer = vw::Buffer<std::byte, false, vw::StorageBufferUsage>;
using StagingBuffer = vw::Buffer<std::byte, true, vw::StagingBufferUsage>;
using ReadbackBuffer = vw::ReadbackBuffer<std::byte>;

/// --runs: every size's run count when set.
std::optional<std::size_t> g_runs;

/// Runs after one warm-up run.
std::size_t runs_for(std::size_t size) {
    if (g_runs) return *g_runs;
    if (size <= 16 * MiB) return 9;
    if (size <= 256 * MiB) return 5;
    return 3;
}

// ---- Command line -----------------------------------------------------------------------------

struct Options {
    std::vector<std::size_t> sizes{default_sizes.begin(), default_sizes.end()};
    bool sizes_given = false;
    std::optional<std::size_t> max_size;
    bool help = false;
    vw::TransferOptions engine; ///< --chunk, --slots, --threads (direct_access set per row)
    std::size_t batch = 64;     ///< --batch: uploads per batch in the small-uploads table (0: none)
};

void print_usage(std::ostream &out) {
    out << "Usage: vw-bench-transfer [--sizes=LIST] [--max-size=SIZE] [--chunk=SIZE] [--slots=N]\n"
           "                         [--threads=N] [--budget=SIZE] [--direct-limit=SIZE]\n"
           "                         [--spin=US] [--runs=N] [--batch=N] [--help]\n"
           "\n"
           "Measures host<->device buffer transfers: the bus limit (GPU timestamps around one\n"
           "vkCmdCopyBuffer), the textbook staging path, vw::Transfer (default options and the\n"
           "staging ring), and a one-thread host memcpy. Throughput in GB/s (1e9 bytes/s).\n"
           "\n"
           "  --sizes=LIST     comma-separated sizes, e.g. 4K,64K,1M,16M,256M,1G (suffixes K, M,\n"
           "                   G are binary; KiB/MiB/GiB and plain byte counts are accepted).\n"
           "                   Default: 4K,64K,1M,16M,256M,1G, capped at 256M on a CPU device.\n"
           "  --max-size=SIZE  skip sizes above SIZE.\n"
           "  --chunk=SIZE, --slots=N, --threads=N  the engine's TransferOptions (default 16M, 4,\n"
           "                   the hardware's thread count).\n"
           "  --budget=SIZE    the engine's staging_budget (default 128M).\n"
           "  --direct-limit=SIZE  the engine's direct_write_limit (default 4M): the largest upload\n"
           "                   written straight into resizable-BAR memory.\n"
           "  --spin=US        the engines' wait_spin in microseconds (default 200): how long a\n"
           "                   wait for their own copies polls the timeline before it sleeps.\n"
           "  --runs=N         timed runs per figure, after one warm-up (default 9 up to 16M,\n"
           "                   5 up to 256M, 3 above).\n"
           "  --batch=N        uploads per batch in the small-uploads table (4K ... 256K into N\n"
           "                   buffers: one TransferBatch, N upload_async calls, and a hand-written\n"
           "                   single submission); default 64, 0 leaves the table out.\n"
           "  --help           this text.\n"
           "\n"
           "A size is skipped when it exceeds half the device-local heap or a quarter of the\n"
           "system's RAM, or when allocating its buffers fails with OutOfMemoryError.\n";
}

/// "4K", "64KiB", "1M", "1G", "4096" -> bytes; std::nullopt when malformed.
std::optional<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    std::size_t position = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
        const auto digit = static_cast<std::size_t>(text[position] - '0');
        if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
        ++position;
    }
    if (position == 0 || value == 0) return std::nullopt;
    std::string suffix;
    for (const char c : text.substr(position)) {
        suffix += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    std::size_t unit = 1;
    if (suffix.empty() || suffix == "B") {
        unit = 1;
    } else if (suffix == "K" || suffix == "KB" || suffix == "KIB") {
        unit = KiB;
    } else if (suffix == "M" || suffix == "MB" || suffix == "MIB") {
        unit = MiB;
    } else if (suffix == "G" || suffix == "GB" || suffix == "GIB") {
        unit = GiB;
    } else {
        return std::nullopt;
    }
    if (value > std::numeric_limits<std::size_t>::max() / unit) return std::nullopt;
    return value * unit;
}

/// Throws vw::LogicError for unknown arguments or malformed sizes.
Options parse_options(int argc, char **argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument(argv[i]);
        // "--name=value" or "--name value".
        const auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
            if (argument.starts_with(name) && argument.size() > name.size() &&
                argument[name.size()] == '=') {
                return argument.substr(name.size() + 1);
            }
            if (argument == name) {
                if (i + 1 >= argc) throw vw::LogicError(std::string(name) + " needs a value");
                return std::string_view(argv[++i]);
            }
            return std::nullopt;
        };
        if (argument == "--help" || argument == "-h") {
            options.help = true;
        } else if (const auto sizes = value_of("--sizes")) {
            options.sizes.clear();
            options.sizes_given = true;
            std::string_view rest = *sizes;
            while (!rest.empty()) {
                const std::size_t comma = rest.find(',');
                const std::string_view item = rest.substr(0, comma);
                const auto size = parse_size(item);
                if (!size) throw vw::LogicError("--sizes: cannot read size '" + std::string(item) + "'");
                options.sizes.push_back(*size);
                rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
            if (options.sizes.empty()) throw vw::LogicError("--sizes: no size given");
            std::sort(options.sizes.begin(), options.sizes.end());
            options.sizes.erase(std::unique(options.sizes.begin(), options.sizes.end()),
                                options.sizes.end());
        } else if (const auto chunk = value_of("--chunk")) {
            const auto bytes = parse_size(*chunk);
            if (!bytes || *bytes == 0) throw vw::LogicError("--chunk: cannot read size '" + std::string(*chunk) + "'");
            options.engine.chunk_bytes = *bytes;
        } else if (const auto slots = value_of("--slots")) {
            options.engine.staging_slots = static_cast<std::uint32_t>(std::stoul(std::string(*slots)));
        } else if (const auto threads = value_of("--threads")) {
            options.engine.copy_threads = static_cast<std::uint32_t>(std::stoul(std::string(*threads)));
        } else if (const auto budget = value_of("--budget")) {
            const auto bytes = parse_size(*budget);
            if (!bytes) throw vw::LogicError("--budget: cannot read size '" + std::string(*budget) + "'");
            options.engine.staging_budget = *bytes;
        } else if (const auto limit = value_of("--direct-limit")) {
            const auto bytes = parse_size(*limit);
            if (!bytes) throw vw::LogicError("--direct-limit: cannot read size '" + std::string(*limit) + "'");
            options.engine.direct_write_limit = *bytes;
        } else if (const auto spin = value_of("--spin")) {
            options.engine.wait_spin = std::chrono::microseconds(std::stol(std::string(*spin)));
        } else if (const auto runs = value_of("--runs")) {
            const auto count = std::stoul(std::string(*runs));
            if (count == 0) throw vw::LogicError("--runs: at least 1");
            g_runs = count;
        } else if (const auto batch = value_of("--batch")) {
            options.batch = std::stoul(std::string(*batch));
        } else if (const auto max_size = value_of("--max-size")) {
            options.max_size = parse_size(*max_size);
            if (!options.max_size) {
                throw vw::LogicError("--max-size: cannot read size '" + std::string(*max_size) + "'");
            }
        } else {
            throw vw::LogicError("unknown argument '" + std::string(argument) + "' (see --help)");
        }
    }
    return options;
}

// ---- Formatting -------------------------------------------------------------------------------

std::string format_size(std::size_t bytes) {
    std::ostringstream out;
    if (bytes >= GiB && bytes % GiB == 0) {
        out << bytes / GiB << " GiB";
    } else if (bytes >= MiB && bytes % MiB == 0) {
        out << bytes / MiB << " MiB";
    } else if (bytes >= KiB && bytes % KiB == 0) {
        out << bytes / KiB << " KiB";
    } else {
        out << bytes << " B";
    }
    return out.str();
}

std::string format_fixed(double value, int precision) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(precision) << value;
    return out.str();
}

std::string utc_date() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    if (gmtime_r(&now, &utc) == nullptr) return "unknown";
    std::array<char, 32> text{};
    const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M:%S UTC", &utc);
    return std::string(text.data(), length);
}

std::string queue_flags_text(vk::QueueFlags flags) {
    std::string text;
    const auto add = [&](vk::QueueFlagBits bit, const char *name) {
        if (flags & bit) {
            if (!text.empty()) text += '|';
            text += name;
        }
    };
    add(vk::QueueFlagBits::eGraphics, "graphics");
    add(vk::QueueFlagBits::eCompute, "compute");
    add(vk::QueueFlagBits::eTransfer, "transfer");
    add(vk::QueueFlagBits::eSparseBinding, "sparse");
    return text.empty() ? "none" : text;
}

// ---- Measurements -----------------------------------------------------------------------------

/// The median, fastest and slowest of `runs` results (seconds per call).
struct Timing {
    double median = -1.0;
    double fastest = -1.0;
    double slowest = -1.0;
};

/// Times `runs` calls of `run` (each returns its seconds), after one warm-up call.
template <typename Function>
Timing timed_runs(std::size_t runs, Function &&run) {
    static_cast<void>(run());
    std::vector<double> seconds;
    seconds.reserve(runs);
    for (std::size_t i = 0; i < runs; ++i) seconds.push_back(run());
    std::sort(seconds.begin(), seconds.end());
    return {seconds[seconds.size() / 2], seconds.front(), seconds.back()};
}

/// Median of `runs` results of `run` (seconds per call), after one warm-up call.
template <typename Function>
double median_seconds(std::size_t runs, Function &&run) {
    return timed_runs(runs, std::forward<Function>(run)).median;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// A VkQueryPool of two timestamps.
class TimestampPool {
public:
    explicit TimestampPool(const vw::Device &device)
        : m_device(static_cast<VkDevice>(device.handle())) {
        VkQueryPoolCreateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
        info.queryType = VK_QUERY_TYPE_TIMESTAMP;
        info.queryCount = 2;
        vw::check(vkCreateQueryPool(m_device, &info, nullptr, &m_pool), "vkCreateQueryPool");
    }
    ~TimestampPool() { vkDestroyQueryPool(m_device, m_pool, nullptr); }
    TimestampPool(const TimestampPool &) = delete;
    TimestampPool &operator=(const TimestampPool &) = delete;

    [[nodiscard]] vk::QueryPool handle() const noexcept { return vk::QueryPool(m_pool); }

    /// Ticks between the two timestamps (waits for both to be available).
    [[nodiscard]] std::uint64_t elapsed_ticks(std::uint32_t valid_bits) const {
        std::array<std::uint64_t, 2> ticks{};
        vw::check(vkGetQueryPoolResults(m_device, m_pool, 0, 2, sizeof(ticks), ticks.data(),
                                        sizeof(std::uint64_t),
                                        VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
                  "vkGetQueryPoolResults");
        const std::uint64_t mask =
            valid_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << valid_bits) - 1;
        return (ticks[1] - ticks[0]) & mask;
    }

private:
    VkDevice m_device;
    VkQueryPool m_pool = VK_NULL_HANDLE;
};

/// Makes the copy's writes into host-cached memory visible to host reads.
void record_host_read_barrier(vk::CommandBuffer commands) {
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eCopy,
                                     vk::AccessFlagBits2::eTransferWrite,
                                     vk::PipelineStageFlagBits2::eHost,
                                     vk::AccessFlagBits2::eHostRead);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

/// Everything the measurements share.
struct Bench {
    std::shared_ptr<vw::Device> device;
    vw::Queue *queue = nullptr;
    vw::CommandBuffer *commands = nullptr;
    vw::Fence *fence = nullptr;
    TimestampPool *timestamps = nullptr; // null when the family has no timestamps
    std::uint32_t timestamp_bits = 0;
    double timestamp_period_ns = 1.0;

    /// Submits the recorded command buffer and waits for it.
    void submit_and_wait() const {
        vw::Submission(*queue).addCommands(*commands).submit(*fence);
        fence->wait();
        fence->reset();
    }

    /// GPU time of one copy `source` -> `destination` of `size` bytes, from two timestamps.
    /// `host_read`: the destination is read by the host afterwards (barrier to HOST_READ).
    [[nodiscard]] double bus_copy(const vw::BufferBase &source, const vw::BufferBase &destination,
                                  std::size_t size, bool host_read) const {
        const vk::CommandBuffer handle = commands->handle();
        commands->reset();
        commands->begin(vk::CommandBufferUsageFlags{}); // submitted more than once
        handle.resetQueryPool(timestamps->handle(), 0, 2);
        handle.writeTimestamp2(vk::PipelineStageFlagBits2::eTopOfPipe, timestamps->handle(), 0);
        handle.copyBuffer(source.handle(), destination.handle(), vk::BufferCopy(0, 0, size));
        handle.writeTimestamp2(vk::PipelineStageFlagBits2::eAllCommands, timestamps->handle(), 1);
        if (host_read) record_host_read_barrier(handle);
        commands->end();
        return median_seconds(runs_for(size), [&] {
            submit_and_wait();
            return static_cast<double>(timestamps->elapsed_ticks(timestamp_bits)) *
                   timestamp_period_ns * 1e-9;
        });
    }

    /// Records and runs one copy (with a host-read barrier when asked).
    void copy(const vw::BufferBase &source, const vw::BufferBase &destination, std::size_t size,
              bool host_read) const {
        commands->reset();
        commands->begin();
        commands->handle().copyBuffer(source.handle(), destination.handle(),
                                      vk::BufferCopy(0, 0, size));
        if (host_read) record_host_read_barrier(commands->handle());
        commands->end();
        submit_and_wait();
    }

    /// Fills `buffer` with a byte pattern on the device and makes it visible to the host, so
    /// that a later check cannot pass on stale contents.
    void scribble(const vw::BufferBase &buffer) const {
        commands->reset();
        commands->begin();
        commands->handle().fillBuffer(buffer.handle(), 0, VK_WHOLE_SIZE, 0xA5A5A5A5U);
        const vk::MemoryBarrier2 barrier(
            vk::PipelineStageFlagBits2::eClear | vk::PipelineStageFlagBits2::eCopy,
            vk::AccessFlagBits2::eTransferWrite, vk::PipelineStageFlagBits2::eHost |
                                                     vk::PipelineStageFlagBits2::eCopy,
            vk::AccessFlagBits2::eHostRead | vk::AccessFlagBits2::eHostWrite |
                vk::AccessFlagBits2::eTransferRead | vk::AccessFlagBits2::eTransferWrite);
        commands->handle().pipelineBarrier2(vk::DependencyInfo({}, barrier));
        commands->end();
        submit_and_wait();
    }
};

/// Fills `bytes` with a pseudo-random stream that depends on `seed` (splitmix64).
void fill_pattern(std::span<std::byte> bytes, std::uint64_t seed) {
    std::uint64_t state = seed;
    const auto next = [&] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    std::size_t i = 0;
    for (; i + sizeof(std::uint64_t) <= bytes.size(); i += sizeof(std::uint64_t)) {
        const std::uint64_t word = next();
        std::memcpy(bytes.data() + i, &word, sizeof(word));
    }
    if (i < bytes.size()) {
        const std::uint64_t word = next();
        std::memcpy(bytes.data() + i, &word, bytes.size() - i);
    }
}

/// Throws a message naming the first differing byte when `actual` differs from `expected`.
void expect_equal(std::span<const std::byte> expected, std::span<const std::byte> actual,
                  const std::string &what) {
    if (expected.size() == actual.size() &&
        std::memcmp(expected.data(), actual.data(), expected.size()) == 0) {
        return;
    }
    const auto mismatch = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
    const auto offset = static_cast<std::size_t>(mismatch.first - expected.begin());
    std::ostringstream message;
    message << what << ": data mismatch at byte " << offset << " of " << expected.size();
    if (mismatch.first != expected.end() && mismatch.second != actual.end()) {
        message << " (expected 0x" << std::hex << std::to_integer<unsigned>(*mismatch.first)
                << ", got 0x" << std::to_integer<unsigned>(*mismatch.second) << ")";
    }
    throw std::runtime_error(message.str());
}

/// The rows of the table.
enum Row : std::size_t {
    UploadBus,
    UploadTextbook,
    UploadEngine,
    UploadEngineStaged,
    UploadEngineDirect,
    UploadRegistered,
    UploadHostVisible,
    ReadbackBus,
    ReadbackTextbook,
    ReadbackEngine,
    ReadbackEngineStaged,
    ReadbackRegistered,
    ReadbackVector,
    ReadbackVectorStaged,
    ReadbackAsyncVector,
    HostMemcpy,
    HostNewVector,
    RowCount,
};

constexpr std::array<const char *, RowCount> row_names{
    "upload   bus (GPU timestamps)",
    "upload   textbook (memcpy+copy+fence)",
    "upload   engine (default options)",
    "upload   engine (direct_access=false)",
    "upload   engine (direct writes, no limit)",
    "upload   registered source (staged eng.)",
    "upload   into host-visible (copy threads)",
    "readback bus (GPU timestamps)",
    "readback textbook (copy+fence+memcpy)",
    "readback engine (default options)",
    "readback engine (direct_access=false)",
    "readback registered dest. (staged eng.)",
    "readback download() -> new vector",
    "readback download() (direct_access=false)",
    "readback download_async().get()",
    "host memcpy (1 thread)",
    "host copy into a new vector (1 thread)",
};

struct SizeResult {
    std::size_t size = 0;
    std::optional<std::string> skipped; // the reason, when the size was not measured
    std::array<double, RowCount> seconds{}; // median seconds per transfer; negative: not measured
    std::array<double, RowCount> fastest{};
    std::array<double, RowCount> slowest{};
    double registration_seconds = -1.0; // importing the source for the registered rows
    bool registered = false;            // the import succeeded (else those rows were staged)
};

/// Times `run` for `row` of `result`: median and spread.
template <typename Function>
void record(SizeResult &result, Row row, std::size_t runs, Function &&run) {
    const Timing timing = timed_runs(runs, std::forward<Function>(run));
    result.seconds[row] = timing.median;
    result.fastest[row] = timing.fastest;
    result.slowest[row] = timing.slowest;
}

/// A mismatch in the engine's result: ends the run with exit code 1.
struct MismatchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Measures every row for one size. Throws MismatchError on wrong data.
void measure(const Bench &bench, vw::Allocator &allocator, vw::Transfer &engine,
             vw::Transfer &staged_engine, vw::Transfer &direct_engine, SizeResult &result) {
    const std::size_t size = result.size;
    const std::size_t runs = runs_for(size);
    result.seconds.fill(-1.0);
    result.fastest.fill(-1.0);
    result.slowest.fill(-1.0);

    std::unique_ptr<StagingBuffer> staging;
    std::unique_ptr<DeviceLocalBuffer> device_local;
    std::unique_ptr<ReadbackBuffer> readback;
    try {
        staging = allocator.allocate<StagingBuffer>(size);
        device_local = allocator.allocate<DeviceLocalBuffer>(size);
        readback = allocator.allocate<ReadbackBuffer>(size);
    } catch (const vw::OutOfMemoryError &error) {
        result.skipped = std::string("allocation failed: ") + error.message();
        return;
    } catch (const vw::LogicError &error) { // beyond the device's buffer size limits
        result.skipped = std::string("allocation refused: ") + error.message();
        return;
    }
    // Host vectors, after the buffers (a size that does not fit is skipped sooner), and
    // value-initialised, so every page is resident before timing.
    std::vector<std::byte> source(size);
    std::vector<std::byte> out(size);
    std::vector<std::byte> copy_target(size);
    fill_pattern(source, 0x5EED0000ULL ^ static_cast<std::uint64_t>(size));

    // Every buffer written once before anything is timed: fresh memory on a CPU device is
    // backed by the shared zero page until written, and a copy out of it would read cache.
    staging->write_bytes(source, 0);
    bench.scribble(*device_local);
    bench.scribble(*readback);

    // 1. The bus: GPU timestamps around one copy.
    if (bench.timestamps != nullptr) {
        result.seconds[UploadBus] = bench.bus_copy(*staging, *device_local, size, false);
        result.seconds[ReadbackBus] = bench.bus_copy(*device_local, *readback, size, true);
    }

    // 2. The textbook path, checked once (the harness itself).
    const auto textbook_upload = [&] {
        const auto start = std::chrono::steady_clock::now();
        std::memcpy(staging->mapped_data(), source.data(), size);
        staging->flush(0, size);
        bench.copy(*staging, *device_local, size, false);
        return seconds_since(start);
    };
    const auto textbook_readback = [&] {
        const auto start = std::chrono::steady_clock::now();
        bench.copy(*device_local, *readback, size, true);
        readback->invalidate(0, size);
        std::memcpy(out.data(), readback->mapped_data(), size);
        return seconds_since(start);
    };
    bench.scribble(*device_local);
    bench.scribble(*readback);
    static_cast<void>(textbook_upload());
    std::fill(out.begin(), out.end(), std::byte{0});
    static_cast<void>(textbook_readback());
    expect_equal(source, out, "textbook path (harness) at " + format_size(size));
    record(result, UploadTextbook, runs, textbook_upload);
    record(result, ReadbackTextbook, runs, textbook_readback);

    // 3. The engine, both ways, each checked once before it is timed.
    const std::span<const std::byte> source_bytes(source);
    const std::span<std::byte> out_bytes(out);
    const auto run_engine = [&](vw::Transfer &transfer, std::optional<Row> upload_row,
                                std::optional<Row> readback_row, const char *name) {
        bench.scribble(*device_local);
        std::fill(out.begin(), out.end(), std::byte{0});
        transfer.upload(*device_local, source_bytes);
        transfer.download_bytes(*device_local, out_bytes, 0);
        try {
            expect_equal(source, out, std::string(name) + " at " + format_size(size));
        } catch (const std::runtime_error &error) {
            throw MismatchError(error.what());
        }
        if (upload_row) {
            record(result, *upload_row, runs, [&] {
                const auto start = std::chrono::steady_clock::now();
                transfer.upload(*device_local, source_bytes);
                return seconds_since(start);
            });
        }
        if (readback_row) {
            record(result, *readback_row, runs, [&] {
                const auto start = std::chrono::steady_clock::now();
                transfer.download_bytes(*device_local, out_bytes, 0);
                return seconds_since(start);
            });
        }
    };
    // The natural call: a new vector each time, allocation and page faults included.
    // `read` returns a new vector: download(), or download_async().get().
    const auto run_vector = [&](Row row, const char *name, auto &&read) {
        try {
            expect_equal(source, read(), std::string(name) + " at " + format_size(size));
        } catch (const std::runtime_error &error) {
            throw MismatchError(error.what());
        }
        record(result, row, runs, [&] {
            const auto start = std::chrono::steady_clock::now();
            const std::vector<std::byte> back = read();
            const double seconds = seconds_since(start);
            if (back.size() != size) throw MismatchError(std::string(name) + " returned the wrong size");
            return seconds;
        });
    };
    const auto download_with = [&](vw::Transfer &transfer) {
        return [engine_used = &transfer, &device_local] { return engine_used->download(*device_local); };
    };
    run_engine(engine, UploadEngine, ReadbackEngine, "engine (default options)");
    run_vector(ReadbackVector, "download() (default options)", download_with(engine));
    // The asynchronous form, started and taken at once: its new vector is filled by get().
    run_vector(ReadbackAsyncVector, "download_async().get()", [&] { return engine.download_async(*device_local).get(); });
    run_engine(staged_engine, UploadEngineStaged, ReadbackEngineStaged,
               "engine (direct_access=false)");
    run_vector(ReadbackVectorStaged, "download() (direct_access=false)", download_with(staged_engine));
    run_engine(direct_engine, UploadEngineDirect, std::nullopt, "engine (direct writes, no limit)");
    // The copy threads alone: an upload into a persistently mapped host buffer is their memcpy
    // (wake-up and split included), nothing else.
    record(result, UploadHostVisible, runs, [&] {
        const auto start = std::chrono::steady_clock::now();
        engine.upload(*staging, source_bytes);
        return seconds_since(start);
    });
    if (!std::equal(source.begin(), source.end(), staging->mapped_data())) {
        throw MismatchError("upload into a host-visible buffer at " + format_size(size));
    }
    // Registered (imported) source and destination: the device copies them without the CPU.
    {
        const auto start = std::chrono::steady_clock::now();
        vw::HostRegistration source_registration = staged_engine.register_host_memory(std::span(source));
        result.registration_seconds = seconds_since(start);
        const vw::HostRegistration out_registration = staged_engine.register_host_memory(out_bytes);
        result.registered = source_registration.imported() && out_registration.imported();
        if (!result.registered) {
            std::cout << format_size(size) << ": registration not imported ("
                      << (source_registration.imported() ? out_registration : source_registration).fallback_reason()
                      << "): the registered rows are staged\n";
        }
        run_engine(staged_engine, UploadRegistered, ReadbackRegistered, "registered source and destination");
    }

    // 4. One-thread host memcpy. Called through a volatile pointer so that it cannot be elided.
    void *(*volatile host_memcpy)(void *, const void *, std::size_t) = &std::memcpy;
    record(result, HostMemcpy, runs, [&] {
        const auto start = std::chrono::steady_clock::now();
        host_memcpy(copy_target.data(), source.data(), size);
        return seconds_since(start);
    });
    expect_equal(source, copy_target, "host memcpy at " + format_size(size));

    // 5. The same copy into fresh memory, as `std::vector(first, last)` makes it: what any call
    // returning a new container pays for its pages (the kernel zeroes them as they fault in),
    // the baseline of the download() rows beside the memcpy one.
    record(result, HostNewVector, runs, [&] {
        const auto start = std::chrono::steady_clock::now();
        const std::vector<std::byte> fresh(source.begin(), source.end());
        const double seconds = seconds_since(start);
        if (fresh.size() != size || fresh.back() != source.back()) throw MismatchError("new vector at " + format_size(size));
        return seconds;
    });

    bench.device->wait_idle(); // nothing is pending when the buffers go
}

// ---- Many small uploads -----------------------------------------------------------------------

// Table layout, shared with the report below.
constexpr int label_width = 40;
constexpr int column_width = 11;

constexpr std::array<std::size_t, 4> batch_sizes{4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB};

/// Microseconds per upload of `count` uploads of one size, each into a buffer of its own.
struct BatchResult {
    std::size_t size = 0;
    double raw = -1.0;      ///< one staging buffer, `count` vkCmdCopyBuffer, one submission
    double batch = -1.0;    ///< vw::TransferBatch, one submit()
    double separate = -1.0; ///< `count` Transfer::upload_async calls (staged), then wait
    double direct = -1.0;   ///< `count` Transfer::upload calls with the default options
};

/// Measures the small-uploads rows for `size`. Throws MismatchError on wrong data.
BatchResult measure_batch(const Bench &bench, vw::Allocator &allocator, vw::Transfer &engine,
                          vw::Transfer &staged_engine, std::size_t count, std::size_t size) {
    BatchResult result;
    result.size = size;
    const std::size_t runs = runs_for(size);
    std::vector<std::unique_ptr<DeviceLocalBuffer>> targets;
    for (std::size_t i = 0; i < count; ++i) targets.push_back(allocator.allocate<DeviceLocalBuffer>(size));
    const std::unique_ptr<StagingBuffer> staging = allocator.allocate<StagingBuffer>(size * count);
    std::vector<std::byte> source(size * count);
    fill_pattern(source, 0xBA7C0000ULL ^ static_cast<std::uint64_t>(size));
    const auto piece = [&](std::size_t i) { return std::span<const std::byte>(source).subspan(i * size, size); };
    const auto per_upload = [&](double seconds) { return seconds / static_cast<double>(count) * 1e6; };
    const auto check = [&](const char *name) {
        std::vector<std::byte> back(size);
        for (std::size_t i = 0; i < count; ++i) {
            staged_engine.download_bytes(*targets[i], back, 0);
            if (!std::equal(back.begin(), back.end(), piece(i).begin())) {
                throw MismatchError(std::string(name) + ": buffer " + std::to_string(i) + " at " + format_size(size));
            }
        }
        for (const auto &target : targets) bench.scribble(*target);
    };
    for (const auto &target : targets) bench.scribble(*target);

    const auto raw = [&] {
        const auto start = std::chrono::steady_clock::now();
        std::memcpy(staging->mapped_data(), source.data(), source.size());
        staging->flush(0, source.size());
        bench.commands->reset();
        bench.commands->begin();
        for (std::size_t i = 0; i < count; ++i) {
            bench.commands->handle().copyBuffer(staging->handle(), targets[i]->handle(),
                                                vk::BufferCopy(i * size, 0, size));
        }
        bench.commands->end();
        bench.submit_and_wait();
        return seconds_since(start);
    };
    static_cast<void>(raw());
    check("hand-written batch (harness)");
    result.raw = per_upload(median_seconds(runs, raw));

    vw::TransferBatch batch(staged_engine);
    const auto batched = [&] {
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < count; ++i) batch.upload(*targets[i], piece(i));
        batch.submit().wait();
        return seconds_since(start);
    };
    static_cast<void>(batched());
    check("TransferBatch");
    result.batch = per_upload(median_seconds(runs, batched));

    const auto separate = [&] {
        const auto start = std::chrono::steady_clock::now();
        vw::TransferTicket last;
        for (std::size_t i = 0; i < count; ++i) last = staged_engine.upload_async(*targets[i], piece(i));
        last.wait();
        return seconds_since(start);
    };
    static_cast<void>(separate());
    check("upload_async (direct_access=false)");
    result.separate = per_upload(median_seconds(runs, separate));

    const auto direct = [&] {
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < count; ++i) engine.upload(*targets[i], piece(i));
        return seconds_since(start);
    };
    static_cast<void>(direct());
    check("upload (default options)");
    result.direct = per_upload(median_seconds(runs, direct));
    bench.device->wait_idle();
    return result;
}

void print_batches(std::ostream &out, const std::vector<BatchResult> &results, std::size_t count) {
    out << '\n' << std::left << std::setw(label_width)
        << ("Small uploads x" + std::to_string(count) + ", us each, median") << std::right;
    for (const BatchResult &result : results) out << std::setw(column_width) << format_size(result.size);
    out << '\n';
    const auto row = [&](const char *label, double BatchResult::*field) {
        out << std::left << std::setw(label_width) << label << std::right;
        for (const BatchResult &result : results) out << std::setw(column_width) << format_fixed(result.*field, 2);
        out << '\n';
    };
    row("hand-written: 1 submission", &BatchResult::raw);
    row("TransferBatch: 1 submit()", &BatchResult::batch);
    row("upload_async each (staged)", &BatchResult::separate);
    row("upload each (default options)", &BatchResult::direct);
    out << std::left << std::setw(label_width) << "TransferBatch / hand-written" << std::right;
    for (const BatchResult &result : results) out << std::setw(column_width) << format_fixed(result.batch / result.raw, 2);
    out << '\n' << std::left << std::setw(label_width) << "upload_async each / TransferBatch" << std::right;
    for (const BatchResult &result : results) {
        out << std::setw(column_width) << format_fixed(result.separate / result.batch, 2);
    }
    out << '\n';
}

// ---- Report -----------------------------------------------------------------------------------

void print_header_row(std::ostream &out, const std::vector<SizeResult> &results, const char *title,
                      bool latency_only) {
    out << std::left << std::setw(label_width) << title << std::right;
    for (const SizeResult &result : results) {
        if (latency_only && result.size > latency_max) continue;
        out << std::setw(column_width) << format_size(result.size);
    }
    out << '\n';
}

void print_row(std::ostream &out, const std::vector<SizeResult> &results, const std::string &label,
               bool latency_only, auto &&cell) {
    out << std::left << std::setw(label_width) << label << std::right;
    for (const SizeResult &result : results) {
        if (latency_only && result.size > latency_max) continue;
        out << std::setw(column_width) << (result.skipped ? std::string("skipped") : cell(result));
    }
    out << '\n';
}

std::string throughput_cell(const SizeResult &result, Row row) {
    const double seconds = result.seconds[row];
    if (seconds <= 0.0) return "n/a";
    return format_fixed(static_cast<double>(result.size) / seconds * 1e-9, 2);
}

std::string ratio_cell(const SizeResult &result, Row numerator, Row denominator) {
    // Throughput ratio = inverse time ratio.
    const double top = result.seconds[numerator];
    const double bottom = result.seconds[denominator];
    if (top <= 0.0 || bottom <= 0.0) return "n/a";
    return format_fixed(bottom / top, 2);
}

void print_report(std::ostream &out, const std::vector<SizeResult> &results) {
    out << '\n';
    print_header_row(out, results, "Throughput, GB/s (1e9 B/s), median", false);
    for (std::size_t row = 0; row < RowCount; ++row) {
        print_row(out, results, row_names[row], false, [&](const SizeResult &result) {
            return throughput_cell(result, static_cast<Row>(row));
        });
    }

    out << '\n';
    print_header_row(out, results, "Ratios (throughput / throughput)", false);
    struct RatioRow {
        const char *label;
        Row numerator;
        Row denominator;
    };
    constexpr std::array<RatioRow, 24> ratios{{
        {"upload   engine / bus", UploadEngine, UploadBus},
        {"upload   engine / textbook", UploadEngine, UploadTextbook},
        {"upload   engine / memcpy", UploadEngine, HostMemcpy},
        {"upload   engine(staged) / bus", UploadEngineStaged, UploadBus},
        {"upload   engine(staged) / textbook", UploadEngineStaged, UploadTextbook},
        {"upload   engine(staged) / memcpy", UploadEngineStaged, HostMemcpy},
        {"readback engine / bus", ReadbackEngine, ReadbackBus},
        {"readback engine / textbook", ReadbackEngine, ReadbackTextbook},
        {"readback engine / memcpy", ReadbackEngine, HostMemcpy},
        {"readback engine(staged) / bus", ReadbackEngineStaged, ReadbackBus},
        {"readback engine(staged) / textbook", ReadbackEngineStaged, ReadbackTextbook},
        {"readback engine(staged) / memcpy", ReadbackEngineStaged, HostMemcpy},
        {"upload   direct(no limit) / staged", UploadEngineDirect, UploadEngineStaged},
        {"upload   copy threads / memcpy", UploadHostVisible, HostMemcpy},
        {"upload   registered / bus", UploadRegistered, UploadBus},
        {"upload   registered / staged", UploadRegistered, UploadEngineStaged},
        {"readback registered / bus", ReadbackRegistered, ReadbackBus},
        {"readback registered / staged", ReadbackRegistered, ReadbackEngineStaged},
        {"readback download() / memcpy", ReadbackVector, HostMemcpy},
        {"readback download() / new vector", ReadbackVector, HostNewVector},
        {"readback download_async().get() / memcpy", ReadbackAsyncVector, HostMemcpy},
        {"readback download() / textbook", ReadbackVector, ReadbackTextbook},
        {"readback download()(staged) / memcpy", ReadbackVectorStaged, HostMemcpy},
        {"readback download()(staged) / bus", ReadbackVectorStaged, ReadbackBus},
    }};
    for (const RatioRow &ratio : ratios) {
        print_row(out, results, ratio.label, false, [&](const SizeResult &result) {
            return ratio_cell(result, ratio.numerator, ratio.denominator);
        });
    }

    out << '\n';
    print_header_row(out, results, "Spread, (slowest - fastest) / median, %", false);
    for (std::size_t row = 0; row < RowCount; ++row) {
        print_row(out, results, row_names[row], false, [&](const SizeResult &result) {
            const double median = result.seconds[row];
            if (median <= 0.0 || result.fastest[row] <= 0.0) return std::string("n/a");
            return format_fixed((result.slowest[row] - result.fastest[row]) / median * 100.0, 0);
        });
    }

    out << '\n';
    print_header_row(out, results, "Registering the source (import), ms", false);
    print_row(out, results, "register_host_memory()", false, [&](const SizeResult &result) {
        if (result.registration_seconds < 0.0) return std::string("n/a");
        return format_fixed(result.registration_seconds * 1e3, 3) + (result.registered ? "" : "*");
    });
    if (std::any_of(results.begin(), results.end(),
                    [](const SizeResult &result) { return !result.skipped && !result.registered; })) {
        out << "  * not imported: the registered rows were staged\n";
    }

    const bool any_small = std::any_of(results.begin(), results.end(), [](const SizeResult &result) {
        return result.size <= latency_max;
    });
    if (any_small) {
        out << '\n';
        print_header_row(out, results, "Latency, microseconds, median", true);
        for (std::size_t row = 0; row < RowCount; ++row) {
            print_row(out, results, row_names[row], true, [&](const SizeResult &result) {
                const double seconds = result.seconds[row];
                return seconds <= 0.0 ? std::string("n/a") : format_fixed(seconds * 1e6, 1);
            });
        }
    }

    bool any_skipped = false;
    for (const SizeResult &result : results) {
        if (!result.skipped) continue;
        if (!any_skipped) out << '\n';
        any_skipped = true;
        out << format_size(result.size) << " skipped: " << *result.skipped << '\n';
    }
}

// ---- Main -------------------------------------------------------------------------------------

/// The largest device-local heap, in bytes.
vk::DeviceSize device_local_heap(const vw::PhysicalDevice &gpu) {
    const vk::PhysicalDeviceMemoryProperties &memory = gpu.memory_properties();
    vk::DeviceSize largest = 0;
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        if (memory.memoryHeaps[i].flags & vk::MemoryHeapFlagBits::eDeviceLocal) {
            largest = std::max(largest, memory.memoryHeaps[i].size);
        }
    }
    return largest;
}

/// The system's RAM in bytes, 0 when unknown.
std::uint64_t system_ram() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

int run(const Options &options) {
    const auto instance = vw::InstanceBuilder().setApplicationName("vw-bench-transfer").build();
    const auto device = instance->findGpu().requireTransferQueue().find().build();
    const auto allocator = vw::AllocatorBuilder(instance, device).build();
    const vw::PhysicalDevice &gpu = device->physical_device();

    vw::Transfer engine(device, allocator, options.engine);
    vw::TransferOptions staged_options = options.engine;
    staged_options.direct_access = false;
    vw::Transfer staged_engine(device, allocator, staged_options);
    vw::TransferOptions direct_options = options.engine;
    direct_options.direct_write_limit = std::numeric_limits<vk::DeviceSize>::max();
    vw::Transfer direct_engine(device, allocator, direct_options);
    vw::Queue &queue = engine.queue();
    const std::uint32_t family = queue.family_index();
    const vk::QueueFamilyProperties &family_properties = gpu.queue_families().at(family);
    const vk::QueueFlags flags = family_properties.queueFlags;
    const bool transfer_only =
        (flags & vk::QueueFlagBits::eTransfer) &&
        !(flags & (vk::QueueFlagBits::eGraphics | vk::QueueFlagBits::eCompute));

    std::cout << "vw-bench-transfer\n"
              << "device:       " << gpu.name() << " (" << vw::device_type_name(gpu.type())
              << "), Vulkan " << vw::version_to_string(gpu.api_version()) << '\n'
              << "driver:       " << (gpu.driver_name().empty() ? "?" : gpu.driver_name()) << ' '
              << gpu.driver_info() << " (version " << gpu.driver_version() << ")\n"
              << "copy threads: " << engine.copy_threads() << " (hardware threads "
              << std::thread::hardware_concurrency() << ")\n"
              << "wait spin:    " << options.engine.wait_spin.count() << " us\n"
              << "queue family: " << family << " (" << queue_flags_text(flags)
              << "), transfer-only: " << (transfer_only ? "yes" : "no") << '\n'
              << "date:         " << utc_date() << '\n';

    // Timestamps on the engine's queue family.
    const std::uint32_t timestamp_bits = family_properties.timestampValidBits;
    const double period_ns = static_cast<double>(gpu.properties().limits.timestampPeriod);
    std::optional<TimestampPool> timestamps;
    if (timestamp_bits == 0) {
        std::cout << "timestamps:   none on queue family " << family
                  << " (timestampValidBits = 0): bus rows skipped\n";
    } else {
        timestamps.emplace(*device);
        std::cout << "timestamps:   " << timestamp_bits << " valid bits, period " << period_ns
                  << " ns\n";
    }

    const vk::DeviceSize heap = device_local_heap(gpu);
    const std::uint64_t ram = system_ram();
    std::cout << "memory:       largest device-local heap " << format_size(static_cast<std::size_t>(heap))
              << ", system RAM " << format_fixed(static_cast<double>(ram) / static_cast<double>(GiB), 1)
              << " GiB\n";
    {
        const auto probe = allocator->allocate<DeviceLocalBuffer>(4 * KiB);
        const bool direct = static_cast<bool>(probe->memory_properties() &
                                              vk::MemoryPropertyFlagBits::eHostVisible);
        std::cout << "device-local: memory type " << probe->memory_type_index() << ' '
                  << vk::to_string(probe->memory_properties()) << " -> default engine "
                  << (!direct ? "stages through its ring"
                      : allocator->unified_memory()
                          ? "writes/reads it directly (unified memory)"
                          : "writes uploads up to " +
                                format_size(static_cast<std::size_t>(engine.options().direct_write_limit)) +
                                " directly (resizable BAR), stages larger ones")
                  << '\n';
    }
    if (g_runs) {
        std::cout << "runs:         1 warm-up, then the median of " << *g_runs << " (--runs)\n";
    } else {
        std::cout << "runs:         1 warm-up, then the median of 9 (<= 16 MiB), 5 (<= 256 MiB), "
                     "3 (larger)\n";
    }
    std::cout.flush();

    vw::CommandPool pool(device, family);
    vw::CommandBuffer commands = pool.allocate();
    vw::Fence fence(device);
    const Bench bench{device,          &queue, &commands, &fence,
                      timestamps ? &*timestamps : nullptr, timestamp_bits, period_ns};

    const bool cpu_device = gpu.type() == vk::PhysicalDeviceType::eCpu;
    std::vector<SizeResult> results;
    for (const std::size_t size : options.sizes) {
        SizeResult &result = results.emplace_back();
        result.size = size;
        result.seconds.fill(-1.0);
        if (options.max_size && size > *options.max_size) {
            result.skipped = "above --max-size " + format_size(*options.max_size);
        } else if (cpu_default_cap < size && cpu_device && !options.sizes_given) {
            result.skipped = "CPU device: the default run stops at " + format_size(cpu_default_cap) +
                             " (ask with --sizes)";
        } else if (size > heap / 2) {
            result.skipped = "more than half the device-local heap (" +
                             format_size(static_cast<std::size_t>(heap)) + ")";
        } else if (ram != 0 && size > ram / 4) {
            result.skipped = "more than a quarter of system RAM";
        }
        if (result.skipped) {
            std::cout << format_size(size) << ": skipped (" << *result.skipped << ")\n";
            continue;
        }
        const auto start = std::chrono::steady_clock::now();
        try {
            measure(bench, *allocator, engine, staged_engine, direct_engine, result);
        } catch (const MismatchError &error) {
            std::cerr << "vw-bench-transfer: " << error.what() << '\n';
            return 1;
        } catch (const std::bad_alloc &) {
            result.skipped = "host allocation failed (std::bad_alloc)";
            result.seconds.fill(-1.0);
        }
        if (result.skipped) {
            std::cout << format_size(size) << ": skipped (" << *result.skipped << ")\n";
        } else {
            std::cout << format_size(size) << ": done in " << format_fixed(seconds_since(start), 1)
                      << " s\n";
        }
        std::cout.flush();
    }

    print_report(std::cout, results);
    if (options.batch != 0) {
        std::vector<BatchResult> batches;
        try {
            for (const std::size_t size : batch_sizes) {
                batches.push_back(measure_batch(bench, *allocator, engine, staged_engine, options.batch, size));
            }
        } catch (const MismatchError &error) {
            std::cerr << "vw-bench-transfer: " << error.what() << '\n';
            return 1;
        }
        print_batches(std::cout, batches, options.batch);
    }
    device->wait_idle();
    // What the staging arena of the staged engine kept (the default engine writes lavapipe's
    // memory directly and stages nothing there).
    const vw::StagingStatistics kept = staged_engine.staging_statistics();
    const vk::DeviceSize trimmed = staged_engine.trim();
    const vw::StagingStatistics after = staged_engine.staging_statistics();
    std::cout << "\nStaging arena (direct_access=false engine), budget "
              << format_size(static_cast<std::size_t>(kept.budget_bytes)) << ": held "
              << format_size(static_cast<std::size_t>(kept.held_bytes)) << " in " << kept.blocks
              << " blocks after the run, peak " << format_size(static_cast<std::size_t>(kept.peak_bytes))
              << ", " << kept.allocations << " staging allocations, " << kept.command_pools
              << " command pools; trim() freed " << format_size(static_cast<std::size_t>(trimmed))
              << ", held after trim " << format_size(static_cast<std::size_t>(after.held_bytes)) << '\n';
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    try {
        const Options options = parse_options(argc, argv);
        if (options.help) {
            print_usage(std::cout);
            return 0;
        }
        return run(options);
    } catch (const std::exception &error) {
        std::cerr << "vw-bench-transfer: " << error.what() << '\n';
        return 1;
    }
}
