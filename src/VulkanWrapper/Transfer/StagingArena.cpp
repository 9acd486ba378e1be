#include "StagingArena.h"

#include <algorithm>
#include <bit>
#include <new>
#include <string>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceAccess.h"

namespace vw::detail {

namespace {

constexpr vk::DeviceSize smallest_block = vk::DeviceSize{64} << 10;

} // namespace

vk::DeviceSize staging_block_size(vk::DeviceSize bytes) noexcept {
    if (bytes <= smallest_block) return smallest_block;
    if (bytes > (vk::DeviceSize{1} << 62)) return bytes; // no power of two above it fits
    return std::bit_ceil(bytes);
}

StagingLease &StagingLease::operator=(StagingLease &&other) noexcept {
    if (this != &other) {
        reset();
        m_arena = std::move(other.m_arena);
        m_block = std::exchange(other.m_block, nullptr);
    }
    return *this;
}

CommandBuffer &StagingLease::commands(const std::shared_ptr<Device> &device, std::uint32_t family) const {
    auto &all = m_block->commands;
    auto found = std::find_if(all.begin(), all.end(),
                              [&](const StagingBlock::Commands &entry) { return entry.pool.family_index() == family; });
    if (found == all.end()) {
        CommandPool pool(device, family);
        CommandBuffer buffer = pool.allocate();
        all.push_back({std::move(pool), std::move(buffer)});
        m_arena->m_command_pools.fetch_add(1, std::memory_order_relaxed);
        return all.back().buffer;
    }
    found->buffer.reset();
    return found->buffer;
}

void StagingLease::retire(std::shared_ptr<Semaphore> semaphore, std::uint64_t value) const noexcept {
    m_block->semaphore = std::move(semaphore);
    m_block->value = value;
}

void StagingLease::abandon(std::shared_ptr<void> kept) const noexcept {
    m_block->transient = true;
    m_block->abandoned = true;
    if (kept) m_block->kept = std::move(kept);
}

void StagingLease::wait() const {
    if (m_block->semaphore && m_block->value != 0) m_block->semaphore->wait(m_block->value);
}

void StagingLease::reset() noexcept {
    if (m_block == nullptr) return;
    m_arena->release(std::exchange(m_block, nullptr));
    m_arena.reset();
}

StagingArena::StagingArena(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                           vk::DeviceSize budget, std::chrono::milliseconds idle)
    : m_device(std::move(device))
    , m_allocator(std::move(allocator))
    , m_budget(budget)
    , m_idle(idle) {}

StagingArena::~StagingArena() {
    // Every holder is gone; what was submitted with a block must end before it is freed. An
    // abandoned block's value may never be signalled: an idle device has ended all that was.
    const bool running = std::any_of(m_blocks.begin(), m_blocks.end(), [&](const auto &block) { return !completed(*block); });
    if (!running || m_device->is_lost()) return;
    try {
        m_device->wait_idle();
        return;
    } catch (const Exception &) {
    }
    // No idle device: the engine's own blocks were all submitted, so their values come.
    for (const auto &block : m_blocks) {
        if (block->abandoned || !block->semaphore || block->value == 0) continue;
        try {
            block->semaphore->wait(block->value);
        } catch (const Exception &) {
            // Device lost: nothing runs any more.
        }
    }
}

bool StagingArena::completed(const StagingBlock &block) const noexcept {
    if (!block.semaphore || block.value == 0 || m_device->is_lost()) return true;
    std::uint64_t current = 0;
    const vk::Result result =
        m_device->handle().getSemaphoreCounterValue(block.semaphore->handle(), &current, m_device->dispatcher());
    if (result == vk::Result::eSuccess) return current >= block.value;
    if (result != vk::Result::eErrorDeviceLost) return false;
    DeviceAccess::mark_lost(*m_device);
    return true;
}

void StagingArena::collect(std::vector<std::unique_ptr<StagingBlock>> &freed, vk::DeviceSize wanted, bool all) {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = m_blocks.begin(); it != m_blocks.end();) {
        StagingBlock &block = **it;
        const bool room_needed = all || (block.bytes != 0 && m_held + wanted > m_budget);
        const bool expired = block.transient || now - block.released > m_idle;
        if (!block.leased && (room_needed || expired) && completed(block)) {
            freed.push_back(std::move(*it)); // first: a bad_alloc leaves the block where it was
            m_held -= freed.back()->bytes;
            it = m_blocks.erase(it);
        } else {
            ++it;
        }
    }
}

StagingLease StagingArena::allocate(StagingKind kind, vk::DeviceSize bytes, bool transient) {
    // The bytes were counted in m_held by the caller, under the lock: every failure gives them back.
    std::unique_ptr<StagingBlock> block; // destroyed, on failure, after the lock is let go
    try {
        block = std::make_unique<StagingBlock>();
        block->kind = kind;
        block->bytes = bytes;
        block->leased = true;
        block->transient = transient;
        if (kind != StagingKind::Commands) {
            const bool upload = kind == StagingKind::Upload;
            block->buffer = m_allocator->allocate_buffer(
                bytes, upload ? TransferSrcUsage : TransferDstUsage,
                upload ? HostAccess::SequentialWrite : HostAccess::Random,
                upload ? "vw::Transfer upload staging" : "vw::Transfer readback staging");
        }
    } catch (...) {
        const std::lock_guard lock(m_mutex);
        m_held -= bytes;
        throw;
    }
    StagingBlock *raw = block.get();
    const std::lock_guard lock(m_mutex);
    try {
        m_blocks.push_back(std::move(block));
    } catch (...) {
        m_held -= bytes;
        throw;
    }
    if (kind != StagingKind::Commands) ++m_allocations;
    m_peak = std::max(m_peak, m_held);
    return {shared_from_this(), raw};
}

std::optional<StagingLease> StagingArena::try_acquire(StagingKind kind, vk::DeviceSize bytes) {
    const vk::DeviceSize size = kind == StagingKind::Commands ? 0 : staging_block_size(bytes);
    std::vector<std::unique_ptr<StagingBlock>> freed; // destroyed after the lock is let go
    {
        const std::lock_guard lock(m_mutex);
        collect(freed, 0, false);
        StagingBlock *best = nullptr;
        for (const auto &block : m_blocks) {
            if (block->leased || block->transient || block->kind != kind || block->bytes < size) continue;
            if (best != nullptr && best->bytes <= block->bytes) continue;
            if (completed(*block)) best = block.get();
        }
        if (best != nullptr) {
            best->leased = true;
            return StagingLease(shared_from_this(), best);
        }
        if (size != 0 && m_held + size > m_budget) {
            // Idle blocks make room only if freeing them all would: otherwise they stay.
            vk::DeviceSize idle = 0;
            for (const auto &block : m_blocks) {
                if (!block->leased && completed(*block)) idle += block->bytes;
            }
            if (size > m_budget || m_held - idle + size > m_budget) return std::nullopt;
            collect(freed, size, false);
        }
        m_held += size;
    }
    return allocate(kind, size, false);
}

StagingLease StagingArena::acquire(StagingKind kind, vk::DeviceSize bytes, bool may_wait) {
    if (auto lease = try_acquire(kind, bytes)) return std::move(*lease);
    const vk::DeviceSize size = kind == StagingKind::Commands ? 0 : staging_block_size(bytes);
    if (may_wait) {
        StagingBlock *pending = nullptr;
        {
            const std::lock_guard lock(m_mutex);
            for (const auto &block : m_blocks) {
                if (block->leased || block->transient || block->kind != kind || block->bytes < size) continue;
                if (pending == nullptr || block->value < pending->value) pending = block.get();
            }
            if (pending != nullptr) pending->leased = true;
        }
        if (pending != nullptr) {
            StagingLease lease(shared_from_this(), pending);
            lease.wait();
            return lease;
        }
    }
    {
        const std::lock_guard lock(m_mutex);
        m_held += size;
    }
    return allocate(kind, size, true);
}

void StagingArena::release(StagingBlock *block) noexcept {
    std::vector<std::unique_ptr<StagingBlock>> freed;
    const std::lock_guard lock(m_mutex);
    block->leased = false;
    block->released = std::chrono::steady_clock::now();
    try {
        collect(freed, 0, false); // `freed` is destroyed after the lock is let go
    } catch (const std::bad_alloc &) {
        // The idle blocks are freed by the next call instead.
    }
}

vk::DeviceSize StagingArena::trim() {
    std::vector<std::unique_ptr<StagingBlock>> freed;
    vk::DeviceSize bytes = 0;
    {
        const std::lock_guard lock(m_mutex);
        collect(freed, 0, true);
    }
    for (const auto &block : freed) bytes += block->bytes;
    return bytes;
}

StagingArenaFigures StagingArena::figures() const {
    const std::lock_guard lock(m_mutex);
    return {m_held, m_peak, m_blocks.size(), m_allocations, m_command_pools.load(std::memory_order_relaxed)};
}

} // namespace vw::detail
