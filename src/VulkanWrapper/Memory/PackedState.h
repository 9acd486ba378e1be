#pragma once

#include <cstddef>
#include <memory>
#include <atomic>
#include <mutex>
#include <thread>
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

// A lock for critical sections of a few dozen instructions: cheaper than std::mutex when
// uncontended (the allocate/drop hot path), yields when it spins.
class SpinLock {
public:
    void lock() noexcept {
        for (int spins = 0; m_locked.exchange(true, std::memory_order_acquire); ++spins) {
            while (m_locked.load(std::memory_order_relaxed)) {
                if (++spins > 64) std::this_thread::yield();
            }
        }
    }
    void unlock() noexcept { m_locked.store(false, std::memory_order_release); }

private:
    std::atomic<bool> m_locked{false};
};

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

    // A dropped slice's range, kept for the next request of the same size (the common case:
    // uniform blocks and per-draw data of a few fixed sizes) instead of going back to VMA.
    struct Cached {
        Block *block;
        VmaVirtualAllocation allocation;
        vk::DeviceSize offset;
    };
    struct Bin {
        vk::DeviceSize size = 0;
        std::vector<Cached> ranges;
    };
    static constexpr std::size_t max_bins = 16;
    static constexpr std::size_t max_per_bin = 64;

    // Gives a slice's range back (the slice's destructor): to its size's bin when there is
    // room, else to VMA. Deletes the state when it was the last slice of a packed buffer that
    // is gone.
    static void free(PackedState *state, void *block, VmaVirtualAllocation allocation,
                     vk::DeviceSize offset, vk::DeviceSize size) noexcept {
        bool last = false;
        {
            const std::lock_guard lock(state->mutex);
            state->give_back(static_cast<Block *>(block), allocation, offset, size);
            last = !state->owned && state->slice_count == 0;
        }
        if (last) delete state;
    }

    // The packed buffer goes: the state stays while slices live.
    static void disown(PackedState *state) noexcept {
        bool last = false;
        {
            const std::lock_guard lock(state->mutex);
            state->owned = false;
            last = state->slice_count == 0;
        }
        if (last) delete state;
    }

    void give_back(Block *b, VmaVirtualAllocation allocation, vk::DeviceSize offset,
                   vk::DeviceSize size) noexcept {
        --slice_count;
        slice_bytes -= size;
        if (size <= max_cached_size) {
            Bin *bin = find_bin(size);
            if (bin == nullptr && bins.size() < max_bins) {
                try {
                    bins.push_back({size, {}});
                    bins.back().ranges.reserve(max_per_bin);
                    bin = &bins.back();
                } catch (...) {
                    bin = nullptr; // no memory for a bin: the range goes back to VMA
                }
            }
            if (bin != nullptr && bin->ranges.size() < max_per_bin) {
                bin->ranges.push_back({b, allocation, offset}); // capacity reserved: no throw
                return;
            }
        }
        vmaVirtualFree(b->ranges, allocation);
        --b->slices;
    }

    Bin *find_bin(vk::DeviceSize size) noexcept {
        for (Bin &bin : bins) {
            if (bin.size == size) return &bin;
        }
        return nullptr;
    }

    // Returns every cached range to VMA (under the mutex).
    void flush_bins() noexcept {
        for (Bin &bin : bins) {
            for (const Cached &range : bin.ranges) {
                vmaVirtualFree(range.block->ranges, range.allocation);
                --range.block->slices;
            }
            bin.ranges.clear();
        }
    }

    std::shared_ptr<Allocator> allocator;
    std::shared_ptr<Pool> pool;
    vk::BufferUsageFlags usage;
    HostAccess access = HostAccess::None;
    vk::DeviceSize buffer_size = 0;
    vk::DeviceSize alignment = 1;
    std::string name;

    SpinLock mutex;
    std::vector<std::unique_ptr<Block>> blocks;
    std::size_t last_used = 0;
    std::vector<Bin> bins;
    vk::DeviceSize max_cached_size = 0; // a quarter of the buffer size
    std::size_t slice_count = 0;
    bool owned = true; // the PackedBufferBase still exists
    vk::DeviceSize slice_bytes = 0;
};

} // namespace vw::detail
