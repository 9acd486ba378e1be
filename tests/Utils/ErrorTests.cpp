#include <gtest/gtest.h>

#include <string>

#include "VulkanWrapper/Utils/Error.h"

namespace vw {
namespace {

TEST(ErrorTests, CheckAcceptsSuccessAndPositiveCodes) {
    EXPECT_NO_THROW(check(vk::Result::eSuccess, "op"));
    EXPECT_NO_THROW(check(vk::Result::eIncomplete, "op"));
    EXPECT_NO_THROW(check(VK_SUBOPTIMAL_KHR, "op"));
}

TEST(ErrorTests, CheckThrowsVulkanExceptionWithResultOperationAndCallerLocation) {
    const auto line = std::source_location::current().line() + 2;
    try {
        check(vk::Result::eErrorDeviceLost, "vkQueueSubmit");
        FAIL() << "check did not throw";
    } catch (const VulkanException &error) {
        EXPECT_EQ(error.result(), vk::Result::eErrorDeviceLost);
        EXPECT_NE(error.message().find("vkQueueSubmit"), std::string::npos);
        EXPECT_NE(error.message().find("ErrorDeviceLost"), std::string::npos);
        EXPECT_EQ(error.location().line(), line);
        EXPECT_NE(std::string(error.location().file_name()).find("ErrorTests.cpp"),
                  std::string::npos);
        EXPECT_NE(std::string(error.what()).find("ErrorTests.cpp:" + std::to_string(line)),
                  std::string::npos);
    }
}

TEST(ErrorTests, CheckOfCApiResultThrowsTheSameWay) {
    EXPECT_THROW(check(VK_ERROR_INITIALIZATION_FAILED, "vkCreateInstance"), VulkanException);
    try {
        check(VK_ERROR_FEATURE_NOT_PRESENT, "vkCreateDevice");
        FAIL() << "check did not throw";
    } catch (const VulkanException &error) {
        EXPECT_EQ(error.result(), vk::Result::eErrorFeatureNotPresent);
    }
}

TEST(ErrorTests, OutOfMemoryResultsThrowOutOfMemoryError) {
    EXPECT_THROW(check(vk::Result::eErrorOutOfDeviceMemory, "vmaCreateBuffer"), OutOfMemoryError);
    EXPECT_THROW(check(VK_ERROR_OUT_OF_HOST_MEMORY, "vkAllocateMemory"), OutOfMemoryError);
    // Still a VulkanException and a vw::Exception for callers that catch broadly.
    EXPECT_THROW(check(vk::Result::eErrorOutOfDeviceMemory, "op"), VulkanException);
    EXPECT_THROW(check(vk::Result::eErrorOutOfDeviceMemory, "op"), Exception);
}

TEST(ErrorTests, OutOfMemoryErrorCarriesSizeHeapAndBudget) {
    const OutOfMemoryError error(vk::Result::eErrorOutOfDeviceMemory, "allocate", 1024, 1, 4096);
    EXPECT_EQ(error.requested_bytes(), 1024U);
    EXPECT_EQ(error.heap_index(), 1U);
    EXPECT_EQ(error.heap_budget_bytes(), 4096U);
    EXPECT_EQ(error.result(), vk::Result::eErrorOutOfDeviceMemory);
    EXPECT_NE(error.message().find("requested 1024 bytes"), std::string::npos);
    EXPECT_NE(error.message().find("heap 1"), std::string::npos);
    EXPECT_NE(error.message().find("budget 4096 bytes"), std::string::npos);

    const OutOfMemoryError unknown(vk::Result::eErrorOutOfHostMemory, "allocate");
    EXPECT_FALSE(unknown.requested_bytes().has_value());
    EXPECT_FALSE(unknown.heap_index().has_value());
    EXPECT_FALSE(unknown.heap_budget_bytes().has_value());
}

TEST(ErrorTests, LogicErrorIsAnExceptionWithTheCallersLocation) {
    const auto line = std::source_location::current().line() + 1;
    const LogicError error("size must not be zero");
    EXPECT_EQ(error.message(), "size must not be zero");
    EXPECT_EQ(error.location().line(), line);
    const Exception &base = error;
    EXPECT_NE(std::string(base.what()).find("size must not be zero"), std::string::npos);
}

TEST(ErrorTests, ExceptionHierarchy) {
    static_assert(std::is_base_of_v<std::exception, Exception>);
    static_assert(std::is_base_of_v<Exception, VulkanException>);
    static_assert(std::is_base_of_v<VulkanException, OutOfMemoryError>);
    static_assert(std::is_base_of_v<VulkanException, DeviceLostError>);
    static_assert(std::is_base_of_v<Exception, LogicError>);
    static_assert(!std::is_base_of_v<VulkanException, LogicError>);
    static_assert(std::is_base_of_v<Exception, NotSupportedError>);
    static_assert(!std::is_base_of_v<VulkanException, NotSupportedError>);
    static_assert(!std::is_base_of_v<LogicError, NotSupportedError>);
    static_assert(std::is_base_of_v<Exception, EnvironmentError>);
    static_assert(!std::is_base_of_v<VulkanException, EnvironmentError>);
    static_assert(std::is_base_of_v<EnvironmentError, LoaderError>);
    static_assert(std::is_base_of_v<EnvironmentError, LayerNotPresentError>);
    static_assert(std::is_base_of_v<EnvironmentError, ExtensionNotPresentError>);
    static_assert(std::is_base_of_v<EnvironmentError, NoDeviceError>);
    static_assert(!std::is_base_of_v<NotSupportedError, EnvironmentError>);
    EXPECT_THROW(throw LogicError("x"), Exception);
    EXPECT_THROW(throw NoDeviceError("x"), EnvironmentError);
}

TEST(ErrorTests, DeviceLostResultThrowsDeviceLostError) {
    try {
        check(VK_ERROR_DEVICE_LOST, "vkQueueSubmit2");
        FAIL() << "check did not throw";
    } catch (const DeviceLostError &error) {
        EXPECT_EQ(error.result(), vk::Result::eErrorDeviceLost);
        EXPECT_EQ(error.message(), "vkQueueSubmit2 failed: ErrorDeviceLost");
    }
    // Other errors are not mistaken for it.
    try {
        check(vk::Result::eErrorInitializationFailed, "op");
    } catch (const VulkanException &error) {
        EXPECT_EQ(dynamic_cast<const DeviceLostError *>(&error), nullptr);
    }
}

TEST(ErrorTests, EnvironmentErrorsKeepWhatIsMissing) {
    const LayerNotPresentError layer("VK_LAYER_KHRONOS_validation", "layer missing");
    EXPECT_EQ(layer.layer(), "VK_LAYER_KHRONOS_validation");
    EXPECT_EQ(layer.message(), "layer missing");
    const ExtensionNotPresentError extension("VK_EXT_debug_utils", "extension missing");
    EXPECT_EQ(extension.extension(), "VK_EXT_debug_utils");
    EXPECT_EQ(extension.message(), "extension missing");
    const auto line = std::source_location::current().line() + 1;
    const NotSupportedError unsupported("format eR8G8B8A8Srgb cannot be a storage image");
    EXPECT_EQ(unsupported.location().line(), line);
}

} // namespace
} // namespace vw
