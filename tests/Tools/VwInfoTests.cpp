// vw-info run as a user runs it: exit status and output.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace {

struct ToolRun {
    int status = -1;
    std::string output;
};

ToolRun run_vw_info(const std::string &arguments, bool with_stderr = false) {
    const std::string command =
        std::string("'") + VW_INFO_PATH + "' " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
    ToolRun run;
    FILE *pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> chunk{};
    while (const std::size_t read = std::fread(chunk.data(), 1, chunk.size(), pipe)) {
        run.output.append(chunk.data(), read);
    }
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

TEST(VwInfoTests, ListsEveryDeviceWithItsMemory) {
    const ToolRun run = run_vw_info("");
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("Vulkan loader version"), std::string::npos);
    const auto devices = vw::InstanceBuilder().build()->physical_devices();
    for (const auto &device : devices) {
        EXPECT_NE(run.output.find(std::string(device.name())), std::string::npos) << device.name();
    }
    EXPECT_NE(run.output.find("memory heaps"), std::string::npos);
    EXPECT_NE(run.output.find("memory types"), std::string::npos);
    EXPECT_NE(run.output.find("queue families"), std::string::npos);
}

TEST(VwInfoTests, JsonParsesAndMatchesTheDevices) {
    const ToolRun run = run_vw_info("--json");
    ASSERT_EQ(run.status, 0);
    const auto json = nlohmann::json::parse(run.output);
    const auto devices = vw::InstanceBuilder().build()->physical_devices();
    ASSERT_EQ(json.at("devices").size(), devices.size());
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const auto &entry = json.at("devices").at(i);
        EXPECT_EQ(entry.at("name").get<std::string>(), devices[i].name());
        EXPECT_EQ(entry.at("heaps").size(), devices[i].memory_properties().memoryHeapCount);
        EXPECT_EQ(entry.at("memory_types").size(), devices[i].memory_properties().memoryTypeCount);
        EXPECT_EQ(entry.at("queue_families").size(), devices[i].queue_families().size());
        EXPECT_EQ(entry.at("heaps").at(0).at("size").get<std::uint64_t>(),
                  devices[i].memory_properties().memoryHeaps[0].size);
    }
}

TEST(VwInfoTests, DeviceOptionPicksOneDevice) {
    const ToolRun run = run_vw_info("--json --device 0");
    ASSERT_EQ(run.status, 0);
    EXPECT_EQ(nlohmann::json::parse(run.output).at("devices").size(), 1U);
}

TEST(VwInfoTests, ErrorsGoToStderrWithANonZeroStatus) {
    const ToolRun unknown_device = run_vw_info("--device 97", true);
    EXPECT_EQ(unknown_device.status, 1);
    EXPECT_NE(unknown_device.output.find("vw-info: error:"), std::string::npos) << unknown_device.output;
    const ToolRun unknown_option = run_vw_info("--no-such-option", true);
    EXPECT_EQ(unknown_option.status, 2);
    EXPECT_EQ(run_vw_info("--help").status, 0);
}

} // namespace
