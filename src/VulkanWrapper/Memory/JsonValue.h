#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vw::detail {

// A parsed JSON document, enough to read VMA's statistics string: numbers are unsigned
// integers or doubles, objects are looked up by key. Private to the library.
class JsonValue {
public:
    using Object = std::map<std::string, JsonValue, std::less<>>;
    using Array = std::vector<JsonValue>;

    JsonValue() = default;

    // Parses `text`; LogicError naming the offset on malformed input.
    [[nodiscard]] static JsonValue parse(std::string_view text);

    [[nodiscard]] bool is_object() const noexcept;
    [[nodiscard]] bool is_array() const noexcept;
    // The member `key` of an object, or a null value when absent or not an object.
    [[nodiscard]] const JsonValue &operator[](std::string_view key) const noexcept;
    [[nodiscard]] const Object &object() const noexcept;
    [[nodiscard]] const Array &array() const noexcept;
    // The string, or "" when not a string.
    [[nodiscard]] std::string_view string() const noexcept;
    // The number as an unsigned integer (0 when not a number).
    [[nodiscard]] std::uint64_t number() const noexcept;

private:
    struct Null {};
    using Storage =
        std::variant<Null, bool, std::uint64_t, double, std::string, std::shared_ptr<Array>,
                     std::shared_ptr<Object>>;
    explicit JsonValue(Storage storage) : m_storage(std::move(storage)) {}
    friend class JsonParser;

    Storage m_storage;
};

} // namespace vw::detail
