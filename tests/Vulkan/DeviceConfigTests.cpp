// The queue-family policy, checked against the layouts of real devices.
#include <gtest/gtest.h>

#include "VulkanWrapper/Vulkan/DeviceConfig.h" // private header, from src/

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

} // namespace
} // namespace vw::detail
