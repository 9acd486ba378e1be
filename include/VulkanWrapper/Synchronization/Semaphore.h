#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/OwnedHandle.h"

namespace vw {

class Device;

/// A timeline semaphore: a 64-bit counter that submissions signal and wait on, and that the
/// host can read, wait on and signal. Move-only; a moved-from semaphore is empty (its methods
/// throw LogicError). Keeps its
/// Device alive. Thread-safe, like the Vulkan object.
class Semaphore {
public:
    /// Creates a timeline semaphore starting at `initial_value`. VulkanException on failure.
    explicit Semaphore(std::shared_ptr<Device> device, std::uint64_t initial_value = 0);
    /// Takes the other one's semaphore, which is left empty.
    Semaphore(Semaphore &&) noexcept = default;
    /// Destroys the current semaphore, then takes the other one's, which is left empty.
    Semaphore &operator=(Semaphore &&) noexcept = default;
    /// Destroys the semaphore.
    ~Semaphore();

    /// The vk::Semaphore (null when empty).
    [[nodiscard]] vk::Semaphore handle() const noexcept { return *m_semaphore.get(); }
    /// The current counter value. VulkanException on device loss.
    [[nodiscard]] std::uint64_t value() const;
    /// Waits until the counter reaches `target` or `timeout` passes; returns false on timeout.
    bool wait(std::uint64_t target,
              std::chrono::nanoseconds timeout = std::chrono::nanoseconds::max()) const;
    /// Sets the counter to `target` from the host. A `target` not above the current value is a
    /// LogicError, with nothing changed; it must also be below any value a pending submission
    /// will signal (Vulkan's rule; the validation layer reports a breach).
    void signal(std::uint64_t target);
    /// A submit-info entry for vkQueueSubmit2 waiting on or signalling `value` at `stages`.
    [[nodiscard]] vk::SemaphoreSubmitInfo submit_info(
        std::uint64_t target,
        vk::PipelineStageFlags2 stages = vk::PipelineStageFlagBits2::eAllCommands) const noexcept;

private:
    const Device &device_or_throw(const char *operation) const;

    OwnedHandle<vk::UniqueSemaphore, Device> m_semaphore;
};

} // namespace vw
