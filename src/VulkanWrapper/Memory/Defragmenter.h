#pragma once
// Allocator::defragment() and Pool::defragment(): the passes, and what a later module (Image)
// provides so that its objects can move. Not installed.

#include <cstdint>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Defragmentation.h"

namespace vw {
class Allocation;
class Allocator;
} // namespace vw

namespace vw::detail {

// How an Image is moved, given by the Image module (Memory comes first and cannot see Image):
// the defragmenter takes Vulkan handles and the Allocation base, and Image does the rest.
struct ImageRelocation {
    // Creates an image with `image`'s create info and binds it to `destination`; returns its
    // handle. Throws (VulkanException...), leaving nothing behind.
    std::uint64_t (*create)(const Allocation &image, VmaAllocation destination);
    // Records, into `commands`, the copy of every subresource of `image` (in `layout`) into
    // `replacement` (just created), leaving the replacement in `layout`.
    void (*record_copy)(const Allocation &image, std::uint64_t replacement, vk::ImageLayout layout,
                        vk::CommandBuffer commands);
    // Creates, for every ImageView of `image` made by the library, a view of `replacement`;
    // returns them (opaque), or throws, leaving nothing behind.
    void *(*prepare_views)(const Allocation &image, std::uint64_t replacement);
    // Swaps the prepared views into the ImageView objects (destroying their old handles), or,
    // with `commit` false, destroys them; frees `prepared` either way.
    void (*finish_views)(void *prepared, std::uint64_t replacement, bool commit) noexcept;
};

// Installs the image relocation (ImageBuilder::build does so before the first image exists).
void set_image_relocation(const ImageRelocation *relocation) noexcept;

// One defragment() call on `allocator`'s default pools (`pool` null) or on `pool`.
class Defragmenter {
public:
    Defragmenter(Allocator &allocator, VmaPool pool, const DefragmentationOptions &options) noexcept
        : m_allocator(allocator)
        , m_pool(pool)
        , m_options(options) {}
    DefragmentationResult run();

private:
    Allocator &m_allocator;
    VmaPool m_pool;
    const DefragmentationOptions &m_options;
};

} // namespace vw::detail
