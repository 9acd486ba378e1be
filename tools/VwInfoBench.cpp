#include "VwInfoDemo.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw_info {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t MiB = 1024 * 1024;
constexpr std::array<std::size_t, 3> sizes = {16 * MiB, 64 * MiB, 256 * MiB};
constexpr int repetitions = 5;

struct Row {
    std::size_t bytes = 0;
    double upload = 0;   // GB/s, median
    double readback = 0; // GB/s, median
    double memcpy = 0;   // GB/s, median
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

template <typename F>
double gigabytes_per_second(std::size_t bytes, F &&run) {
    const auto start = Clock::now();
    run();
    const std::chrono::duration<double> seconds = Clock::now() - start;
    return static_cast<double>(bytes) / seconds.count() / 1e9;
}

// One status line, rewritten in place on a terminal.
class Progress {
public:
    Progress(int total)
        : m_total(total)
        , m_terminal(isatty(STDERR_FILENO) != 0) {}
    void show(const std::string &what) {
        ++m_done;
        std::string line = "[";
        line.append(std::to_string(m_done)).append("/").append(std::to_string(m_total)).append("] ").append(what);
        if (m_terminal) {
            std::cerr << '\r' << line << std::string(m_width > line.size() ? m_width - line.size() : 0, ' ')
                      << std::flush;
            m_width = line.size();
        } else {
            std::cerr << line << '\n';
        }
    }
    void finish() {
        if (m_terminal) std::cerr << '\r' << std::string(m_width, ' ') << '\r' << std::flush;
    }

private:
    int m_total;
    int m_done = 0;
    bool m_terminal;
    std::size_t m_width = 0;
};

} // namespace

int run_bench(const RunOptions &options) {
    vw::InstanceBuilder builder;
    builder.setApplicationName("vw-info --bench");
    if (options.validate) builder.setDebug();
    const std::shared_ptr<vw::Instance> instance = builder.build();
    if (options.device) setenv("VW_DEVICE", options.device->c_str(), 1);
    const std::shared_ptr<vw::Device> device = instance->findGpu().find().build();
    const auto allocator = vw::AllocatorBuilder(instance, device).build();
    vw::Transfer transfer(device, allocator);
    std::cerr << "vw-info --bench on " << device->physical_device().name() << ": "
              << transfer.copy_threads() << " copy threads, pageable host memory\n";

    using Bytes = vw::Buffer<std::byte, false, vw::StorageBufferUsage>;
    Progress progress(static_cast<int>(sizes.size()) * 3 * repetitions);
    std::vector<Row> rows;
    for (const std::size_t bytes : sizes) {
        const std::string size_text = std::to_string(bytes / MiB) + " MiB";
        auto buffer = allocator->allocate<Bytes>(bytes, "vw-info --bench " + size_text);
        std::vector<std::byte> source(bytes);
        for (std::size_t i = 0; i < bytes; i += 4096) source[i] = static_cast<std::byte>(i >> 12);
        std::vector<std::byte> target(bytes);
        std::vector<double> upload;
        std::vector<double> readback;
        std::vector<double> copy;
        transfer.upload(*buffer, std::span<const std::byte>(source)); // warm-up: staging ring, pages
        for (int r = 0; r < repetitions; ++r) {
            progress.show("upload " + size_text);
            upload.push_back(gigabytes_per_second(
                bytes, [&] { transfer.upload(*buffer, std::span<const std::byte>(source)); }));
            progress.show("readback " + size_text);
            readback.push_back(gigabytes_per_second(
                bytes, [&] { transfer.download_bytes(*buffer, target, 0); }));
            progress.show("memcpy " + size_text);
            copy.push_back(gigabytes_per_second(
                bytes, [&] { std::memcpy(target.data(), source.data(), bytes); }));
        }
        if (transfer.download(*buffer) != source) {
            throw std::runtime_error("the " + size_text + " buffer read back differs from what was uploaded");
        }
        rows.push_back({bytes, median(upload), median(readback), median(copy)});
    }
    progress.finish();

    if (options.json) {
        Json json;
        json["device"] = std::string(device->physical_device().name());
        json["repetitions"] = repetitions;
        json["unit"] = "GB/s (1e9 bytes per second), median";
        json["results"] = Json::array();
        for (const Row &row : rows) {
            json["results"].push_back(Json{{"bytes", row.bytes},
                                           {"upload", row.upload},
                                           {"readback", row.readback},
                                           {"memcpy", row.memcpy}});
        }
        std::cout << json.dump(2) << '\n';
    } else {
        std::cout << "Upload and readback through vw::Transfer, pageable host memory, median of "
                  << repetitions << " (GB/s = 1e9 bytes/s)\n";
        std::array<char, 128> line{};
        std::snprintf(line.data(), line.size(), "%10s %12s %12s %18s\n", "size", "upload",
                      "readback", "memcpy (1 thread)");
        std::cout << line.data();
        for (const Row &row : rows) {
            std::snprintf(line.data(), line.size(), "%6zu MiB %7.1f GB/s %7.1f GB/s %13.1f GB/s\n",
                          row.bytes / MiB, row.upload, row.readback, row.memcpy);
            std::cout << line.data();
        }
        std::cout << "All buffers read back verified.\n";
    }
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("cannot write to standard output");
    if (options.validate && instance->validation_error_count() != 0) {
        std::cerr << "vw-info: the validation layer reported " << instance->validation_error_count()
                  << " error(s)\n";
        return 1;
    }
    return 0;
}

} // namespace vw_info
