#pragma once

#include <span>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Buffer.h"

namespace vw {

class CommandBuffer;
class ResourceTracker;

/// Records transfer commands into the user's command buffer with the barriers a
/// ResourceTracker works out: buffer to buffer, buffer to image, image to buffer, image to
/// image, blit, clear colour, clear depth/stencil, fill, mip chains. RAII over begin/end: the
/// constructor begins the buffer (one-time submit), end() ends it; a recorder destroyed
/// without end() (an exception on the way) resets the buffer, abandoning what was recorded.
/// Every command validates its input first (usage bits, ranges inside the resources,
/// regions of one resource that overlap) and throws LogicError with nothing recorded and the
/// tracker unchanged; format capabilities the device lacks throw NotSupportedError the same
/// way. Holds references: the command buffer and the tracker must outlive it. Not
/// thread-safe; not copyable or movable.
class CommandRecorder {
public:
    /// Begins `commands` (one-time submit) and records into it with `tracker`. LogicError when
    /// `commands` is empty; VulkanException when vkBeginCommandBuffer fails.
    CommandRecorder(CommandBuffer &commands, ResourceTracker &tracker);
    /// Resets the buffer when end() was not called (nothing of it is then submittable).
    ~CommandRecorder();
    /// Not copyable: one recorder per recording.
    CommandRecorder(const CommandRecorder &) = delete;
    /// Not copyable: one recorder per recording.
    CommandRecorder &operator=(const CommandRecorder &) = delete;

    /// The command buffer recorded into, for commands of the caller's own (request their
    /// resources from tracker() and call flush() first).
    [[nodiscard]] CommandBuffer &commands() noexcept { return m_commands; }
    /// The tracker.
    [[nodiscard]] ResourceTracker &tracker() noexcept { return m_tracker; }
    /// Records the tracker's pending barriers (ResourceTracker::flush).
    void flush();
    /// Ends the command buffer; the recorder records nothing more. VulkanException on failure.
    void end();

    /// Copies `regions` of `source` into `target` (vkCmdCopyBuffer). Each region must fit both
    /// buffers; regions of one buffer must not overlap when it is both source and target.
    void copy(const BufferBase &source, const BufferBase &target,
              std::span<const vk::BufferCopy> regions);
    /// Copies the whole of `source` to the start of `target` (at least as large).
    void copy(const BufferBase &source, const BufferBase &target);
    /// Copies texels from `source` into `target` (vkCmdCopyBufferToImage, eTransferDstOptimal).
    void copy(const BufferBase &source, const Image &target,
              std::span<const vk::BufferImageCopy> regions);
    /// Copies texels of `source` into `target` (vkCmdCopyImageToBuffer, eTransferSrcOptimal).
    void copy(const Image &source, const BufferBase &target,
              std::span<const vk::BufferImageCopy> regions);
    /// Copies texels between images of equal texel size (vkCmdCopyImage); with one image,
    /// source and target subresources must differ.
    void copy(const Image &source, const Image &target, std::span<const vk::ImageCopy> regions);
    /// Scales `regions` of `source` into `target` with `filter` (vkCmdBlitImage).
    /// NotSupportedError when the device cannot blit from or to the formats, or filter the
    /// source linearly for eLinear.
    void blit(const Image &source, const Image &target, std::span<const vk::ImageBlit> regions,
              vk::Filter filter);
    /// Clears `range` of a colour image (vkCmdClearColorImage).
    void clear(const Image &image, const vk::ClearColorValue &colour,
               const vk::ImageSubresourceRange &range);
    /// Clears `range` of a depth and/or stencil image (vkCmdClearDepthStencilImage).
    void clear(const Image &image, const vk::ClearDepthStencilValue &value,
               const vk::ImageSubresourceRange &range);
    /// Fills `size` bytes from `offset` (both multiples of 4; VK_WHOLE_SIZE: to the end,
    /// rounded down to 4) with the 32-bit `value` (vkCmdFillBuffer).
    void fill(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
              std::uint32_t value);
    /// generate_mipmaps() (Image/Mipmaps.h) into this recording.
    void generate_mipmaps(const Image &image, vk::Filter filter = vk::Filter::eLinear);

private:
    void check_open(const char *operation) const;

    CommandBuffer &m_commands;
    ResourceTracker &m_tracker;
    bool m_open = false;
};

} // namespace vw
