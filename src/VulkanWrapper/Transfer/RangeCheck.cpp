#include "RangeCheck.h"

#include <string>

#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

void check_range(std::uint64_t size, std::uint64_t first, std::uint64_t count, RangeUnit unit,
                 std::string_view operation) {
    if (first <= size && count <= size - first) return;
    const char *units = unit == RangeUnit::Elements ? " elements" : " bytes";
    throw LogicError(std::string(operation) + ":" + units + " [" + std::to_string(first) + ", " +
                     std::to_string(first) + " + " + std::to_string(count) + ") exceed the buffer's " +
                     std::to_string(size) + units);
}

} // namespace vw::detail
