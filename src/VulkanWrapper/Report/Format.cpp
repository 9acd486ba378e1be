#include "Format.h"

#include <array>
#include <cstddef>
#include <cstdio>

namespace vw::detail {

std::string format_bytes(vk::DeviceSize bytes) {
    constexpr std::array units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < units.size()) {
        value /= 1024.0;
        ++unit;
    }
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), value < 10.0 ? "%.2f %s" : "%.1f %s", value,
                  units[unit]);
    return text.data();
}

std::string format_count(std::uint64_t n) {
    // Built forwards: GCC 12 reads the inserting form as a possible overflow in Release.
    const std::string digits = std::to_string(n);
    std::string grouped;
    grouped.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
        grouped.push_back(digits[i]);
    }
    return grouped;
}

} // namespace vw::detail
