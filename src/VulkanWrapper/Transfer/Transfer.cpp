#include "VulkanWrapper/Transfer/Transfer.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include <vulkan/vulkan_format_traits.hpp>

#include "CopyThreads.h"
#include "ImageLayouts.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

namespace {

constexpr std::uint32_t max_default_threads = 16;
constexpr vk::DeviceSize small_chunk = vk::DeviceSize{4} << 20;

struct Slot {
    BufferBase staging;
    CommandBuffer commands;
    std::uint64_t last_value = 0;
};

// Orders this copy after earlier writes and reads of the same memory on the queue (earlier
// transfers, or the user's work on it), which submission order alone does not.
void record_memory_barrier(vk::CommandBuffer commands, vk::PipelineStageFlags2 dst_stage,
                           vk::AccessFlags2 dst_access) {
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eAllCommands,
                                     vk::AccessFlagBits2::eMemoryWrite, dst_stage, dst_access);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

void record_host_read_barrier(vk::CommandBuffer commands) {
    const vk::MemoryBarrier2 barrier(vk::PipelineStageFlagBits2::eCopy,
                                     vk::AccessFlagBits2::eTransferWrite,
                                     vk::PipelineStageFlagBits2::eHost,
                                     vk::AccessFlagBits2::eHostRead);
    commands.pipelineBarrier2(vk::DependencyInfo({}, barrier));
}

void record_layout_change(vk::CommandBuffer commands, const Image &image,
                          const vk::ImageSubresourceRange &range, vk::ImageLayout from,
                          vk::ImageLayout to, vk::PipelineStageFlags2 src_stage,
                          vk::AccessFlags2 src_access, vk::PipelineStageFlags2 dst_stage,
                          vk::AccessFlags2 dst_access) {
    const vk::ImageMemoryBarrier2 barrier(src_stage, src_access, dst_stage, dst_access, from, to,
                                          VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED,
                                          image.handle(), range);
    commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, barrier));
}

// A direct mapping of a host-visible allocation that is not persistently mapped.
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

} // namespace

TransferTicket::TransferTicket(std::shared_ptr<const Semaphore> timeline, std::uint64_t value) noexcept
    : m_timeline(std::move(timeline))
    , m_value(value) {}

bool TransferTicket::ready() const { return !m_timeline || m_timeline->value() >= m_value; }

void TransferTicket::wait() const {
    if (m_timeline) m_timeline->wait(m_value);
}

vk::Semaphore TransferTicket::semaphore() const noexcept {
    return m_timeline ? m_timeline->handle() : vk::Semaphore{};
}

vk::SemaphoreSubmitInfo TransferTicket::wait_info(vk::PipelineStageFlags2 stages) const noexcept {
    return {semaphore(), m_value, stages};
}

struct PendingDownloadBase::State {
    std::shared_ptr<Device> device;
    std::optional<CommandPool> pool;
    std::optional<CommandBuffer> commands; // after the pool: freed first
    std::optional<BufferBase> staging;
    std::vector<std::byte> immediate; // data already read, when no GPU copy was needed
    TransferTicket ticket;
    vk::DeviceSize size = 0;
    bool taken = false;
};

PendingDownloadBase::PendingDownloadBase(std::unique_ptr<State> state) noexcept
    : m_state(std::move(state)) {}

PendingDownloadBase::PendingDownloadBase(PendingDownloadBase &&) noexcept = default;

PendingDownloadBase &PendingDownloadBase::operator=(PendingDownloadBase &&other) noexcept {
    if (this != &other) {
        PendingDownloadBase old(std::move(*this)); // waits for our own copy as it goes
        m_state = std::move(other.m_state);
    }
    return *this;
}

PendingDownloadBase::~PendingDownloadBase() {
    if (!m_state) return;
    try {
        m_state->ticket.wait(); // the command buffer and staging memory must outlive the copy
    } catch (const Exception &) {
        // Device lost: nothing runs any more, and destruction must go on.
    }
}

bool PendingDownloadBase::ready() const {
    if (!m_state) throw LogicError("PendingDownload::ready: the object is empty (moved from)");
    return m_state->ticket.ready();
}

const TransferTicket &PendingDownloadBase::ticket() const {
    if (!m_state) throw LogicError("PendingDownload::ticket: the object is empty (moved from)");
    return m_state->ticket;
}

vk::DeviceSize PendingDownloadBase::size_bytes() const noexcept { return m_state ? m_state->size : 0; }

void PendingDownloadBase::take(std::span<std::byte> out) {
    if (!m_state) throw LogicError("PendingDownload::get: the object is empty (moved from)");
    if (m_state->taken) throw LogicError("PendingDownload::get: the data was already taken");
    if (out.size() != m_state->size) throw LogicError("PendingDownload::get: size mismatch");
    m_state->ticket.wait();
    if (m_state->staging) {
        m_state->staging->invalidate(0, m_state->size);
        if (!out.empty()) std::memcpy(out.data(), m_state->staging->mapped_data(), out.size());
    } else if (!out.empty()) {
        std::memcpy(out.data(), m_state->immediate.data(), out.size());
    }
    m_state->taken = true;
}

struct Transfer::Impl {
    Impl(std::shared_ptr<Device> device_, std::shared_ptr<Allocator> allocator_,
         TransferOptions options_, Queue &queue_, Queue &main_queue_)
        : device(std::move(device_))
        , allocator(std::move(allocator_))
        , options(options_)
        , queue(&queue_)
        , main_queue(&main_queue_)
        , threads(options.copy_threads)
        , timeline(std::make_shared<Semaphore>(device, 0))
        , main_timeline(std::make_shared<Semaphore>(device, 0))
        , pool(device, queue_.family_index())
        , main_pool(device, main_queue_.family_index()) {}

    // Frees what completed asynchronous image uploads held.
    void reclaim_image_uploads() {
        if (image_uploads.empty()) return;
        const std::uint64_t reached = main_timeline->value();
        std::erase_if(image_uploads, [&](const RetainedUpload &upload) { return upload.value <= reached; });
    }

    std::vector<Slot> &ring(std::vector<Slot> &slots, VkBufferUsageFlags usage, HostAccess access) {
        if (slots.empty()) {
            // Built aside: when a slot cannot be allocated, the ones made before it are freed
            // with `fresh` rather than left behind as a short ring.
            std::vector<Slot> fresh;
            fresh.reserve(options.staging_slots);
            for (std::uint32_t i = 0; i < options.staging_slots; ++i) {
                const char *direction = access == HostAccess::Random ? "download" : "upload";
                fresh.push_back({allocator->allocate_buffer(options.chunk_bytes, usage, access,
                                                            "vw::Transfer " + std::string(direction) +
                                                                " staging slot " + std::to_string(i)),
                                 pool.allocate(), 0});
            }
            slots = std::move(fresh);
        }
        return slots;
    }

    std::uint64_t submit(Slot &slot) {
        // Committed only once submitted: a failed submit must not leave a value nobody signals.
        const std::uint64_t value = next_value + 1;
        const vk::SemaphoreSubmitInfo signal = timeline->submit_info(value);
        slot.commands.submit(*queue, {}, std::span(&signal, 1));
        next_value = value;
        slot.last_value = value;
        return value;
    }

    void check_buffer(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                      const char *operation) const {
        if (buffer.empty()) throw LogicError(std::string(operation) + ": the buffer is empty");
        if (buffer.allocator()->device() != device) {
            throw LogicError(std::string(operation) + ": the buffer belongs to another device");
        }
        if (offset > buffer.size_bytes() || size > buffer.size_bytes() - offset) {
            throw LogicError(std::string(operation) + ": bytes [" + std::to_string(offset) + ", " +
                             std::to_string(offset) + " + " + std::to_string(size) +
                             ") exceed the buffer's " + std::to_string(buffer.size_bytes()) +
                             " bytes");
        }
    }

    void check_image(const Image &image, MipLevel level, ArrayLayer layer, vk::ImageUsageFlagBits usage,
                     const char *operation) const {
        if (image.empty()) throw LogicError(std::string(operation) + ": the image is empty");
        if (image.allocator()->device() != device) {
            throw LogicError(std::string(operation) + ": the image belongs to another device");
        }
        if (!(image.usage() & usage)) {
            throw LogicError(std::string(operation) + ": the image lacks " + vk::to_string(usage) +
                             " usage");
        }
        if (value_of(level) >= image.mip_levels() || value_of(layer) >= image.array_layers()) {
            throw LogicError(std::string(operation) + ": mip level " + std::to_string(value_of(level)) +
                             " / layer " + std::to_string(value_of(layer)) + " outside the image's " +
                             std::to_string(image.mip_levels()) + " levels and " +
                             std::to_string(image.array_layers()) + " layers");
        }
        if (image.samples() != vk::SampleCountFlagBits::e1) {
            throw LogicError(std::string(operation) + ": a multisampled image (" +
                             vk::to_string(image.samples()) + ") is not copied to or from buffers");
        }
        const vk::ImageAspectFlags aspect = image.aspect();
        if (aspect == (vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil)) {
            throw LogicError(std::string(operation) + ": combined depth-stencil formats (" +
                             vk::to_string(image.format()) + ") are not transferred");
        }
    }

    std::shared_ptr<Device> device;
    std::shared_ptr<Allocator> allocator;
    TransferOptions options;
    Queue *queue;
    Queue *main_queue;
    detail::CopyThreads threads;
    std::shared_ptr<Semaphore> timeline;
    std::uint64_t next_value = 0;
    // Image transfers run on the main queue: a timeline of their own keeps each semaphore's
    // signals in the order of one queue.
    std::shared_ptr<Semaphore> main_timeline;
    std::uint64_t main_next_value = 0;
    struct RetainedUpload {
        std::uint64_t value;
        CommandPool pool;
        CommandBuffer commands;
        BufferBase staging;
    };
    std::vector<RetainedUpload> image_uploads;
    CommandPool pool;
    CommandPool main_pool;
    std::vector<Slot> upload_slots;
    std::vector<Slot> download_slots;
    std::size_t upload_cursor = 0;
    std::mutex mutex;
};

namespace {

TransferOptions resolved(TransferOptions options) {
    if (options.chunk_bytes == 0) throw LogicError("Transfer: chunk_bytes is zero");
    if (options.staging_slots < 2) throw LogicError("Transfer: staging_slots must be at least 2");
    if (options.copy_threads == 0) {
        options.copy_threads = std::clamp(std::thread::hardware_concurrency(), 1U, max_default_threads);
    }
    return options;
}

} // namespace

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
        m_impl->timeline->wait(m_impl->next_value);
        m_impl->main_timeline->wait(m_impl->main_next_value);
    } catch (const Exception &) {
        // Device lost: nothing is in flight any more, and destruction must go on.
    }
}

void Transfer::check_elements(std::size_t size, std::size_t first, std::size_t count,
                              const char *operation) {
    if (first > size || count > size - first) {
        throw LogicError(std::string(operation) + ": elements [" + std::to_string(first) + ", " +
                         std::to_string(first) + " + " + std::to_string(count) +
                         ") exceed the buffer's " + std::to_string(size) + " elements");
    }
}

void Transfer::upload_bytes(BufferBase &buffer, std::span<const std::byte> bytes,
                            vk::DeviceSize offset) {
    upload_bytes_async(buffer, bytes, offset).wait();
}

TransferTicket Transfer::upload_bytes_async(BufferBase &buffer, std::span<const std::byte> bytes,
                                            vk::DeviceSize offset) {
    Impl &impl = *m_impl;
    std::lock_guard lock(impl.mutex);
    impl.check_buffer(buffer, offset, bytes.size(), "Transfer::upload");
    if (bytes.empty()) return {};

    if (buffer.is_host_visible()) {
        impl.threads.copy(buffer.mapped_data() + offset, bytes.data(), bytes.size());
        buffer.flush(offset, bytes.size());
        return {};
    }
    if (impl.options.direct_access &&
        buffer.allows_host_access()) {
        const ScopedMapping mapping(impl.allocator->handle(), buffer.allocation());
        impl.threads.copy(mapping.data() + offset, bytes.data(), bytes.size());
        check(vmaFlushAllocation(impl.allocator->handle(), buffer.allocation(), offset, bytes.size()),
              "vmaFlushAllocation");
        return {};
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferDst)) {
        throw LogicError("Transfer::upload: the buffer lacks TransferDstUsage");
    }

    auto &slots = impl.ring(impl.upload_slots, TransferSrcUsage, HostAccess::SequentialWrite);
    const vk::DeviceSize chunk = impl.options.chunk_bytes;
    // Chunks grow from small_chunk to a full slot and shrink again towards the end: the DMA
    // starts sooner and the last copy, which nothing overlaps, is short.
    vk::DeviceSize ramp = std::min(chunk, small_chunk);
    std::uint64_t last = 0;
    for (vk::DeviceSize position = 0, length = 0; position < bytes.size(); position += length) {
        const vk::DeviceSize remaining = bytes.size() - position;
        length = std::min({ramp, chunk, std::max(small_chunk, remaining / 2), remaining});
        ramp = std::min(ramp * 2, chunk); // capped: doubling without end wraps to 0 after 64 bits

        Slot &slot = slots[impl.upload_cursor];
        impl.upload_cursor = (impl.upload_cursor + 1) % slots.size();
        impl.timeline->wait(slot.last_value);
        impl.threads.copy(slot.staging.mapped_data(), bytes.data() + position, length);
        slot.staging.flush(0, length);

        slot.commands.reset();
        slot.commands.begin();
        const vk::CommandBuffer commands = slot.commands.handle();
        record_memory_barrier(commands, vk::PipelineStageFlagBits2::eCopy,
                              vk::AccessFlagBits2::eTransferWrite | vk::AccessFlagBits2::eTransferRead);
        const vk::BufferCopy region(0, offset + position, length);
        commands.copyBuffer(slot.staging.handle(), buffer.handle(), region);
        slot.commands.end();
        last = impl.submit(slot);
    }
    return {impl.timeline, last};
}

void Transfer::download_bytes(const BufferBase &buffer, std::span<std::byte> out,
                              vk::DeviceSize offset) {
    Impl &impl = *m_impl;
    std::lock_guard lock(impl.mutex);
    impl.check_buffer(buffer, offset, out.size(), "Transfer::download");
    if (out.empty()) return;

    if (buffer.is_host_visible()) {
        buffer.invalidate(offset, out.size());
        impl.threads.copy(out.data(), buffer.mapped_data() + offset, out.size());
        return;
    }
    const auto properties = buffer.memory_properties();
    if (impl.options.direct_access && buffer.allows_host_access() &&
        (properties & vk::MemoryPropertyFlagBits::eHostCached)) {
        // Earlier asynchronous uploads into it may still be running.
        impl.timeline->wait(impl.next_value);
        const ScopedMapping mapping(impl.allocator->handle(), buffer.allocation());
        check(vmaInvalidateAllocation(impl.allocator->handle(), buffer.allocation(), offset, out.size()),
              "vmaInvalidateAllocation");
        impl.threads.copy(out.data(), mapping.data() + offset, out.size());
        return;
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download: the buffer lacks TransferSrcUsage");
    }

    auto &slots = impl.ring(impl.download_slots, TransferDstUsage, HostAccess::Random);
    const vk::DeviceSize chunk = impl.options.chunk_bytes;
    const std::size_t chunks = static_cast<std::size_t>((out.size() + chunk - 1) / chunk);
    const auto length_of = [&](std::size_t index) {
        return std::min<vk::DeviceSize>(chunk, out.size() - index * chunk);
    };
    const auto submit_chunk = [&](std::size_t index) {
        Slot &slot = slots[index % slots.size()];
        impl.timeline->wait(slot.last_value);
        slot.commands.reset();
        slot.commands.begin();
        const vk::CommandBuffer commands = slot.commands.handle();
        record_memory_barrier(commands, vk::PipelineStageFlagBits2::eCopy,
                              vk::AccessFlagBits2::eTransferRead | vk::AccessFlagBits2::eTransferWrite);
        const vk::BufferCopy region(offset + index * chunk, 0, length_of(index));
        commands.copyBuffer(buffer.handle(), slot.staging.handle(), region);
        record_host_read_barrier(commands);
        slot.commands.end();
        impl.submit(slot);
    };
    for (std::size_t index = 0; index < std::min<std::size_t>(chunks, slots.size()); ++index) {
        submit_chunk(index);
    }
    for (std::size_t index = 0; index < chunks; ++index) {
        Slot &slot = slots[index % slots.size()];
        impl.timeline->wait(slot.last_value);
        const vk::DeviceSize length = length_of(index);
        slot.staging.invalidate(0, length);
        impl.threads.copy(out.data() + index * chunk, slot.staging.mapped_data(), length);
        if (index + slots.size() < chunks) submit_chunk(index + slots.size());
    }
}

PendingDownloadBase Transfer::download_bytes_async(const BufferBase &buffer, vk::DeviceSize offset,
                                                  vk::DeviceSize size) {
    Impl &impl = *m_impl;
    std::lock_guard lock(impl.mutex);
    impl.check_buffer(buffer, offset, size, "Transfer::download_async");
    auto state = std::make_unique<PendingDownloadBase::State>();
    state->device = impl.device;
    state->size = size;
    if (size == 0) return PendingDownloadBase(std::move(state));

    const auto properties = buffer.memory_properties();
    const bool direct = impl.options.direct_access &&
                        buffer.allows_host_access() &&
                        (properties & vk::MemoryPropertyFlagBits::eHostCached);
    if (buffer.is_host_visible() || direct) {
        state->immediate.resize(size);
        if (buffer.is_host_visible()) {
            buffer.invalidate(offset, size);
            impl.threads.copy(state->immediate.data(), buffer.mapped_data() + offset, size);
        } else {
            impl.timeline->wait(impl.next_value);
            const ScopedMapping mapping(impl.allocator->handle(), buffer.allocation());
            check(vmaInvalidateAllocation(impl.allocator->handle(), buffer.allocation(), offset, size),
                  "vmaInvalidateAllocation");
            impl.threads.copy(state->immediate.data(), mapping.data() + offset, size);
        }
        return PendingDownloadBase(std::move(state));
    }
    if (!(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc)) {
        throw LogicError("Transfer::download_async: the buffer lacks TransferSrcUsage");
    }
    state->staging.emplace(impl.allocator->allocate_buffer(size, TransferDstUsage, HostAccess::Random,
                                                           "vw::Transfer download_async staging"));
    // A pool of its own: the object may be destroyed on another thread, outside our lock.
    state->pool.emplace(impl.device, impl.queue->family_index());
    state->commands.emplace(state->pool->allocate());
    CommandBuffer &commands = *state->commands;
    commands.begin();
    record_memory_barrier(commands.handle(), vk::PipelineStageFlagBits2::eCopy,
                          vk::AccessFlagBits2::eTransferRead | vk::AccessFlagBits2::eTransferWrite);
    commands.handle().copyBuffer(buffer.handle(), state->staging->handle(), vk::BufferCopy(offset, 0, size));
    record_host_read_barrier(commands.handle());
    commands.end();
    const std::uint64_t value = impl.next_value + 1;
    const vk::SemaphoreSubmitInfo signal = impl.timeline->submit_info(value);
    commands.submit(*impl.queue, {}, std::span(&signal, 1));
    impl.next_value = value;
    state->ticket = TransferTicket(impl.timeline, value);
    return PendingDownloadBase(std::move(state));
}

vk::DeviceSize Transfer::subresource_bytes(const Image &image, MipLevel level) {
    const vk::Extent3D extent = image.mip_extent(level);
    const auto block = vk::blockExtent(image.format());
    const auto blocks = [](std::uint32_t texels, std::uint8_t block_side) {
        return (static_cast<vk::DeviceSize>(texels) + block_side - 1) / block_side;
    };
    return vk::blockSize(image.format()) * blocks(extent.width, block[0]) *
           blocks(extent.height, block[1]) * blocks(extent.depth, block[2]);
}

void Transfer::upload(Image &image, std::span<const std::byte> texels, MipLevel level,
                      ArrayLayer layer, vk::ImageLayout final_layout, vk::ImageLayout current_layout) {
    upload_async(image, texels, level, layer, final_layout, current_layout).wait();
    // The upload has completed: its staging memory goes now, not at the next image upload.
    std::lock_guard lock(m_impl->mutex);
    m_impl->reclaim_image_uploads();
}

TransferTicket Transfer::upload_async(Image &image, std::span<const std::byte> texels, MipLevel level,
                                      ArrayLayer layer, vk::ImageLayout final_layout,
                                      vk::ImageLayout current_layout) {
    Impl &impl = *m_impl;
    std::lock_guard lock(impl.mutex);
    impl.check_image(image, level, layer, vk::ImageUsageFlagBits::eTransferDst, "Transfer::upload");
    if (final_layout == vk::ImageLayout::eUndefined || final_layout == vk::ImageLayout::ePreinitialized) {
        throw LogicError("Transfer::upload: the final layout must be a defined layout, not " +
                         vk::to_string(final_layout));
    }
    detail::check_transfer_layout(final_layout, image.usage(), "Transfer::upload", "final");
    if (current_layout != vk::ImageLayout::eUndefined) {
        detail::check_transfer_layout(current_layout, image.usage(), "Transfer::upload", "current");
    }
    const vk::DeviceSize expected = subresource_bytes(image, level);
    if (texels.size() != expected) {
        throw LogicError("Transfer::upload: " + std::to_string(texels.size()) + " bytes given, mip level " +
                         std::to_string(value_of(level)) + " of " + vk::to_string(image.format()) +
                         " needs " + std::to_string(expected));
    }
    impl.reclaim_image_uploads();

    BufferBase staging = impl.allocator->allocate_buffer(expected, TransferSrcUsage,
                                                         HostAccess::SequentialWrite,
                                                         "vw::Transfer image upload staging");
    impl.threads.copy(staging.mapped_data(), texels.data(), texels.size());
    staging.flush(0, expected);

    CommandPool pool(impl.device, impl.main_queue->family_index());
    CommandBuffer commands = pool.allocate();
    const vk::ImageSubresourceRange range(image.aspect(), value_of(level), 1, value_of(layer), 1);
    commands.begin();
    record_layout_change(commands.handle(), image, range, current_layout,
                         vk::ImageLayout::eTransferDstOptimal,
                         vk::PipelineStageFlagBits2::eAllCommands,
                         current_layout == vk::ImageLayout::eUndefined ? vk::AccessFlags2{}
                                                                       : vk::AccessFlagBits2::eMemoryWrite,
                         vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite);
    const vk::BufferImageCopy region(
        0, 0, 0, vk::ImageSubresourceLayers(image.aspect(), value_of(level), value_of(layer), 1),
        {0, 0, 0}, image.mip_extent(level));
    commands.handle().copyBufferToImage(staging.handle(), image.handle(),
                                        vk::ImageLayout::eTransferDstOptimal, region);
    record_layout_change(commands.handle(), image, range, vk::ImageLayout::eTransferDstOptimal,
                         final_layout, vk::PipelineStageFlagBits2::eCopy,
                         vk::AccessFlagBits2::eTransferWrite, vk::PipelineStageFlagBits2::eAllCommands,
                         vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite);
    commands.end();
    const std::uint64_t value = impl.main_next_value + 1;
    const vk::SemaphoreSubmitInfo signal = impl.main_timeline->submit_info(value);
    commands.submit(*impl.main_queue, {}, std::span(&signal, 1));
    impl.main_next_value = value;
    impl.image_uploads.push_back({value, std::move(pool), std::move(commands), std::move(staging)});
    return {impl.main_timeline, value};
}

std::vector<std::byte> Transfer::download(const Image &image, MipLevel level, ArrayLayer layer,
                                          vk::ImageLayout layout) {
    Impl &impl = *m_impl;
    std::lock_guard lock(impl.mutex);
    impl.check_image(image, level, layer, vk::ImageUsageFlagBits::eTransferSrc, "Transfer::download");
    if (layout == vk::ImageLayout::eUndefined || layout == vk::ImageLayout::ePreinitialized) {
        throw LogicError("Transfer::download: an image in layout " + vk::to_string(layout) +
                         " has no defined contents");
    }
    detail::check_transfer_layout(layout, image.usage(), "Transfer::download", "current");
    const vk::DeviceSize bytes = subresource_bytes(image, level);
    BufferBase staging = impl.allocator->allocate_buffer(bytes, TransferDstUsage, HostAccess::Random,
                                                         "vw::Transfer image download staging");

    const vk::ImageSubresourceRange range(image.aspect(), value_of(level), 1, value_of(layer), 1);
    CommandBuffer commands = impl.main_pool.allocate();
    commands.begin();
    record_layout_change(commands.handle(), image, range, layout, vk::ImageLayout::eTransferSrcOptimal,
                         vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                         vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferRead);
    const vk::BufferImageCopy region(
        0, 0, 0, vk::ImageSubresourceLayers(image.aspect(), value_of(level), value_of(layer), 1),
        {0, 0, 0}, image.mip_extent(level));
    commands.handle().copyImageToBuffer(image.handle(), vk::ImageLayout::eTransferSrcOptimal,
                                        staging.handle(), region);
    record_layout_change(commands.handle(), image, range, vk::ImageLayout::eTransferSrcOptimal, layout,
                         vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferRead,
                         vk::PipelineStageFlagBits2::eAllCommands,
                         vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite);
    record_host_read_barrier(commands.handle());
    commands.end();
    commands.submit_and_wait(*impl.main_queue);

    std::vector<std::byte> result(bytes);
    staging.invalidate(0, bytes);
    impl.threads.copy(result.data(), staging.mapped_data(), bytes);
    return result;
}

Queue &Transfer::queue() const noexcept { return *m_impl->queue; }

std::uint32_t Transfer::copy_threads() const noexcept { return m_impl->threads.participants(); }

const TransferOptions &Transfer::options() const noexcept { return m_impl->options; }

} // namespace vw
