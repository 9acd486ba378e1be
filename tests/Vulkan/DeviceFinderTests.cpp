#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw {
namespace {

using test::ScopedEnv;

class DeviceFinderTests : public test::VulkanTest {
protected:
    void SetUp() override {
        VulkanTest::SetUp();
        // Tests that need a particular choice set VW_DEVICE themselves.
        m_env = std::make_unique<ScopedEnv>("VW_DEVICE", nullptr);
    }
    void TearDown() override {
        m_env.reset();
        VulkanTest::TearDown();
    }

    std::string expect_find_error(DeviceFinder finder) {
        try {
            finder.find();
        } catch (const NoDeviceError &error) {
            return error.message();
        }
        ADD_FAILURE() << "find() did not throw";
        return {};
    }

private:
    std::unique_ptr<ScopedEnv> m_env;
};

TEST_F(DeviceFinderTests, FindsAndBuildsTheBestDevice) {
    auto finder = instance->findGpu();
    const auto &chosen = finder.find().chosen();
    EXPECT_FALSE(chosen.name().empty());
    const auto built = finder.build();
    EXPECT_EQ(built->physical_device().handle(), chosen.handle());
    EXPECT_EQ(built->instance(), instance);
}

TEST_F(DeviceFinderTests, EveryFittingCandidateHasNoRejections) {
    const auto candidates = instance->findGpu().candidates();
    ASSERT_FALSE(candidates.empty());
    const auto chosen = instance->findGpu().find().chosen().index();
    EXPECT_TRUE(candidates.at(chosen).rejections.empty());
}

TEST_F(DeviceFinderTests, AbsentExtensionRejectionNamesDeviceAndExtension) {
    const std::string message =
        expect_find_error(instance->findGpu().requireExtension("VK_VW_absent_extension"));
    for (const auto &physical : instance->physical_devices()) {
        EXPECT_NE(message.find(std::string(physical.name())), std::string::npos) << message;
    }
    EXPECT_NE(message.find("lacks device extension VK_VW_absent_extension"), std::string::npos)
        << message;
}

TEST_F(DeviceFinderTests, CandidatesExplainEachRejection) {
    const auto candidates = instance->findGpu()
                                .requireExtension("VK_VW_absent_extension")
                                .requireFeature(&vk::PhysicalDeviceFeatures::sparseBinding)
                                .candidates();
    for (const auto &candidate : candidates) {
        EXPECT_TRUE(std::find(candidate.rejections.begin(), candidate.rejections.end(),
                              "lacks device extension VK_VW_absent_extension") !=
                    candidate.rejections.end());
        if (!candidate.device.handle().getFeatures().sparseBinding) {
            EXPECT_TRUE(std::find(candidate.rejections.begin(), candidate.rejections.end(),
                                  "lacks feature sparseBinding") != candidate.rejections.end());
        }
    }
}

TEST_F(DeviceFinderTests, UnsupportedFeatureIsNamed) {
    const auto physical = instance->findGpu().find().chosen();
    if (physical.handle().getFeatures().sparseBinding) GTEST_SKIP() << "device has sparseBinding";
    const std::string message =
        expect_find_error(instance->findGpu().requireFeature(&vk::PhysicalDeviceFeatures::sparseBinding));
    EXPECT_NE(message.find("lacks feature sparseBinding"), std::string::npos) << message;
}

TEST_F(DeviceFinderTests, SupportedFeaturesOfEveryVersionAreEnabled) {
    const auto built = instance->findGpu()
                           .requireFeature(&vk::PhysicalDeviceFeatures::shaderInt64)
                           .requireFeature(&vk::PhysicalDeviceVulkan11Features::storageBuffer16BitAccess)
                           .requireFeature(&vk::PhysicalDeviceVulkan12Features::scalarBlockLayout)
                           .requireFeature(&vk::PhysicalDeviceVulkan13Features::maintenance4)
                           .find()
                           .build();
    EXPECT_TRUE(built->handle());
}

TEST(DeviceFinderVersionTests, FeatureOfANewerVersionThanTheInstanceIsRejectedWithTheReason) {
    const ScopedEnv env("VW_DEVICE", nullptr);
    const auto instance = InstanceBuilder().setApiVersion(ApiVersion::e12).build();
    try {
        instance->findGpu().requireFeature(&vk::PhysicalDeviceVulkan13Features::maintenance4).find();
        FAIL() << "find() did not throw";
    } catch (const NoDeviceError &error) {
        EXPECT_NE(error.message().find("feature maintenance4 needs Vulkan 1.3"), std::string::npos)
            << error.message();
    }
}

TEST(DeviceFinderVersionTests, Vulkan11FeaturesStructureNeedsVulkan12) {
    const ScopedEnv env("VW_DEVICE", nullptr);
    const auto instance = InstanceBuilder().setApiVersion(ApiVersion::e11).build();
    try {
        instance->findGpu().requireFeature(&vk::PhysicalDeviceVulkan11Features::storageBuffer16BitAccess).find();
        FAIL() << "find() did not throw";
    } catch (const NoDeviceError &error) {
        EXPECT_NE(error.message().find("feature storageBuffer16BitAccess needs Vulkan 1.2"), std::string::npos)
            << error.message();
    }
}

TEST_F(DeviceFinderTests, RequirementsAddedAfterFindAreChecked) {
    auto finder = instance->findGpu();
    finder.find();
    finder.requireExtension("VK_VW_absent_extension");
    EXPECT_THROW((void)finder.build(), NoDeviceError);
}

TEST_F(DeviceFinderTests, VwDeviceSelectsByIndex) {
    const ScopedEnv env("VW_DEVICE", "0");
    EXPECT_EQ(instance->findGpu().find().chosen().index(), 0U);
}

TEST_F(DeviceFinderTests, VwDeviceSelectsByCaseInsensitiveNamePart) {
    const auto first = instance->physical_devices().front();
    std::string part(first.name().substr(0, 4));
    std::transform(part.begin(), part.end(), part.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const ScopedEnv env("VW_DEVICE", part.c_str());
    const auto chosen = instance->findGpu().find().chosen(); // a copy: the finder is a temporary
    EXPECT_EQ(chosen.name().substr(0, 4), first.name().substr(0, 4));
}

TEST_F(DeviceFinderTests, VwDeviceMatchingNothingListsTheDevices) {
    const ScopedEnv env("VW_DEVICE", "no-such-gpu-anywhere");
    const std::string message = expect_find_error(instance->findGpu());
    EXPECT_NE(message.find("VW_DEVICE=no-such-gpu-anywhere matches no Vulkan device"),
              std::string::npos);
    EXPECT_NE(message.find(std::string(instance->physical_devices().front().name())),
              std::string::npos);
}

TEST_F(DeviceFinderTests, VwDeviceIndexOutOfRangeIsAnError) {
    const ScopedEnv env("VW_DEVICE", "97");
    EXPECT_THROW(instance->findGpu().find(), NoDeviceError);
}

TEST_F(DeviceFinderTests, VwDeviceChoosingAnUnfitDeviceSaysWhy) {
    const ScopedEnv env("VW_DEVICE", "0");
    const std::string message =
        expect_find_error(instance->findGpu().requireExtension("VK_VW_absent_extension"));
    EXPECT_NE(message.find("VW_DEVICE=0 does not fit"), std::string::npos) << message;
}

TEST_F(DeviceFinderTests, PreferredTypeWinsAmongFittingDevices) {
    const auto type = instance->physical_devices().back().type();
    EXPECT_EQ(instance->findGpu().preferDeviceType(type).find().chosen().type(), type);
}

TEST_F(DeviceFinderTests, QueueRequirementsAreMet) {
    const auto built =
        instance->findGpu().requireGraphicsQueue().requireComputeQueue().requireTransferQueue().build();
    EXPECT_TRUE(built->has_graphics_queue());
    EXPECT_TRUE(built->graphics_queue().flags() & vk::QueueFlagBits::eGraphics);
    EXPECT_TRUE(built->compute_queue().flags() & vk::QueueFlagBits::eCompute);
    EXPECT_TRUE(built->transfer_queue().flags() &
                (vk::QueueFlagBits::eTransfer | vk::QueueFlagBits::eGraphics |
                 vk::QueueFlagBits::eCompute));
}

TEST_F(DeviceFinderTests, EmptyExtensionNamesAreLogicErrors) {
    EXPECT_THROW(instance->findGpu().requireExtension(""), LogicError);
    EXPECT_THROW(instance->findGpu().requestExtension(""), LogicError);
    EXPECT_THROW(DeviceFinder(nullptr), LogicError);
}

TEST_F(DeviceFinderTests, RequestedExtensionsAreEnabledOnlyWhenPresent) {
    const auto built = instance->findGpu()
                           .requestExtension("VK_VW_absent_extension")
                           .requestExtension(VK_EXT_CUSTOM_BORDER_COLOR_EXTENSION_NAME)
                           .build();
    EXPECT_FALSE(built->has_extension("VK_VW_absent_extension"));
    EXPECT_EQ(built->has_extension(VK_EXT_CUSTOM_BORDER_COLOR_EXTENSION_NAME),
              built->physical_device().has_extension(VK_EXT_CUSTOM_BORDER_COLOR_EXTENSION_NAME));
}

// ---- Extension feature structures -----------------------------------------------------------
// lavapipe (Mesa 22.3) has VK_EXT_robustness2 with all three features and VK_EXT_shader_atomic_float
// with shaderBufferFloat32AtomicAdd but not sparseImageFloat32AtomicAdd; it has neither
// VK_KHR_ray_tracing_pipeline nor runtimeDescriptorArray. The tests read what the device reports
// instead of assuming it, and skip where a GPU differs.

bool supports(const PhysicalDevice &device, const char *extension) {
    return device.has_extension(extension);
}

TEST_F(DeviceFinderTests, RequiredExtensionFeatureIsEnabledWithItsExtension) {
    const auto physical = instance->findGpu().find().chosen();
    if (!supports(physical, VK_EXT_ROBUSTNESS_2_EXTENSION_NAME)) GTEST_SKIP() << "no VK_EXT_robustness2";
    auto queried = physical.handle().getFeatures2<vk::PhysicalDeviceFeatures2,
                                                  vk::PhysicalDeviceRobustness2FeaturesEXT>();
    if (!queried.get<vk::PhysicalDeviceRobustness2FeaturesEXT>().nullDescriptor) GTEST_SKIP();

    const auto built = instance->findGpu()
                           .requireFeature(&vk::PhysicalDeviceRobustness2FeaturesEXT::nullDescriptor)
                           .build();
    EXPECT_TRUE(built->has_extension(VK_EXT_ROBUSTNESS_2_EXTENSION_NAME));
    EXPECT_TRUE(built->is_feature_enabled(&vk::PhysicalDeviceRobustness2FeaturesEXT::nullDescriptor));
    // Only what was asked for: the structure's other members stay off.
    EXPECT_FALSE(built->is_feature_enabled(&vk::PhysicalDeviceRobustness2FeaturesEXT::robustImageAccess2));

    // The feature works: a descriptor set layout with a null descriptor written into it is
    // valid only with nullDescriptor enabled (the fixture fails the test on a validation error).
    const vk::DescriptorSetLayoutBinding binding(0, vk::DescriptorType::eStorageBuffer, 1,
                                                 vk::ShaderStageFlagBits::eCompute);
    const vk::DescriptorSetLayoutCreateInfo layout_info({}, 1, &binding);
    vk::DescriptorSetLayout layout;
    check(built->handle().createDescriptorSetLayout(&layout_info, nullptr, &layout),
          "vkCreateDescriptorSetLayout");
    const vk::DescriptorPoolSize pool_size(vk::DescriptorType::eStorageBuffer, 1);
    const vk::DescriptorPoolCreateInfo pool_info({}, 1, 1, &pool_size);
    vk::DescriptorPool pool;
    check(built->handle().createDescriptorPool(&pool_info, nullptr, &pool), "vkCreateDescriptorPool");
    const vk::DescriptorSetAllocateInfo set_info(pool, 1, &layout);
    vk::DescriptorSet set;
    check(built->handle().allocateDescriptorSets(&set_info, &set), "vkAllocateDescriptorSets");
    const vk::DescriptorBufferInfo null_buffer(VK_NULL_HANDLE, 0, VK_WHOLE_SIZE);
    const vk::WriteDescriptorSet write(set, 0, 0, 1, vk::DescriptorType::eStorageBuffer, nullptr,
                                       &null_buffer);
    built->handle().updateDescriptorSets(1, &write, 0, nullptr);
    built->handle().destroyDescriptorPool(pool);
    built->handle().destroyDescriptorSetLayout(layout);
}

TEST_F(DeviceFinderTests, RequestedFeaturesAreEnabledExactlyWhereSupported) {
    const auto physical = instance->findGpu().find().chosen();
    if (!supports(physical, VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME)) GTEST_SKIP() << "no VK_EXT_shader_atomic_float";
    auto queried = physical.handle().getFeatures2<vk::PhysicalDeviceFeatures2,
                                                  vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT,
                                                  vk::PhysicalDeviceVulkan12Features>();
    const auto &atomic = queried.get<vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT>();
    const auto &v12 = queried.get<vk::PhysicalDeviceVulkan12Features>();

    const auto built =
        instance->findGpu()
            .requestFeature(&vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::shaderBufferFloat32AtomicAdd)
            .requestFeature(&vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::sparseImageFloat32AtomicAdd)
            .requestFeature(&vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::shaderImageFloat32AtomicAdd)
            .requestFeature(&vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::rayTracingPipeline)
            .requestFeature(&vk::PhysicalDeviceDescriptorIndexingFeatures::runtimeDescriptorArray)
            .requestFeature(&vk::PhysicalDeviceFeatures::sparseBinding)
            .build();
    EXPECT_EQ(built->is_feature_enabled(&vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::shaderBufferFloat32AtomicAdd),
              atomic.shaderBufferFloat32AtomicAdd == VK_TRUE);
    EXPECT_EQ(built->is_feature_enabled(&vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::sparseImageFloat32AtomicAdd),
              atomic.sparseImageFloat32AtomicAdd == VK_TRUE);
    // The extension comes with a feature of its structure, and only then.
    EXPECT_EQ(built->has_extension(VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME),
              atomic.shaderBufferFloat32AtomicAdd == VK_TRUE || atomic.sparseImageFloat32AtomicAdd == VK_TRUE ||
                  atomic.shaderImageFloat32AtomicAdd == VK_TRUE);
    const bool ray_tracing =
        built->is_feature_enabled(&vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::rayTracingPipeline);
    EXPECT_EQ(ray_tracing, supports(physical, VK_KHR_RAY_TRACING_PIPELINE_EXTENSION_NAME) &&
                               built->has_extension(VK_KHR_RAY_TRACING_PIPELINE_EXTENSION_NAME));
    // With the extensions it needs (the H200 has ray tracing; lavapipe does not).
    EXPECT_EQ(built->has_extension(VK_KHR_ACCELERATION_STRUCTURE_EXTENSION_NAME), ray_tracing);
    EXPECT_EQ(built->has_extension(VK_KHR_DEFERRED_HOST_OPERATIONS_EXTENSION_NAME), ray_tracing);
    // A promoted structure is the same feature as its Vulkan 1.2 twin.
    EXPECT_EQ(built->is_feature_enabled(&vk::PhysicalDeviceDescriptorIndexingFeatures::runtimeDescriptorArray),
              v12.runtimeDescriptorArray == VK_TRUE);
    EXPECT_EQ(built->is_feature_enabled(&vk::PhysicalDeviceVulkan12Features::runtimeDescriptorArray),
              v12.runtimeDescriptorArray == VK_TRUE);
    EXPECT_EQ(built->is_feature_enabled(&vk::PhysicalDeviceFeatures::sparseBinding),
              queried.get<vk::PhysicalDeviceFeatures2>().features.sparseBinding == VK_TRUE);
    // Never asked for, never enabled.
    EXPECT_FALSE(built->is_feature_enabled(&vk::PhysicalDeviceFeatures::shaderInt64));
    // The library's own.
    EXPECT_TRUE(built->is_feature_enabled(&vk::PhysicalDeviceVulkan12Features::timelineSemaphore));
    EXPECT_TRUE(built->is_feature_enabled(&vk::PhysicalDeviceTimelineSemaphoreFeatures::timelineSemaphore));
    EXPECT_TRUE(built->is_feature_enabled(&vk::PhysicalDeviceVulkan13Features::synchronization2));
    EXPECT_EQ(built->is_feature_enabled(&vk::PhysicalDeviceVulkan12Features::bufferDeviceAddress),
              built->buffer_device_address_enabled());
}

TEST_F(DeviceFinderTests, RequiredFeatureOfAnAbsentExtensionRejectsWithTheReason) {
    const auto physical = instance->findGpu().find().chosen();
    if (supports(physical, VK_KHR_RAY_TRACING_PIPELINE_EXTENSION_NAME)) GTEST_SKIP() << "device has ray tracing";
    const std::string message = expect_find_error(
        instance->findGpu().requireFeature(&vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::rayTracingPipeline));
    EXPECT_NE(message.find("feature rayTracingPipeline (VkPhysicalDeviceRayTracingPipelineFeaturesKHR) "
                           "needs device extension VK_KHR_ray_tracing_pipeline, which the device lacks"),
              std::string::npos)
        << message;
}

TEST_F(DeviceFinderTests, RequiredUnsupportedMemberOfAPresentExtensionRejectsNamingIt) {
    const auto physical = instance->findGpu().find().chosen();
    if (!supports(physical, VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME)) GTEST_SKIP();
    auto queried = physical.handle().getFeatures2<vk::PhysicalDeviceFeatures2,
                                                  vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT>();
    if (queried.get<vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT>().sparseImageFloat32AtomicAdd) GTEST_SKIP();
    const auto candidates =
        instance->findGpu()
            .requireFeature(&vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::sparseImageFloat32AtomicAdd)
            .candidates();
    const auto &reasons = candidates.at(physical.index()).rejections;
    EXPECT_NE(std::find(reasons.begin(), reasons.end(),
                        "lacks feature sparseImageFloat32AtomicAdd (VkPhysicalDeviceShaderAtomicFloatFeaturesEXT)"),
              reasons.end());
}

TEST_F(DeviceFinderTests, PromotedStructureIsJudgedThroughItsCoreTwin) {
    const auto physical = instance->findGpu().find().chosen();
    auto queried = physical.handle().getFeatures2<vk::PhysicalDeviceFeatures2, vk::PhysicalDeviceVulkan12Features>();
    const bool has = queried.get<vk::PhysicalDeviceVulkan12Features>().runtimeDescriptorArray == VK_TRUE;
    auto finder = instance->findGpu().requireFeature(&vk::PhysicalDeviceDescriptorIndexingFeatures::runtimeDescriptorArray);
    const auto reasons = finder.candidates().at(physical.index()).rejections;
    const bool rejected = std::find(reasons.begin(), reasons.end(),
                                    "lacks feature runtimeDescriptorArray (VkPhysicalDeviceDescriptorIndexingFeatures)") !=
                          reasons.end();
    EXPECT_EQ(rejected, !has);
    if (has) {
        const auto built = finder.build();
        EXPECT_TRUE(built->is_feature_enabled(&vk::PhysicalDeviceVulkan12Features::runtimeDescriptorArray));
        // At 1.3 the promoted extension is not needed, and not enabled for it.
        EXPECT_FALSE(built->has_extension(VK_EXT_DESCRIPTOR_INDEXING_EXTENSION_NAME));
    }
}

TEST(DeviceFinderVersionTests, PromotedStructureBelowItsVersionNeedsItsExtension) {
    const ScopedEnv env("VW_DEVICE", nullptr);
    const auto instance = InstanceBuilder().setDebug().setApiVersion(ApiVersion::e12).build();
    const auto physical = instance->findGpu().find().chosen();
    // At 1.2, synchronization2 (core in 1.3) comes from VK_KHR_synchronization2 and its structure.
    const auto built = instance->findGpu()
                           .requestFeature(&vk::PhysicalDeviceSynchronization2Features::synchronization2)
                           .requestFeature(&vk::PhysicalDeviceVulkan13Features::maintenance4)
                           .build();
    EXPECT_TRUE(built->has_extension(VK_KHR_SYNCHRONIZATION_2_EXTENSION_NAME));
    EXPECT_TRUE(built->is_feature_enabled(&vk::PhysicalDeviceSynchronization2Features::synchronization2));
    // A Vulkan 1.3 structure does not exist at 1.2: requested, it is skipped.
    EXPECT_FALSE(built->is_feature_enabled(&vk::PhysicalDeviceVulkan13Features::maintenance4));
    built->wait_idle();
    EXPECT_EQ(instance->validation_error_count(), 0U);
}

TEST_F(DeviceFinderTests, MembersOfUnknownStructuresAreLogicErrors) {
    // A VkBool32 member of a structure that is not a feature structure.
    EXPECT_THROW(instance->findGpu().requireFeature(&vk::SamplerCreateInfo::anisotropyEnable), LogicError);
    EXPECT_THROW(instance->findGpu().requestFeature(&vk::SamplerCreateInfo::unnormalizedCoordinates), LogicError);
    EXPECT_THROW((void)device->is_feature_enabled(&vk::SamplerCreateInfo::anisotropyEnable), LogicError);
}

TEST_F(DeviceFinderTests, FeatureMemberIdentifiesStructureAndOffset) {
    const FeatureMember core = &vk::PhysicalDeviceFeatures::robustBufferAccess;
    EXPECT_EQ(core.structure_type(), vk::StructureType::ePhysicalDeviceFeatures2);
    EXPECT_EQ(core.offset(), offsetof(VkPhysicalDeviceFeatures2, features));
    const FeatureMember robust = &vk::PhysicalDeviceRobustness2FeaturesEXT::nullDescriptor;
    EXPECT_EQ(robust.structure_type(), vk::StructureType::ePhysicalDeviceRobustness2FeaturesEXT);
    EXPECT_EQ(robust.offset(), offsetof(VkPhysicalDeviceRobustness2FeaturesEXT, nullDescriptor));
    EXPECT_NE(robust, FeatureMember(&vk::PhysicalDeviceRobustness2FeaturesEXT::robustImageAccess2));
}

} // namespace
} // namespace vw
