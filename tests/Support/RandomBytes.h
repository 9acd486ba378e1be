#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace vw::test {

/// `count` bytes from a Mersenne Twister seeded with `seed`: the same bytes for the same seed.
[[nodiscard]] inline std::vector<std::byte> random_bytes(std::size_t count, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::vector<std::byte> bytes(count);
    for (auto &b : bytes) b = static_cast<std::byte>(random());
    return bytes;
}

} // namespace vw::test
