// The allocation overhead as issue 12 measured it: allocate 2,000 device-local 4 KiB storage
// buffers, then free them all, median of 15 interleaved rounds, on one VmaAllocator. Three
// contenders, in rotating order inside every round:
//
//   wrapper     allocator->allocate<Buffer<std::byte, false, StorageBufferUsage>>(4096)
//   raw-policy  vmaCreateBuffer with exactly the VmaAllocationCreateInfo the wrapper passes
//               (Allocator::allocation_create_info: WITHIN_BUDGET, and on unified memory the
//               host-access flags that make direct writes legal)
//   raw-plain   vmaCreateBuffer with VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE and no flags
//
// wrapper / raw-policy is the wrapper's own cost; raw-policy / raw-plain is what the memory
// policy (flags) costs inside VMA; wrapper / raw-plain is the figure the issue quotes.
// Build in Release; no validation layer. `--rounds N` and `--count N` change the protocol.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

using DeviceLocalBuffer = vw::Buffer<std::byte, false, vw::StorageBufferUsage>;
constexpr vk::DeviceSize buffer_bytes = 4096;

using Clock = std::chrono::steady_clock;

double elapsed_ns(Clock::time_point start) {
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

[[gnu::noinline]] double wrapper_round(vw::Allocator &allocator,
                                       std::vector<std::unique_ptr<DeviceLocalBuffer>> &buffers) {
    const auto start = Clock::now();
    for (auto &buffer : buffers) buffer = allocator.allocate<DeviceLocalBuffer>(buffer_bytes);
    for (auto &buffer : buffers) buffer.reset();
    return elapsed_ns(start);
}

// One instantiation per contender, so that callgrind counts each alone.
template <int Contender>
[[gnu::noinline]] double raw_round(VmaAllocator allocator, const VkBufferCreateInfo &buffer_info,
                                   const VmaAllocationCreateInfo &allocation_info,
                                   std::vector<VkBuffer> &buffers,
                                   std::vector<VmaAllocation> &allocations) {
    VmaAllocationInfo info{};
    const auto start = Clock::now();
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        vw::check(vmaCreateBuffer(allocator, &buffer_info, &allocation_info, &buffers[i],
                                  &allocations[i], &info),
                  "vmaCreateBuffer");
    }
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        vmaDestroyBuffer(allocator, buffers[i], allocations[i]);
    }
    return elapsed_ns(start);
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
}

std::size_t parse_count(std::string_view flag, const char *text) {
    char *end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || value == 0 || value > 1'000'000) {
        throw std::invalid_argument(std::string(flag) + " takes a count from 1 to 1000000");
    }
    return static_cast<std::size_t>(value);
}

} // namespace

int main(int argc, char **argv) {
    std::size_t rounds = 15;
    std::size_t count = 2000;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg(argv[i]);
            if ((arg == "--rounds" || arg == "--count") && i + 1 < argc) {
                (arg == "--rounds" ? rounds : count) = parse_count(arg, argv[++i]);
            } else {
                std::fprintf(stderr, "usage: vw-bench-alloc-overhead [--rounds N] [--count N]\n");
                return 2;
            }
        }
    } catch (const std::exception &error) {
        std::fprintf(stderr, "vw-bench-alloc-overhead: %s\n", error.what());
        return 2;
    }

    try {
        auto instance = vw::InstanceBuilder().setApplicationName("vw-bench-alloc-overhead").build();
        auto device = instance->findGpu().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();

        VkBufferCreateInfo buffer_info{};
        buffer_info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
        buffer_info.size = buffer_bytes;
        buffer_info.usage = vw::StorageBufferUsage;
        buffer_info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
        const auto &families = allocator->buffer_queue_families(); // as the wrapper shares buffers
        if (families.size() > 1) {
            buffer_info.sharingMode = VK_SHARING_MODE_CONCURRENT;
            buffer_info.queueFamilyIndexCount = static_cast<std::uint32_t>(families.size());
            buffer_info.pQueueFamilyIndices = families.data();
        }
        const VmaAllocationCreateInfo policy = allocator->allocation_create_info(vw::HostAccess::None);
        VmaAllocationCreateInfo plain{};
        plain.usage = VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE;

        std::vector<std::unique_ptr<DeviceLocalBuffer>> wrapped(count);
        std::vector<VkBuffer> buffers(count);
        std::vector<VmaAllocation> allocations(count);
        const auto run = [&](int contender) {
            switch (contender) {
            case 0: return wrapper_round(*allocator, wrapped);
            case 1: return raw_round<1>(allocator->handle(), buffer_info, policy, buffers, allocations);
            default: return raw_round<2>(allocator->handle(), buffer_info, plain, buffers, allocations);
            }
        };

        for (int contender = 0; contender < 3; ++contender) run(contender); // warm-up
        std::array<std::vector<double>, 3> times;
        for (std::size_t round = 0; round < rounds; ++round) {
            for (int step = 0; step < 3; ++step) {
                const int contender = static_cast<int>((round + static_cast<std::size_t>(step)) % 3);
                times[static_cast<std::size_t>(contender)].push_back(run(contender) /
                                                                     static_cast<double>(count));
            }
        }
        const double wrapper = median(times[0]);
        const double raw_policy = median(times[1]);
        const double raw_plain = median(times[2]);
        std::printf("device: %s (%s)\n", std::string(device->physical_device().name()).c_str(),
                    std::string(device->physical_device().driver_name()).c_str());
        std::printf("protocol: allocate %zu device-local %llu B storage buffers, free them all; "
                    "median of %zu interleaved rounds\n",
                    count, static_cast<unsigned long long>(buffer_bytes), rounds);
        std::printf("policy flags: 0x%x (usage %d)\n", static_cast<unsigned>(policy.flags),
                    static_cast<int>(policy.usage));
        std::printf("%-12s %10s\n", "contender", "ns/buffer");
        std::printf("%-12s %10.1f\n", "wrapper", wrapper);
        std::printf("%-12s %10.1f\n", "raw-policy", raw_policy);
        std::printf("%-12s %10.1f\n", "raw-plain", raw_plain);
        std::printf("wrapper / raw-policy (wrapper cost): %.3f\n", wrapper / raw_policy);
        std::printf("raw-policy / raw-plain (policy cost): %.3f\n", raw_policy / raw_plain);
        std::printf("wrapper / raw-plain (issue's figure): %.3f\n", wrapper / raw_plain);
    } catch (const std::exception &error) {
        std::fprintf(stderr, "vw-bench-alloc-overhead: %s\n", error.what());
        return 1;
    }
    return 0;
}
