#include "VulkanWrapper/Transfer/Transfer.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "CopyBarriers.h"
#include "CopyThreads.h"
#include "FreshPages.h"
#include "HostRegistry.h"
#include "ImageCopy.h"
#include "PendingDownloadState.h"
#include "RangeCheck.h"
#include "StagingArena.h"
#include "StagingStream.h"
#include "SubmitTimeline.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Memory/ScopedMapping.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceLoss.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

namespace {

constexpr std::uint32_t max_default_threads = 16;

constexpr vk::PipelineStageFlags2 any_stage = vk::PipelineStageFlagBits2::eAllCommands;
constexpr vk::AccessFlags2 any_access = vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite;

// One mip level of one array layer, every aspect.
vk::ImageSubresourceRange subresource(const Image &image, MipLevel level, ArrayLayer layer) {
    return {image.aspect(), static_cast<std::uint32_t>(level), 1, static_cast<std::uint32_t>(layer), 1};
}

// Fresh memory a readback lands in is faulted in page by page as it is written; huge pages cut
// those faults 512-fold where the kernel offers them on request (THP "madvise" mode).
// The faults are split between the copy threads from this many participants on, else taken by
// the caller before its copy. vw-bench-fresh-pages, 256 MiB, populate + one-thread copy, median
// ms (2026-12-04): H200 host, 1 / 2 / 4 / 16 threads 62-67 / 46-54 / 45-47 / 33-35, the copy
// faulting the pages itself 90-93; 2-core lavapipe VM, one thread 25-26.5 in every run, two
// either 21 or 92-100 (medians 26 to 92 over four runs), the copy alone 24. Both machines are
// VMs whose guests report freed memory to the host; the second CPU of the small one often gets
// pages the host has to fault in again.
constexpr std::uint32_t min_shared_populate = 4;

void prepare_destination(detail::CopyThreads &threads, std::byte *reserved, vk::DeviceSize size) {
    const std::span<std::byte> pages = detail::huge_pages_within(reserved, static_cast<std::size_t>(size));
    detail::advise_huge_pages(pages);
    threads.populate(pages.data(), pages.size(),
                     threads.participants() >= min_shared_populate ? detail::PopulateBy::AllParticipants
                                                                   : detail::PopulateBy::Caller);
}

TransferOptions resolved(TransferOptions options) {
    if (options.chunk_bytes == 0) throw LogicError("Transfer: chunk_bytes is zero");
    if (options.staging_slots < 2) throw LogicError("Transfer: staging_slots must be at least 2");
    if (options.staging_idle.count() < 0) throw LogicError("Transfer: staging_idle is negative");
    if (options.wait_spin.count() < 0) throw LogicError("Transfer: wait_spin is negative");
    if (options.wait_spin > std::chrono::seconds(1)) throw LogicError("Transfer: wait_spin is above one second");
    if (options.copy_threads == 0) {
        options.copy_threads = std::clamp(std::thread::hardware_concurrency(), 1U, max_default_threads);
    }
    return options;
}

} // namespace

struct Transfer::Impl {
    Impl(std::shared_ptr<Device> device_, std::shared_ptr<Allocator> allocator_, TransferOptions options_,
         Queue &queue, Queue &main_queue)
        : device(std::move(device_))
        , allocator(std::move(allocator_))
        , options(options_)
        , threads(options.copy_threads)
        , buffer_timeline(device, queue, options.wait_spin)
        , image_timeline(device, main_queue, options.wait_spin)
        , arena(std::make_shared<detail::StagingArena>(device, allocator, options.staging_budget,
                                                       options.staging_idle))
        , uploads(arena, buffer_timeline, threads, options.chunk_bytes, options.staging_slots)
        , downloads(arena, buffer_timeline, threads, options.chunk_bytes, options.staging_slots)
        , registry(std::make_shared<detail::HostRegistry>(allocator, options.registration_budget)) {}

    void check_buffer(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                      const char *operation) const {
        if (buffer.empty()) throw LogicError(std::string(operation) + ": the buffer is empty");
        if (buffer.allocator()->device() != device) {
            throw LogicError(std::string(operation) + ": the buffer belongs to another device");
        }
        detail::check_range(buffer.size_bytes(), offset, size, detail::RangeUnit::Bytes, operation);
    }

    // Direct reads go only to host-cached memory: uncached reads are slow.
    [[nodiscard]] bool reads_directly(const BufferBase &buffer) const {
        return options.direct_access && buffer.allows_host_access() &&
               (buffer.memory_properties() & vk::MemoryPropertyFlagBits::eHostCached);
    }

    // Waits on the host until every semaphore of `waits` reaches its value (a ready ticket's
    // null semaphore is skipped). DeviceLostError on device loss.
    void wait_on_host(std::span<const vk::SemaphoreSubmitInfo> waits) const {
        std::vector<vk::Semaphore> semaphores;
        std::vector<std::uint64_t> values;
        for (const auto &wait : waits) {
            if (!wait.semaphore) continue;
            semaphores.push_back(wait.semaphore);
            values.push_back(wait.value);
        }
        if (semaphores.empty()) return;
        detail::throw_if_lost(*device, "vkWaitSemaphores");
        const vk::SemaphoreWaitInfo info({}, semaphores, values);
        detail::check_wait(*device, device->handle().waitSemaphores(&info, UINT64_MAX, device->dispatcher()),
                           "vkWaitSemaphores");
    }

    // Before the host maps a buffer to read or write it: waits for this engine's copies that
    // may still use it (a staged upload, a download_async() in flight), so that transfers
    // through one engine take effect in their order.
    void wait_for_engine_copies(const BufferBase &buffer) const {
        const std::uint64_t last = buffer_timeline.last_submitted();
        if (last == 0 || !AllocatorInternals::pending_work(*buffer.allocator()).busy(buffer.allocation())) return;
        buffer_timeline.wait(last);
    }

    // Reads a buffer the host may map, handing `append` its bytes, after this engine's copies
    // that use it.
    template <typename Append>
    void read_mapped(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size, Append &&append) {
        wait_for_engine_copies(buffer);
        // The buffer's own allocator (another one of the device's may have made it): VMA's
        // calls and the mapping lock are its.
        const Allocator &owner = *buffer.allocator();
        const detail::ScopedMapping mapping(owner, buffer.allocation());
        const vk::DeviceSize start = buffer.allocation_offset() + offset;
        check(vmaInvalidateAllocation(owner.handle(), buffer.allocation(), start, size), "vmaInvalidateAllocation");
        append(mapping.data() + start, static_cast<std::size_t>(size));
    }

    [[nodiscard]] bool host_reads(const BufferBase &buffer) const {
        return buffer.is_host_visible() || reads_directly(buffer);
    }

    // Before the host reads a buffer itself: waits for the caller's work (`waits`) on the
    // device, with the barrier that makes its writes visible to the host. A command buffer of
    // the arena's: no pool is created.
    void wait_for_host_read(std::span<const vk::SemaphoreSubmitInfo> waits) {
        if (waits.empty()) return;
        const detail::StagingLease lease = arena->acquire(detail::StagingKind::Commands, 0, true);
        CommandBuffer &commands = lease.commands(device, buffer_timeline.queue().family_index());
        commands.begin();
        detail::make_earlier_writes_visible_to_host(commands.handle());
        commands.end();
        const std::uint64_t value = buffer_timeline.submit(commands, waits);
        lease.retire(buffer_timeline.semaphore(), value);
        buffer_timeline.wait(value);
    }

    // Host-side reads of a buffer the host can read: `append` gets its bytes in one piece.
    template <typename Append>
    void read_on_host(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size, Append &&append) {
        if (buffer.is_host_visible()) {
            buffer.invalidate(offset, size);
            append(buffer.mapped_data() + offset, static_cast<std::size_t>(size));
        } else {
            read_mapped(buffer, offset, size, append);
        }
    }

    // Whether an upload of `size` bytes into `buffer` (not host-visible) is a host write: always
    // on unified memory, up to the limit on resizable BAR, and beyond it for a buffer that no
    // copy may write.
    [[nodiscard]] bool writes_directly(const BufferBase &buffer, vk::DeviceSize size) const {
        if (!options.direct_access || !buffer.allows_host_access()) return false;
        return buffer.allocator()->unified_memory() || size <= options.direct_write_limit ||
               !(buffer.usage() & vk::BufferUsageFlagBits::eTransferDst);
    }

    // The device copies between `buffer` and registered host memory itself, after `waits`;
    // returns the timeline value at which it is done (and, for a readback, the bytes are
    // visible to the host).
    std::uint64_t copy_registered(const detail::HostRegistry::Use &use, const BufferBase &buffer,
                                  vk::DeviceSize offset, vk::DeviceSize size, detail::RegisteredDirection direction,
                                  std::span<const vk::SemaphoreSubmitInfo> waits) {
        const detail::StagingLease lease = arena->acquire(detail::StagingKind::Commands, 0, true);
        CommandBuffer &commands = lease.commands(device, buffer_timeline.queue().family_index());
        commands.begin();
        const bool upload = direction == detail::RegisteredDirection::Upload;
        detail::order_copy_after_earlier_work(commands.handle(), upload ? vk::AccessFlagBits2::eTransferWrite
                                                                        : vk::AccessFlagBits2::eTransferRead);
        if (upload) {
            commands.handle().copyBuffer(use.buffer().handle(), buffer.handle(), vk::BufferCopy(use.offset(), offset, size));
        } else {
            commands.handle().copyBuffer(buffer.handle(), use.buffer().handle(), vk::BufferCopy(offset, use.offset(), size));
            detail::make_copies_visible_to_host(commands.handle());
        }
        commands.end();
        const std::uint64_t value = buffer_timeline.submit(commands, waits);
        lease.retire(buffer_timeline.semaphore(), value);
        use.retire(buffer_timeline.semaphore(), value);
        return value;
    }

    // Tells `target`'s allocator that the copy signalling `value` on `timeline` uses it, so
    // that defragmentation leaves it in place until then.
    static void record_pending(const Allocation &target, const detail::SubmitTimeline &timeline, std::uint64_t value) {
        const std::shared_ptr<Semaphore> &semaphore = timeline.semaphore();
        AllocatorInternals::pending_work(*target.allocator())
            .add(target.allocation(), semaphore, semaphore->handle(), value);
    }

    std::shared_ptr<Device> device;
    std::shared_ptr<Allocator> allocator;
    TransferOptions options;
    detail::CopyThreads threads;
    // Buffer transfers and image transfers run on different queues (the transfer-only family,
    // the main queue): a timeline each keeps every semaphore's signals in one queue's order.
    detail::SubmitTimeline buffer_timeline;
    detail::SubmitTimeline image_timeline;
    std::shared_ptr<detail::StagingArena> arena;
    detail::UploadStream uploads;
    detail::DownloadStream downloads;
    // Shared with the HostRegistrations, which may outlive the Transfer.
    std::shared_ptr<detail::HostRegistry> registry;
};

Transfer::Transfer(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
                   TransferOptions options) {
    if (!device) throw LogicError("Transfer: device is null");
    if (!allocator) throw LogicError("Transfer: allocator is null");
    if (allocator->device() != device) throw LogicError("Transfer: the allocator belongs to another device");
    options = resolved(options);
    Queue &main = device->has_graphics_queue() ? device->graphics_queue() : device->compute_queue();
    Queue &queue = options.use_transfer_queue ? device->transfer_queue() : main;
    m_impl = std::make_unique<Impl>(std::move(device), std::move(allocator), options, queue, main);
}

Transfer::~Transfer() {
    try {
        m_impl->buffer_timeline.wait(m_impl->buffer_timeline.last_submitted());
        m_impl->image_timeline.wait(m_impl->image_timeline.last_submitted());
    } catch (const Exception &) {
        // Device lost: nothing is in flight any more, and destruction must go on.
    }
    m_impl->registry->close();
}

void Transfer::check_elements(std::size_t size, std::size_t first, std::size_t count, const char *operation) {
    detail::check_range(size, first, count, detail::RangeUnit::Elements, operation);
}

void Transfer::upload_bytes(BufferBase &buffer, std::span<const std::byte> bytes, vk::DeviceSize offset,
                            std::span<const vk::SemaphoreSubmitInfo> waits) {
    wait_for_upload(upload_bytes_async(buffer, bytes, offset, waits), bytes.size());
}

void Transfer::wait_for_upload(const TransferTicket &ticket, std::size_t bytes) const {
    m_impl->buffer_timeline.wait(ticket.value(), bytes);
}

TransferTicket Transfer::upload_bytes_async(BufferBase &buffer, std::span<const std::byte> bytes,
                                            vk::DeviceSize offset,
                                            std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, bytes.size(), "Transfer::upload");
    if (bytes.empty()) return {};
    const bool direct = !buffer.is_host_visible() && impl.writes_directly(buffer, bytes.size());
    const bool host_writes = buffer.is_host_visible() || direct;
    // The host writes the memory itself: the caller's work on the device finishes first.
    if (host_writes) impl.wait_on_host(waits);

    if (buffer.is_host_visible()) {
        impl.threads.copy(buffer.mapped_data() + offset, bytes.data(), bytes.size(),
                          detail::stores_for(buffer.memory_properties()));
        buffer.flush(offset, bytes.size());
        return {};
    }
    if (direct) {
        impl.wait_for_engine_copies(buffer);
        const Allocator &owner = *buffer.allocator();
        const detail::ScopedMapping mapping(owner, buffer.allocation());
        const vk::DeviceSize start = buffer.allocation_offset() + offset;
        impl.threads.copy(mapping.data() + start, bytes.data(), bytes.size(),
                          detail::stores_for(buffer.memory_properties()));
        check(vmaFlushAllocation(owner.handle(), buffer.allocation(), start, bytes.size()), "vmaFlushAllocation");
        return {};
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferDst)) {
        throw LogicError("Transfer::upload: the buffer lacks TransferDstUsage");
    }
    std::uint64_t value = 0;
    if (auto use = impl.registry->find(bytes.data(), bytes.size(), detail::RegisteredDirection::Upload)) {
        value = impl.copy_registered(*use, buffer, offset, bytes.size(), detail::RegisteredDirection::Upload, waits);
    } else {
        value = impl.uploads.upload(buffer, bytes, offset, waits);
    }
    Impl::record_pending(buffer, impl.buffer_timeline, value);
    return impl.buffer_timeline.ticket(value);
}

void Transfer::download_bytes(const BufferBase &buffer, std::span<std::byte> out, vk::DeviceSize offset,
                              std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, out.size(), "Transfer::download");
    if (out.empty()) return;
    if (impl.host_reads(buffer)) {
        impl.wait_for_host_read(waits);
        impl.read_on_host(buffer, offset, out.size(), [&](const std::byte *bytes, std::size_t size) {
            impl.threads.copy(out.data(), bytes, size);
        });
        return;
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download: the buffer lacks TransferSrcUsage");
    }
    if (auto use = impl.registry->find(out.data(), out.size(), detail::RegisteredDirection::Download)) {
        impl.buffer_timeline.wait(
            impl.copy_registered(*use, buffer, offset, out.size(), detail::RegisteredDirection::Download, waits),
            out.size());
        return;
    }
    impl.downloads.download(buffer, out, offset, waits);
}

void Transfer::download_appending(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                                  std::size_t granule, std::span<const vk::SemaphoreSubmitInfo> waits,
                                  std::byte *reserved, void (*append)(void *, const std::byte *, std::size_t),
                                  void *context) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, size, "Transfer::download");
    if (size == 0) return;
    prepare_destination(impl.threads, reserved, size);
    const auto sink = [&](const std::byte *bytes, std::size_t length) { append(context, bytes, length); };
    if (impl.host_reads(buffer)) {
        impl.wait_for_host_read(waits);
        impl.read_on_host(buffer, offset, size, sink);
        return;
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download: the buffer lacks TransferSrcUsage");
    }
    impl.downloads.download(buffer, offset, size, granule, sink, waits);
}

PendingDownloadBase Transfer::download_bytes_async(const BufferBase &buffer, vk::DeviceSize offset,
                                                  vk::DeviceSize size,
                                                  std::span<const vk::SemaphoreSubmitInfo> waits) {
    return start_download(buffer, offset, size, waits, &detail::make_host_copy<std::byte>);
}

PendingDownloadBase Transfer::start_download(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                                             std::span<const vk::SemaphoreSubmitInfo> waits,
                                             detail::HostCopyFactory make_host_copy) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, size, "Transfer::download_async");
    auto state = std::make_unique<PendingDownloadBase::State>();
    state->size = size;
    if (size == 0) return PendingDownloadBase(std::move(state));
    if (impl.host_reads(buffer)) {
        impl.wait_for_host_read(waits);
        // The bytes as they are now, straight into the vector get() returns: one new vector a
        // call, and no staging (a staging block and get()'s vector cost a second copy, and past
        // the arena's budget a second new vector).
        std::unique_ptr<detail::HostCopy> copy = make_host_copy();
        prepare_destination(impl.threads, copy->reserve(static_cast<std::size_t>(size)), size);
        impl.read_on_host(buffer, offset, size,
                          [&](const std::byte *bytes, std::size_t length) { copy->append(bytes, length); });
        state->host_copy = std::move(copy);
        return PendingDownloadBase(std::move(state));
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download_async: the buffer lacks TransferSrcUsage");
    }
    // A block that only this readback uses until get(): several readbacks can be in flight,
    // none waits for the readback lock, and none waits for a block (the caller may hold many
    // PendingDownloads; past the budget they get blocks freed after use).
    state->staging = impl.arena->acquire(detail::StagingKind::Readback, size, false);
    const BufferBase &staging = state->staging.buffer();
    CommandBuffer &commands = state->staging.commands(impl.device, impl.buffer_timeline.queue().family_index());
    commands.begin();
    // Earlier writes of any kind (the caller's work included) before the copy reads; the copy
    // visible to the host.
    detail::order_copy_after_earlier_work(commands.handle(), vk::AccessFlagBits2::eTransferRead);
    commands.handle().copyBuffer(buffer.handle(), staging.handle(), vk::BufferCopy(offset, 0, size));
    detail::make_copies_visible_to_host(commands.handle());
    commands.end();
    const std::uint64_t value = impl.buffer_timeline.submit(commands, waits);
    state->staging.retire(impl.buffer_timeline.semaphore(), value);
    Impl::record_pending(buffer, impl.buffer_timeline, value);
    state->ticket = impl.buffer_timeline.ticket(value);
    return PendingDownloadBase(std::move(state));
}

vk::DeviceSize Transfer::subresource_bytes(const Image &image, MipLevel level) {
    if (value_of(level) >= image.mip_levels()) {
        throw LogicError("Transfer::subresource_bytes: mip level " + std::to_string(value_of(level)) +
                         " of an image of " + std::to_string(image.mip_levels()) + " levels");
    }
    return detail::subresource_bytes(image, level);
}

void Transfer::upload(Image &image, std::span<const std::byte> texels, MipLevel level, ArrayLayer layer,
                      vk::ImageLayout final_layout, vk::ImageLayout current_layout,
                      std::span<const vk::SemaphoreSubmitInfo> waits) {
    m_impl->image_timeline.wait(upload_async(image, texels, level, layer, final_layout, current_layout, waits).value(),
                                texels.size());
}

TransferTicket Transfer::upload_async(Image &image, std::span<const std::byte> texels, MipLevel level,
                                      ArrayLayer layer, vk::ImageLayout final_layout,
                                      vk::ImageLayout current_layout,
                                      std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    detail::check_image_upload(&image, *impl.device, level, layer, texels.size(), final_layout, current_layout,
                               "Transfer::upload");
    // The block, and the command buffer recorded with it, come back to the arena once the
    // image timeline reaches the upload's value.
    const detail::StagingLease lease = impl.arena->acquire(detail::StagingKind::Upload, texels.size(), true);
    const BufferBase &staging = lease.buffer();
    impl.threads.copy(lease.data(), texels.data(), texels.size(),
                      detail::staging_stores_for(staging.memory_properties(), texels.size()));
    staging.flush(0, texels.size());

    CommandBuffer &commands = lease.commands(impl.device, impl.image_timeline.queue().family_index());
    commands.begin();
    ResourceTracker tracker;
    const TrackedImage tracked = image.tracked();
    const vk::ImageSubresourceRange range = subresource(image, level, layer);
    tracker.track(tracked, range, ImageUse{any_stage, any_access, current_layout});
    tracker.request(tracked, range, ImageUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                             vk::ImageLayout::eTransferDstOptimal});
    tracker.flush(commands);
    commands.handle().copyBufferToImage(staging.handle(), image.handle(), vk::ImageLayout::eTransferDstOptimal,
                                        detail::copy_region(image, level, layer));
    tracker.request(tracked, range, ImageUse{any_stage, any_access, final_layout});
    tracker.flush(commands);
    commands.end();
    const std::uint64_t value = impl.image_timeline.submit(commands, waits);
    lease.retire(impl.image_timeline.semaphore(), value);
    Impl::record_pending(image, impl.image_timeline, value);
    return impl.image_timeline.ticket(value);
}

std::vector<std::byte> Transfer::download(const Image &image, MipLevel level, ArrayLayer layer,
                                          vk::ImageLayout layout, std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    detail::check_image_download(&image, *impl.device, level, layer, layout, "Transfer::download");
    const vk::DeviceSize bytes = detail::subresource_bytes(image, level);
    const detail::StagingLease lease = impl.arena->acquire(detail::StagingKind::Readback, bytes, true);
    const BufferBase &staging = lease.buffer();
    CommandBuffer &commands = lease.commands(impl.device, impl.image_timeline.queue().family_index());
    commands.begin();
    ResourceTracker tracker;
    const TrackedImage tracked = image.tracked();
    const vk::ImageSubresourceRange range = subresource(image, level, layer);
    tracker.track(tracked, range, ImageUse{any_stage, any_access, layout});
    tracker.request(tracked, range, ImageUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferRead,
                                             vk::ImageLayout::eTransferSrcOptimal});
    tracker.flush(commands);
    commands.handle().copyImageToBuffer(image.handle(), vk::ImageLayout::eTransferSrcOptimal, staging.handle(),
                                        detail::copy_region(image, level, layer));
    tracker.request(tracked, range, ImageUse{any_stage, any_access, layout});
    tracker.track(staging, 0, bytes, BufferUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite});
    tracker.request(staging, 0, bytes, BufferUse{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead});
    tracker.flush(commands);
    commands.end();
    const std::uint64_t value = impl.image_timeline.submit(commands, waits);
    lease.retire(impl.image_timeline.semaphore(), value);
    // The new vector's pages are faulted in while the device copies.
    std::vector<std::byte> result;
    result.reserve(bytes);
    prepare_destination(impl.threads, result.data(), bytes);
    impl.image_timeline.wait(value, bytes);

    staging.invalidate(0, bytes);
    result.insert(result.end(), lease.data(), lease.data() + bytes);
    return result;
}

HostRegistration Transfer::register_host_memory(std::span<std::byte> memory) {
    const std::uint64_t id = m_impl->registry->add(memory);
    return HostRegistration(m_impl->registry, id, memory);
}

RegistrationStatistics Transfer::registration_statistics() const { return m_impl->registry->statistics(); }

vk::DeviceSize Transfer::trim() { return m_impl->arena->trim(); }

StagingStatistics Transfer::staging_statistics() const {
    const detail::StagingArenaFigures figures = m_impl->arena->figures();
    return {figures.held_bytes, figures.peak_bytes,  figures.blocks,
            figures.allocations, figures.command_pools, m_impl->arena->budget()};
}

const std::shared_ptr<detail::StagingArena> &Transfer::staging_arena() const noexcept { return m_impl->arena; }

const std::shared_ptr<Device> &Transfer::device() const noexcept { return m_impl->device; }

Queue &Transfer::queue() const noexcept { return m_impl->buffer_timeline.queue(); }

std::uint32_t Transfer::copy_threads() const noexcept { return m_impl->threads.participants(); }

const TransferOptions &Transfer::options() const noexcept { return m_impl->options; }

} // namespace vw
