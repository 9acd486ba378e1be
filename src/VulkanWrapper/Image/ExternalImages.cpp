#include "VulkanWrapper/Image/ExternalImages.h"

#include <string>
#include <utility>

#include "VulkanWrapper/Image/ImageViewRegistry.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/ExternalOwner.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"

namespace vw::detail {

namespace {

// A VkImage destroyed unless released: the image exists before its memory.
struct ImageGuard {
    explicit ImageGuard(const Device &owner) noexcept
        : device(owner) {}
    ImageGuard(const ImageGuard &) = delete;
    ImageGuard &operator=(const ImageGuard &) = delete;
    ~ImageGuard() {
        if (image != VK_NULL_HANDLE) device.dispatcher().vkDestroyImage(device.handle(), image, nullptr);
    }
    const Device &device;
    VkImage image = VK_NULL_HANDLE;
};

// The description's VkImageCreateInfo with the handle kind chained.
struct ExternalImageInfo {
    ExternalImageInfo(const Image::Description &description, ExternalMemoryHandle handle)
        : info(image_create_info(description)) {
        external.handleTypes = static_cast<VkExternalMemoryHandleTypeFlags>(to_vulkan(handle));
        info.pNext = &external;
    }
    ExternalImageInfo(const ExternalImageInfo &) = delete;
    ExternalImageInfo &operator=(const ExternalImageInfo &) = delete;

    VkExternalMemoryImageCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO, nullptr, 0};
    VkImageCreateInfo info;
};

void require_support(const Device &device, const Image::Description &description, ExternalMemoryHandle handle,
                     bool exporting) {
    const ExternalMemorySupport support = ExternalMemory::image_support(
        device, description.format, description.usage, handle, description.tiling, description.type);
    if (exporting ? !support.exportable : !support.importable) {
        throw NotSupportedError(std::string("ImageBuilder: ") + (exporting ? "exportable" : "imported") +
                                " image: " + support.reason);
    }
}

// What ordinary images get: device-local, no host access (the allocator's device-local buffer
// policy may ask for the resizable-BAR type, which optimal images cannot use), within budget
// unless the allocator allows over-subscription.
VmaAllocationCreateInfo image_allocation_info(const Allocator &allocator) {
    VmaAllocationCreateInfo info{};
    info.usage = VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE;
    if (!allocator.allows_over_subscription()) info.flags |= VMA_ALLOCATION_CREATE_WITHIN_BUDGET_BIT;
    return info;
}

VkImage create_image(const Device &device, const ExternalImageInfo &info) {
    VkImage image = VK_NULL_HANDLE;
    check_on(device, static_cast<vk::Result>(device.dispatcher().vkCreateImage(device.handle(), &info.info, nullptr, &image)),
             "vkCreateImage");
    return image;
}

} // namespace

std::unique_ptr<Image> ExternalImages::create_exportable(const ImageBuilder &builder,
                                                         const Image::Description &description,
                                                         ExternalMemoryHandle handle) {
    Allocator &allocator = *builder.m_allocator;
    const Device &device = *allocator.device();
    require_support(device, description, handle, true);
    throw_if_lost(device, "vkCreateImage");
    const ExternalImageInfo info(description, handle);
    VmaAllocationCreateInfo allocation_info = image_allocation_info(allocator);
    std::uint32_t memory_type = UINT32_MAX;
    const VkResult found = vmaFindMemoryTypeIndexForImageInfo(allocator.handle(), &info.info, &allocation_info, &memory_type);
    if (found == VK_ERROR_FEATURE_NOT_PRESENT) {
        throw NotSupportedError("ImageBuilder: no memory type fits an exportable image of this kind");
    }
    check(found, "vmaFindMemoryTypeIndexForImageInfo");

    ImageGuard guard{device};
    guard.image = create_image(device, info);
    VkMemoryRequirements requirements{};
    device.dispatcher().vkGetImageMemoryRequirements(device.handle(), guard.image, &requirements);
    const auto &memory = device.physical_device().memory_properties();
    if (requirements.size > memory.memoryHeaps[memory.memoryTypes[memory_type].heapIndex].size) {
        throw AllocatorInternals::out_of_memory(allocator, vk::Result::eErrorOutOfDeviceMemory, "vmaCreateImage",
                                                requirements.size, memory_type, std::source_location::current());
    }

    auto owner = std::make_shared<ExternalOwner>(allocator.shared_from_this(), ExternalOrigin::Exported, handle);
    owner->export_info.handleTypes = static_cast<VkExternalMemoryHandleTypeFlags>(to_vulkan(handle));
    owner->create_pool(memory_type, &owner->export_info, std::string("exported ") + external_label(handle));
    allocation_info.pool = owner->pool;
    allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo allocated{};
    const VkResult result =
        vmaAllocateMemoryForImage(allocator.handle(), guard.image, &allocation_info, &allocation, &allocated);
    if (result != VK_SUCCESS) {
        throw_external_allocation_failure(allocator, result, "vmaAllocateMemoryForImage", requirements.size, memory_type);
    }
    const VkResult bound = vmaBindImageMemory(allocator.handle(), allocation, guard.image);
    if (bound != VK_SUCCESS) {
        vmaFreeMemory(allocator.handle(), allocation);
        check_on(device, static_cast<vk::Result>(bound), "vmaBindImageMemory");
    }
    owner->bytes = allocated.size;
    owner->resource_bytes = requirements.size;
    owner->count(allocation);
    return adopt(std::move(owner), guard.image, allocation, description, builder.m_name);
}

std::unique_ptr<Image> ExternalImages::import_memory(const ImageBuilder &builder, const Image::Description &description,
                                              ExportedMemory &memory) {
    const char *operation = "ImageBuilder: imported image";
    Allocator &allocator = *builder.m_allocator;
    const Device &device = *allocator.device();
    if (!memory.fd.valid()) throw LogicError(std::string(operation) + ": the descriptor is empty");
    require_support(device, description, memory.handle, false);
    check_import_descriptor(device, memory, false, operation);
    const ExternalImageInfo info(description, memory.handle);
    ImageGuard guard{device};
    guard.image = create_image(device, info);
    VkMemoryRequirements requirements{};
    device.dispatcher().vkGetImageMemoryRequirements(device.handle(), guard.image, &requirements);
    check_import_requirements(memory, requirements, operation);

    auto owner = std::make_shared<ExternalOwner>(allocator.shared_from_this(), ExternalOrigin::ImportedFd, memory.handle);
    VmaAllocationInfo allocated{};
    const VmaAllocation allocation = import_descriptor(allocator, *owner, memory, requirements,
                                                       image_allocation_info(allocator), VK_NULL_HANDLE, guard.image,
                                                       allocated);
    const VkResult bound = vmaBindImageMemory2(allocator.handle(), allocation, memory.offset, guard.image, nullptr);
    if (bound != VK_SUCCESS) {
        vmaFreeMemory(allocator.handle(), allocation);
        check_on(device, static_cast<vk::Result>(bound), "vmaBindImageMemory2");
    }
    owner->bytes = allocated.size;
    owner->resource_bytes = requirements.size;
    owner->count(allocation);
    std::unique_ptr<Image> image = adopt(std::move(owner), guard.image, allocation, description, builder.m_name);
    memory.fd.reset(); // everything succeeded: the caller's descriptor has served
    return image;
}

std::unique_ptr<Image> ExternalImages::adopt(std::shared_ptr<ExternalOwner> owner, VkImage &image,
                                             VmaAllocation allocation, const Image::Description &description,
                                             const std::string &name) {
    auto made = std::make_unique<Image>();
    const VkImage handle = std::exchange(image, VK_NULL_HANDLE);
    *made = Image(ExternalOwner::holder(std::move(owner)), handle, allocation, description);
    made->m_views = std::make_shared<ImageViewRegistry>();
    if (!name.empty()) made->set_name(name); // a failure destroys the image and frees the memory
    return made;
}

} // namespace vw::detail
