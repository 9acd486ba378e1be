#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Buffer.h"

namespace vw {
class Allocator;
class Device;
class Semaphore;
} // namespace vw

namespace vw::detail {

/// What a staging block is for: upload blocks are written sequentially by the host (write-
/// combined where the device offers it), readback blocks are read by it (host-cached), command
/// blocks hold no memory, only command buffers.
enum class StagingKind : std::uint8_t { Upload, Readback, Commands };

class StagingArena;

/// One block of the arena: a persistently mapped staging buffer, the command buffers recorded
/// with it (one pool per queue family, made on first use) and the semaphore value of its last
/// submission. Touched only by the holder of its lease, except the fields the arena's lock
/// guards.
struct StagingBlock {
    struct Commands {
        CommandPool pool;
        CommandBuffer buffer; // after the pool: freed first
    };

    BufferBase buffer;
    StagingKind kind = StagingKind::Upload;
    vk::DeviceSize bytes = 0;
    std::vector<Commands> commands;
    // Guarded by the arena's lock.
    bool leased = false;
    bool transient = false; // made over the budget, or abandoned: freed when given back
    bool abandoned = false; // its value may never be signalled (StagingLease::abandon)
    std::shared_ptr<void> kept; // what the abandoned block's submission uses, freed with it
    std::shared_ptr<Semaphore> semaphore;
    std::uint64_t value = 0;
    std::chrono::steady_clock::time_point released;
};

/// Exclusive use of one block until it is given back (on destruction). Move-only. The lease
/// holds the arena, so it may outlive the Transfer that made it (a PendingDownload does).
class StagingLease {
public:
    StagingLease() noexcept = default;
    StagingLease(std::shared_ptr<StagingArena> arena, StagingBlock *block) noexcept
        : m_arena(std::move(arena))
        , m_block(block) {}
    StagingLease(StagingLease &&other) noexcept
        : m_arena(std::move(other.m_arena))
        , m_block(std::exchange(other.m_block, nullptr)) {}
    StagingLease &operator=(StagingLease &&other) noexcept;
    StagingLease(const StagingLease &) = delete;
    StagingLease &operator=(const StagingLease &) = delete;
    ~StagingLease() { reset(); }

    [[nodiscard]] bool empty() const noexcept { return m_block == nullptr; }
    [[nodiscard]] BufferBase &buffer() const noexcept { return m_block->buffer; }
    [[nodiscard]] std::byte *data() const noexcept { return m_block->buffer.mapped_data(); }
    [[nodiscard]] vk::DeviceSize bytes() const noexcept { return m_block->bytes; }
    /// The block's command buffer for queue family `family` (reset, ready to begin), made with
    /// its pool on first use. The previous submission that used it must have completed: the
    /// arena hands out only blocks whose last value was reached, and a holder that reuses its
    /// own block waits first.
    CommandBuffer &commands(const std::shared_ptr<Device> &device, std::uint32_t family) const;
    /// Records that a submission signalling `value` of `semaphore` uses the block: given back,
    /// it is handed out again only once the value is reached.
    void retire(std::shared_ptr<Semaphore> semaphore, std::uint64_t value) const noexcept;
    /// For a block whose retired value may never be signalled (a batch that may never be
    /// submitted): given back, it is neither handed out again nor waited for, only freed once
    /// its value is reached, or by the arena's destruction after the device is idle; `kept`
    /// (what that submission uses besides the block, if anything) is freed with it.
    void abandon(std::shared_ptr<void> kept) const noexcept;
    /// Waits for the value recorded by retire(). DeviceLostError on device loss.
    void wait() const;
    /// The value recorded by retire() (0 before the first).
    [[nodiscard]] std::uint64_t retired_value() const noexcept { return m_block->value; }
    /// Gives the block back now.
    void reset() noexcept;

private:
    std::shared_ptr<StagingArena> m_arena;
    StagingBlock *m_block = nullptr;
};

/// What the arena holds now and did so far.
struct StagingArenaFigures {
    vk::DeviceSize held_bytes = 0;
    vk::DeviceSize peak_bytes = 0;
    std::size_t blocks = 0;
    std::uint64_t allocations = 0;
    std::uint64_t command_pools = 0;
};

/// The staging memory every transfer shares: blocks of power-of-two sizes (from 64 KiB),
/// allocated as the traffic asks for them up to a budget, handed out to one holder at a time
/// and reclaimed on the timeline of their last submission. Blocks idle for longer than the idle
/// time are freed at the next call; trim() frees every idle block now. Past the budget, a
/// caller that may wait waits for a block in flight; one that may not (nothing of its own in
/// flight, or a holder such as a PendingDownload that the user keeps) gets a transient block,
/// freed when given back. Thread-safe; the lock is held for bookkeeping only, never across a
/// wait, an allocation or a copy.
class StagingArena : public std::enable_shared_from_this<StagingArena> {
public:
    StagingArena(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                 vk::DeviceSize budget, std::chrono::milliseconds idle);
    StagingArena(const StagingArena &) = delete;
    StagingArena &operator=(const StagingArena &) = delete;
    ~StagingArena();

    /// A block of at least `bytes` bytes whose last use has completed, or a new one within the
    /// budget; nothing when neither exists (no waiting, nothing over the budget).
    [[nodiscard]] std::optional<StagingLease> try_acquire(StagingKind kind, vk::DeviceSize bytes);
    /// A block of at least `bytes` bytes: as try_acquire(), else (`may_wait`) a block in flight,
    /// waited for, else a transient block. OutOfMemoryError when memory runs out;
    /// DeviceLostError while waiting.
    [[nodiscard]] StagingLease acquire(StagingKind kind, vk::DeviceSize bytes, bool may_wait);
    /// Frees every block not held whose last use has completed. Returns the bytes freed.
    vk::DeviceSize trim();
    [[nodiscard]] StagingArenaFigures figures() const;
    [[nodiscard]] vk::DeviceSize budget() const noexcept { return m_budget; }
    [[nodiscard]] const std::shared_ptr<Device> &device() const noexcept { return m_device; }
    [[nodiscard]] const std::shared_ptr<Allocator> &allocator() const noexcept { return m_allocator; }

private:
    friend class StagingLease;
    void release(StagingBlock *block) noexcept;
    // Under the lock: frees (into `freed`, destroyed outside it) idle completed blocks, all of
    // them or those idle for longer than m_idle, until `wanted` more bytes fit the budget.
    void collect(std::vector<std::unique_ptr<StagingBlock>> &freed, vk::DeviceSize wanted, bool all);
    // Whether the block's last submission has ended, by one counter query that never waits
    // (it runs under the lock): a failed query keeps the block, a lost device frees it.
    [[nodiscard]] bool completed(const StagingBlock &block) const noexcept;
    [[nodiscard]] StagingLease allocate(StagingKind kind, vk::DeviceSize bytes, bool transient);

    std::shared_ptr<Device> m_device;
    std::shared_ptr<Allocator> m_allocator;
    vk::DeviceSize m_budget;
    std::chrono::milliseconds m_idle;
    mutable std::mutex m_mutex;
    std::list<std::unique_ptr<StagingBlock>> m_blocks;
    vk::DeviceSize m_held = 0;      // bytes of every block, transient ones and ones being made
    vk::DeviceSize m_peak = 0;
    std::uint64_t m_allocations = 0;
    std::atomic<std::uint64_t> m_command_pools{0};
};

/// The block size the arena uses for `bytes`: a power of two, at least 64 KiB.
[[nodiscard]] vk::DeviceSize staging_block_size(vk::DeviceSize bytes) noexcept;

} // namespace vw::detail
