#include "SvgWriter.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <string_view>
#include <vector>

#include "Format.h"
#include "VulkanWrapper/Report/MemoryMap.h"
#include "VulkanWrapper/Utils/Utf8.h"

namespace vw::detail {

namespace {

std::string memory_flags_text(vk::MemoryPropertyFlags flags) {
    std::string text;
    const auto add = [&](vk::MemoryPropertyFlagBits bit, const char *name) {
        if (!(flags & bit)) return;
        if (!text.empty()) text += " | ";
        text += name;
    };
    add(vk::MemoryPropertyFlagBits::eDeviceLocal, "DEVICE_LOCAL");
    add(vk::MemoryPropertyFlagBits::eHostVisible, "HOST_VISIBLE");
    add(vk::MemoryPropertyFlagBits::eHostCoherent, "HOST_COHERENT");
    add(vk::MemoryPropertyFlagBits::eHostCached, "HOST_CACHED");
    add(vk::MemoryPropertyFlagBits::eLazilyAllocated, "LAZILY_ALLOCATED");
    add(vk::MemoryPropertyFlagBits::eProtected, "PROTECTED");
    return text.empty() ? std::string("no property flags") : text;
}

// Valid UTF-8 of `text`, invalid sequences replaced by U+FFFD: XML must be well-formed
// whatever bytes a name holds.
std::vector<std::string> utf8_characters(std::string_view text) {
    std::vector<std::string> characters;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t length = detail::utf8_sequence_length(text, i);
        if (length == 0) {
            characters.emplace_back("\xEF\xBF\xBD");
            ++i;
            continue;
        }
        characters.emplace_back(text.substr(i, length));
        i += length;
    }
    return characters;
}

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const std::string &character : utf8_characters(text)) {
        if (character.size() == 1) {
            const char c = character[0];
            const auto code = static_cast<unsigned char>(c);
            if (code < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                out += "\xEF\xBF\xBD"; // not allowed in XML 1.0
                continue;
            }
            switch (c) {
            case '&': out += "&amp;"; continue;
            case '<': out += "&lt;"; continue;
            case '>': out += "&gt;"; continue;
            case '"': out += "&quot;"; continue;
            case '\'': out += "&apos;"; continue;
            default: break;
            }
        }
        out += character;
    }
    return out;
}

// The longest prefix of `text` drawn in at most `pixels` at the label font, with an ellipsis
// when cut; "" when not even a few characters fit.
std::string fit_label(std::string_view text, double pixels) {
    constexpr double char_width = 6.4; // 11 px sans-serif, average advance
    const std::vector<std::string> characters = utf8_characters(text);
    const auto fits = static_cast<std::size_t>(std::max(0.0, pixels - 6.0) / char_width);
    if (characters.size() <= fits) return std::string(text);
    if (fits < 4) return {};
    std::string out;
    for (std::size_t i = 0; i + 1 < fits; ++i) out += characters[i];
    return out + "\xE2\x80\xA6";
}

std::string number(double value) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.2f", value);
    std::string out = text.data();
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

std::string percent_text(double percent) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f%%", percent);
    return text.data();
}

const char *kind_class(ResourceKind kind) {
    switch (kind) {
    case ResourceKind::Buffer: return "buffer";
    case ResourceKind::ImageOptimal: return "image-optimal";
    case ResourceKind::ImageLinear: return "image-linear";
    case ResourceKind::ImageUnknown: return "image-unknown";
    case ResourceKind::Unknown: break;
    }
    return "unknown";
}

struct KindStyle {
    ResourceKind kind;
    const char *fill;
    const char *text;
};
constexpr std::array kind_styles = {
    KindStyle{ResourceKind::Buffer, "#4e79a7", "#ffffff"},
    KindStyle{ResourceKind::ImageOptimal, "#f28e2b", "#1a1a1a"},
    KindStyle{ResourceKind::ImageLinear, "#edc948", "#1a1a1a"},
    KindStyle{ResourceKind::ImageUnknown, "#b07aa1", "#ffffff"},
    KindStyle{ResourceKind::Unknown, "#9c755f", "#ffffff"},
};

std::string allocation_tooltip(const AllocationRecord &a) {
    std::string text = a.name.empty() ? std::string("(unnamed)") : a.name;
    text += " \xE2\x80\x94 ";
    text += to_string(a.kind);
    text += ", " + format_bytes(a.size);
    if (a.dedicated) {
        text += ", dedicated";
    } else {
        text += " at offset " + std::to_string(a.offset);
    }
    text += ", memory type " + std::to_string(a.memory_type);
    return text;
}

// Writes the SVG, growing downwards; the height is known only at the end.
class SvgWriter {
public:
    SvgWriter(const MemoryMap &map, const SvgOptions &options)
        : m_map(map)
        , m_width(std::max<std::uint32_t>(options.width, 400))
        , m_inner(m_width - 2 * margin)
        , m_title(options.title.empty() ? "GPU memory map \xE2\x80\x94 " + map.device_name()
                                        : options.title) {}

    std::string document() {
        header();
        legend();
        heaps();
        for (const MemoryTypeMap &type : m_map.memory_types()) memory_type(type);
        if (m_map.memory_types().empty()) {
            text(margin, m_y + 14, "Nothing allocated.", "note");
            m_y += 24;
        }
        m_y += margin;
        std::string out;
        out.reserve(m_body.size() + 1024);
        out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(m_width) +
               "\" height=\"" + number(m_y) + "\" viewBox=\"0 0 " + std::to_string(m_width) +
               " " + number(m_y) + "\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n";
        out += "<style>\n"
               "text { font-size: 12px; fill: #1a1a1a; }\n"
               ".title { font-size: 18px; font-weight: bold; }\n"
               ".section { font-size: 14px; font-weight: bold; }\n"
               ".note { fill: #555555; }\n"
               ".label { font-size: 11px; }\n"
               ".free { fill: #ececec; }\n"
               ".block { fill: none; stroke: #666666; stroke-width: 1; }\n"
               ".heap { fill: #f4f4f4; stroke: #999999; }\n"
               ".usage { fill: #b8c4d6; }\n"
               ".mine { fill: #4e79a7; }\n"
               ".budget { stroke: #d62728; stroke-width: 2; stroke-dasharray: 4 2; }\n";
        for (const KindStyle &style : kind_styles) {
            const char *name = kind_class(style.kind);
            out.append(".").append(name).append(" { fill: ").append(style.fill).append("; }\n");
            out.append(".on-").append(name).append(" { font-size: 11px; fill: ").append(style.text).append("; }\n");
        }
        out += "</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
        out += m_body;
        out += "</svg>\n";
        return out;
    }

private:
    static constexpr std::uint32_t margin = 16;
    static constexpr double bar_height = 24;
    static constexpr double gap = 10;

    void text(double x, double y, std::string_view content, const char *css_class = nullptr) {
        m_body.append("<text x=\"").append(number(x)).append("\" y=\"").append(number(y)).append("\"");
        if (css_class != nullptr) m_body.append(" class=\"").append(css_class).append("\"");
        m_body.append(">").append(xml_escape(content)).append("</text>\n");
    }

    void header() {
        m_y = margin + 18;
        text(margin, m_y, m_title, "title");
        const MemoryStatistics totals = m_map.totals();
        std::uint64_t dedicated = 0;
        vk::DeviceSize dedicated_bytes = 0;
        for (const auto &type : m_map.memory_types()) {
            dedicated += type.dedicated.size();
            for (const auto &a : type.dedicated) dedicated_bytes += a.size;
        }
        m_y += 22;
        text(margin, m_y,
             format_count(totals.allocation_count) + " allocations, " +
                 format_bytes(totals.allocation_bytes) + " in use; " +
                 format_count(totals.block_count - dedicated) + " blocks and " +
                 format_count(dedicated) + " dedicated allocations hold " +
                 format_bytes(totals.block_bytes) + " of device memory (" +
                 format_bytes(dedicated_bytes) + " dedicated)");
        m_y += 12;
    }

    void legend() {
        std::map<ResourceKind, std::uint64_t> counts;
        for (const auto &type : m_map.memory_types()) {
            for (const auto &block : type.blocks) {
                for (const auto &a : block.allocations) ++counts[a.kind];
            }
            for (const auto &a : type.dedicated) ++counts[a.kind];
        }
        double x = margin;
        const double y = m_y + 6;
        const auto swatch = [&](const std::string &css_class, const std::string &label) {
            m_body += "<rect class=\"" + css_class + "\" x=\"" + number(x) + "\" y=\"" +
                      number(y) + "\" width=\"14\" height=\"14\" stroke=\"#666666\"/>\n";
            text(x + 19, y + 11, label);
            x += 19 + 7.0 * static_cast<double>(label.size()) + 18;
        };
        for (const KindStyle &style : kind_styles) {
            const auto found = counts.find(style.kind);
            const std::uint64_t n = found == counts.end() ? 0 : found->second;
            if (n == 0 && style.kind != ResourceKind::Buffer &&
                style.kind != ResourceKind::ImageOptimal) {
                continue;
            }
            swatch(kind_class(style.kind), std::string(to_string(style.kind)) + " (" +
                                               format_count(n) + ")");
        }
        swatch("free", "free");
        m_y = y + 14 + 8;
        text(margin, m_y + 10,
             "Each block is drawn to its own scale, dedicated allocations to one common scale; "
             "allocations under a pixel are drawn one pixel wide. Hover for names and sizes.",
             "note");
        m_y += 20;
    }

    void heaps() {
        if (m_map.budgets().empty()) return;
        m_y += 14;
        text(margin, m_y, "Heaps and budgets", "section");
        m_y += 8;
        for (const HeapBudget &heap : m_map.budgets()) {
            if (heap.heap_size == 0) continue;
            std::string line = "Heap " + std::to_string(heap.heap_index);
            line += (heap.flags & vk::MemoryHeapFlagBits::eDeviceLocal) ? " (device-local)"
                                                                        : " (host)";
            line += ": " + format_bytes(heap.heap_size) + "; budget " +
                    format_bytes(heap.budget_bytes) + ", in use " +
                    format_bytes(heap.usage_bytes) + ", this allocator " +
                    format_bytes(heap.block_bytes);
            if (heap.is_estimate) line += " (estimated: no VK_EXT_memory_budget)";
            m_y += 16;
            text(margin, m_y, line);
            m_y += 5;
            const double scale = static_cast<double>(m_inner) / static_cast<double>(heap.heap_size);
            const auto width_of = [&](vk::DeviceSize bytes) {
                return std::min(static_cast<double>(m_inner), static_cast<double>(bytes) * scale);
            };
            m_body += "<rect class=\"heap\" x=\"" + number(margin) + "\" y=\"" + number(m_y) +
                      "\" width=\"" + number(m_inner) + "\" height=\"12\"/>\n";
            m_body += "<rect class=\"usage\" x=\"" + number(margin) + "\" y=\"" + number(m_y) +
                      "\" width=\"" + number(width_of(heap.usage_bytes)) + "\" height=\"12\"/>\n";
            m_body += "<rect class=\"mine\" x=\"" + number(margin) + "\" y=\"" + number(m_y) +
                      "\" width=\"" + number(width_of(heap.block_bytes)) + "\" height=\"12\"/>\n";
            const double budget_x = margin + width_of(heap.budget_bytes);
            m_body += "<line class=\"budget\" x1=\"" + number(budget_x) + "\" y1=\"" +
                      number(m_y - 3) + "\" x2=\"" + number(budget_x) + "\" y2=\"" +
                      number(m_y + 15) + "\"><title>budget " + format_bytes(heap.budget_bytes) +
                      "</title></line>\n";
            m_y += 14;
        }
        m_y += 4;
        text(margin, m_y + 10,
             "Dark: this allocator's blocks. Light: all use in the heap. Dashed red: the budget.",
             "note");
        m_y += 16;
    }

    // Lays items of the given widths left to right, wrapping; returns their positions.
    struct Placed {
        double x;
        double y;
    };
    std::vector<Placed> flow(const std::vector<double> &widths, double row_height) {
        std::vector<Placed> placed;
        double x = margin;
        double y = m_y;
        for (const double width : widths) {
            if (x > margin && x + width > margin + m_inner) {
                x = margin;
                y += row_height;
            }
            placed.push_back({x, y});
            x += width + 12;
        }
        if (!widths.empty()) m_y = y + row_height;
        return placed;
    }

    void allocation_rect(const AllocationRecord &a, double x, double y, double width) {
        m_body += "<rect class=\"allocation " + std::string(kind_class(a.kind)) + "\" x=\"" +
                  number(x) + "\" y=\"" + number(y) + "\" width=\"" + number(width) +
                  "\" height=\"" + number(bar_height) + "\" data-name=\"" + xml_escape(a.name) +
                  "\" data-size=\"" + std::to_string(a.size) + "\"><title>" +
                  xml_escape(allocation_tooltip(a)) + "</title></rect>\n";
        const std::string label_text =
            a.name.empty() ? format_bytes(a.size) : a.name + " \xC2\xB7 " + format_bytes(a.size);
        std::string label = fit_label(label_text, width);
        if (label.empty() && !a.name.empty()) label = fit_label(a.name, width);
        if (!label.empty()) {
            text(x + 3, y + bar_height / 2 + 4, label,
                 (std::string("on-") + kind_class(a.kind)).c_str());
        }
    }

    void memory_type(const MemoryTypeMap &type) {
        std::uint64_t allocations = type.dedicated.size();
        vk::DeviceSize used = 0;
        vk::DeviceSize block_bytes = 0;
        for (const auto &block : type.blocks) {
            allocations += block.allocations.size();
            block_bytes += block.size;
            for (const auto &a : block.allocations) used += a.size;
        }
        vk::DeviceSize dedicated_bytes = 0;
        vk::DeviceSize largest_dedicated = 0;
        for (const auto &a : type.dedicated) {
            dedicated_bytes += a.size;
            largest_dedicated = std::max(largest_dedicated, a.size);
        }
        m_y += 26;
        text(margin, m_y,
             "Memory type " + std::to_string(type.type_index) + " \xC2\xB7 " +
                 memory_flags_text(type.flags) + " \xC2\xB7 heap " +
                 std::to_string(type.heap_index),
             "section");
        m_y += 18;
        text(margin, m_y,
             format_count(type.blocks.size()) + " blocks (" + format_bytes(block_bytes) +
                 ") holding " + format_count(allocations - type.dedicated.size()) +
                 " allocations (" + format_bytes(used) + "); " +
                 format_count(type.dedicated.size()) + " dedicated allocations (" +
                 format_bytes(dedicated_bytes) + ")",
             "note");
        m_y += 8;

        // Each block gets a full row, to scale within itself: the small blocks that hold
        // thousands of allocations are the ones worth reading.
        for (const MemoryBlock &each : type.blocks) {
            const double scale = static_cast<double>(m_inner) /
                                 static_cast<double>(std::max<vk::DeviceSize>(each.size, 1));
            block(each, margin, m_y, m_inner, scale);
            m_y += 16 + bar_height + gap;
        }
        if (!type.dedicated.empty()) {
            m_y += 10;
            text(margin, m_y, "Dedicated allocations (each its own VkDeviceMemory, to one scale)",
                 "note");
            m_y += 6;
            const double scale =
                static_cast<double>(m_inner) / static_cast<double>(largest_dedicated);
            std::vector<double> widths;
            for (const auto &a : type.dedicated) {
                widths.push_back(std::max(3.0, static_cast<double>(a.size) * scale));
            }
            const std::vector<Placed> placed = flow(widths, bar_height + gap);
            for (std::size_t i = 0; i < type.dedicated.size(); ++i) {
                allocation_rect(type.dedicated[i], placed[i].x, placed[i].y, widths[i]);
                m_body += "<rect class=\"block\" x=\"" + number(placed[i].x) + "\" y=\"" +
                          number(placed[i].y) + "\" width=\"" + number(widths[i]) +
                          "\" height=\"" + number(bar_height) + "\"/>\n";
            }
        }
    }

    void block(const MemoryBlock &block, double x, double y, double width, double scale) {
        vk::DeviceSize used = 0;
        for (const auto &a : block.allocations) used += a.size;
        const double percent =
            block.size == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(block.size);
        const std::string pool =
            block.pool ? (block.pool->empty() ? std::string("unnamed pool")
                                              : "pool '" + *block.pool + "'")
                       : std::string();
        const std::string caption = "Block " + std::to_string(block.id) + " \xC2\xB7 " +
                                    (pool.empty() ? std::string() : pool + " \xC2\xB7 ") +
                                    format_bytes(block.size) + " \xC2\xB7 " +
                                    format_count(block.allocations.size()) + " allocations, " +
                                    percent_text(percent) + " used";
        const std::string label = fit_label(caption, width + 8);
        if (!label.empty()) text(x, y + 12, label, "label");
        const double top = y + 16;
        m_body += "<rect class=\"free\" x=\"" + number(x) + "\" y=\"" + number(top) +
                  "\" width=\"" + number(width) + "\" height=\"" + number(bar_height) + "\"/>\n";
        const double end = x + width;
        for (const FreeRange &range : block.free_ranges) {
            const double fx = x + static_cast<double>(range.offset) * scale;
            const double fw = std::min(end - fx, static_cast<double>(range.size) * scale);
            if (fw <= 0) continue;
            m_body += "<rect class=\"free\" x=\"" + number(fx) + "\" y=\"" + number(top) +
                      "\" width=\"" + number(fw) + "\" height=\"" + number(bar_height) +
                      "\"><title>free: " + format_bytes(range.size) + " at offset " +
                      std::to_string(range.offset) + "</title></rect>\n";
        }
        for (const AllocationRecord &a : block.allocations) {
            const double ax = std::min(end - 1.0, x + static_cast<double>(a.offset) * scale);
            const double aw = std::clamp(static_cast<double>(a.size) * scale, 1.0, end - ax);
            allocation_rect(a, ax, top, aw);
        }
        m_body += "<rect class=\"block\" x=\"" + number(x) + "\" y=\"" + number(top) +
                  "\" width=\"" + number(width) + "\" height=\"" + number(bar_height) +
                  "\"><title>block " + std::to_string(block.id) +
                  (pool.empty() ? std::string() : " (" + xml_escape(pool) + ")") + ": " +
                  format_bytes(block.size) + "</title></rect>\n";
    }

    const MemoryMap &m_map;
    std::uint32_t m_width;
    std::uint32_t m_inner;
    std::string m_title;
    std::string m_body;
    double m_y = 0;
};

} // namespace

std::string memory_map_svg(const MemoryMap &map, const SvgOptions &options) {
    return SvgWriter(map, options).document();
}

} // namespace vw::detail
