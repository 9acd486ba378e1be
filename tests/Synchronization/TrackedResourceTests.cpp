#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Synchronization/TrackedResource.h"

namespace vw {
namespace {

using S = vk::PipelineStageFlagBits2;
using A = vk::AccessFlagBits2;

// Library buffers convert implicitly (ResourceTracker calls take them as they are); the
// descriptions are plain values.
static_assert(std::is_convertible_v<const BufferBase &, TrackedBuffer>);
static_assert(std::is_trivially_copyable_v<TrackedBuffer>);
static_assert(std::is_trivially_copyable_v<TrackedImage>);

const vk::Buffer fake_buffer(reinterpret_cast<VkBuffer>(std::uintptr_t{0x1000}));
const vk::Image fake_image(reinterpret_cast<VkImage>(std::uintptr_t{0x3000}));

TEST(TrackedResourceTests, ABufferMadeOutsideTheLibraryKeepsItsHandleAndSize) {
    const TrackedBuffer tracked(fake_buffer, 4096);
    EXPECT_EQ(tracked.handle, fake_buffer);
    EXPECT_EQ(tracked.size_bytes, 4096u);
    TrackedBuffer copy = tracked;
    copy.size_bytes = 16;
    EXPECT_EQ(tracked.size_bytes, 4096u); // a copy is independent
    EXPECT_EQ(copy.handle, fake_buffer);
}

TEST(TrackedResourceTests, FullRangeCoversEveryAspectLevelAndLayer) {
    TrackedImage single{};
    single.handle = fake_image;
    single.aspects = vk::ImageAspectFlagBits::eColor;
    EXPECT_EQ(single.mip_levels, 1u);
    EXPECT_EQ(single.array_layers, 1u);
    EXPECT_EQ(single.full_range(), vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1));
    const TrackedImage depth{fake_image, vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil,
                             5, 6, vk::ImageUsageFlagBits::eDepthStencilAttachment};
    EXPECT_EQ(depth.full_range(),
              vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil, 0,
                                        5, 0, 6));
}

TEST(TrackedResourceTests, UsesDefaultToNoQueueFamilyAndAnUndefinedLayout) {
    const BufferUse buffer_use{S::eCopy, A::eTransferWrite};
    EXPECT_EQ(buffer_use.stages, vk::PipelineStageFlags2(S::eCopy));
    EXPECT_EQ(buffer_use.access, vk::AccessFlags2(A::eTransferWrite));
    EXPECT_EQ(buffer_use.queue_family, VK_QUEUE_FAMILY_IGNORED);
    const ImageUse image_use{S::eFragmentShader, A::eShaderSampledRead};
    EXPECT_EQ(image_use.layout, vk::ImageLayout::eUndefined);
    EXPECT_EQ(image_use.queue_family, VK_QUEUE_FAMILY_IGNORED);
    const ImageUse owned{S::eCopy, A::eTransferRead, vk::ImageLayout::eTransferSrcOptimal, 2};
    EXPECT_EQ(owned.layout, vk::ImageLayout::eTransferSrcOptimal);
    EXPECT_EQ(owned.queue_family, 2u);
}

class TrackedResourceDeviceTests : public test::AllocatorTest {};

TEST_F(TrackedResourceDeviceTests, ALibraryBufferConvertsToItsHandleAndSize) {
    using Storage = Buffer<std::uint32_t, false, StorageBufferUsage>;
    auto buffer = allocator->allocate<Storage>(100);
    const TrackedBuffer tracked = *buffer;
    EXPECT_EQ(tracked.handle, buffer->handle());
    EXPECT_NE(tracked.handle, vk::Buffer{});
    EXPECT_EQ(tracked.size_bytes, buffer->size_bytes());
    EXPECT_EQ(tracked.size_bytes, 400u);
}

} // namespace
} // namespace vw
