#include <gtest/gtest.h>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {
namespace {

class PhysicalDeviceTests : public test::VulkanTest {};

TEST_F(PhysicalDeviceTests, ReportsWhatTheDriverReports) {
    const auto &physical = device->physical_device();
    const auto raw = physical.handle().getProperties();
    EXPECT_EQ(physical.name(), std::string_view(raw.deviceName.data()));
    EXPECT_EQ(physical.type(), raw.deviceType);
    EXPECT_EQ(physical.api_version(), raw.apiVersion);
    EXPECT_FALSE(physical.driver_version().empty());
    EXPECT_EQ(physical.queue_families().size(), physical.handle().getQueueFamilyProperties().size());
    EXPECT_EQ(physical.memory_properties().memoryTypeCount,
              physical.handle().getMemoryProperties().memoryTypeCount);
}

TEST_F(PhysicalDeviceTests, MemoryLimitsAreFilled) {
    const auto &limits = device->physical_device().memory_limits();
    const auto &raw = device->physical_device().properties().limits;
    EXPECT_EQ(limits.non_coherent_atom_size, raw.nonCoherentAtomSize);
    EXPECT_EQ(limits.max_memory_allocation_count, raw.maxMemoryAllocationCount);
    EXPECT_GT(limits.max_memory_allocation_count, 0U);
    ASSERT_TRUE(limits.max_memory_allocation_size.has_value()); // every 1.1 device reports it
    EXPECT_GT(*limits.max_memory_allocation_size, 0U);
    EXPECT_EQ(limits.max_buffer_size.has_value(),
              device->physical_device().api_version() >= VK_API_VERSION_1_3 ||
                  device->physical_device().has_extension(VK_KHR_MAINTENANCE_4_EXTENSION_NAME));
    EXPECT_EQ(limits.min_imported_host_pointer_alignment.has_value(),
              device->physical_device().has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME));
}

TEST_F(PhysicalDeviceTests, DeviceLocalBytesSumTheDeviceLocalHeaps) {
    const auto &memory = device->physical_device().memory_properties();
    vk::DeviceSize expected = 0;
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        if (memory.memoryHeaps[i].flags & vk::MemoryHeapFlagBits::eDeviceLocal) {
            expected += memory.memoryHeaps[i].size;
        }
    }
    EXPECT_EQ(device->physical_device().device_local_bytes(), expected);
    EXPECT_GT(expected, 0U);
}

TEST_F(PhysicalDeviceTests, ExtensionsAreSortedAndQueryable) {
    const auto &physical = device->physical_device();
    const auto &names = physical.extensions();
    ASSERT_FALSE(names.empty());
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_TRUE(physical.has_extension(names.front()));
    EXPECT_FALSE(physical.has_extension("VK_VW_absent_extension"));
}

TEST(PhysicalDeviceStrings, VersionsAndTypesReadWell) {
    EXPECT_EQ(version_to_string(VK_MAKE_API_VERSION(0, 1, 3, 239)), "1.3.239");
    EXPECT_EQ(device_type_name(vk::PhysicalDeviceType::eDiscreteGpu), "discrete GPU");
    EXPECT_EQ(device_type_name(vk::PhysicalDeviceType::eCpu), "CPU");
    EXPECT_EQ(device_type_name(vk::PhysicalDeviceType::eOther), "other");
}

} // namespace
} // namespace vw
