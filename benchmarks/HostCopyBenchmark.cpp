// Host copies into and out of the device's host-visible memory types, by copy routine and thread
// count: what the CPU side of a transfer can reach on this machine, before any queue is involved.
//
// For every host-visible memory type (mapped with vkMapMemory; on resizable BAR that includes
// device-local VRAM) and for ordinary memory (operator new, pages touched first) the program
// times, with 1, 2, 4, 8 and 16 threads (a persistent, polling pool: no thread start in the
// figure):
//   write  from ordinary memory into the type: std::memcpy, and (x86-64) a copy with
//          non-temporal 32-byte stores (AVX2, where the CPU has it; else 16-byte SSE2 stores);
//   read   from the type (host-cached types and ordinary memory only) into ordinary memory: std::memcpy, non-temporal stores into the
//          destination, and (AVX2) streaming loads (MOVNTDQA) from the source.
// Each figure is GB/s (10^9 bytes), the median of N runs after one warm-up; every copy's bytes
// are compared with the source once per row. The pieces are 64-byte aligned, split evenly.
//
// No Transfer engine, no queue: it isolates the memcpy the engine's copy threads do.
// `--help` lists the options. Build in Release.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iomanip>
#include <iostream>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

using CopyFunction = void (*)(std::byte *, const std::byte *, std::size_t);

void copy_memcpy(std::byte *destination, const std::byte *source, std::size_t bytes) {
    std::memcpy(destination, source, bytes);
}

#if defined(__x86_64__)
// Destination 64-byte aligned, length a multiple of 64 (the pieces are).
void copy_stream_sse2(std::byte *destination, const std::byte *source, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; i += 64) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(source + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(source + i + 16));
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(source + i + 32));
        const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i *>(source + i + 48));
        _mm_stream_si128(reinterpret_cast<__m128i *>(destination + i), a);
        _mm_stream_si128(reinterpret_cast<__m128i *>(destination + i + 16), b);
        _mm_stream_si128(reinterpret_cast<__m128i *>(destination + i + 32), c);
        _mm_stream_si128(reinterpret_cast<__m128i *>(destination + i + 48), d);
    }
    _mm_sfence();
}

__attribute__((target("avx2"))) void copy_stream_avx2(std::byte *destination, const std::byte *source,
                                                      std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; i += 64) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(source + i));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(source + i + 32));
        _mm256_stream_si256(reinterpret_cast<__m256i *>(destination + i), a);
        _mm256_stream_si256(reinterpret_cast<__m256i *>(destination + i + 32), b);
    }
    _mm_sfence();
}

// Streaming loads (source 64-byte aligned), ordinary stores.
__attribute__((target("avx2"))) void copy_load_avx2(std::byte *destination, const std::byte *source,
                                                    std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; i += 64) {
        const __m256i a = _mm256_stream_load_si256(reinterpret_cast<const __m256i *>(source + i));
        const __m256i b = _mm256_stream_load_si256(reinterpret_cast<const __m256i *>(source + i + 32));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(destination + i), a);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(destination + i + 32), b);
    }
}
#endif

struct Routine {
    const char *name;
    CopyFunction function;
};

// A pool of threads that poll for work: participants() - 1 helpers and the caller.
class SpinPool {
public:
    explicit SpinPool(unsigned participants) {
        for (unsigned i = 1; i < participants; ++i) m_workers.emplace_back([this, i] { work(i); });
    }
    ~SpinPool() {
        m_stop.store(true);
        for (auto &worker : m_workers) worker.join();
    }
    SpinPool(const SpinPool &) = delete;
    SpinPool &operator=(const SpinPool &) = delete;

    // Seconds for one copy of `bytes` split evenly (64-byte pieces) between all participants.
    double copy(CopyFunction function, std::byte *destination, const std::byte *source, std::size_t bytes) {
        m_function = function;
        m_destination = destination;
        m_source = source;
        m_bytes = bytes;
        m_left.store(static_cast<unsigned>(m_workers.size()), std::memory_order_relaxed);
        const auto start = std::chrono::steady_clock::now();
        m_generation.fetch_add(1, std::memory_order_release);
        piece(0);
        while (m_left.load(std::memory_order_acquire) != 0) std::this_thread::yield();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

private:
    void piece(unsigned index) const {
        const std::size_t participants = m_workers.size() + 1;
        const std::size_t lines = m_bytes / 64;
        const std::size_t begin = lines * index / participants * 64;
        const std::size_t end = lines * (index + 1) / participants * 64;
        if (end > begin) m_function(m_destination + begin, m_source + begin, end - begin);
    }
    void work(unsigned index) {
        std::uint64_t seen = 0;
        while (!m_stop.load(std::memory_order_relaxed)) {
            const std::uint64_t now = m_generation.load(std::memory_order_acquire);
            if (now == seen) {
                std::this_thread::yield();
                continue;
            }
            seen = now;
            piece(index);
            m_left.fetch_sub(1, std::memory_order_acq_rel);
        }
    }

    std::vector<std::thread> m_workers;
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<unsigned> m_left{0};
    std::atomic<bool> m_stop{false};
    CopyFunction m_function = nullptr;
    std::byte *m_destination = nullptr;
    const std::byte *m_source = nullptr;
    std::size_t m_bytes = 0;
};

struct Options {
    std::vector<std::size_t> sizes{1 * MiB, 16 * MiB, 256 * MiB};
    std::vector<unsigned> threads{1, 2, 4, 8, 16};
    std::size_t runs = 9;
};

std::optional<std::size_t> parse_size(std::string_view text) {
    std::size_t multiplier = 1;
    if (!text.empty() && (text.back() == 'K' || text.back() == 'M' || text.back() == 'G')) {
        multiplier = text.back() == 'K' ? 1024 : text.back() == 'M' ? MiB : 1024 * MiB;
        text.remove_suffix(1);
    }
    if (text.empty()) return std::nullopt;
    std::size_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::size_t>(c - '0');
    }
    return value * multiplier;
}

template <typename T, typename Parse>
std::vector<T> parse_list(std::string_view text, Parse parse, std::string_view option) {
    std::vector<T> values;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const auto value = parse(item);
        if (!value || *value == 0) throw vw::LogicError(std::string(option) + ": cannot read '" + std::string(item) + "'");
        values.push_back(static_cast<T>(*value));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    if (values.empty()) throw vw::LogicError(std::string(option) + ": empty list");
    return values;
}

Options parse_options(int argc, char **argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument(argv[i]);
        if (argument == "--help") {
            std::cout << "Usage: vw-bench-hostcopy [--sizes=1M,16M,256M] [--threads=1,2,4,8,16] [--runs=9]\n";
            std::exit(0);
        } else if (argument.starts_with("--sizes=")) {
            options.sizes = parse_list<std::size_t>(argument.substr(8), parse_size, "--sizes");
        } else if (argument.starts_with("--threads=")) {
            options.threads = parse_list<unsigned>(argument.substr(10), parse_size, "--threads");
        } else if (argument.starts_with("--runs=")) {
            const auto runs = parse_size(argument.substr(7));
            if (!runs || *runs == 0) throw vw::LogicError("--runs: at least 1");
            options.runs = *runs;
        } else {
            throw vw::LogicError("unknown argument '" + std::string(argument) + "' (see --help)");
        }
    }
    return options;
}

std::string type_text(vk::MemoryPropertyFlags flags) {
    std::string text;
    const auto add = [&](vk::MemoryPropertyFlagBits bit, const char *name) {
        if (!(flags & bit)) return;
        if (!text.empty()) text += '|';
        text += name;
    };
    add(vk::MemoryPropertyFlagBits::eDeviceLocal, "DEVICE_LOCAL");
    add(vk::MemoryPropertyFlagBits::eHostVisible, "HOST_VISIBLE");
    add(vk::MemoryPropertyFlagBits::eHostCoherent, "HOST_COHERENT");
    add(vk::MemoryPropertyFlagBits::eHostCached, "HOST_CACHED");
    return text;
}

// Mapped memory of one type, or ordinary memory when `type` is empty.
class Region {
public:
    Region(vk::Device device, std::optional<std::uint32_t> type, std::size_t bytes) : m_device(device) {
        if (!type) {
            m_owned.reset(new (std::align_val_t{4096}) std::byte[bytes]);
            m_data = m_owned.get();
            std::memset(m_data, 0, bytes);
            return;
        }
        m_memory = device.allocateMemory(vk::MemoryAllocateInfo(bytes, *type));
        m_data = static_cast<std::byte *>(device.mapMemory(m_memory, 0, VK_WHOLE_SIZE));
    }
    ~Region() {
        if (m_memory) m_device.freeMemory(m_memory);
    }
    Region(const Region &) = delete;
    Region &operator=(const Region &) = delete;
    [[nodiscard]] std::byte *data() const noexcept { return m_data; }

private:
    struct AlignedDelete {
        void operator()(std::byte *p) const noexcept { ::operator delete[](p, std::align_val_t{4096}); }
    };
    vk::Device m_device;
    vk::DeviceMemory m_memory;
    std::unique_ptr<std::byte[], AlignedDelete> m_owned;
    std::byte *m_data = nullptr;
};

// All bytes where reading them back is cheap; else 64 spans of 4 KiB spread over the copy.
bool same_bytes(const std::byte *copy, const std::byte *source, std::size_t bytes, bool cached) {
    if (cached) return std::memcmp(copy, source, bytes) == 0;
    constexpr std::size_t span = 4096;
    for (std::size_t i = 0; i < 64; ++i) {
        const std::size_t at = std::min(bytes - std::min(bytes, span), bytes / 64 * i);
        if (std::memcmp(copy + at, source + at, std::min(bytes, span)) != 0) return false;
    }
    return std::memcmp(copy + bytes - std::min(bytes, span), source + bytes - std::min(bytes, span),
                       std::min(bytes, span)) == 0;
}

double median_gbps(SpinPool &pool, const Routine &routine, std::byte *destination, const std::byte *source,
                   std::size_t bytes, std::size_t runs) {
    static_cast<void>(pool.copy(routine.function, destination, source, bytes));
    std::vector<double> seconds;
    for (std::size_t i = 0; i < runs; ++i) seconds.push_back(pool.copy(routine.function, destination, source, bytes));
    std::sort(seconds.begin(), seconds.end());
    return static_cast<double>(bytes) / seconds[seconds.size() / 2] / 1e9;
}

void print_cpu() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    std::cout << "cpu:          avx2 " << (__builtin_cpu_supports("avx2") ? "yes" : "no") << ", avx512f "
              << (__builtin_cpu_supports("avx512f") ? "yes" : "no") << ", hardware threads "
              << std::thread::hardware_concurrency() << '\n';
#else
    std::cout << "cpu:          not x86-64 (memcpy only), hardware threads " << std::thread::hardware_concurrency()
              << '\n';
#endif
}

int run(const Options &options) {
    const auto instance = vw::InstanceBuilder().setApplicationName("vw-bench-hostcopy").build();
    const auto device = instance->findGpu().find().build();
    const vw::PhysicalDevice &gpu = device->physical_device();
    const vk::PhysicalDeviceMemoryProperties &memory = gpu.memory_properties();
    std::cout << "vw-bench-hostcopy\ndevice:       " << gpu.name() << '\n';
    print_cpu();

    std::vector<Routine> writes{{"memcpy", copy_memcpy}};
    std::vector<Routine> reads{{"memcpy", copy_memcpy}};
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) {
        writes.push_back({"nt-store-avx2", copy_stream_avx2});
        reads.push_back({"nt-store-avx2", copy_stream_avx2});
        reads.push_back({"nt-load-avx2", copy_load_avx2});
    } else {
        writes.push_back({"nt-store-sse2", copy_stream_sse2});
        reads.push_back({"nt-store-sse2", copy_stream_sse2});
    }
#endif

    std::vector<std::optional<std::uint32_t>> types{std::nullopt};
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        if (memory.memoryTypes[i].propertyFlags & vk::MemoryPropertyFlagBits::eHostVisible) types.emplace_back(i);
    }
    const std::size_t largest = *std::max_element(options.sizes.begin(), options.sizes.end());
    Region source(device->handle(), std::nullopt, largest);
    Region landing(device->handle(), std::nullopt, largest);
    for (std::size_t i = 0; i < largest; ++i) source.data()[i] = static_cast<std::byte>((i * 2654435761u) >> 13);

    std::cout << "GB/s, median of " << options.runs << " after one warm-up\n";
    for (const auto &type : types) {
        const std::string name = type ? "type " + std::to_string(*type) + " (heap " +
                                            std::to_string(memory.memoryTypes[*type].heapIndex) + ", " +
                                            type_text(memory.memoryTypes[*type].propertyFlags) + ")"
                                      : std::string("ordinary memory (operator new, pages touched)");
        std::cout << "\n== " << name << '\n';
        Region region(device->handle(), type, largest);
        const bool cached = !type || (memory.memoryTypes[*type].propertyFlags & vk::MemoryPropertyFlagBits::eHostCached);
        for (const bool write : {true, false}) {
            // Uncached reads (write-combined or BAR memory) run at a small fraction of these
            // figures; the engine never reads such memory on the host.
            if (!write && !cached) continue;
            if (!write) std::memcpy(region.data(), source.data(), largest);
            for (const Routine &routine : write ? writes : reads) {
                std::cout << (write ? "write " : "read  ") << std::left << std::setw(14) << routine.name << std::right;
                for (const std::size_t size : options.sizes) {
                    std::cout << "  " << std::setw(4) << size / MiB << "M:";
                    for (const unsigned threads : options.threads) {
                        SpinPool pool(threads);
                        std::byte *to = write ? region.data() : landing.data();
                        const std::byte *from = write ? source.data() : region.data();
                        std::memset(to, 0xff, size);
                        const double gbps = median_gbps(pool, routine, to, from, size, options.runs);
                        const std::byte *check_from = write ? to : landing.data();
                        if (!same_bytes(check_from, source.data(), size, cached)) {
                            std::cerr << "\nbytes differ: " << name << ' ' << routine.name << '\n';
                            return 1;
                        }
                        std::cout << ' ' << threads << "t=" << std::fixed << std::setprecision(1) << gbps;
                    }
                }
                std::cout << std::endl;
            }
        }
    }
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    try {
        return run(parse_options(argc, argv));
    } catch (const std::exception &error) {
        std::cerr << "vw-bench-hostcopy: " << error.what() << '\n';
        return 1;
    }
}
