#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace vw {

/// Memory-related limits of a physical device, gathered from the core and maintenance
/// property structures. A limit the device does not report is std::nullopt.
struct MemoryLimits {
    /// maxMemoryAllocationCount: how many VkDeviceMemory objects may exist at once.
    std::uint32_t max_memory_allocation_count = 0;
    /// bufferImageGranularity: the page size separating linear and optimal resources in a block.
    vk::DeviceSize buffer_image_granularity = 0;
    /// nonCoherentAtomSize: the alignment of flush and invalidate ranges on non-coherent memory.
    vk::DeviceSize non_coherent_atom_size = 0;
    /// minMemoryMapAlignment: the alignment of host pointers returned by vkMapMemory.
    std::size_t min_memory_map_alignment = 0;
    /// minUniformBufferOffsetAlignment.
    vk::DeviceSize min_uniform_buffer_offset_alignment = 0;
    /// minStorageBufferOffsetAlignment.
    vk::DeviceSize min_storage_buffer_offset_alignment = 0;
    /// optimalBufferCopyOffsetAlignment.
    vk::DeviceSize optimal_buffer_copy_offset_alignment = 0;
    /// optimalBufferCopyRowPitchAlignment.
    vk::DeviceSize optimal_buffer_copy_row_pitch_alignment = 0;
    /// maxUniformBufferRange: the largest uniform buffer range a descriptor may cover.
    std::uint32_t max_uniform_buffer_range = 0;
    /// maxStorageBufferRange: the largest storage buffer range a descriptor may cover.
    std::uint32_t max_storage_buffer_range = 0;
    /// sparseAddressSpaceSize.
    vk::DeviceSize sparse_address_space_size = 0;
    std::optional<vk::DeviceSize> max_memory_allocation_size; ///< Vulkan 1.1 (maintenance3)
    std::optional<vk::DeviceSize> max_buffer_size;            ///< Vulkan 1.3 (maintenance4)
    std::optional<vk::DeviceSize> min_imported_host_pointer_alignment; ///< external_memory_host
};

/// A snapshot of one physical device: properties, memory layout, queue families and
/// extensions, read once at construction. A plain value type; copying is cheap enough for
/// listings. Throws VulkanException if the extension query fails.
class PhysicalDevice {
public:
    /// Reads everything about `handle`; `index` is its position in enumeration order.
    PhysicalDevice(vk::PhysicalDevice handle, std::uint32_t index);

    /// The vk::PhysicalDevice (not owned: it lives as long as the instance).
    [[nodiscard]] vk::PhysicalDevice handle() const noexcept;
    /// Position in vkEnumeratePhysicalDevices order (what `VW_DEVICE=<index>` refers to).
    [[nodiscard]] std::uint32_t index() const noexcept;
    /// The device name, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM 15.0.6, 256 bits)".
    [[nodiscard]] std::string_view name() const noexcept;
    /// Discrete, integrated, virtual, CPU or other.
    [[nodiscard]] vk::PhysicalDeviceType type() const noexcept;
    /// The highest Vulkan version the device supports.
    [[nodiscard]] std::uint32_t api_version() const noexcept;
    /// The driver version decoded the vendor's way (NVIDIA: 580.159.4.0 for 580.159.04,
    /// others: major.minor.patch).
    [[nodiscard]] std::string driver_version() const;
    /// The driver's name and info string when the device reports them (Vulkan 1.2), else "".
    [[nodiscard]] std::string_view driver_name() const noexcept;
    /// The driver's info string when the device reports it (Vulkan 1.2), else "".
    [[nodiscard]] std::string_view driver_info() const noexcept;
    /// The core properties (limits, vendor and device IDs...).
    [[nodiscard]] const vk::PhysicalDeviceProperties &properties() const noexcept;
    /// Memory heaps and types.
    [[nodiscard]] const vk::PhysicalDeviceMemoryProperties &memory_properties() const noexcept;
    /// The memory-related limits in one place.
    [[nodiscard]] const MemoryLimits &memory_limits() const noexcept;
    /// Queue family properties, indexed by family.
    [[nodiscard]] const std::vector<vk::QueueFamilyProperties> &queue_families() const noexcept;
    /// Names of the supported device extensions, sorted.
    [[nodiscard]] const std::vector<std::string> &extensions() const noexcept;
    /// True when the device supports extension `name`.
    [[nodiscard]] bool has_extension(std::string_view name) const noexcept;
    /// Total size of the device-local heaps, in bytes.
    [[nodiscard]] vk::DeviceSize device_local_bytes() const noexcept;

private:
    vk::PhysicalDevice m_handle;
    std::uint32_t m_index;
    vk::PhysicalDeviceProperties m_properties;
    vk::PhysicalDeviceMemoryProperties m_memory_properties;
    MemoryLimits m_memory_limits;
    std::vector<vk::QueueFamilyProperties> m_queue_families;
    std::vector<std::string> m_extensions;
    std::string m_driver_name;
    std::string m_driver_info;
};

/// Human-readable name of a device type ("discrete GPU", "CPU", ...).
[[nodiscard]] std::string_view device_type_name(vk::PhysicalDeviceType type) noexcept;

/// "major.minor.patch" of a VK_MAKE_API_VERSION value.
[[nodiscard]] std::string version_to_string(std::uint32_t version);

} // namespace vw
