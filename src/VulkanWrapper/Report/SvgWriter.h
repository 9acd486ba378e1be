#pragma once

#include <string>

namespace vw {
class MemoryMap;
struct SvgOptions;
}

namespace vw::detail {

// The standalone SVG document behind MemoryMap::svg().
[[nodiscard]] std::string memory_map_svg(const MemoryMap &map, const SvgOptions &options);

} // namespace vw::detail
