#pragma once
// Test-only access to what the library keeps private: includes the library's internal headers
// (tests have src/ on their include path) and nothing else. Not for examples or tools.

#include "VulkanWrapper/Vulkan/DeviceConfig.h"
#include "VulkanWrapper/Vulkan/InstanceAccess.h"

namespace vw::test {

/// Feeds one message to `instance` as its debug messenger would (counters, kept errors, sink).
inline void record_debug_message(Instance &instance, const DebugMessage &message) noexcept {
    detail::InstanceAccess::record(instance, message);
}

} // namespace vw::test
