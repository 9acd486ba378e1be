#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"

namespace vw {
class Allocator;
class Pool;
} // namespace vw

namespace vw::detail {

// What a PackedBuffer and its slices share: the large buffers, each with a VMA virtual block
// that tracks its free ranges. Slices point at their Block; blocks are freed only by trim()
// (when they hold no slice) or with the state.
class PackedState {
public:
    struct Block {
        std::unique_ptr<BufferBase> buffer;
        VmaVirtualBlock ranges = nullptr;
        std::size_t slices = 0;
    };

    PackedState() = default;
    PackedState(const PackedState &) = delete;
    PackedState &operator=(const PackedState &) = delete;
    ~PackedState() {
        for (auto &block : blocks) destroy(*block);
    }

    static void destroy(Block &block) noexcept {
        if (block.ranges != nullptr) {
            vmaClearVirtualBlock(block.ranges);
            vmaDestroyVirtualBlock(block.ranges);
        }
    }

    // Gives a slice's range back (the slice's destructor).
    void free(void *block, VmaVirtualAllocation allocation, vk::DeviceSize size) noexcept {
        const std::lock_guard lock(mutex);
        auto &b = *static_cast<Block *>(block);
        vmaVirtualFree(b.ranges, allocation);
        --b.slices;
        --slice_count;
        slice_bytes -= size;
    }

    std::shared_ptr<Allocator> allocator;
    std::shared_ptr<Pool> pool;
    vk::BufferUsageFlags usage;
    HostAccess access = HostAccess::None;
    vk::DeviceSize buffer_size = 0;
    vk::DeviceSize alignment = 1;
    std::string name;

    std::mutex mutex;
    std::vector<std::unique_ptr<Block>> blocks;
    std::size_t last_used = 0;
    std::size_t slice_count = 0;
    vk::DeviceSize slice_bytes = 0;
};

} // namespace vw::detail
