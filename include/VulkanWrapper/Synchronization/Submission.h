#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace vw {

class CommandBuffer;
class Fence;
class Queue;
class Semaphore;

/// One vkQueueSubmit2 of any number of command buffers, with semaphore waits and signals and
/// an optional fence, all given as library objects:
///
///     Submission(queue).addCommands(first).addCommands(second)
///         .addWait(*ticket_semaphore, value).addSignal(timeline, 2).submit(fence);
///
/// Holds references: the objects must outlive submit(), and, as Vulkan requires, the command
/// buffers and semaphores must outlive the work on the device. Not thread-safe (the queue's
/// own submission is).
class Submission {
public:
    /// A submission to `queue`.
    explicit Submission(Queue &queue) noexcept;

    /// Appends a recorded command buffer; they run in the order added.
    Submission &addCommands(const CommandBuffer &commands);
    /// Waits, at `stages`, until timeline `semaphore` reaches `value` before the commands run.
    Submission &addWait(const Semaphore &semaphore, std::uint64_t value,
                        vk::PipelineStageFlags2 stages = vk::PipelineStageFlagBits2::eAllCommands);
    /// Waits on a ready-made entry (such as TransferTicket::wait_info()); an entry with a null
    /// semaphore (a ticket that needed no GPU work) is skipped.
    Submission &addWait(const vk::SemaphoreSubmitInfo &wait);
    /// Sets timeline `semaphore` to `value` once the commands have completed `stages`.
    Submission &addSignal(const Semaphore &semaphore, std::uint64_t value,
                          vk::PipelineStageFlags2 stages = vk::PipelineStageFlagBits2::eAllCommands);

    /// Signals a ready-made entry (such as the one StagingBufferManager::flush() returns). An
    /// entry with a null semaphore is a LogicError: there is nothing it could signal.
    Submission &addSignal(const vk::SemaphoreSubmitInfo &signal);

    /// Waits on each entry of `waits` as addWait(entry) does (null semaphores are skipped).
    Submission &addWaits(std::span<const vk::SemaphoreSubmitInfo> waits);
    /// Signals each entry of `signals` (such as StagingFlush::signals(): none when nothing was
    /// staged); an entry with a null semaphore is a LogicError, nothing added.
    Submission &addSignals(std::span<const vk::SemaphoreSubmitInfo> signals);

    /// Submits everything added, with nothing to signal on the host.
    void submit() const;
    /// Submits everything added and signals `fence` when it completes (the fence must be
    /// unsignalled and not in use).
    void submit(const Fence &fence) const;

private:
    void submit(vk::Fence fence, const char *operation) const;

    Queue *m_queue;
    std::vector<const CommandBuffer *> m_commands;
    std::vector<vk::SemaphoreSubmitInfo> m_waits;
    std::vector<vk::SemaphoreSubmitInfo> m_signals;
};

} // namespace vw
