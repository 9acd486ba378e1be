#include "VulkanWrapper/Memory/PackedBuffer.h"

#include <algorithm>
#include <utility>

#include "AllocatorInternals.h"
#include "PackedState.h"
#include "UsageAlignment.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Pool.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {

PackedBufferBase::PackedBufferBase(std::shared_ptr<Allocator> allocator, vk::BufferUsageFlags usage,
                                   HostAccess access, PackedBufferOptions options) {
    if (!allocator) throw LogicError("PackedBuffer: the allocator is null");
    if (!usage) throw LogicError("PackedBuffer: the usage is empty");
    if (access != HostAccess::None && access != HostAccess::SequentialWrite &&
        access != HostAccess::Random) {
        throw LogicError("PackedBuffer: host access is not a HostAccess value");
    }
    if (options.buffer_size() == 0) throw LogicError("PackedBuffer: the buffer size is zero");
    if (options.pool() && options.pool()->allocator() != allocator) {
        throw LogicError("PackedBuffer: the pool belongs to another allocator");
    }
    if (options.pool() && options.pool()->host_access() != access) {
        throw LogicError("PackedBuffer: the pool's host access differs from the packed buffer's");
    }
    if (!options.name().empty()) AllocatorInternals::validate_name(options.name(), "PackedBuffer");
    auto state = std::make_unique<detail::PackedState>();
    state->alignment = detail::usage_alignment(allocator->device()->physical_device().properties().limits,
                                       usage, access);
    state->allocator = std::move(allocator);
    state->pool = options.pool();
    state->usage = usage;
    state->access = access;
    state->buffer_size = options.buffer_size();
    state->max_cached_size = options.buffer_size() / 4;
    state->name = options.name();
    m_state = state.release();
}

PackedBufferBase::PackedBufferBase(PackedBufferBase &&other) noexcept
    : m_state(std::exchange(other.m_state, nullptr)) {}

PackedBufferBase &PackedBufferBase::operator=(PackedBufferBase &&other) noexcept {
    if (this != &other) {
        if (m_state != nullptr) detail::PackedState::disown(m_state);
        m_state = std::exchange(other.m_state, nullptr);
    }
    return *this;
}

PackedBufferBase::~PackedBufferBase() {
    if (m_state != nullptr) detail::PackedState::disown(m_state);
}

BufferSliceBase PackedBufferBase::allocate_bytes(vk::DeviceSize size_bytes, vk::DeviceSize alignment) {
    if (!m_state) throw LogicError("PackedBuffer::allocate: the packed buffer is empty (moved from)");
    if (size_bytes == 0) throw LogicError("PackedBuffer::allocate: the size is zero");
    if (!detail::is_power_of_two(alignment)) {
        throw LogicError("PackedBuffer::allocate: the alignment " + std::to_string(alignment) +
                         " is not a power of two");
    }
    detail::PackedState &state = *m_state;
    VmaVirtualAllocationCreateInfo request{};
    request.size = size_bytes;
    request.alignment = std::max(alignment, state.alignment);

    const std::lock_guard lock(state.mutex);
    const auto hand_out = [&](std::size_t index, VmaVirtualAllocation allocation,
                              vk::DeviceSize offset) {
        detail::PackedState::Block &block = *state.blocks[index];
        ++block.slices;
        ++state.slice_count;
        state.slice_bytes += size_bytes;
        state.last_used = index;
        return BufferSliceBase(m_state, &block, block.buffer.get(), allocation, offset, size_bytes);
    };
    if (detail::PackedState::Bin *bin = state.find_bin(size_bytes);
        bin != nullptr && !bin->ranges.empty() && bin->ranges.back().offset % request.alignment == 0) {
        const detail::PackedState::Cached range = bin->ranges.back();
        bin->ranges.pop_back();
        ++state.slice_count;
        state.slice_bytes += size_bytes;
        return BufferSliceBase(m_state, range.block, range.block->buffer.get(), range.allocation,
                               range.offset, size_bytes);
    }
    const std::size_t count = state.blocks.size();
    for (int attempt = 0; attempt < 2; ++attempt) {
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t index = (state.last_used + i) % count;
            VmaVirtualAllocation allocation = nullptr;
            vk::DeviceSize offset = 0;
            if (vmaVirtualAllocate(state.blocks[index]->ranges, &request, &allocation, &offset) ==
                VK_SUCCESS) {
                return hand_out(index, allocation, offset);
            }
        }
        // Cached ranges of other sizes may be what is missing: give them back before growing.
        state.flush_bins();
    }

    // No room: a new large buffer (of the slice's own size when it is larger).
    const vk::DeviceSize buffer_size = std::max(state.buffer_size, size_bytes);
    auto block = std::make_unique<detail::PackedState::Block>();
    block->buffer = std::make_unique<BufferBase>(
        state.pool ? state.pool->allocate_buffer(buffer_size, state.usage, state.access, state.name)
                   : state.allocator->allocate_buffer(buffer_size, state.usage, state.access, state.name));
    VmaVirtualBlockCreateInfo info{};
    info.size = buffer_size;
    check(vmaCreateVirtualBlock(&info, &block->ranges), "vmaCreateVirtualBlock");
    VmaVirtualAllocation allocation = nullptr;
    vk::DeviceSize offset = 0;
    const VkResult result = vmaVirtualAllocate(block->ranges, &request, &allocation, &offset);
    if (result != VK_SUCCESS) {
        detail::PackedState::destroy(*block);
        check(result, "vmaVirtualAllocate");
    }
    try {
        state.blocks.push_back(std::move(block));
    } catch (...) {
        vmaVirtualFree(block->ranges, allocation);
        detail::PackedState::destroy(*block);
        throw;
    }
    return hand_out(state.blocks.size() - 1, allocation, offset);
}

vk::DeviceSize PackedBufferBase::alignment() const noexcept { return m_state ? m_state->alignment : 0; }

vk::BufferUsageFlags PackedBufferBase::usage() const noexcept {
    return m_state ? m_state->usage : vk::BufferUsageFlags{};
}

HostAccess PackedBufferBase::host_access() const noexcept {
    return m_state ? m_state->access : HostAccess::None;
}

PackedBufferStatistics PackedBufferBase::statistics() const {
    PackedBufferStatistics result;
    if (!m_state) return result;
    const std::lock_guard lock(m_state->mutex);
    result.buffer_count = m_state->blocks.size();
    for (const auto &block : m_state->blocks) result.buffer_bytes += block->buffer->size_bytes();
    result.slice_count = m_state->slice_count;
    result.slice_bytes = m_state->slice_bytes;
    return result;
}

void PackedBufferBase::trim() {
    if (!m_state) return;
    std::vector<std::unique_ptr<detail::PackedState::Block>> unused;
    {
        const std::lock_guard lock(m_state->mutex);
        m_state->flush_bins();
        auto &blocks = m_state->blocks;
        for (auto &block : blocks) {
            if (block->slices == 0) unused.push_back(std::move(block));
        }
        std::erase(blocks, nullptr);
        m_state->last_used = 0;
    }
    for (auto &block : unused) detail::PackedState::destroy(*block);
}

} // namespace vw
