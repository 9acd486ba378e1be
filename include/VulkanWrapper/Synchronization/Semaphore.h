#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/OwnedHandle.h"
#include "VulkanWrapper/Utils/UniqueFd.h"

namespace vw {

class Device;

/// A timeline semaphore: a 64-bit counter that submissions signal and wait on, and that the
/// host can read, wait on and signal. Move-only; a moved-from semaphore is empty (its methods
/// throw LogicError). Keeps its
/// Device alive. Thread-safe, like the Vulkan object, except set_wait_spin().
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
    /// With a wait spin set, it first polls the counter (vkGetSemaphoreCounterValue) for up to
    /// that long, then sleeps in vkWaitSemaphores for the rest. DeviceLostError on device loss,
    /// VulkanException when the wait fails.
    bool wait(std::uint64_t target,
              std::chrono::nanoseconds timeout = std::chrono::nanoseconds::max()) const;
    /// How long later wait() calls poll the counter before they sleep (0, the default, never
    /// polls): for waits expected to end within microseconds, where the driver's wake-up after
    /// a sleep would cost more than the wait. Negative values count as 0. Not thread-safe
    /// against concurrent wait() calls: set it before the semaphore is shared.
    void set_wait_spin(std::chrono::nanoseconds spin) noexcept;
    /// The current wait spin.
    [[nodiscard]] std::chrono::nanoseconds wait_spin() const noexcept { return m_spin; }
    /// Sets the counter to `target` from the host. A `target` not above the current value is a
    /// LogicError, with nothing changed; it must also be below any value a pending submission
    /// will signal (Vulkan's rule; the validation layer reports a breach).
    void signal(std::uint64_t target);
    /// A submit-info entry for vkQueueSubmit2 waiting on or signalling `value` at `stages`.
    [[nodiscard]] vk::SemaphoreSubmitInfo submit_info(
        std::uint64_t target,
        vk::PipelineStageFlags2 stages = vk::PipelineStageFlagBits2::eAllCommands) const noexcept;

    /// True when `device` can export and import timeline semaphores as opaque file descriptors:
    /// it has VK_KHR_external_semaphore_fd (enabled wherever present) and the driver reports
    /// both for timeline semaphores. Lavapipe cannot. VulkanException only for a driver failure.
    [[nodiscard]] static bool supports_fd(const Device &device);
    /// Creates a timeline semaphore starting at `initial_value` whose payload can be exported
    /// with export_fd(), so that another device, process or API (CUDA) waits on and signals
    /// it. NotSupportedError, nothing created, when supports_fd() is false; VulkanException on
    /// failure.
    [[nodiscard]] static Semaphore exportable(std::shared_ptr<Device> device,
                                              std::uint64_t initial_value = 0);
    /// A new opaque file descriptor of the payload, owned by the caller (each call returns one
    /// of its own). LogicError when empty or not created by exportable(); VulkanException when
    /// the driver fails (nothing left open).
    [[nodiscard]] UniqueFd export_fd() const;
    /// A timeline semaphore sharing the payload of `fd` (from export_fd() here, in another
    /// process, or from another API). On success `fd` is empty: Vulkan owns the descriptor. On
    /// failure `fd` is left open and untouched: LogicError for an empty or closed descriptor,
    /// NotSupportedError when supports_fd() is false, VulkanException when the driver refuses
    /// it.
    [[nodiscard]] static Semaphore import_fd(std::shared_ptr<Device> device, UniqueFd &fd);

private:
    // Creates a timeline semaphore; `export_fd` chains VkExportSemaphoreCreateInfo.
    Semaphore(std::shared_ptr<Device> device, std::uint64_t initial_value, bool export_fd);
    const Device &device_or_throw(const char *operation) const;

    OwnedHandle<vk::UniqueSemaphore, Device> m_semaphore;
    bool m_exportable = false;
    std::chrono::nanoseconds m_spin{0};
};

} // namespace vw
