#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/SubmitTimeline.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

using Readback = ReadbackBuffer<std::uint32_t>;

// Fills `buffer` with `value`, after every earlier write on the queue, visible to the host.
void record_fill(CommandBuffer &commands, const Readback &buffer, std::uint32_t value) {
    commands.begin();
    const vk::MemoryBarrier2 before(vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                                    vk::PipelineStageFlagBits2::eClear, vk::AccessFlagBits2::eTransferWrite);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, before));
    commands.handle().fillBuffer(buffer.handle(), 0, VK_WHOLE_SIZE, value);
    const vk::MemoryBarrier2 after(vk::PipelineStageFlagBits2::eClear, vk::AccessFlagBits2::eTransferWrite,
                                   vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, after));
    commands.end();
}

class SubmitTimelineTests : public test::AllocatorTest {};

TEST_F(SubmitTimelineTests, UnsignalledSubmissionsTakeNoValueAndTheNextSignalCoversThem) {
    Queue &queue = device->compute_queue();
    detail::SubmitTimeline timeline(device, queue);
    CommandPool pool(device, queue.family_index());
    std::vector<CommandBuffer> buffers = pool.allocate(3);
    std::vector<std::unique_ptr<Readback>> targets;
    for (std::uint32_t i = 0; i < buffers.size(); ++i) {
        targets.push_back(allocator->allocate<Readback>(256));
        targets.back()->write(std::vector<std::uint32_t>(256, 0U), 0);
        record_fill(buffers[i], *targets.back(), 11U * (i + 1));
    }

    timeline.submit_unsignalled(buffers[0]);
    timeline.submit_unsignalled(buffers[1]);
    EXPECT_EQ(timeline.last_submitted(), 0U);
    const std::uint64_t covering = timeline.signal();
    EXPECT_EQ(covering, 1U);
    EXPECT_EQ(timeline.last_submitted(), 1U);
    timeline.wait(covering);
    EXPECT_GE(timeline.completed(), covering);
    EXPECT_EQ(targets[0]->read_as_vector(0, 256), std::vector<std::uint32_t>(256, 11U));
    EXPECT_EQ(targets[1]->read_as_vector(0, 256), std::vector<std::uint32_t>(256, 22U));

    // A signalled submission after them takes the next value.
    timeline.submit_unsignalled(buffers[2]);
    const std::uint64_t second = timeline.signal();
    EXPECT_EQ(second, 2U);
    timeline.wait(second);
    EXPECT_EQ(targets[2]->read_as_vector(0, 256), std::vector<std::uint32_t>(256, 33U));
}

TEST_F(SubmitTimelineTests, ASignalWithNothingBeforeItCompletes) {
    Queue &queue = device->compute_queue();
    detail::SubmitTimeline timeline(device, queue);
    const std::uint64_t value = timeline.signal();
    timeline.wait(value);
    EXPECT_EQ(timeline.completed(), value);
    EXPECT_TRUE(timeline.ticket(value).ready());
}

} // namespace
} // namespace vw
