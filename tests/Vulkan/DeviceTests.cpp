#include <gtest/gtest.h>

#include <algorithm>

#include "Support/InternalAccess.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw {
namespace {

class DeviceTests : public test::VulkanTest {};

TEST_F(DeviceTests, ExposesHandlesAndTheInstance) {
    EXPECT_TRUE(device->handle());
    EXPECT_TRUE(device->physical_device().handle());
    EXPECT_EQ(device->instance(), instance);
    EXPECT_EQ(device->api_version(), VK_API_VERSION_1_3);
}

TEST_F(DeviceTests, EnablesTheRequestedExtensionsTheDeviceHas) {
    const auto &physical = device->physical_device();
    for (const char *name : {VK_EXT_MEMORY_BUDGET_EXTENSION_NAME,
                             VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME,
                             VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME,
                             VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME,
                             VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME}) {
        EXPECT_EQ(device->has_extension(name), physical.has_extension(name)) << name;
    }
    EXPECT_FALSE(device->has_extension("VK_VW_absent_extension"));
    EXPECT_TRUE(std::is_sorted(device->extensions().begin(), device->extensions().end()));
    for (const auto &name : device->extensions()) EXPECT_TRUE(physical.has_extension(name)) << name;
}

TEST_F(DeviceTests, EnablesTheFeaturesTheLibraryUses) {
    // Timeline semaphores work only when the feature is enabled: create one and signal it.
    vk::SemaphoreTypeCreateInfo type_info(vk::SemaphoreType::eTimeline, 5);
    const vk::SemaphoreCreateInfo info({}, &type_info);
    vk::Semaphore semaphore;
    check(device->handle().createSemaphore(&info, nullptr, &semaphore), "vkCreateSemaphore");
    const vk::SemaphoreSignalInfo signal(semaphore, 7);
    check(device->handle().signalSemaphore(&signal), "vkSignalSemaphore");
    std::uint64_t value = 0;
    check(device->handle().getSemaphoreCounterValue(semaphore, &value), "vkGetSemaphoreCounterValue");
    EXPECT_EQ(value, 7U);
    device->handle().destroySemaphore(semaphore);

    vk::PhysicalDeviceVulkan12Features v12;
    vk::PhysicalDeviceFeatures2 features(vk::PhysicalDeviceFeatures{}, &v12);
    device->physical_device().handle().getFeatures2(&features);
    EXPECT_EQ(device->buffer_device_address_enabled(), v12.bufferDeviceAddress == VK_TRUE);
}

TEST_F(DeviceTests, QueuesComeFromTheDevicesFamilies) {
    const auto queues = device->queues();
    ASSERT_FALSE(queues.empty());
    const auto &families = device->physical_device().queue_families();
    for (const auto *queue : queues) {
        ASSERT_LT(queue->family_index(), families.size());
        EXPECT_EQ(queue->flags(), families[queue->family_index()].queueFlags);
        EXPECT_TRUE(queue->handle());
    }
    const auto is_listed = [&](const Queue &queue) {
        return std::find(queues.begin(), queues.end(), &queue) != queues.end();
    };
    EXPECT_TRUE(is_listed(device->compute_queue()));
    EXPECT_TRUE(is_listed(device->transfer_queue()));
    if (device->has_graphics_queue()) {
        EXPECT_TRUE(is_listed(device->graphics_queue()));
    }
}

TEST_F(DeviceTests, TransferQueueIsTransferOnlyWhenTheDeviceHasSuchAFamily) {
    const auto &families = device->physical_device().queue_families();
    const bool has_transfer_only = std::any_of(families.begin(), families.end(), [](const auto &f) {
        return (f.queueFlags & vk::QueueFlagBits::eTransfer) &&
               !(f.queueFlags & (vk::QueueFlagBits::eGraphics | vk::QueueFlagBits::eCompute));
    });
    const auto flags = device->transfer_queue().flags();
    EXPECT_EQ(has_transfer_only,
              !(flags & (vk::QueueFlagBits::eGraphics | vk::QueueFlagBits::eCompute)));
}

TEST_F(DeviceTests, RequiredFeatureTheDeviceLacksAtCreationIsNotSupported) {
    // DeviceFinder rejects such a device; a Device made without its judgement refuses too.
    const PhysicalDevice &physical = device->physical_device();
    if (physical.handle().getFeatures().sparseBinding) GTEST_SKIP() << "device has sparseBinding";
    try {
        (void)test::create_device(instance, physical, {&vk::PhysicalDeviceFeatures::sparseBinding});
        FAIL() << "the device was created";
    } catch (const NotSupportedError &error) {
        EXPECT_NE(error.message().find("lacks feature sparseBinding"), std::string::npos)
            << error.message();
    }
    if (!physical.has_extension(VK_KHR_RAY_TRACING_PIPELINE_EXTENSION_NAME)) {
        EXPECT_THROW((void)test::create_device(
                         instance, physical,
                         {&vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::rayTracingPipeline}),
                     NotSupportedError);
    }
    // The same features requested are skipped, and the device works.
    const auto built = test::create_device(instance, physical, {},
                                           {&vk::PhysicalDeviceFeatures::sparseBinding});
    EXPECT_FALSE(built->is_feature_enabled(&vk::PhysicalDeviceFeatures::sparseBinding));
    built->wait_idle();
}

TEST(DeviceLifetimeTests, DeviceKeepsItsInstanceAlive) {
    auto instance = InstanceBuilder().setDebug().build();
    const std::weak_ptr<Instance> weak = instance;
    auto device = instance->findGpu().build();
    instance.reset();
    ASSERT_FALSE(weak.expired());
    device->wait_idle();
    EXPECT_EQ(device->instance()->validation_error_count(), 0U);
    device.reset();
    EXPECT_TRUE(weak.expired());
}

} // namespace
} // namespace vw
