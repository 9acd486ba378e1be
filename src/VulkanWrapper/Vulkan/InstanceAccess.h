#pragma once
// The library's way into the private side of Instance. Not installed: only library sources
// and the test support header (tests/Support/InternalAccess.h) include it.

#include <cstdint>

#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw::detail {

class InstanceAccess {
public:
    /// Routes `message` into the instance's counters and sink, as the debug messenger does:
    /// errors counted and kept, validation and performance warnings counted, the sink called
    /// at or above the minimum severity. Never throws.
    static void record(Instance &instance, const DebugMessage &message) noexcept {
        instance.record(message);
    }
};

/// Throws LoaderError unless a loader of instance version `loader_version` can create an
/// instance of `requested_version` (both VK_MAKE_API_VERSION values).
void check_loader_version(std::uint32_t loader_version, std::uint32_t requested_version);

} // namespace vw::detail
