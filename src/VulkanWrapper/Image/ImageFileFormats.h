#pragma once

// The colour formats pictures convert to and from (ImageFile.cpp; Texture.cpp checks its
// formats against the same table), and half-float conversion.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace vw::detail {

// The whole file; ImageFileError naming it when it is missing, not a regular file or unreadable.
std::vector<std::byte> read_file(const std::filesystem::path &path);

enum class Storage : std::uint8_t { U8, U16, F16, F32 };

struct TexelLayout {
    Storage storage;
    std::uint32_t channels;
    bool bgr; // B and R swapped in memory (BGRA, BGR)
};

inline std::size_t storage_bytes(Storage storage) noexcept {
    switch (storage) {
    case Storage::U8: return 1;
    case Storage::U16:
    case Storage::F16: return 2;
    case Storage::F32: return 4;
    }
    return 1;
}

inline std::optional<TexelLayout> texel_layout(vk::Format format) noexcept {
    using F = vk::Format;
    switch (format) {
    case F::eR8Unorm:
    case F::eR8Srgb: return TexelLayout{Storage::U8, 1, false};
    case F::eR8G8Unorm:
    case F::eR8G8Srgb: return TexelLayout{Storage::U8, 2, false};
    case F::eR8G8B8Unorm:
    case F::eR8G8B8Srgb: return TexelLayout{Storage::U8, 3, false};
    case F::eB8G8R8Unorm:
    case F::eB8G8R8Srgb: return TexelLayout{Storage::U8, 3, true};
    case F::eR8G8B8A8Unorm:
    case F::eR8G8B8A8Srgb: return TexelLayout{Storage::U8, 4, false};
    case F::eB8G8R8A8Unorm:
    case F::eB8G8R8A8Srgb: return TexelLayout{Storage::U8, 4, true};
    case F::eR16Unorm: return TexelLayout{Storage::U16, 1, false};
    case F::eR16G16Unorm: return TexelLayout{Storage::U16, 2, false};
    case F::eR16G16B16Unorm: return TexelLayout{Storage::U16, 3, false};
    case F::eR16G16B16A16Unorm: return TexelLayout{Storage::U16, 4, false};
    case F::eR16Sfloat: return TexelLayout{Storage::F16, 1, false};
    case F::eR16G16Sfloat: return TexelLayout{Storage::F16, 2, false};
    case F::eR16G16B16Sfloat: return TexelLayout{Storage::F16, 3, false};
    case F::eR16G16B16A16Sfloat: return TexelLayout{Storage::F16, 4, false};
    case F::eR32Sfloat: return TexelLayout{Storage::F32, 1, false};
    case F::eR32G32Sfloat: return TexelLayout{Storage::F32, 2, false};
    case F::eR32G32B32Sfloat: return TexelLayout{Storage::F32, 3, false};
    case F::eR32G32B32A32Sfloat: return TexelLayout{Storage::F32, 4, false};
    default: return std::nullopt;
    }
}

// Round to nearest even; overflow to infinity, NaN kept quiet.
inline std::uint16_t float_to_half(float value) noexcept {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (bits >> 16) & 0x8000U;
    bits &= 0x7fffffffU;
    if (bits >= 0x47800000U) { // 65536 and above, infinities, NaNs
        return static_cast<std::uint16_t>(sign | (bits > 0x7f800000U ? 0x7e00U : 0x7c00U));
    }
    if (bits < 0x38800000U) { // below 2^-14: a subnormal half, rounded by the float adder
        const float shifted = std::bit_cast<float>(bits) + 0.5F;
        return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(shifted) - 0x3f000000U));
    }
    const std::uint32_t odd = (bits >> 13) & 1U;
    bits += 0xc8000fffU + odd; // exponent rebias (-112 << 23) and the rounding increment
    return static_cast<std::uint16_t>(sign | (bits >> 13));
}

inline float half_to_float(std::uint16_t half) noexcept {
    const std::uint32_t sign = (std::uint32_t{half} & 0x8000U) << 16;
    const std::uint32_t exponent = (half >> 10) & 0x1fU;
    const std::uint32_t mantissa = half & 0x3ffU;
    if (exponent == 0) {
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000U | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

} // namespace vw::detail
