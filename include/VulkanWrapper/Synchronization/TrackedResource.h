#pragma once

#include <cstdint>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"

namespace vw {

/// A buffer as the ResourceTracker sees it: its handle and size. Implicitly made from any
/// vw::BufferBase; a buffer made outside the library is described by hand. Plain value.
struct TrackedBuffer {
    vk::Buffer handle;           ///< The buffer (not owned).
    vk::DeviceSize size_bytes{}; ///< Its size in bytes: requests past it are refused.

    /// A buffer made outside the library.
    TrackedBuffer(vk::Buffer buffer, vk::DeviceSize size) noexcept
        : handle(buffer), size_bytes(size) {}
    /// A library buffer (not owned; it must outlive its tracking, see ResourceTracker::forget).
    TrackedBuffer(const BufferBase &buffer) noexcept // NOLINT(google-explicit-constructor)
        : handle(buffer.handle()), size_bytes(buffer.size_bytes()) {}
};

/// An image as the ResourceTracker sees it: its handle, subresources and usage (which decides
/// the layouts it may be requested in). vw::Image::tracked() makes one. Plain value.
struct TrackedImage {
    vk::Image handle;                ///< The image (not owned).
    vk::ImageAspectFlags aspects;    ///< Every aspect of its format.
    std::uint32_t mip_levels = 1;    ///< Its mip levels.
    std::uint32_t array_layers = 1;  ///< Its array layers.
    vk::ImageUsageFlags usage;       ///< The usage it was created with.

    /// Every subresource of the image.
    [[nodiscard]] vk::ImageSubresourceRange full_range() const noexcept {
        return {aspects, 0, mip_levels, 0, array_layers};
    }
};

/// One use of a buffer range: the pipeline stages and accesses that touch it and, for buffers
/// with exclusive sharing used on several queue families, the family that uses it
/// (VK_QUEUE_FAMILY_IGNORED: no ownership is tracked).
struct BufferUse {
    vk::PipelineStageFlags2 stages;                     ///< Stages of the use (non-empty).
    vk::AccessFlags2 access;                            ///< Accesses of the use; writes if any write bit.
    std::uint32_t queue_family = VK_QUEUE_FAMILY_IGNORED; ///< Owning family, or ignored.
};

/// One use of image subresources: stages, accesses, the layout they must be in, and the queue
/// family as for BufferUse.
struct ImageUse {
    vk::PipelineStageFlags2 stages;                     ///< Stages of the use (non-empty).
    vk::AccessFlags2 access;                            ///< Accesses of the use; writes if any write bit.
    vk::ImageLayout layout = vk::ImageLayout::eUndefined; ///< Layout of the use.
    std::uint32_t queue_family = VK_QUEUE_FAMILY_IGNORED; ///< Owning family, or ignored.
};

} // namespace vw
