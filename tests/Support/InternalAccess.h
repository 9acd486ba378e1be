#pragma once
// Test-only access to what the library keeps private: includes the library's internal headers
// (tests have src/ on their include path) and nothing else. Not for examples or tools.

#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/HostMapping.h"
#include "VulkanWrapper/Memory/VmaAssertions.h"
#include "VulkanWrapper/Vulkan/DeviceAccess.h"
#include "VulkanWrapper/Vulkan/DeviceConfig.h"
#include "VulkanWrapper/Vulkan/InstanceAccess.h"

namespace vw::test {

/// Feeds one message to `instance` as its debug messenger would (counters, kept errors, sink).
inline void record_debug_message(Instance &instance, const DebugMessage &message) noexcept {
    detail::InstanceAccess::record(instance, message);
}

/// Creates a Device from a configuration DeviceFinder did not judge: the device must still
/// refuse, with NotSupportedError, what it lacks.
inline std::shared_ptr<Device> create_device(std::shared_ptr<Instance> instance,
                                             const PhysicalDevice &physical,
                                             std::vector<FeatureMember> required,
                                             std::vector<FeatureMember> requested = {}) {
    const std::uint32_t api =
        detail::effective_api_version(instance->api_version(), physical.api_version());
    detail::DeviceAccess::Config config{std::move(instance), physical, api, {}, std::move(required),
                          std::move(requested),
                          *detail::choose_queue_families(physical.queue_families())};
    return detail::DeviceAccess::create(std::move(config));
}

} // namespace vw::test
