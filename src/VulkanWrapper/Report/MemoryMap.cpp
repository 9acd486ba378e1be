#include "VulkanWrapper/Report/MemoryMap.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "AllocationReport.h"
#include "SvgWriter.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {

const char *to_string(ResourceKind kind) noexcept {
    switch (kind) {
    case ResourceKind::Buffer: return "buffer";
    case ResourceKind::ImageOptimal: return "image (optimal)";
    case ResourceKind::ImageLinear: return "image (linear)";
    case ResourceKind::ImageUnknown: return "image";
    case ResourceKind::Unknown: break;
    }
    return "unknown";
}

namespace {

using Json = nlohmann::json;

// Where a value sits in the document, for error messages only: a chain of stack frames, so
// reading a well-formed document builds no strings.
struct JsonPath {
    const JsonPath *parent = nullptr;
    std::string_view key;
    std::size_t index = 0;
    bool is_index = false;

    [[nodiscard]] JsonPath member(std::string_view name) const { return {this, name, 0, false}; }
    [[nodiscard]] JsonPath element(std::size_t i) const { return {this, {}, i, true}; }

    // "/DefaultPools/Type 0/Blocks/3/Suballocations/17/Size", JSON-pointer style (unescaped).
    [[nodiscard]] std::string text() const {
        if (parent == nullptr) return "the document";
        std::string out;
        append_to(out);
        return out;
    }

private:
    void append_to(std::string &out) const {
        if (parent == nullptr) return;
        parent->append_to(out);
        out += '/';
        if (is_index) {
            out += std::to_string(index);
        } else {
            out += key;
        }
    }
};

[[noreturn]] void fail(const JsonPath &path, std::string_view problem) {
    throw LogicError("MemoryMap: VMA's statistics JSON: " + path.text() + " " +
                     std::string(problem) +
                     " (VulkanWrapper reads the shape VMA 3.x writes; see docs/statistics.md)");
}

const char *json_type_name(const Json &value) {
    switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    case Json::value_t::binary:
    case Json::value_t::discarded: break;
    }
    return "not a JSON value";
}

const Json *find_member(const Json &object, std::string_view key) {
    const auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
}

const Json &require(const Json &object, const JsonPath &path, std::string_view key,
                    Json::value_t type, const char *expected) {
    const Json *member = find_member(object, key);
    if (member == nullptr) fail(path.member(key), "is missing");
    if (member->type() != type) {
        fail(path.member(key),
             std::string("is ") + json_type_name(*member) + ", not " + expected);
    }
    return *member;
}

const Json &require_object(const Json &object, const JsonPath &path, std::string_view key) {
    return require(object, path, key, Json::value_t::object, "an object");
}

const Json &require_array(const Json &object, const JsonPath &path, std::string_view key) {
    return require(object, path, key, Json::value_t::array, "an array");
}

// nlohmann keeps integers that fit as exact 64-bit values and turns everything else (a
// fraction, an exponent, an integer past 2^64 - 1) into a double; converting such a double to
// an integer would be undefined behaviour past the range, so only exact unsigned values pass.
std::uint64_t to_unsigned(const Json &value, const JsonPath &path) {
    if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    if (value.is_number()) {
        fail(path, "is " + value.dump() +
                       ", not a non-negative integer that fits in 64 bits (at most "
                       "18446744073709551615)");
    }
    fail(path, std::string("is ") + json_type_name(value) + ", not an unsigned integer");
}

std::uint64_t require_unsigned(const Json &object, const JsonPath &path, std::string_view key) {
    const Json *member = find_member(object, key);
    if (member == nullptr) fail(path.member(key), "is missing");
    return to_unsigned(*member, path.member(key));
}

std::uint64_t optional_unsigned(const Json &object, const JsonPath &path, std::string_view key) {
    const Json *member = find_member(object, key);
    return member == nullptr ? 0 : to_unsigned(*member, path.member(key));
}

const std::string &require_string(const Json &object, const JsonPath &path,
                                  std::string_view key) {
    return require(object, path, key, Json::value_t::string, "a string")
        .get_ref<const std::string &>();
}

std::uint32_t to_index(std::string_view digits, const JsonPath &path, std::string_view what) {
    std::uint32_t value = 0;
    const char *last = digits.data() + digits.size();
    const auto [end, error] = std::from_chars(digits.data(), last, value);
    if (digits.empty() || error != std::errc() || end != last) {
        fail(path, "has the key \"" + std::string(digits) + "\", whose " + std::string(what) +
                       " is not a decimal number that fits in 32 bits");
    }
    return value;
}

// "Type 3" -> 3, VMA's keys for memory types; std::nullopt for keys of another form, which
// a later VMA may add and the map does not need.
std::optional<std::uint32_t> type_index_from_key(std::string_view key, const JsonPath &path) {
    constexpr std::string_view prefix = "Type ";
    if (!key.starts_with(prefix)) return std::nullopt;
    return to_index(key.substr(prefix.size()), path, "memory type index");
}

ResourceKind kind_from_vma(std::string_view type) {
    if (type == "BUFFER") return ResourceKind::Buffer;
    if (type == "IMAGE_OPTIMAL") return ResourceKind::ImageOptimal;
    if (type == "IMAGE_LINEAR") return ResourceKind::ImageLinear;
    if (type == "IMAGE_UNKNOWN") return ResourceKind::ImageUnknown;
    return ResourceKind::Unknown;
}

AllocationRecord record_from_vma(const Json &entry, const JsonPath &path,
                                 const MemoryTypeMap &type) {
    AllocationRecord record;
    if (const Json *name = find_member(entry, "Name")) {
        if (!name->is_string()) {
            fail(path.member("Name"), std::string("is ") + json_type_name(*name) + ", not a string");
        }
        record.name = name->get_ref<const std::string &>();
    }
    record.kind = kind_from_vma(require_string(entry, path, "Type"));
    record.size = require_unsigned(entry, path, "Size");
    record.memory_type = type.type_index;
    record.heap = type.heap_index;
    record.usage = optional_unsigned(entry, path, "Usage");
    return record;
}

void read_block_vector(const Json &pool, const JsonPath &path, MemoryTypeMap &type) {
    if (!pool.is_object()) fail(path, std::string("is ") + json_type_name(pool) + ", not an object");
    const JsonPath blocks_path = path.member("Blocks");
    for (const auto &[key, block_json] : require_object(pool, path, "Blocks").items()) {
        const JsonPath block_path = blocks_path.member(key);
        if (!block_json.is_object()) {
            fail(block_path, std::string("is ") + json_type_name(block_json) + ", not an object");
        }
        MemoryBlock block;
        block.id = to_index(key, blocks_path, "block id");
        block.size = require_unsigned(block_json, block_path, "TotalBytes");
        const JsonPath entries_path = block_path.member("Suballocations");
        const Json &entries = require_array(block_json, block_path, "Suballocations");
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const Json &entry = entries[i];
            const JsonPath entry_path = entries_path.element(i);
            if (!entry.is_object()) {
                fail(entry_path, std::string("is ") + json_type_name(entry) + ", not an object");
            }
            const vk::DeviceSize offset = require_unsigned(entry, entry_path, "Offset");
            if (require_string(entry, entry_path, "Type") == "FREE") {
                block.free_ranges.push_back(
                    {offset, require_unsigned(entry, entry_path, "Size")});
                continue;
            }
            AllocationRecord record = record_from_vma(entry, entry_path, type);
            record.offset = offset;
            record.block_id = block.id;
            block.allocations.push_back(std::move(record));
        }
        // VMA writes them in offset order; sorted anyway, since the map promises the order
        // whatever wrote the document.
        std::stable_sort(block.allocations.begin(), block.allocations.end(),
                         [](const auto &a, const auto &b) { return a.offset < b.offset; });
        std::stable_sort(block.free_ranges.begin(), block.free_ranges.end(),
                         [](const auto &a, const auto &b) { return a.offset < b.offset; });
        type.blocks.push_back(std::move(block));
    }
    const JsonPath dedicated_path = path.member("DedicatedAllocations");
    const Json &dedicated = require_array(pool, path, "DedicatedAllocations");
    for (std::size_t i = 0; i < dedicated.size(); ++i) {
        const JsonPath entry_path = dedicated_path.element(i);
        if (!dedicated[i].is_object()) {
            fail(entry_path, std::string("is ") + json_type_name(dedicated[i]) + ", not an object");
        }
        AllocationRecord record = record_from_vma(dedicated[i], entry_path, type);
        record.dedicated = true;
        type.dedicated.push_back(std::move(record));
    }
}

// VMA names a custom pool "<index within its memory type>" or "<index> - <name>".
std::string pool_name(const Json &pool, const JsonPath &path) {
    if (find_member(pool, "Name") == nullptr) return {};
    const std::string &name = require_string(pool, path, "Name");
    const std::size_t separator = name.find(" - ");
    return separator == std::string::npos ? std::string() : name.substr(separator + 3);
}

Json parse_document(std::string_view text) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error &error) {
        // nlohmann's exception types are the library's private business: callers see ours.
        throw LogicError(std::string("MemoryMap: VMA's statistics are not valid JSON: ") +
                         error.what());
    }
}

} // namespace

MemoryMap MemoryMap::from_json(std::string_view vma_json,
                               const vk::PhysicalDeviceMemoryProperties &memory,
                               std::vector<HeapBudget> budgets) {
    const Json root = parse_document(vma_json);
    const JsonPath root_path;
    if (!root.is_object()) {
        fail(root_path, std::string("is ") + json_type_name(root) + ", not an object");
    }
    MemoryMap map;
    if (const Json *general = find_member(root, "General"); general != nullptr &&
                                                            general->is_object()) {
        if (const Json *gpu = find_member(*general, "GPU"); gpu != nullptr && gpu->is_string()) {
            map.m_device_name = gpu->get_ref<const std::string &>();
        }
    }
    map.m_budgets = std::move(budgets);

    std::map<std::uint32_t, MemoryTypeMap> types;
    const auto type_map = [&](std::uint32_t index, const JsonPath &path) -> MemoryTypeMap & {
        if (index >= memory.memoryTypeCount) {
            fail(path, "names memory type " + std::to_string(index) + ", but the device has " +
                           std::to_string(memory.memoryTypeCount) + " memory types");
        }
        MemoryTypeMap &type = types[index];
        type.type_index = index;
        type.heap_index = memory.memoryTypes[index].heapIndex;
        type.flags = memory.memoryTypes[index].propertyFlags;
        return type;
    };

    const JsonPath pools_path = root_path.member("DefaultPools");
    for (const auto &[key, pool] : require_object(root, root_path, "DefaultPools").items()) {
        const JsonPath pool_path = pools_path.member(key);
        if (const auto index = type_index_from_key(key, pools_path)) {
            read_block_vector(pool, pool_path, type_map(*index, pool_path));
        }
    }
    if (const Json *custom = find_member(root, "CustomPools")) {
        const JsonPath custom_path = root_path.member("CustomPools");
        if (!custom->is_object()) {
            fail(custom_path, std::string("is ") + json_type_name(*custom) + ", not an object");
        }
        for (const auto &[key, pools] : custom->items()) {
            const JsonPath list_path = custom_path.member(key);
            const auto index = type_index_from_key(key, custom_path);
            if (!index) continue;
            if (!pools.is_array()) {
                fail(list_path, std::string("is ") + json_type_name(pools) + ", not an array");
            }
            MemoryTypeMap &type = type_map(*index, list_path);
            for (std::size_t i = 0; i < pools.size(); ++i) {
                const JsonPath pool_path = list_path.element(i);
                const std::size_t first_block = type.blocks.size();
                const std::size_t first_dedicated = type.dedicated.size();
                read_block_vector(pools[i], pool_path, type);
                PoolStatistics statistics;
                statistics.name = pool_name(pools[i], pool_path);
                statistics.memory_type = *index;
                if (find_member(pools[i], "PreferredBlockSize") != nullptr) {
                    statistics.block_size = require_unsigned(pools[i], pool_path, "PreferredBlockSize");
                }
                for (std::size_t b = first_block; b < type.blocks.size(); ++b) {
                    MemoryBlock &block = type.blocks[b];
                    block.pool = statistics.name;
                    ++statistics.memory.block_count;
                    statistics.memory.block_bytes += block.size;
                    for (AllocationRecord &a : block.allocations) {
                        a.pool = statistics.name;
                        ++statistics.memory.allocation_count;
                        statistics.memory.allocation_bytes += a.size;
                    }
                }
                for (std::size_t d = first_dedicated; d < type.dedicated.size(); ++d) {
                    AllocationRecord &a = type.dedicated[d];
                    a.pool = statistics.name;
                    ++statistics.memory.block_count;
                    statistics.memory.block_bytes += a.size;
                    ++statistics.memory.allocation_count;
                    statistics.memory.allocation_bytes += a.size;
                }
                map.m_pools.push_back(std::move(statistics));
            }
        }
    }
    for (auto &[index, type] : types) {
        if (type.blocks.empty() && type.dedicated.empty()) continue;
        std::stable_sort(type.blocks.begin(), type.blocks.end(),
                         [](const auto &a, const auto &b) { return a.id < b.id; });
        map.m_types.push_back(std::move(type));
    }
    return map;
}

MemoryMap::MemoryMap(const Allocator &allocator) {
    // The JSON first, then the budget, as two separate statements: the snapshot's budget is
    // never older than its allocations.
    const std::string text = allocator.json(true);
    std::vector<HeapBudget> budgets = allocator.budget();
    const PhysicalDevice &physical = allocator.device()->physical_device();
    *this = from_json(text, physical.memory_properties(), std::move(budgets));
    m_device_name = std::string(physical.name());
}

std::vector<AllocationRecord> MemoryMap::allocations() const {
    std::vector<AllocationRecord> all;
    for (const auto &type : m_types) {
        for (const auto &block : type.blocks) {
            all.insert(all.end(), block.allocations.begin(), block.allocations.end());
        }
        all.insert(all.end(), type.dedicated.begin(), type.dedicated.end());
    }
    std::stable_sort(all.begin(), all.end(), [](const auto &a, const auto &b) {
        if (a.size != b.size) return a.size > b.size;
        return a.name < b.name;
    });
    return all;
}

MemoryStatistics MemoryMap::totals() const noexcept {
    MemoryStatistics totals;
    for (const auto &type : m_types) {
        for (const auto &block : type.blocks) {
            ++totals.block_count;
            totals.block_bytes += block.size;
            for (const auto &a : block.allocations) {
                ++totals.allocation_count;
                totals.allocation_bytes += a.size;
            }
        }
        for (const auto &a : type.dedicated) {
            ++totals.block_count;
            totals.block_bytes += a.size;
            ++totals.allocation_count;
            totals.allocation_bytes += a.size;
        }
    }
    return totals;
}

std::string MemoryMap::report(std::size_t max_rows) const {
    return detail::allocation_report(*this, max_rows);
}

std::string MemoryMap::svg(const SvgOptions &options) const {
    return detail::memory_map_svg(*this, options);
}

} // namespace vw
