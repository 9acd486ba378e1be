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

void Queue::submit(std::span<const vk::SubmitInfo2> submits, vk::Fence fence) {
    std::lock_guard lock(m_mutex);
    check(m_handle.submit2(static_cast<std::uint32_t>(submits.size()), submits.data(), fence,
                           *m_dispatcher),
          "vkQueueSubmit2");
}

void Queue::submit(std::span<const vk::SubmitInfo> submits, vk::Fence fence) {
    std::lock_guard lock(m_mutex);
    check(m_handle.submit(static_cast<std::uint32_t>(submits.size()), submits.data(), fence),
          "vkQueueSubmit");
}

void Queue::wait_idle() {
    std::lock_guard lock(m_mutex);
    check(static_cast<vk::Result>(vkQueueWaitIdle(m_handle)), "vkQueueWaitIdle");
}

} // namespace vw
