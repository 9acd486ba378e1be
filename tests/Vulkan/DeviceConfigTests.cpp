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
