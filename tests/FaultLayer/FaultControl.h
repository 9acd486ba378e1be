#pragma once

// The fault-injection layer's control interface (tests/FaultLayer/FaultLayer.cpp). The layer is
// a shared library the Vulkan loader opens; tests reach these functions through dlsym on the
// same library (tests/Support/FaultInjection.h does so). Every function is thread-safe.

#include <cstdint>

extern "C" {

/// Zeroes every call counter and the injection record, and disarms. Object counts are kept.
void vwfault_reset();
/// Fails the `nth` (1-based) call, counted from now, of `entry` ("vkAllocateMemory"...; null or
/// "" means any fallible entry point), returning `result` without calling down the chain.
/// Fires once. With `sticky` and VK_ERROR_DEVICE_LOST, the device is lost from then on.
/// Returns 0, or -1 for an unknown entry point.
int vwfault_arm(const char *entry, std::uint64_t nth, std::int32_t result, int sticky);
/// Cancels an armed injection that has not fired.
void vwfault_disarm();
/// Injections fired since the last reset.
std::uint64_t vwfault_fired();
/// The entry point of the last injection fired since the last reset, or "".
const char *vwfault_last_entry();
/// Calls of `entry` since the last reset (null or "": of every fallible entry point).
std::uint64_t vwfault_calls(const char *entry);
/// Number of intercepted entry points; their names by index; whether each is fallible.
std::uint32_t vwfault_entry_count();
const char *vwfault_entry_name(std::uint32_t index);
int vwfault_entry_fallible(std::uint32_t index);
/// Live objects of a type ("VkBuffer", "VkDeviceMemory"...): created minus destroyed since the
/// layer was loaded. -1 for a type the layer does not track.
std::int64_t vwfault_live(const char *type);
/// Number of tracked object types and their names by index.
std::uint32_t vwfault_type_count();
const char *vwfault_type_name(std::uint32_t index);
/// Ends the sticky device loss (for the next test).
void vwfault_clear_lost();
/// True while a sticky device loss is in effect.
int vwfault_lost();
/// From now on vkGetPhysicalDeviceMemoryProperties(2) report no memory type with any of `flags`
/// (a VkMemoryPropertyFlags mask; the memory is unchanged): without HOST_COHERENT an allocator
/// created meanwhile flushes and invalidates, without HOST_CACHED the host does not read it
/// directly. 0 ends it.
void vwfault_hide_memory_properties(std::uint32_t flags);
/// From now on vkGetPhysicalDeviceFormatProperties(2) report `format` without `features` (a
/// VkFormatFeatureFlags mask) in every tiling; the device still has them. Format 0
/// (VK_FORMAT_UNDEFINED) ends it.
void vwfault_hide_format_features(std::int32_t format, std::uint32_t features);
}
