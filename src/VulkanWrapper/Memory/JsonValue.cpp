#include "JsonValue.h"

#include <charconv>

#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

class JsonParser {
public:
    explicit JsonParser(std::string_view text)
        : m_text(text) {}

    JsonValue document() {
        JsonValue value = parse_value(0);
        skip_space();
        if (m_position != m_text.size()) fail("text after the document");
        return value;
    }

private:
    static constexpr int max_depth = 64;

    [[noreturn]] void fail(std::string_view what) const {
        throw LogicError("JSON: " + std::string(what) + " at offset " + std::to_string(m_position));
    }

    void skip_space() {
        while (m_position < m_text.size() &&
               (m_text[m_position] == ' ' || m_text[m_position] == '\n' ||
                m_text[m_position] == '\r' || m_text[m_position] == '\t')) {
            ++m_position;
        }
    }

    char peek() {
        skip_space();
        if (m_position >= m_text.size()) fail("unexpected end");
        return m_text[m_position];
    }

    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++m_position;
    }

    bool literal(std::string_view word) {
        if (m_text.substr(m_position, word.size()) != word) return false;
        m_position += word.size();
        return true;
    }

    JsonValue parse_value(int depth) {
        if (depth > max_depth) fail("nesting too deep");
        const char c = peek();
        if (c == '{') return parse_object(depth);
        if (c == '[') return parse_array(depth);
        if (c == '"') return JsonValue(parse_string());
        if (literal("true")) return JsonValue(true);
        if (literal("false")) return JsonValue(false);
        if (literal("null")) return JsonValue(JsonValue::Null{});
        return parse_number();
    }

    JsonValue parse_object(int depth) {
        expect('{');
        auto object = std::make_shared<JsonValue::Object>();
        if (peek() == '}') {
            ++m_position;
            return JsonValue(std::move(object));
        }
        for (;;) {
            if (peek() != '"') fail("expected a key");
            std::string key = parse_string();
            expect(':');
            object->insert_or_assign(std::move(key), parse_value(depth + 1));
            if (peek() == ',') {
                ++m_position;
                continue;
            }
            expect('}');
            return JsonValue(std::move(object));
        }
    }

    JsonValue parse_array(int depth) {
        expect('[');
        auto array = std::make_shared<JsonValue::Array>();
        if (peek() == ']') {
            ++m_position;
            return JsonValue(std::move(array));
        }
        for (;;) {
            array->push_back(parse_value(depth + 1));
            if (peek() == ',') {
                ++m_position;
                continue;
            }
            expect(']');
            return JsonValue(std::move(array));
        }
    }

    std::string parse_string() {
        expect('"');
        std::string out;
        while (m_position < m_text.size()) {
            const char c = m_text[m_position++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_position >= m_text.size()) break;
            const char escaped = m_text[m_position++];
            switch (escaped) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': append_code_point(out); break;
            default: fail("unknown escape");
            }
        }
        fail("unterminated string");
    }

    void append_code_point(std::string &out) {
        if (m_position + 4 > m_text.size()) fail("short \\u escape");
        unsigned code = 0;
        const auto *first = m_text.data() + m_position;
        const auto [end, error] = std::from_chars(first, first + 4, code, 16);
        if (error != std::errc() || end != first + 4) fail("bad \\u escape");
        m_position += 4;
        // Surrogate pairs are not combined: VMA writes raw UTF-8 and never \u escapes.
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    JsonValue parse_number() {
        const std::size_t start = m_position;
        bool integral = true;
        while (m_position < m_text.size()) {
            const char c = m_text[m_position];
            if (c >= '0' && c <= '9') {
                ++m_position;
            } else if (c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
                integral = false;
                ++m_position;
            } else {
                break;
            }
        }
        if (start == m_position) fail("unexpected character");
        const char *first = m_text.data() + start;
        const char *last = m_text.data() + m_position;
        if (integral) {
            std::uint64_t value = 0;
            const auto [end, error] = std::from_chars(first, last, value);
            if (error == std::errc() && end == last) return JsonValue(value);
        }
        double value = 0;
        const auto [end, error] = std::from_chars(first, last, value);
        if (error != std::errc() || end != last) fail("malformed number");
        return JsonValue(value);
    }

    std::string_view m_text;
    std::size_t m_position = 0;
};

JsonValue JsonValue::parse(std::string_view text) { return JsonParser(text).document(); }

bool JsonValue::is_object() const noexcept {
    return std::holds_alternative<std::shared_ptr<Object>>(m_storage);
}

bool JsonValue::is_array() const noexcept {
    return std::holds_alternative<std::shared_ptr<Array>>(m_storage);
}

const JsonValue &JsonValue::operator[](std::string_view key) const noexcept {
    static const JsonValue null;
    if (!is_object()) return null;
    const Object &members = object();
    const auto found = members.find(key);
    return found == members.end() ? null : found->second;
}

const JsonValue::Object &JsonValue::object() const noexcept {
    static const Object empty;
    const auto *object = std::get_if<std::shared_ptr<Object>>(&m_storage);
    return object != nullptr ? **object : empty;
}

const JsonValue::Array &JsonValue::array() const noexcept {
    static const Array empty;
    const auto *array = std::get_if<std::shared_ptr<Array>>(&m_storage);
    return array != nullptr ? **array : empty;
}

std::string_view JsonValue::string() const noexcept {
    const auto *text = std::get_if<std::string>(&m_storage);
    return text != nullptr ? std::string_view(*text) : std::string_view();
}

std::uint64_t JsonValue::number() const noexcept {
    if (const auto *integer = std::get_if<std::uint64_t>(&m_storage)) return *integer;
    if (const auto *real = std::get_if<double>(&m_storage)) {
        return *real > 0 ? static_cast<std::uint64_t>(*real) : 0;
    }
    return 0;
}

} // namespace vw::detail
