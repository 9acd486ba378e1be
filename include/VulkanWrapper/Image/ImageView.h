#pragma once

#include <memory>
#include <optional>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Utils/OwnedHandle.h"

namespace vw {

class Device;
class Image;

namespace detail {
struct ImageViewRegistry;
class ImageViewRelocation;
} // namespace detail

/// A view of an Image, created by ImageViewBuilder. Move-only (a moved-from view is empty).
/// Keeps the device alive, and the image too when it was given as a std::shared_ptr; an image
/// given by reference must outlive the view. When defragmentation moves the image, the view is
/// recreated on the new image (handle() and image() change; see docs/defragmentation.md).
class ImageView {
public:
    /// Takes the view of the other one, which is left empty.
    ImageView(ImageView &&other) noexcept;
    /// Destroys the current view, then takes the other one's, which is left empty.
    ImageView &operator=(ImageView &&other) noexcept;
    ImageView(const ImageView &) = delete;
    ImageView &operator=(const ImageView &) = delete;
    /// Destroys the view (the image and device it holds are released after it).
    ~ImageView();

    /// The vk::ImageView (null when empty).
    [[nodiscard]] vk::ImageView handle() const noexcept { return *m_view.get(); }
    /// The image it views.
    [[nodiscard]] vk::Image image() const noexcept { return m_image; }
    /// The view type (2D, 2D array, cube...).
    [[nodiscard]] vk::ImageViewType type() const noexcept { return m_type; }
    /// The format the view reads the image as.
    [[nodiscard]] vk::Format format() const noexcept { return m_format; }
    /// The aspects, mip levels and array layers the view covers.
    [[nodiscard]] const vk::ImageSubresourceRange &subresource_range() const noexcept {
        return m_range;
    }

private:
    friend class ImageViewBuilder;
    friend class detail::ImageViewRelocation;

    // Adopts `view` of `image` on `device`.
    ImageView(std::shared_ptr<Device> device, vk::UniqueImageView view, vk::Image image,
              vk::ImageViewType type, vk::Format format, const vk::ImageSubresourceRange &range,
              std::shared_ptr<const Image> owner = nullptr);

    // The image is an owner only when it was given as a std::shared_ptr.
    OwnedHandle<vk::UniqueImageView, Device, const Image> m_view;
    vk::Image m_image;
    vk::ImageViewType m_type;
    vk::Format m_format;
    vk::ImageSubresourceRange m_range;
    // The registry of the image it views (null when empty).
    std::shared_ptr<detail::ImageViewRegistry> m_registry;
};

/// Builds an ImageView. Required: the device and the image. Defaults: the image's format,
/// its whole subresource range, and the view type matching the image (2D, 2D array when it
/// has several layers, 3D...).
class ImageViewBuilder {
public:
    /// The device (required; must be the image's).
    ImageViewBuilder &setDevice(std::shared_ptr<Device> device);
    /// The image to view (required); it must outlive the view.
    ImageViewBuilder &setImage(const Image &image);
    /// The image to view (required), kept alive by the view.
    ImageViewBuilder &setImage(std::shared_ptr<const Image> image);
    /// The view type; default from the image.
    ImageViewBuilder &setViewType(vk::ImageViewType type);
    /// The view format; default the image's.
    ImageViewBuilder &setFormat(vk::Format format);
    /// The mip levels and layers seen; default the image's full range.
    ImageViewBuilder &setSubresourceRange(const vk::ImageSubresourceRange &range);

    /// Validates and creates the view. LogicError naming the field (missing device or image,
    /// a range outside the image, a view type that does not fit the image — cube views
    /// included, since images are not created cube-compatible —, a format other than the
    /// image's, an image without a usage that views can be made for); VulkanException if
    /// creation fails.
    [[nodiscard]] std::unique_ptr<ImageView> build() const;

private:
    std::shared_ptr<Device> m_device;
    const Image *m_image = nullptr;
    std::shared_ptr<const Image> m_shared_image;
    std::optional<vk::ImageViewType> m_type;
    std::optional<vk::Format> m_format;
    std::optional<vk::ImageSubresourceRange> m_range;
};

} // namespace vw
