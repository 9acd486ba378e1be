#pragma once
// Validation shared by CommandRecorder and generate_mipmaps: what a transfer command needs of
// an image, a buffer and the device, checked before anything is requested or recorded.

#include <string>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw::detail {

inline void require_image_usage(const Image &image, vk::ImageUsageFlags usage, const char *operation) {
    if (!image.handle()) {
        throw LogicError(std::string(operation) + ": the image is empty");
    }
    if ((image.usage() & usage) != usage) {
        throw LogicError(std::string(operation) + ": the image needs usage " + vk::to_string(usage) +
                         ", it has " + vk::to_string(image.usage()));
    }
}

inline void require_buffer_usage(const BufferBase &buffer, vk::BufferUsageFlags usage,
                                 const char *operation) {
    if (!buffer.handle()) {
        throw LogicError(std::string(operation) + ": the buffer is empty");
    }
    if ((buffer.usage() & usage) != usage) {
        throw LogicError(std::string(operation) + ": the buffer needs usage " +
                         vk::to_string(usage) + ", it has " + vk::to_string(buffer.usage()));
    }
}

// Blits and depth/stencil clears are graphics commands: recorded for a family without graphics
// they are invalid, and a real GPU loses the device on them.
inline void require_graphics_family(const Image &image, std::uint32_t family, const char *operation) {
    const PhysicalDevice &physical = image.allocator()->device()->physical_device();
    const auto &families = physical.queue_families();
    if (family >= families.size() || !(families[family].queueFlags & vk::QueueFlagBits::eGraphics)) {
        throw NotSupportedError(std::string(operation) + ": a graphics command, and queue family " +
                                std::to_string(family) + " of " + std::string(physical.name()) +
                                " has no graphics; record it for a graphics queue (Device::graphics_queue)");
    }
}

inline vk::FormatFeatureFlags format_features(const Image &image) {
    const vk::FormatProperties properties =
        image.allocator()->device()->physical_device().handle().getFormatProperties(image.format());
    return image.tiling() == vk::ImageTiling::eLinear ? properties.linearTilingFeatures
                                                      : properties.optimalTilingFeatures;
}

inline void require_format_features(const Image &image, vk::FormatFeatureFlags features,
                                    const char *operation) {
    const vk::FormatFeatureFlags has = format_features(image);
    if ((has & features) != features) {
        throw NotSupportedError(std::string(operation) + ": format " + vk::to_string(image.format()) +
                                " with " + vk::to_string(image.tiling()) + " tiling lacks " +
                                vk::to_string(features & ~has) + " on this device");
    }
}

} // namespace vw::detail
