#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

using Readback = ReadbackBuffer<std::uint32_t>;

void record_fill(CommandBuffer &commands, const Readback &buffer, std::uint32_t value) {
    commands.begin();
    commands.handle().fillBuffer(buffer.handle(), 0, VK_WHOLE_SIZE, value);
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eTransfer,
                                     vk::AccessFlagBits2::eTransferWrite,
                                     vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, barrier));
    commands.end();
}

class SubmissionTests : public test::AllocatorTest {};

TEST_F(SubmissionTests, SeveralCommandBuffersAFenceAndATimelineInOneSubmit) {
    Queue &queue = device->compute_queue();
    CommandPool pool(device, queue.family_index());
    std::vector<CommandBuffer> buffers = pool.allocate(3);
    std::vector<std::unique_ptr<Readback>> targets;
    Submission submission(queue);
    for (std::uint32_t i = 0; i < buffers.size(); ++i) {
        targets.push_back(allocator->allocate<Readback>(128));
        record_fill(buffers[i], *targets.back(), 7U * (i + 1));
        submission.addCommands(buffers[i]);
    }
    Semaphore timeline(device, 0);
    Fence fence(device);
    submission.addSignal(timeline, 5).submit(fence);
    EXPECT_TRUE(fence.wait());
    EXPECT_TRUE(timeline.wait(5));
    EXPECT_EQ(timeline.value(), 5U);
    for (std::uint32_t i = 0; i < targets.size(); ++i) {
        EXPECT_EQ(targets[i]->read_as_vector(0, 128), std::vector<std::uint32_t>(128, 7U * (i + 1)));
    }
}

TEST_F(SubmissionTests, WaitsHoldTheCommandsUntilTheSemaphoreReachesTheValue) {
    Queue &queue = device->compute_queue();
    CommandPool pool(device, queue.family_index());
    CommandBuffer commands = pool.allocate();
    auto target = allocator->allocate<Readback>(16);
    target->write(std::vector<std::uint32_t>(16, 0U), 0);
    record_fill(commands, *target, 42U);
    Semaphore gate(device, 0);
    Semaphore done(device, 0);
    Submission(queue)
        .addCommands(commands)
        .addWait(gate, 1, vk::PipelineStageFlagBits2::eTransfer)
        .addSignal(done, 1)
        .submit();
    EXPECT_FALSE(done.wait(1, std::chrono::nanoseconds(0))); // a poll: it cannot have run
    EXPECT_EQ(done.value(), 0U);
    gate.signal(1); // from the host: now the fill may run
    EXPECT_TRUE(done.wait(1));
    EXPECT_EQ(target->read_as_vector(0, 16), std::vector<std::uint32_t>(16, 42U));
}

TEST_F(SubmissionTests, ABareReadyMadeWaitIsSkippedAndBadInputIsALogicError) {
    Queue &queue = device->compute_queue();
    CommandPool pool(device, queue.family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.end();
    Fence fence(device);
    // A ticket that needed no GPU work has a null semaphore: waiting on it is a no-op.
    Submission(queue).addCommands(commands).addWait(vk::SemaphoreSubmitInfo{}).submit(fence);
    EXPECT_TRUE(fence.wait());

    Semaphore semaphore(device, 0);
    Semaphore moved_semaphore = std::move(semaphore);
    EXPECT_THROW(Submission(queue).addWait(semaphore, 1), LogicError);
    EXPECT_THROW(Submission(queue).addSignal(semaphore, 1), LogicError);
    EXPECT_THROW(Submission(queue).addSignal(vk::SemaphoreSubmitInfo{}), LogicError);
    CommandBuffer moved_commands = std::move(commands);
    EXPECT_THROW(Submission(queue).addCommands(commands), LogicError);
    Fence moved_fence = std::move(fence);
    EXPECT_THROW(Submission(queue).addCommands(moved_commands).submit(fence), LogicError);
    EXPECT_THROW(Submission(queue).submit(), LogicError); // nothing at all to submit
    for (Queue *other : device->queues()) {
        if (other->family_index() == queue.family_index()) continue;
        EXPECT_THROW(Submission(*other).addCommands(moved_commands), LogicError);
    }
}

} // namespace
} // namespace vw
