#include "VulkanWrapper/Image/Image.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <utility>
#include <vector>

#include <vulkan/vulkan_format_traits.hpp>

#include "VulkanWrapper/Vulkan/DeviceLoss.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Image/ExternalImages.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Image/ImageViewRegistry.h"
#include "VulkanWrapper/Memory/DefragmentationGate.h"
#include "VulkanWrapper/Memory/Defragmenter.h"
#include "VulkanWrapper/Memory/Pool.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

namespace detail {

// The views part of the image relocation: it reaches into Image and ImageView.
class ImageViewRelocation {
public:
    struct Prepared {
        std::shared_ptr<ImageViewRegistry> registry;
        std::vector<std::pair<ImageView *, vk::UniqueImageView>> views;
    };

    static void *prepare(const Allocation &allocation, std::uint64_t replacement) {
        const auto &image = static_cast<const Image &>(allocation);
        if (!image.m_views) return nullptr;
        auto prepared = std::make_unique<Prepared>();
        prepared->registry = image.m_views;
        const std::lock_guard lock(image.m_views->mutex);
        if (image.m_views->views.empty()) return nullptr;
        const Device &device = *image.allocator()->device();
        for (ImageView *view : image.m_views->views) {
            const vk::ImageViewCreateInfo info({}, vk::Image(reinterpret_cast<VkImage>(replacement)),
                                               view->m_type, view->m_format, {}, view->m_range);
            vk::ImageView created;
            check(device.handle().createImageView(&info, nullptr, &created), "vkCreateImageView");
            prepared->views.emplace_back(
                view, vk::UniqueImageView(created, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(
                                                       device.handle(), nullptr)));
        }
        return prepared.release();
    }

    static void finish(void *opaque, std::uint64_t replacement, bool commit) noexcept {
        const std::unique_ptr<Prepared> prepared(static_cast<Prepared *>(opaque));
        if (!commit) return; // the new views go with `prepared`
        const std::lock_guard lock(prepared->registry->mutex);
        const auto &live = prepared->registry->views;
        for (auto &[view, created] : prepared->views) {
            // A view destroyed meanwhile is no longer registered; its new handle goes with `prepared`.
            if (std::find(live.begin(), live.end(), view) == live.end()) continue;
            std::shared_ptr<Device> device = view->m_view.owner<0>();
            std::shared_ptr<const Image> owner = view->m_view.owner<1>();
            view->m_view = OwnedHandle<vk::UniqueImageView, Device, const Image>(
                std::move(created), std::move(device), std::move(owner));
            view->m_image = vk::Image(reinterpret_cast<VkImage>(replacement));
        }
    }
};

} // namespace detail

namespace {

// What the defragmenter (module Memory) calls to move an image.
std::uint64_t create_replacement(const Allocation &allocation, VmaAllocation destination) {
    const auto &image = static_cast<const Image &>(allocation);
    const Image::Description description{image.type(),         image.format(),  image.extent(),
                                         image.mip_levels(),   image.array_layers(),
                                         image.samples(),      image.tiling(),  image.usage()};
    const VkImageCreateInfo info = detail::image_create_info(description);
    const VkDevice device = image.allocator()->device()->handle();
    VkImage created = VK_NULL_HANDLE;
    check(vkCreateImage(device, &info, nullptr, &created), "vkCreateImage");
    const VkResult bound = vmaBindImageMemory(image.allocator()->handle(), destination, created);
    if (bound != VK_SUCCESS) {
        vkDestroyImage(device, created, nullptr);
        check(bound, "vmaBindImageMemory");
    }
    return reinterpret_cast<std::uint64_t>(created);
}

void record_replacement_copy(const Allocation &allocation, std::uint64_t replacement,
                             vk::ImageLayout layout, vk::CommandBuffer commands) {
    using S = vk::PipelineStageFlagBits2;
    using A = vk::AccessFlagBits2;
    const auto &image = static_cast<const Image &>(allocation);
    const vk::Image target(reinterpret_cast<VkImage>(replacement));
    const vk::ImageSubresourceRange range = image.full_range();
    const bool general = layout == vk::ImageLayout::eGeneral;
    const vk::ImageLayout source_layout = general ? layout : vk::ImageLayout::eTransferSrcOptimal;
    const vk::ImageLayout target_layout = general ? layout : vk::ImageLayout::eTransferDstOptimal;
    const std::array before{
        vk::ImageMemoryBarrier2(S::eAllCommands, A::eMemoryWrite, S::eCopy, A::eTransferRead,
                                layout, source_layout, VK_QUEUE_FAMILY_IGNORED,
                                VK_QUEUE_FAMILY_IGNORED, image.handle(), range),
        vk::ImageMemoryBarrier2(S::eNone, A::eNone, S::eCopy, A::eTransferWrite,
                                vk::ImageLayout::eUndefined, target_layout, VK_QUEUE_FAMILY_IGNORED,
                                VK_QUEUE_FAMILY_IGNORED, target, range)};
    commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, before));
    std::vector<vk::ImageCopy> regions;
    for (std::uint32_t level = 0; level < image.mip_levels(); ++level) {
        const vk::ImageSubresourceLayers layers(range.aspectMask, level, 0, image.array_layers());
        regions.emplace_back(layers, vk::Offset3D{}, layers, vk::Offset3D{},
                             image.mip_extent(MipLevel{level}));
    }
    commands.copyImage(image.handle(), source_layout, target, target_layout, regions);
    const vk::ImageMemoryBarrier2 after(S::eCopy, A::eTransferWrite, S::eAllCommands,
                                        A::eMemoryRead | A::eMemoryWrite, target_layout, layout,
                                        VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, target,
                                        range);
    commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, after));
}

constexpr detail::ImageRelocation image_relocation{create_replacement, record_replacement_copy,
                                                   detail::ImageViewRelocation::prepare,
                                                   detail::ImageViewRelocation::finish};

std::string extent_string(const vk::Extent3D &extent) {
    return std::to_string(extent.width) + "x" + std::to_string(extent.height) + "x" +
           std::to_string(extent.depth);
}

std::uint32_t max_mip_levels(const vk::Extent3D &extent) {
    const std::uint32_t largest = std::max({extent.width, extent.height, extent.depth});
    return static_cast<std::uint32_t>(std::bit_width(largest));
}

// The memory an image needs, without creating it (Vulkan 1.3 or VK_KHR_maintenance4), to refuse
// impossible sizes and to report failed requests. Older devices get a throwaway image instead;
// if even that fails the size stays unknown rather than replacing the real error.
std::optional<VkMemoryRequirements> image_requirements(const Device &device, const VkImageCreateInfo &info) {
    const vk::ImageCreateInfo &create_info = reinterpret_cast<const vk::ImageCreateInfo &>(info);
    const vk::DeviceImageMemoryRequirements query(&create_info);
    vk::MemoryRequirements2 requirements;
    if (device.api_version() >= VK_API_VERSION_1_3) {
        device.handle().getImageMemoryRequirements(&query, &requirements, device.dispatcher());
        return static_cast<VkMemoryRequirements>(requirements.memoryRequirements);
    }
    if (device.has_extension(VK_KHR_MAINTENANCE_4_EXTENSION_NAME)) {
        device.handle().getImageMemoryRequirementsKHR(&query, &requirements, device.dispatcher());
        return static_cast<VkMemoryRequirements>(requirements.memoryRequirements);
    }
    VkImage image = VK_NULL_HANDLE;
    if (vkCreateImage(device.handle(), &info, nullptr, &image) != VK_SUCCESS) return std::nullopt;
    VkMemoryRequirements legacy{};
    vkGetImageMemoryRequirements(device.handle(), image, &legacy);
    vkDestroyImage(device.handle(), image, nullptr);
    return legacy;
}

// The bytes of every texel of every subresource (at least what the image's memory holds),
// saturating instead of overflowing.
vk::DeviceSize texel_bytes(vk::Format format, const vk::Extent3D &extent, std::uint32_t mip_levels,
                           std::uint32_t layers, vk::SampleCountFlagBits samples) {
    const auto block = vk::blockExtent(format);
    const auto blocks = [](std::uint32_t texels, std::uint32_t side) {
        return (static_cast<vk::DeviceSize>(texels) + side - 1) / std::max(side, 1U);
    };
    const vk::DeviceSize limit = std::numeric_limits<vk::DeviceSize>::max();
    vk::DeviceSize total = 0;
    for (std::uint32_t level = 0; level < mip_levels && level < 32; ++level) {
        const auto side = [level](std::uint32_t texels) { return std::max(texels >> level, 1U); };
        // In long double: absurd extents saturate instead of wrapping around.
        const long double bytes = static_cast<long double>(vk::blockSize(format)) *
                                  static_cast<long double>(blocks(side(extent.width), block[0])) *
                                  static_cast<long double>(blocks(side(extent.height), block[1])) *
                                  static_cast<long double>(blocks(side(extent.depth), block[2])) *
                                  static_cast<long double>(layers) *
                                  static_cast<long double>(static_cast<std::uint32_t>(samples));
        if (bytes + static_cast<long double>(total) >= static_cast<long double>(limit)) return limit;
        total += static_cast<vk::DeviceSize>(bytes);
    }
    return total;
}

// True for a value the Vulkan headers the library was built with define (the validation layer
// reports any other value passed to Vulkan).
bool is_known(vk::Format format) { return !vk::to_string(format).starts_with("invalid"); }

bool is_single_sample_count(vk::SampleCountFlagBits samples) {
    const auto bits = static_cast<VkSampleCountFlags>(samples);
    return bits != 0 && (bits & (bits - 1)) == 0 && bits <= VK_SAMPLE_COUNT_64_BIT;
}

} // namespace

vk::ImageAspectFlags aspect_of(vk::Format format) noexcept {
    using A = vk::ImageAspectFlagBits;
    switch (format) {
    case vk::Format::eD16Unorm:
    case vk::Format::eX8D24UnormPack32:
    case vk::Format::eD32Sfloat: return A::eDepth;
    case vk::Format::eS8Uint: return A::eStencil;
    case vk::Format::eD16UnormS8Uint:
    case vk::Format::eD24UnormS8Uint:
    case vk::Format::eD32SfloatS8Uint: return A::eDepth | A::eStencil;
    default: return A::eColor;
    }
}

Image::Image() noexcept
    : Allocation(vk::ObjectType::eImage) {}

Image::Image(std::shared_ptr<const Allocator> allocator, VkImage image, VmaAllocation allocation,
             const Description &description) noexcept
    : Allocation(std::move(allocator), allocation, vk::ObjectType::eImage,
                 reinterpret_cast<std::uint64_t>(image))
    , m_description(description) {}

Image::Image(Image &&other) noexcept
    : Allocation(std::move(other))
    , m_description(std::exchange(other.m_description, Description{}))
    , m_views(std::move(other.m_views)) {}

Image &Image::operator=(Image &&other) noexcept {
    if (this != &other) {
        Allocation::operator=(std::move(other));
        m_description = std::exchange(other.m_description, Description{});
        m_views = std::move(other.m_views);
    }
    return *this;
}

Image::~Image() = default;

vk::ImageAspectFlags Image::aspect() const noexcept { return aspect_of(m_description.format); }

vk::ImageSubresourceRange Image::full_range() const noexcept {
    return {aspect(), 0, m_description.mip_levels, 0, m_description.array_layers};
}

vk::Extent3D Image::mip_extent(MipLevel level) const noexcept {
    const auto shrink = [level](std::uint32_t side) {
        const std::uint32_t shift = value_of(level);
        return shift >= 32 ? 1U : std::max(side >> shift, 1U);
    };
    return {shrink(m_description.extent.width), shrink(m_description.extent.height),
            shrink(m_description.extent.depth)};
}

ImageBuilder &ImageBuilder::setDevice(std::shared_ptr<Device> device) {
    m_device = std::move(device);
    return *this;
}

ImageBuilder &ImageBuilder::setAllocator(std::shared_ptr<Allocator> allocator) {
    m_allocator = std::move(allocator);
    return *this;
}

ImageBuilder &ImageBuilder::setFormat(vk::Format format) {
    m_format = format;
    return *this;
}

ImageBuilder &ImageBuilder::setExtent(Width width, Height height) {
    m_extent = vk::Extent3D(value_of(width), value_of(height), 1);
    return *this;
}

ImageBuilder &ImageBuilder::setExtent(Width width, Height height, Depth depth) {
    m_extent = vk::Extent3D(value_of(width), value_of(height), value_of(depth));
    return *this;
}

ImageBuilder &ImageBuilder::setDepth(Depth depth) {
    if (!m_extent) m_extent = vk::Extent3D(0, 0, 1);
    m_extent->depth = value_of(depth);
    return *this;
}

ImageBuilder &ImageBuilder::setMipLevels(std::uint32_t levels) {
    m_mip_levels = levels;
    m_full_mip_chain = false;
    return *this;
}

ImageBuilder &ImageBuilder::setArrayLayers(std::uint32_t layers) {
    m_array_layers = layers;
    return *this;
}

ImageBuilder &ImageBuilder::setImageType(vk::ImageType type) {
    m_type = type;
    return *this;
}

ImageBuilder &ImageBuilder::setTiling(vk::ImageTiling tiling) {
    m_tiling = tiling;
    return *this;
}

ImageBuilder &ImageBuilder::setSamples(vk::SampleCountFlagBits samples) {
    m_samples = samples;
    return *this;
}

ImageBuilder &ImageBuilder::setUsage(vk::ImageUsageFlags usage) {
    m_usage = usage;
    return *this;
}

ImageBuilder &ImageBuilder::setFullMipChain() {
    m_full_mip_chain = true;
    return *this;
}

ImageBuilder &ImageBuilder::setName(std::string name) {
    m_name = std::move(name);
    return *this;
}

ImageBuilder &ImageBuilder::setPool(std::shared_ptr<Pool> pool) {
    m_pool = std::move(pool);
    return *this;
}

ImageBuilder &ImageBuilder::setExportable(ExternalMemoryHandle handle) {
    m_export = handle;
    return *this;
}

ImageBuilder &ImageBuilder::setImportedMemory(ExportedMemory &memory) {
    m_import = &memory;
    return *this;
}

Image::Description ImageBuilder::describe() const {
    if (!m_device) throw LogicError("ImageBuilder: device is missing (setDevice)");
    if (!m_allocator) throw LogicError("ImageBuilder: allocator is missing (setAllocator)");
    if (m_pool && m_pool->allocator() != m_allocator) {
        throw LogicError("ImageBuilder: the pool belongs to another allocator (setPool)");
    }
    if (m_pool && m_pool->host_access() != HostAccess::None) {
        throw LogicError("ImageBuilder: the pool is host-visible; images need a device-local "
                         "pool (setPool)");
    }
    if (m_allocator->device() != m_device) {
        throw LogicError("ImageBuilder: the allocator belongs to another device");
    }
    if (m_export && m_import) {
        throw LogicError("ImageBuilder: an image is either exportable or imported (setExportable, setImportedMemory)");
    }
    if (m_pool && (m_export || m_import)) {
        throw LogicError("ImageBuilder: an exportable or imported image has memory of its own, not a pool's (setPool)");
    }
    if (m_export && *m_export != ExternalMemoryHandle::OpaqueFd && *m_export != ExternalMemoryHandle::DmaBuf) {
        throw LogicError("ImageBuilder: the handle kind is not an ExternalMemoryHandle value (setExportable)");
    }
    if (m_format == vk::Format::eUndefined) throw LogicError("ImageBuilder: format is missing (setFormat)");
    if (!m_extent) throw LogicError("ImageBuilder: extent is missing (setExtent)");
    if (!m_usage) throw LogicError("ImageBuilder: usage is missing (setUsage)");
    // Values outside the enumerations would reach Vulkan unchecked: refuse them first.
    if (!is_known(m_format)) {
        throw LogicError("ImageBuilder: format " + std::to_string(static_cast<std::int64_t>(m_format)) +
                         " is not a Vulkan format (setFormat)");
    }
    // Raw masks: Vulkan-Hpp's operator~ keeps only the bits it knows.
    if ((static_cast<VkImageUsageFlags>(m_usage) &
         ~static_cast<VkImageUsageFlags>(vk::FlagTraits<vk::ImageUsageFlagBits>::allFlags)) != 0) {
        throw LogicError("ImageBuilder: usage " + vk::to_string(m_usage) +
                         " has bits no Vulkan image usage defines (setUsage)");
    }
    if (m_usage & vk::ImageUsageFlagBits::eTransientAttachment) {
        const vk::ImageUsageFlags attachments = vk::ImageUsageFlagBits::eColorAttachment |
                                                vk::ImageUsageFlagBits::eDepthStencilAttachment |
                                                vk::ImageUsageFlagBits::eInputAttachment;
        if (!(m_usage & attachments) ||
            (m_usage & ~(attachments | vk::ImageUsageFlagBits::eTransientAttachment))) {
            throw LogicError("ImageBuilder: usage " + vk::to_string(m_usage) +
                             ": a transient attachment must be a colour, depth-stencil or input "
                             "attachment and nothing else (setUsage)");
        }
    }
    if (m_type && *m_type != vk::ImageType::e1D && *m_type != vk::ImageType::e2D &&
        *m_type != vk::ImageType::e3D) {
        throw LogicError("ImageBuilder: image type " + vk::to_string(*m_type) +
                         " is not 1D, 2D or 3D (setImageType)");
    }
    if (m_tiling != vk::ImageTiling::eOptimal && m_tiling != vk::ImageTiling::eLinear) {
        throw LogicError("ImageBuilder: tiling " + vk::to_string(m_tiling) +
                         " is not optimal or linear (setTiling)");
    }
    if (!is_single_sample_count(m_samples)) {
        throw LogicError("ImageBuilder: samples " + vk::to_string(m_samples) +
                         " is not one of 1, 2, 4, 8, 16, 32, 64 (setSamples)");
    }
    const vk::Extent3D extent = *m_extent;
    if (extent.width == 0 || extent.height == 0 || extent.depth == 0) {
        throw LogicError("ImageBuilder: extent " + extent_string(extent) + " has a zero side");
    }
    const vk::ImageType type =
        m_type.value_or(extent.depth > 1 ? vk::ImageType::e3D : vk::ImageType::e2D);
    if (type != vk::ImageType::e3D && extent.depth != 1) {
        throw LogicError("ImageBuilder: a " + vk::to_string(type) + " image needs depth 1, got " +
                         extent_string(extent));
    }
    if (type == vk::ImageType::e1D && extent.height != 1) {
        throw LogicError("ImageBuilder: a 1D image needs height 1, got " + extent_string(extent));
    }
    const std::uint32_t mip_levels = m_full_mip_chain ? max_mip_levels(extent) : m_mip_levels;
    if (mip_levels == 0 || mip_levels > max_mip_levels(extent)) {
        throw LogicError("ImageBuilder: mipLevels " + std::to_string(mip_levels) +
                         " is outside 1.." + std::to_string(max_mip_levels(extent)) +
                         " for extent " + extent_string(extent));
    }
    if (m_array_layers == 0) throw LogicError("ImageBuilder: arrayLayers is zero");
    AllocatorInternals::validate_name(m_name, "ImageBuilder: name");
    if (type == vk::ImageType::e3D && m_array_layers != 1) {
        throw LogicError("ImageBuilder: a 3D image must have one array layer");
    }

    // Vulkan's own rule, whatever the device: a caller bug, checked before asking the device.
    if (m_samples != vk::SampleCountFlagBits::e1 &&
        (type != vk::ImageType::e2D || mip_levels != 1 || m_tiling != vk::ImageTiling::eOptimal)) {
        throw LogicError("ImageBuilder: multisampled images must be 2D, optimal tiling, one mip level");
    }

    const std::string what = "format " + vk::to_string(m_format) + " with usage " +
                             vk::to_string(m_usage) + " (" + vk::to_string(type) + ", " +
                             vk::to_string(m_tiling) + " tiling)";
    const std::string device_name(m_device->physical_device().name());
    vk::ImageFormatProperties properties;
    const vk::Result supported = m_device->physical_device().handle().getImageFormatProperties(
        m_format, type, m_tiling, m_usage, {}, &properties);
    if (supported == vk::Result::eErrorFormatNotSupported) {
        throw NotSupportedError("ImageBuilder: " + what + " is not supported by " + device_name);
    }
    check(supported, "vkGetPhysicalDeviceImageFormatProperties");
    const auto &max = properties.maxExtent;
    if (extent.width > max.width || extent.height > max.height || extent.depth > max.depth) {
        throw NotSupportedError("ImageBuilder: extent " + extent_string(extent) + " exceeds " +
                         extent_string(max) + ", the largest " + device_name + " allows for " + what);
    }
    if (mip_levels > properties.maxMipLevels) {
        throw NotSupportedError("ImageBuilder: mipLevels " + std::to_string(mip_levels) + " exceeds " +
                         std::to_string(properties.maxMipLevels) + " for " + what);
    }
    if (m_array_layers > properties.maxArrayLayers) {
        throw NotSupportedError("ImageBuilder: arrayLayers " + std::to_string(m_array_layers) +
                         " exceeds " + std::to_string(properties.maxArrayLayers) + " for " + what);
    }
    if (const vk::DeviceSize bytes = texel_bytes(m_format, extent, mip_levels, m_array_layers, m_samples);
        bytes > properties.maxResourceSize) {
        throw NotSupportedError("ImageBuilder: " + std::to_string(bytes) + " bytes of texels exceed " +
                         std::to_string(properties.maxResourceSize) +
                         ", the largest image (maxResourceSize) " + device_name + " allows for " + what);
    }
    if (!(properties.sampleCounts & m_samples)) {
        throw NotSupportedError("ImageBuilder: " + vk::to_string(m_samples) + " samples are not supported for " + what);
    }

    return Image::Description{type, m_format, extent, mip_levels, m_array_layers, m_samples, m_tiling, m_usage};
}

std::unique_ptr<Image> ImageBuilder::build() const {
    const Image::Description description = describe();
    if (m_export) return detail::ExternalImages::create_exportable(*this, description, *m_export);
    if (m_import) return detail::ExternalImages::import_memory(*this, description, *m_import);
    const VkImageCreateInfo image_info = detail::image_create_info(description);
    VmaAllocationCreateInfo allocation_info{};
    allocation_info.usage = VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE;
    if (!m_allocator->allows_over_subscription()) {
        allocation_info.flags |= VMA_ALLOCATION_CREATE_WITHIN_BUDGET_BIT;
    }
    if (m_pool) allocation_info.pool = m_pool->handle();
    // An image larger than every heap it may live in cannot be allocated: refused here, since
    // VMA would pass the size to vkAllocateMemory, which must not be asked for more than a heap.
    const auto requirements = image_requirements(*m_device, image_info);
    const std::optional<vk::DeviceSize> requested =
        requirements ? std::optional(requirements->size) : std::nullopt;
    if (requirements) {
        const auto &memory = m_device->physical_device().memory_properties();
        vk::DeviceSize largest_heap = 0;
        std::uint32_t first_type = UINT32_MAX;
        for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
            if ((requirements->memoryTypeBits & (1U << i)) == 0) continue;
            if (first_type == UINT32_MAX) first_type = i;
            largest_heap = std::max(largest_heap, memory.memoryHeaps[memory.memoryTypes[i].heapIndex].size);
        }
        if (requirements->size > largest_heap) {
            throw AllocatorInternals::out_of_memory(*m_allocator, vk::Result::eErrorOutOfDeviceMemory, "vmaCreateImage",
                                             requirements->size, first_type,
                                             std::source_location::current());
        }
    }
    AllocatorInternals::check_invariants("ImageBuilder::build");
    // The result object first: a std::bad_alloc after vmaCreateImage would leak the image.
    auto result_image = std::make_unique<Image>();
    auto views = std::make_shared<detail::ImageViewRegistry>();
    detail::set_image_relocation(&image_relocation); // before the first image can be moved
    allocation_info.pUserData = static_cast<Allocation *>(result_image.get()); // for defragment()
    detail::throw_if_lost(*m_allocator->device(), "vmaCreateImage");
    detail::GateEntry entry(AllocatorInternals::defragmentation_gate(*m_allocator));
    VkImage image = VK_NULL_HANDLE;
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    const VkResult result = vmaCreateImage(m_allocator->handle(), &image_info, &allocation_info,
                                           &image, &allocation, &info);
    if (m_pool && (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)) {
        throw m_pool->full_error(static_cast<vk::Result>(result), "vmaCreateImage",
                                 requested.value_or(0));
    }
    if (m_pool && result == VK_ERROR_FEATURE_NOT_PRESENT) {
        throw NotSupportedError("ImageBuilder: the image's memory requirements exclude memory type " +
                                std::to_string(m_pool->memory_type_index()) + " of its pool (setPool)");
    }
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) {
        std::uint32_t memory_type = UINT32_MAX; // best effort, as image_requirements()
        if (vmaFindMemoryTypeIndexForImageInfo(m_allocator->handle(), &image_info,
                                               &allocation_info, &memory_type) != VK_SUCCESS) {
            memory_type = UINT32_MAX;
        }
        throw AllocatorInternals::out_of_memory(*m_allocator, static_cast<vk::Result>(result), "vmaCreateImage",
                                         requested, memory_type,
                                         std::source_location::current());
    }
    check(result, "vmaCreateImage");
    if (auto error = AllocatorInternals::over_budget(*m_allocator, allocation, info, "vmaCreateImage",
                                              std::source_location::current())) {
        vmaDestroyImage(m_allocator->handle(), image, allocation);
        throw *error;
    }
    // From a pool, the image shares the pool's ownership (which holds the allocator).
    std::shared_ptr<const Allocator> owner =
        m_pool ? std::shared_ptr<const Allocator>(m_pool, m_allocator.get()) : m_allocator;
    *result_image = Image(std::move(owner), image, allocation, description);
    result_image->m_views = std::move(views);
    entry.leave(); // before any path that frees the image
    AllocatorInternals::check_invariants("vmaCreateImage"); // `result_image` frees the image
    if (!m_name.empty()) result_image->set_name(m_name);
    return result_image;
}

} // namespace vw
