#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Transfer/TransferTicket.h"
#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class Allocator;
class CommandBuffer;
class Device;
class Image;
class ResourceTracker;
class Semaphore;
class Transfer;

namespace detail {
class StagingArena;
class StagingLease;
} // namespace detail

/// What StagingBufferManager::flush() recorded: either a batch of copies, with the signal its
/// submission must carry, or nothing (nothing was staged) and no signal. False when empty, so
/// that the empty case cannot be submitted by mistake: signal() refuses it, and signals() is
/// the signal list of either case as is. A value; copyable.
class StagingFlush {
public:
    /// Nothing recorded.
    StagingFlush() = default;

    /// True when copies were recorded: the submission must then signal signal().
    explicit operator bool() const noexcept { return m_signal.has_value(); }
    /// The entry for your submission's signal list. LogicError when nothing was recorded.
    [[nodiscard]] const vk::SemaphoreSubmitInfo &signal() const;
    /// Your submission's signal list: the one signal, or nothing when nothing was recorded. It
    /// points into this object, so it is not offered on a temporary.
    [[nodiscard]] std::span<const vk::SemaphoreSubmitInfo> signals() const & noexcept {
        return m_signal ? std::span<const vk::SemaphoreSubmitInfo>(&*m_signal, 1)
                        : std::span<const vk::SemaphoreSubmitInfo>();
    }
    std::span<const vk::SemaphoreSubmitInfo> signals() const && = delete;

private:
    friend class StagingBufferManager;

    // A recorded batch, completed when `signal` is signalled.
    explicit StagingFlush(const vk::SemaphoreSubmitInfo &signal) noexcept : m_signal(signal) {}

    std::optional<vk::SemaphoreSubmitInfo> m_signal;
};

/// Batches uploads into your own command buffer: stage() copies data into staging memory now
/// (small copies packed side by side into one staging block),
/// flush() records every staged copy (with the barriers and image layout transitions) into a
/// command buffer you submit yourself, with the signal flush() returns. Staging memory is
/// freed, and the destinations (held by std::shared_ptr, or taken over from the
/// std::unique_ptr that Allocator::allocate() and ImageBuilder::build() return) are let go,
/// only once that submission has completed: nothing dangles.
///
/// Submit flushed command buffers in the order they were flushed (the signals are increasing
/// values of one timeline semaphore). The destructor does not wait for batches that were never
/// submitted: it waits until the device is idle (so that every submitted batch has completed),
/// then frees everything; a flushed command buffer not submitted by then must never be
/// submitted. Not thread-safe: one thread stages and flushes.
class StagingBufferManager {
public:
    /// LogicError for null arguments or an allocator of another device; VulkanException when
    /// its timeline semaphore cannot be created.
    /// Its staging memory is its own, each block freed once its batch has completed.
    StagingBufferManager(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator);
    /// A manager drawing on `transfer`'s staging arena (its budget and its blocks, reused
    /// across batches: once warm, staging allocates nothing), whose waits poll for the
    /// transfer's `wait_spin` before they sleep. `transfer` may be destroyed before the
    /// manager. VulkanException when the timeline semaphore cannot be created.
    explicit StagingBufferManager(const Transfer &transfer);
    /// Bounded: with batches still pending, waits until the device is idle (Device::wait_idle,
    /// which also waits for other work on it), then frees every batch, submitted or not. Where
    /// that wait fails (not a device loss), the staging blocks of pending batches and the
    /// destinations the manager holds for them stay, the blocks never reused: they are freed
    /// once their batch has run, or with the staging memory (the Transfer's arena, after its
    /// last user), after the device is idle. Never throws.
    ~StagingBufferManager();
    StagingBufferManager(const StagingBufferManager &) = delete;
    StagingBufferManager &operator=(const StagingBufferManager &) = delete;

    /// Stages `data` for `buffer` from element `first_element` on; the manager shares the
    /// buffer until the batch completes. LogicError (nothing staged) when the buffer is null or
    /// of another device, the range does not fit, or the buffer lacks TransferDstUsage;
    /// OutOfMemoryError when the staging memory does not fit. An empty span stages nothing.
    /// @tparam BufferType a device-local or host-visible Buffer type with TransferDstUsage.
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void stage(std::shared_ptr<BufferType> buffer, std::span<const typename BufferType::type> data,
               std::size_t first_element = 0) {
        using T = typename BufferType::type;
        if (buffer) check_elements(buffer->size(), first_element, data.size());
        stage_bytes(std::move(buffer), std::as_bytes(data), first_element * sizeof(T));
    }

    /// As above, for the std::unique_ptr that Allocator::allocate() returns: the manager takes
    /// the buffer over (`buffer` is empty afterwards) when a copy is staged, and keeps it alive
    /// until the batch completes. When nothing is staged (an empty span, or an error) the
    /// buffer stays yours.
    /// @tparam BufferType a device-local or host-visible Buffer type with TransferDstUsage.
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void stage(std::unique_ptr<BufferType> &&buffer, std::span<const typename BufferType::type> data,
               std::size_t first_element = 0) {
        using T = typename BufferType::type;
        if (buffer) check_elements(buffer->size(), first_element, data.size());
        const vk::DeviceSize offset = first_element * sizeof(T);
        Staged staging = prepare_buffer(buffer.get(), std::as_bytes(data), offset);
        if (staging.empty()) return;
        add_buffer_copy(std::move(staging), std::shared_ptr<BufferBase>(std::move(buffer)), offset);
    }

    /// Byte-level form of stage(); `offset` in bytes.
    void stage_bytes(std::shared_ptr<BufferBase> buffer, std::span<const std::byte> bytes,
                     vk::DeviceSize offset);

    /// Stages the tightly packed texels of one mip level of one array layer; flush() moves the
    /// subresource from `current_layout` to `final_layout` around the copy. The manager shares
    /// the image until the batch completes. LogicError (nothing staged) as for
    /// Transfer::upload(image, ...), and for a null image.
    void stage(std::shared_ptr<Image> image, std::span<const std::byte> texels, MipLevel level,
               ArrayLayer layer, vk::ImageLayout final_layout = vk::ImageLayout::eShaderReadOnlyOptimal,
               vk::ImageLayout current_layout = vk::ImageLayout::eUndefined);

    /// As above, for the std::unique_ptr that ImageBuilder::build() returns: taken over
    /// (`image` is empty afterwards) once the copy is staged; on an error it stays yours.
    void stage(std::unique_ptr<Image> &&image, std::span<const std::byte> texels, MipLevel level,
               ArrayLayer layer, vk::ImageLayout final_layout = vk::ImageLayout::eShaderReadOnlyOptimal,
               vk::ImageLayout current_layout = vk::ImageLayout::eUndefined);

    /// Records every staged copy into `commands` (which must be recording) and returns the
    /// batch: its signal goes into that submission's signal list. With nothing staged, records
    /// nothing and returns an empty StagingFlush (false, no signal). Also frees what completed
    /// batches held. LogicError (the copies stay staged) for an empty command buffer.
    [[nodiscard]] StagingFlush flush(CommandBuffer &commands);
    /// Same, with the barriers `tracker` works out: each destination is requested as a copy
    /// write (images in eTransferDstOptimal, from the layout the tracker knows; the layouts given
    /// to stage() are not used) and left so in the tracker, so that making it ready for the
    /// next use (a compute shader's read, sampling) is one ResourceTracker::request. LogicError
    /// (the copies stay staged, nothing recorded) for an empty or idle command buffer.
    [[nodiscard]] StagingFlush flush(CommandBuffer &commands, ResourceTracker &tracker);

    /// The ticket of a batch `flush` returned: ready once the submission that carries its
    /// signal has completed. A ready ticket for an empty flush. The ticket shares the manager's
    /// timeline semaphore and may outlive the manager. LogicError for a flush of another
    /// manager.
    [[nodiscard]] TransferTicket ticket(const StagingFlush &flush) const;
    /// Copies staged and not flushed yet.
    [[nodiscard]] std::size_t staged() const noexcept;
    /// Flushed batches whose submission has not completed (as of the last check).
    [[nodiscard]] std::size_t in_flight() const noexcept;
    /// Frees the staging memory and destinations of batches that have completed.
    /// DeviceLostError on device loss.
    void release_completed();

private:
    friend class TransferBatch;

    // Bytes staged in a block of the arena, which the copies of a batch share.
    struct Staged {
        std::shared_ptr<detail::StagingLease> block;
        vk::DeviceSize offset = 0;
        vk::DeviceSize size = 0;
        [[nodiscard]] bool empty() const noexcept { return !block; }
    };
    struct Copy;
    struct Batch {
        std::uint64_t value;
        std::vector<Copy> copies;
    };

    // The typed calls' range check (the one every Transfer entry point shares), out of line.
    static void check_elements(std::size_t size, std::size_t first, std::size_t count);
    // The blocks of a batch that has run, or never will, wait for nothing more.
    static void settle(const Batch &batch) noexcept;
    // When the device did not go idle: the batch's blocks are never reused nor waited for, and
    // its destinations go with them, once the batch has run or the device is idle.
    static void abandon(Batch &batch) noexcept;
    // Once the device is idle (or lost): every batch in flight settled.
    void settle_in_flight() noexcept;
    // Checks the destination and the range, and copies `bytes` into fresh staging memory (an
    // empty buffer when `bytes` is empty). Takes nothing over, so that a failure leaves the
    // caller's pointer as it was.
    [[nodiscard]] Staged prepare_buffer(const BufferBase *buffer, std::span<const std::byte> bytes,
                                        vk::DeviceSize offset);
    // Adds the copy, pinning the destination unless it is `borrowed` (see stage_borrowed()).
    void add_buffer_copy(Staged staging, std::shared_ptr<BufferBase> destination, vk::DeviceSize offset,
                         bool borrowed = false);
    // TransferBatch's stage: `buffer` stays the caller's, who may free it once the batch's
    // ticket is ready, before the manager hears of it; so it is not pinned (the pin would be
    // dropped on freed memory) but recorded at flush() as pending work of its allocator, which
    // keeps defragmentation off it until the copy's timeline value.
    void stage_borrowed(BufferBase &buffer, std::span<const std::byte> bytes, vk::DeviceSize offset);
    // Forgets the batch `flush` returned when its command buffer was never submitted, and
    // gives its staging back at once.
    void discard(const StagingFlush &flush) noexcept;
    [[nodiscard]] Staged prepare_image(const Image *image, std::span<const std::byte> texels,
                                       MipLevel level, ArrayLayer layer, vk::ImageLayout final_layout,
                                       vk::ImageLayout current_layout);
    // Copies `bytes` into the open block at an offset that is a multiple of `alignment`, or
    // into a new block when they do not fit.
    [[nodiscard]] Staged stage_into_block(std::span<const std::byte> bytes, vk::DeviceSize alignment);
    void add_image_copy(Staged staging, std::shared_ptr<Image> destination, MipLevel level,
                        ArrayLayer layer, vk::ImageLayout final_layout, vk::ImageLayout current_layout);
    // Records the staged copies with `tracker`'s barriers; `own_tracker`: the stage() layouts
    // and "any earlier or later work" stand for what the tracker does not know.
    [[nodiscard]] StagingFlush record(CommandBuffer &commands, ResourceTracker &tracker, bool own_tracker);

    std::shared_ptr<Device> m_device;
    std::shared_ptr<Allocator> m_allocator;
    std::shared_ptr<Semaphore> m_timeline;
    std::shared_ptr<detail::StagingArena> m_arena;
    // The block new stages are packed into, until a flush closes it.
    std::shared_ptr<detail::StagingLease> m_open;
    vk::DeviceSize m_open_used = 0;
    std::uint64_t m_next_value = 0;
    std::vector<Copy> m_staged;
    std::deque<Batch> m_in_flight;
};

} // namespace vw
