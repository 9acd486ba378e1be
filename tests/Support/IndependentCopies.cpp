#include "Support/IndependentCopies.h"

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw::test {

std::vector<std::byte> read_independently(const std::shared_ptr<Device> &device, Allocator &allocator,
                                          const BufferBase &buffer) {
    auto readback = allocator.allocate<ReadbackBuffer<std::byte>>(buffer.size_bytes());
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    const vk::MemoryBarrier2 before(vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                                    vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferRead);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, before));
    commands.handle().copyBuffer(buffer.handle(), readback->handle(), vk::BufferCopy(0, 0, buffer.size_bytes()));
    const vk::MemoryBarrier2 after(vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                   vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, after));
    commands.end();
    commands.submit_and_wait(device->compute_queue());
    return readback->read_as_vector(0, readback->size());
}

void write_independently(const std::shared_ptr<Device> &device, Allocator &allocator, BufferBase &buffer,
                         const std::vector<std::byte> &bytes) {
    auto staging = allocator.allocate<Buffer<std::byte, true, StagingBufferUsage>>(bytes.size());
    staging->write(bytes, 0);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.handle().copyBuffer(staging->handle(), buffer.handle(), vk::BufferCopy(0, 0, bytes.size()));
    commands.end();
    commands.submit_and_wait(device->compute_queue());
}

} // namespace vw::test
