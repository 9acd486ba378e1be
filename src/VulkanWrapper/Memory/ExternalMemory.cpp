#include "VulkanWrapper/Memory/ExternalMemory.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/ExternalOwner.h"
#include "VulkanWrapper/Memory/HostMapping.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw {

namespace {

using detail::ExternalOrigin;
using detail::ExternalOwner;

// A VkBuffer destroyed unless released: the import paths create it before its memory.
struct BufferGuard {
    explicit BufferGuard(const Device &owner) noexcept
        : device(owner) {}
    const Device &device;
    VkBuffer buffer = VK_NULL_HANDLE;
    BufferGuard(const BufferGuard &) = delete;
    BufferGuard &operator=(const BufferGuard &) = delete;
    ~BufferGuard() {
        if (buffer != VK_NULL_HANDLE) device.dispatcher().vkDestroyBuffer(device.handle(), buffer, nullptr);
    }
};

// The buffer's creation parameters with the external-memory structure chained.
struct ExternalBufferInfo {
    ExternalBufferInfo(const Allocator &allocator, vk::DeviceSize bytes, vk::BufferUsageFlags usage,
                       VkExternalMemoryHandleTypeFlags handle_types)
        : families(allocator.buffer_queue_families()) {
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
        external.handleTypes = handle_types;
        info.pNext = &external;
        info.size = bytes;
        info.usage = static_cast<VkBufferUsageFlags>(usage);
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
        if (families.size() > 1) {
            info.sharingMode = VK_SHARING_MODE_CONCURRENT;
            info.queueFamilyIndexCount = static_cast<std::uint32_t>(families.size());
            info.pQueueFamilyIndices = families.data();
        }
    }
    ExternalBufferInfo(const ExternalBufferInfo &) = delete;
    ExternalBufferInfo &operator=(const ExternalBufferInfo &) = delete;

    std::vector<std::uint32_t> families;
    VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
                                              nullptr, 0};
    VkBufferCreateInfo info{};
};

std::string operation_error(const char *operation, const std::string &why) {
    return std::string(operation) + ": " + why;
}

void validate_common(const Allocator &allocator, vk::BufferUsageFlags usage, HostAccess access,
                     std::string_view name, const char *operation) {
    if (!usage) throw LogicError(operation_error(operation, "the usage is empty"));
    if (access != HostAccess::None && access != HostAccess::SequentialWrite &&
        access != HostAccess::Random) {
        throw LogicError(operation_error(operation, "host access is not a HostAccess value"));
    }
    if ((usage & vk::BufferUsageFlagBits::eShaderDeviceAddress) &&
        !allocator.device()->buffer_device_address_enabled()) {
        throw LogicError(operation_error(operation, "ShaderDeviceAddressUsage needs the "
                                                    "bufferDeviceAddress feature"));
    }
    if (!name.empty()) AllocatorInternals::validate_name(name, operation);
}

} // namespace

vk::ExternalMemoryHandleTypeFlagBits to_vulkan(ExternalMemoryHandle handle) noexcept {
    return handle == ExternalMemoryHandle::DmaBuf ? vk::ExternalMemoryHandleTypeFlagBits::eDmaBufEXT
                                                  : vk::ExternalMemoryHandleTypeFlagBits::eOpaqueFd;
}

ExternalMemorySupport ExternalMemory::buffer_support(const Device &device, vk::BufferUsageFlags usage,
                                                     ExternalMemoryHandle handle) {
    ExternalMemorySupport support;
    const char *extension = detail::external_extension(handle);
    if (!device.has_extension(extension)) {
        support.reason = std::string(device.physical_device().name()) + " lacks " + extension;
        return support;
    }
    VkPhysicalDeviceExternalBufferInfo info{};
    info.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO;
    info.usage = static_cast<VkBufferUsageFlags>(usage);
    info.handleType = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(handle));
    VkExternalBufferProperties properties{};
    properties.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES;
    device.dispatcher().vkGetPhysicalDeviceExternalBufferProperties(device.physical_device().handle(),
                                                                   &info, &properties);
    const VkExternalMemoryProperties &memory = properties.externalMemoryProperties;
    support.exportable = (memory.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT) != 0;
    support.importable = (memory.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT) != 0;
    support.dedicated_only =
        (memory.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT) != 0;
    support.compatible_handle_types = vk::ExternalMemoryHandleTypeFlags(memory.compatibleHandleTypes);
    if (!support.exportable || !support.importable) {
        support.reason = std::string("the driver of ") + std::string(device.physical_device().name()) +
                         " cannot " +
                         (!support.exportable && !support.importable ? "export or import"
                          : !support.exportable                      ? "export"
                                                                     : "import") +
                         " " + detail::external_label(handle) + " memory for buffers of usage " +
                         vk::to_string(usage);
    }
    return support;
}

ExternalMemorySupport ExternalMemory::image_support(const Device &device, vk::Format format, vk::ImageUsageFlags usage,
                                                    ExternalMemoryHandle handle, vk::ImageTiling tiling,
                                                    vk::ImageType type) {
    ExternalMemorySupport support;
    const char *extension = detail::external_extension(handle);
    const std::string device_name(device.physical_device().name());
    if (!device.has_extension(extension)) {
        support.reason = device_name + " lacks " + extension;
        return support;
    }
    VkPhysicalDeviceExternalImageFormatInfo external{};
    external.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO;
    external.handleType = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(handle));
    VkPhysicalDeviceImageFormatInfo2 info{};
    info.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2;
    info.pNext = &external;
    info.format = static_cast<VkFormat>(format);
    info.type = static_cast<VkImageType>(type);
    info.tiling = static_cast<VkImageTiling>(tiling);
    info.usage = static_cast<VkImageUsageFlags>(usage);
    VkExternalImageFormatProperties external_properties{};
    external_properties.sType = VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES;
    VkImageFormatProperties2 properties{};
    properties.sType = VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2;
    properties.pNext = &external_properties;
    const VkResult result = device.dispatcher().vkGetPhysicalDeviceImageFormatProperties2(
        device.physical_device().handle(), &info, &properties);
    const std::string what = vk::to_string(format) + " images of usage " + vk::to_string(usage) + " (" +
                             vk::to_string(type) + ", " + vk::to_string(tiling) + " tiling)";
    if (result == VK_ERROR_FORMAT_NOT_SUPPORTED) {
        support.reason = "the driver of " + device_name + " cannot make " + what + " with " +
                         detail::external_label(handle) + " memory";
        return support;
    }
    detail::check_on(device, static_cast<vk::Result>(result), "vkGetPhysicalDeviceImageFormatProperties2");
    const VkExternalMemoryProperties &memory = external_properties.externalMemoryProperties;
    support.exportable = (memory.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT) != 0;
    support.importable = (memory.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT) != 0;
    support.dedicated_only = (memory.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT) != 0;
    support.compatible_handle_types = vk::ExternalMemoryHandleTypeFlags(memory.compatibleHandleTypes);
    if (!support.exportable || !support.importable) {
        support.reason = "the driver of " + device_name + " cannot " +
                         (!support.exportable && !support.importable ? "export or import"
                          : !support.exportable                      ? "export"
                                                                     : "import") +
                         " " + detail::external_label(handle) + " memory for " + what;
    }
    return support;
}

void ExternalMemory::create_exportable(Allocator &allocator, BufferBase &into, vk::DeviceSize bytes,
                                       vk::BufferUsageFlags usage, HostAccess access,
                                       ExternalMemoryHandle handle, std::string_view name) {
    const char *operation = "ExternalMemory::allocate_exportable";
    validate_common(allocator, usage, access, name, operation);
    const Device &device = *allocator.device();
    const ExternalMemorySupport support = buffer_support(device, usage, handle);
    if (!support.exportable) throw NotSupportedError(operation_error(operation, support.reason));
    const auto max_size = device.physical_device().memory_limits().max_buffer_size;
    if (max_size && bytes > *max_size) {
        throw LogicError(operation_error(operation, std::to_string(bytes) +
                                                        " bytes exceed the device's maxBufferSize"));
    }
    auto shared = std::shared_ptr<const Allocator>(allocator.shared_from_this());
    detail::throw_if_lost(device, "vmaCreateBuffer");

    const auto handle_bit = static_cast<VkExternalMemoryHandleTypeFlags>(to_vulkan(handle));
    ExternalBufferInfo buffer_info(allocator, bytes, usage, handle_bit);
    VmaAllocationCreateInfo allocation_info = allocator.allocation_create_info(access);
    std::uint32_t memory_type = UINT32_MAX;
    const VkResult found = vmaFindMemoryTypeIndexForBufferInfo(allocator.handle(), &buffer_info.info,
                                                               &allocation_info, &memory_type);
    if (found == VK_ERROR_FEATURE_NOT_PRESENT) {
        throw NotSupportedError(operation_error(operation, "no memory type fits an exportable buffer "
                                                           "of this usage and host access"));
    }
    check(found, "vmaFindMemoryTypeIndexForBufferInfo");

    auto owner = std::make_shared<ExternalOwner>(std::move(shared), ExternalOrigin::Exported, handle);
    owner->export_info.handleTypes = handle_bit;
    owner->create_pool(memory_type, &owner->export_info, std::string("exported ") + detail::external_label(handle));
    allocation_info.pool = owner->pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;

    VkBuffer buffer = VK_NULL_HANDLE;
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    const VkResult result = vmaCreateBuffer(allocator.handle(), &buffer_info.info, &allocation_info,
                                            &buffer, &allocation, &info);
    if (result != VK_SUCCESS) {
        detail::throw_external_allocation_failure(allocator, result, "vmaCreateBuffer", bytes, memory_type);
    }
    owner->bytes = info.size;
    owner->resource_bytes = bytes;
    owner->count(allocation);
    const auto memory_flags =
        device.physical_device().memory_properties().memoryTypes[info.memoryType].propertyFlags;
    into.adopt(ExternalOwner::holder(std::move(owner)), buffer, allocation, bytes, usage, access,
               access == HostAccess::None ? nullptr : info.pMappedData,
               detail::may_map(allocation_info.flags, memory_flags));
    if (!name.empty()) {
        try {
            into.set_name(name);
        } catch (...) {
            into = BufferBase();
            throw;
        }
    }
}

ExportedMemory ExternalMemory::export_fd(const Allocation &resource) {
    if (resource.empty()) throw LogicError("ExternalMemory::export_fd: the resource is empty");
    return detail::export_allocation(*resource.allocator(), resource.allocation());
}

void ExternalMemory::import_fd(Allocator &allocator, BufferBase &into, ExportedMemory &memory,
                               vk::DeviceSize bytes, vk::BufferUsageFlags usage, HostAccess access,
                               std::string_view name) {
    const char *operation = "ExternalMemory::import_buffer";
    const auto refuse = [operation](const std::string &why) {
        return LogicError(operation_error(operation, why));
    };
    if (!memory.fd.valid()) throw refuse("the descriptor is empty");
    validate_common(allocator, usage, access, name, operation);
    const Device &device = *allocator.device();
    const ExternalMemorySupport support = buffer_support(device, usage, memory.handle);
    if (!support.importable) throw NotSupportedError(operation_error(operation, support.reason));
    detail::check_import_descriptor(device, memory, access != HostAccess::None, operation);
    if (bytes > memory.allocation_size - memory.offset) {
        throw refuse("a buffer of " + std::to_string(bytes) + " bytes at offset " +
                     std::to_string(memory.offset) + " exceeds the memory's " +
                     std::to_string(memory.allocation_size) + " bytes");
    }
    if (memory.dedicated && (memory.offset != 0 || (memory.buffer_size != 0 && bytes != memory.buffer_size))) {
        throw refuse("the memory is dedicated to a buffer of " + std::to_string(memory.buffer_size) +
                     " bytes; the importing buffer must have that size (it has " +
                     std::to_string(bytes) + ") and offset 0");
    }
    const auto handle_bit = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(memory.handle));
    ExternalBufferInfo buffer_info(allocator, bytes, usage, static_cast<VkExternalMemoryHandleTypeFlags>(handle_bit));
    BufferGuard guard{device};
    detail::check_on(device, static_cast<vk::Result>(device.dispatcher().vkCreateBuffer(
                                 device.handle(), &buffer_info.info, nullptr, &guard.buffer)),
                     "vkCreateBuffer");
    VkMemoryRequirements requirements{};
    device.dispatcher().vkGetBufferMemoryRequirements(device.handle(), guard.buffer, &requirements);
    detail::check_import_requirements(memory, requirements, operation);

    auto owner = std::make_shared<ExternalOwner>(allocator.shared_from_this(), ExternalOrigin::ImportedFd,
                                                 memory.handle);
    VmaAllocationInfo info{};
    const VmaAllocation allocation =
        detail::import_descriptor(allocator, *owner, memory, requirements, allocator.allocation_create_info(access),
                                  guard.buffer, VK_NULL_HANDLE, info);
    const VkResult bound =
        vmaBindBufferMemory2(allocator.handle(), allocation, memory.offset, guard.buffer, nullptr);
    if (bound != VK_SUCCESS) {
        vmaFreeMemory(allocator.handle(), allocation);
        detail::check_on(device, static_cast<vk::Result>(bound), "vmaBindBufferMemory2");
    }
    owner->bytes = info.size;
    owner->resource_bytes = bytes;
    owner->count(allocation);
    void *mapped = access == HostAccess::None || info.pMappedData == nullptr
                       ? nullptr
                       : static_cast<std::byte *>(info.pMappedData) + memory.offset;
    const VkBuffer buffer = std::exchange(guard.buffer, VK_NULL_HANDLE);
    const auto type_flags = device.physical_device().memory_properties().memoryTypes[memory.memory_type_index].propertyFlags;
    const VmaAllocationCreateFlags flags = allocator.allocation_create_info(access).flags;
    into.adopt(ExternalOwner::holder(std::move(owner)), buffer, allocation, bytes, usage, access, mapped,
               detail::may_map(flags, type_flags), memory.offset);
    if (!name.empty()) {
        try {
            into.set_name(name);
        } catch (...) {
            into = BufferBase(); // frees the duplicate with the memory
            throw;
        }
    }
    memory.fd.reset(); // everything succeeded: the caller's descriptor has served
}

void ExternalMemory::import_host(Allocator &allocator, BufferBase &into, void *pointer,
                                 vk::DeviceSize bytes, vk::BufferUsageFlags usage, HostAccess access,
                                 std::string_view name) {
    const char *operation = "ExternalMemory::import_host_pointer";
    const auto refuse = [operation](const std::string &why) {
        return LogicError(operation_error(operation, why));
    };
    if (pointer == nullptr) throw refuse("the pointer is null");
    validate_common(allocator, usage, access, name, operation);
    const Device &device = *allocator.device();
    if (!device.has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
        throw NotSupportedError(operation_error(operation, std::string(device.physical_device().name()) +
                                                               " lacks VK_EXT_external_memory_host"));
    }
    const vk::DeviceSize alignment =
        device.physical_device().memory_limits().min_imported_host_pointer_alignment.value_or(1);
    const auto address = reinterpret_cast<std::uintptr_t>(pointer);
    if (address % alignment != 0 || bytes % alignment != 0) {
        throw refuse("the pointer and the size (" + std::to_string(bytes) +
                     " bytes) must be multiples of minImportedHostPointerAlignment (" +
                     std::to_string(alignment) + ")");
    }
    detail::throw_if_lost(device, "vkGetMemoryHostPointerPropertiesEXT");
    constexpr auto handle_bit = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
    VkMemoryHostPointerPropertiesEXT host_properties{};
    host_properties.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT;
    detail::check_on(device, static_cast<vk::Result>(device.dispatcher().vkGetMemoryHostPointerPropertiesEXT(
                                 device.handle(), handle_bit, pointer, &host_properties)),
                     "vkGetMemoryHostPointerPropertiesEXT");

    ExternalBufferInfo buffer_info(allocator, bytes, usage, handle_bit);
    BufferGuard guard{device};
    detail::check_on(device, static_cast<vk::Result>(device.dispatcher().vkCreateBuffer(
                                 device.handle(), &buffer_info.info, nullptr, &guard.buffer)),
                     "vkCreateBuffer");
    VkMemoryRequirements requirements{};
    device.dispatcher().vkGetBufferMemoryRequirements(device.handle(), guard.buffer, &requirements);
    const auto &properties = device.physical_device().memory_properties();
    std::uint32_t bits = host_properties.memoryTypeBits & requirements.memoryTypeBits;
    // A host-coherent type first: the host reaches the memory through its own pointer too,
    // which no flush or invalidate covers.
    std::uint32_t type = UINT32_MAX;
    for (const bool want_coherent : {true, false}) {
        for (std::uint32_t i = 0; i < properties.memoryTypeCount && type == UINT32_MAX; ++i) {
            const auto flags = properties.memoryTypes[i].propertyFlags;
            const bool host_visible = static_cast<bool>(flags & vk::MemoryPropertyFlagBits::eHostVisible);
            const bool coherent = static_cast<bool>(flags & vk::MemoryPropertyFlagBits::eHostCoherent);
            if ((bits & (1U << i)) != 0 && (access == HostAccess::None || host_visible) &&
                (coherent || !want_coherent)) {
                type = i;
            }
        }
    }
    if (type == UINT32_MAX) {
        throw NotSupportedError(operation_error(operation, "no memory type can hold both the host "
                                                           "pointer and a buffer of this usage"));
    }
    if (requirements.size > bytes) {
        throw refuse("a buffer of " + std::to_string(bytes) + " bytes needs " +
                     std::to_string(requirements.size) + " bytes of memory");
    }
    auto owner = std::make_shared<ExternalOwner>(allocator.shared_from_this(), ExternalOrigin::ImportedHost,
                                                 ExternalMemoryHandle::OpaqueFd);
    owner->import_host.handleType = handle_bit;
    owner->import_host.pHostPointer = pointer;
    owner->create_pool(type, &owner->import_host, "imported host pointer");
    VmaAllocationCreateInfo allocation_info = allocator.allocation_create_info(access);
    allocation_info.pool = owner->pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;
    const VkMemoryRequirements whole{bytes, requirements.alignment, 1U << type};
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    const VkResult result = vmaAllocateMemory(allocator.handle(), &whole, &allocation_info, &allocation, &info);
    if (result != VK_SUCCESS) {
        detail::throw_external_allocation_failure(allocator, result, "vkAllocateMemory (import)", bytes, type);
    }
    const VkResult bound = vmaBindBufferMemory2(allocator.handle(), allocation, 0, guard.buffer, nullptr);
    if (bound != VK_SUCCESS) {
        vmaFreeMemory(allocator.handle(), allocation);
        detail::check_on(device, static_cast<vk::Result>(bound), "vmaBindBufferMemory2");
    }
    owner->bytes = info.size;
    owner->resource_bytes = bytes;
    owner->count(allocation);
    const VkBuffer buffer = std::exchange(guard.buffer, VK_NULL_HANDLE);
    into.adopt(ExternalOwner::holder(std::move(owner)), buffer,
               allocation, bytes, usage, access, access == HostAccess::None ? nullptr : info.pMappedData,
               detail::may_map(allocation_info.flags, properties.memoryTypes[type].propertyFlags));
    if (!name.empty()) {
        try {
            into.set_name(name);
        } catch (...) {
            into = BufferBase();
            throw;
        }
    }
}

bool ExternalMemory::is_exportable(const Allocation &resource) noexcept {
    const auto owner = detail::external_owner_of(resource.allocation());
    return owner && owner->origin == ExternalOrigin::Exported;
}

bool ExternalMemory::is_imported(const Allocation &resource) noexcept {
    const auto owner = detail::external_owner_of(resource.allocation());
    return owner && owner->origin != ExternalOrigin::Exported;
}

ExternalMemoryStatistics ExternalMemory::statistics(const Allocator &allocator) {
    return detail::external_statistics(allocator);
}

} // namespace vw
