#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"

namespace vw {
namespace {

class ImageTests : public test::AllocatorTest {
protected:
    ImageBuilder builder() const {
        return ImageBuilder()
            .setDevice(device)
            .setAllocator(allocator)
            .setFormat(vk::Format::eR8G8B8A8Unorm)
            .setExtent(Width{64}, Height{32})
            .setUsage(vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eTransferDst);
    }

    template <typename Error = LogicError>
    static std::string error_of(const ImageBuilder &b) {
        try {
            (void)b.build();
        } catch (const Error &error) {
            return error.message();
        }
        ADD_FAILURE() << "build() did not throw the expected error";
        return {};
    }
    static std::string logic_error_of(const ImageBuilder &b) { return error_of<LogicError>(b); }
    // What the device cannot do is NotSupportedError, never a LogicError (a caller bug).
    static std::string unsupported_of(const ImageBuilder &b) { return error_of<NotSupportedError>(b); }
};

TEST_F(ImageTests, ThePagesImageHasEverythingItWasAskedFor) {
    const auto image = ImageBuilder()
                           .setDevice(device)
                           .setAllocator(allocator)
                           .setFormat(vk::Format::eR8G8B8A8Srgb)
                           .setExtent(Width{1024}, Height{1024})
                           .setUsage(vk::ImageUsageFlagBits::eSampled)
                           .build();
    ASSERT_TRUE(image);
    EXPECT_TRUE(image->handle());
    EXPECT_EQ(image->type(), vk::ImageType::e2D);
    EXPECT_EQ(image->format(), vk::Format::eR8G8B8A8Srgb);
    EXPECT_EQ(image->extent(), vk::Extent3D(1024, 1024, 1));
    EXPECT_EQ(image->mip_levels(), 1U);
    EXPECT_EQ(image->array_layers(), 1U);
    EXPECT_EQ(image->aspect(), vk::ImageAspectFlagBits::eColor);
    EXPECT_EQ(image->usage(), vk::ImageUsageFlagBits::eSampled);
    EXPECT_EQ(image->samples(), vk::SampleCountFlagBits::e1);
    EXPECT_EQ(image->tiling(), vk::ImageTiling::eOptimal);
    EXPECT_EQ(image->full_range(),
              vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1));
    const auto &memory = device->physical_device().memory_properties();
    EXPECT_TRUE(memory.memoryTypes[image->memory_type_index()].propertyFlags &
                vk::MemoryPropertyFlagBits::eDeviceLocal);
    const auto stats = allocator->statistics().total;
    EXPECT_EQ(stats.allocation_count, 1U);
    EXPECT_GE(stats.allocation_bytes, 1024U * 1024U * 4U);
}

TEST_F(ImageTests, MipsLayersAnd3D) {
    const auto mipped = builder().setExtent(Width{1024}, Height{512}).setMipLevels(11).setArrayLayers(6).build();
    EXPECT_EQ(mipped->mip_levels(), 11U);
    EXPECT_EQ(mipped->array_layers(), 6U);
    EXPECT_EQ(mipped->full_range(), vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, 0, 11, 0, 6));
    EXPECT_EQ(mipped->mip_extent(MipLevel{0}), vk::Extent3D(1024, 512, 1));
    EXPECT_EQ(mipped->mip_extent(MipLevel{3}), vk::Extent3D(128, 64, 1));
    EXPECT_EQ(mipped->mip_extent(MipLevel{10}), vk::Extent3D(1, 1, 1));

    const auto volume = builder().setExtent(Width{16}, Height{16}, Depth{8}).build();
    EXPECT_EQ(volume->type(), vk::ImageType::e3D);
    EXPECT_EQ(volume->extent(), vk::Extent3D(16, 16, 8));
    const auto deep = builder().setExtent(Width{8}, Height{8}).setDepth(Depth{4}).build();
    EXPECT_EQ(deep->type(), vk::ImageType::e3D);
    EXPECT_EQ(deep->extent().depth, 4U);

    const auto line = builder().setExtent(Width{256}, Height{1}).setImageType(vk::ImageType::e1D).build();
    EXPECT_EQ(line->type(), vk::ImageType::e1D);
}

TEST_F(ImageTests, DepthImagesHaveTheDepthAspect) {
    const auto depth = builder()
                           .setFormat(vk::Format::eD32Sfloat)
                           .setUsage(vk::ImageUsageFlagBits::eDepthStencilAttachment)
                           .build();
    EXPECT_EQ(depth->aspect(), vk::ImageAspectFlagBits::eDepth);
    EXPECT_EQ(depth->full_range().aspectMask, vk::ImageAspectFlagBits::eDepth);
}

TEST(ImageAspectTests, AspectFollowsTheFormat) {
    using A = vk::ImageAspectFlagBits;
    EXPECT_EQ(aspect_of(vk::Format::eR8G8B8A8Srgb), vk::ImageAspectFlags(A::eColor));
    EXPECT_EQ(aspect_of(vk::Format::eR32G32B32A32Sfloat), vk::ImageAspectFlags(A::eColor));
    EXPECT_EQ(aspect_of(vk::Format::eD16Unorm), vk::ImageAspectFlags(A::eDepth));
    EXPECT_EQ(aspect_of(vk::Format::eX8D24UnormPack32), vk::ImageAspectFlags(A::eDepth));
    EXPECT_EQ(aspect_of(vk::Format::eS8Uint), vk::ImageAspectFlags(A::eStencil));
    EXPECT_EQ(aspect_of(vk::Format::eD24UnormS8Uint), A::eDepth | A::eStencil);
    EXPECT_EQ(aspect_of(vk::Format::eD32SfloatS8Uint), A::eDepth | A::eStencil);
}

TEST_F(ImageTests, MissingFieldsAreNamed) {
    EXPECT_NE(logic_error_of(ImageBuilder()
                                 .setAllocator(allocator)
                                 .setFormat(vk::Format::eR8G8B8A8Unorm)
                                 .setExtent(Width{4}, Height{4})
                                 .setUsage(vk::ImageUsageFlagBits::eSampled))
                  .find("device is missing"),
              std::string::npos);
    EXPECT_NE(logic_error_of(ImageBuilder()
                                 .setDevice(device)
                                 .setFormat(vk::Format::eR8G8B8A8Unorm)
                                 .setExtent(Width{4}, Height{4})
                                 .setUsage(vk::ImageUsageFlagBits::eSampled))
                  .find("allocator is missing"),
              std::string::npos);
    EXPECT_NE(logic_error_of(builder().setFormat(vk::Format::eUndefined)).find("format is missing"),
              std::string::npos);
    EXPECT_NE(logic_error_of(builder().setUsage({})).find("usage is missing"), std::string::npos);
    EXPECT_NE(logic_error_of(ImageBuilder()
                                 .setDevice(device)
                                 .setAllocator(allocator)
                                 .setFormat(vk::Format::eR8G8B8A8Unorm)
                                 .setUsage(vk::ImageUsageFlagBits::eSampled))
                  .find("extent is missing"),
              std::string::npos);
}

TEST_F(ImageTests, InvalidValuesAreRejectedBeforeAnyAllocation) {
    EXPECT_NE(logic_error_of(builder().setExtent(Width{0}, Height{4})).find("zero side"), std::string::npos);
    EXPECT_NE(logic_error_of(builder().setExtent(Width{4}, Height{4}, Depth{0})).find("zero side"),
              std::string::npos);
    // 64x32: floor(log2(64)) + 1 = 7 levels at most.
    EXPECT_NO_THROW((void)builder().setMipLevels(7).build());
    EXPECT_NE(logic_error_of(builder().setMipLevels(8)).find("mipLevels 8"), std::string::npos);
    EXPECT_NE(logic_error_of(builder().setMipLevels(0)).find("mipLevels 0"), std::string::npos);
    EXPECT_NE(logic_error_of(builder().setArrayLayers(0)).find("arrayLayers"), std::string::npos);
    EXPECT_NE(logic_error_of(builder().setImageType(vk::ImageType::e1D)).find("1D image needs height 1"),
              std::string::npos);
    EXPECT_NE(logic_error_of(builder().setExtent(Width{4}, Height{4}, Depth{4}).setImageType(vk::ImageType::e2D))
                  .find("needs depth 1"),
              std::string::npos);
    EXPECT_NE(logic_error_of(builder().setExtent(Width{4}, Height{4}, Depth{4}).setArrayLayers(2))
                  .find("one array layer"),
              std::string::npos);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(ImageTests, UnsupportedFormatAndUsageAreNamed) {
    const std::string message = unsupported_of(
        builder().setFormat(vk::Format::eBc1RgbUnormBlock).setUsage(vk::ImageUsageFlagBits::eColorAttachment));
    EXPECT_NE(message.find("Bc1RgbUnormBlock"), std::string::npos) << message;
    EXPECT_NE(message.find("ColorAttachment"), std::string::npos) << message;

    const auto max = device->physical_device().properties().limits.maxImageDimension2D;
    const std::string too_big = unsupported_of(builder().setExtent(Width{max + 1}, Height{1}));
    EXPECT_NE(too_big.find("exceeds"), std::string::npos) << too_big;

    const std::string samples = unsupported_of(builder()
                                                   .setUsage(vk::ImageUsageFlagBits::eColorAttachment)
                                                   .setSamples(vk::SampleCountFlagBits::e64));
    EXPECT_NE(samples.find("64"), std::string::npos) << samples;
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(ImageTests, AllocatorOfAnotherDeviceIsRejected) {
    const auto other_device = instance->findGpu().build();
    const auto other_allocator = AllocatorBuilder(instance, other_device).build();
    EXPECT_NE(logic_error_of(builder().setAllocator(other_allocator)).find("another device"),
              std::string::npos);
}

TEST_F(ImageTests, MoveLeavesAnEmptyImageAndDestructionFreesMemory) {
    auto image = builder().build();
    const vk::Image handle = image->handle();
    Image moved(std::move(*image));
    EXPECT_TRUE(image->empty());
    EXPECT_EQ(moved.handle(), handle);
    EXPECT_THROW((void)image->memory_type_index(), LogicError);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    moved = Image();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

} // namespace
} // namespace vw
