#pragma once

#include <cstdint>
#include <memory>

#include <vulkan/vulkan.hpp>

namespace vw {

class Semaphore;

/// Marks the completion of an asynchronous transfer: a value of a timeline semaphore of the
/// Transfer that started it. Copyable; keeps the semaphore alive, so a ticket may outlive its
/// Transfer. A ticket for a transfer that needed no GPU work is ready at once. Thread-safe:
/// any number of threads may query and wait on the same ticket.
class TransferTicket {
public:
    /// A ticket that is ready (value 0).
    TransferTicket() = default;
    /// A ticket completed when timeline semaphore `timeline` reaches `value`: Transfer makes
    /// them, and you may for your own timeline, so that one kind of value stands for any wait.
    TransferTicket(std::shared_ptr<const Semaphore> timeline, std::uint64_t value) noexcept;

    /// True when the transfer has completed on the device. DeviceLostError on device loss.
    [[nodiscard]] bool ready() const;
    /// Waits until the transfer has completed. DeviceLostError on device loss.
    void wait() const;
    /// The timeline value that marks completion (0 when no GPU work was needed).
    [[nodiscard]] std::uint64_t value() const noexcept { return m_value; }
    /// The timeline semaphore (null when no GPU work was needed).
    [[nodiscard]] vk::Semaphore semaphore() const noexcept;
    /// An entry for the wait list of your own vkQueueSubmit2, so that your commands run after
    /// the transfer. A ready-made ticket has no semaphore: check semaphore() before adding it.
    [[nodiscard]] vk::SemaphoreSubmitInfo wait_info(
        vk::PipelineStageFlags2 stages = vk::PipelineStageFlagBits2::eAllCommands) const noexcept;

private:
    std::shared_ptr<const Semaphore> m_timeline;
    std::uint64_t m_value = 0;
};

} // namespace vw
