#include <gtest/gtest.h>

#include <chrono>

#include <fcntl.h>
#include <unistd.h>

#include "Support/FaultInjection.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Vulkan/Queue.h"

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
    Submission(device->compute_queue()).addCommands(commands).submit(fence);
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

TEST_F(SynchronizationTests, AWaitSpinPollsTheCounterThenSleepsForTheRest) {
    Semaphore semaphore(device, 3);
    EXPECT_EQ(semaphore.wait_spin(), 0ns);
    semaphore.set_wait_spin(-5ms);
    EXPECT_EQ(semaphore.wait_spin(), 0ns);
    semaphore.set_wait_spin(1ms);
    EXPECT_EQ(semaphore.wait_spin(), 1ms);
    const bool counted = test::fault::available();
    if (counted) test::fault::reset();
    EXPECT_TRUE(semaphore.wait(3));
    if (counted) {
        EXPECT_EQ(test::fault::calls("vkGetSemaphoreCounterValue"), 1U) << "a reached value is seen by the first poll";
        EXPECT_EQ(test::fault::calls("vkWaitSemaphores"), 0U) << "and never sleeps";
        test::fault::reset();
    }
    EXPECT_FALSE(semaphore.wait(4, 0ns));
    if (counted) {
        EXPECT_EQ(test::fault::calls("vkGetSemaphoreCounterValue"), 0U) << "a zero timeout does not poll";
        EXPECT_EQ(test::fault::calls("vkWaitSemaphores"), 1U);
        test::fault::reset();
    }
    EXPECT_FALSE(semaphore.wait(4, 20ms));
    if (counted) {
        EXPECT_GE(test::fault::calls("vkGetSemaphoreCounterValue"), 1U) << "polls for the spin";
        EXPECT_EQ(test::fault::calls("vkWaitSemaphores"), 1U) << "then sleeps for the rest of the timeout";
    }
    // A timeout shorter than the spin: polls until the timeout, then one last zero-timeout wait.
    if (counted) test::fault::reset();
    EXPECT_FALSE(semaphore.wait(4, 100us));
    if (counted) {
        EXPECT_GE(test::fault::calls("vkGetSemaphoreCounterValue"), 1U);
        EXPECT_EQ(test::fault::calls("vkWaitSemaphores"), 1U);
    }
    semaphore.signal(4);
    EXPECT_TRUE(semaphore.wait(4, 20ms));

    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.end();
    const vk::SemaphoreSubmitInfo signal = semaphore.submit_info(9);
    commands.submit(device->compute_queue(), {}, std::span(&signal, 1));
    EXPECT_TRUE(semaphore.wait(9));
    EXPECT_EQ(semaphore.value(), 9U);
    Semaphore moved(std::move(semaphore));
    EXPECT_EQ(moved.wait_spin(), 1ms);
    EXPECT_TRUE(moved.wait(9, 0ns));
}

TEST_F(SynchronizationTests, SubmissionWaitsOnAHostSignalAndSignalsTheTimeline) {
    // The host signals before the submission: a wait submitted before its signal
    // ("wait-before-signal") trips a known timeout in the 1.3.239 validation layer.
    Semaphore semaphore(device, 0);
    semaphore.signal(5);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.end();
    const vk::SemaphoreSubmitInfo wait = semaphore.submit_info(5);
    const vk::SemaphoreSubmitInfo signal = semaphore.submit_info(6);
    commands.submit(device->compute_queue(), std::span(&wait, 1), std::span(&signal, 1));
    EXPECT_TRUE(semaphore.wait(6));
    EXPECT_EQ(semaphore.value(), 6U);
    EXPECT_THROW(semaphore.signal(6), LogicError);
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

TEST_F(SynchronizationTests, ExportedTimelineSemaphoreIsSharedOrNotSupported) {
    UniqueFd unrelated(::dup(STDERR_FILENO));
    const int raw = unrelated.get();
    if (!Semaphore::supports_fd(*device)) {
        // Lavapipe: no VK_KHR_external_semaphore_fd. Nothing is created; the caller keeps its fd.
        EXPECT_THROW((void)Semaphore::exportable(device, 1), NotSupportedError);
        EXPECT_THROW((void)Semaphore::import_fd(device, unrelated), NotSupportedError);
        EXPECT_EQ(unrelated.get(), raw);
        EXPECT_NE(::fcntl(raw, F_GETFD), -1);
        return;
    }
    Semaphore exported = Semaphore::exportable(device, 1);
    UniqueFd fd = exported.export_fd();
    ASSERT_TRUE(fd.valid());
    Semaphore imported = Semaphore::import_fd(device, fd);
    EXPECT_FALSE(fd.valid());
    // A submission signals it: the 1.3.239 validation layer wrongly rejects a host signal of a
    // semaphore whose payload was exported (VUID-VkSemaphoreSignalInfo-value-03259,
    // Vulkan-ValidationLayers #8212).
    const vk::SemaphoreSubmitInfo signal = exported.submit_info(5);
    const vk::SubmitInfo2 submit({}, {}, {}, signal);
    device->compute_queue().submit(std::span(&submit, 1));
    EXPECT_TRUE(imported.wait(5, 1s));
    EXPECT_EQ(imported.value(), 5U);
    device->compute_queue().wait_idle(); // the layer retires the submission only so
}

TEST_F(SynchronizationTests, ExportingNeedsAnExportableSemaphore) {
    Semaphore plain(device, 0);
    EXPECT_THROW((void)plain.export_fd(), LogicError);
    UniqueFd empty;
    EXPECT_THROW((void)Semaphore::import_fd(device, empty), LogicError);
}

} // namespace
} // namespace vw
