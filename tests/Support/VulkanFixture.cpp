#include "Support/InternalAccess.h"
#include "Support/VulkanFixture.h"

#include <cstdlib>

#include "VulkanWrapper/Vulkan/DeviceFinder.h"

namespace vw::test {

std::shared_ptr<Instance> shared_instance() {
    static const std::shared_ptr<Instance> instance =
        InstanceBuilder().setDebug().setApplicationName("vw-tests").build();
    return instance;
}

std::shared_ptr<Device> shared_device() {
    static const std::shared_ptr<Device> device = shared_instance()->findGpu().find().build();
    return device;
}

void VulkanTest::SetUp() {
    instance = shared_instance();
    device = shared_device();
    ASSERT_TRUE(instance->debug_enabled());
    m_baseline = instance->validation_error_count();
    m_vma_baseline = detail::vma_assertion_count();
}

void VulkanTest::TearDown() {
    if (!instance) return; // SetUp failed and has reported why
    EXPECT_EQ(detail::vma_assertion_count(), m_vma_baseline)
        << "a VMA assertion failed during the test: " << detail::last_vma_assertion();
    const std::uint64_t errors = validation_errors_so_far();
    if (m_expect_errors) {
        EXPECT_GT(errors, 0U) << "the test expected the validation layer to report an error";
    } else {
        std::string texts;
        for (const auto &text : instance->recent_validation_errors()) texts += "\n  " + text;
        EXPECT_EQ(errors, 0U) << "the validation layer reported errors during the test:" << texts;
    }
    device.reset();
    instance.reset();
}

std::uint64_t VulkanTest::validation_errors_so_far() const {
    return instance->validation_error_count() - m_baseline;
}

void AllocatorTest::SetUp() {
    VulkanTest::SetUp();
    allocator = AllocatorBuilder(instance, device).build();
}

void AllocatorTest::TearDown() {
    allocator.reset();
    VulkanTest::TearDown();
}

ScopedEnv::ScopedEnv(const char *name, const char *value)
    : m_name(name) {
    if (const char *previous = std::getenv(name)) m_previous = previous;
    if (value != nullptr) {
        ::setenv(name, value, 1);
    } else {
        ::unsetenv(name);
    }
}

ScopedEnv::~ScopedEnv() {
    if (m_previous) {
        ::setenv(m_name.c_str(), m_previous->c_str(), 1);
    } else {
        ::unsetenv(m_name.c_str());
    }
}

ImageBuilder small_image(const std::shared_ptr<Allocator> &allocator, std::uint32_t side) {
    return ImageBuilder()
        .setDevice(allocator->device())
        .setAllocator(allocator)
        .setFormat(vk::Format::eR8G8B8A8Unorm)
        .setExtent(Width{side}, Height{side})
        .setUsage(vk::ImageUsageFlagBits::eSampled);
}

} // namespace vw::test
