#include "VulkanWrapper/Image/CommandRecorder.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <vulkan/vulkan_format_traits.hpp>

#include "VulkanWrapper/Image/TransferChecks.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Synchronization/ImageSubresourceMap.h"
#include "VulkanWrapper/Synchronization/IntervalMap.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Utils/CheckedArithmetic.h"

namespace vw {

namespace {

using Stage = vk::PipelineStageFlagBits2;
using Access = vk::AccessFlagBits2;
using Layout = vk::ImageLayout;

const BufferUse buffer_read{Stage::eCopy, Access::eTransferRead};
const BufferUse buffer_write{Stage::eCopy, Access::eTransferWrite};

ImageUse image_read(vk::PipelineStageFlags2 stage) {
    return ImageUse{stage, Access::eTransferRead, Layout::eTransferSrcOptimal};
}
ImageUse image_write(vk::PipelineStageFlags2 stage) {
    return ImageUse{stage, Access::eTransferWrite, Layout::eTransferDstOptimal};
}

void request_all(ResourceTracker &tracker, const BufferBase &buffer, const IntervalSet &bytes,
                 const BufferUse &use) {
    for (const auto &range : bytes.ranges()) {
        tracker.request(buffer, range.begin, range.end - range.begin, use);
    }
}
void request_all(ResourceTracker &tracker, const Image &image,
                 const ImageSubresourceSet &subresources, const ImageUse &use) {
    for (const auto &range : subresources.ranges()) tracker.request(image.tracked(), range, use);
}

// What was requested before is flushed first (a read and a write of the same piece in one flush
// would be refused), then the command's reads and writes are requested and flushed together.
template <typename Source, typename Read, typename ReadUse, typename Target, typename Written,
          typename WriteUse>
void make_safe(ResourceTracker &tracker, CommandBuffer &commands, const Source &source,
               const Read &read, const ReadUse &read_use, const Target &target,
               const Written &written, const WriteUse &write_use) {
    tracker.flush(commands);
    request_all(tracker, source, read, read_use);
    request_all(tracker, target, written, write_use);
    tracker.flush(commands);
}

std::string range_text(vk::DeviceSize offset, vk::DeviceSize size) {
    return "[" + std::to_string(offset) + ", " + std::to_string(offset) + " + " +
           std::to_string(size) + ")";
}

void check_bytes(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                 const char *operation) {
    if (size == 0 || offset > buffer.size_bytes() || size > buffer.size_bytes() - offset) {
        throw LogicError(std::string(operation) + ": bytes " + range_text(offset, size) +
                         " are empty or outside a buffer of " +
                         std::to_string(buffer.size_bytes()) + " bytes");
    }
}

// Bytes of one texel block of `aspect` as a buffer holds it.
vk::DeviceSize block_bytes(vk::Format format, vk::ImageAspectFlags aspect) {
    if (aspect == vk::ImageAspectFlagBits::eStencil) {
        return 1;
    }
    if (aspect == vk::ImageAspectFlagBits::eDepth) {
        switch (format) {
        case vk::Format::eD16Unorm:
        case vk::Format::eD16UnormS8Uint: return 2;
        default: return 4;
        }
    }
    return vk::blockSize(format);
}

vk::ImageSubresourceRange range_of(const vk::ImageSubresourceLayers &layers) {
    return {layers.aspectMask, layers.mipLevel, 1, layers.baseArrayLayer, layers.layerCount};
}

// Checks that `layers` names one level and existing layers of `image`, and that the box
// [offset, offset + extent) lies inside that level.
void check_box(const Image &image, const vk::ImageSubresourceLayers &layers, vk::Offset3D offset,
               vk::Extent3D extent, const char *operation) {
    const ImageSubresourceLayout layout(image.aspect(), image.mip_levels(), image.array_layers());
    (void)layout.resolve(range_of(layers));
    const vk::Extent3D level = image.mip_extent(MipLevel{layers.mipLevel});
    auto fits = [](std::int32_t at, std::uint32_t size, std::uint32_t side) {
        return at >= 0 && size > 0 && static_cast<std::uint32_t>(at) <= side &&
               size <= side - static_cast<std::uint32_t>(at);
    };
    if (!fits(offset.x, extent.width, level.width) || !fits(offset.y, extent.height, level.height) ||
        !fits(offset.z, extent.depth, level.depth)) {
        throw LogicError(std::string(operation) + ": the region is empty or outside mip level " +
                         std::to_string(layers.mipLevel) + " (" + std::to_string(level.width) + "x" +
                         std::to_string(level.height) + "x" + std::to_string(level.depth) + ")");
    }
}

// Bytes [bufferOffset, bufferOffset + footprint) a buffer-image copy reads or writes; nothing
// when the count does not fit in 64 bits (a bufferRowLength or bufferImageHeight far too large).
std::optional<vk::DeviceSize> footprint(const Image &image, const vk::BufferImageCopy &region) {
    const auto block = vk::blockExtent(image.format());
    auto blocks = [](std::uint64_t texels, std::uint64_t per) { return (texels + per - 1) / per; };
    const vk::DeviceSize bytes = block_bytes(image.format(), region.imageSubresource.aspectMask);
    const std::uint32_t row_length = region.bufferRowLength ? region.bufferRowLength : region.imageExtent.width;
    const std::uint32_t image_height = region.bufferImageHeight ? region.bufferImageHeight : region.imageExtent.height;
    const vk::DeviceSize row_blocks = blocks(row_length, block[0]);
    const vk::DeviceSize rows = blocks(region.imageExtent.height, block[1]);
    const vk::DeviceSize height_rows = blocks(image_height, block[1]);
    const vk::DeviceSize slices = blocks(region.imageExtent.depth, block[2]) * region.imageSubresource.layerCount;
    // ((slices - 1) * height_rows + rows - 1) * row_blocks * bytes + width_blocks * bytes
    const auto earlier_rows = detail::checked_product({slices - 1, height_rows});
    const auto row_count = earlier_rows ? detail::checked_add(*earlier_rows, rows - 1) : std::nullopt;
    if (!row_count) return std::nullopt;
    const auto before_last = detail::checked_product({*row_count, row_blocks, bytes});
    if (!before_last) return std::nullopt;
    return detail::checked_add(*before_last, blocks(region.imageExtent.width, block[0]) * bytes);
}

void check_buffer_image(const BufferBase &buffer, const Image &image,
                        std::span<const vk::BufferImageCopy> regions, IntervalSet &bytes,
                        ImageSubresourceSet &subresources, const char *operation) {
    if (regions.empty()) {
        throw LogicError(std::string(operation) + ": no region");
    }
    for (const auto &region : regions) {
        if (std::popcount(static_cast<std::uint32_t>(region.imageSubresource.aspectMask)) != 1) {
            throw LogicError(std::string(operation) + ": a region names one aspect, not " +
                             vk::to_string(region.imageSubresource.aspectMask));
        }
        check_box(image, region.imageSubresource, region.imageOffset, region.imageExtent, operation);
        if ((region.bufferRowLength != 0 && region.bufferRowLength < region.imageExtent.width) ||
            (region.bufferImageHeight != 0 && region.bufferImageHeight < region.imageExtent.height)) {
            throw LogicError(std::string(operation) + ": bufferRowLength or bufferImageHeight is "
                             "smaller than the region");
        }
        const std::optional<vk::DeviceSize> counted = footprint(image, region);
        if (!counted) {
            throw LogicError(std::string(operation) + ": the region's bytes in the buffer (bufferRowLength " +
                             std::to_string(region.bufferRowLength) + ", bufferImageHeight " +
                             std::to_string(region.bufferImageHeight) + ", " +
                             std::to_string(region.imageSubresource.layerCount) +
                             " layers) do not fit in 64 bits");
        }
        const vk::DeviceSize size = *counted;
        check_bytes(buffer, region.bufferOffset, size, operation);
        bytes.insert(region.bufferOffset, region.bufferOffset + size);
        subresources.insert(range_of(region.imageSubresource));
    }
}

ImageSubresourceSet subresource_set(const Image &image) {
    return ImageSubresourceSet(ImageSubresourceLayout(image.aspect(), image.mip_levels(), image.array_layers()));
}

} // namespace

CommandRecorder::CommandRecorder(CommandBuffer &commands, ResourceTracker &tracker)
    : m_commands(commands), m_tracker(tracker) {
    if (commands.empty()) {
        throw LogicError("CommandRecorder: the command buffer is empty (moved from)");
    }
    m_commands.begin();
    m_open = true;
}

CommandRecorder::~CommandRecorder() {
    if (m_open) {
        try {
            m_commands.reset();
        } catch (const Exception &) {
            // A destructor cannot report it; the buffer stays unsubmittable either way.
        }
    }
}

void CommandRecorder::check_open(const char *operation) const {
    if (!m_open) {
        throw LogicError(std::string("CommandRecorder::") + operation + ": the recording has ended");
    }
}

void CommandRecorder::flush() {
    check_open("flush");
    m_tracker.flush(m_commands);
}

void CommandRecorder::end() {
    check_open("end");
    m_open = false;
    m_commands.end();
}

void CommandRecorder::copy(const BufferBase &source, const BufferBase &target,
                           std::span<const vk::BufferCopy> regions) {
    constexpr const char *operation = "CommandRecorder::copy";
    check_open("copy");
    detail::require_buffer_usage(source, vk::BufferUsageFlagBits::eTransferSrc, operation);
    detail::require_buffer_usage(target, vk::BufferUsageFlagBits::eTransferDst, operation);
    if (regions.empty()) {
        throw LogicError("CommandRecorder::copy: no region");
    }
    IntervalSet read;
    IntervalSet written;
    for (const auto &region : regions) {
        check_bytes(source, region.srcOffset, region.size, operation);
        check_bytes(target, region.dstOffset, region.size, operation);
        read.insert(region.srcOffset, region.srcOffset + region.size);
        written.insert(region.dstOffset, region.dstOffset + region.size);
    }
    if (source.handle() == target.handle()) {
        for (const auto &range : written.ranges()) {
            if (read.intersects(range.begin, range.end)) {
                throw LogicError("CommandRecorder::copy: source and target bytes overlap");
            }
        }
    }
    make_safe(m_tracker, m_commands, source, read, buffer_read, target, written, buffer_write);
    m_commands.handle().copyBuffer(source.handle(), target.handle(),
                                   static_cast<std::uint32_t>(regions.size()), regions.data());
}

void CommandRecorder::copy(const BufferBase &source, const BufferBase &target) {
    if (target.size_bytes() < source.size_bytes()) {
        throw LogicError("CommandRecorder::copy: the target (" + std::to_string(target.size_bytes()) +
                         " bytes) is smaller than the source (" +
                         std::to_string(source.size_bytes()) + " bytes)");
    }
    const vk::BufferCopy region(0, 0, source.size_bytes());
    copy(source, target, std::span(&region, 1));
}

void CommandRecorder::copy(const BufferBase &source, const Image &target,
                           std::span<const vk::BufferImageCopy> regions) {
    constexpr const char *operation = "CommandRecorder::copy (buffer to image)";
    check_open("copy");
    detail::require_buffer_usage(source, vk::BufferUsageFlagBits::eTransferSrc, operation);
    detail::require_image_usage(target, vk::ImageUsageFlagBits::eTransferDst, operation);
    IntervalSet bytes;
    ImageSubresourceSet subresources = subresource_set(target);
    check_buffer_image(source, target, regions, bytes, subresources, operation);
    make_safe(m_tracker, m_commands, source, bytes, buffer_read, target, subresources,
              image_write(Stage::eCopy));
    m_commands.handle().copyBufferToImage(source.handle(), target.handle(),
                                          Layout::eTransferDstOptimal,
                                          static_cast<std::uint32_t>(regions.size()), regions.data());
}

void CommandRecorder::copy(const Image &source, const BufferBase &target,
                           std::span<const vk::BufferImageCopy> regions) {
    constexpr const char *operation = "CommandRecorder::copy (image to buffer)";
    check_open("copy");
    detail::require_image_usage(source, vk::ImageUsageFlagBits::eTransferSrc, operation);
    detail::require_buffer_usage(target, vk::BufferUsageFlagBits::eTransferDst, operation);
    IntervalSet bytes;
    ImageSubresourceSet subresources = subresource_set(source);
    check_buffer_image(target, source, regions, bytes, subresources, operation);
    make_safe(m_tracker, m_commands, source, subresources, image_read(Stage::eCopy), target, bytes,
              buffer_write);
    m_commands.handle().copyImageToBuffer(source.handle(), Layout::eTransferSrcOptimal,
                                          target.handle(),
                                          static_cast<std::uint32_t>(regions.size()), regions.data());
}

void CommandRecorder::copy(const Image &source, const Image &target,
                           std::span<const vk::ImageCopy> regions) {
    constexpr const char *operation = "CommandRecorder::copy (image to image)";
    check_open("copy");
    detail::require_image_usage(source, vk::ImageUsageFlagBits::eTransferSrc, operation);
    detail::require_image_usage(target, vk::ImageUsageFlagBits::eTransferDst, operation);
    if (regions.empty()) {
        throw LogicError("CommandRecorder::copy: no region");
    }
    if (vk::blockSize(source.format()) != vk::blockSize(target.format()) ||
        source.samples() != target.samples()) {
        throw LogicError("CommandRecorder::copy: images of different texel sizes or sample counts");
    }
    ImageSubresourceSet read = subresource_set(source);
    ImageSubresourceSet written = subresource_set(target);
    for (const auto &region : regions) {
        check_box(source, region.srcSubresource, region.srcOffset, region.extent, operation);
        check_box(target, region.dstSubresource, region.dstOffset, region.extent, operation);
        read.insert(range_of(region.srcSubresource));
        written.insert(range_of(region.dstSubresource));
    }
    if (source.handle() == target.handle()) {
        for (const auto &range : written.ranges()) {
            if (read.intersects(range)) {
                throw LogicError("CommandRecorder::copy: source and target subresources overlap");
            }
        }
    }
    make_safe(m_tracker, m_commands, source, read, image_read(Stage::eCopy), target, written,
              image_write(Stage::eCopy));
    m_commands.handle().copyImage(source.handle(), Layout::eTransferSrcOptimal, target.handle(),
                                  Layout::eTransferDstOptimal,
                                  static_cast<std::uint32_t>(regions.size()), regions.data());
}

void CommandRecorder::blit(const Image &source, const Image &target,
                           std::span<const vk::ImageBlit> regions, vk::Filter filter) {
    constexpr const char *operation = "CommandRecorder::blit";
    check_open("blit");
    detail::require_image_usage(source, vk::ImageUsageFlagBits::eTransferSrc, operation);
    detail::require_image_usage(target, vk::ImageUsageFlagBits::eTransferDst, operation);
    if (regions.empty()) {
        throw LogicError("CommandRecorder::blit: no region");
    }
    if (source.samples() != vk::SampleCountFlagBits::e1 || target.samples() != vk::SampleCountFlagBits::e1) {
        throw LogicError("CommandRecorder::blit: multisampled images cannot be blitted");
    }
    detail::require_graphics_family(source, m_commands.family_index(), operation);
    ImageSubresourceSet read = subresource_set(source);
    ImageSubresourceSet written = subresource_set(target);
    auto check_corners = [&](const Image &image, const vk::ImageSubresourceLayers &layers,
                             const std::array<vk::Offset3D, 2> &corners) {
        const ImageSubresourceLayout layout(image.aspect(), image.mip_levels(), image.array_layers());
        (void)layout.resolve(range_of(layers));
        const vk::Extent3D level = image.mip_extent(MipLevel{layers.mipLevel});
        for (const auto &c : corners) {
            if (c.x < 0 || c.y < 0 || c.z < 0 || static_cast<std::uint32_t>(c.x) > level.width ||
                static_cast<std::uint32_t>(c.y) > level.height ||
                static_cast<std::uint32_t>(c.z) > level.depth) {
                throw LogicError("CommandRecorder::blit: a corner lies outside mip level " +
                                 std::to_string(layers.mipLevel));
            }
        }
    };
    for (const auto &region : regions) {
        check_corners(source, region.srcSubresource, region.srcOffsets);
        check_corners(target, region.dstSubresource, region.dstOffsets);
        read.insert(range_of(region.srcSubresource));
        written.insert(range_of(region.dstSubresource));
    }
    if (source.handle() == target.handle()) {
        for (const auto &range : written.ranges()) {
            if (read.intersects(range)) {
                throw LogicError("CommandRecorder::blit: source and target subresources overlap");
            }
        }
    }
    vk::FormatFeatureFlags source_needs = vk::FormatFeatureFlagBits::eBlitSrc;
    if (filter == vk::Filter::eLinear) {
        source_needs |= vk::FormatFeatureFlagBits::eSampledImageFilterLinear;
    }
    detail::require_format_features(source, source_needs, operation);
    detail::require_format_features(target, vk::FormatFeatureFlagBits::eBlitDst, operation);
    make_safe(m_tracker, m_commands, source, read, image_read(Stage::eBlit), target, written,
              image_write(Stage::eBlit));
    m_commands.handle().blitImage(source.handle(), Layout::eTransferSrcOptimal, target.handle(),
                                  Layout::eTransferDstOptimal,
                                  static_cast<std::uint32_t>(regions.size()), regions.data(), filter);
}

void CommandRecorder::clear(const Image &image, const vk::ClearColorValue &colour,
                            const vk::ImageSubresourceRange &range) {
    constexpr const char *operation = "CommandRecorder::clear";
    check_open("clear");
    detail::require_image_usage(image, vk::ImageUsageFlagBits::eTransferDst, operation);
    if (image.aspect() != vk::ImageAspectFlagBits::eColor) {
        throw LogicError("CommandRecorder::clear: a colour clear of a depth or stencil image");
    }
    const TrackedImage tracked = image.tracked();
    const vk::ImageSubresourceRange resolved =
        ImageSubresourceLayout(tracked.aspects, tracked.mip_levels, tracked.array_layers).resolve(range);
    m_tracker.flush(m_commands);
    m_tracker.request(tracked, resolved,
                      ImageUse{Stage::eClear, Access::eTransferWrite, Layout::eTransferDstOptimal});
    m_tracker.flush(m_commands);
    m_commands.handle().clearColorImage(image.handle(), Layout::eTransferDstOptimal, colour, resolved);
}

void CommandRecorder::clear(const Image &image, const vk::ClearDepthStencilValue &value,
                            const vk::ImageSubresourceRange &range) {
    constexpr const char *operation = "CommandRecorder::clear";
    check_open("clear");
    detail::require_image_usage(image, vk::ImageUsageFlagBits::eTransferDst, operation);
    if (!(image.aspect() & (vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil))) {
        throw LogicError("CommandRecorder::clear: a depth/stencil clear of a colour image");
    }
    detail::require_graphics_family(image, m_commands.family_index(), operation);
    const TrackedImage tracked = image.tracked();
    const vk::ImageSubresourceRange resolved =
        ImageSubresourceLayout(tracked.aspects, tracked.mip_levels, tracked.array_layers).resolve(range);
    m_tracker.flush(m_commands);
    m_tracker.request(tracked, resolved,
                      ImageUse{Stage::eClear, Access::eTransferWrite, Layout::eTransferDstOptimal});
    m_tracker.flush(m_commands);
    m_commands.handle().clearDepthStencilImage(image.handle(), Layout::eTransferDstOptimal, value,
                                               resolved);
}

void CommandRecorder::fill(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                           std::uint32_t value) {
    constexpr const char *operation = "CommandRecorder::fill";
    check_open("fill");
    detail::require_buffer_usage(buffer, vk::BufferUsageFlagBits::eTransferDst, operation);
    if (size == VK_WHOLE_SIZE && offset <= buffer.size_bytes()) {
        size = (buffer.size_bytes() - offset) & ~vk::DeviceSize{3};
    }
    if (offset % 4 != 0 || size % 4 != 0) {
        throw LogicError("CommandRecorder::fill: offset and size must be multiples of 4, got " +
                         range_text(offset, size));
    }
    check_bytes(buffer, offset, size, operation);
    m_tracker.flush(m_commands);
    // Vulkan names vkCmdFillBuffer a clear, the 1.3.239 layer a copy: all transfer covers both.
    m_tracker.request(buffer, offset, size, BufferUse{Stage::eAllTransfer, Access::eTransferWrite});
    m_tracker.flush(m_commands);
    m_commands.handle().fillBuffer(buffer.handle(), offset, size, value);
}

void CommandRecorder::generate_mipmaps(const Image &image, vk::Filter filter) {
    check_open("generate_mipmaps");
    vw::generate_mipmaps(m_commands, m_tracker, image, filter);
}

} // namespace vw
