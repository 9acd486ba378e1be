#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"

namespace vw {
namespace {

using namespace std::chrono_literals;

class SynchronizationTests : public test::VulkanTest {};

TEST_F(SynchronizationTests, FenceFollowsItsSubmission) {
    Fence fence(device);
    EXPECT_FALSE(fence.is_signaled());
    EXPECT_FALSE(fence.wait(0ns));
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.end();
    commands.submit(device->compute_queue(), {}, {}, fence.handle());
    EXPECT_TRUE(fence.wait());
    EXPECT_TRUE(fence.is_signaled());
    fence.reset();
    EXPECT_FALSE(fence.is_signaled());
    EXPECT_TRUE(Fence(device, true).is_signaled());
}

TEST_F(SynchronizationTests, TimelineSemaphoreOnTheHost) {
    Semaphore semaphore(device, 3);
    EXPECT_EQ(semaphore.value(), 3U);
    EXPECT_TRUE(semaphore.wait(3, 0ns));
    EXPECT_FALSE(semaphore.wait(4, 1ms));
    semaphore.signal(10);
    EXPECT_EQ(semaphore.value(), 10U);
    EXPECT_THROW(semaphore.signal(10), LogicError);
    EXPECT_THROW(semaphore.signal(2), LogicError);
    EXPECT_EQ(semaphore.value(), 10U);
}

TEST_F(SynchronizationTests, SubmissionWaitsForTheHostAndSignalsTheTimeline) {
    Semaphore semaphore(device, 0);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.end();
    const vk::SemaphoreSubmitInfo wait = semaphore.submit_info(5);
    const vk::SemaphoreSubmitInfo signal = semaphore.submit_info(6);
    commands.submit(device->compute_queue(), std::span(&wait, 1), std::span(&signal, 1));
    EXPECT_FALSE(semaphore.wait(6, 5ms)); // held back by the wait on 5
    std::thread host([&] { semaphore.signal(5); });
    EXPECT_TRUE(semaphore.wait(6));
    host.join();
    EXPECT_EQ(semaphore.value(), 6U);
}

TEST_F(SynchronizationTests, MovedFromObjectsAreEmptyAndNullDevicesRejected) {
    Fence fence(device);
    Fence other(std::move(fence));
    EXPECT_FALSE(fence.handle());
    EXPECT_TRUE(other.handle());
    Semaphore semaphore(device);
    Semaphore moved(std::move(semaphore));
    EXPECT_FALSE(semaphore.handle());
    EXPECT_TRUE(moved.handle());
    EXPECT_THROW(Fence(nullptr), LogicError);
    EXPECT_THROW(Semaphore(nullptr), LogicError);
}

} // namespace
} // namespace vw
