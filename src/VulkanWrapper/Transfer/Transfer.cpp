#include "VulkanWrapper/Transfer/Transfer.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "CopyThreads.h"
#include "ImageCopy.h"
#include "PendingDownloadState.h"
#include "RangeCheck.h"
#include "StagingStream.h"
#include "SubmitTimeline.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

namespace {

constexpr std::uint32_t max_default_threads = 16;

// A direct mapping of a host-visible allocation that is not persistently mapped. VMA counts
// mappings of one allocation, so two threads may hold one each.
class ScopedMapping {
public:
    ScopedMapping(VmaAllocator allocator, VmaAllocation allocation)
        : m_allocator(allocator)
        , m_allocation(allocation) {
        void *data = nullptr;
        check(vmaMapMemory(allocator, allocation, &data), "vmaMapMemory");
        m_data = static_cast<std::byte *>(data);
    }
    ~ScopedMapping() { vmaUnmapMemory(m_allocator, m_allocation); }
    ScopedMapping(const ScopedMapping &) = delete;
    ScopedMapping &operator=(const ScopedMapping &) = delete;
    [[nodiscard]] std::byte *data() const noexcept { return m_data; }

private:
    VmaAllocator m_allocator;
    VmaAllocation m_allocation;
    std::byte *m_data = nullptr;
};

constexpr vk::PipelineStageFlags2 any_stage = vk::PipelineStageFlagBits2::eAllCommands;
constexpr vk::AccessFlags2 any_access = vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite;

// One mip level of one array layer, every aspect.
vk::ImageSubresourceRange subresource(const Image &image, MipLevel level, ArrayLayer layer) {
    return {image.aspect(), static_cast<std::uint32_t>(level), 1, static_cast<std::uint32_t>(layer), 1};
}

TransferOptions resolved(TransferOptions options) {
    if (options.chunk_bytes == 0) throw LogicError("Transfer: chunk_bytes is zero");
    if (options.staging_slots < 2) throw LogicError("Transfer: staging_slots must be at least 2");
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
        , buffer_timeline(device, queue)
        , image_timeline(device, main_queue)
        , uploads(device, allocator, buffer_timeline, threads, options.chunk_bytes, options.staging_slots)
        , downloads(device, allocator, buffer_timeline, threads, options.chunk_bytes, options.staging_slots) {}

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

    // Reads a buffer the host may map into `out`, after the asynchronous uploads submitted so
    // far (one of them may be writing it).
    void read_mapped(const BufferBase &buffer, std::span<std::byte> out, vk::DeviceSize offset) {
        buffer_timeline.wait(buffer_timeline.last_submitted());
        const ScopedMapping mapping(allocator->handle(), buffer.allocation());
        check(vmaInvalidateAllocation(allocator->handle(), buffer.allocation(), offset, out.size()),
              "vmaInvalidateAllocation");
        threads.copy(out.data(), mapping.data() + offset, out.size());
    }

    // Frees what completed asynchronous image uploads held.
    void reclaim_image_uploads() {
        const std::lock_guard lock(retained_mutex);
        if (retained.empty()) return;
        const std::uint64_t reached = image_timeline.completed();
        std::erase_if(retained, [&](const RetainedUpload &upload) { return upload.value <= reached; });
    }

    std::shared_ptr<Device> device;
    std::shared_ptr<Allocator> allocator;
    TransferOptions options;
    detail::CopyThreads threads;
    // Buffer transfers and image transfers run on different queues (the transfer-only family,
    // the main queue): a timeline each keeps every semaphore's signals in one queue's order.
    detail::SubmitTimeline buffer_timeline;
    detail::SubmitTimeline image_timeline;
    detail::UploadStream uploads;
    detail::DownloadStream downloads;

    // What asynchronous image uploads hold until their value is reached.
    struct RetainedUpload {
        std::uint64_t value;
        CommandPool pool;
        CommandBuffer commands;
        BufferBase staging;
    };
    std::mutex retained_mutex;
    std::vector<RetainedUpload> retained;
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
}

void Transfer::check_elements(std::size_t size, std::size_t first, std::size_t count, const char *operation) {
    detail::check_range(size, first, count, detail::RangeUnit::Elements, operation);
}

void Transfer::upload_bytes(BufferBase &buffer, std::span<const std::byte> bytes, vk::DeviceSize offset) {
    upload_bytes_async(buffer, bytes, offset).wait();
}

TransferTicket Transfer::upload_bytes_async(BufferBase &buffer, std::span<const std::byte> bytes,
                                            vk::DeviceSize offset,
                                            std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, bytes.size(), "Transfer::upload");
    if (bytes.empty()) return {};
    const bool host_writes = buffer.is_host_visible() || (impl.options.direct_access && buffer.allows_host_access());
    if (!waits.empty() && host_writes) {
        // The host writes the memory itself: the caller's work on the device finishes first.
        std::vector<vk::Semaphore> semaphores;
        std::vector<std::uint64_t> values;
        for (const auto &wait : waits) {
            semaphores.push_back(wait.semaphore);
            values.push_back(wait.value);
        }
        const vk::SemaphoreWaitInfo info({}, semaphores, values);
        check(impl.device->handle().waitSemaphores(&info, UINT64_MAX), "vkWaitSemaphores");
    }

    if (buffer.is_host_visible()) {
        impl.threads.copy(buffer.mapped_data() + offset, bytes.data(), bytes.size());
        buffer.flush(offset, bytes.size());
        return {};
    }
    if (impl.options.direct_access && buffer.allows_host_access()) {
        const ScopedMapping mapping(impl.allocator->handle(), buffer.allocation());
        impl.threads.copy(mapping.data() + offset, bytes.data(), bytes.size());
        check(vmaFlushAllocation(impl.allocator->handle(), buffer.allocation(), offset, bytes.size()),
              "vmaFlushAllocation");
        return {};
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferDst)) {
        throw LogicError("Transfer::upload: the buffer lacks TransferDstUsage");
    }
    return impl.buffer_timeline.ticket(impl.uploads.upload(buffer, bytes, offset, waits));
}

void Transfer::download_bytes(const BufferBase &buffer, std::span<std::byte> out, vk::DeviceSize offset) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, out.size(), "Transfer::download");
    if (out.empty()) return;

    if (buffer.is_host_visible()) {
        buffer.invalidate(offset, out.size());
        impl.threads.copy(out.data(), buffer.mapped_data() + offset, out.size());
        return;
    }
    if (impl.reads_directly(buffer)) {
        impl.read_mapped(buffer, out, offset);
        return;
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download: the buffer lacks TransferSrcUsage");
    }
    impl.downloads.download(buffer, out, offset);
}

PendingDownloadBase Transfer::download_bytes_async(const BufferBase &buffer, vk::DeviceSize offset,
                                                  vk::DeviceSize size,
                                                  std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    impl.check_buffer(buffer, offset, size, "Transfer::download_async");
    auto state = std::make_unique<PendingDownloadBase::State>();
    state->size = size;
    if (size == 0) return PendingDownloadBase(std::move(state));
    if (!waits.empty() && (buffer.is_host_visible() || impl.reads_directly(buffer))) {
        // The host reads the memory itself: wait for the caller's work on the device, with the
        // barrier that makes its writes visible to the host, before reading.
        CommandPool pool(impl.device, impl.buffer_timeline.queue().family_index());
        CommandBuffer commands = pool.allocate();
        commands.begin();
        ResourceTracker tracker;
        tracker.track(buffer, offset, size, BufferUse{vk::PipelineStageFlagBits2::eAllCommands,
                                                      vk::AccessFlagBits2::eMemoryWrite});
        tracker.request(buffer, offset, size, BufferUse{vk::PipelineStageFlagBits2::eHost,
                                                        vk::AccessFlagBits2::eHostRead});
        tracker.flush(commands);
        commands.end();
        impl.buffer_timeline.wait(impl.buffer_timeline.submit(commands, waits));
    }

    if (buffer.is_host_visible()) {
        state->immediate.resize(size);
        buffer.invalidate(offset, size);
        impl.threads.copy(state->immediate.data(), buffer.mapped_data() + offset, size);
        return PendingDownloadBase(std::move(state));
    }
    if (impl.reads_directly(buffer)) {
        state->immediate.resize(size);
        impl.read_mapped(buffer, state->immediate, offset);
        return PendingDownloadBase(std::move(state));
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download_async: the buffer lacks TransferSrcUsage");
    }
    // Staging memory of its own rather than a slot of the readback ring: several readbacks can
    // be in flight, and none waits for the ring's lock.
    state->staging.emplace(impl.allocator->allocate_buffer(size, TransferDstUsage, HostAccess::Random,
                                                           "vw::Transfer download_async staging"));
    state->pool.emplace(impl.device, impl.buffer_timeline.queue().family_index());
    state->commands.emplace(state->pool->allocate());
    CommandBuffer &commands = *state->commands;
    commands.begin();
    // Earlier writes of any kind (the caller's work included) before the copy reads; the copy
    // visible to the host.
    ResourceTracker tracker;
    tracker.track(buffer, offset, size, BufferUse{vk::PipelineStageFlagBits2::eAllCommands,
                                                  vk::AccessFlagBits2::eMemoryWrite});
    tracker.request(buffer, offset, size, BufferUse{vk::PipelineStageFlagBits2::eCopy,
                                                    vk::AccessFlagBits2::eTransferRead});
    tracker.flush(commands);
    commands.handle().copyBuffer(buffer.handle(), state->staging->handle(), vk::BufferCopy(offset, 0, size));
    tracker.track(*state->staging, BufferUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite});
    tracker.request(*state->staging, BufferUse{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead});
    tracker.flush(commands);
    commands.end();
    state->ticket = impl.buffer_timeline.ticket(impl.buffer_timeline.submit(commands, waits));
    return PendingDownloadBase(std::move(state));
}

vk::DeviceSize Transfer::subresource_bytes(const Image &image, MipLevel level) {
    return detail::subresource_bytes(image, level);
}

void Transfer::upload(Image &image, std::span<const std::byte> texels, MipLevel level, ArrayLayer layer,
                      vk::ImageLayout final_layout, vk::ImageLayout current_layout) {
    upload_async(image, texels, level, layer, final_layout, current_layout).wait();
    // The upload has completed: its staging memory goes now, not at the next image upload.
    m_impl->reclaim_image_uploads();
}

TransferTicket Transfer::upload_async(Image &image, std::span<const std::byte> texels, MipLevel level,
                                      ArrayLayer layer, vk::ImageLayout final_layout,
                                      vk::ImageLayout current_layout,
                                      std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    detail::check_image_upload(&image, *impl.device, level, layer, texels.size(), final_layout, current_layout,
                               "Transfer::upload");
    impl.reclaim_image_uploads();

    BufferBase staging = impl.allocator->allocate_buffer(texels.size(), TransferSrcUsage,
                                                         HostAccess::SequentialWrite,
                                                         "vw::Transfer image upload staging");
    impl.threads.copy(staging.mapped_data(), texels.data(), texels.size());
    staging.flush(0, texels.size());

    // A pool per upload: the command buffer is kept with the staging memory until the upload
    // completes, while other threads record theirs.
    CommandPool pool(impl.device, impl.image_timeline.queue().family_index());
    CommandBuffer commands = pool.allocate();
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
    const std::lock_guard lock(impl.retained_mutex);
    impl.retained.push_back({value, std::move(pool), std::move(commands), std::move(staging)});
    return impl.image_timeline.ticket(value);
}

std::vector<std::byte> Transfer::download(const Image &image, MipLevel level, ArrayLayer layer,
                                          vk::ImageLayout layout, std::span<const vk::SemaphoreSubmitInfo> waits) {
    Impl &impl = *m_impl;
    detail::check_image_download(&image, *impl.device, level, layer, layout, "Transfer::download");
    const vk::DeviceSize bytes = detail::subresource_bytes(image, level);
    BufferBase staging = impl.allocator->allocate_buffer(bytes, TransferDstUsage, HostAccess::Random,
                                                         "vw::Transfer image download staging");

    CommandPool pool(impl.device, impl.image_timeline.queue().family_index());
    CommandBuffer commands = pool.allocate();
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
    tracker.track(staging, BufferUse{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite});
    tracker.request(staging, BufferUse{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead});
    tracker.flush(commands);
    commands.end();
    impl.image_timeline.wait(impl.image_timeline.submit(commands, waits));

    std::vector<std::byte> result(bytes);
    staging.invalidate(0, bytes);
    impl.threads.copy(result.data(), staging.mapped_data(), bytes);
    return result;
}

Queue &Transfer::queue() const noexcept { return m_impl->buffer_timeline.queue(); }

std::uint32_t Transfer::copy_threads() const noexcept { return m_impl->threads.participants(); }

const TransferOptions &Transfer::options() const noexcept { return m_impl->options; }

} // namespace vw
