#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "Support/InternalAccess.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw {
namespace {

using test::ScopedEnv;
using test::VulkanTest;

// Makes an invalid call: a buffer with no usage bits (VUID-VkBufferCreateInfo-usage-requiredbitmask).
void make_invalid_call(const Device &device) {
    const vk::BufferCreateInfo info({}, 64, vk::BufferUsageFlags{});
    vk::Buffer buffer;
    check(device.handle().createBuffer(&info, nullptr, &buffer), "vkCreateBuffer");
    device.handle().destroyBuffer(buffer);
}

DebugMessage message(vk::DebugUtilsMessageSeverityFlagBitsEXT severity, std::string text) {
    DebugMessage m;
    m.severity = severity;
    m.types = vk::DebugUtilsMessageTypeFlagBitsEXT::eValidation;
    m.text = std::move(text);
    return m;
}

TEST(InstanceTests, DefaultsToVulkan13WithoutDebug) {
    const auto instance = InstanceBuilder().build();
    ASSERT_TRUE(instance);
    EXPECT_TRUE(instance->handle());
    EXPECT_EQ(instance->api_version(), VK_API_VERSION_1_3);
    EXPECT_GE(instance->loader_version(), VK_API_VERSION_1_3);
    EXPECT_FALSE(instance->debug_enabled());
    EXPECT_FALSE(instance->has_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME));
}

class InstanceVersionTests : public ::testing::TestWithParam<ApiVersion> {};

TEST_P(InstanceVersionTests, CreatesInstanceAndDeviceAtEachVersion) {
    const auto instance = InstanceBuilder().setDebug().setApiVersion(GetParam()).build();
    EXPECT_EQ(instance->api_version(), static_cast<std::uint32_t>(GetParam()));
    const auto device = instance->findGpu().find().build();
    EXPECT_EQ(device->api_version(), static_cast<std::uint32_t>(GetParam()));
    if (GetParam() != ApiVersion::e13) {
        // Below 1.3 the library's synchronization2 comes from the extension.
        EXPECT_TRUE(device->has_extension(VK_KHR_SYNCHRONIZATION_2_EXTENSION_NAME));
    }
    if (GetParam() == ApiVersion::e11) {
        EXPECT_TRUE(device->has_extension(VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME));
    }
    device->wait_idle();
    EXPECT_EQ(instance->validation_error_count(), 0U);
}

INSTANTIATE_TEST_SUITE_P(AllVersions, InstanceVersionTests,
                         ::testing::Values(ApiVersion::e11, ApiVersion::e12, ApiVersion::e13),
                         [](const auto &param_info) {
                             return "Vulkan1" + std::to_string(VK_API_VERSION_MINOR(
                                                    static_cast<std::uint32_t>(param_info.param)));
                         });

TEST(InstanceTests, DebugEnablesLayerMessengerAndExtension) {
    const auto instance = InstanceBuilder().setDebug().build();
    EXPECT_TRUE(instance->debug_enabled());
    EXPECT_TRUE(instance->has_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME));
    EXPECT_EQ(instance->validation_error_count(), 0U);
}

TEST(InstanceTests, MissingValidationLayerIsALayerNotPresentErrorNamingTheDebianPackage) {
    const ScopedEnv layer_path("VK_LAYER_PATH", "/nonexistent-vw-layer-dir");
    const ScopedEnv add_path("VK_ADD_LAYER_PATH", nullptr);
    try {
        (void)InstanceBuilder().setDebug().build();
        FAIL() << "build() did not throw";
    } catch (const LayerNotPresentError &error) {
        EXPECT_EQ(error.layer(), "VK_LAYER_KHRONOS_validation");
        EXPECT_NE(error.message().find("VK_LAYER_KHRONOS_validation"), std::string::npos);
        EXPECT_NE(error.message().find("vulkan-validationlayers"), std::string::npos);
        const EnvironmentError &environment = error; // the machine lacks something
        EXPECT_EQ(environment.message(), error.message());
    }
    // Without setDebug the same environment is fine.
    EXPECT_NO_THROW((void)InstanceBuilder().build());
}

TEST(InstanceTests, MissingExtensionIsAnExtensionNotPresentErrorNamingIt) {
    try {
        (void)InstanceBuilder().addExtension("VK_VW_no_such_extension").build();
        FAIL() << "build() did not throw";
    } catch (const ExtensionNotPresentError &error) {
        EXPECT_EQ(error.extension(), "VK_VW_no_such_extension");
        EXPECT_NE(error.message().find("VK_VW_no_such_extension"), std::string::npos);
    }
}

TEST(InstanceTests, LoaderOlderThanTheRequestedVersionIsALoaderError) {
    // The machine's loader is new enough for every ApiVersion: the check is called directly.
    EXPECT_NO_THROW(detail::check_loader_version(VK_MAKE_API_VERSION(0, 1, 3, 239), VK_API_VERSION_1_3));
    try {
        detail::check_loader_version(VK_MAKE_API_VERSION(0, 1, 2, 198), VK_API_VERSION_1_3);
        FAIL() << "check_loader_version did not throw";
    } catch (const LoaderError &error) {
        EXPECT_NE(error.message().find("supports instance version 1.2.198, but Vulkan 1.3.0 was "
                                       "requested"),
                  std::string::npos)
            << error.message();
    }
}

TEST(InstanceTests, NoDriverAtAllIsANoDeviceError) {
    // Both spellings of the loader's driver list, pointed at nothing.
    const ScopedEnv icd("VK_ICD_FILENAMES", "/nonexistent-vw-driver.json");
    const ScopedEnv driver_files("VK_DRIVER_FILES", "/nonexistent-vw-driver.json");
    try {
        (void)InstanceBuilder().build();
        FAIL() << "build() did not throw";
    } catch (const NoDeviceError &error) {
        EXPECT_NE(error.message().find("no Vulkan driver is installed"), std::string::npos)
            << error.message();
        EXPECT_NE(error.message().find("mesa-vulkan-drivers"), std::string::npos);
    }
}

TEST(InstanceTests, ExtensionsAreEnabled) {
    const auto instance = InstanceBuilder()
                              .addExtensions({VK_KHR_GET_SURFACE_CAPABILITIES_2_EXTENSION_NAME})
                              .addExtension(VK_KHR_SURFACE_EXTENSION_NAME)
                              .build();
    EXPECT_TRUE(instance->has_extension(VK_KHR_SURFACE_EXTENSION_NAME));
    EXPECT_TRUE(instance->has_extension(VK_KHR_GET_SURFACE_CAPABILITIES_2_EXTENSION_NAME));
    EXPECT_FALSE(instance->has_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME));
}

TEST(InstanceTests, PortabilityEnumerationStillFindsDevices) {
    const auto instance = InstanceBuilder().addPortability().build();
    EXPECT_TRUE(instance->has_extension(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME));
    EXPECT_FALSE(instance->physical_devices().empty());
}

TEST(InstanceTests, InvalidBuilderInputIsALogicError) {
    EXPECT_THROW((void)InstanceBuilder().addExtension("").build(), LogicError);
    EXPECT_THROW((void)InstanceBuilder().setApplicationName("").build(), LogicError);
    EXPECT_THROW((void)InstanceBuilder().setApiVersion(static_cast<ApiVersion>(VK_API_VERSION_1_0)).build(),
                 LogicError);
    try {
        (void)InstanceBuilder().setApplicationName("").build();
    } catch (const LogicError &error) {
        EXPECT_NE(error.message().find("applicationName"), std::string::npos);
    }
}

TEST(InstanceTests, UserCallbackReceivesValidationErrors) {
    std::mutex mutex;
    std::vector<DebugMessage> received;
    const auto instance = InstanceBuilder()
                              .setDebug()
                              .setDebugCallback([&](const DebugMessage &m) {
                                  std::lock_guard lock(mutex);
                                  received.push_back(m);
                              })
                              .build();
    const auto device = instance->findGpu().find().build();
    make_invalid_call(*device);
    EXPECT_GE(instance->validation_error_count(), 1U);
    std::lock_guard lock(mutex);
    ASSERT_FALSE(received.empty());
    bool found = false;
    for (const auto &m : received) {
        if (m.severity == vk::DebugUtilsMessageSeverityFlagBitsEXT::eError &&
            m.id_name.find("VUID-VkBufferCreateInfo-usage") != std::string::npos) {
            found = true;
        }
    }
    EXPECT_TRUE(found);
    ASSERT_FALSE(instance->recent_validation_errors().empty());
    EXPECT_NE(instance->recent_validation_errors().back().find("usage"), std::string::npos);
}

TEST(InstanceTests, ThrowingCallbackIsContainedAndMessagesStillCounted) {
    std::atomic<int> calls{0};
    const auto instance = InstanceBuilder()
                              .setDebug()
                              .setDebugCallback([&](const DebugMessage &) {
                                  ++calls;
                                  throw std::runtime_error("user sink failed");
                              })
                              .build();
    const auto device = instance->findGpu().find().build();
    EXPECT_NO_THROW(make_invalid_call(*device));
    EXPECT_GE(calls.load(), 1);
    EXPECT_GE(instance->validation_error_count(), 1U);
}

TEST(InstanceTests, RecordCountsErrorsAndValidationWarningsOnly) {
    std::vector<std::string> sink;
    const auto instance = InstanceBuilder()
                              .setDebugCallback([&](const DebugMessage &m) { sink.push_back(m.text); })
                              .setDebugSeverity(vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning)
                              .build();
    test::record_debug_message(*instance, message(vk::DebugUtilsMessageSeverityFlagBitsEXT::eError, "e1"));
    test::record_debug_message(*instance, message(vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning, "w1"));
    test::record_debug_message(*instance, message(vk::DebugUtilsMessageSeverityFlagBitsEXT::eInfo, "i1"));
    auto general = message(vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning, "loader");
    general.types = vk::DebugUtilsMessageTypeFlagBitsEXT::eGeneral;
    test::record_debug_message(*instance, general);
    EXPECT_EQ(instance->validation_error_count(), 1U);
    EXPECT_EQ(instance->validation_warning_count(), 1U);
    EXPECT_EQ(sink, (std::vector<std::string>{"e1", "w1", "loader"}));
    EXPECT_EQ(instance->recent_validation_errors(), std::vector<std::string>{"e1"});

    for (int i = 0; i < 40; ++i) {
        test::record_debug_message(*instance, message(vk::DebugUtilsMessageSeverityFlagBitsEXT::eError, std::to_string(i)));
    }
    EXPECT_EQ(instance->validation_error_count(), 41U);
    const auto recent = instance->recent_validation_errors();
    ASSERT_EQ(recent.size(), 16U);
    EXPECT_EQ(recent.front(), "24");
    EXPECT_EQ(recent.back(), "39");

    instance->reset_validation_counts();
    EXPECT_EQ(instance->validation_error_count(), 0U);
    EXPECT_EQ(instance->validation_warning_count(), 0U);
    EXPECT_TRUE(instance->recent_validation_errors().empty());
}

TEST(InstanceTests, PhysicalDevicesAreListedInEnumerationOrder) {
    const auto instance = InstanceBuilder().build();
    const auto devices = instance->physical_devices();
    ASSERT_FALSE(devices.empty());
    for (std::uint32_t i = 0; i < devices.size(); ++i) EXPECT_EQ(devices[i].index(), i);
}

// The shared fixture itself: an invalid call raises the counter, and the fixture is told.
class FixtureTests : public VulkanTest {};

TEST_F(FixtureTests, InvalidCallRaisesTheValidationCounter) {
    expect_validation_errors();
    const auto before = validation_errors_so_far();
    make_invalid_call(*device);
    EXPECT_GT(validation_errors_so_far(), before);
}

TEST_F(FixtureTests, ValidCallsLeaveTheCounterAlone) {
    const vk::BufferCreateInfo info({}, 64, vk::BufferUsageFlagBits::eTransferSrc);
    vk::Buffer buffer;
    check(device->handle().createBuffer(&info, nullptr, &buffer), "vkCreateBuffer");
    device->handle().destroyBuffer(buffer);
    EXPECT_EQ(validation_errors_so_far(), 0U);
}

} // namespace
} // namespace vw
