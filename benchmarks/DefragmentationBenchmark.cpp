// Defragmentation, issue 13's figures: a heap fragmented by 20,000 device-local buffers of
// 256 B to 4 KiB (1 MiB blocks), 60% freed at random (fixed seed), then defragmented in full
// (DefragmentationAlgorithm::Full). Two contenders on two allocators fragmented identically,
// in alternating order, median of the rounds:
//
//   wrapper    allocator->defragment(): VMA's plan, new buffers from the recorded create
//              infos, GPU copies, handles swapped into the objects
//   raw        VMA's own loop by hand on raw vmaCreateBuffer buffers: vmaBeginDefragmentation,
//              per pass vmaBeginDefragmentationPass / vkCreateBuffer + vmaBindBufferMemory /
//              one command buffer of copies, submitted and waited for / vkDestroyBuffer /
//              vmaEndDefragmentationPass. "planning" is the time spent inside the vma*
//              defragmentation calls alone, VMA's pass computation.
//
// CPU time is the calling thread's (CLOCK_THREAD_CPUTIME_ID): on lavapipe the copies run on
// the driver's own threads and do not count. Also printed: wasted bytes (block bytes minus
// allocation bytes) before and after, blocks released, and the share of the free space inside
// blocks that the run consolidated. Build in Release; no validation layer. `--rounds N`.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace {

using Words = vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage>;
constexpr std::size_t buffer_count = 20000;
constexpr vk::DeviceSize block_size = vk::DeviceSize{1} << 20;

double thread_cpu_ms() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

// The sizes (in words) and the kept/freed choice: the same for both contenders.
struct Layout {
    std::vector<std::size_t> words;
    std::vector<bool> freed;
};

Layout make_layout(unsigned seed) {
    std::mt19937 random(seed);
    Layout layout;
    for (std::size_t i = 0; i < buffer_count; ++i) {
        layout.words.push_back(64 * (1 + random() % 16));
        layout.freed.push_back(random() % 10 < 6);
    }
    return layout;
}

struct Figures {
    double cpu_ms = 0;
    double planning_ms = 0;
    vk::DeviceSize wasted_before = 0;
    vk::DeviceSize wasted_after = 0;
    std::uint32_t blocks_before = 0;
    std::uint32_t blocks_after = 0;
    std::uint32_t moves = 0;
};

vk::DeviceSize wasted(const vw::MemoryStatistics &m) { return m.block_bytes - m.allocation_bytes; }

std::shared_ptr<vw::Allocator> make_allocator(const std::shared_ptr<vw::Instance> &instance,
                                              const std::shared_ptr<vw::Device> &device) {
    return vw::AllocatorBuilder(instance, device).setPreferredBlockSize(block_size).build();
}

Figures wrapper_round(const std::shared_ptr<vw::Instance> &instance,
                      const std::shared_ptr<vw::Device> &device, const Layout &layout) {
    auto allocator = make_allocator(instance, device);
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t words : layout.words) buffers.push_back(allocator->allocate<Words>(words));
    for (std::size_t i = 0; i < buffers.size(); ++i) if (layout.freed[i]) buffers[i].reset();
    Figures f;
    const vw::MemoryStatistics before = allocator->statistics().total;
    vw::DefragmentationOptions options;
    options.algorithm = vw::DefragmentationAlgorithm::Full;
    const double start = thread_cpu_ms();
    const vw::DefragmentationResult result = allocator->defragment(options);
    f.cpu_ms = thread_cpu_ms() - start;
    const vw::MemoryStatistics after = allocator->statistics().total;
    f.wasted_before = wasted(before);
    f.wasted_after = wasted(after);
    f.blocks_before = before.block_count;
    f.blocks_after = after.block_count;
    f.moves = result.moves;
    return f;
}

Figures raw_round(const std::shared_ptr<vw::Instance> &instance,
                  const std::shared_ptr<vw::Device> &device, const Layout &layout) {
    auto allocator = make_allocator(instance, device);
    const VmaAllocator vma = allocator->handle();
    const vk::Device handle = device->handle();
    const VmaAllocationCreateInfo allocation_info = allocator->allocation_create_info(vw::HostAccess::None);
    const auto &families = allocator->buffer_queue_families();
    VkBufferCreateInfo buffer_info{};
    buffer_info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    buffer_info.usage = vw::StorageBufferUsage;
    buffer_info.sharingMode = families.size() > 1 ? VK_SHARING_MODE_CONCURRENT : VK_SHARING_MODE_EXCLUSIVE;
    buffer_info.queueFamilyIndexCount = families.size() > 1 ? static_cast<std::uint32_t>(families.size()) : 0;
    buffer_info.pQueueFamilyIndices = families.data();
    // Each allocation's user data is its index, as an engine would keep its own table.
    std::vector<VkBuffer> buffers(layout.words.size(), VK_NULL_HANDLE);
    std::vector<VmaAllocation> allocations(layout.words.size());
    std::vector<vk::DeviceSize> sizes(layout.words.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        sizes[i] = layout.words[i] * 4;
        buffer_info.size = sizes[i];
        VmaAllocationCreateInfo info = allocation_info;
        info.pUserData = reinterpret_cast<void *>(i);
        vw::check(vmaCreateBuffer(vma, &buffer_info, &info, &buffers[i], &allocations[i], nullptr), "vmaCreateBuffer");
    }
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        if (!layout.freed[i]) continue;
        vmaDestroyBuffer(vma, buffers[i], allocations[i]);
        buffers[i] = VK_NULL_HANDLE;
        allocations[i] = nullptr;
    }
    Figures f;
    const vw::MemoryStatistics before = allocator->statistics().total;

    vw::Queue &queue = device->transfer_queue();
    const double start = thread_cpu_ms();
    double planning = 0;
    const vk::CommandPoolCreateInfo pool_info(vk::CommandPoolCreateFlagBits::eTransient, queue.family_index());
    vk::UniqueCommandPool pool = handle.createCommandPoolUnique(pool_info);
    vk::UniqueFence fence = handle.createFenceUnique({});
    VmaDefragmentationInfo defrag_info{};
    defrag_info.flags = VMA_DEFRAGMENTATION_FLAG_ALGORITHM_FULL_BIT;
    VmaDefragmentationContext context = nullptr;
    double t = thread_cpu_ms();
    vw::check(vmaBeginDefragmentation(vma, &defrag_info, &context), "vmaBeginDefragmentation");
    planning += thread_cpu_ms() - t;
    for (;;) {
        VmaDefragmentationPassMoveInfo pass{};
        t = thread_cpu_ms();
        VkResult r = vmaBeginDefragmentationPass(vma, context, &pass);
        planning += thread_cpu_ms() - t;
        vw::check(r, "vmaBeginDefragmentationPass"); // VK_INCOMPLETE: moves to make
        if (r == VK_SUCCESS) break;
        std::vector<VkBuffer> created(pass.moveCount);
        vk::CommandBuffer commands =
            handle.allocateCommandBuffers({*pool, vk::CommandBufferLevel::ePrimary, 1}).front();
        commands.begin(vk::CommandBufferBeginInfo(vk::CommandBufferUsageFlagBits::eOneTimeSubmit));
        for (std::uint32_t m = 0; m < pass.moveCount; ++m) {
            VmaAllocationInfo source{};
            vmaGetAllocationInfo(vma, pass.pMoves[m].srcAllocation, &source);
            const auto index = reinterpret_cast<std::size_t>(source.pUserData);
            buffer_info.size = sizes[index];
            vw::check(vkCreateBuffer(handle, &buffer_info, nullptr, &created[m]), "vkCreateBuffer");
            vw::check(vmaBindBufferMemory(vma, pass.pMoves[m].dstTmpAllocation, created[m]), "vmaBindBufferMemory");
            commands.copyBuffer(buffers[index], created[m], vk::BufferCopy(0, 0, sizes[index]));
        }
        commands.end();
        const vk::CommandBufferSubmitInfo command_info(commands);
        const vk::SubmitInfo2 submit({}, {}, command_info, {});
        queue.submit(std::span(&submit, 1), *fence);
        vw::check(handle.waitForFences(*fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
        handle.resetFences(*fence);
        handle.resetCommandPool(*pool);
        for (std::uint32_t m = 0; m < pass.moveCount; ++m) {
            VmaAllocationInfo source{};
            vmaGetAllocationInfo(vma, pass.pMoves[m].srcAllocation, &source);
            const auto index = reinterpret_cast<std::size_t>(source.pUserData);
            vkDestroyBuffer(handle, buffers[index], nullptr);
            buffers[index] = created[m];
            ++f.moves;
        }
        t = thread_cpu_ms();
        r = vmaEndDefragmentationPass(vma, context, &pass);
        planning += thread_cpu_ms() - t;
        vw::check(r, "vmaEndDefragmentationPass"); // VK_INCOMPLETE: another pass
        if (r == VK_SUCCESS) break;
    }
    t = thread_cpu_ms();
    vmaEndDefragmentation(vma, context, nullptr);
    planning += thread_cpu_ms() - t;
    f.cpu_ms = thread_cpu_ms() - start;
    f.planning_ms = planning;
    const vw::MemoryStatistics after = allocator->statistics().total;
    f.wasted_before = wasted(before);
    f.wasted_after = wasted(after);
    f.blocks_before = before.block_count;
    f.blocks_after = after.block_count;
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        if (allocations[i] != nullptr) vmaDestroyBuffer(vma, buffers[i], allocations[i]);
    }
    return f;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2.0;
}

} // namespace

int main(int argc, char **argv) {
    try {
        int rounds = 5;
        for (int i = 1; i + 1 < argc; ++i) {
            if (std::string_view(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
        }
        auto instance = vw::InstanceBuilder().build();
        auto device = instance->findGpu().find().build();
        std::printf("device: %s\nbuffers: %zu of 256 B..4 KiB, 60%% freed, blocks of %llu KiB, "
                    "DefragmentationAlgorithm::Full, %d rounds\n",
                    std::string(device->physical_device().name()).c_str(), buffer_count,
                    static_cast<unsigned long long>(block_size >> 10), rounds);
        std::vector<double> wrapper_ms, raw_ms, planning_ms;
        Figures w, r;
        for (int round = 0; round < rounds; ++round) {
            const Layout layout = make_layout(static_cast<unsigned>(1000 + round));
            if (round % 2 == 0) {
                w = wrapper_round(instance, device, layout);
                r = raw_round(instance, device, layout);
            } else {
                r = raw_round(instance, device, layout);
                w = wrapper_round(instance, device, layout);
            }
            wrapper_ms.push_back(w.cpu_ms);
            raw_ms.push_back(r.cpu_ms);
            planning_ms.push_back(r.planning_ms);
            std::printf("round %d: wrapper %.1f ms (%u moves), raw %.1f ms (%u moves), VMA planning %.1f ms\n",
                        round, w.cpu_ms, w.moves, r.cpu_ms, r.moves, r.planning_ms);
        }
        for (const auto &[name, f] : {std::pair{"wrapper", w}, std::pair{"raw", r}}) {
            std::printf("%s (last round): wasted %llu -> %llu bytes (%.1f%% of the free space in blocks "
                        "consolidated), blocks %u -> %u (%u released)\n",
                        name, static_cast<unsigned long long>(f.wasted_before),
                        static_cast<unsigned long long>(f.wasted_after),
                        100.0 * (1.0 - static_cast<double>(f.wasted_after) / static_cast<double>(f.wasted_before)),
                        f.blocks_before, f.blocks_after, f.blocks_before - f.blocks_after);
        }
        const double wm = median(wrapper_ms), rm = median(raw_ms), pm = median(planning_ms);
        std::printf("median CPU ms: wrapper %.2f, raw loop %.2f, VMA planning alone %.2f\n", wm, rm, pm);
        std::printf("ratio wrapper / VMA planning alone: %.2f (target <= 1.5)\n", wm / pm);
        std::printf("ratio wrapper / raw loop: %.2f\n", wm / rm);
        return 0;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "vw-bench-defrag: %s\n", error.what());
        return 1;
    }
}
