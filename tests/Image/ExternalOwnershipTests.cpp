#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/ExternalOwnership.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

using ExternalOwnershipTests = test::AllocatorTest;

std::unique_ptr<Image> exportable_image(const std::shared_ptr<Device> &device, const std::shared_ptr<Allocator> &allocator) {
    return ImageBuilder()
        .setDevice(device)
        .setAllocator(allocator)
        .setFormat(vk::Format::eR8G8B8A8Unorm)
        .setExtent(Width{8}, Height{4})
        .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst)
        .setExportable()
        .build();
}

TEST_F(ExternalOwnershipTests, ReleaseAndReacquireKeepTheTexelsAndTheLayout) {
    const auto support = ExternalMemory::image_support(
        *device, vk::Format::eR8G8B8A8Unorm, vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst,
        ExternalMemoryHandle::OpaqueFd);
    if (!support.exportable) GTEST_SKIP() << support.reason;
    auto image = exportable_image(device, allocator);
    Transfer transfer(device, allocator);
    std::vector<std::byte> texels(8 * 4 * 4);
    for (std::size_t i = 0; i < texels.size(); ++i) texels[i] = static_cast<std::byte>(i * 5 + 1);
    transfer.upload(*image, texels, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal);
    Queue &queue = device->graphics_queue();
    release_external(queue, *image, vk::ImageLayout::eTransferSrcOptimal);
    acquire_external(queue, *image, vk::ImageLayout::eTransferSrcOptimal, vk::ImageLayout::eGeneral);
    // The acquire's new layout is the image's: a readback naming it is validation-clean.
    EXPECT_EQ(transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral), texels);
}

TEST_F(ExternalOwnershipTests, EmptyImagesAndUndefinedLayoutsAreLogicErrors) {
    Queue &queue = device->graphics_queue();
    const Image empty;
    EXPECT_THROW(release_external(queue, empty, vk::ImageLayout::eGeneral), LogicError);
    EXPECT_THROW(acquire_external(queue, empty, vk::ImageLayout::eUndefined, vk::ImageLayout::eGeneral), LogicError);
    const auto support = ExternalMemory::image_support(
        *device, vk::Format::eR8G8B8A8Unorm, vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst,
        ExternalMemoryHandle::OpaqueFd);
    if (!support.exportable) return;
    auto image = exportable_image(device, allocator);
    EXPECT_THROW(release_external(queue, *image, vk::ImageLayout::eUndefined), LogicError);
    EXPECT_THROW(acquire_external(queue, *image, vk::ImageLayout::eUndefined, vk::ImageLayout::ePreinitialized),
                 LogicError);
}

} // namespace
} // namespace vw
