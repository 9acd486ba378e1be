#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Synchronization/ImageSubresourceMap.h"
#include "VulkanWrapper/Synchronization/IntervalMap.h"
#include "VulkanWrapper/Synchronization/TrackedResource.h"

namespace vw {

class CommandBuffer;

/// Writes pipeline barriers so that nobody has to. The tracker knows, per buffer byte range
/// and per image subresource, the last write (stages, accesses), the reads since, which
/// stages and accesses already see the write, the layout and the owning queue family.
///
/// - track() declares the state a range is in now (after an upload, a submission of the
///   user's own, a render pass).
/// - request() declares the next use; the tracker adds the barriers it needs: none for a read
///   after a read or after a write already made visible to it; an execution and memory
///   dependency for read after write, write after read and write after write; a layout
///   transition when the layout changes; a release and an acquire barrier when the owning queue
///   family changes (both with VK_QUEUE_FAMILY_IGNORED meaning "not tracked").
///   Requests over parts of tracked ranges split them; adjacent pieces that end up equal merge,
///   and adjacent pieces needing the same barrier share one.
/// - flush() records every pending barrier of a command buffer's queue family in one
///   vkCmdPipelineBarrier2 and clears them. A release barrier belongs to the family that gives
///   the resource up, its acquire to the one that takes it: flush the releasing family's
///   buffer, submit it signalling a semaphore, then flush the acquiring family's buffer,
///   submitted waiting on it. Other barriers belong to the family of their use (any family when
///   ignored).
///
/// Requests between two flushes describe uses that happen together after the flush: two of
/// them may overlap only if both read in one layout on one family (LogicError otherwise). Bad
/// input (a range past the end, an aspect, level or layer the image lacks, a layout its usage
/// forbids, empty stages) throws LogicError before anything changes. A destroyed resource must
/// be forgotten before its handle can be reused. Move-only in spirit (copyable, as a value);
/// not thread-safe: one tracker per recording thread.
class ResourceTracker {
public:
    /// A tracker that knows nothing yet: every resource starts untracked.
    ResourceTracker();
    /// Drops the state; records nothing (pending barriers are lost).
    ~ResourceTracker();
    /// Copies the whole tracked state (to branch a recording).
    ResourceTracker(const ResourceTracker &);
    /// Replaces the whole tracked state.
    ResourceTracker &operator=(const ResourceTracker &);
    /// Takes the state; the moved-from tracker is empty.
    ResourceTracker(ResourceTracker &&) noexcept;
    /// Takes the state; the moved-from tracker is empty.
    ResourceTracker &operator=(ResourceTracker &&) noexcept;

    /// Declares that bytes [offset, offset + size) of `buffer` are in the state `use` leaves
    /// them in. VK_WHOLE_SIZE reaches the end. LogicError past the end or with no stage.
    void track(const TrackedBuffer &buffer, vk::DeviceSize offset, vk::DeviceSize size,
               const BufferUse &use);
    /// The whole buffer.
    void track(const TrackedBuffer &buffer, const BufferUse &use) {
        track(buffer, 0, VK_WHOLE_SIZE, use);
    }
    /// Declares the next use of bytes [offset, offset + size) and adds the barriers it needs.
    /// LogicError past the end, with no stage, or overlapping a conflicting request of the same
    /// flush.
    void request(const TrackedBuffer &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                 const BufferUse &use);
    /// The whole buffer.
    void request(const TrackedBuffer &buffer, const BufferUse &use) {
        request(buffer, 0, VK_WHOLE_SIZE, use);
    }

    /// Declares that `range` of `image` is in the state `use` describes (its layout included).
    /// LogicError outside the image or with no stage.
    void track(const TrackedImage &image, const vk::ImageSubresourceRange &range, const ImageUse &use);
    /// Every subresource.
    void track(const TrackedImage &image, const ImageUse &use) {
        track(image, image.full_range(), use);
    }
    /// Declares the next use of `range` of `image` and adds the barriers it needs, layout
    /// transitions included (from eUndefined for subresources never tracked: their contents are
    /// not kept). LogicError outside the image, with no stage, for a layout the usage forbids
    /// (eUndefined or ePreinitialized, transfer layouts without the transfer bit, ...), or
    /// overlapping a conflicting request of the same flush.
    void request(const TrackedImage &image, const vk::ImageSubresourceRange &range, const ImageUse &use);
    /// Every subresource.
    void request(const TrackedImage &image, const ImageUse &use) {
        request(image, image.full_range(), use);
    }

    /// Drops what is known of `buffer` (before destroying it). Its pending barriers stay.
    void forget(vk::Buffer buffer);
    /// Drops what is known of `image` (before destroying it). Its pending barriers stay.
    void forget(vk::Image image);
    /// Drops everything known and pending.
    void clear() noexcept;

    /// The layout of one image subresource, or eUndefined when not tracked.
    [[nodiscard]] vk::ImageLayout layout(const TrackedImage &image, vk::ImageAspectFlagBits aspect,
                                         std::uint32_t level, std::uint32_t layer) const;
    /// The number of buffers and images tracked.
    [[nodiscard]] std::size_t tracked_resources() const noexcept;

    /// The buffer barriers that the next flushes will record, in request order.
    [[nodiscard]] std::span<const vk::BufferMemoryBarrier2> pending_buffer_barriers() const noexcept {
        return m_buffer_barriers;
    }
    /// The image barriers that the next flushes will record, in request order.
    [[nodiscard]] std::span<const vk::ImageMemoryBarrier2> pending_image_barriers() const noexcept {
        return m_image_barriers;
    }

    /// Barriers taken out of the tracker, to record by hand.
    struct Barriers {
        std::vector<vk::BufferMemoryBarrier2> buffers; ///< Buffer barriers, in request order.
        std::vector<vk::ImageMemoryBarrier2> images;   ///< Image barriers, in request order.
    };
    /// Takes the pending barriers of `queue_family` (VK_QUEUE_FAMILY_IGNORED: every one), as
    /// flush() would record them, for a caller who records them itself (before its next
    /// command, in one vkCmdPipelineBarrier2 or merged with its own).
    [[nodiscard]] Barriers take(std::uint32_t queue_family);

    /// Records the pending barriers of `commands`' queue family in one vkCmdPipelineBarrier2
    /// (nothing when there are none) and returns how many it recorded. LogicError, nothing
    /// recorded, when `commands` is empty or not recording.
    std::size_t flush(CommandBuffer &commands);
    /// Same into a command buffer made outside the library, recording, of `queue_family`.
    /// LogicError for a null handle.
    std::size_t flush(vk::CommandBuffer commands, std::uint32_t queue_family);

private:
    struct State {
        vk::PipelineStageFlags2 write_stages;
        vk::AccessFlags2 write_access;
        vk::PipelineStageFlags2 read_stages;
        vk::PipelineStageFlags2 visible_stages;
        vk::AccessFlags2 visible_access;
        vk::ImageLayout layout = vk::ImageLayout::eUndefined;
        std::uint32_t family = VK_QUEUE_FAMILY_IGNORED;
        std::uint64_t requested_in = 0; // the flush epoch of the last request, 0: none
        bool requested_write = false;   // that request wrote, changed layout or family
        friend bool operator==(const State &, const State &) = default;
        // What track() declares: the use's stages as the last write (a writing use) or as
        // the reads so far.
        static State declared(vk::PipelineStageFlags2 stages, vk::AccessFlags2 access,
                              vk::ImageLayout layout, std::uint32_t family) noexcept;
    };
    struct ImageEntry {
        ImageSubresourceLayout layout;
        IntervalMap<State> states;
    };
    // One barrier before it is split into Vulkan structures: keys [begin, end).
    struct Need {
        std::uint64_t begin;
        std::uint64_t end;
        vk::PipelineStageFlags2 src_stages;
        vk::AccessFlags2 src_access;
        vk::PipelineStageFlags2 dst_stages;
        vk::AccessFlags2 dst_access;
        vk::ImageLayout old_layout;
        std::uint32_t src_family;
        std::uint32_t dst_family;
    };

    template <typename Use> void check_conflicts(const IntervalMap<State> &states, std::uint64_t begin,
                                                 std::uint64_t end, const Use &use,
                                                 vk::ImageLayout layout) const;
    void apply(IntervalMap<State> &states, std::uint64_t begin, std::uint64_t end,
               vk::PipelineStageFlags2 stages, vk::AccessFlags2 access, vk::ImageLayout layout,
               std::uint32_t family, bool is_image);
    void merge_image_barriers(std::size_t first);
    void take_into(std::uint32_t queue_family, Barriers &out);

    std::unordered_map<VkBuffer, IntervalMap<State>> m_buffers;
    std::unordered_map<VkImage, ImageEntry> m_images;
    std::vector<vk::BufferMemoryBarrier2> m_buffer_barriers;
    std::vector<std::uint32_t> m_buffer_barrier_family; // the family whose flush records it
    std::vector<vk::ImageMemoryBarrier2> m_image_barriers;
    std::vector<std::uint32_t> m_image_barrier_family;
    std::vector<Need> m_needs; // scratch of one request
    std::uint64_t m_epoch = 1;
};

} // namespace vw
