// libFuzzer target for the picture decoder (vw::load_image over stb_image, PNG, JPEG, BMP, TGA,
// PSD and Radiance HDR): its input is a file's bytes. Checks that
//   - the only exception is vw::ImageFileError (anything else traps);
//   - a decoded picture has the size its header announced (image_file_info) and
//     width × height × channels values;
//   - 8-bit and 16-bit pictures survive encode_png and a second decode byte for byte, and every
//     channel count asked for (1 to 4) decodes to the same size.
// Decoded pictures are capped at 4 MiB (ImageLoadOptions::max_bytes), so that a header
// announcing a huge picture is refused before any allocation and one input, decoded five times
// under the sanitizers, stays well inside the per-input timeout on a loaded 2-core machine. No device is involved.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <typeinfo>

#include "VulkanWrapper/Image/ImageFile.h"

namespace {

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "*** vw-image-fuzzer: %s\n", what);
    std::abort();
}

constexpr std::size_t limit = std::size_t{4} << 20;

void check(std::span<const std::byte> bytes) {
    vw::ImageFileInfo info;
    try {
        info = vw::image_file_info(bytes);
    } catch (const vw::ImageFileError &) {
        return;
    }
    for (std::uint32_t channels = 0; channels <= 4; ++channels) {
        vw::PixelImage image;
        try {
            image = vw::load_image(bytes, vw::ImageLoadOptions{channels, limit});
        } catch (const vw::ImageFileError &) {
            continue;
        }
        if (image.width != info.width || image.height != info.height || image.type != info.type) {
            fail("the decoded picture differs from its header");
        }
        if (image.channels != (channels ? channels : info.channels)) fail("wrong channel count");
        if (image.pixels.size() != std::size_t{image.width} * image.height * image.pixel_bytes()) {
            fail("pixels of the wrong size");
        }
        if (image.type == vw::PixelType::Float32 || std::size_t{image.width} * image.height > (1U << 16)) continue;
        const vw::PixelImage again = vw::load_image(vw::encode_png(image), vw::ImageLoadOptions{0, limit});
        if (again.pixels != image.pixels || again.channels != image.channels) fail("PNG round trip changed pixels");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    try {
        check(std::as_bytes(std::span(data, size)));
    } catch (const std::exception &error) {
        std::fprintf(stderr, "*** vw-image-fuzzer: undocumented %s: %s\n", typeid(error).name(), error.what());
        std::abort();
    }
    return 0;
}
