#pragma once

// Exportable and imported images (ImageBuilder::setExportable, setImportedMemory): built from
// the builder's checked description, each in memory of its own in a private pool
// (Memory/ExternalOwner.h), like exported and imported buffers.

#include <memory>
#include <string>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/ExternalMemory.h"

namespace vw::detail {

inline VkImageCreateInfo image_create_info(const Image::Description &d) {
    return vk::ImageCreateInfo({}, d.type, d.format, d.extent, d.mip_levels, d.array_layers, d.samples, d.tiling,
                               d.usage, vk::SharingMode::eExclusive, {}, vk::ImageLayout::eUndefined);
}

struct ExternalOwner;

class ExternalImages {
public:
    // The image `description` (checked by `builder`) in exportable memory of `handle`.
    [[nodiscard]] static std::unique_ptr<Image> create_exportable(const ImageBuilder &builder,
                                                                  const Image::Description &description,
                                                                  ExternalMemoryHandle handle);
    // The image `description` bound to the imported `memory`; `memory.fd` emptied on success.
    [[nodiscard]] static std::unique_ptr<Image> import_memory(const ImageBuilder &builder, const Image::Description &description,
                                                       ExportedMemory &memory);

private:
    // The Image holding `image` (taken from the caller's guard, which is left null) bound to
    // `allocation` of `owner`'s pool, named `name`.
    static std::unique_ptr<Image> adopt(std::shared_ptr<ExternalOwner> owner, VkImage &image, VmaAllocation allocation,
                                        const Image::Description &description, const std::string &name);
};

} // namespace vw::detail
