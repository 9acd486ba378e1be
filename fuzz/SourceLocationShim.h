// Forced into every translation unit of the fuzz build (fuzz/CMakeLists.txt): clang 14 with
// libstdc++ 12 has no std::source_location, which the library's errors carry (libstdc++ defines
// it only when the compiler has __builtin_source_location, which clang has from version 15).
// This supplies the same interface from the builtins clang 14 does have.
#pragma once

#include <cstdint>

#if defined(__clang__) && !__has_builtin(__builtin_source_location)
#include <source_location> // defines nothing here; included so that it cannot clash later

namespace std {
struct source_location {
    static constexpr source_location current(const char *file = __builtin_FILE(),
                                             const char *function = __builtin_FUNCTION(),
                                             std::uint_least32_t line = __builtin_LINE(),
                                             std::uint_least32_t column = __builtin_COLUMN()) noexcept {
        source_location location;
        location.m_file = file;
        location.m_function = function;
        location.m_line = line;
        location.m_column = column;
        return location;
    }
    constexpr source_location() noexcept = default;
    [[nodiscard]] constexpr std::uint_least32_t line() const noexcept { return m_line; }
    [[nodiscard]] constexpr std::uint_least32_t column() const noexcept { return m_column; }
    [[nodiscard]] constexpr const char *file_name() const noexcept { return m_file; }
    [[nodiscard]] constexpr const char *function_name() const noexcept { return m_function; }

private:
    const char *m_file = "";
    const char *m_function = "";
    std::uint_least32_t m_line = 0;
    std::uint_least32_t m_column = 0;
};
} // namespace std
#endif
