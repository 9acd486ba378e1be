#include "StreamingCopy.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace vw::detail {

#if defined(__x86_64__)

namespace {

constexpr std::size_t line = 64;

// Both take a 64-byte aligned destination and a multiple of 64 bytes.
void stream_lines_sse2(std::byte *destination, const std::byte *source, std::size_t bytes) noexcept {
    for (std::size_t i = 0; i < bytes; i += line) {
        const auto *from = reinterpret_cast<const __m128i *>(source + i);
        auto *to = reinterpret_cast<__m128i *>(destination + i);
        const __m128i a = _mm_loadu_si128(from);
        const __m128i b = _mm_loadu_si128(from + 1);
        const __m128i c = _mm_loadu_si128(from + 2);
        const __m128i d = _mm_loadu_si128(from + 3);
        _mm_stream_si128(to, a);
        _mm_stream_si128(to + 1, b);
        _mm_stream_si128(to + 2, c);
        _mm_stream_si128(to + 3, d);
    }
}

__attribute__((target("avx2"))) void stream_lines_avx2(std::byte *destination, const std::byte *source,
                                                       std::size_t bytes) noexcept {
    for (std::size_t i = 0; i < bytes; i += line) {
        const auto *from = reinterpret_cast<const __m256i *>(source + i);
        auto *to = reinterpret_cast<__m256i *>(destination + i);
        const __m256i a = _mm256_loadu_si256(from);
        const __m256i b = _mm256_loadu_si256(from + 1);
        _mm256_stream_si256(to, a);
        _mm256_stream_si256(to + 1, b);
    }
}

using StreamLines = void (*)(std::byte *, const std::byte *, std::size_t) noexcept;

StreamLines pick() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? stream_lines_avx2 : stream_lines_sse2;
}

// Head and tail by memcpy, the whole lines between them streamed.
void copy_with(StreamLines stream_lines, std::byte *destination, const std::byte *source, std::size_t bytes) noexcept {
    if (bytes == 0) return;
    const auto address = reinterpret_cast<std::uintptr_t>(destination);
    const std::size_t head = std::min(bytes, static_cast<std::size_t>((line - address % line) % line));
    const std::size_t body = (bytes - head) / line * line;
    if (body == 0) {
        std::memcpy(destination, source, bytes);
        return;
    }
    if (head != 0) std::memcpy(destination, source, head);
    stream_lines(destination + head, source + head, body);
    // Non-temporal stores are weakly ordered: fenced before whoever publishes the copy (a
    // queue submission, another thread's atomic) lets the device or a thread read it.
    _mm_sfence();
    const std::size_t tail = bytes - head - body;
    if (tail != 0) std::memcpy(destination + head + body, source + head + body, tail);
}

} // namespace

void streaming_copy(std::byte *destination, const std::byte *source, std::size_t bytes) noexcept {
    static const StreamLines stream_lines = pick();
    copy_with(stream_lines, destination, source, bytes);
}

void streaming_copy_sse2(std::byte *destination, const std::byte *source, std::size_t bytes) noexcept {
    copy_with(stream_lines_sse2, destination, source, bytes);
}

#else

void streaming_copy(std::byte *destination, const std::byte *source, std::size_t bytes) noexcept {
    std::memcpy(destination, source, bytes);
}

#endif

} // namespace vw::detail
