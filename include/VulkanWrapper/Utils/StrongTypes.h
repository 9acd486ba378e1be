#pragma once

#include <cstdint>
#include <type_traits>

namespace vw {

/// Strong integer types for image dimensions and subresource indices, so that a width can't be
/// passed where a height or a mip level is expected. Convert with `static_cast` or
/// `std::to_underlying`-style casts; construct as `Width{1024}`.
/// A width in texels.
enum class Width : std::uint32_t {};
/// A height in texels.
enum class Height : std::uint32_t {};
/// A depth in texels (3D images).
enum class Depth : std::uint32_t {};
/// A mip level index (0 is the full-size level).
enum class MipLevel : std::uint32_t {};
/// An array layer index.
enum class ArrayLayer : std::uint32_t {};

/// The underlying value of any of the strong types above.
/// @tparam Strong one of the strong types above (any enumeration).
template <typename Strong>
    requires std::is_enum_v<Strong>
[[nodiscard]] constexpr std::uint32_t value_of(Strong strong) noexcept {
    return static_cast<std::uint32_t>(strong);
}

} // namespace vw
