#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <vulkan/vulkan.hpp>

// The tests' side of the fault-injection layer (tests/FaultLayer). Every test process runs with
// the layer enabled (FaultInjection.cpp sets VK_ADD_LAYER_PATH and VK_INSTANCE_LAYERS before
// main, unless VW_FAULT_LAYER=0); these functions reach it through dlsym.
namespace vw::test::fault {

/// True when the layer is loaded in this process.
bool available();
/// Zeroes the call counters and disarms (object counts are kept).
void reset();
/// Fails the `nth` call, counted from now, of `entry` ("" means any fallible entry point) with
/// `result`, once. `sticky` with eErrorDeviceLost makes the device lost from then on.
void arm(std::string_view entry, std::uint64_t nth, vk::Result result, bool sticky = false);
/// Cancels an injection that has not fired.
void disarm();
/// Injections fired since the last reset, and the entry point of the last one.
std::uint64_t fired();
std::string last_entry();
/// Calls since the last reset of `entry` ("" means every fallible entry point).
std::uint64_t calls(std::string_view entry = {});
/// Every fallible entry point the layer intercepts.
std::vector<std::string> fallible_entries();
/// Live objects per type (created minus destroyed), as the layer counts them.
std::map<std::string, std::int64_t> live_objects();
/// Ends a sticky device loss; whether one is in effect.
void clear_lost();
bool lost();
/// From now on the layer reports no memory type with any of `flags` (the memory itself is
/// unchanged; allocators created meanwhile see it so): without eHostCoherent they flush and
/// invalidate, without eHostCached a Transfer reads device-local memory through copies. Empty
/// flags end it.
void hide_memory_properties(vk::MemoryPropertyFlags flags);
/// While alive, the layer reports `format` without `features` (the device keeps them), so that
/// code that checks format support meets a device that lacks them. Needs available().
class HiddenFormatFeatures {
public:
    HiddenFormatFeatures(vk::Format format, vk::FormatFeatureFlags features);
    ~HiddenFormatFeatures();
    HiddenFormatFeatures(const HiddenFormatFeatures &) = delete;
    HiddenFormatFeatures &operator=(const HiddenFormatFeatures &) = delete;
};

} // namespace vw::test::fault
