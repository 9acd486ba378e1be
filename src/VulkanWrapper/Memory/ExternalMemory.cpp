#include "VulkanWrapper/Memory/ExternalMemory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/HostMapping.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw {

namespace {

enum class Origin : std::uint8_t { Exported, ImportedFd, ImportedHost };

struct ExternalOwner;

// Per allocator, the live exported and imported buffers. Never destroyed: owners freed while
// statics are torn down still find it.
struct Registry {
    std::mutex mutex;
    std::unordered_map<const Allocator *, ExternalMemoryStatistics> counts;
    // VMA's user data of every allocation points at its Allocation (defragment() reads it), so
    // the owner of an exported or imported allocation is found here.
    std::unordered_map<VmaAllocation, const ExternalOwner *> owners;
};

Registry &registry() {
    static Registry *const instance = new Registry();
    return *instance;
}

// The private pool of one exported or imported buffer. The buffer shares this object's
// ownership (its allocator pointer is an alias of it), so the pool goes right after the buffer,
// and the allocator after the pool.
struct ExternalOwner {
    ExternalOwner(std::shared_ptr<const Allocator> owner, Origin kind, ExternalMemoryHandle type)
        : allocator(std::move(owner))
        , origin(kind)
        , handle(type) {}
    ExternalOwner(const ExternalOwner &) = delete;
    ExternalOwner &operator=(const ExternalOwner &) = delete;
    ~ExternalOwner() {
        if (counted) {
            Registry &r = registry();
            const std::lock_guard lock(r.mutex);
            if (auto o = r.owners.find(allocation); o != r.owners.end() && o->second == this) r.owners.erase(o);
            auto it = r.counts.find(allocator.get());
            if (it != r.counts.end()) {
                ExternalMemoryStatistics &s = it->second;
                if (origin == Origin::Exported) {
                    --s.exported_allocations;
                    s.exported_bytes -= bytes;
                } else {
                    --s.imported_allocations;
                    s.imported_bytes -= bytes;
                }
                if (s.exported_allocations == 0 && s.imported_allocations == 0) r.counts.erase(it);
            }
        }
        if (pool != nullptr) vmaDestroyPool(allocator->handle(), pool);
    }

    void count(VmaAllocation made) {
        Registry &r = registry();
        const std::lock_guard lock(r.mutex);
        r.owners[made] = this;
        allocation = made;
        ExternalMemoryStatistics &s = r.counts[allocator.get()];
        if (origin == Origin::Exported) {
            ++s.exported_allocations;
            s.exported_bytes += bytes;
        } else {
            ++s.imported_allocations;
            s.imported_bytes += bytes;
        }
        counted = true;
    }

    std::shared_ptr<const Allocator> allocator;
    Origin origin;
    ExternalMemoryHandle handle;
    vk::DeviceSize bytes = 0;
    bool counted = false;
    VmaAllocation allocation = nullptr;
    VmaPool pool = nullptr;
    // What the pool chains to vkAllocateMemory: VMA wants it alive and unchanged while the pool
    // lives.
    VkExportMemoryAllocateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO, nullptr, 0};
    VkImportMemoryFdInfoKHR import_fd{VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR, nullptr, {}, -1};
    VkImportMemoryHostPointerInfoEXT import_host{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
                                                 nullptr, {}, nullptr};
};

const char *extension_of(ExternalMemoryHandle handle) noexcept {
    return handle == ExternalMemoryHandle::DmaBuf ? VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME
                                                  : VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME;
}

const char *label_of(ExternalMemoryHandle handle) noexcept {
    return handle == ExternalMemoryHandle::DmaBuf ? "dma-buf" : "opaque fd";
}

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

void create_pool(ExternalOwner &owner, std::uint32_t memory_type, void *next, const std::string &name) {
    VmaPoolCreateInfo info{};
    info.memoryTypeIndex = memory_type;
    info.pMemoryAllocateNext = next; // blockSize 0: dedicated allocations are allowed
    check(vmaCreatePool(owner.allocator->handle(), &info, &owner.pool), "vmaCreatePool");
    vmaSetPoolName(owner.allocator->handle(), owner.pool, name.c_str());
}

[[noreturn]] void throw_allocation_failure(const Allocator &allocator, VkResult result,
                                           const char *operation, vk::DeviceSize bytes,
                                           std::uint32_t memory_type) {
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) {
        throw AllocatorInternals::out_of_memory(allocator, static_cast<vk::Result>(result), operation,
                                                bytes, memory_type, std::source_location::current());
    }
    detail::check_on(*allocator.device(), static_cast<vk::Result>(result), operation);
    throw VulkanException(static_cast<vk::Result>(result), operation);
}

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

struct OwnerFacts {
    Origin origin;
    ExternalMemoryHandle handle;
    vk::DeviceSize bytes;
};

std::optional<OwnerFacts> owner_of(const BufferBase &buffer) noexcept {
    if (buffer.empty()) return std::nullopt;
    Registry &r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.owners.find(buffer.allocation());
    if (it == r.owners.end()) return std::nullopt;
    return OwnerFacts{it->second->origin, it->second->handle, it->second->bytes};
}

} // namespace

vk::ExternalMemoryHandleTypeFlagBits to_vulkan(ExternalMemoryHandle handle) noexcept {
    return handle == ExternalMemoryHandle::DmaBuf ? vk::ExternalMemoryHandleTypeFlagBits::eDmaBufEXT
                                                  : vk::ExternalMemoryHandleTypeFlagBits::eOpaqueFd;
}

ExternalMemorySupport ExternalMemory::buffer_support(const Device &device, vk::BufferUsageFlags usage,
                                                     ExternalMemoryHandle handle) {
    ExternalMemorySupport support;
    const char *extension = extension_of(handle);
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
                         " " + label_of(handle) + " memory for buffers of usage " +
                         vk::to_string(usage);
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

    auto owner = std::make_shared<ExternalOwner>(std::move(shared), Origin::Exported, handle);
    owner->export_info.handleTypes = handle_bit;
    create_pool(*owner, memory_type, &owner->export_info, std::string("exported ") + label_of(handle));
    allocation_info.pool = owner->pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;

    VkBuffer buffer = VK_NULL_HANDLE;
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    const VkResult result = vmaCreateBuffer(allocator.handle(), &buffer_info.info, &allocation_info,
                                            &buffer, &allocation, &info);
    if (result != VK_SUCCESS) throw_allocation_failure(allocator, result, "vmaCreateBuffer", bytes, memory_type);
    owner->bytes = info.size;
    owner->count(allocation);
    const auto memory_flags =
        device.physical_device().memory_properties().memoryTypes[info.memoryType].propertyFlags;
    ExternalOwner *raw = owner.get();
    into.adopt(std::shared_ptr<const Allocator>(std::move(owner), raw->allocator.get()), buffer,
               allocation, bytes, usage, access, access == HostAccess::None ? nullptr : info.pMappedData,
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

ExportedMemory ExternalMemory::export_fd(const BufferBase &buffer) {
    const char *operation = "ExternalMemory::export_fd";
    if (buffer.empty()) throw LogicError(operation_error(operation, "the buffer is empty"));
    const std::optional<OwnerFacts> owner = owner_of(buffer);
    if (!owner || owner->origin != Origin::Exported) {
        throw LogicError(operation_error(operation, "the buffer was not allocated exportable "
                                                    "(ExternalMemory::allocate_exportable)"));
    }
    const Device &device = *buffer.allocator()->device();
    detail::throw_if_lost(device, "vkGetMemoryFdKHR");
    VmaAllocationInfo info{};
    vmaGetAllocationInfo(buffer.allocator()->handle(), buffer.allocation(), &info);
    VkMemoryGetFdInfoKHR get{};
    get.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
    get.memory = info.deviceMemory;
    get.handleType = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(owner->handle));
    int fd = -1;
    detail::check_on(device, static_cast<vk::Result>(device.dispatcher().vkGetMemoryFdKHR(
                                 device.handle(), &get, &fd)),
                     "vkGetMemoryFdKHR");
    ExportedMemory exported;
    exported.fd = UniqueFd(fd);
    exported.handle = owner->handle;
    exported.allocation_size = owner->bytes;
    exported.offset = info.offset;
    exported.buffer_size = buffer.size_bytes();
    exported.memory_type_index = info.memoryType;
    exported.dedicated = buffer.allocator()->device()->api_version() >= VK_API_VERSION_1_1 ||
                         device.has_extension(VK_KHR_DEDICATED_ALLOCATION_EXTENSION_NAME);
    return exported;
}

void ExternalMemory::import_fd(Allocator &allocator, BufferBase &into, ExportedMemory &memory,
                               vk::DeviceSize bytes, vk::BufferUsageFlags usage, HostAccess access,
                               std::string_view name) {
    const char *operation = "ExternalMemory::import_buffer";
    const auto refuse = [operation](const std::string &why) {
        return LogicError(operation_error(operation, why));
    };
    if (!memory.fd.valid()) throw refuse("the descriptor is empty");
    const int fd = memory.fd.get();
    if (::fcntl(fd, F_GETFD) == -1) throw refuse("descriptor " + std::to_string(fd) + " is not open");
    validate_common(allocator, usage, access, name, operation);
    const Device &device = *allocator.device();
    const ExternalMemorySupport support = buffer_support(device, usage, memory.handle);
    if (!support.importable) throw NotSupportedError(operation_error(operation, support.reason));
    const auto &properties = device.physical_device().memory_properties();
    const std::uint32_t type = memory.memory_type_index;
    if (type >= properties.memoryTypeCount) {
        throw refuse("memory type " + std::to_string(type) + " does not exist (the device has " +
                     std::to_string(properties.memoryTypeCount) + ")");
    }
    const vk::MemoryPropertyFlags type_flags = properties.memoryTypes[type].propertyFlags;
    if (access != HostAccess::None && !(type_flags & vk::MemoryPropertyFlagBits::eHostVisible)) {
        throw refuse("memory type " + std::to_string(type) +
                     " is not host-visible, and the buffer type is");
    }
    if (memory.allocation_size == 0) throw refuse("the allocation size is zero");
    if (memory.offset > memory.allocation_size || bytes > memory.allocation_size - memory.offset) {
        throw refuse("a buffer of " + std::to_string(bytes) + " bytes at offset " +
                     std::to_string(memory.offset) + " exceeds the memory's " +
                     std::to_string(memory.allocation_size) + " bytes");
    }
    if (memory.dedicated && (memory.offset != 0 || (memory.buffer_size != 0 && bytes != memory.buffer_size))) {
        throw refuse("the memory is dedicated to a buffer of " + std::to_string(memory.buffer_size) +
                     " bytes; the importing buffer must have that size (it has " +
                     std::to_string(bytes) + ") and offset 0");
    }
    // Where the descriptor's object has a size to measure (a memfd, a dma-buf), a larger claim
    // is refused here rather than left to the driver.
    struct stat status{};
    vk::DeviceSize measured = 0;
    if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_size > 0) {
        measured = static_cast<vk::DeviceSize>(status.st_size);
    } else if (memory.handle == ExternalMemoryHandle::DmaBuf) {
        const off_t position = ::lseek(fd, 0, SEEK_CUR);
        const off_t end = ::lseek(fd, 0, SEEK_END);
        if (position >= 0) ::lseek(fd, position, SEEK_SET);
        if (end > 0) measured = static_cast<vk::DeviceSize>(end);
    }
    if (measured != 0 && memory.allocation_size > measured) {
        throw refuse("the allocation size of " + std::to_string(memory.allocation_size) +
                     " bytes exceeds the descriptor's object of " + std::to_string(measured) + " bytes");
    }
    const auto handle_bit = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(memory.handle));
    detail::throw_if_lost(device, "vkAllocateMemory");
    if (memory.handle == ExternalMemoryHandle::DmaBuf) {
        VkMemoryFdPropertiesKHR fd_properties{};
        fd_properties.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR;
        detail::check_on(device, static_cast<vk::Result>(device.dispatcher().vkGetMemoryFdPropertiesKHR(
                                     device.handle(), handle_bit, fd, &fd_properties)),
                         "vkGetMemoryFdPropertiesKHR");
        if ((fd_properties.memoryTypeBits & (1U << type)) == 0) {
            throw refuse("the dma-buf cannot be imported as memory type " + std::to_string(type));
        }
    }

    ExternalBufferInfo buffer_info(allocator, bytes, usage, static_cast<VkExternalMemoryHandleTypeFlags>(handle_bit));
    BufferGuard guard{device};
    detail::check_on(device, static_cast<vk::Result>(device.dispatcher().vkCreateBuffer(
                                 device.handle(), &buffer_info.info, nullptr, &guard.buffer)),
                     "vkCreateBuffer");
    VkMemoryRequirements requirements{};
    device.dispatcher().vkGetBufferMemoryRequirements(device.handle(), guard.buffer, &requirements);
    if ((requirements.memoryTypeBits & (1U << type)) == 0) {
        throw refuse("a buffer of this usage cannot live in memory type " + std::to_string(type));
    }
    if (memory.offset % requirements.alignment != 0) {
        throw refuse("offset " + std::to_string(memory.offset) + " is not a multiple of the buffer's " +
                     "alignment of " + std::to_string(requirements.alignment));
    }
    if (memory.dedicated && requirements.size != memory.allocation_size) {
        throw refuse("the buffer needs " + std::to_string(requirements.size) +
                     " bytes of memory, the dedicated memory has " + std::to_string(memory.allocation_size));
    }

    // Vulkan takes the descriptor only when the import succeeds, but a failure after that
    // (binding) would free the memory and the descriptor with it: a duplicate is imported, and
    // the caller's descriptor is closed only once everything has succeeded.
    UniqueFd duplicate(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!duplicate.valid()) {
        throw VulkanException(vk::Result::eErrorTooManyObjects,
                              "ExternalMemory::import_buffer (no descriptor left to duplicate " +
                                  std::to_string(fd) + ")");
    }
    auto owner = std::make_shared<ExternalOwner>(allocator.shared_from_this(), Origin::ImportedFd,
                                                 memory.handle);
    owner->import_fd.handleType = handle_bit;
    owner->import_fd.fd = duplicate.get();
    create_pool(*owner, type, &owner->import_fd, std::string("imported ") + label_of(memory.handle));
    VmaAllocationCreateInfo allocation_info = allocator.allocation_create_info(access);
    allocation_info.pool = owner->pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    VkResult result = VK_SUCCESS;
    if (memory.dedicated) {
        result = vmaAllocateMemoryForBuffer(allocator.handle(), guard.buffer, &allocation_info,
                                            &allocation, &info);
    } else {
        const VkMemoryRequirements whole{memory.allocation_size, requirements.alignment, 1U << type};
        result = vmaAllocateMemory(allocator.handle(), &whole, &allocation_info, &allocation, &info);
    }
    if (result != VK_SUCCESS) {
        throw_allocation_failure(allocator, result, "vkAllocateMemory (import)", memory.allocation_size, type);
    }
    static_cast<void>(duplicate.release()); // the memory owns it now
    const VkResult bound =
        vmaBindBufferMemory2(allocator.handle(), allocation, memory.offset, guard.buffer, nullptr);
    if (bound != VK_SUCCESS) {
        vmaFreeMemory(allocator.handle(), allocation);
        detail::check_on(device, static_cast<vk::Result>(bound), "vmaBindBufferMemory2");
    }
    owner->bytes = info.size;
    owner->count(allocation);
    void *mapped = access == HostAccess::None || info.pMappedData == nullptr
                       ? nullptr
                       : static_cast<std::byte *>(info.pMappedData) + memory.offset;
    const VkBuffer buffer = std::exchange(guard.buffer, VK_NULL_HANDLE);
    ExternalOwner *raw = owner.get();
    into.adopt(std::shared_ptr<const Allocator>(std::move(owner), raw->allocator.get()), buffer,
               allocation, bytes, usage, access, mapped, detail::may_map(allocation_info.flags, type_flags));
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
    auto owner = std::make_shared<ExternalOwner>(allocator.shared_from_this(), Origin::ImportedHost,
                                                 ExternalMemoryHandle::OpaqueFd);
    owner->import_host.handleType = handle_bit;
    owner->import_host.pHostPointer = pointer;
    create_pool(*owner, type, &owner->import_host, "imported host pointer");
    VmaAllocationCreateInfo allocation_info = allocator.allocation_create_info(access);
    allocation_info.pool = owner->pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;
    const VkMemoryRequirements whole{bytes, requirements.alignment, 1U << type};
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    const VkResult result = vmaAllocateMemory(allocator.handle(), &whole, &allocation_info, &allocation, &info);
    if (result != VK_SUCCESS) throw_allocation_failure(allocator, result, "vkAllocateMemory (import)", bytes, type);
    const VkResult bound = vmaBindBufferMemory2(allocator.handle(), allocation, 0, guard.buffer, nullptr);
    if (bound != VK_SUCCESS) {
        vmaFreeMemory(allocator.handle(), allocation);
        detail::check_on(device, static_cast<vk::Result>(bound), "vmaBindBufferMemory2");
    }
    owner->bytes = info.size;
    owner->count(allocation);
    const VkBuffer buffer = std::exchange(guard.buffer, VK_NULL_HANDLE);
    ExternalOwner *raw = owner.get();
    into.adopt(std::shared_ptr<const Allocator>(std::move(owner), raw->allocator.get()), buffer,
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

bool ExternalMemory::is_exportable(const BufferBase &buffer) noexcept {
    const std::optional<OwnerFacts> owner = owner_of(buffer);
    return owner && owner->origin == Origin::Exported;
}

bool ExternalMemory::is_imported(const BufferBase &buffer) noexcept {
    const std::optional<OwnerFacts> owner = owner_of(buffer);
    return owner && owner->origin != Origin::Exported;
}

ExternalMemoryStatistics ExternalMemory::statistics(const Allocator &allocator) {
    Registry &r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.counts.find(&allocator);
    return it == r.counts.end() ? ExternalMemoryStatistics{} : it->second;
}

} // namespace vw
