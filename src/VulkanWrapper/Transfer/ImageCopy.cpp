#include "ImageCopy.h"

#include <string>

#include <vulkan/vulkan_format_traits.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

namespace {

std::string prefix(std::string_view operation) { return std::string(operation) + ": "; }

// Vulkan ties each layout to a usage; any other value, or a layout the image's usage rules
// out, would reach a barrier and the validation layer. `role` names the argument.
void check_transfer_layout(vk::ImageLayout layout, vk::ImageUsageFlags usage, std::string_view operation,
                           const char *role) {
    using L = vk::ImageLayout;
    using U = vk::ImageUsageFlagBits;
    vk::ImageUsageFlags needed;
    switch (layout) {
    case L::eGeneral: return;
    case L::eTransferSrcOptimal: needed = U::eTransferSrc; break;
    case L::eTransferDstOptimal: needed = U::eTransferDst; break;
    case L::eShaderReadOnlyOptimal: needed = U::eSampled | U::eInputAttachment; break;
    case L::eColorAttachmentOptimal: needed = U::eColorAttachment; break;
    case L::eDepthStencilAttachmentOptimal:
    case L::eDepthStencilReadOnlyOptimal: needed = U::eDepthStencilAttachment; break;
    default:
        throw LogicError(prefix(operation) + "the " + role + " layout " + vk::to_string(layout) +
                         " is not one transfers use (general, transfer source or destination, "
                         "shader read-only, colour or depth-stencil attachment)");
    }
    if (!(usage & needed)) {
        throw LogicError(prefix(operation) + "the " + role + " layout " + vk::to_string(layout) +
                         " needs an image with usage " + vk::to_string(needed) + ", not " +
                         vk::to_string(usage));
    }
}

void check_image(const Image *image, const Device &device, MipLevel level, ArrayLayer layer,
                 vk::ImageUsageFlagBits usage, std::string_view operation) {
    if (!image) throw LogicError(prefix(operation) + "the image is null");
    if (image->empty()) throw LogicError(prefix(operation) + "the image is empty");
    if (image->allocator()->device().get() != &device) {
        throw LogicError(prefix(operation) + "the image belongs to another device");
    }
    if (!(image->usage() & usage)) {
        throw LogicError(prefix(operation) + "the image lacks " + vk::to_string(usage) + " usage");
    }
    if (value_of(level) >= image->mip_levels() || value_of(layer) >= image->array_layers()) {
        throw LogicError(prefix(operation) + "mip level " + std::to_string(value_of(level)) + " / layer " +
                         std::to_string(value_of(layer)) + " outside the image's " +
                         std::to_string(image->mip_levels()) + " levels and " +
                         std::to_string(image->array_layers()) + " layers");
    }
    if (image->samples() != vk::SampleCountFlagBits::e1) {
        throw LogicError(prefix(operation) + "a multisampled image (" + vk::to_string(image->samples()) +
                         ") is not copied to or from buffers");
    }
    if (image->aspect() == (vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil)) {
        throw LogicError(prefix(operation) + "combined depth-stencil formats (" +
                         vk::to_string(image->format()) + ") are not transferred");
    }
}

bool undefined(vk::ImageLayout layout) {
    return layout == vk::ImageLayout::eUndefined || layout == vk::ImageLayout::ePreinitialized;
}

} // namespace

void check_image_upload(const Image *image, const Device &device, MipLevel level, ArrayLayer layer,
                        std::size_t texel_bytes, vk::ImageLayout final_layout,
                        vk::ImageLayout current_layout, std::string_view operation) {
    check_image(image, device, level, layer, vk::ImageUsageFlagBits::eTransferDst, operation);
    if (undefined(final_layout)) {
        throw LogicError(prefix(operation) + "the final layout must be a defined layout, not " +
                         vk::to_string(final_layout));
    }
    check_transfer_layout(final_layout, image->usage(), operation, "final");
    // An undefined current layout discards the old contents, which the copy replaces anyway.
    if (current_layout != vk::ImageLayout::eUndefined) {
        check_transfer_layout(current_layout, image->usage(), operation, "current");
    }
    const vk::DeviceSize expected = subresource_bytes(*image, level);
    if (texel_bytes != expected) {
        throw LogicError(prefix(operation) + std::to_string(texel_bytes) + " bytes given, mip level " +
                         std::to_string(value_of(level)) + " of " + vk::to_string(image->format()) +
                         " needs " + std::to_string(expected));
    }
}

void check_image_download(const Image *image, const Device &device, MipLevel level, ArrayLayer layer,
                          vk::ImageLayout layout, std::string_view operation) {
    check_image(image, device, level, layer, vk::ImageUsageFlagBits::eTransferSrc, operation);
    if (undefined(layout)) {
        throw LogicError(prefix(operation) + "an image in layout " + vk::to_string(layout) +
                         " has no defined contents");
    }
    check_transfer_layout(layout, image->usage(), operation, "current");
}

vk::DeviceSize subresource_bytes(const Image &image, MipLevel level) {
    const vk::Extent3D extent = image.mip_extent(level);
    const auto block = vk::blockExtent(image.format());
    const auto blocks = [](std::uint32_t texels, std::uint8_t block_side) {
        return (static_cast<vk::DeviceSize>(texels) + block_side - 1) / block_side;
    };
    return vk::blockSize(image.format()) * blocks(extent.width, block[0]) *
           blocks(extent.height, block[1]) * blocks(extent.depth, block[2]);
}

vk::BufferImageCopy copy_region(const Image &image, MipLevel level, ArrayLayer layer) {
    return {0, 0, 0, vk::ImageSubresourceLayers(image.aspect(), value_of(level), value_of(layer), 1),
            {0, 0, 0}, image.mip_extent(level)};
}

} // namespace vw::detail
