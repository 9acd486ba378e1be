#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace vw::test {

/// What an XML parser (expat) saw in an SVG document.
struct SvgContents {
    bool well_formed = false;
    /// expat's message and line when not well-formed.
    std::string error;
    std::string root_element;
    std::size_t texts = 0;
    /// The attributes of every <rect> whose class starts with "allocation ".
    std::vector<std::map<std::string, std::string>> allocation_rects;
};

/// Parses `svg` with expat.
[[nodiscard]] SvgContents parse_svg(const std::string &svg);

} // namespace vw::test
