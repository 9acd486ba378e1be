#pragma once

#include <cstdint>
#include <string>

#include <vulkan/vulkan.hpp>

namespace vw::detail {

// Byte counts and counts as the report and the SVG print them, so the two agree: "512 B",
// "4.00 KiB", "160.0 MiB"; "12,345".
[[nodiscard]] std::string format_bytes(vk::DeviceSize bytes);
[[nodiscard]] std::string format_count(std::uint64_t n);

} // namespace vw::detail
