#pragma once
// The ImageView objects made of one Image, so that a defragmentation move of the image
// recreates them. Shared by the image and its views; not installed.

#include <mutex>
#include <vector>

namespace vw {
class ImageView;
}

namespace vw::detail {

struct ImageViewRegistry {
    std::mutex mutex;
    std::vector<ImageView *> views;

    void add(ImageView *view) {
        const std::lock_guard lock(mutex);
        views.push_back(view);
    }
    void replace(ImageView *from, ImageView *to) noexcept {
        const std::lock_guard lock(mutex);
        for (ImageView *&view : views) {
            if (view == from) view = to;
        }
    }
    void remove(ImageView *view) noexcept {
        const std::lock_guard lock(mutex);
        std::erase(views, view);
    }
};

} // namespace vw::detail
