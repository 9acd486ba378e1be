#include "VulkanWrapper/Memory/PendingWork.h"

#include <algorithm>

#include "VulkanWrapper/Vulkan/Device.h"

namespace vw::detail {

bool PendingWork::completed(const Record &record) const {
    const std::shared_ptr<const void> alive = record.keepalive.lock();
    if (!alive) return true;
    std::uint64_t reached = 0;
    const VkResult result = m_device.dispatcher().vkGetSemaphoreCounterValue(
        m_device.handle(), static_cast<VkSemaphore>(record.semaphore), &reached);
    return result == VK_SUCCESS && reached >= record.value;
}

void PendingWork::add(VmaAllocation allocation, const std::shared_ptr<const void> &keepalive, vk::Semaphore semaphore,
                      std::uint64_t value) {
    const std::lock_guard lock(m_mutex);
    std::vector<Record> &records = m_records[allocation];
    const auto same = std::find_if(records.begin(), records.end(),
                                   [&](const Record &record) { return record.semaphore == semaphore; });
    if (same != records.end()) {
        same->keepalive = keepalive;
        same->value = std::max(same->value, value);
    } else {
        records.push_back({keepalive, semaphore, value});
    }
    if (m_records.size() >= m_sweep_at) sweep();
}

bool PendingWork::busy(VmaAllocation allocation) {
    const std::lock_guard lock(m_mutex);
    const auto found = m_records.find(allocation);
    if (found == m_records.end()) return false;
    std::erase_if(found->second, [&](const Record &record) { return completed(record); });
    if (!found->second.empty()) return true;
    m_records.erase(found);
    return false;
}

void PendingWork::sweep() {
    for (auto it = m_records.begin(); it != m_records.end();) {
        std::erase_if(it->second, [&](const Record &record) { return completed(record); });
        it = it->second.empty() ? m_records.erase(it) : std::next(it);
    }
    m_sweep_at = std::max<std::size_t>(256, 2 * m_records.size());
}

} // namespace vw::detail
