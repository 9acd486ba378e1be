#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <optional>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocation.h"
#include "VulkanWrapper/Memory/ExternalMemory.h"
#include "VulkanWrapper/Synchronization/TrackedResource.h"
#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class Allocator;
class Device;
class Pool;

namespace detail {
struct ImageViewRegistry;
class ImageViewRelocation;
class ExternalImages;
} // namespace detail

/// The aspects of a format: colour, depth, stencil or depth|stencil.
[[nodiscard]] vk::ImageAspectFlags aspect_of(vk::Format format) noexcept;

/// An image and its device-local memory, created by ImageBuilder. Move-only; a moved-from
/// image is empty. Keeps its Allocator (and so its device) alive. What it shares with buffers
/// (memory type, dedicated or not, name) comes from Allocation. Like a standard container:
/// one writer at a time.
class Image : public Allocation {
public:
    /// What an image was created as: the fields of its VkImageCreateInfo that the library keeps.
    struct Description {
        /// 1D, 2D or 3D.
        vk::ImageType type = vk::ImageType::e2D;
        /// The texel format.
        vk::Format format = vk::Format::eUndefined;
        /// Width, height and depth of mip level 0, in texels.
        vk::Extent3D extent;
        /// Number of mip levels.
        std::uint32_t mip_levels = 1;
        /// Number of array layers.
        std::uint32_t array_layers = 1;
        /// Samples per texel.
        vk::SampleCountFlagBits samples = vk::SampleCountFlagBits::e1;
        /// Optimal or linear tiling.
        vk::ImageTiling tiling = vk::ImageTiling::eOptimal;
        /// The usage flags the image was created with.
        vk::ImageUsageFlags usage;
    };

    /// An empty image.
    Image() noexcept;
    /// Takes the image and memory of `other`, which is left empty.
    Image(Image &&other) noexcept;
    /// Frees what this holds, then takes the image and memory of `other`, which is left empty.
    Image &operator=(Image &&other) noexcept;
    Image(const Image &) = delete;
    Image &operator=(const Image &) = delete;
    /// Destroys the image and frees its memory.
    ~Image();

    /// The vk::Image (null when empty).
    [[nodiscard]] vk::Image handle() const noexcept {
        return vk::Image(reinterpret_cast<VkImage>(object()));
    }
    /// The image type (1D, 2D, 3D).
    [[nodiscard]] vk::ImageType type() const noexcept { return m_description.type; }
    /// The texel format.
    [[nodiscard]] vk::Format format() const noexcept { return m_description.format; }
    /// The extent of mip level 0.
    [[nodiscard]] vk::Extent3D extent() const noexcept { return m_description.extent; }
    /// The number of mip levels.
    [[nodiscard]] std::uint32_t mip_levels() const noexcept { return m_description.mip_levels; }
    /// The number of array layers.
    [[nodiscard]] std::uint32_t array_layers() const noexcept {
        return m_description.array_layers;
    }
    /// Samples per texel.
    [[nodiscard]] vk::SampleCountFlagBits samples() const noexcept {
        return m_description.samples;
    }
    /// Optimal or linear tiling.
    [[nodiscard]] vk::ImageTiling tiling() const noexcept { return m_description.tiling; }
    /// The usage flags it was created with.
    [[nodiscard]] vk::ImageUsageFlags usage() const noexcept { return m_description.usage; }
    /// Colour, depth, stencil or depth|stencil, from the format.
    [[nodiscard]] vk::ImageAspectFlags aspect() const noexcept;
    /// Every mip level and array layer of every aspect.
    [[nodiscard]] vk::ImageSubresourceRange full_range() const noexcept;
    /// The extent of mip level `level` (each side halved per level, at least 1).
    [[nodiscard]] vk::Extent3D mip_extent(MipLevel level) const noexcept;
    /// The image as a vw::ResourceTracker sees it (handle, aspects, levels, layers, usage).
    [[nodiscard]] TrackedImage tracked() const noexcept {
        return {handle(), aspect(), m_description.mip_levels, m_description.array_layers,
                m_description.usage};
    }

private:
    friend class ImageBuilder;
    friend class ImageViewBuilder;
    friend class detail::ImageViewRelocation;
    friend class detail::ExternalImages;

    // Adopts `image` and `allocation`, made by `allocator` as described.
    Image(std::shared_ptr<const Allocator> allocator, VkImage image, VmaAllocation allocation,
          const Description &description) noexcept;

    Description m_description;
    // The views ImageViewBuilder made of it, recreated when defragmentation moves it.
    std::shared_ptr<detail::ImageViewRegistry> m_views;
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
    /// The full mip chain, down to 1 × 1 (floor(log2(largest side)) + 1 levels), as
    /// generate_mipmaps() (Image/Mipmaps.h) fills it; replaces setMipLevels().
    ImageBuilder &setFullMipChain();
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
    /// Allocates the image from `pool` (a vw::Pool of the same allocator, device-local)
    /// instead of the allocator's default pools; the image then holds the pool alive. Null
    /// (the default) for the default pools. Validated by build(): LogicError for a pool of
    /// another allocator or a host-visible one; NotSupportedError when the image's memory
    /// requirements exclude the pool's memory type; OutOfMemoryError naming the pool when it
    /// is full.
    ImageBuilder &setPool(std::shared_ptr<Pool> pool);
    /// Makes the image exportable as `handle` (see ExternalMemory): its own VkDeviceMemory in a
    /// private pool, shown as "exported opaque fd" (or "dma-buf") in statistics and the memory
    /// map; ExternalMemory::export_fd() then gives descriptors for it. Validated by build():
    /// NotSupportedError, nothing allocated, when the device lacks the extension or cannot
    /// export such images (ExternalMemory::image_support() says why); LogicError with setPool()
    /// or setImportedMemory().
    ImageBuilder &setExportable(ExternalMemoryHandle handle = ExternalMemoryHandle::OpaqueFd);
    /// Makes build() import `memory` (a descriptor from ExternalMemory::export_fd() of an image
    /// created the same way: format, extent, levels, layers, tiling, usage) instead of
    /// allocating. The builder keeps a pointer: `memory` must outlive build(). On success
    /// build() empties `memory.fd` (Vulkan owns it now); on any failure the descriptor is left
    /// to the caller, open and untouched: LogicError for a closed descriptor, a memory type the
    /// device lacks or the image cannot use, an image that needs more or (for dedicated
    /// memory) other than the memory's size past its offset, a misaligned offset;
    /// NotSupportedError when the device cannot import such images; VulkanException when the
    /// driver refuses the descriptor. LogicError with setPool() or setExportable().
    ImageBuilder &setImportedMemory(ExportedMemory &memory);

    /// Validates and creates the image in device-local memory. LogicError naming the field;
    /// NotSupportedError for a format, usage, extent, level or layer count, or sample count
    /// this device cannot give the image; OutOfMemoryError when memory or budget runs out;
    /// VulkanException otherwise. Nothing is left behind on failure.
    [[nodiscard]] std::unique_ptr<Image> build() const;

private:
    friend class detail::ExternalImages;

    // Everything build() checks, without allocating: the image's description.
    [[nodiscard]] Image::Description describe() const;

    std::shared_ptr<Device> m_device;
    std::shared_ptr<Allocator> m_allocator;
    std::shared_ptr<Pool> m_pool;
    vk::Format m_format = vk::Format::eUndefined;
    std::optional<vk::Extent3D> m_extent;
    std::uint32_t m_mip_levels = 1;
    bool m_full_mip_chain = false;
    std::uint32_t m_array_layers = 1;
    std::optional<vk::ImageType> m_type;
    vk::ImageTiling m_tiling = vk::ImageTiling::eOptimal;
    vk::SampleCountFlagBits m_samples = vk::SampleCountFlagBits::e1;
    vk::ImageUsageFlags m_usage;
    std::string m_name;
    std::optional<ExternalMemoryHandle> m_export;
    ExportedMemory *m_import = nullptr;
};

} // namespace vw
