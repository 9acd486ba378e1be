#pragma once

// The one translation unit that compiles Debian's stb_image and stb_image_write (StbCodec.cpp,
// with STB_IMAGE_STATIC so that no stb symbol leaves it) and the little of them ImageFile.cpp
// uses. Nothing here throws: failures come back as a null pointer or a false result with
// stb's reason.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace vw::detail {

struct StbInfo {
    int width = 0;
    int height = 0;
    int channels = 0;
    bool is_16_bit = false;
    bool is_hdr = false;
};

struct StbFree {
    void operator()(void *pixels) const noexcept;
};
using StbPixels = std::unique_ptr<void, StbFree>;

enum class StbDepth { Eight, Sixteen, Float };

// False (with stb_failure_reason()) when the bytes are no file stb knows.
bool stb_info(std::span<const std::byte> bytes, StbInfo &info) noexcept;
// Null (with stb_failure_reason()) on failure; `desired_channels` 0 keeps the file's.
StbPixels stb_decode(std::span<const std::byte> bytes, StbDepth depth, int desired_channels,
                     int &width, int &height, int &channels) noexcept;
// The calling thread's last decoder failure.
const char *stb_failure_reason() noexcept;

// False when stb could not encode (out of memory).
bool stb_write_png8(int width, int height, int channels, const void *pixels, std::vector<std::byte> &out);
bool stb_write_hdr(int width, int height, int channels, const float *pixels, std::vector<std::byte> &out);
// zlib-compresses `data` as stb_image_write does for PNG; false when out of memory.
bool stb_zlib_compress(std::span<const std::byte> data, std::vector<std::byte> &out);

} // namespace vw::detail
