#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <optional>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class Allocator;
class Device;

/// The aspects of a format: colour, depth, stencil or depth|stencil.
[[nodiscard]] vk::ImageAspectFlags aspect_of(vk::Format format) noexcept;

/// An image and its device-local memory, created by ImageBuilder. Move-only; a moved-from
/// image is empty. Keeps its Allocator (and so its device) alive. Like a standard container:
/// one writer at a time.
class Image {
public:
    struct Description {
        vk::ImageType type = vk::ImageType::e2D;
        vk::Format format = vk::Format::eUndefined;
        vk::Extent3D extent;
        std::uint32_t mip_levels = 1;
        std::uint32_t array_layers = 1;
        vk::SampleCountFlagBits samples = vk::SampleCountFlagBits::e1;
        vk::ImageTiling tiling = vk::ImageTiling::eOptimal;
        vk::ImageUsageFlags usage;
    };

    /// An empty image.
    Image() noexcept = default;
    /// Adopts `image` and `allocation` created by `allocator` as described (used by ImageBuilder).
    Image(std::shared_ptr<const Allocator> allocator, VkImage image, VmaAllocation allocation,
          const Description &description) noexcept;
    Image(Image &&other) noexcept;
    Image &operator=(Image &&other) noexcept;
    Image(const Image &) = delete;
    Image &operator=(const Image &) = delete;
    ~Image();

    /// The vk::Image (null when empty).
    [[nodiscard]] vk::Image handle() const noexcept { return m_image; }
    [[nodiscard]] vk::ImageType type() const noexcept { return m_description.type; }
    [[nodiscard]] vk::Format format() const noexcept { return m_description.format; }
    [[nodiscard]] vk::Extent3D extent() const noexcept { return m_description.extent; }
    [[nodiscard]] std::uint32_t mip_levels() const noexcept { return m_description.mip_levels; }
    [[nodiscard]] std::uint32_t array_layers() const noexcept {
        return m_description.array_layers;
    }
    [[nodiscard]] vk::SampleCountFlagBits samples() const noexcept {
        return m_description.samples;
    }
    [[nodiscard]] vk::ImageTiling tiling() const noexcept { return m_description.tiling; }
    [[nodiscard]] vk::ImageUsageFlags usage() const noexcept { return m_description.usage; }
    /// Colour, depth, stencil or depth|stencil, from the format.
    [[nodiscard]] vk::ImageAspectFlags aspect() const noexcept;
    /// Every mip level and array layer of every aspect.
    [[nodiscard]] vk::ImageSubresourceRange full_range() const noexcept;
    /// The extent of mip level `level` (each side halved per level, at least 1).
    [[nodiscard]] vk::Extent3D mip_extent(MipLevel level) const noexcept;
    /// True when the image holds nothing.
    [[nodiscard]] bool empty() const noexcept { return m_image == VK_NULL_HANDLE; }
    /// The VMA allocation backing it.
    [[nodiscard]] VmaAllocation allocation() const noexcept { return m_allocation; }
    /// The allocator that owns the memory.
    [[nodiscard]] const std::shared_ptr<const Allocator> &allocator() const noexcept {
        return m_allocator;
    }
    /// Index of the memory type the image landed in. LogicError when empty.
    [[nodiscard]] std::uint32_t memory_type_index() const;
    /// True when the image has a VkDeviceMemory of its own rather than a range of a block.
    /// LogicError when empty.
    [[nodiscard]] bool is_dedicated() const;

    /// Names the image for reports, the JSON, the memory map and (with debug utils) validation
    /// messages; "" clears it. LogicError when empty or for control characters. Not
    /// thread-safe for the same image.
    void set_name(std::string_view name);
    /// The image's name ("" when unnamed or empty).
    [[nodiscard]] std::string name() const;

private:
    void release() noexcept;

    std::shared_ptr<const Allocator> m_allocator;
    VkImage m_image = VK_NULL_HANDLE;
    VmaAllocation m_allocation = nullptr;
    Description m_description;
};

/// Builds an Image. Required: device, allocator, format, extent, usage. build() validates
/// everything before any allocation: required fields, non-zero extent, mip levels at most
/// floor(log2(largest side)) + 1, and format/type/tiling/usage/samples/extent/layers supported
/// by the device (vkGetPhysicalDeviceImageFormatProperties).
class ImageBuilder {
public:
    /// The device (required; must be the allocator's).
    ImageBuilder &setDevice(std::shared_ptr<Device> device);
    /// The allocator providing the memory (required).
    ImageBuilder &setAllocator(std::shared_ptr<Allocator> allocator);
    /// The format (required).
    ImageBuilder &setFormat(vk::Format format);
    /// A 2D extent (depth 1).
    ImageBuilder &setExtent(Width width, Height height);
    /// A 3D extent.
    ImageBuilder &setExtent(Width width, Height height, Depth depth);
    /// The depth of a 3D image.
    ImageBuilder &setDepth(Depth depth);
    /// Number of mip levels; default 1.
    ImageBuilder &setMipLevels(std::uint32_t levels);
    /// Number of array layers; default 1.
    ImageBuilder &setArrayLayers(std::uint32_t layers);
    /// 1D, 2D or 3D; by default 2D, or 3D when the depth is above 1.
    ImageBuilder &setImageType(vk::ImageType type);
    /// Optimal (default) or linear tiling.
    ImageBuilder &setTiling(vk::ImageTiling tiling);
    /// Samples per texel; default 1.
    ImageBuilder &setSamples(vk::SampleCountFlagBits samples);
    /// How the image will be used (required, non-empty).
    ImageBuilder &setUsage(vk::ImageUsageFlags usage);
    /// A name for the image (optional; see Image::set_name). Validated by build().
    ImageBuilder &setName(std::string name);

    /// Validates and creates the image in device-local memory. LogicError naming the field, or
    /// the format and usage the device cannot support; OutOfMemoryError when memory or budget
    /// runs out; VulkanException otherwise. Nothing is left behind on failure.
    [[nodiscard]] std::unique_ptr<Image> build() const;

private:
    std::shared_ptr<Device> m_device;
    std::shared_ptr<Allocator> m_allocator;
    vk::Format m_format = vk::Format::eUndefined;
    std::optional<vk::Extent3D> m_extent;
    std::uint32_t m_mip_levels = 1;
    std::uint32_t m_array_layers = 1;
    std::optional<vk::ImageType> m_type;
    vk::ImageTiling m_tiling = vk::ImageTiling::eOptimal;
    vk::SampleCountFlagBits m_samples = vk::SampleCountFlagBits::e1;
    vk::ImageUsageFlags m_usage;
    std::string m_name;
};

} // namespace vw
