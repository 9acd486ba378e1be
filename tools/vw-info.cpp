// vw-info: lists the Vulkan devices with their memory layout, budgets, queue families and
// memory limits, and marks the device DeviceFinder would choose; --demo runs the allocator page
// end to end and draws the memory map; --bench measures upload and readback bandwidth.
// `vw-info --help` for the options.

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <vulkan/vulkan.hpp>

#include "VwInfoDemo.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view usage_text =
    "Usage: vw-info [--demo | --bench] [--json] [--device <index|name>] [--validate]\n"
    "               [--out <directory>]\n"
    "\n"
    "Lists the Vulkan devices: memory heaps with their budgets, memory types, queue families,\n"
    "memory limits and memory-related extensions, and marks the device VulkanWrapper's\n"
    "DeviceFinder would choose.\n"
    "\n"
    "Modes:\n"
    "  --demo                  run the allocator page end to end on the chosen device (buffers,\n"
    "                          images, a verified staging upload and readback, a thousand small\n"
    "                          buffers and a few large ones), print the statistics and the\n"
    "                          largest live allocations, and write vw-memory.json (VMA's detailed\n"
    "                          statistics) and vw-memory-map.svg (the memory map)\n"
    "  --bench                 measure upload and readback bandwidth (16, 64 and 256 MiB) beside\n"
    "                          a one-thread memcpy, with a progress line on stderr\n"
    "\n"
    "Options:\n"
    "  --json                  print one JSON document instead of text\n"
    "  --device <index|name>   the device with this index, or whose name contains this text\n"
    "                          (case-insensitive); same meaning as VW_DEVICE\n"
    "  --validate              enable the Khronos validation layer (with --demo or --bench, its\n"
    "                          errors make the exit status 1)\n"
    "  --out <directory>       where --demo writes its files (default: the current directory)\n"
    "  -h, --help              print this help and exit\n"
    "\n"
    "Environment:\n"
    "  VW_DEVICE               overrides DeviceFinder's choice (index or part of the name)\n"
    "\n"
    "Progress goes to stderr, results to stdout.\n"
    "Exit status: 0 on success, 1 on error, 2 on a usage error.\n";

constexpr std::array memory_extensions{
    std::string_view{"VK_EXT_memory_budget"},
    std::string_view{"VK_EXT_external_memory_host"},
    std::string_view{"VK_KHR_buffer_device_address"},
    std::string_view{"VK_EXT_memory_priority"},
};

/// A bad command line: usage goes to stderr, exit status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Options {
    bool json = false;
    bool validate = false;
    bool help = false;
    bool demo = false;
    bool bench = false;
    std::optional<std::string> device;
    std::optional<std::string> out;
};

Options parse_options(int argc, char **argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--json") {
            options.json = true;
        } else if (arg == "--validate") {
            options.validate = true;
        } else if (arg == "--demo") {
            options.demo = true;
        } else if (arg == "--bench") {
            options.bench = true;
        } else if (arg == "--out") {
            if (i + 1 >= argc) throw UsageError("option '--out' needs an argument");
            options.out = argv[++i];
        } else if (arg.starts_with("--out=")) {
            options.out = std::string(arg.substr(std::string_view("--out=").size()));
        } else if (arg == "--help" || arg == "-h") {
            options.help = true;
        } else if (arg == "--device") {
            if (i + 1 >= argc) throw UsageError("option '--device' needs an argument");
            options.device = argv[++i];
        } else if (arg.starts_with("--device=")) {
            options.device = std::string(arg.substr(std::string_view("--device=").size()));
        } else if (arg.starts_with("-")) {
            throw UsageError("unknown option '" + std::string(arg) + "'");
        } else {
            throw UsageError("unexpected argument '" + std::string(arg) + "'");
        }
    }
    if (options.device && options.device->empty()) {
        throw UsageError("option '--device' needs a non-empty argument");
    }
    if (options.demo && options.bench) throw UsageError("choose one of --demo and --bench");
    if (options.out && options.out->empty()) {
        throw UsageError("option '--out' needs a non-empty argument");
    }
    if (options.out && !options.demo) throw UsageError("option '--out' goes with --demo");
    return options;
}

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return result;
}

/// True when `spec` (an index, or a case-insensitive part of the name) names `device`, the
/// way VW_DEVICE does.
bool device_matches(const vw::PhysicalDevice &device, std::string_view spec) {
    std::uint32_t index = 0;
    const char *end = spec.data() + spec.size();
    const auto [ptr, ec] = std::from_chars(spec.data(), end, index);
    if (ec == std::errc{} && ptr == end) return device.index() == index;
    return lowercase(device.name()).find(lowercase(spec)) != std::string::npos;
}

struct FlagName {
    std::uint32_t bit;
    std::string_view name;
};

constexpr std::array heap_flag_names{
    FlagName{0x001, "DEVICE_LOCAL"},
    FlagName{0x002, "MULTI_INSTANCE"},
};

constexpr std::array memory_property_names{
    FlagName{0x001, "DEVICE_LOCAL"},        FlagName{0x002, "HOST_VISIBLE"},
    FlagName{0x004, "HOST_COHERENT"},       FlagName{0x008, "HOST_CACHED"},
    FlagName{0x010, "LAZILY_ALLOCATED"},    FlagName{0x020, "PROTECTED"},
    FlagName{0x040, "DEVICE_COHERENT_AMD"}, FlagName{0x080, "DEVICE_UNCACHED_AMD"},
    FlagName{0x100, "RDMA_CAPABLE_NV"},
};

constexpr std::array queue_flag_names{
    FlagName{0x001, "GRAPHICS"},     FlagName{0x002, "COMPUTE"},
    FlagName{0x004, "TRANSFER"},     FlagName{0x008, "SPARSE_BINDING"},
    FlagName{0x010, "PROTECTED"},    FlagName{0x020, "VIDEO_DECODE"},
    FlagName{0x040, "VIDEO_ENCODE"}, FlagName{0x100, "OPTICAL_FLOW"},
};

std::string hex(std::uint32_t value) {
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
}

/// The names of the bits set in `mask`; bits without a name are spelled in hex.
template <std::size_t N>
std::vector<std::string> flag_names(std::uint32_t mask, const std::array<FlagName, N> &names) {
    std::vector<std::string> result;
    for (const auto &flag : names) {
        if ((mask & flag.bit) != 0) {
            result.emplace_back(flag.name);
            mask &= ~flag.bit;
        }
    }
    for (std::uint32_t bit = 1; bit != 0; bit <<= 1) {
        if ((mask & bit) != 0) result.push_back(hex(bit));
    }
    return result;
}

std::string join_flags(const std::vector<std::string> &flags) {
    if (flags.empty()) return "{}";
    std::string result;
    for (const auto &flag : flags) {
        if (!result.empty()) result += '|';
        result += flag;
    }
    return result;
}

std::vector<std::string> heap_flags(vk::MemoryHeapFlags flags) {
    return flag_names(static_cast<std::uint32_t>(flags), heap_flag_names);
}

std::vector<std::string> memory_property_flags(vk::MemoryPropertyFlags flags) {
    return flag_names(static_cast<std::uint32_t>(flags), memory_property_names);
}

std::vector<std::string> queue_flags(vk::QueueFlags flags) {
    return flag_names(static_cast<std::uint32_t>(flags), queue_flag_names);
}

/// "8.00 GiB", "512.00 MiB", "4.00 KiB" or "17 B".
std::string human_size(std::uint64_t bytes) {
    constexpr std::uint64_t kib = 1024;
    constexpr std::uint64_t mib = kib * 1024;
    constexpr std::uint64_t gib = mib * 1024;
    constexpr std::uint64_t tib = gib * 1024;
    const auto scaled = [bytes](std::uint64_t unit) {
        return static_cast<double>(bytes) / static_cast<double>(unit);
    };
    std::array<char, 64> buffer{};
    if (bytes >= tib) {
        std::snprintf(buffer.data(), buffer.size(), "%.2f TiB", scaled(tib));
    } else if (bytes >= gib) {
        std::snprintf(buffer.data(), buffer.size(), "%.2f GiB", scaled(gib));
    } else if (bytes >= mib) {
        std::snprintf(buffer.data(), buffer.size(), "%.2f MiB", scaled(mib));
    } else if (bytes >= kib) {
        std::snprintf(buffer.data(), buffer.size(), "%.2f KiB", scaled(kib));
    } else {
        return std::to_string(bytes) + " B";
    }
    return buffer.data();
}

/// A stable token for JSON ("DISCRETE_GPU", "CPU", ...).
std::string_view type_token(vk::PhysicalDeviceType type) {
    switch (type) {
    case vk::PhysicalDeviceType::eDiscreteGpu: return "DISCRETE_GPU";
    case vk::PhysicalDeviceType::eIntegratedGpu: return "INTEGRATED_GPU";
    case vk::PhysicalDeviceType::eVirtualGpu: return "VIRTUAL_GPU";
    case vk::PhysicalDeviceType::eCpu: return "CPU";
    case vk::PhysicalDeviceType::eOther: return "OTHER";
    }
    return "OTHER";
}

std::string_view vendor_name(std::uint32_t vendor_id) {
    switch (vendor_id) {
    case 0x1002: return "AMD";
    case 0x1010: return "Imagination";
    case 0x106b: return "Apple";
    case 0x10de: return "NVIDIA";
    case 0x13b5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x8086: return "Intel";
    case 0x10005: return "Mesa";
    default: return "";
    }
}

/// Every memory limit, in declaration order; optional ones only when the device reports them.
std::vector<std::pair<std::string_view, std::uint64_t>> limit_entries(const vw::MemoryLimits &l) {
    std::vector<std::pair<std::string_view, std::uint64_t>> entries{
        {"max_memory_allocation_count", l.max_memory_allocation_count},
        {"buffer_image_granularity", l.buffer_image_granularity},
        {"non_coherent_atom_size", l.non_coherent_atom_size},
        {"min_memory_map_alignment", static_cast<std::uint64_t>(l.min_memory_map_alignment)},
        {"min_uniform_buffer_offset_alignment", l.min_uniform_buffer_offset_alignment},
        {"min_storage_buffer_offset_alignment", l.min_storage_buffer_offset_alignment},
        {"optimal_buffer_copy_offset_alignment", l.optimal_buffer_copy_offset_alignment},
        {"optimal_buffer_copy_row_pitch_alignment", l.optimal_buffer_copy_row_pitch_alignment},
        {"max_uniform_buffer_range", l.max_uniform_buffer_range},
        {"max_storage_buffer_range", l.max_storage_buffer_range},
        {"sparse_address_space_size", l.sparse_address_space_size},
    };
    if (l.max_memory_allocation_size) {
        entries.emplace_back("max_memory_allocation_size", *l.max_memory_allocation_size);
    }
    if (l.max_buffer_size) entries.emplace_back("max_buffer_size", *l.max_buffer_size);
    if (l.min_imported_host_pointer_alignment) {
        entries.emplace_back("min_imported_host_pointer_alignment",
                             *l.min_imported_host_pointer_alignment);
    }
    return entries;
}

/// Which device DeviceFinder (with default requirements) chooses, or why it chooses none.
struct Choice {
    std::optional<std::uint32_t> index;
    std::string error;
};

Choice find_choice(vw::Instance &instance) {
    try {
        return {instance.findGpu().find().chosen().index(), {}};
    } catch (const vw::Exception &e) {
        return {std::nullopt, e.message()}; // what a user acts on; the library's location is not
    }
}

/// A heap's budget and usage for this process: from VK_EXT_memory_budget when the device has
/// it, else VMA's estimate (80% of the heap, nothing used), flagged as such.
struct HeapBudgetInfo {
    std::uint64_t budget = 0;
    std::uint64_t usage = 0;
    bool estimate = true;
};

std::vector<HeapBudgetInfo> heap_budgets(const vw::Instance &instance,
                                         const vw::PhysicalDevice &device) {
    const auto &memory = device.memory_properties();
    std::vector<HeapBudgetInfo> budgets(memory.memoryHeapCount);
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        budgets[i].budget = memory.memoryHeaps[i].size / 10 * 8;
    }
    const auto query = instance.dispatcher().vkGetPhysicalDeviceMemoryProperties2;
    if (!device.has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME) || query == nullptr ||
        device.api_version() < VK_API_VERSION_1_1) {
        return budgets;
    }
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
    budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
    VkPhysicalDeviceMemoryProperties2 properties{};
    properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
    properties.pNext = &budget;
    query(device.handle(), &properties);
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        budgets[i] = {budget.heapBudget[i], budget.heapUsage[i], false};
    }
    return budgets;
}

std::vector<const vw::DeviceCandidate *>
select_devices(const std::vector<vw::DeviceCandidate> &candidates,
               const std::optional<std::string> &spec) {
    std::vector<const vw::DeviceCandidate *> selected;
    for (const auto &candidate : candidates) {
        if (!spec || device_matches(candidate.device, *spec)) selected.push_back(&candidate);
    }
    if (spec && selected.empty()) {
        std::string message = "no Vulkan device matches --device " + *spec + "; devices:";
        if (candidates.empty()) message += " none";
        for (const auto &candidate : candidates) {
            message += " [" + std::to_string(candidate.device.index()) + "] " +
                       std::string(candidate.device.name()) + ";";
        }
        if (message.back() == ';') message.pop_back();
        throw std::runtime_error(message);
    }
    return selected;
}

Json device_json(const vw::Instance &instance, const vw::DeviceCandidate &candidate,
                 const Choice &choice) {
    const vw::PhysicalDevice &device = candidate.device;
    const auto &properties = device.properties();
    const auto &memory = device.memory_properties();

    Json json;
    json["index"] = device.index();
    json["name"] = std::string(device.name());
    json["type"] = std::string(type_token(device.type()));
    json["api_version"] = vw::version_to_string(device.api_version());
    json["driver_version"] = device.driver_version();
    json["driver_name"] =
        device.driver_name().empty() ? Json(nullptr) : Json(std::string(device.driver_name()));
    json["driver_info"] =
        device.driver_info().empty() ? Json(nullptr) : Json(std::string(device.driver_info()));
    json["vendor_id"] = properties.vendorID;
    json["device_id"] = properties.deviceID;
    json["chosen"] = choice.index == device.index();
    json["rejections"] = candidate.rejections;

    json["heaps"] = Json::array();
    const auto budgets = heap_budgets(instance, device);
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        const auto &heap = memory.memoryHeaps[i];
        json["heaps"].push_back(Json{{"index", i},
                                     {"size", heap.size},
                                     {"flags", heap_flags(heap.flags)},
                                     {"budget", budgets[i].budget},
                                     {"usage", budgets[i].usage},
                                     {"budget_is_estimate", budgets[i].estimate}});
    }
    json["memory_types"] = Json::array();
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        const auto &type = memory.memoryTypes[i];
        json["memory_types"].push_back(Json{{"index", i},
                                            {"heap", type.heapIndex},
                                            {"flags", memory_property_flags(type.propertyFlags)}});
    }
    json["queue_families"] = Json::array();
    const auto &families = device.queue_families();
    for (std::size_t i = 0; i < families.size(); ++i) {
        const auto &family = families[i];
        json["queue_families"].push_back(Json{{"index", i},
                                              {"count", family.queueCount},
                                              {"flags", queue_flags(family.queueFlags)},
                                              {"timestamp_valid_bits", family.timestampValidBits}});
    }
    json["limits"] = Json::object();
    for (const auto &[name, value] : limit_entries(device.memory_limits())) {
        json["limits"][std::string(name)] = value;
    }
    json["extensions"] = Json::object();
    for (const auto name : memory_extensions) {
        json["extensions"][std::string(name)] = device.has_extension(name);
    }
    return json;
}

void print_json(std::ostream &out, const vw::Instance &instance,
                const std::vector<const vw::DeviceCandidate *> &devices, const Choice &choice) {
    Json json;
    json["loader_version"] = vw::version_to_string(instance.loader_version());
    json["chosen_error"] = choice.index ? Json(nullptr) : Json(choice.error);
    json["devices"] = Json::array();
    for (const auto *candidate : devices) {
        json["devices"].push_back(device_json(instance, *candidate, choice));
    }
    // Driver strings are not guaranteed UTF-8: replace bad bytes rather than throw.
    out << json.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void print_device_text(std::ostream &out, const vw::Instance &instance,
                       const vw::DeviceCandidate &candidate, const Choice &choice) {
    const vw::PhysicalDevice &device = candidate.device;
    const auto &properties = device.properties();
    const auto &memory = device.memory_properties();
    const auto field = [&out](std::string_view name) -> std::ostream & {
        return out << "  " << std::left << std::setw(16) << (std::string(name) + ":") << ' ';
    };

    out << '\n' << "Device " << device.index() << ": " << device.name();
    if (choice.index == device.index()) out << "  [chosen by DeviceFinder]";
    out << '\n';
    field("type") << vw::device_type_name(device.type()) << '\n';
    field("api version") << vw::version_to_string(device.api_version()) << '\n';
    field("driver version") << device.driver_version() << '\n';
    if (!device.driver_name().empty()) field("driver name") << device.driver_name() << '\n';
    if (!device.driver_info().empty()) field("driver info") << device.driver_info() << '\n';
    field("vendor id") << hex(properties.vendorID);
    if (const auto vendor = vendor_name(properties.vendorID); !vendor.empty()) {
        out << " (" << vendor << ')';
    }
    out << '\n';
    field("device id") << hex(properties.deviceID) << '\n';

    out << "  memory heaps:\n";
    const auto budgets = heap_budgets(instance, device);
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        const auto &heap = memory.memoryHeaps[i];
        out << "    heap " << i << ": " << human_size(heap.size) << " (" << heap.size
            << " bytes) " << join_flags(heap_flags(heap.flags)) << '\n';
        out << "            budget " << human_size(budgets[i].budget);
        if (budgets[i].estimate) {
            out << " (estimated: 80% of the heap; no VK_EXT_memory_budget)\n";
        } else {
            out << ", in use " << human_size(budgets[i].usage) << " (VK_EXT_memory_budget)\n";
        }
    }
    out << "  memory types:\n";
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        const auto &type = memory.memoryTypes[i];
        out << "    type " << i << ": heap " << type.heapIndex << ' '
            << join_flags(memory_property_flags(type.propertyFlags)) << '\n';
    }
    out << "  queue families:\n";
    const auto &families = device.queue_families();
    for (std::size_t i = 0; i < families.size(); ++i) {
        const auto &family = families[i];
        out << "    family " << i << ": " << family.queueCount
            << (family.queueCount == 1 ? " queue  " : " queues ")
            << join_flags(queue_flags(family.queueFlags))
            << " timestampValidBits=" << family.timestampValidBits << '\n';
    }
    out << "  memory limits:\n";
    for (const auto &[name, value] : limit_entries(device.memory_limits())) {
        out << "    " << std::left << std::setw(41) << (std::string(name) + ":") << ' ' << value
            << '\n';
    }
    out << "  memory extensions:\n";
    for (const auto name : memory_extensions) {
        out << "    " << std::left << std::setw(29) << (std::string(name) + ":") << ' '
            << (device.has_extension(name) ? "yes" : "no") << '\n';
    }
    if (candidate.rejections.empty()) {
        out << "  DeviceFinder:   fits the default requirements\n";
    } else {
        out << "  DeviceFinder rejects it:\n";
        for (const auto &reason : candidate.rejections) out << "    - " << reason << '\n';
    }
}

void print_text(std::ostream &out, const vw::Instance &instance,
                const std::vector<vw::DeviceCandidate> &candidates,
                const std::vector<const vw::DeviceCandidate *> &devices, const Choice &choice) {
    out << "Vulkan loader version: " << vw::version_to_string(instance.loader_version()) << '\n';
    out << "Physical devices: " << candidates.size();
    if (devices.size() != candidates.size()) out << " (showing " << devices.size() << ')';
    out << '\n';
    if (choice.index) {
        out << "DeviceFinder chooses: device " << *choice.index << '\n';
    } else {
        out << "DeviceFinder chooses no device: " << choice.error << '\n';
    }
    for (const auto *candidate : devices) print_device_text(out, instance, *candidate, choice);
}

int run_mode(const Options &options) {
    vw_info::RunOptions run_options;
    run_options.json = options.json;
    run_options.validate = options.validate;
    run_options.device = options.device;
    if (options.out) run_options.out_dir = *options.out;
    return options.demo ? vw_info::run_demo(run_options) : vw_info::run_bench(run_options);
}

int run(const Options &options) {
    // The demo in text starts with the device listing: the one command a newcomer runs shows
    // the devices, then what the allocator did on the chosen one.
    if (options.bench || (options.demo && options.json)) return run_mode(options);
    vw::InstanceBuilder builder;
    builder.setApplicationName("vw-info");
    if (options.validate) builder.setDebug();
    const std::shared_ptr<vw::Instance> instance = builder.build();

    const std::vector<vw::DeviceCandidate> candidates = instance->findGpu().candidates();
    const Choice choice = find_choice(*instance);
    const auto devices = select_devices(candidates, options.device);

    if (options.json) {
        print_json(std::cout, *instance, devices, choice);
    } else {
        print_text(std::cout, *instance, candidates, devices, choice);
    }
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("cannot write to standard output");

    if (options.validate && instance->validation_error_count() != 0) {
        std::cerr << "vw-info: warning: the validation layer reported "
                  << instance->validation_error_count() << " error(s)\n";
    }
    if (options.demo) {
        std::cout << "\n" << std::string(78, '-') << "\n\n";
        std::cout.flush();
        return run_mode(options);
    }
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    try {
        const Options options = parse_options(argc, argv);
        if (options.help) {
            std::cout << usage_text;
            return 0;
        }
        return run(options);
    } catch (const UsageError &e) {
        std::cerr << "vw-info: " << e.what() << "\n\n" << usage_text;
        return 2;
    } catch (const vw::Exception &e) {
        // The message only: the library's source location means nothing to a user.
        std::cerr << "vw-info: error: " << e.message() << '\n';
        return 1;
    } catch (const std::exception &e) {
        std::cerr << "vw-info: error: " << e.what() << '\n';
        return 1;
    } catch (...) {
        std::cerr << "vw-info: error: unknown exception\n";
        return 1;
    }
}
