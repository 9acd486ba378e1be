#include "VulkanWrapper/Image/ExternalOwnership.h"

#include <string>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

namespace {

void require(const Image &image, vk::ImageLayout layout, const char *operation) {
    if (image.empty()) throw LogicError(std::string(operation) + ": the image is empty");
    if (layout == vk::ImageLayout::eUndefined || layout == vk::ImageLayout::ePreinitialized) {
        throw LogicError(std::string(operation) + ": the layout is " + vk::to_string(layout));
    }
}

template <typename Record>
void submit(Queue &queue, const Image &image, Record record) {
    CommandPool pool(image.allocator()->device(), queue.family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    record(commands.handle());
    commands.end();
    commands.submit_and_wait(queue);
}

} // namespace

void record_external_acquire(vk::CommandBuffer commands, const Image &image, std::uint32_t queue_family,
                             vk::ImageLayout old_layout, vk::ImageLayout new_layout) {
    require(image, new_layout, "record_external_acquire");
    const vk::ImageMemoryBarrier2 acquire(vk::PipelineStageFlagBits2::eNone, vk::AccessFlagBits2::eNone,
                                          vk::PipelineStageFlagBits2::eAllCommands,
                                          vk::AccessFlagBits2::eMemoryRead | vk::AccessFlagBits2::eMemoryWrite,
                                          old_layout, new_layout, VK_QUEUE_FAMILY_EXTERNAL, queue_family,
                                          image.handle(), image.full_range());
    commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, acquire));
}

void record_external_release(vk::CommandBuffer commands, const Image &image, std::uint32_t queue_family,
                             vk::ImageLayout layout) {
    require(image, layout, "record_external_release");
    const vk::ImageMemoryBarrier2 release(vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                                          vk::PipelineStageFlagBits2::eNone, vk::AccessFlagBits2::eNone, layout, layout,
                                          queue_family, VK_QUEUE_FAMILY_EXTERNAL, image.handle(), image.full_range());
    commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, release));
}

void acquire_external(Queue &queue, const Image &image, vk::ImageLayout old_layout, vk::ImageLayout new_layout) {
    require(image, new_layout, "acquire_external");
    submit(queue, image, [&](vk::CommandBuffer commands) {
        record_external_acquire(commands, image, queue.family_index(), old_layout, new_layout);
    });
}

void release_external(Queue &queue, const Image &image, vk::ImageLayout layout) {
    require(image, layout, "release_external");
    submit(queue, image,
           [&](vk::CommandBuffer commands) { record_external_release(commands, image, queue.family_index(), layout); });
}

} // namespace vw
