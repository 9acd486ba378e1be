#pragma once

#include <cstdint>
#include <functional>

#include <vulkan/vulkan.hpp>

namespace vw {

class Allocation;

/// How hard VMA looks for a better place for each allocation; more thorough is slower per
/// pass and packs tighter (VMA_DEFRAGMENTATION_FLAG_ALGORITHM_*).
enum class DefragmentationAlgorithm : std::uint8_t {
    /// Moves allocations only into free space of the same or earlier blocks; quickest.
    Fast,
    /// VMA's default: between Fast and Full.
    Balanced,
    /// Moves allocations into the best place of any block, emptying the emptiest blocks.
    Full,
    /// Full, and moves images of optimal tiling apart from buffers (granularity-aware).
    Extensive,
};

/// One resource that defragment() moved. When it is reported, `object` already holds
/// `new_handle` (Allocation::allocation() is unchanged: the same VmaAllocation now refers to
/// the new memory) and `old_handle` has been destroyed: rewrite descriptors, device addresses
/// and anything else that named the old handle.
struct DefragmentationMove {
    /// The buffer (a BufferBase) or image (an Image) that moved; the caller's own object.
    const Allocation *object = nullptr;
    /// vk::ObjectType::eBuffer or eImage.
    vk::ObjectType type = vk::ObjectType::eUnknown;
    /// The VkBuffer or VkImage the object held before, as a 64-bit value (now destroyed).
    std::uint64_t old_handle = 0;
    /// The VkBuffer or VkImage it holds now, as a 64-bit value.
    std::uint64_t new_handle = 0;
    /// Bytes of memory that moved.
    vk::DeviceSize size_bytes = 0;
};

/// What one Allocator::defragment() or Pool::defragment() call may do.
struct DefragmentationOptions {
    /// How thoroughly VMA plans the moves.
    DefragmentationAlgorithm algorithm = DefragmentationAlgorithm::Balanced;
    /// At most this many bytes are moved by the call; 0 for no limit.
    vk::DeviceSize max_bytes = 0;
    /// At most this many resources are moved by the call; 0 for no limit.
    std::uint32_t max_moves = 0;
    /// Called once per moved resource, after the move is complete (see DefragmentationMove),
    /// on the calling thread. It must not free or move resources of the allocator; an exception
    /// it throws propagates out of defragment() after the pass that moved the resource is
    /// complete, and the remaining moves of that pass go unreported.
    std::function<void(const DefragmentationMove &)> on_move;
    /// The layout each image is in when defragment() is called (the library does not track
    /// layouts); the moved image is left in the same layout with the same contents. Unset, or
    /// returning vk::ImageLayout::eUndefined for an image, keeps that image where it is. Called
    /// on the calling thread while the pass holds off other threads' allocations and frees: it
    /// must not allocate, free or move resources of the allocator (that would deadlock).
    std::function<vk::ImageLayout(const Allocation &image)> image_layout;
};

/// What one defragment() call did.
struct DefragmentationResult {
    /// Resources moved.
    std::uint32_t moves = 0;
    /// Bytes of memory moved.
    vk::DeviceSize bytes_moved = 0;
    /// VkDeviceMemory blocks freed because they became empty.
    std::uint32_t blocks_released = 0;
    /// Bytes of those blocks.
    vk::DeviceSize bytes_released = 0;
    /// Moves VMA proposed that were refused: pinned resources (by the caller, or by the library
    /// while a StagingBufferManager copy is pending), persistently mapped buffers, images
    /// without a layout (DefragmentationOptions::image_layout).
    std::uint32_t skipped = 0;
    /// Passes run (each: plan, create, copy on the GPU, swap).
    std::uint32_t passes = 0;
    /// True when VMA found nothing more to move; false when the budget ran out first.
    bool complete = false;
};

} // namespace vw
