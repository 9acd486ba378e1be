#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

#include <algorithm>

#include "VulkanWrapper/Utils/Enumerate.h"

namespace vw {

namespace {

constexpr std::uint32_t nvidia_vendor_id = 0x10DE;

} // namespace

PhysicalDevice::PhysicalDevice(vk::PhysicalDevice handle, std::uint32_t index)
    : m_handle(handle)
    , m_index(index)
    , m_properties(handle.getProperties())
    , m_memory_properties(handle.getMemoryProperties())
    , m_queue_families(handle.getQueueFamilyProperties()) {
    const auto extensions = detail::enumerate<vk::ExtensionProperties>(
        [&](std::uint32_t *count, vk::ExtensionProperties *props) {
            return handle.enumerateDeviceExtensionProperties(nullptr, count, props);
        },
        "vkEnumerateDeviceExtensionProperties");
    for (const auto &e : extensions) m_extensions.emplace_back(e.extensionName.data());
    std::sort(m_extensions.begin(), m_extensions.end());

    const auto &limits = m_properties.limits;
    m_memory_limits.max_memory_allocation_count = limits.maxMemoryAllocationCount;
    m_memory_limits.buffer_image_granularity = limits.bufferImageGranularity;
    m_memory_limits.non_coherent_atom_size = limits.nonCoherentAtomSize;
    m_memory_limits.min_memory_map_alignment = limits.minMemoryMapAlignment;
    m_memory_limits.min_uniform_buffer_offset_alignment = limits.minUniformBufferOffsetAlignment;
    m_memory_limits.min_storage_buffer_offset_alignment = limits.minStorageBufferOffsetAlignment;
    m_memory_limits.optimal_buffer_copy_offset_alignment = limits.optimalBufferCopyOffsetAlignment;
    m_memory_limits.optimal_buffer_copy_row_pitch_alignment =
        limits.optimalBufferCopyRowPitchAlignment;
    m_memory_limits.max_uniform_buffer_range = limits.maxUniformBufferRange;
    m_memory_limits.max_storage_buffer_range = limits.maxStorageBufferRange;
    m_memory_limits.sparse_address_space_size = limits.sparseAddressSpaceSize;

    // Extension structures may only be chained for what the device supports.
    vk::PhysicalDeviceProperties2 properties2;
    vk::PhysicalDeviceMaintenance3Properties maintenance3;
    vk::PhysicalDeviceMaintenance4Properties maintenance4;
    vk::PhysicalDeviceDriverProperties driver;
    vk::PhysicalDeviceExternalMemoryHostPropertiesEXT host_memory;
    void **next = &properties2.pNext;
    auto chain = [&next](auto &structure) {
        *next = &structure;
        next = &structure.pNext;
    };
    const std::uint32_t api = m_properties.apiVersion;
    if (api >= VK_API_VERSION_1_1) chain(maintenance3);
    if (api >= VK_API_VERSION_1_3 || has_extension(VK_KHR_MAINTENANCE_4_EXTENSION_NAME)) {
        chain(maintenance4);
    }
    if (api >= VK_API_VERSION_1_2 || has_extension(VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME)) {
        chain(driver);
    }
    if (has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) chain(host_memory);
    if (api >= VK_API_VERSION_1_1) {
        handle.getProperties2(&properties2);
        m_memory_limits.max_memory_allocation_size = maintenance3.maxMemoryAllocationSize;
        if (api >= VK_API_VERSION_1_3 || has_extension(VK_KHR_MAINTENANCE_4_EXTENSION_NAME)) {
            m_memory_limits.max_buffer_size = maintenance4.maxBufferSize;
        }
        if (api >= VK_API_VERSION_1_2 || has_extension(VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME)) {
            m_driver_name = driver.driverName.data();
            m_driver_info = driver.driverInfo.data();
        }
        if (has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
            m_memory_limits.min_imported_host_pointer_alignment =
                host_memory.minImportedHostPointerAlignment;
        }
    }
}

vk::PhysicalDevice PhysicalDevice::handle() const noexcept { return m_handle; }

std::uint32_t PhysicalDevice::index() const noexcept { return m_index; }

std::string_view PhysicalDevice::name() const noexcept { return m_properties.deviceName.data(); }

vk::PhysicalDeviceType PhysicalDevice::type() const noexcept { return m_properties.deviceType; }

std::uint32_t PhysicalDevice::api_version() const noexcept { return m_properties.apiVersion; }

std::string PhysicalDevice::driver_version() const {
    const std::uint32_t v = m_properties.driverVersion;
    if (m_properties.vendorID == nvidia_vendor_id) {
        return std::to_string((v >> 22) & 0x3ff) + "." + std::to_string((v >> 14) & 0xff) + "." +
               std::to_string((v >> 6) & 0xff) + "." + std::to_string(v & 0x3f);
    }
    return version_to_string(v);
}

std::string_view PhysicalDevice::driver_name() const noexcept { return m_driver_name; }

std::string_view PhysicalDevice::driver_info() const noexcept { return m_driver_info; }

const vk::PhysicalDeviceProperties &PhysicalDevice::properties() const noexcept {
    return m_properties;
}

const vk::PhysicalDeviceMemoryProperties &PhysicalDevice::memory_properties() const noexcept {
    return m_memory_properties;
}

const MemoryLimits &PhysicalDevice::memory_limits() const noexcept { return m_memory_limits; }

const std::vector<vk::QueueFamilyProperties> &PhysicalDevice::queue_families() const noexcept {
    return m_queue_families;
}

const std::vector<std::string> &PhysicalDevice::extensions() const noexcept {
    return m_extensions;
}

bool PhysicalDevice::has_extension(std::string_view name) const noexcept {
    return std::binary_search(m_extensions.begin(), m_extensions.end(), name);
}

vk::DeviceSize PhysicalDevice::device_local_bytes() const noexcept {
    vk::DeviceSize total = 0;
    for (std::uint32_t i = 0; i < m_memory_properties.memoryHeapCount; ++i) {
        const auto &heap = m_memory_properties.memoryHeaps[i];
        if (heap.flags & vk::MemoryHeapFlagBits::eDeviceLocal) total += heap.size;
    }
    return total;
}

std::string_view device_type_name(vk::PhysicalDeviceType type) noexcept {
    switch (type) {
    case vk::PhysicalDeviceType::eDiscreteGpu: return "discrete GPU";
    case vk::PhysicalDeviceType::eIntegratedGpu: return "integrated GPU";
    case vk::PhysicalDeviceType::eVirtualGpu: return "virtual GPU";
    case vk::PhysicalDeviceType::eCpu: return "CPU";
    default: return "other";
    }
}

std::string version_to_string(std::uint32_t version) {
    return std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
           std::to_string(VK_API_VERSION_MINOR(version)) + "." +
           std::to_string(VK_API_VERSION_PATCH(version));
}

} // namespace vw
