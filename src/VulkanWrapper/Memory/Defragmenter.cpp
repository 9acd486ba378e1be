#include "VulkanWrapper/Memory/Defragmenter.h"

#include <atomic>
#include <utility>
#include <vector>

#include "VulkanWrapper/Memory/Allocation.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/DefragmentationGate.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw::detail {

namespace {

std::atomic<const ImageRelocation *> g_image_relocation{nullptr};

VmaDefragmentationFlags algorithm_flag(DefragmentationAlgorithm algorithm) {
    switch (algorithm) {
    case DefragmentationAlgorithm::Fast: return VMA_DEFRAGMENTATION_FLAG_ALGORITHM_FAST_BIT;
    case DefragmentationAlgorithm::Balanced: return VMA_DEFRAGMENTATION_FLAG_ALGORITHM_BALANCED_BIT;
    case DefragmentationAlgorithm::Full: return VMA_DEFRAGMENTATION_FLAG_ALGORITHM_FULL_BIT;
    case DefragmentationAlgorithm::Extensive: return VMA_DEFRAGMENTATION_FLAG_ALGORITHM_EXTENSIVE_BIT;
    }
    throw LogicError("defragment: the algorithm is not a DefragmentationAlgorithm value");
}

// A resource of the pass that is being moved: its object and the replacement made for it.
struct Relocation {
    VmaDefragmentationMove *move;
    Allocation *object;
    vk::ObjectType type = vk::ObjectType::eUnknown;
    std::uint64_t source = 0;
    std::uint64_t replacement = 0;
    void *views = nullptr; // an image's prepared views (ImageRelocation::prepare_views)
    vk::ImageLayout layout = vk::ImageLayout::eUndefined;
    vk::DeviceSize size_bytes = 0;
};

std::uint64_t create_buffer_replacement(const Allocator &allocator, const BufferBase &buffer,
                                        VmaAllocation destination) {
    const Device &device = *allocator.device();
    const VkBufferCreateInfo info = AllocatorInternals::buffer_create_info(allocator, buffer.size_bytes(), buffer.usage());
    VkBuffer created = VK_NULL_HANDLE;
    check(vkCreateBuffer(device.handle(), &info, nullptr, &created), "vkCreateBuffer");
    const VkResult bound = vmaBindBufferMemory(allocator.handle(), destination, created);
    if (bound != VK_SUCCESS) {
        vkDestroyBuffer(device.handle(), created, nullptr);
        check(bound, "vmaBindBufferMemory");
    }
    return reinterpret_cast<std::uint64_t>(created);
}

void destroy_object(const Device &device, vk::ObjectType type, std::uint64_t object) noexcept {
    if (object == 0) return;
    if (type == vk::ObjectType::eImage) {
        vkDestroyImage(device.handle(), reinterpret_cast<VkImage>(object), nullptr);
    } else {
        vkDestroyBuffer(device.handle(), reinterpret_cast<VkBuffer>(object), nullptr);
    }
}

void memory_barrier(vk::CommandBuffer commands, vk::PipelineStageFlags2 src_stage,
                    vk::AccessFlags2 src_access, vk::PipelineStageFlags2 dst_stage,
                    vk::AccessFlags2 dst_access) {
    const vk::MemoryBarrier2 barrier(src_stage, src_access, dst_stage, dst_access);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier, {}, {}));
}

// The pass's GPU work: one command buffer on `queue`, submitted and waited for.
void copy_on_gpu(const Device &device, Queue &queue, const std::vector<Relocation> &moves,
                 const ImageRelocation *images) {
    const vk::Device handle = device.handle();
    const vk::CommandPoolCreateInfo pool_info(vk::CommandPoolCreateFlagBits::eTransient,
                                              queue.family_index());
    vk::CommandPool pool;
    check(handle.createCommandPool(&pool_info, nullptr, &pool), "vkCreateCommandPool");
    const vk::UniqueCommandPool owned_pool(
        pool, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(handle, nullptr));
    const vk::CommandBufferAllocateInfo buffer_info(pool, vk::CommandBufferLevel::ePrimary, 1);
    vk::CommandBuffer commands;
    check(handle.allocateCommandBuffers(&buffer_info, &commands), "vkAllocateCommandBuffers");
    const vk::CommandBufferBeginInfo begin(vk::CommandBufferUsageFlagBits::eOneTimeSubmit);
    check(commands.begin(&begin), "vkBeginCommandBuffer");
    // Earlier work on the queue wrote the sources; the user's later work reads the copies.
    memory_barrier(commands, vk::PipelineStageFlagBits2::eAllCommands,
                   vk::AccessFlagBits2::eMemoryWrite, vk::PipelineStageFlagBits2::eAllTransfer,
                   vk::AccessFlagBits2::eTransferRead | vk::AccessFlagBits2::eTransferWrite);
    for (const Relocation &move : moves) {
        if (move.type == vk::ObjectType::eImage) {
            images->record_copy(*move.object, move.replacement, move.layout, commands);
        } else {
            const vk::BufferCopy region(0, 0, move.size_bytes);
            commands.copyBuffer(vk::Buffer(reinterpret_cast<VkBuffer>(move.source)),
                                vk::Buffer(reinterpret_cast<VkBuffer>(move.replacement)), region);
        }
    }
    memory_barrier(commands, vk::PipelineStageFlagBits2::eAllTransfer,
                   vk::AccessFlagBits2::eTransferWrite, vk::PipelineStageFlagBits2::eAllCommands,
                   vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite);
    check(vkEndCommandBuffer(commands), "vkEndCommandBuffer");

    const vk::FenceCreateInfo fence_info;
    vk::Fence fence;
    check(handle.createFence(&fence_info, nullptr, &fence), "vkCreateFence");
    const vk::UniqueFence owned_fence(
        fence, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(handle, nullptr));
    const vk::CommandBufferSubmitInfo command_info(commands);
    const vk::SubmitInfo2 submit({}, {}, command_info, {});
    queue.submit(std::span(&submit, 1), fence);
    check_wait(device, handle.waitForFences(1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

// Holds the gate for one pass: frees and allocations of other threads wait until it ends.
class PassGate {
public:
    explicit PassGate(DefragmentationGate &gate)
        : m_gate(gate) {
        m_gate.close();
    }
    PassGate(const PassGate &) = delete;
    PassGate &operator=(const PassGate &) = delete;
    ~PassGate() { m_gate.open(); }

private:
    DefragmentationGate &m_gate;
};

} // namespace

void set_image_relocation(const ImageRelocation *relocation) noexcept {
    g_image_relocation.store(relocation, std::memory_order_release);
}

DefragmentationResult Defragmenter::run() {
    const Device &device = *m_allocator.device();
    const VmaAllocator vma = m_allocator.handle();
    const bool budgeted = m_options.max_bytes != 0 || m_options.max_moves != 0;
    VmaDefragmentationInfo info{};
    info.flags = algorithm_flag(m_options.algorithm);
    info.pool = m_pool;
    info.maxBytesPerPass = m_options.max_bytes;
    info.maxAllocationsPerPass = m_options.max_moves;
    throw_if_lost(device, "vmaBeginDefragmentation");
    AllocatorInternals::check_invariants("defragment");

    // VMA's begin and end switch the block vectors' incremental sorting off and on without
    // their locks (a race with other threads' allocations, seen by TSan): both run behind the gate.
    DefragmentationGate &vma_gate = AllocatorInternals::defragmentation_gate(m_allocator);
    VmaDefragmentationContext context = nullptr;
    {
        const PassGate begin_gate(vma_gate);
        check(vmaBeginDefragmentation(vma, &info, &context), "vmaBeginDefragmentation");
    }
    // Ends the context on every path; end() reads VMA's statistics of the whole call.
    struct EndContext {
        VmaAllocator vma;
        VmaDefragmentationContext context;
        DefragmentationGate &gate;
        VmaDefragmentationStats end() {
            VmaDefragmentationStats stats{};
            const PassGate end_gate(gate);
            vmaEndDefragmentation(vma, std::exchange(context, nullptr), &stats);
            return stats;
        }
        ~EndContext() {
            if (context == nullptr) return;
            const PassGate end_gate(gate);
            vmaEndDefragmentation(vma, context, nullptr);
        }
    };
    DefragmentationResult result;
    EndContext end{vma, context, vma_gate};
    {
        std::vector<Relocation> moves;
        std::vector<DefragmentationMove> reported;
        for (;;) {
            moves.clear();
            reported.clear();
            const ImageRelocation *images = g_image_relocation.load(std::memory_order_acquire);
            bool finished = false;
            {
                const PassGate gate(AllocatorInternals::defragmentation_gate(m_allocator));
                VmaDefragmentationPassMoveInfo pass{};
                const VkResult begun = vmaBeginDefragmentationPass(vma, context, &pass);
                if (begun == VK_SUCCESS) {
                    result.complete = true;
                    break;
                }
                if (begun != VK_INCOMPLETE) check(begun, "vmaBeginDefragmentationPass");
                ++result.passes;
                try {
                    bool moves_images = false;
                    for (std::uint32_t i = 0; i < pass.moveCount; ++i) {
                        VmaDefragmentationMove &move = pass.pMoves[i];
                        VmaAllocationInfo source{};
                        vmaGetAllocationInfo(vma, move.srcAllocation, &source);
                        auto *object = static_cast<Allocation *>(source.pUserData);
                        Relocation relocation{&move, object};
                        // Pinned, or with a Transfer's asynchronous copy still running.
                        bool movable = object != nullptr && object->m_allocation == move.srcAllocation &&
                                       !object->is_pinned() &&
                                       !AllocatorInternals::pending_work(m_allocator).busy(move.srcAllocation);
                        if (movable) {
                            relocation.type = object->m_type;
                            relocation.source = object->m_object;
                            relocation.size_bytes = object->m_type == vk::ObjectType::eImage
                                                        ? source.size
                                                        : static_cast<const BufferBase *>(object)->size_bytes();
                        }
                        if (movable && object->m_type == vk::ObjectType::eImage) {
                            if (images != nullptr && m_options.image_layout) {
                                relocation.layout = m_options.image_layout(*object);
                            }
                            movable = relocation.layout != vk::ImageLayout::eUndefined;
                            moves_images = moves_images || movable;
                        } else if (movable) {
                            // A persistently mapped buffer's pointer may be held anywhere.
                            movable = static_cast<const BufferBase *>(object)->host_access() ==
                                      HostAccess::None;
                        }
                        if (!movable) {
                            move.operation = VMA_DEFRAGMENTATION_MOVE_OPERATION_IGNORE;
                            ++result.skipped;
                            continue;
                        }
                        moves.push_back(relocation);
                    }
                    for (Relocation &move : moves) {
                        move.replacement =
                            move.object->m_type == vk::ObjectType::eImage
                                ? images->create(*move.object, move.move->dstTmpAllocation)
                                : create_buffer_replacement(
                                      m_allocator, *static_cast<const BufferBase *>(move.object),
                                      move.move->dstTmpAllocation);
                    }
                    if (!moves.empty()) {
                        Queue &queue = moves_images ? device.compute_queue() : device.transfer_queue();
                        copy_on_gpu(device, queue, moves, images);
                    }
                    for (Relocation &move : moves) {
                        if (move.type == vk::ObjectType::eImage) {
                            move.views = images->prepare_views(*move.object, move.replacement);
                        }
                    }
                    AllocatorInternals::check_invariants("defragment");
                } catch (...) {
                    for (const Relocation &move : moves) {
                        if (move.views != nullptr) images->finish_views(move.views, move.replacement, false);
                        destroy_object(device, move.type, move.replacement);
                    }
                    for (std::uint32_t i = 0; i < pass.moveCount; ++i) {
                        pass.pMoves[i].operation = VMA_DEFRAGMENTATION_MOVE_OPERATION_IGNORE;
                    }
                    vmaEndDefragmentationPass(vma, context, &pass);
                    throw;
                }
                reported.reserve(moves.size());
                for (const Relocation &move : moves) {
                    const vk::ObjectType type = move.object->m_type;
                    // The views first: they name the image about to be destroyed.
                    if (move.views != nullptr) images->finish_views(move.views, move.replacement, true);
                    destroy_object(device, type, move.object->m_object);
                    reported.push_back({move.object, type, move.object->m_object, move.replacement,
                                        move.size_bytes});
                    move.object->m_object = move.replacement;
                    ++result.moves;
                    result.bytes_moved += move.size_bytes;
                }
                const VkResult ended = vmaEndDefragmentationPass(vma, context, &pass);
                if (ended == VK_SUCCESS) {
                    finished = true;
                } else if (ended != VK_INCOMPLETE) {
                    check(ended, "vmaEndDefragmentationPass");
                }
            }
            if (m_options.on_move) {
                for (const DefragmentationMove &move : reported) m_options.on_move(move);
            }
            if (finished) {
                result.complete = true;
                break;
            }
            if (budgeted) break;
        }
    }
    const VmaDefragmentationStats stats = end.end();
    result.blocks_released = stats.deviceMemoryBlocksFreed;
    result.bytes_released = stats.bytesFreed;
    return result;
}

} // namespace vw::detail
