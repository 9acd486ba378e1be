#include "VulkanWrapper/Transfer/StagingBufferManager.h"

#include <memory>
#include <new>
#include <numeric>
#include <variant>
#include <vector>

#include <vulkan/vulkan_format_traits.hpp>

#include "ImageCopy.h"
#include "RangeCheck.h"
#include "StagingArena.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Memory/PinGuard.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

const vk::SemaphoreSubmitInfo &StagingFlush::signal() const {
    if (!m_signal) {
        throw LogicError("StagingFlush::signal: nothing was staged, so nothing was recorded and there is "
                         "no signal to submit");
    }
    return *m_signal;
}

struct StagingBufferManager::Copy {
    // The destination is pinned while the copy is staged or in flight: defragment() skips it.
    struct ToBuffer {
        std::shared_ptr<BufferBase> destination;
        vk::DeviceSize offset;
        detail::PinGuard pin;
        bool borrowed = false; // not owned, not pinned: recorded as pending work at flush()
    };
    struct ToImage {
        std::shared_ptr<Image> destination;
        MipLevel level;
        ArrayLayer layer;
        vk::ImageLayout final_layout;
        vk::ImageLayout current_layout;
        detail::PinGuard pin;
    };
    Staged staging;
    std::variant<ToBuffer, ToImage> target;
};

namespace {

// Small stages share a block of at least this size.
constexpr vk::DeviceSize packed_block = vk::DeviceSize{1} << 20;

} // namespace

StagingBufferManager::StagingBufferManager(std::shared_ptr<Device> device,
                                           std::shared_ptr<Allocator> allocator)
    : m_device(std::move(device))
    , m_allocator(std::move(allocator)) {
    if (!m_device) throw LogicError("StagingBufferManager: device is null");
    if (!m_allocator) throw LogicError("StagingBufferManager: allocator is null");
    if (m_allocator->device() != m_device) {
        throw LogicError("StagingBufferManager: the allocator belongs to another device");
    }
    m_timeline = std::make_shared<Semaphore>(m_device, 0);
    // A budget of 0: every block is freed once its batch completes, as a manager of its own.
    m_arena = std::make_shared<detail::StagingArena>(m_device, m_allocator, 0, std::chrono::milliseconds(0));
}

StagingBufferManager::StagingBufferManager(const Transfer &transfer)
    : m_device(transfer.staging_arena()->device())
    , m_allocator(transfer.staging_arena()->allocator())
    , m_timeline(std::make_shared<Semaphore>(m_device, 0))
    , m_arena(transfer.staging_arena()) {
    m_timeline->set_wait_spin(transfer.options().wait_spin);
}

StagingBufferManager::~StagingBufferManager() {
    try {
        release_completed();
        // What is left was either submitted and is still running, or never submitted and will
        // never signal: the timeline cannot tell them apart, but an idle device can, since it
        // has finished everything that was submitted. Waiting for the last value instead would
        // wait forever for a batch nobody submits.
        if (!m_in_flight.empty()) {
            m_device->wait_idle();
            settle_in_flight();
        }
    } catch (const DeviceLostError &) {
        settle_in_flight(); // nothing runs any more
    } catch (const Exception &) {
        // The device did not go idle: a batch may still run, or never be submitted. Its blocks
        // stay retired on the timeline and are abandoned, its destinations with them: the arena
        // frees them once the batch has run, and never hands them out nor waits for them.
        for (Batch &batch : m_in_flight) abandon(batch);
    }
    // m_in_flight goes with the members: the staging memory and destinations of every batch,
    // whose blocks go back to the arena, every use of them finished.
}

void StagingBufferManager::settle(const Batch &batch) noexcept {
    for (const Copy &copy : batch.copies) {
        if (copy.staging.block) copy.staging.block->retire(nullptr, 0);
    }
}

void StagingBufferManager::abandon(Batch &batch) noexcept {
    std::shared_ptr<std::vector<Copy>> kept;
    try {
        kept = std::make_shared<std::vector<Copy>>();
    } catch (const std::bad_alloc &) {
        // The blocks are still kept; the destinations go with the batch.
    }
    for (Copy &copy : batch.copies) {
        if (!copy.staging.block) continue;
        copy.staging.block->abandon(kept);
        copy.staging.block.reset(); // the lease goes back: the kept copies hold no block
    }
    if (kept) *kept = std::move(batch.copies);
}

void StagingBufferManager::settle_in_flight() noexcept {
    // Every batch submitted has run; one never submitted never will: no block waits for either.
    for (const Batch &batch : m_in_flight) settle(batch);
}

void StagingBufferManager::check_elements(std::size_t size, std::size_t first, std::size_t count) {
    detail::check_range(size, first, count, detail::RangeUnit::Elements, "StagingBufferManager::stage");
}

StagingBufferManager::Staged StagingBufferManager::prepare_buffer(const BufferBase *buffer, std::span<const std::byte> bytes,
                                                vk::DeviceSize offset) {
    constexpr const char *operation = "StagingBufferManager::stage";
    if (!buffer) throw LogicError(std::string(operation) + ": the buffer is null");
    if (buffer->empty()) throw LogicError(std::string(operation) + ": the buffer is empty");
    if (buffer->allocator()->device() != m_device) {
        throw LogicError(std::string(operation) + ": the buffer belongs to another device");
    }
    detail::check_range(buffer->size_bytes(), offset, bytes.size(), detail::RangeUnit::Bytes, operation);
    if (!(buffer->usage() & vk::BufferUsageFlagBits::eTransferDst)) {
        throw LogicError(std::string(operation) + ": the buffer lacks TransferDstUsage");
    }
    if (bytes.empty()) return {};
    release_completed();
    return stage_into_block(bytes, 16);
}

StagingBufferManager::Staged StagingBufferManager::stage_into_block(std::span<const std::byte> bytes,
                                                                    vk::DeviceSize alignment) {
    vk::DeviceSize offset = (m_open_used + alignment - 1) / alignment * alignment;
    if (!m_open || offset + bytes.size() > m_open->bytes()) {
        m_open = std::make_shared<detail::StagingLease>(
            m_arena->acquire(detail::StagingKind::Upload, std::max<vk::DeviceSize>(bytes.size(), packed_block), false));
        offset = 0;
    }
    std::memcpy(m_open->data() + offset, bytes.data(), bytes.size());
    m_open->buffer().flush(offset, bytes.size());
    m_open_used = offset + bytes.size();
    return {m_open, offset, bytes.size()};
}

void StagingBufferManager::add_buffer_copy(Staged staging, std::shared_ptr<BufferBase> destination,
                                           vk::DeviceSize offset, bool borrowed) {
    detail::PinGuard pin(borrowed ? nullptr : destination.get());
    m_staged.push_back({std::move(staging), Copy::ToBuffer{std::move(destination), offset, std::move(pin), borrowed}});
}

void StagingBufferManager::stage_borrowed(BufferBase &buffer, std::span<const std::byte> bytes,
                                          vk::DeviceSize offset) {
    Staged staging = prepare_buffer(&buffer, bytes, offset);
    if (!staging.empty()) {
        add_buffer_copy(std::move(staging), std::shared_ptr<BufferBase>(std::shared_ptr<void>(), &buffer), offset, true);
    }
}

void StagingBufferManager::discard(const StagingFlush &flush) noexcept {
    if (!flush || m_in_flight.empty() || m_in_flight.back().value != flush.signal().value) return;
    settle(m_in_flight.back()); // never submitted
    m_in_flight.pop_back();
}

void StagingBufferManager::stage_bytes(std::shared_ptr<BufferBase> buffer, std::span<const std::byte> bytes,
                                       vk::DeviceSize offset) {
    Staged staging = prepare_buffer(buffer.get(), bytes, offset);
    if (!staging.empty()) add_buffer_copy(std::move(staging), std::move(buffer), offset);
}

StagingBufferManager::Staged StagingBufferManager::prepare_image(const Image *image, std::span<const std::byte> texels,
                                               MipLevel level, ArrayLayer layer, vk::ImageLayout final_layout,
                                               vk::ImageLayout current_layout) {
    detail::check_image_upload(image, *m_device, level, layer, texels.size(), final_layout, current_layout,
                               "StagingBufferManager::stage");
    release_completed();
    // copyBufferToImage wants the offset a multiple of the texel block's size and of 4.
    return stage_into_block(texels, std::lcm<vk::DeviceSize>(vk::blockSize(image->format()), 4));
}

void StagingBufferManager::add_image_copy(Staged staging, std::shared_ptr<Image> destination,
                                          MipLevel level, ArrayLayer layer, vk::ImageLayout final_layout,
                                          vk::ImageLayout current_layout) {
    Image *target = destination.get();
    m_staged.push_back({std::move(staging), Copy::ToImage{std::move(destination), level, layer, final_layout,
                                                          current_layout, detail::PinGuard(target)}});
}

void StagingBufferManager::stage(std::shared_ptr<Image> image, std::span<const std::byte> texels,
                                 MipLevel level, ArrayLayer layer, vk::ImageLayout final_layout,
                                 vk::ImageLayout current_layout) {
    Staged staging = prepare_image(image.get(), texels, level, layer, final_layout, current_layout);
    add_image_copy(std::move(staging), std::move(image), level, layer, final_layout, current_layout);
}

void StagingBufferManager::stage(std::unique_ptr<Image> &&image, std::span<const std::byte> texels,
                                 MipLevel level, ArrayLayer layer, vk::ImageLayout final_layout,
                                 vk::ImageLayout current_layout) {
    Staged staging = prepare_image(image.get(), texels, level, layer, final_layout, current_layout);
    add_image_copy(std::move(staging), std::shared_ptr<Image>(std::move(image)), level, layer, final_layout,
                   current_layout);
}

StagingFlush StagingBufferManager::flush(CommandBuffer &commands) {
    if (commands.empty()) throw LogicError("StagingBufferManager::flush: the command buffer is empty");
    ResourceTracker tracker;
    return record(commands, tracker, true);
}

StagingFlush StagingBufferManager::flush(CommandBuffer &commands, ResourceTracker &tracker) {
    if (commands.empty() || !commands.is_recording()) {
        throw LogicError("StagingBufferManager::flush: the command buffer is empty or not recording");
    }
    return record(commands, tracker, false);
}

StagingFlush StagingBufferManager::record(CommandBuffer &commands, ResourceTracker &tracker, bool own_tracker) {
    release_completed();
    if (m_staged.empty()) return {};
    const vk::CommandBuffer cmd = commands.handle();
    constexpr auto any_stage = vk::PipelineStageFlagBits2::eAllCommands;
    constexpr auto any_access = vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite;
    constexpr auto copy_stage = vk::PipelineStageFlagBits2::eCopy;
    constexpr auto copy_write = vk::AccessFlagBits2::eTransferWrite;
    auto range_of = [](const Copy::ToImage &target) {
        return vk::ImageSubresourceRange(target.destination->aspect(), static_cast<std::uint32_t>(target.level), 1,
                                         static_cast<std::uint32_t>(target.layer), 1);
    };
    if (own_tracker) {
        // Without a tracker of the caller's, earlier work of any kind on the destinations
        // finishes before the copies, and the images are in the layouts stage() was given.
        for (const Copy &copy : m_staged) {
            if (const auto *target = std::get_if<Copy::ToBuffer>(&copy.target)) {
                tracker.track(*target->destination, target->offset, copy.staging.size,
                              BufferUse{any_stage, any_access});
            } else {
                const auto &image_target = std::get<Copy::ToImage>(copy.target);
                tracker.track(image_target.destination->tracked(), range_of(image_target),
                              ImageUse{any_stage, any_access, image_target.current_layout});
            }
        }
    } else {
        tracker.flush(commands); // what the caller left pending cannot conflict with the copies
    }
    auto request = [&](const Copy &copy, bool after) {
        if (const auto *target = std::get_if<Copy::ToBuffer>(&copy.target)) {
            tracker.request(*target->destination, target->offset, copy.staging.size,
                            after ? BufferUse{any_stage, any_access} : BufferUse{copy_stage, copy_write});
        } else {
            const auto &image_target = std::get<Copy::ToImage>(copy.target);
            tracker.request(image_target.destination->tracked(), range_of(image_target),
                            after ? ImageUse{any_stage, any_access, image_target.final_layout}
                                  : ImageUse{copy_stage, copy_write, vk::ImageLayout::eTransferDstOptimal});
        }
    };
    auto record_copy = [&](const Copy &copy) {
        if (const auto *target = std::get_if<Copy::ToBuffer>(&copy.target)) {
            cmd.copyBuffer(copy.staging.block->buffer().handle(), target->destination->handle(),
                           vk::BufferCopy(copy.staging.offset, target->offset, copy.staging.size));
        } else {
            const auto &image_target = std::get<Copy::ToImage>(copy.target);
            const Image &image = *image_target.destination;
            vk::BufferImageCopy region = detail::copy_region(image, image_target.level, image_target.layer);
            region.bufferOffset = copy.staging.offset;
            cmd.copyBufferToImage(copy.staging.block->buffer().handle(), image.handle(),
                                  vk::ImageLayout::eTransferDstOptimal, region);
        }
    };
    // All copies after one barrier; a copy over a destination an earlier staged copy writes
    // starts a new group, after a barrier of its own.
    std::size_t group = 0;
    for (std::size_t i = 0; i < m_staged.size(); ++i) {
        try {
            request(m_staged[i], false);
        } catch (const LogicError &) {
            tracker.flush(commands);
            for (; group < i; ++group) record_copy(m_staged[group]);
            request(m_staged[i], false);
        }
    }
    tracker.flush(commands);
    for (; group < m_staged.size(); ++group) record_copy(m_staged[group]);
    if (own_tracker) {
        // The copies' writes are visible to whatever follows, the images in their final layouts.
        for (const Copy &copy : m_staged) {
            try {
                request(copy, true);
            } catch (const LogicError &) {
                tracker.flush(commands);
                request(copy, true);
            }
        }
        tracker.flush(commands);
    }

    const std::uint64_t value = ++m_next_value;
    for (const Copy &copy : m_staged) {
        // The arena itself then hands the block out again only once the batch has run, even if
        // this manager lets go of it sooner (a failed wait at destruction).
        if (copy.staging.block) copy.staging.block->retire(m_timeline, value);
        const auto *target = std::get_if<Copy::ToBuffer>(&copy.target);
        if (target != nullptr && target->borrowed) {
            AllocatorInternals::pending_work(*target->destination->allocator())
                .add(target->destination->allocation(), m_timeline, m_timeline->handle(), value);
        }
    }
    m_in_flight.push_back({value, std::move(m_staged)});
    m_staged.clear();
    m_open.reset(); // the next batch stages into blocks of its own
    return StagingFlush(m_timeline->submit_info(value));
}

TransferTicket StagingBufferManager::ticket(const StagingFlush &flush) const {
    if (!flush) return {};
    if (flush.signal().semaphore != m_timeline->handle()) {
        throw LogicError("StagingBufferManager::ticket: the flush comes from another manager");
    }
    return TransferTicket(m_timeline, flush.signal().value);
}

std::size_t StagingBufferManager::staged() const noexcept { return m_staged.size(); }

std::size_t StagingBufferManager::in_flight() const noexcept { return m_in_flight.size(); }

void StagingBufferManager::release_completed() {
    if (m_in_flight.empty()) return;
    const std::uint64_t reached = m_timeline->value();
    while (!m_in_flight.empty() && m_in_flight.front().value <= reached) m_in_flight.pop_front();
}

} // namespace vw
