#include "Support/FaultInjection.h"

#include <dlfcn.h>

#include <cstdlib>
#include <stdexcept>

#include "FaultLayer/FaultControl.h"

namespace vw::test::fault {
namespace {

// Enables the layer for every instance this process creates, before main, and keeps the layer
// loaded (the loader unloads it with the last instance; its counters must survive that).
struct Enable {
    void *library = nullptr;
    Enable() {
        const char *off = std::getenv("VW_FAULT_LAYER");
        if (off != nullptr && std::string_view(off) == "0") return;
        std::string path = VW_FAULT_LAYER_DIR;
        if (const char *previous = std::getenv("VK_ADD_LAYER_PATH")) path += std::string(":") + previous;
        ::setenv("VK_ADD_LAYER_PATH", path.c_str(), 1);
        std::string layers = "VK_LAYER_VW_fault_injection";
        if (const char *previous = std::getenv("VK_INSTANCE_LAYERS")) layers += std::string(":") + previous;
        ::setenv("VK_INSTANCE_LAYERS", layers.c_str(), 1);
        // Mesa's implicit device-select layer sits above ours and calls
        // vkEnumerateDeviceExtensionProperties inside vkEnumeratePhysicalDevices without checking
        // the result: an injected failure there crashes it. It only reorders devices.
        ::setenv("NODEVICE_SELECT", "1", 0);
        library = ::dlopen(VW_FAULT_LAYER_PATH, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    }
};
const Enable enable;

template <typename F>
F symbol(const char *name) {
    if (enable.library == nullptr) throw std::runtime_error("the fault-injection layer is not loaded");
    void *address = ::dlsym(enable.library, name);
    if (address == nullptr) throw std::runtime_error(std::string("fault layer: no symbol ") + name);
    return reinterpret_cast<F>(address);
}

#define VWF_CALL(name) symbol<decltype(&::name)>(#name)

} // namespace

bool available() { return enable.library != nullptr; }
void reset() { VWF_CALL(vwfault_reset)(); }
void arm(std::string_view entry, std::uint64_t nth, vk::Result result, bool sticky) {
    const std::string name(entry);
    if (VWF_CALL(vwfault_arm)(name.c_str(), nth, static_cast<std::int32_t>(result), sticky ? 1 : 0) != 0) {
        throw std::invalid_argument("fault layer: cannot arm " + name);
    }
}
void disarm() { VWF_CALL(vwfault_disarm)(); }
std::uint64_t fired() { return VWF_CALL(vwfault_fired)(); }
std::string last_entry() { return VWF_CALL(vwfault_last_entry)(); }
std::uint64_t calls(std::string_view entry) { return VWF_CALL(vwfault_calls)(std::string(entry).c_str()); }
std::vector<std::string> fallible_entries() {
    std::vector<std::string> names;
    const std::uint32_t count = VWF_CALL(vwfault_entry_count)();
    for (std::uint32_t i = 0; i < count; ++i) {
        if (VWF_CALL(vwfault_entry_fallible)(i)) names.emplace_back(VWF_CALL(vwfault_entry_name)(i));
    }
    return names;
}
std::map<std::string, std::int64_t> live_objects() {
    std::map<std::string, std::int64_t> live;
    const std::uint32_t count = VWF_CALL(vwfault_type_count)();
    for (std::uint32_t i = 0; i < count; ++i) {
        const char *name = VWF_CALL(vwfault_type_name)(i);
        live[name] = VWF_CALL(vwfault_live)(name);
    }
    return live;
}
void clear_lost() { VWF_CALL(vwfault_clear_lost)(); }
bool lost() { return VWF_CALL(vwfault_lost)() != 0; }
void hide_memory_properties(vk::MemoryPropertyFlags flags) {
    VWF_CALL(vwfault_hide_memory_properties)(static_cast<VkMemoryPropertyFlags>(flags));
}

HiddenFormatFeatures::HiddenFormatFeatures(vk::Format format, vk::FormatFeatureFlags features) {
    VWF_CALL(vwfault_hide_format_features)(static_cast<std::int32_t>(format),
                                           static_cast<std::uint32_t>(static_cast<VkFormatFeatureFlags>(features)));
}
HiddenFormatFeatures::~HiddenFormatFeatures() { VWF_CALL(vwfault_hide_format_features)(0, 0); }

} // namespace vw::test::fault
