// vw-info run as a user runs it: exit status and output.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "Support/SvgCheck.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace {

struct ToolRun {
    int status = -1;
    std::string output;
};

// `environment`: assignments put before the command, e.g. "VW_DEVICE=x".
ToolRun run_vw_info(const std::string &arguments, bool with_stderr = false,
                    const std::string &environment = "") {
    const std::string command = environment + (environment.empty() ? "" : " ") + "'" +
                                VW_INFO_PATH + "' " + arguments +
                                (with_stderr ? " 2>&1" : " 2>/dev/null");
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

std::string read_file(const std::filesystem::path &path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

// A fresh directory under the system's temporary directory, removed at the end of the test.
class TemporaryDirectory {
public:
    TemporaryDirectory()
        : m_path(std::filesystem::temp_directory_path() /
                 ("vw-info-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
        std::filesystem::remove_all(m_path);
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory &) = delete;
    TemporaryDirectory &operator=(const TemporaryDirectory &) = delete;
    [[nodiscard]] const std::filesystem::path &path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

TEST(VwInfoTests, HeapsCarryTheirBudgets) {
    const ToolRun text = run_vw_info("");
    ASSERT_EQ(text.status, 0);
    EXPECT_NE(text.output.find("budget"), std::string::npos) << text.output;
    const ToolRun run = run_vw_info("--json");
    ASSERT_EQ(run.status, 0);
    const auto json = nlohmann::json::parse(run.output);
    const auto devices = vw::InstanceBuilder().build()->physical_devices();
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const bool has_budget = devices[i].has_extension("VK_EXT_memory_budget");
        for (const auto &heap : json.at("devices").at(i).at("heaps")) {
            EXPECT_EQ(heap.at("budget_is_estimate").get<bool>(), !has_budget);
            EXPECT_LE(heap.at("budget").get<std::uint64_t>(), heap.at("size").get<std::uint64_t>());
            EXPECT_GT(heap.at("budget").get<std::uint64_t>(), 0u);
        }
    }
}

TEST(VwInfoTests, DemoVerifiesItsTransfersAndWritesParsableJsonAndSvg) {
    const TemporaryDirectory out;
    const ToolRun run = run_vw_info("--demo --validate --json --out '" + out.path().string() + "'");
    ASSERT_EQ(run.status, 0) << run.output;
    const auto summary = nlohmann::json::parse(run.output);
    EXPECT_TRUE(summary.at("verified").get<bool>());
    EXPECT_EQ(summary.at("validation_errors").get<int>(), 0);
    const auto &total = summary.at("statistics").at("total");
    // The page's three resources, the texture, the PNG texture, 1000 small buffers less every
    // third, 3 large.
    EXPECT_GE(total.at("allocation_count").get<std::uint32_t>(), 3u + 1u + 1u + 666u + 3u);
    const std::string texture_path = summary.at("files").at("texture").get<std::string>();
    EXPECT_EQ(std::filesystem::path(texture_path).filename(), "vw-texture-level1.png");
    EXPECT_TRUE(std::filesystem::is_regular_file(texture_path)) << texture_path;

    const std::string json_path = summary.at("files").at("json").get<std::string>();
    const std::string svg_path = summary.at("files").at("svg").get<std::string>();
    EXPECT_EQ(std::filesystem::path(json_path).parent_path(), std::filesystem::absolute(out.path()));
    const auto stats = nlohmann::json::parse(read_file(json_path));
    EXPECT_EQ(stats.at("Total").at("AllocationCount").get<std::uint32_t>(),
              total.at("allocation_count").get<std::uint32_t>());
    EXPECT_EQ(stats.at("Total").at("BlockBytes").get<std::uint64_t>(),
              total.at("block_bytes").get<std::uint64_t>());

    const vw::test::SvgContents svg = vw::test::parse_svg(read_file(svg_path));
    ASSERT_TRUE(svg.well_formed) << svg.error;
    EXPECT_EQ(svg.allocation_rects.size(), total.at("allocation_count").get<std::size_t>());
    std::size_t named_small = 0;
    for (const auto &rect : svg.allocation_rects) {
        if (rect.at("data-name").starts_with("small[")) ++named_small;
    }
    EXPECT_EQ(named_small, 666u);
}

TEST(VwInfoTests, DemoPrintsStatisticsAndSaysWhereTheFilesAre) {
    const TemporaryDirectory out;
    const ToolRun run = run_vw_info("--demo --out '" + out.path().string() + "'");
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("Statistics:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("Live allocations on"), std::string::npos);
    EXPECT_NE(run.output.find("large[2]"), std::string::npos);
    EXPECT_NE(run.output.find((out.path() / "vw-memory-map.svg").string()), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(out.path() / "vw-memory.json"));
    EXPECT_TRUE(std::filesystem::exists(out.path() / "vw-memory-map.svg"));
}

TEST(VwInfoTests, BenchReportsVerifiedFiguresForEachSize) {
    const ToolRun run = run_vw_info("--bench --json");
    ASSERT_EQ(run.status, 0) << run.output;
    const auto json = nlohmann::json::parse(run.output);
    const auto &results = json.at("results");
    ASSERT_EQ(results.size(), 3u);
    std::uint64_t previous = 0;
    for (const auto &row : results) {
        EXPECT_GT(row.at("bytes").get<std::uint64_t>(), previous);
        previous = row.at("bytes").get<std::uint64_t>();
        EXPECT_GT(row.at("upload").get<double>(), 0.0);
        EXPECT_GT(row.at("readback").get<double>(), 0.0);
        EXPECT_GT(row.at("memcpy").get<double>(), 0.0);
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
    EXPECT_EQ(run_vw_info("--demo --bench").status, 2);
    EXPECT_EQ(run_vw_info("--out /tmp").status, 2);
    const ToolRun demo_on_missing_device = run_vw_info("--demo --device no-such-gpu-name", true);
    EXPECT_EQ(demo_on_missing_device.status, 1);
    EXPECT_NE(demo_on_missing_device.output.find("vw-info: error:"), std::string::npos)
        << demo_on_missing_device.output;
}

// The library's exceptions carry their source location; what vw-info shows a user is the
// message alone.
bool has_source_path(const std::string &text) {
    return text.find("/src/") != std::string::npos || text.find(".cpp:") != std::string::npos ||
           text.find(".h:") != std::string::npos;
}

TEST(VwInfoTests, ErrorMessagesCarryNoSourcePaths) {
    // An error the library throws (LayerNotPresentError): on stderr, status 1, message only.
    const ToolRun missing_layer = run_vw_info(
        "--validate", true, "VK_LAYER_PATH=/nonexistent-vw-layer-dir VK_ADD_LAYER_PATH=");
    EXPECT_EQ(missing_layer.status, 1) << missing_layer.output;
    EXPECT_NE(missing_layer.output.find("vw-info: error: setDebug(): the Khronos validation layer "
                                        "(VK_LAYER_KHRONOS_validation) is not installed"),
              std::string::npos)
        << missing_layer.output;
    EXPECT_FALSE(has_source_path(missing_layer.output)) << missing_layer.output;

    // DeviceFinder's NoDeviceError, reported in the listing (text and JSON).
    const ToolRun text = run_vw_info("", false, "VW_DEVICE=no-such-gpu-anywhere");
    ASSERT_EQ(text.status, 0) << text.output;
    EXPECT_NE(text.output.find("DeviceFinder chooses no device: VW_DEVICE=no-such-gpu-anywhere "
                               "matches no Vulkan device"),
              std::string::npos)
        << text.output;
    EXPECT_FALSE(has_source_path(text.output)) << text.output;
    const ToolRun json = run_vw_info("--json", false, "VW_DEVICE=no-such-gpu-anywhere");
    ASSERT_EQ(json.status, 0);
    const std::string chosen_error = nlohmann::json::parse(json.output).at("chosen_error").get<std::string>();
    EXPECT_EQ(chosen_error.rfind("VW_DEVICE=no-such-gpu-anywhere matches no Vulkan device", 0), 0U)
        << chosen_error;
    EXPECT_FALSE(has_source_path(chosen_error)) << chosen_error;
}

} // namespace
