#include "VulkanWrapper/Image/Mipmaps.h"

#include <string>

#include "VulkanWrapper/Image/TransferChecks.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"

namespace vw {

namespace {

std::uint32_t checked_level(const Image &image, MipLevel level, const char *operation) {
    const auto index = static_cast<std::uint32_t>(level);
    if (!image.handle() || index >= image.mip_levels()) {
        throw LogicError(std::string(operation) + ": mip level " + std::to_string(index) +
                         " is not one of the image's " + std::to_string(image.mip_levels()));
    }
    return index;
}

vk::Offset3D corner(const vk::Extent3D &extent) {
    return {static_cast<std::int32_t>(extent.width), static_cast<std::int32_t>(extent.height),
            static_cast<std::int32_t>(extent.depth)};
}

} // namespace

vk::ImageSubresourceRange mip_range(const Image &image, MipLevel level) {
    return {image.aspect(), checked_level(image, level, "mip_range"), 1, 0, image.array_layers()};
}

vk::ImageSubresourceLayers mip_layers(const Image &image, MipLevel level) {
    return {image.aspect(), checked_level(image, level, "mip_layers"), 0, image.array_layers()};
}

std::array<vk::Offset3D, 2> mip_blit_offsets(const Image &image, MipLevel level) {
    checked_level(image, level, "mip_blit_offsets");
    return {vk::Offset3D{0, 0, 0}, corner(image.mip_extent(level))};
}

void generate_mipmaps(CommandBuffer &commands, ResourceTracker &tracker, const Image &image,
                      vk::Filter filter) {
    constexpr const char *operation = "generate_mipmaps";
    if (commands.empty() || !commands.is_recording()) {
        throw LogicError("generate_mipmaps: the command buffer is empty or not recording");
    }
    detail::require_image_usage(image,
                                vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst,
                                operation);
    if (image.samples() != vk::SampleCountFlagBits::e1) {
        throw LogicError("generate_mipmaps: a multisampled image has no mip chain");
    }
    detail::require_graphics_family(image, commands.family_index(), operation);
    vk::FormatFeatureFlags needed =
        vk::FormatFeatureFlagBits::eBlitSrc | vk::FormatFeatureFlagBits::eBlitDst;
    if (filter == vk::Filter::eLinear) {
        needed |= vk::FormatFeatureFlagBits::eSampledImageFilterLinear;
    }
    detail::require_format_features(image, needed, operation);
    const TrackedImage tracked = image.tracked();
    tracker.flush(commands); // what the caller left pending cannot conflict with the blits
    for (std::uint32_t level = 1; level < image.mip_levels(); ++level) {
        tracker.request(tracked, mip_range(image, MipLevel{level - 1}),
                        ImageUse{vk::PipelineStageFlagBits2::eBlit, vk::AccessFlagBits2::eTransferRead,
                                 vk::ImageLayout::eTransferSrcOptimal});
        tracker.request(tracked, mip_range(image, MipLevel{level}),
                        ImageUse{vk::PipelineStageFlagBits2::eBlit, vk::AccessFlagBits2::eTransferWrite,
                                 vk::ImageLayout::eTransferDstOptimal});
        tracker.flush(commands);
        const auto from = mip_blit_offsets(image, MipLevel{level - 1});
        const auto to = mip_blit_offsets(image, MipLevel{level});
        const vk::ImageBlit blit(mip_layers(image, MipLevel{level - 1}), from,
                                 mip_layers(image, MipLevel{level}), to);
        commands.handle().blitImage(image.handle(), vk::ImageLayout::eTransferSrcOptimal,
                                    image.handle(), vk::ImageLayout::eTransferDstOptimal, blit, filter);
    }
}

} // namespace vw
