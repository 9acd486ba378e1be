#include "VulkanWrapper/Memory/ExternalOwner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>
#include <utility>

#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw::detail {

namespace {

// Per allocator, the live exported and imported resources. Never destroyed: owners freed while
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

LogicError refusal(const char *operation, const std::string &why) {
    return LogicError(std::string(operation) + ": " + why);
}

} // namespace

ExternalOwner::ExternalOwner(std::shared_ptr<const Allocator> owner, ExternalOrigin kind, ExternalMemoryHandle type)
    : allocator(std::move(owner))
    , origin(kind)
    , handle(type) {}

ExternalOwner::~ExternalOwner() {
    if (counted) {
        Registry &r = registry();
        const std::lock_guard lock(r.mutex);
        if (auto o = r.owners.find(allocation); o != r.owners.end() && o->second == this) r.owners.erase(o);
        auto it = r.counts.find(allocator.get());
        if (it != r.counts.end()) {
            ExternalMemoryStatistics &s = it->second;
            if (origin == ExternalOrigin::Exported) {
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

void ExternalOwner::count(VmaAllocation made) {
    Registry &r = registry();
    const std::lock_guard lock(r.mutex);
    r.owners[made] = this;
    allocation = made;
    ExternalMemoryStatistics &s = r.counts[allocator.get()];
    if (origin == ExternalOrigin::Exported) {
        ++s.exported_allocations;
        s.exported_bytes += bytes;
    } else {
        ++s.imported_allocations;
        s.imported_bytes += bytes;
    }
    counted = true;
}

void ExternalOwner::create_pool(std::uint32_t memory_type, void *next, const std::string &name) {
    VmaPoolCreateInfo info{};
    info.memoryTypeIndex = memory_type;
    info.pMemoryAllocateNext = next; // blockSize 0: dedicated allocations are allowed
    check(vmaCreatePool(allocator->handle(), &info, &pool), "vmaCreatePool");
    vmaSetPoolName(allocator->handle(), pool, name.c_str());
}

std::shared_ptr<const Allocator> ExternalOwner::holder(std::shared_ptr<ExternalOwner> owner) {
    const Allocator *raw = owner->allocator.get();
    return std::shared_ptr<const Allocator>(std::move(owner), raw);
}

ExternalMemoryStatistics external_statistics(const Allocator &allocator) {
    Registry &r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.counts.find(&allocator);
    return it == r.counts.end() ? ExternalMemoryStatistics{} : it->second;
}

std::optional<ExternalOwnerFacts> external_owner_of(VmaAllocation allocation) noexcept {
    if (allocation == nullptr) return std::nullopt;
    Registry &r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.owners.find(allocation);
    if (it == r.owners.end()) return std::nullopt;
    return ExternalOwnerFacts{it->second->origin, it->second->handle, it->second->bytes, it->second->resource_bytes};
}

const char *external_extension(ExternalMemoryHandle handle) noexcept {
    return handle == ExternalMemoryHandle::DmaBuf ? VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME
                                                  : VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME;
}

const char *external_label(ExternalMemoryHandle handle) noexcept {
    return handle == ExternalMemoryHandle::DmaBuf ? "dma-buf" : "opaque fd";
}

void throw_external_allocation_failure(const Allocator &allocator, VkResult result, const char *operation,
                                       vk::DeviceSize bytes, std::uint32_t memory_type) {
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) {
        throw AllocatorInternals::out_of_memory(allocator, static_cast<vk::Result>(result), operation, bytes,
                                                memory_type, std::source_location::current());
    }
    check_on(*allocator.device(), static_cast<vk::Result>(result), operation);
    throw VulkanException(static_cast<vk::Result>(result), operation);
}

void check_import_descriptor(const Device &device, const ExportedMemory &memory, bool host_visible,
                             const char *operation) {
    if (!memory.fd.valid()) throw refusal(operation, "the descriptor is empty");
    const int fd = memory.fd.get();
    if (::fcntl(fd, F_GETFD) == -1) throw refusal(operation, "descriptor " + std::to_string(fd) + " is not open");
    const auto &properties = device.physical_device().memory_properties();
    const std::uint32_t type = memory.memory_type_index;
    if (type >= properties.memoryTypeCount) {
        throw refusal(operation, "memory type " + std::to_string(type) + " does not exist (the device has " +
                                     std::to_string(properties.memoryTypeCount) + ")");
    }
    if (host_visible && !(properties.memoryTypes[type].propertyFlags & vk::MemoryPropertyFlagBits::eHostVisible)) {
        throw refusal(operation, "memory type " + std::to_string(type) + " is not host-visible, and the buffer type is");
    }
    if (memory.allocation_size == 0) throw refusal(operation, "the allocation size is zero");
    if (memory.offset > memory.allocation_size) {
        throw refusal(operation, "offset " + std::to_string(memory.offset) + " is past the memory's " +
                                     std::to_string(memory.allocation_size) + " bytes");
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
        throw refusal(operation, "the allocation size of " + std::to_string(memory.allocation_size) +
                                     " bytes exceeds the descriptor's object of " + std::to_string(measured) +
                                     " bytes");
    }
    throw_if_lost(device, "vkAllocateMemory");
    if (memory.handle == ExternalMemoryHandle::DmaBuf) {
        VkMemoryFdPropertiesKHR fd_properties{};
        fd_properties.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR;
        const auto handle_bit = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(memory.handle));
        check_on(device, static_cast<vk::Result>(device.dispatcher().vkGetMemoryFdPropertiesKHR(
                             device.handle(), handle_bit, fd, &fd_properties)),
                 "vkGetMemoryFdPropertiesKHR");
        if ((fd_properties.memoryTypeBits & (1U << type)) == 0) {
            throw refusal(operation, "the dma-buf cannot be imported as memory type " + std::to_string(type));
        }
    }
}

void check_import_requirements(const ExportedMemory &memory, const VkMemoryRequirements &requirements,
                               const char *operation) {
    const std::uint32_t type = memory.memory_type_index;
    if ((requirements.memoryTypeBits & (1U << type)) == 0) {
        throw refusal(operation, "a resource of this kind cannot live in memory type " + std::to_string(type));
    }
    if (memory.offset % requirements.alignment != 0) {
        throw refusal(operation, "offset " + std::to_string(memory.offset) + " is not a multiple of the " +
                                     "alignment of " + std::to_string(requirements.alignment));
    }
    if (requirements.size > memory.allocation_size - memory.offset) {
        throw refusal(operation, "the resource needs " + std::to_string(requirements.size) + " bytes at offset " +
                                     std::to_string(memory.offset) + ", past the memory's " +
                                     std::to_string(memory.allocation_size) + " bytes");
    }
    if (memory.dedicated && (memory.offset != 0 || requirements.size != memory.allocation_size)) {
        throw refusal(operation, "the memory is dedicated (" + std::to_string(memory.allocation_size) +
                                     " bytes); the importing resource must need exactly that at offset 0 (it "
                                     "needs " + std::to_string(requirements.size) + " at offset " +
                                     std::to_string(memory.offset) + ")");
    }
}

VmaAllocation import_descriptor(Allocator &allocator, ExternalOwner &owner, const ExportedMemory &memory,
                                const VkMemoryRequirements &requirements, VmaAllocationCreateInfo allocation_info,
                                VkBuffer buffer, VkImage image, VmaAllocationInfo &info) {
    const int fd = memory.fd.get();
    UniqueFd duplicate(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!duplicate.valid()) {
        throw VulkanException(vk::Result::eErrorTooManyObjects,
                              "import (no descriptor left to duplicate " + std::to_string(fd) + ")");
    }
    const auto handle_bit = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(memory.handle));
    const std::uint32_t type = memory.memory_type_index;
    owner.import_fd.handleType = handle_bit;
    owner.import_fd.fd = duplicate.get();
    owner.create_pool(type, &owner.import_fd, std::string("imported ") + external_label(memory.handle));
    allocation_info.pool = owner.pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;
    VmaAllocation allocation = nullptr;
    VkResult result = VK_SUCCESS;
    if (memory.dedicated && buffer != VK_NULL_HANDLE) {
        result = vmaAllocateMemoryForBuffer(allocator.handle(), buffer, &allocation_info, &allocation, &info);
    } else if (memory.dedicated && image != VK_NULL_HANDLE) {
        result = vmaAllocateMemoryForImage(allocator.handle(), image, &allocation_info, &allocation, &info);
    } else {
        const VkMemoryRequirements whole{memory.allocation_size, requirements.alignment, 1U << type};
        result = vmaAllocateMemory(allocator.handle(), &whole, &allocation_info, &allocation, &info);
    }
    if (result != VK_SUCCESS) {
        throw_external_allocation_failure(allocator, result, "vkAllocateMemory (import)", memory.allocation_size, type);
    }
    static_cast<void>(duplicate.release()); // the memory owns it now
    return allocation;
}

ExportedMemory export_allocation(const Allocator &allocator, VmaAllocation allocation) {
    const char *operation = "ExternalMemory::export_fd";
    const std::optional<ExternalOwnerFacts> owner = external_owner_of(allocation);
    if (!owner || owner->origin != ExternalOrigin::Exported) {
        throw refusal(operation, "the resource was not allocated exportable (ExternalMemory::allocate_exportable, "
                                 "ImageBuilder::setExportable)");
    }
    const Device &device = *allocator.device();
    throw_if_lost(device, "vkGetMemoryFdKHR");
    VmaAllocationInfo info{};
    vmaGetAllocationInfo(allocator.handle(), allocation, &info);
    VkMemoryGetFdInfoKHR get{};
    get.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
    get.memory = info.deviceMemory;
    get.handleType = static_cast<VkExternalMemoryHandleTypeFlagBits>(to_vulkan(owner->handle));
    int fd = -1;
    check_on(device, static_cast<vk::Result>(device.dispatcher().vkGetMemoryFdKHR(device.handle(), &get, &fd)),
             "vkGetMemoryFdKHR");
    ExportedMemory exported;
    exported.fd = UniqueFd(fd);
    exported.handle = owner->handle;
    exported.allocation_size = owner->bytes;
    exported.offset = info.offset;
    exported.buffer_size = owner->resource_bytes;
    exported.memory_type_index = info.memoryType;
    exported.dedicated =
        device.api_version() >= VK_API_VERSION_1_1 || device.has_extension(VK_KHR_DEDICATED_ALLOCATION_EXTENSION_NAME);
    return exported;
}

} // namespace vw::detail
