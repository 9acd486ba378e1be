#pragma once

#include <cstddef>

namespace vw::detail {

/// memcpy(destination, source, bytes) with non-temporal stores where the CPU has them (x86-64:
/// 32-byte AVX2 stores when the CPU supports AVX2, else 16-byte SSE2 ones), ending with a store
/// fence; a plain memcpy elsewhere. For memory the host writes and the device reads (staging,
/// BAR): the written lines neither pass through the cache nor are read before being written.
/// Any alignment and length; the ranges must not overlap.
void streaming_copy(std::byte *destination, const std::byte *source, std::size_t bytes) noexcept;

#if defined(__x86_64__)
/// streaming_copy with the 16-byte SSE2 stores it falls back to on CPUs without AVX2 (the tests
/// run both).
void streaming_copy_sse2(std::byte *destination, const std::byte *source, std::size_t bytes) noexcept;
#endif

} // namespace vw::detail
