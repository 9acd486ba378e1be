// The queue-family policy, checked against the layouts of real devices.
#include <gtest/gtest.h>

#include <algorithm>

#include "Support/InternalAccess.h" // the private DeviceConfig.h, from src/
#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {
namespace {

using F = vk::QueueFlagBits;

vk::QueueFamilyProperties family(vk::QueueFlags flags, std::uint32_t count = 1) {
    return {flags, count, 64, {1, 1, 1}};
}

TEST(DeviceConfigTests, H100LayoutUsesTheTransferOnlyAndAsyncComputeFamilies) {
    // As an H100 reports (vw-info, 2026-11-23): 0 graphics+compute+transfer, 1 transfer-only,
    // 2 compute+transfer.
    const auto families = choose_queue_families({
        family(F::eGraphics | F::eCompute | F::eTransfer | F::eSparseBinding, 16),
        family(F::eTransfer | F::eSparseBinding, 2),
        family(F::eCompute | F::eTransfer | F::eSparseBinding, 8),
    });
    ASSERT_TRUE(families);
    EXPECT_EQ(families->main, 0U);
    EXPECT_EQ(families->graphics, 0U);
    EXPECT_EQ(families->compute, 2U);
    EXPECT_EQ(families->transfer, 1U);
}

TEST(DeviceConfigTests, SingleUniversalFamilyServesEverything) {
    const auto families = choose_queue_families({family(F::eGraphics | F::eCompute | F::eTransfer)});
    ASSERT_TRUE(families);
    EXPECT_EQ(families->main, 0U);
    EXPECT_EQ(families->graphics, 0U);
    EXPECT_EQ(families->compute, 0U);
    EXPECT_EQ(families->transfer, 0U);
}

TEST(DeviceConfigTests, ComputeOnlyDeviceHasNoGraphicsQueue) {
    const auto families = choose_queue_families({family(F::eTransfer), family(F::eCompute)});
    ASSERT_TRUE(families);
    EXPECT_EQ(families->main, 1U);
    EXPECT_FALSE(families->graphics.has_value());
    EXPECT_EQ(families->compute, 1U);
    EXPECT_EQ(families->transfer, 0U);
}

TEST(DeviceConfigTests, FamiliesWithoutQueuesOrCapabilitiesAreSkipped) {
    EXPECT_FALSE(choose_queue_families({family(F::eTransfer)}));
    EXPECT_FALSE(choose_queue_families({family(F::eGraphics | F::eCompute, 0)}));
}

TEST(DeviceConfigTests, EffectiveVersionIsTheLowerMajorMinor) {
    EXPECT_EQ(effective_api_version(VK_API_VERSION_1_3, VK_MAKE_API_VERSION(0, 1, 3, 230)),
              VK_API_VERSION_1_3);
    EXPECT_EQ(effective_api_version(VK_API_VERSION_1_1, VK_MAKE_API_VERSION(0, 1, 4, 312)),
              VK_API_VERSION_1_1);
    EXPECT_EQ(effective_api_version(VK_API_VERSION_1_3, VK_MAKE_API_VERSION(0, 1, 2, 199)),
              VK_API_VERSION_1_2);
}

TEST(DeviceConfigTests, PromotedExtensionsAreRequiredOnlyBelowTheirVersion) {
    EXPECT_TRUE(library_required_extensions(VK_API_VERSION_1_3).empty());
    EXPECT_EQ(library_required_extensions(VK_API_VERSION_1_2),
              std::vector<std::string>{VK_KHR_SYNCHRONIZATION_2_EXTENSION_NAME});
    EXPECT_EQ(library_required_extensions(VK_API_VERSION_1_1).size(), 2U);
}

TEST(DeviceConfigTests, AnExtensionComesWithTheDeviceExtensionsItNeeds) {
    const std::vector<std::string> available = {
        "VK_KHR_ray_tracing_pipeline", "VK_KHR_acceleration_structure", "VK_KHR_deferred_host_operations",
        "VK_KHR_spirv_1_4", "VK_KHR_shader_float_controls", "VK_EXT_descriptor_indexing",
        "VK_KHR_buffer_device_address", "VK_KHR_maintenance3"};
    std::vector<std::string> enabled;
    std::string why;
    // At 1.2, descriptor indexing, buffer device address and SPIR-V 1.4 are core.
    ASSERT_TRUE(add_with_dependencies(enabled, "VK_KHR_ray_tracing_pipeline", VK_API_VERSION_1_2, available, why));
    std::sort(enabled.begin(), enabled.end());
    EXPECT_EQ(enabled, (std::vector<std::string>{"VK_KHR_acceleration_structure", "VK_KHR_deferred_host_operations",
                                                 "VK_KHR_ray_tracing_pipeline"}));
    // At 1.1 they are not: SPIR-V 1.4 brings its own dependency along.
    enabled.clear();
    ASSERT_TRUE(add_with_dependencies(enabled, "VK_KHR_ray_tracing_pipeline", VK_API_VERSION_1_1, available, why));
    for (const char *name : {"VK_KHR_spirv_1_4", "VK_KHR_shader_float_controls", "VK_EXT_descriptor_indexing",
                             "VK_KHR_buffer_device_address", "VK_KHR_deferred_host_operations"}) {
        EXPECT_NE(std::find(enabled.begin(), enabled.end(), name), enabled.end()) << name;
    }
    // A missing dependency adds nothing and names what is missing.
    enabled = {"VK_EXT_memory_budget"};
    const std::vector<std::string> without_deferred = {"VK_KHR_ray_tracing_pipeline", "VK_KHR_acceleration_structure"};
    EXPECT_FALSE(add_with_dependencies(enabled, "VK_KHR_ray_tracing_pipeline", VK_API_VERSION_1_3, without_deferred, why));
    EXPECT_EQ(enabled, std::vector<std::string>{"VK_EXT_memory_budget"});
    EXPECT_EQ(why, "VK_KHR_acceleration_structure needs device extension VK_KHR_deferred_host_operations, which "
                   "the device lacks");
}

} // namespace
} // namespace vw::detail

namespace vw::detail {
namespace {

using T = vk::PhysicalDeviceType;
constexpr vk::DeviceSize GiB = vk::DeviceSize{1} << 30;

std::vector<DeviceSummary> machine() {
    return {
        {0, "llvmpipe (LLVM 15.0.6, 256 bits)", T::eCpu, 2 * GiB, true},
        {1, "Intel(R) UHD Graphics 770", T::eIntegratedGpu, 1 * GiB, true},
        {2, "NVIDIA H100 80GB HBM3", T::eDiscreteGpu, 80 * GiB, true},
        {3, "NVIDIA RTX A2000", T::eDiscreteGpu, 6 * GiB, true},
        {4, "Virtual GPU", T::eVirtualGpu, 4 * GiB, true},
    };
}

std::vector<std::size_t> all_of(const std::vector<DeviceSummary> &devices) {
    return devices_matching(devices, "");
}

TEST(DeviceSelectionTests, DiscreteWithTheMostMemoryWins) {
    const auto devices = machine();
    EXPECT_EQ(best_device(devices, all_of(devices), std::nullopt), 2U);
}

TEST(DeviceSelectionTests, TypeRanksBeforeMemory) {
    auto devices = machine();
    devices[2].fits = false;
    EXPECT_EQ(best_device(devices, all_of(devices), std::nullopt), 3U); // the other discrete one
    devices[3].fits = false;
    EXPECT_EQ(best_device(devices, all_of(devices), std::nullopt), 1U); // integrated before virtual
    devices[1].fits = false;
    EXPECT_EQ(best_device(devices, all_of(devices), std::nullopt), 4U); // virtual before CPU
    devices[4].fits = false;
    EXPECT_EQ(best_device(devices, all_of(devices), std::nullopt), 0U);
    devices[0].fits = false;
    EXPECT_FALSE(best_device(devices, all_of(devices), std::nullopt).has_value());
}

TEST(DeviceSelectionTests, PreferredTypeComesFirst) {
    const auto devices = machine();
    EXPECT_EQ(best_device(devices, all_of(devices), T::eCpu), 0U);
    EXPECT_EQ(best_device(devices, all_of(devices), T::eIntegratedGpu), 1U);
    EXPECT_EQ(best_device(devices, all_of(devices), T::eOther), 2U); // no such device: ranking as usual
}

TEST(DeviceSelectionTests, VwDeviceMatchesIndexOrNamePart) {
    const auto devices = machine();
    EXPECT_EQ(devices_matching(devices, "3"), std::vector<std::size_t>{3});
    EXPECT_EQ(devices_matching(devices, "nvidia"), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(devices_matching(devices, "LLVMPIPE"), std::vector<std::size_t>{0});
    EXPECT_TRUE(devices_matching(devices, "9").empty());
    EXPECT_TRUE(devices_matching(devices, "radeon").empty());
    EXPECT_EQ(all_of(devices).size(), devices.size());
    // Among the matches, the best fitting one is chosen.
    EXPECT_EQ(best_device(devices, devices_matching(devices, "nvidia"), std::nullopt), 2U);
    EXPECT_EQ(best_device(devices, devices_matching(devices, "a2000"), std::nullopt), 3U);
}

} // namespace
} // namespace vw::detail

namespace vw::detail {
namespace {

TEST(DeviceSelectionTests, NoDeviceAtAllIsANoDeviceError) {
    try {
        (void)choose_device({}, "", std::nullopt, "");
        FAIL() << "choose_device did not throw";
    } catch (const NoDeviceError &error) {
        EXPECT_NE(error.message().find("no Vulkan device found"), std::string::npos);
    }
}

TEST(DeviceSelectionTests, UnfitOrUnmatchedChoicesAreNoDeviceErrorsWithTheListing) {
    std::vector<DeviceSummary> devices = {{0, "llvmpipe", vk::PhysicalDeviceType::eCpu, 1, false}};
    try {
        (void)choose_device(devices, "", std::nullopt, "\n  0: llvmpipe\n      - lacks feature x");
        FAIL() << "choose_device did not throw";
    } catch (const NoDeviceError &error) {
        EXPECT_EQ(error.message(),
                  "no Vulkan device fits the requirements; devices:\n  0: llvmpipe\n      - lacks feature x");
    }
    EXPECT_THROW((void)choose_device(devices, "nvidia", std::nullopt, ""), NoDeviceError);
    EXPECT_THROW((void)choose_device(devices, "0", std::nullopt, ""), NoDeviceError);
    devices[0].fits = true;
    EXPECT_EQ(choose_device(devices, "0", std::nullopt, ""), 0U);
}

const FeatureMemberInfo &info(const FeatureMember &feature) {
    const FeatureMemberInfo *found = find_feature(feature);
    EXPECT_NE(found, nullptr);
    return *found;
}

TEST(FeatureTableTests, PromotedStructuresUseTheirCoreTwinFromVulkan12On) {
    const auto &runtime = info(&vk::PhysicalDeviceDescriptorIndexingFeatures::runtimeDescriptorArray);
    std::string why;
    const auto at13 = locate_feature(runtime, VK_API_VERSION_1_3, {}, why);
    ASSERT_TRUE(at13);
    EXPECT_EQ(at13->type, vk::StructureType::ePhysicalDeviceVulkan12Features);
    EXPECT_EQ(at13->offset, offsetof(VkPhysicalDeviceVulkan12Features, runtimeDescriptorArray));
    EXPECT_EQ(at13->extension, nullptr);

    // At 1.1: only through the extension, in its own structure.
    EXPECT_FALSE(locate_feature(runtime, VK_API_VERSION_1_1, {}, why));
    EXPECT_EQ(why, "feature runtimeDescriptorArray (VkPhysicalDeviceDescriptorIndexingFeatures) needs "
                   "Vulkan 1.2 or device extension VK_EXT_descriptor_indexing, but only 1.1.0 is usable "
                   "(the lower of instance and device versions) and the device lacks the extension");
    const auto at11 = locate_feature(runtime, VK_API_VERSION_1_1, {"VK_EXT_descriptor_indexing"}, why);
    ASSERT_TRUE(at11);
    EXPECT_EQ(at11->type, vk::StructureType::ePhysicalDeviceDescriptorIndexingFeatures);
    EXPECT_STREQ(at11->extension, "VK_EXT_descriptor_indexing");

    // A Vulkan 1.1 structure is core at 1.1 and becomes VkPhysicalDeviceVulkan11Features at 1.2.
    const auto &storage = info(&vk::PhysicalDevice16BitStorageFeatures::storageBuffer16BitAccess);
    EXPECT_EQ(locate_feature(storage, VK_API_VERSION_1_1, {}, why)->type,
              vk::StructureType::ePhysicalDevice16BitStorageFeatures);
    EXPECT_EQ(locate_feature(storage, VK_API_VERSION_1_2, {}, why)->type,
              vk::StructureType::ePhysicalDeviceVulkan11Features);
}

TEST(FeatureTableTests, ExtensionStructuresNeedTheirExtension) {
    const auto &rt = info(&vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::rayTracingPipeline);
    std::string why;
    EXPECT_FALSE(locate_feature(rt, VK_API_VERSION_1_3, {}, why));
    EXPECT_EQ(why, "feature rayTracingPipeline (VkPhysicalDeviceRayTracingPipelineFeaturesKHR) needs "
                   "device extension VK_KHR_ray_tracing_pipeline, which the device lacks");
    // The extension alone is not enough: it needs VK_KHR_acceleration_structure, which needs
    // VK_KHR_deferred_host_operations.
    EXPECT_FALSE(locate_feature(rt, VK_API_VERSION_1_3, {"VK_KHR_ray_tracing_pipeline"}, why));
    EXPECT_EQ(why, "feature rayTracingPipeline (VkPhysicalDeviceRayTracingPipelineFeaturesKHR) needs device "
                   "extension VK_KHR_ray_tracing_pipeline, but VK_KHR_ray_tracing_pipeline needs device extension "
                   "VK_KHR_acceleration_structure, which the device lacks");
    const auto found = locate_feature(rt, VK_API_VERSION_1_3,
                                      {"VK_KHR_ray_tracing_pipeline", "VK_KHR_acceleration_structure",
                                       "VK_KHR_deferred_host_operations"},
                                      why);
    ASSERT_TRUE(found);
    EXPECT_STREQ(found->extension, "VK_KHR_ray_tracing_pipeline");
    EXPECT_EQ(feature_name(info(&vk::PhysicalDeviceFeatures::samplerAnisotropy)), "samplerAnisotropy");
    EXPECT_EQ(feature_name(info(&vk::PhysicalDeviceVulkan13Features::maintenance4)), "maintenance4");
}

TEST(FeatureTableTests, ChainLinksEachStructureOnceAndFindsItsMembers) {
    FeatureChain chain(VK_API_VERSION_1_3, {vk::StructureType::ePhysicalDeviceRobustness2FeaturesEXT,
                                            vk::StructureType::ePhysicalDeviceVulkan12Features,
                                            vk::StructureType::ePhysicalDeviceRobustness2FeaturesEXT});
    std::vector<vk::StructureType> linked;
    for (auto *s = static_cast<const VkBaseOutStructure *>(chain.head().pNext); s != nullptr; s = s->pNext) {
        linked.push_back(static_cast<vk::StructureType>(s->sType));
    }
    EXPECT_EQ(linked, (std::vector<vk::StructureType>{vk::StructureType::ePhysicalDeviceVulkan11Features,
                                                      vk::StructureType::ePhysicalDeviceVulkan12Features,
                                                      vk::StructureType::ePhysicalDeviceVulkan13Features,
                                                      vk::StructureType::ePhysicalDeviceRobustness2FeaturesEXT}));
    vk::Bool32 *null_descriptor = chain.field(vk::StructureType::ePhysicalDeviceRobustness2FeaturesEXT,
                                              offsetof(VkPhysicalDeviceRobustness2FeaturesEXT, nullDescriptor));
    ASSERT_NE(null_descriptor, nullptr);
    EXPECT_EQ(*null_descriptor, VK_FALSE);
    EXPECT_EQ(chain.field(vk::StructureType::ePhysicalDeviceShaderAtomicFloatFeaturesEXT, 16), nullptr);
    EXPECT_EQ(FeatureChain(VK_API_VERSION_1_1, {}).head().pNext, nullptr);
}

} // namespace
} // namespace vw::detail
