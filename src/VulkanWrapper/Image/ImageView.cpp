#include "VulkanWrapper/Image/ImageView.h"

#include <utility>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageViewRegistry.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

namespace {

vk::ImageViewType default_view_type(const Image &image, std::uint32_t layers) {
    switch (image.type()) {
    case vk::ImageType::e1D: return layers > 1 ? vk::ImageViewType::e1DArray : vk::ImageViewType::e1D;
    case vk::ImageType::e3D: return vk::ImageViewType::e3D;
    default: return layers > 1 ? vk::ImageViewType::e2DArray : vk::ImageViewType::e2D;
    }
}

bool fits(vk::ImageViewType view, vk::ImageType image) {
    switch (view) {
    case vk::ImageViewType::e1D:
    case vk::ImageViewType::e1DArray: return image == vk::ImageType::e1D;
    case vk::ImageViewType::e3D: return image == vk::ImageType::e3D;
    case vk::ImageViewType::e2D:
    case vk::ImageViewType::e2DArray: return image == vk::ImageType::e2D;
    default: return false; // cube views need cube-compatible images, which ImageBuilder does not make
    }
}

} // namespace

ImageView::ImageView(std::shared_ptr<Device> device, vk::UniqueImageView view, vk::Image image,
                     vk::ImageViewType type, vk::Format format,
                     const vk::ImageSubresourceRange &range, std::shared_ptr<const Image> owner)
    : m_view(std::move(view), std::move(device), std::move(owner))
    , m_image(image)
    , m_type(type)
    , m_format(format)
    , m_range(range) {}

ImageView::ImageView(ImageView &&other) noexcept
    : m_view(std::move(other.m_view))
    , m_image(std::exchange(other.m_image, vk::Image{}))
    , m_type(other.m_type)
    , m_format(other.m_format)
    , m_range(other.m_range)
    , m_registry(std::move(other.m_registry)) {
    if (m_registry) m_registry->replace(&other, this);
}

ImageView &ImageView::operator=(ImageView &&other) noexcept {
    if (this != &other) {
        if (m_registry) m_registry->remove(this);
        m_view = std::move(other.m_view);
        m_image = std::exchange(other.m_image, vk::Image{});
        m_type = other.m_type;
        m_format = other.m_format;
        m_range = other.m_range;
        m_registry = std::move(other.m_registry);
        if (m_registry) m_registry->replace(&other, this);
    }
    return *this;
}

ImageView::~ImageView() {
    if (m_registry) m_registry->remove(this);
}

ImageViewBuilder &ImageViewBuilder::setDevice(std::shared_ptr<Device> device) {
    m_device = std::move(device);
    return *this;
}

ImageViewBuilder &ImageViewBuilder::setImage(const Image &image) {
    m_image = &image;
    m_shared_image.reset();
    return *this;
}

ImageViewBuilder &ImageViewBuilder::setImage(std::shared_ptr<const Image> image) {
    m_image = image.get();
    m_shared_image = std::move(image);
    return *this;
}

ImageViewBuilder &ImageViewBuilder::setViewType(vk::ImageViewType type) {
    m_type = type;
    return *this;
}

ImageViewBuilder &ImageViewBuilder::setFormat(vk::Format format) {
    m_format = format;
    return *this;
}

ImageViewBuilder &ImageViewBuilder::setSubresourceRange(const vk::ImageSubresourceRange &range) {
    m_range = range;
    return *this;
}

std::unique_ptr<ImageView> ImageViewBuilder::build() const {
    if (!m_device) throw LogicError("ImageViewBuilder: device is missing (setDevice)");
    if (m_image == nullptr || m_image->empty()) {
        throw LogicError("ImageViewBuilder: image is missing (setImage)");
    }
    const Image &image = *m_image;
    if (image.allocator()->device() != m_device) {
        throw LogicError("ImageViewBuilder: the image belongs to another device");
    }
    const vk::ImageUsageFlags viewable =
        vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eStorage |
        vk::ImageUsageFlagBits::eColorAttachment | vk::ImageUsageFlagBits::eDepthStencilAttachment |
        vk::ImageUsageFlagBits::eInputAttachment | vk::ImageUsageFlagBits::eTransientAttachment;
    if (!(image.usage() & viewable)) {
        throw LogicError("ImageViewBuilder: the image's usage " + vk::to_string(image.usage()) +
                         " allows no views (sampled, storage or attachment needed)");
    }
    const vk::ImageSubresourceRange range = m_range.value_or(image.full_range());
    if (range.levelCount == 0 || range.layerCount == 0 ||
        range.baseMipLevel >= image.mip_levels() ||
        range.levelCount > image.mip_levels() - range.baseMipLevel ||
        range.baseArrayLayer >= image.array_layers() ||
        range.layerCount > image.array_layers() - range.baseArrayLayer) {
        throw LogicError("ImageViewBuilder: the subresource range lies outside the image's " +
                         std::to_string(image.mip_levels()) + " mip levels and " +
                         std::to_string(image.array_layers()) + " layers");
    }
    // Raw masks: Vulkan-Hpp's operator~ keeps only the bits it knows, which would let unknown
    // bits through.
    if (!range.aspectMask || (static_cast<VkImageAspectFlags>(range.aspectMask) &
                              ~static_cast<VkImageAspectFlags>(image.aspect())) != 0) {
        throw LogicError("ImageViewBuilder: aspect " + vk::to_string(range.aspectMask) +
                         " is not part of the image's " + vk::to_string(image.aspect()));
    }
    const vk::ImageViewType type = m_type.value_or(default_view_type(image, range.layerCount));
    if (!fits(type, image.type())) {
        throw LogicError("ImageViewBuilder: view type " + vk::to_string(type) +
                         " does not fit a " + vk::to_string(image.type()) + " image");
    }
    if ((type == vk::ImageViewType::e1D || type == vk::ImageViewType::e2D ||
         type == vk::ImageViewType::e3D) &&
        range.layerCount != 1) {
        throw LogicError("ImageViewBuilder: a " + vk::to_string(type) + " view sees one layer, not " +
                         std::to_string(range.layerCount) + " (use an array view type)");
    }
    const vk::Format format = m_format.value_or(image.format());
    if (format != image.format()) {
        throw LogicError("ImageViewBuilder: format " + vk::to_string(format) + " differs from the image's " +
                         vk::to_string(image.format()) + " (images are not created with mutable formats)");
    }
    const vk::ImageViewCreateInfo info({}, image.handle(), type, format, {}, range);
    vk::ImageView view;
    check(m_device->handle().createImageView(&info, nullptr, &view), "vkCreateImageView");
    vk::UniqueImageView owned(
        view, vk::ObjectDestroy<vk::Device, vk::DispatchLoaderStatic>(m_device->handle(), nullptr));
    auto result = std::unique_ptr<ImageView>(new ImageView(m_device, std::move(owned), image.handle(),
                                                           type, format, range, m_shared_image));
    if (image.m_views) {
        image.m_views->add(result.get());
        result->m_registry = image.m_views;
    }
    return result;
}

} // namespace vw
