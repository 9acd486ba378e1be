#include "Support/SlowFill.h"

#include <span>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw::test {

SlowFill::SlowFill(std::shared_ptr<Device> device, Allocator &allocator)
    : m_device(std::move(device))
    , m_scratch(allocator.allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(16 * 1024 * 1024))
    , m_pool(m_device, m_device->compute_queue().family_index())
    , m_commands(m_pool.allocate()) {}

void SlowFill::submit(const BufferBase &buffer, std::uint32_t value, Semaphore &semaphore, std::uint64_t signal) {
    m_commands.begin();
    m_commands.handle().fillBuffer(m_scratch->handle(), 0, VK_WHOLE_SIZE, value);
    m_commands.handle().fillBuffer(buffer.handle(), 0, VK_WHOLE_SIZE, value);
    m_commands.end();
    const vk::SemaphoreSubmitInfo info = semaphore.submit_info(signal);
    m_commands.submit(m_device->compute_queue(), {}, std::span(&info, 1));
}

} // namespace vw::test
