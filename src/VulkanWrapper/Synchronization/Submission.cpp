#include "VulkanWrapper/Synchronization/Submission.h"

#include <string>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

Submission::Submission(Queue &queue) noexcept
    : m_queue(&queue) {}

Submission &Submission::addCommands(const CommandBuffer &commands) {
    if (commands.empty()) throw LogicError("Submission::addCommands: the command buffer is empty");
    if (commands.family_index() != m_queue->family_index()) {
        throw LogicError("Submission::addCommands: the buffer belongs to queue family " +
                         std::to_string(commands.family_index()) + ", the queue to family " +
                         std::to_string(m_queue->family_index()));
    }
    m_commands.push_back(&commands);
    return *this;
}

namespace {

vk::SemaphoreSubmitInfo entry_of(const Semaphore &semaphore, std::uint64_t value,
                                 vk::PipelineStageFlags2 stages, const char *operation) {
    if (!semaphore.handle()) throw LogicError(std::string(operation) + ": the semaphore is empty");
    return semaphore.submit_info(value, stages);
}

} // namespace

Submission &Submission::addWait(const Semaphore &semaphore, std::uint64_t value,
                                vk::PipelineStageFlags2 stages) {
    m_waits.push_back(entry_of(semaphore, value, stages, "Submission::addWait"));
    return *this;
}

Submission &Submission::addWait(const vk::SemaphoreSubmitInfo &wait) {
    if (wait.semaphore) m_waits.push_back(wait);
    return *this;
}

Submission &Submission::addSignal(const Semaphore &semaphore, std::uint64_t value,
                                  vk::PipelineStageFlags2 stages) {
    m_signals.push_back(entry_of(semaphore, value, stages, "Submission::addSignal"));
    return *this;
}

Submission &Submission::addSignal(const vk::SemaphoreSubmitInfo &signal) {
    if (!signal.semaphore) throw LogicError("Submission::addSignal: the entry has no semaphore");
    m_signals.push_back(signal);
    return *this;
}

Submission &Submission::addWaits(std::span<const vk::SemaphoreSubmitInfo> waits) {
    for (const auto &wait : waits) addWait(wait);
    return *this;
}

Submission &Submission::addSignals(std::span<const vk::SemaphoreSubmitInfo> signals) {
    for (const auto &signal : signals) {
        if (!signal.semaphore) throw LogicError("Submission::addSignals: an entry has no semaphore");
    }
    m_signals.insert(m_signals.end(), signals.begin(), signals.end());
    return *this;
}

void Submission::submit() const { submit(vk::Fence{}, "Submission::submit"); }

void Submission::submit(const Fence &fence) const {
    if (!fence.handle()) throw LogicError("Submission::submit: the fence is empty");
    submit(fence.handle(), "Submission::submit");
}

void Submission::submit(vk::Fence fence, const char *operation) const {
    if (m_commands.empty() && m_waits.empty() && m_signals.empty() && !fence) {
        throw LogicError(std::string(operation) + ": nothing to submit");
    }
    std::vector<vk::CommandBufferSubmitInfo> buffers;
    buffers.reserve(m_commands.size());
    for (const CommandBuffer *commands : m_commands) buffers.emplace_back(commands->handle());
    const vk::SubmitInfo2 info({}, m_waits, buffers, m_signals);
    m_queue->submit(std::span(&info, 1), fence);
}

} // namespace vw
