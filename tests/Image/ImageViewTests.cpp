#include <gtest/gtest.h>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Memory/Allocator.h"

namespace vw {
namespace {

class ImageViewTests : public test::AllocatorTest {
protected:
    std::unique_ptr<Image> make_image(std::uint32_t layers, vk::ImageUsageFlags usage = vk::ImageUsageFlagBits::eSampled) {
        return ImageBuilder()
            .setDevice(device)
            .setAllocator(allocator)
            .setFormat(vk::Format::eR8G8B8A8Unorm)
            .setExtent(Width{32}, Height{32})
            .setMipLevels(3)
            .setArrayLayers(layers)
            .setUsage(usage)
            .build();
    }
};

TEST_F(ImageViewTests, DefaultsCoverTheWholeImage) {
    const auto image = make_image(1);
    const auto view = ImageViewBuilder().setDevice(device).setImage(*image).build();
    EXPECT_TRUE(view->handle());
    EXPECT_EQ(view->image(), image->handle());
    EXPECT_EQ(view->type(), vk::ImageViewType::e2D);
    EXPECT_EQ(view->format(), vk::Format::eR8G8B8A8Unorm);
    EXPECT_EQ(view->subresource_range(), image->full_range());
}

TEST_F(ImageViewTests, LayeredImagesGetArrayViewsAndRangesCanBeNarrowed) {
    const auto image = make_image(4);
    EXPECT_EQ(ImageViewBuilder().setDevice(device).setImage(*image).build()->type(),
              vk::ImageViewType::e2DArray);
    const vk::ImageSubresourceRange one(vk::ImageAspectFlagBits::eColor, 1, 2, 3, 1);
    const auto view = ImageViewBuilder().setDevice(device).setImage(*image).setSubresourceRange(one).build();
    EXPECT_EQ(view->type(), vk::ImageViewType::e2D);
    EXPECT_EQ(view->subresource_range(), one);
}

TEST_F(ImageViewTests, ASharedImageLivesAsLongAsItsView) {
    std::shared_ptr<const Image> image = make_image(1);
    const std::weak_ptr<const Image> weak = image;
    auto view = ImageViewBuilder().setDevice(device).setImage(image).build();
    image.reset();
    EXPECT_FALSE(weak.expired());
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    view.reset();
    EXPECT_TRUE(weak.expired());
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(ImageViewTests, InvalidRequestsAreLogicErrors) {
    const auto image = make_image(2);
    EXPECT_THROW((void)ImageViewBuilder().setImage(*image).build(), LogicError);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).build(), LogicError);
    const vk::ImageSubresourceRange past_mips(vk::ImageAspectFlagBits::eColor, 2, 2, 0, 1);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*image).setSubresourceRange(past_mips).build(),
                 LogicError);
    const vk::ImageSubresourceRange past_layers(vk::ImageAspectFlagBits::eColor, 0, 1, 1, 2);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*image).setSubresourceRange(past_layers).build(),
                 LogicError);
    const vk::ImageSubresourceRange depth(vk::ImageAspectFlagBits::eDepth, 0, 1, 0, 1);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*image).setSubresourceRange(depth).build(),
                 LogicError);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*image).setViewType(vk::ImageViewType::e3D).build(),
                 LogicError);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*image).setViewType(vk::ImageViewType::eCube).build(),
                 LogicError);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*image).setFormat(vk::Format::eR8G8B8A8Srgb).build(),
                 LogicError);
    const auto transfer_only = make_image(1, vk::ImageUsageFlagBits::eTransferDst);
    EXPECT_THROW((void)ImageViewBuilder().setDevice(device).setImage(*transfer_only).build(), LogicError);
}

} // namespace
} // namespace vw
