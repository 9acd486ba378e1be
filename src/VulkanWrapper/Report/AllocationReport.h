#pragma once

#include <cstddef>
#include <string>

namespace vw {
class MemoryMap;
}

namespace vw::detail {

// The text table behind MemoryMap::report(): totals, a header, the `max_rows` largest
// allocations and a count of the rest.
[[nodiscard]] std::string allocation_report(const MemoryMap &map, std::size_t max_rows);

} // namespace vw::detail
