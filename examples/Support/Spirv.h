#pragma once
// What the examples that dispatch or draw share: their shaders, compiled by glslc at build time.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace example {

// The words of a SPIR-V file; std::runtime_error naming the file when it is missing or not whole words.
inline std::vector<std::uint32_t> read_spirv(const char *path) {
    std::ifstream file(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.empty() || bytes.size() % 4 != 0) throw std::runtime_error(std::string("cannot read ") + path);
    std::vector<std::uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), bytes.size());
    return words;
}

// A shader module of the SPIR-V file at `path`.
inline vk::UniqueShaderModule shader_module(vk::Device device, const char *path) {
    const std::vector<std::uint32_t> code = read_spirv(path);
    return device.createShaderModuleUnique({{}, code});
}

} // namespace example
