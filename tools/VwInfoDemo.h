#pragma once

// vw-info's --demo and --bench modes (VwInfoDemo.cpp, VwInfoBench.cpp).

#include <filesystem>
#include <optional>
#include <string>

namespace vw_info {

struct RunOptions {
    bool json = false;
    bool validate = false;
    std::optional<std::string> device;
    /// Where --demo writes its JSON and SVG.
    std::filesystem::path out_dir = ".";
};

/// The allocator page end to end on one device: buffers and images, a verified staging upload
/// and readback, a thousand small buffers and a few large ones; prints the statistics and
/// writes the JSON statistics and the memory-map SVG. Returns the exit status; throws on errors.
int run_demo(const RunOptions &options);

/// A short upload and readback bandwidth check beside a memcpy baseline, with a progress line.
int run_bench(const RunOptions &options);

} // namespace vw_info
