#include "VulkanWrapper/Vulkan/Queue.h"

#include "VulkanWrapper/Utils/Error.h"

namespace vw {

Queue::Queue(vk::Queue handle, std::uint32_t family_index, vk::QueueFlags flags,
             const vk::DispatchLoaderDynamic &dispatcher)
    : m_handle(handle)
    , m_family_index(family_index)
    , m_flags(flags)
    , m_dispatcher(&dispatcher) {}

vk::Queue Queue::handle() const noexcept { return m_handle; }

std::uint32_t Queue::family_index() const noexcept { return m_family_index; }

vk::QueueFlags Queue::flags() const noexcept { return m_flags; }

namespace {

// check() that records a device loss in the device's flag.
void check_lost(std::atomic<bool> *lost, vk::Result result, const char *operation,
                std::source_location location = std::source_location::current()) {
    if (result == vk::Result::eErrorDeviceLost && lost) lost->store(true, std::memory_order_release);
    check(result, operation, location);
}

void throw_if_lost(const std::atomic<bool> *lost, const char *operation) {
    if (lost && lost->load(std::memory_order_acquire)) [[unlikely]] {
        throw DeviceLostError(std::string(operation) + " (the device was lost earlier)");
    }
}

} // namespace

void Queue::submit(std::span<const vk::SubmitInfo2> submits, vk::Fence fence) {
    throw_if_lost(m_lost, "vkQueueSubmit2");
    std::lock_guard lock(m_mutex);
    check_lost(m_lost, m_handle.submit2(static_cast<std::uint32_t>(submits.size()), submits.data(), fence,
                                        *m_dispatcher),
               "vkQueueSubmit2");
}

void Queue::submit(std::span<const vk::SubmitInfo> submits, vk::Fence fence) {
    throw_if_lost(m_lost, "vkQueueSubmit");
    std::lock_guard lock(m_mutex);
    check_lost(m_lost, m_handle.submit(static_cast<std::uint32_t>(submits.size()), submits.data(), fence),
               "vkQueueSubmit");
}

void Queue::wait_idle() {
    throw_if_lost(m_lost, "vkQueueWaitIdle");
    std::lock_guard lock(m_mutex);
    check_lost(m_lost, static_cast<vk::Result>(vkQueueWaitIdle(m_handle)), "vkQueueWaitIdle");
}

} // namespace vw
