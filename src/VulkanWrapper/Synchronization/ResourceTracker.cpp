#include "VulkanWrapper/Synchronization/ResourceTracker.h"

#include <string>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

namespace {

// Moves the barriers whose family `mine` accepts to `out`, keeping the others (and their
// families) in order.
template <typename Barrier, typename Mine>
void move_mine(std::vector<Barrier> &barriers, std::vector<std::uint32_t> &families,
               std::vector<Barrier> &out, const Mine &mine) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < barriers.size(); ++i) {
        if (mine(families[i])) {
            out.push_back(barriers[i]);
        } else {
            barriers[kept] = barriers[i];
            families[kept++] = families[i];
        }
    }
    barriers.resize(kept);
    families.resize(kept);
}

using Stages = vk::PipelineStageFlagBits2;
using Access = vk::AccessFlagBits2;
using Usage = vk::ImageUsageFlagBits;

constexpr vk::AccessFlags2 write_accesses =
    Access::eShaderWrite | Access::eColorAttachmentWrite | Access::eDepthStencilAttachmentWrite |
    Access::eTransferWrite | Access::eHostWrite | Access::eMemoryWrite | Access::eShaderStorageWrite |
    Access::eAccelerationStructureWriteKHR | Access::eTransformFeedbackWriteEXT |
    Access::eTransformFeedbackCounterWriteEXT | Access::eCommandPreprocessWriteNV |
    Access::eVideoDecodeWriteKHR | Access::eMicromapWriteEXT |
    Access::eOpticalFlowWriteNV;

bool writes(vk::AccessFlags2 access) noexcept { return bool(access & write_accesses); }

void check_stages(vk::PipelineStageFlags2 stages, const char *operation) {
    if (!stages) {
        throw LogicError(std::string(operation) + ": the use names no pipeline stage");
    }
}

std::uint64_t resolve_buffer_range(const TrackedBuffer &buffer, vk::DeviceSize offset,
                                   vk::DeviceSize size, const char *operation) {
    if (!buffer.handle) {
        throw LogicError(std::string(operation) + ": null buffer");
    }
    if (size == VK_WHOLE_SIZE) {
        size = offset <= buffer.size_bytes ? buffer.size_bytes - offset : 0;
    }
    if (size == 0 || offset >= buffer.size_bytes || size > buffer.size_bytes - offset) {
        throw LogicError(std::string(operation) + ": bytes [" + std::to_string(offset) + ", +" +
                         std::to_string(size) + ") are empty or past the end of a buffer of " +
                         std::to_string(buffer.size_bytes) + " bytes");
    }
    return size;
}

void check_layout(const TrackedImage &image, vk::ImageLayout layout) {
    using L = vk::ImageLayout;
    vk::ImageUsageFlags needed;
    switch (layout) {
    case L::eUndefined:
    case L::ePreinitialized:
        throw LogicError("ResourceTracker::request: an image cannot be requested in layout " +
                         vk::to_string(layout));
    case L::eTransferSrcOptimal: needed = Usage::eTransferSrc; break;
    case L::eTransferDstOptimal: needed = Usage::eTransferDst; break;
    case L::eShaderReadOnlyOptimal: needed = Usage::eSampled | Usage::eInputAttachment; break;
    case L::eColorAttachmentOptimal: needed = Usage::eColorAttachment; break;
    case L::eDepthStencilAttachmentOptimal:
    case L::eDepthAttachmentOptimal:
    case L::eStencilAttachmentOptimal:
    case L::eDepthAttachmentStencilReadOnlyOptimal:
    case L::eDepthReadOnlyStencilAttachmentOptimal: needed = Usage::eDepthStencilAttachment; break;
    case L::eDepthStencilReadOnlyOptimal:
    case L::eDepthReadOnlyOptimal:
    case L::eStencilReadOnlyOptimal:
        needed = Usage::eDepthStencilAttachment | Usage::eSampled | Usage::eInputAttachment;
        break;
    case L::eAttachmentOptimal: needed = Usage::eColorAttachment | Usage::eDepthStencilAttachment; break;
    case L::eReadOnlyOptimal:
        needed = Usage::eSampled | Usage::eInputAttachment | Usage::eColorAttachment |
                 Usage::eDepthStencilAttachment;
        break;
    default: return;
    }
    if (!(image.usage & needed)) {
        throw LogicError("ResourceTracker::request: layout " + vk::to_string(layout) +
                         " needs image usage " + vk::to_string(needed) + ", the image has " +
                         vk::to_string(image.usage));
    }
}

} // namespace

ResourceTracker::ResourceTracker() = default;
ResourceTracker::~ResourceTracker() = default;
ResourceTracker::ResourceTracker(const ResourceTracker &) = default;
ResourceTracker &ResourceTracker::operator=(const ResourceTracker &) = default;
ResourceTracker::ResourceTracker(ResourceTracker &&other) noexcept
    : m_buffers(std::move(other.m_buffers))
    , m_images(std::move(other.m_images))
    , m_buffer_barriers(std::move(other.m_buffer_barriers))
    , m_buffer_barrier_family(std::move(other.m_buffer_barrier_family))
    , m_image_barriers(std::move(other.m_image_barriers))
    , m_image_barrier_family(std::move(other.m_image_barrier_family))
    , m_epoch(other.m_epoch) {
    other.clear();
}
ResourceTracker &ResourceTracker::operator=(ResourceTracker &&other) noexcept {
    if (this != &other) {
        m_buffers = std::move(other.m_buffers);
        m_images = std::move(other.m_images);
        m_buffer_barriers = std::move(other.m_buffer_barriers);
        m_buffer_barrier_family = std::move(other.m_buffer_barrier_family);
        m_image_barriers = std::move(other.m_image_barriers);
        m_image_barrier_family = std::move(other.m_image_barrier_family);
        m_epoch = other.m_epoch;
        other.clear();
    }
    return *this;
}

void ResourceTracker::clear() noexcept {
    m_buffers.clear();
    m_images.clear();
    m_buffer_barriers.clear();
    m_buffer_barrier_family.clear();
    m_image_barriers.clear();
    m_image_barrier_family.clear();
}

ResourceTracker::State ResourceTracker::State::declared(vk::PipelineStageFlags2 stages,
                                                       vk::AccessFlags2 access,
                                                       vk::ImageLayout layout,
                                                       std::uint32_t family) noexcept {
    State state;
    if (writes(access)) {
        state.write_stages = stages;
        state.write_access = access;
    } else {
        state.read_stages = stages;
    }
    state.layout = layout;
    state.family = family;
    return state;
}

void ResourceTracker::forget(vk::Buffer buffer) { m_buffers.erase(buffer); }
void ResourceTracker::forget(vk::Image image) { m_images.erase(image); }

std::size_t ResourceTracker::tracked_resources() const noexcept {
    return m_buffers.size() + m_images.size();
}

void ResourceTracker::track(const TrackedBuffer &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                            const BufferUse &use) {
    size = resolve_buffer_range(buffer, offset, size, "ResourceTracker::track");
    check_stages(use.stages, "ResourceTracker::track");
    m_buffers[buffer.handle].assign(
        offset, offset + size,
        State::declared(use.stages, use.access, vk::ImageLayout::eUndefined, use.queue_family));
}

template <typename Use>
void ResourceTracker::check_conflicts(const IntervalMap<State> &states, std::uint64_t begin,
                                      std::uint64_t end, const Use &use,
                                      vk::ImageLayout layout) const {
    const bool write = writes(use.access);
    states.for_each(begin, end, [&](std::uint64_t, std::uint64_t, const State &s) {
        if (s.requested_in == m_epoch &&
            (s.requested_write || write || s.layout != layout ||
             (use.queue_family != VK_QUEUE_FAMILY_IGNORED && s.family != VK_QUEUE_FAMILY_IGNORED &&
              s.family != use.queue_family))) {
            throw LogicError("ResourceTracker::request: the range overlaps a conflicting request "
                             "made since the last flush (flush between the two uses)");
        }
    });
}

void ResourceTracker::apply(IntervalMap<State> &states, std::uint64_t begin, std::uint64_t end,
                            vk::PipelineStageFlags2 stages, vk::AccessFlags2 access,
                            vk::ImageLayout layout, std::uint32_t family, bool is_image) {
    const bool write = writes(access);
    const std::uint64_t epoch = m_epoch;
    auto need = [&](std::uint64_t b, std::uint64_t e, const State &s, vk::PipelineStageFlags2 src,
                    vk::AccessFlags2 src_access, vk::PipelineStageFlags2 dst,
                    vk::AccessFlags2 dst_access, bool ownership) {
        const Need n{b, e, src, src_access, dst, dst_access, s.layout,
                     ownership ? s.family : VK_QUEUE_FAMILY_IGNORED,
                     ownership ? family : VK_QUEUE_FAMILY_IGNORED};
        if (!m_needs.empty()) {
            Need &last = m_needs.back();
            if (last.end == b && last.dst_stages == dst && last.dst_access == dst_access &&
                last.old_layout == n.old_layout && last.src_family == n.src_family &&
                last.dst_family == n.dst_family) {
                last.end = e;
                last.src_stages |= src;
                last.src_access |= src_access;
                return;
            }
        }
        m_needs.push_back(n);
    };
    states.update(begin, end, State{}, [&](std::uint64_t b, std::uint64_t e, State &s) {
        const bool transition = is_image && s.layout != layout;
        const bool ownership = family != VK_QUEUE_FAMILY_IGNORED &&
                               s.family != VK_QUEUE_FAMILY_IGNORED && s.family != family;
        if (transition || ownership) {
            need(b, e, s, s.write_stages | s.read_stages, s.write_access, stages, access, ownership);
            if (write) {
                s.write_stages = stages;
                s.write_access = access;
                s.read_stages = {};
                s.visible_stages = {};
                s.visible_access = {};
            } else {
                // The transition is the last write; it is visible to this use, and later uses
                // chain on this use's stages.
                s.write_stages = stages;
                s.write_access = {};
                s.read_stages = stages;
                s.visible_stages = stages;
                s.visible_access = access;
            }
        } else if (write) {
            const vk::PipelineStageFlags2 src = s.write_stages | s.read_stages;
            if (src) {
                need(b, e, s, src, s.write_access, stages, access, false);
            }
            s.write_stages = stages;
            s.write_access = access;
            s.read_stages = {};
            s.visible_stages = {};
            s.visible_access = {};
        } else {
            if (s.write_stages && ((stages & ~s.visible_stages) || (access & ~s.visible_access))) {
                // Widen the visibility to every stage and access seen so far: the pairs of a
                // product of masks are then all covered.
                s.visible_stages |= stages;
                s.visible_access |= access;
                need(b, e, s, s.write_stages, s.write_access, s.visible_stages, s.visible_access,
                     false);
            }
            s.read_stages |= stages;
        }
        s.layout = layout;
        if (family != VK_QUEUE_FAMILY_IGNORED) {
            s.family = family;
        }
        s.requested_write = write || transition || ownership;
        s.requested_in = epoch;
    });
}

void ResourceTracker::request(const TrackedBuffer &buffer, vk::DeviceSize offset,
                              vk::DeviceSize size, const BufferUse &use) {
    size = resolve_buffer_range(buffer, offset, size, "ResourceTracker::request");
    check_stages(use.stages, "ResourceTracker::request");
    auto it = m_buffers.find(buffer.handle);
    if (it != m_buffers.end()) {
        check_conflicts(it->second, offset, offset + size, use, vk::ImageLayout::eUndefined);
    } else {
        it = m_buffers.try_emplace(buffer.handle).first;
    }
    m_needs.clear();
    apply(it->second, offset, offset + size, use.stages, use.access, vk::ImageLayout::eUndefined,
          use.queue_family, false);
    for (const Need &n : m_needs) {
        const bool ownership = n.src_family != VK_QUEUE_FAMILY_IGNORED;
        if (ownership) {
            m_buffer_barriers.emplace_back(n.src_stages, n.src_access, vk::PipelineStageFlags2{},
                                           vk::AccessFlags2{}, n.src_family, n.dst_family,
                                           buffer.handle, n.begin, n.end - n.begin);
            m_buffer_barrier_family.push_back(n.src_family);
            m_buffer_barriers.emplace_back(vk::PipelineStageFlags2{}, vk::AccessFlags2{},
                                           n.dst_stages, n.dst_access, n.src_family, n.dst_family,
                                           buffer.handle, n.begin, n.end - n.begin);
            m_buffer_barrier_family.push_back(n.dst_family);
            continue;
        }
        if (!m_buffer_barriers.empty()) {
            // Adjacent to the previous request's barrier with the same destination: extend it.
            vk::BufferMemoryBarrier2 &last = m_buffer_barriers.back();
            if (last.buffer == buffer.handle && last.offset + last.size == n.begin &&
                last.dstStageMask == n.dst_stages && last.dstAccessMask == n.dst_access &&
                last.srcQueueFamilyIndex == VK_QUEUE_FAMILY_IGNORED &&
                m_buffer_barrier_family.back() == use.queue_family) {
                last.size += n.end - n.begin;
                last.srcStageMask |= n.src_stages;
                last.srcAccessMask |= n.src_access;
                continue;
            }
        }
        m_buffer_barriers.emplace_back(n.src_stages, n.src_access, n.dst_stages, n.dst_access,
                                       VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED,
                                       buffer.handle, n.begin, n.end - n.begin);
        m_buffer_barrier_family.push_back(use.queue_family);
    }
}

void ResourceTracker::track(const TrackedImage &image, const vk::ImageSubresourceRange &range,
                            const ImageUse &use) {
    if (!image.handle) {
        throw LogicError("ResourceTracker::track: null image");
    }
    const ImageSubresourceLayout layout(image.aspects, image.mip_levels, image.array_layers);
    (void)layout.resolve(range);
    check_stages(use.stages, "ResourceTracker::track");
    auto it = m_images.find(image.handle);
    if (it != m_images.end() && !(it->second.layout == layout)) {
        it->second = ImageEntry{layout, {}};
    } else if (it == m_images.end()) {
        it = m_images.try_emplace(image.handle, ImageEntry{layout, {}}).first;
    }
    const State state = State::declared(use.stages, use.access, use.layout, use.queue_family);
    layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) {
        it->second.states.assign(b, e, state);
    });
}

void ResourceTracker::request(const TrackedImage &image, const vk::ImageSubresourceRange &range,
                              const ImageUse &use) {
    if (!image.handle) {
        throw LogicError("ResourceTracker::request: null image");
    }
    const ImageSubresourceLayout layout(image.aspects, image.mip_levels, image.array_layers);
    (void)layout.resolve(range);
    check_stages(use.stages, "ResourceTracker::request");
    check_layout(image, use.layout);
    auto it = m_images.find(image.handle);
    if (it != m_images.end() && it->second.layout == layout) {
        layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) {
            check_conflicts(it->second.states, b, e, use, use.layout);
        });
    } else if (it != m_images.end()) {
        it->second = ImageEntry{layout, {}}; // a new image under a reused handle
    } else {
        it = m_images.try_emplace(image.handle, ImageEntry{layout, {}}).first;
    }
    m_needs.clear();
    layout.for_each_run(range, [&](std::uint64_t b, std::uint64_t e) {
        apply(it->second.states, b, e, use.stages, use.access, use.layout, use.queue_family, true);
    });
    const std::size_t first = m_image_barriers.size();
    for (const Need &n : m_needs) {
        layout.for_each_range(n.begin, n.end, [&](const vk::ImageSubresourceRange &r) {
            if (n.src_family != VK_QUEUE_FAMILY_IGNORED) {
                m_image_barriers.emplace_back(n.src_stages, n.src_access, vk::PipelineStageFlags2{},
                                              vk::AccessFlags2{}, n.old_layout, use.layout,
                                              n.src_family, n.dst_family, image.handle, r);
                m_image_barrier_family.push_back(n.src_family);
                m_image_barriers.emplace_back(vk::PipelineStageFlags2{}, vk::AccessFlags2{},
                                              n.dst_stages, n.dst_access, n.old_layout, use.layout,
                                              n.src_family, n.dst_family, image.handle, r);
                m_image_barrier_family.push_back(n.dst_family);
            } else {
                m_image_barriers.emplace_back(n.src_stages, n.src_access, n.dst_stages,
                                              n.dst_access, n.old_layout, use.layout,
                                              VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED,
                                              image.handle, r);
                m_image_barrier_family.push_back(use.queue_family);
            }
        });
    }
    merge_image_barriers(first);
}

void ResourceTracker::merge_image_barriers(std::size_t first) {
    // Barriers of one request that differ only by aspect, or by adjacent levels or layers, are
    // the same barrier over a larger range. Few per request: pairwise.
    bool merged = true;
    while (merged) {
        merged = false;
        for (std::size_t i = first; i < m_image_barriers.size() && !merged; ++i) {
            for (std::size_t j = i + 1; j < m_image_barriers.size() && !merged; ++j) {
                auto &a = m_image_barriers[i];
                const auto &b = m_image_barriers[j];
                if (a.dstStageMask != b.dstStageMask || a.dstAccessMask != b.dstAccessMask ||
                    a.oldLayout != b.oldLayout || a.srcQueueFamilyIndex != b.srcQueueFamilyIndex ||
                    a.srcStageMask != b.srcStageMask || a.srcAccessMask != b.srcAccessMask ||
                    m_image_barrier_family[i] != m_image_barrier_family[j]) {
                    continue;
                }
                auto &ra = a.subresourceRange;
                const auto &rb = b.subresourceRange;
                const bool same_levels = ra.baseMipLevel == rb.baseMipLevel && ra.levelCount == rb.levelCount;
                const bool same_layers = ra.baseArrayLayer == rb.baseArrayLayer && ra.layerCount == rb.layerCount;
                if (same_levels && same_layers && !(ra.aspectMask & rb.aspectMask)) {
                    ra.aspectMask |= rb.aspectMask;
                } else if (ra.aspectMask == rb.aspectMask && same_layers &&
                           ra.baseMipLevel + ra.levelCount == rb.baseMipLevel) {
                    ra.levelCount += rb.levelCount;
                } else if (ra.aspectMask == rb.aspectMask && same_levels &&
                           ra.baseArrayLayer + ra.layerCount == rb.baseArrayLayer) {
                    ra.layerCount += rb.layerCount;
                } else {
                    continue;
                }
                m_image_barriers.erase(m_image_barriers.begin() + static_cast<std::ptrdiff_t>(j));
                m_image_barrier_family.erase(m_image_barrier_family.begin() +
                                             static_cast<std::ptrdiff_t>(j));
                merged = true;
            }
        }
    }
}

vk::ImageLayout ResourceTracker::layout(const TrackedImage &image, vk::ImageAspectFlagBits aspect,
                                        std::uint32_t level, std::uint32_t layer) const {
    const ImageSubresourceLayout layout(image.aspects, image.mip_levels, image.array_layers);
    const auto it = m_images.find(image.handle);
    vk::ImageLayout result = vk::ImageLayout::eUndefined;
    layout.for_each_run(vk::ImageSubresourceRange(aspect, level, 1, layer, 1),
                        [&](std::uint64_t b, std::uint64_t) {
                            if (it != m_images.end() && it->second.layout == layout) {
                                if (const State *s = it->second.states.find(b)) {
                                    result = s->layout;
                                }
                            }
                        });
    return result;
}

std::size_t ResourceTracker::flush(CommandBuffer &commands) {
    if (commands.empty() || !commands.is_recording()) {
        throw LogicError("ResourceTracker::flush: the command buffer is empty or not recording");
    }
    return flush(commands.handle(), commands.family_index());
}

ResourceTracker::Barriers ResourceTracker::take(std::uint32_t queue_family) {
    Barriers out;
    take_into(queue_family, out);
    return out;
}

void ResourceTracker::take_into(std::uint32_t queue_family, Barriers &out) {
    ++m_epoch;
    auto mine = [&](std::uint32_t family) {
        return queue_family == VK_QUEUE_FAMILY_IGNORED || family == VK_QUEUE_FAMILY_IGNORED ||
               family == queue_family;
    };
    move_mine(m_buffer_barriers, m_buffer_barrier_family, out.buffers, mine);
    move_mine(m_image_barriers, m_image_barrier_family, out.images, mine);
}

std::size_t ResourceTracker::flush(vk::CommandBuffer commands, std::uint32_t queue_family) {
    if (!commands) {
        throw LogicError("ResourceTracker::flush: null command buffer");
    }
    bool all_mine = true;
    for (const std::uint32_t family : m_buffer_barrier_family) {
        all_mine = all_mine && (family == VK_QUEUE_FAMILY_IGNORED || family == queue_family);
    }
    for (const std::uint32_t family : m_image_barrier_family) {
        all_mine = all_mine && (family == VK_QUEUE_FAMILY_IGNORED || family == queue_family);
    }
    if (all_mine) {
        // The common case: everything pending goes, straight from the tracker's own vectors.
        ++m_epoch;
        const std::size_t count = m_buffer_barriers.size() + m_image_barriers.size();
        if (count != 0) {
            commands.pipelineBarrier2(vk::DependencyInfo({}, {}, m_buffer_barriers, m_image_barriers));
        }
        m_buffer_barriers.clear();
        m_buffer_barrier_family.clear();
        m_image_barriers.clear();
        m_image_barrier_family.clear();
        return count;
    }
    Barriers out;
    take_into(queue_family, out);
    if (!out.buffers.empty() || !out.images.empty()) {
        commands.pipelineBarrier2(vk::DependencyInfo({}, {}, out.buffers, out.images));
    }
    return out.buffers.size() + out.images.size();
}

} // namespace vw
