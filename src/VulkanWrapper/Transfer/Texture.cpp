#include "VulkanWrapper/Transfer/Texture.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/ImageFileFormats.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

namespace {

std::uint32_t full_chain(std::uint32_t width, std::uint32_t height) {
    return static_cast<std::uint32_t>(std::bit_width(std::max(width, height)));
}

vk::DeviceSize chain_bytes(std::uint32_t width, std::uint32_t height, std::uint32_t levels, std::size_t texel) {
    vk::DeviceSize total = 0;
    for (std::uint32_t level = 0; level < levels; ++level) {
        total += vk::DeviceSize{std::max(width >> level, 1U)} * std::max(height >> level, 1U) * texel;
    }
    return total;
}

vk::DeviceSize largest_device_local_heap(const Device &device) {
    const auto &memory = device.physical_device().memory_properties();
    vk::DeviceSize largest = 0;
    vk::DeviceSize any = 0;
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        any = std::max(any, memory.memoryHeaps[i].size);
        if (memory.memoryHeaps[i].flags & vk::MemoryHeapFlagBits::eDeviceLocal) {
            largest = std::max(largest, memory.memoryHeaps[i].size);
        }
    }
    return largest ? largest : any;
}

// A two-channel image holds red and green; a two-channel file would read them as grey and
// alpha, so they are written as RGB with a zero blue.
PixelImage red_green_as_rgb(const PixelImage &pixels) {
    const std::size_t value = pixels.value_bytes();
    const std::size_t count = std::size_t{pixels.width} * pixels.height;
    PixelImage rgb{pixels.width, pixels.height, 3, pixels.type, std::vector<std::byte>(count * 3 * value)};
    for (std::size_t p = 0; p < count; ++p) {
        std::memcpy(rgb.pixels.data() + p * 3 * value, pixels.pixels.data() + p * 2 * value, 2 * value);
    }
    return rgb;
}

Queue &main_queue(const Device &device) {
    return device.has_graphics_queue() ? device.graphics_queue() : device.compute_queue();
}

// What the device must do with the format, checked before anything is allocated, so that the
// error names the file.
void check_device(const Device &device, vk::Format format, std::uint32_t width, std::uint32_t height,
                  std::uint32_t levels, const std::string &name) {
    const std::uint32_t max_side = device.physical_device().properties().limits.maxImageDimension2D;
    if (width > max_side || height > max_side) {
        throw NotSupportedError(name + ": " + std::to_string(width) + " x " + std::to_string(height) +
                                " is above this device's maxImageDimension2D (" + std::to_string(max_side) + ")");
    }
    vk::FormatFeatureFlags needed = vk::FormatFeatureFlagBits::eSampledImage | vk::FormatFeatureFlagBits::eTransferDst |
                                    vk::FormatFeatureFlagBits::eTransferSrc;
    if (levels > 1) {
        needed |= vk::FormatFeatureFlagBits::eBlitSrc | vk::FormatFeatureFlagBits::eBlitDst |
                  vk::FormatFeatureFlagBits::eSampledImageFilterLinear;
    }
    const vk::FormatFeatureFlags has =
        device.physical_device().handle().getFormatProperties(format).optimalTilingFeatures;
    if ((has & needed) != needed) {
        throw NotSupportedError(name + ": this device cannot make a texture of " + vk::to_string(format) +
                                (levels > 1 ? " with mipmaps" : "") + " (it lacks " +
                                vk::to_string(needed & ~has) + ")");
    }
    const detail::TexelLayout layout = *detail::texel_layout(format);
    const vk::DeviceSize bytes = chain_bytes(width, height, levels, detail::storage_bytes(layout.storage) * layout.channels);
    if (bytes > largest_device_local_heap(device)) {
        throw OutOfMemoryError(vk::Result::eErrorOutOfDeviceMemory,
                               "load_texture(" + name + "): the image is larger than any device-local heap",
                               bytes);
    }
}

struct Plan {
    vk::Format format;
    std::uint32_t levels;
};

Plan plan(const Device &device, std::uint32_t width, std::uint32_t height, std::uint32_t channels, PixelType type,
          const TextureOptions &options, const std::string &name) {
    if (options.channels > 4 || options.channels == 3) {
        throw LogicError("load_texture(" + name + "): TextureOptions::channels is " + std::to_string(options.channels) +
                         " (0, 1, 2 or 4)");
    }
    if (options.layout == vk::ImageLayout::eUndefined || options.layout == vk::ImageLayout::ePreinitialized) {
        throw LogicError("load_texture(" + name + "): TextureOptions::layout is " + vk::to_string(options.layout));
    }
    if (width == 0 || height == 0) throw ImageFileError(name, "zero-sized picture");
    Plan result{texture_format(channels, type, options.color_space, options.float32),
                options.mipmaps ? full_chain(width, height) : 1U};
    check_device(device, result.format, width, height, result.levels, name);
    return result;
}

Texture make_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator, const PixelImage &pixels,
                     const Plan &plan, const TextureOptions &options, const std::string &name) {
    const std::shared_ptr<Device> &device = allocator->device();
    const std::vector<std::byte> texels = texels_from_pixels(pixels, plan.format);
    std::shared_ptr<Image> image = ImageBuilder()
                                       .setDevice(device)
                                       .setAllocator(allocator)
                                       .setFormat(plan.format)
                                       .setExtent(Width{pixels.width}, Height{pixels.height})
                                       .setMipLevels(plan.levels)
                                       .setUsage(options.usage | vk::ImageUsageFlagBits::eSampled |
                                                 vk::ImageUsageFlagBits::eTransferSrc |
                                                 vk::ImageUsageFlagBits::eTransferDst)
                                       .setName(name)
                                       .build();
    const bool chain = plan.levels > 1;
    transfer.upload(*image, texels, MipLevel{0}, ArrayLayer{0},
                    chain ? vk::ImageLayout::eTransferSrcOptimal : options.layout);
    if (chain) {
        Queue &queue = main_queue(*device);
        CommandPool pool(device, queue.family_index());
        CommandBuffer commands = pool.allocate();
        ResourceTracker tracker;
        // The upload's copy, earlier on the same queue, wrote level 0: the barriers the tracker
        // adds order the first blit after it.
        tracker.track(image->tracked(), mip_range(*image, MipLevel{0}),
                      ImageUse{vk::PipelineStageFlagBits2::eAllTransfer, vk::AccessFlagBits2::eTransferWrite,
                               vk::ImageLayout::eTransferSrcOptimal});
        CommandRecorder recorder(commands, tracker);
        recorder.generate_mipmaps(*image);
        tracker.request(image->tracked(), ImageUse{vk::PipelineStageFlagBits2::eAllCommands,
                                                   vk::AccessFlagBits2::eMemoryRead, options.layout});
        recorder.flush();
        recorder.end();
        commands.submit_and_wait(queue);
    }
    std::unique_ptr<ImageView> view =
        ImageViewBuilder().setDevice(device).setImage(std::shared_ptr<const Image>(image)).build();
    return {std::move(image), std::move(view)};
}

void check_allocator(const std::shared_ptr<Allocator> &allocator, const std::string &name) {
    if (!allocator) throw LogicError("load_texture(" + name + "): the allocator is null");
}

} // namespace

Texture load_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator,
                     std::span<const std::byte> file_bytes, std::string_view name, const TextureOptions &options) {
    const std::string label(name);
    check_allocator(allocator, label);
    const ImageFileInfo info = image_file_info(file_bytes, name);
    const std::uint32_t channels = options.channels ? options.channels : info.channels;
    const Plan made = plan(*allocator->device(), info.width, info.height, channels, info.type, options, label);
    const PixelImage pixels = load_image(file_bytes, ImageLoadOptions{options.channels, options.max_bytes}, name);
    return make_texture(transfer, allocator, pixels, made, options, label);
}

Texture load_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator,
                     const std::filesystem::path &path, const TextureOptions &options) {
    const std::string name = path.string();
    check_allocator(allocator, name);
    const std::vector<std::byte> bytes = detail::read_file(path);
    return load_texture(transfer, allocator, std::span<const std::byte>(bytes), name, options);
}

Texture upload_texture(Transfer &transfer, const std::shared_ptr<Allocator> &allocator, const PixelImage &pixels,
                       std::string_view name, const TextureOptions &options) {
    const std::string label(name);
    check_allocator(allocator, label);
    if (options.channels != 0 && options.channels != (pixels.channels == 3 ? 4U : pixels.channels)) {
        throw LogicError("upload_texture(" + label + "): TextureOptions::channels is " +
                         std::to_string(options.channels) + " for " + std::to_string(pixels.channels) +
                         "-channel pixels");
    }
    const Plan made = plan(*allocator->device(), pixels.width, pixels.height,
                           pixels.channels == 0 ? 1 : pixels.channels, pixels.type, options, label);
    return make_texture(transfer, allocator, pixels, made, options, label);
}

PixelImage read_texture(Transfer &transfer, const Image &image, MipLevel level, ArrayLayer layer,
                        vk::ImageLayout layout) {
    if (!image.handle()) throw LogicError("read_texture: the image is empty");
    if (!detail::texel_layout(image.format())) {
        throw NotSupportedError("read_texture: " + vk::to_string(image.format()) +
                                " has no conversion to pixels (8-bit, 16-bit UNORM and float colour formats do)");
    }
    const std::vector<std::byte> texels = transfer.download(image, level, layer, layout);
    const vk::Extent3D extent = image.mip_extent(level);
    return pixels_from_texels(texels, image.format(), {extent.width, extent.height});
}

void save_texture(Transfer &transfer, const Image &image, const std::filesystem::path &path, MipLevel level,
                  ArrayLayer layer, vk::ImageLayout layout) {
    const PixelImage pixels = read_texture(transfer, image, level, layer, layout);
    save_image(path, pixels.channels == 2 ? red_green_as_rgb(pixels) : pixels);
}

} // namespace vw
