#pragma once

#include <string>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

/// Throws LogicError unless an image of `usage` may be in `layout` around a transfer: general,
/// transfer source or destination, shader read-only, colour or depth-stencil attachment, each
/// only with the usage Vulkan requires for it (any other value, or a layout the image's usage
/// rules out, would reach a barrier and the validation layer). `role` names the argument.
inline void check_transfer_layout(vk::ImageLayout layout, vk::ImageUsageFlags usage,
                                  const char *operation, const char *role) {
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
        throw LogicError(std::string(operation) + ": the " + role + " layout " + vk::to_string(layout) +
                         " is not one transfers use (general, transfer source or destination, "
                         "shader read-only, colour or depth-stencil attachment)");
    }
    if (!(usage & needed)) {
        throw LogicError(std::string(operation) + ": the " + role + " layout " + vk::to_string(layout) +
                         " needs an image with usage " + vk::to_string(needed) + ", not " +
                         vk::to_string(usage));
    }
}

} // namespace vw::detail
