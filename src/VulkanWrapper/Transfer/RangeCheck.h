#pragma once

#include <cstdint>
#include <string_view>

namespace vw::detail {

/// What a range counts: a buffer's elements (typed calls) or its bytes (byte-level calls).
enum class RangeUnit { Elements, Bytes };

/// Throws LogicError unless [first, first + count) lies within a buffer of `size` units. The
/// one range check of every Transfer and StagingBufferManager entry point, with one message:
/// "<operation>: elements [first, first + count) exceed the buffer's <size> elements" (or
/// bytes). Written so that first + count cannot overflow.
void check_range(std::uint64_t size, std::uint64_t first, std::uint64_t count, RangeUnit unit,
                 std::string_view operation);

} // namespace vw::detail
