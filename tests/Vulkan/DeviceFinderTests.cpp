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
        } catch (const Exception &error) {
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
    } catch (const Exception &error) {
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
    } catch (const Exception &error) {
        EXPECT_NE(error.message().find("feature storageBuffer16BitAccess needs Vulkan 1.2"), std::string::npos)
            << error.message();
    }
}

TEST_F(DeviceFinderTests, RequirementsAddedAfterFindAreChecked) {
    auto finder = instance->findGpu();
    finder.find();
    finder.requireExtension("VK_VW_absent_extension");
    EXPECT_THROW((void)finder.build(), Exception);
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
    EXPECT_THROW(instance->findGpu().find(), Exception);
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

} // namespace
} // namespace vw
