#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"

namespace vw {
namespace {

using Readback = ReadbackBuffer<std::uint32_t>;

// Fills the buffer with `value` on the GPU and makes the write visible to the host.
void record_fill(const CommandBuffer &commands, const Readback &buffer, std::uint32_t value) {
    commands.handle().fillBuffer(buffer.handle(), 0, VK_WHOLE_SIZE, value);
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eTransfer,
                                     vk::AccessFlagBits2::eTransferWrite,
                                     vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

class CommandPoolTests : public test::AllocatorTest {};

TEST_F(CommandPoolTests, RecordedCommandsRunOnTheQueue) {
    CommandPool pool(device, device->transfer_queue().family_index());
    EXPECT_TRUE(pool.handle());
    EXPECT_EQ(pool.family_index(), device->transfer_queue().family_index());
    auto buffer = allocator->allocate<Readback>(256);
    CommandBuffer commands = pool.allocate();
    commands.begin();
    record_fill(commands, *buffer, 0xC0FFEEU);
    commands.end();
    commands.submit_and_wait(device->transfer_queue());
    EXPECT_EQ(buffer->read_as_vector(0, 256), std::vector<std::uint32_t>(256, 0xC0FFEEU));
}

TEST_F(CommandPoolTests, BuffersAndPoolsCanBeResetAndReused) {
    CommandPool pool(device, device->compute_queue().family_index());
    auto buffer = allocator->allocate<Readback>(16);
    CommandBuffer commands = pool.allocate();
    for (std::uint32_t round = 1; round <= 3; ++round) {
        if (round == 2) commands.reset();
        if (round == 3) pool.reset();
        commands.begin();
        record_fill(commands, *buffer, round);
        commands.end();
        commands.submit_and_wait(device->compute_queue());
        EXPECT_EQ(buffer->read_as_vector(15, 1)[0], round);
    }
}

TEST_F(CommandPoolTests, UnknownFamilyIsALogicError) {
    const auto families = static_cast<std::uint32_t>(device->physical_device().queue_families().size());
    EXPECT_THROW(CommandPool(device, families), LogicError);
    EXPECT_THROW(CommandPool(nullptr, 0), LogicError);
}

TEST_F(CommandPoolTests, MovedFromObjectsAreEmpty) {
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    const vk::CommandBuffer handle = commands.handle();
    CommandBuffer moved(std::move(commands));
    EXPECT_FALSE(commands.handle());
    EXPECT_EQ(moved.handle(), handle);
    CommandPool moved_pool(std::move(pool));
    EXPECT_FALSE(pool.handle());
    EXPECT_THROW((void)pool.allocate(), LogicError);
    EXPECT_TRUE(moved_pool.handle());
}

TEST_F(CommandPoolTests, CommandBuffersKeepTheirPoolAlive) {
    auto buffer = allocator->allocate<Readback>(4);
    std::optional<CommandBuffer> commands;
    {
        CommandPool pool(device, device->compute_queue().family_index());
        commands.emplace(pool.allocate());
    } // the pool object is gone; the VkCommandPool lives on with its buffer
    commands->begin();
    record_fill(*commands, *buffer, 7);
    commands->end();
    commands->submit_and_wait(device->compute_queue());
    EXPECT_EQ(buffer->read_as_vector(3, 1)[0], 7U);
}

TEST_F(CommandPoolTests, SeveralBuffersComeFromOneAllocation) {
    CommandPool pool(device, device->compute_queue().family_index());
    std::vector<CommandBuffer> buffers = pool.allocate(3);
    ASSERT_EQ(buffers.size(), 3U);
    EXPECT_NE(buffers[0].handle(), buffers[1].handle());
    EXPECT_NE(buffers[1].handle(), buffers[2].handle());
    EXPECT_NE(buffers[0].handle(), buffers[2].handle());
    std::vector<std::unique_ptr<Readback>> targets;
    for (std::uint32_t i = 0; i < buffers.size(); ++i) {
        targets.push_back(allocator->allocate<Readback>(64));
        buffers[i].begin();
        record_fill(buffers[i], *targets.back(), 100U + i);
        buffers[i].end();
        buffers[i].submit_and_wait(device->compute_queue());
        EXPECT_EQ(targets.back()->read_as_vector(0, 64), std::vector<std::uint32_t>(64, 100U + i));
    }
    EXPECT_EQ(buffers[2].family_index(), pool.family_index());
}

TEST_F(CommandPoolTests, AZeroCountOrAnEmptyPoolIsALogicError) {
    CommandPool pool(device, device->compute_queue().family_index());
    EXPECT_THROW((void)pool.allocate(0), LogicError);
    CommandPool taken = std::move(pool);
    EXPECT_FALSE(pool.handle());
    EXPECT_EQ(pool.device(), nullptr);
    EXPECT_THROW((void)pool.allocate(2), LogicError);
    EXPECT_THROW(pool.reset(), LogicError);
    EXPECT_EQ(taken.allocate(2).size(), 2U);
}

} // namespace
} // namespace vw
