#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {
namespace {

class QueueTests : public test::VulkanTest {
protected:
    vk::Fence make_fence() {
        const vk::FenceCreateInfo info;
        vk::Fence fence;
        check(device->handle().createFence(&info, nullptr, &fence), "vkCreateFence");
        return fence;
    }
};

TEST_F(QueueTests, SubmitSignalsTheFence) {
    const vk::Fence fence = make_fence();
    const vk::SubmitInfo2 submit;
    device->compute_queue().submit(std::span(&submit, 1), fence);
    check(device->handle().waitForFences(1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    EXPECT_EQ(device->handle().getFenceStatus(fence), vk::Result::eSuccess);
    device->handle().destroyFence(fence);
}

TEST_F(QueueTests, LegacySubmitSignalsTheFence) {
    const vk::Fence fence = make_fence();
    device->transfer_queue().submit(std::span<const vk::SubmitInfo>{}, fence);
    check(device->handle().waitForFences(1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    EXPECT_EQ(device->handle().getFenceStatus(fence), vk::Result::eSuccess);
    device->handle().destroyFence(fence);
}

TEST_F(QueueTests, TimelineSemaphoreSignalledBySubmitReachesItsValue) {
    vk::SemaphoreTypeCreateInfo type_info(vk::SemaphoreType::eTimeline, 0);
    const vk::SemaphoreCreateInfo info({}, &type_info);
    vk::Semaphore semaphore;
    check(device->handle().createSemaphore(&info, nullptr, &semaphore), "vkCreateSemaphore");
    const vk::SemaphoreSubmitInfo signal(semaphore, 42, vk::PipelineStageFlagBits2::eAllCommands);
    const vk::SubmitInfo2 submit({}, {}, {}, signal);
    device->compute_queue().submit(std::span(&submit, 1));
    const std::uint64_t target = 42;
    const vk::SemaphoreWaitInfo wait({}, semaphore, target);
    check(device->handle().waitSemaphores(&wait, UINT64_MAX), "vkWaitSemaphores");
    std::uint64_t value = 0;
    check(device->handle().getSemaphoreCounterValue(semaphore, &value), "vkGetSemaphoreCounterValue");
    EXPECT_EQ(value, 42U);
    device->handle().destroySemaphore(semaphore);
}

TEST_F(QueueTests, ConcurrentSubmissionsFromManyThreadsAllComplete) {
    constexpr int threads = 8;
    constexpr int submits_per_thread = 25;
    std::vector<vk::Fence> fences;
    for (int i = 0; i < threads * submits_per_thread; ++i) fences.push_back(make_fence());
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < submits_per_thread; ++i) {
                const vk::SubmitInfo2 submit;
                device->compute_queue().submit(std::span(&submit, 1),
                                               fences[static_cast<std::size_t>(t * submits_per_thread + i)]);
            }
        });
    }
    for (auto &worker : workers) worker.join();
    check(device->handle().waitForFences(static_cast<std::uint32_t>(fences.size()), fences.data(),
                                         VK_TRUE, UINT64_MAX),
          "vkWaitForFences");
    for (const auto fence : fences) {
        EXPECT_EQ(device->handle().getFenceStatus(fence), vk::Result::eSuccess);
        device->handle().destroyFence(fence);
    }
    device->compute_queue().wait_idle();
}

TEST_F(QueueTests, SubmitWithASignalledFenceIsReportedAndThrowsNothingUnexpected) {
    // Submitting with a fence that is already signalled is invalid usage: the layer reports it.
    expect_validation_errors();
    const vk::FenceCreateInfo info(vk::FenceCreateFlagBits::eSignaled);
    vk::Fence fence;
    check(device->handle().createFence(&info, nullptr, &fence), "vkCreateFence");
    const vk::SubmitInfo2 submit;
    try {
        device->compute_queue().submit(std::span(&submit, 1), fence);
    } catch (const VulkanException &) {
        // A driver may also refuse it; either way nothing escapes but our exception type.
    }
    device->wait_idle();
    device->handle().destroyFence(fence);
}

} // namespace
} // namespace vw
