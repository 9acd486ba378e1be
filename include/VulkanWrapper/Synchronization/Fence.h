#pragma once

#include <chrono>
#include <memory>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/OwnedHandle.h"

namespace vw {

class Device;

/// A VkFence. Move-only; a moved-from fence is empty (its methods throw LogicError). Keeps its
/// Device alive.
/// Not thread-safe: one thread waits on or resets a fence at a time (as Vulkan requires).
class Fence {
public:
    /// Creates a fence, signalled from the start if `signaled`. VulkanException on failure.
    explicit Fence(std::shared_ptr<Device> device, bool signaled = false);
    /// Takes the other one's fence, which is left empty.
    Fence(Fence &&) noexcept = default;
    /// Destroys the current fence, then takes the other one's, which is left empty.
    Fence &operator=(Fence &&) noexcept = default;
    /// Destroys the fence.
    ~Fence();

    /// The vk::Fence (null when empty).
    [[nodiscard]] vk::Fence handle() const noexcept { return *m_fence.get(); }
    /// True when the fence is signalled. VulkanException on device loss.
    [[nodiscard]] bool is_signaled() const;
    /// Waits until the fence is signalled or `timeout` passes; returns false on timeout.
    /// VulkanException on device loss.
    bool wait(std::chrono::nanoseconds timeout = std::chrono::nanoseconds::max()) const;
    /// Returns the fence to the unsignalled state. The fence must not be in use by a pending
    /// submission.
    void reset();

private:
    const Device &device_or_throw(const char *operation) const;

    OwnedHandle<vk::UniqueFence, Device> m_fence;
};

} // namespace vw
