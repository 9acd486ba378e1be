#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw::test {

/// What a scenario runs on: the shared instance and device, and a fresh allocator.
struct ScenarioEnv {
    std::shared_ptr<Instance> instance;
    std::shared_ptr<Device> device;
    std::shared_ptr<Allocator> allocator;
};

/// One public use of the library, run under fault injection. It checks its own results (a
/// std::runtime_error when data read back is wrong) and lets library exceptions through.
struct Scenario {
    std::string name;
    std::function<void(ScenarioEnv &)> run;
};

/// The scenarios of the SQLite loop (FaultInjectionTests.cpp) and of the device-loss tests.
const std::vector<Scenario> &fault_scenarios();

} // namespace vw::test
