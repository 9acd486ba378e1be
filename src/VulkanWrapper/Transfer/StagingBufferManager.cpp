#include "VulkanWrapper/Transfer/StagingBufferManager.h"

#include <cstring>
#include <variant>

#include "ImageLayouts.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

struct StagingBufferManager::Copy {
    struct ToBuffer {
        std::shared_ptr<BufferBase> destination;
        vk::DeviceSize offset;
    };
    struct ToImage {
        std::shared_ptr<Image> destination;
        MipLevel level;
        ArrayLayer layer;
        vk::ImageLayout final_layout;
        vk::ImageLayout current_layout;
    };
    BufferBase staging;
    std::variant<ToBuffer, ToImage> target;
};

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
}

StagingBufferManager::~StagingBufferManager() {
    try {
        if (!m_in_flight.empty()) m_timeline->wait(m_in_flight.back().value);
    } catch (const Exception &) {
        // Device lost: nothing runs any more, and destruction must go on.
    }
}

void StagingBufferManager::stage_bytes(std::shared_ptr<BufferBase> buffer,
                                       std::span<const std::byte> bytes, vk::DeviceSize offset) {
    if (!buffer || buffer->empty()) throw LogicError("StagingBufferManager::stage: the buffer is empty");
    if (buffer->allocator()->device() != m_device) {
        throw LogicError("StagingBufferManager::stage: the buffer belongs to another device");
    }
    if (offset > buffer->size_bytes() || bytes.size() > buffer->size_bytes() - offset) {
        throw LogicError("StagingBufferManager::stage: bytes [" + std::to_string(offset) + ", +" +
                         std::to_string(bytes.size()) + ") exceed the buffer's " +
                         std::to_string(buffer->size_bytes()) + " bytes");
    }
    if (!(buffer->usage() & vk::BufferUsageFlagBits::eTransferDst)) {
        throw LogicError("StagingBufferManager::stage: the buffer lacks TransferDstUsage");
    }
    if (bytes.empty()) return;
    release_completed();
    BufferBase staging = m_allocator->allocate_buffer(bytes.size(), TransferSrcUsage,
                                                      HostAccess::SequentialWrite,
                                                      "vw::StagingBufferManager buffer staging");
    staging.write_bytes(bytes, 0);
    m_staged.push_back({std::move(staging), Copy::ToBuffer{std::move(buffer), offset}});
}

void StagingBufferManager::stage(std::shared_ptr<Image> image, std::span<const std::byte> texels,
                                 MipLevel level, ArrayLayer layer, vk::ImageLayout final_layout,
                                 vk::ImageLayout current_layout) {
    if (!image || image->empty()) throw LogicError("StagingBufferManager::stage: the image is empty");
    if (image->allocator()->device() != m_device) {
        throw LogicError("StagingBufferManager::stage: the image belongs to another device");
    }
    if (!(image->usage() & vk::ImageUsageFlagBits::eTransferDst)) {
        throw LogicError("StagingBufferManager::stage: the image lacks TransferDst usage");
    }
    if (value_of(level) >= image->mip_levels() || value_of(layer) >= image->array_layers()) {
        throw LogicError("StagingBufferManager::stage: mip level or layer outside the image");
    }
    if (image->aspect() == (vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil)) {
        throw LogicError("StagingBufferManager::stage: combined depth-stencil formats are not transferred");
    }
    if (image->samples() != vk::SampleCountFlagBits::e1) {
        throw LogicError("StagingBufferManager::stage: a multisampled image is not copied from buffers");
    }
    if (final_layout == vk::ImageLayout::eUndefined || final_layout == vk::ImageLayout::ePreinitialized) {
        throw LogicError("StagingBufferManager::stage: the final layout must be a defined layout");
    }
    detail::check_transfer_layout(final_layout, image->usage(), "StagingBufferManager::stage", "final");
    if (current_layout != vk::ImageLayout::eUndefined) {
        detail::check_transfer_layout(current_layout, image->usage(), "StagingBufferManager::stage",
                                      "current");
    }
    const vk::DeviceSize expected = Transfer::subresource_bytes(*image, level);
    if (texels.size() != expected) {
        throw LogicError("StagingBufferManager::stage: " + std::to_string(texels.size()) +
                         " bytes given, the subresource needs " + std::to_string(expected));
    }
    release_completed();
    BufferBase staging = m_allocator->allocate_buffer(expected, TransferSrcUsage,
                                                      HostAccess::SequentialWrite,
                                                      "vw::StagingBufferManager image staging");
    staging.write_bytes(texels, 0);
    m_staged.push_back({std::move(staging), Copy::ToImage{std::move(image), level, layer,
                                                          final_layout, current_layout}});
}

vk::SemaphoreSubmitInfo StagingBufferManager::flush(CommandBuffer &commands) {
    release_completed();
    if (m_staged.empty()) return {};
    const vk::CommandBuffer cmd = commands.handle();
    if (!cmd) throw LogicError("StagingBufferManager::flush: the command buffer is empty");

    // Earlier work on the destinations (reads or writes) completes before the copies write.
    const vk::MemoryBarrier2 before(vk::PipelineStageFlagBits2::eAllCommands,
                                    vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite,
                                    vk::PipelineStageFlagBits2::eCopy,
                                    vk::AccessFlagBits2::eTransferWrite);
    std::vector<vk::ImageMemoryBarrier2> to_transfer;
    std::vector<vk::ImageMemoryBarrier2> to_final;
    for (const Copy &copy : m_staged) {
        if (const auto *target = std::get_if<Copy::ToImage>(&copy.target)) {
            const Image &image = *target->destination;
            const vk::ImageSubresourceRange range(image.aspect(), value_of(target->level), 1,
                                                  value_of(target->layer), 1);
            to_transfer.emplace_back(vk::PipelineStageFlagBits2::eAllCommands,
                                     vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite,
                                     vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                     target->current_layout, vk::ImageLayout::eTransferDstOptimal,
                                     VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, image.handle(), range);
            to_final.emplace_back(vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                  vk::PipelineStageFlagBits2::eAllCommands,
                                  vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite,
                                  vk::ImageLayout::eTransferDstOptimal, target->final_layout,
                                  VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, image.handle(), range);
        }
    }
    cmd.pipelineBarrier2(vk::DependencyInfo({}, before, {}, to_transfer));
    for (const Copy &copy : m_staged) {
        if (const auto *target = std::get_if<Copy::ToBuffer>(&copy.target)) {
            cmd.copyBuffer(copy.staging.handle(), target->destination->handle(),
                           vk::BufferCopy(0, target->offset, copy.staging.size_bytes()));
        } else {
            const auto &image_target = std::get<Copy::ToImage>(copy.target);
            const Image &image = *image_target.destination;
            const vk::BufferImageCopy region(
                0, 0, 0,
                vk::ImageSubresourceLayers(image.aspect(), value_of(image_target.level),
                                           value_of(image_target.layer), 1),
                {0, 0, 0}, image.mip_extent(image_target.level));
            cmd.copyBufferToImage(copy.staging.handle(), image.handle(),
                                  vk::ImageLayout::eTransferDstOptimal, region);
        }
    }
    // The copies' writes are visible to whatever follows in this command buffer and after it.
    const vk::MemoryBarrier2 after(vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                   vk::PipelineStageFlagBits2::eAllCommands,
                                   vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite);
    cmd.pipelineBarrier2(vk::DependencyInfo({}, after, {}, to_final));

    const std::uint64_t value = ++m_next_value;
    m_in_flight.push_back({value, std::move(m_staged)});
    m_staged.clear();
    return m_timeline->submit_info(value);
}

std::size_t StagingBufferManager::staged() const noexcept { return m_staged.size(); }

std::size_t StagingBufferManager::in_flight() const noexcept { return m_in_flight.size(); }

void StagingBufferManager::release_completed() {
    if (m_in_flight.empty()) return;
    const std::uint64_t reached = m_timeline->value();
    while (!m_in_flight.empty() && m_in_flight.front().value <= reached) m_in_flight.pop_front();
}

} // namespace vw
