#pragma once

#include <concepts>
#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Transfer/StagingBufferManager.h"
#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {

class Device;
class Queue;
class Transfer;

/// Many small buffer uploads in one submission. upload() copies the data into staging memory
/// at once (small copies packed side by side into blocks of the Transfer's staging arena) and
/// the caller's memory may be freed then; submit() records every copy into one command buffer
/// and submits it once, on the Transfer's queue, returning the ticket of the whole batch. A
/// staged copy on its own (Transfer::upload_async) costs a submission each: the driver's
/// submission and wake-up latency, tens of microseconds on a discrete GPU, against well under
/// one here for each further copy.
///
/// Every copy is a GPU copy from staging, made after the submission's `waits`, whatever the
/// destination's memory: for host-visible destinations the Transfer's direct writes are faster
/// still. Once warm (the staging blocks and command buffers of completed batches reused), a
/// batch allocates no memory and creates no command pool. Buffers only; batch image uploads
/// with a StagingBufferManager in your own command buffer.
///
/// Not thread-safe: one thread uploads and submits (use one batch per thread; they may share a
/// Transfer). The destinations must stay alive, in place (not moved from) and out of the GPU's
/// use until the ticket is ready; they may be freed as soon as it is. Until then the allocator's
/// defragment() leaves them where they are.
class TransferBatch {
public:
    /// A batch drawing on `transfer`'s staging arena and submitting on transfer.queue();
    /// `transfer` may be destroyed before the batch. VulkanException when its timeline
    /// semaphore or command pool cannot be created.
    explicit TransferBatch(const Transfer &transfer);
    /// Waits for the batches it submitted (DeviceLostError is swallowed: nothing runs then),
    /// then frees their staging memory and command buffers. Copies staged and never submitted
    /// are dropped.
    ~TransferBatch();
    TransferBatch(const TransferBatch &) = delete;
    TransferBatch &operator=(const TransferBatch &) = delete;

    /// Stages `data` for `buffer` from element `first_element` on; the copy runs at the next
    /// submit(). An empty span stages nothing. LogicError (nothing staged) when the range does
    /// not fit, the buffer is empty, of another device or lacks TransferDstUsage;
    /// OutOfMemoryError when no staging memory can be had; DeviceLostError on device loss.
    /// @tparam BufferType a Buffer type (any kind) with TransferDstUsage.
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void upload(BufferType &buffer, std::span<const typename BufferType::type> data, std::size_t first_element = 0) {
        using T = typename BufferType::type;
        StagingBufferManager::check_elements(buffer.size(), first_element, data.size());
        m_manager.stage_borrowed(buffer, std::as_bytes(data), first_element * sizeof(T));
    }

    /// Byte-level form of upload(); `offset` in bytes.
    void upload_bytes(BufferBase &buffer, std::span<const std::byte> bytes, vk::DeviceSize offset);

    /// Records every copy staged since the last submit() into one command buffer and submits
    /// it after `waits` (semaphore values your earlier submissions signal, TransferTicket::
    /// wait_info() among them); returns the ticket that marks when every copy has landed, with
    /// the copies' writes visible to any later work. With nothing staged, submits nothing and
    /// returns a ready ticket. VulkanException (DeviceLostError, OutOfMemoryError) on failure,
    /// with none of the copies run and the batch still usable: when the command buffer could
    /// not be reset, begun or recorded, the copies stay staged for the next submit(); when it
    /// could not be ended or submitted, they are dropped.
    [[nodiscard]] TransferTicket submit(std::span<const vk::SemaphoreSubmitInfo> waits = {});

    /// Copies staged and not submitted yet.
    [[nodiscard]] std::size_t staged() const noexcept;
    /// Submitted batches whose copies have not all completed (as of the last submit).
    [[nodiscard]] std::size_t in_flight() const noexcept;

private:
    struct Submitted {
        TransferTicket ticket;
        CommandBuffer commands;
    };

    // Frees, for reuse, the command buffers of batches that have completed.
    void reclaim();

    std::shared_ptr<Device> m_device;
    Queue *m_queue;
    StagingBufferManager m_manager;
    CommandPool m_pool;
    std::deque<Submitted> m_submitted;
    std::vector<CommandBuffer> m_idle;
};

} // namespace vw
