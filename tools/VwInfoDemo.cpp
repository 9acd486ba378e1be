#include "VwInfoDemo.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageFile.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Report/MemoryMap.h"
#include "VulkanWrapper/Transfer/Texture.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw_info {

namespace {

using Json = nlohmann::ordered_json;
using namespace vw;

struct Vertex {
    std::array<float, 3> position;
    std::array<float, 3> colour;
    bool operator==(const Vertex &) const = default;
};

constexpr vk::DeviceSize MiB = 1024 * 1024;

std::string bytes_text(vk::DeviceSize bytes) {
    std::array<char, 32> text{};
    if (bytes >= 1024 * MiB) {
        std::snprintf(text.data(), text.size(), "%.2f GiB", static_cast<double>(bytes) / (1024.0 * MiB));
    } else if (bytes >= MiB) {
        std::snprintf(text.data(), text.size(), "%.1f MiB", static_cast<double>(bytes) / MiB);
    } else if (bytes >= 1024) {
        std::snprintf(text.data(), text.size(), "%.1f KiB", static_cast<double>(bytes) / 1024.0);
    } else {
        std::snprintf(text.data(), text.size(), "%llu B", static_cast<unsigned long long>(bytes));
    }
    return text.data();
}

std::string property_text(vk::MemoryPropertyFlags flags) {
    std::string text = vk::to_string(flags);
    return text.size() > 4 ? text.substr(2, text.size() - 4) : std::string("none");
}

// Progress goes to stderr, so that stdout stays the report (and parses with --json).
class Steps {
public:
    explicit Steps(int total)
        : m_total(total) {}
    void begin(const std::string &what) {
        std::cerr << '[' << ++m_step << '/' << m_total << "] " << what << " ... " << std::flush;
    }
    static void end(const std::string &result) { std::cerr << result << '\n'; }

private:
    int m_total;
    int m_step = 0;
};

void write_file(const std::filesystem::path &path, const std::string &contents) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << contents;
    file.close();
    if (!file) throw std::runtime_error("cannot write " + path.string());
}

std::shared_ptr<Device> demo_device(const RunOptions &options, std::shared_ptr<Instance> &instance) {
    InstanceBuilder builder;
    builder.setApplicationName("vw-info --demo");
    if (options.validate) builder.setDebug();
    instance = builder.build();
    if (options.device) setenv("VW_DEVICE", options.device->c_str(), 1);
    return instance->findGpu().find().build();
}

Json statistics_json(const AllocatorStatistics &stats, const std::vector<HeapBudget> &budgets) {
    const auto memory = [](const MemoryStatistics &m) {
        return Json{{"block_count", m.block_count},
                    {"allocation_count", m.allocation_count},
                    {"block_bytes", m.block_bytes},
                    {"allocation_bytes", m.allocation_bytes}};
    };
    Json json;
    json["total"] = memory(stats.total);
    json["heaps"] = Json::array();
    for (const HeapStatistics &heap : stats.heaps) {
        const HeapBudget &budget = budgets.at(heap.heap_index);
        json["heaps"].push_back(Json{{"index", heap.heap_index},
                                     {"size", heap.heap_size},
                                     {"budget_bytes", budget.budget_bytes},
                                     {"usage_bytes", budget.usage_bytes},
                                     {"budget_is_estimate", budget.is_estimate},
                                     {"memory", memory(heap.memory)}});
    }
    json["memory_types"] = Json::array();
    for (const MemoryTypeStatistics &type : stats.memory_types) {
        if (type.memory.block_count == 0) continue;
        json["memory_types"].push_back(Json{{"index", type.type_index},
                                            {"heap", type.heap_index},
                                            {"flags", property_text(type.flags)},
                                            {"memory", memory(type.memory)}});
    }
    return json;
}

void print_statistics(std::ostream &out, const AllocatorStatistics &stats,
                      const std::vector<HeapBudget> &budgets, const MemoryMap &map) {
    out << "\nStatistics: " << stats.total.allocation_count << " allocations, "
        << bytes_text(stats.total.allocation_bytes) << " in use, in " << stats.total.block_count
        << " VkDeviceMemory blocks of " << bytes_text(stats.total.block_bytes) << '\n';
    out << "Heaps:\n";
    for (const HeapBudget &heap : budgets) {
        out << "  heap " << heap.heap_index
            << ((heap.flags & vk::MemoryHeapFlagBits::eDeviceLocal) ? " (device-local) " : " (host) ")
            << bytes_text(heap.heap_size) << ": budget " << bytes_text(heap.budget_bytes)
            << ", in use " << bytes_text(heap.usage_bytes) << ", this allocator "
            << bytes_text(heap.block_bytes) << " in blocks, " << bytes_text(heap.allocation_bytes)
            << " allocated" << (heap.is_estimate ? "  [estimated: no VK_EXT_memory_budget]" : "")
            << '\n';
    }
    out << "Memory types in use:\n";
    for (const MemoryTypeStatistics &type : stats.memory_types) {
        if (type.memory.block_count == 0) continue;
        out << "  type " << type.type_index << " (heap " << type.heap_index << ", "
            << property_text(type.flags) << "): " << type.memory.allocation_count
            << " allocations, " << bytes_text(type.memory.allocation_bytes) << " in "
            << type.memory.block_count << " blocks of " << bytes_text(type.memory.block_bytes)
            << '\n';
    }
    out << '\n' << map.report(12);
}

} // namespace

int run_demo(const RunOptions &options) {
    std::shared_ptr<Instance> instance;
    const std::shared_ptr<Device> device = demo_device(options, instance);
    std::cerr << "vw-info --demo on " << device->physical_device().name() << '\n';
    Steps steps(7);

    // The allocator page, as written there.
    steps.begin("allocator page: vertex and staging buffers, a 1024x1024 image");
    auto allocator = AllocatorBuilder().setInstance(instance).setDevice(device).build();
    std::vector<Vertex> vertices(1000);
    for (std::size_t i = 0; i < vertices.size(); ++i) {
        const auto f = static_cast<float>(i);
        vertices[i] = {{f, f * 0.5f, -f}, {f / 1000.0f, 1.0f - f / 1000.0f, 0.25f}};
    }
    using VertexBuffer = Buffer<Vertex, false, VertexBufferUsage>;
    using StagingBuffer = Buffer<Vertex, true, TransferSrcUsage>;
    auto vertexBuffer = allocator->allocate<VertexBuffer>(1000, "vertexBuffer");
    auto stagingBuffer = allocator->allocate<StagingBuffer>(1000, "stagingBuffer");
    stagingBuffer->write(vertices, 0);
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Srgb)
                     .setExtent(Width{1024}, Height{1024})
                     .setUsage(vk::ImageUsageFlagBits::eSampled)
                     .setName("image 1024x1024 (allocator page)")
                     .build();
    VmaTotalStatistics vma_stats;
    vmaCalculateStatistics(allocator->handle(), &vma_stats);
    if (stagingBuffer->read_as_vector(0, vertices.size()) != vertices) {
        throw std::runtime_error("the staging buffer does not read back what was written");
    }
    steps.end("ok (" + std::to_string(vma_stats.total.statistics.allocationCount) + " allocations)");

    steps.begin("staging upload and readback of 1000 vertices and a 512x512 texture");
    Transfer transfer(device, allocator);
    transfer.upload(*vertexBuffer, std::span<const Vertex>(vertices));
    if (transfer.download(*vertexBuffer) != vertices) {
        throw std::runtime_error("the vertex buffer read back differs from what was uploaded");
    }
    auto texture = ImageBuilder()
                       .setDevice(device)
                       .setAllocator(allocator)
                       .setFormat(vk::Format::eR8G8B8A8Unorm)
                       .setExtent(Width{512}, Height{512})
                       .setUsage(vk::ImageUsageFlagBits::eSampled |
                                 vk::ImageUsageFlagBits::eTransferDst |
                                 vk::ImageUsageFlagBits::eTransferSrc)
                       .setName("texture 512x512")
                       .build();
    std::vector<std::byte> texels(512 * 512 * 4);
    for (std::size_t i = 0; i < texels.size(); ++i) texels[i] = static_cast<std::byte>(i * 7 + i / 4096);
    transfer.upload(*texture, texels, MipLevel{0}, ArrayLayer{0});
    if (transfer.download(*texture, MipLevel{0}, ArrayLayer{0},
                          vk::ImageLayout::eShaderReadOnlyOptimal) != texels) {
        throw std::runtime_error("the texture read back differs from what was uploaded");
    }
    Steps::end("verified");

    steps.begin("texture: a 256x256 PNG loaded with 9 GPU mip levels, level 1 saved to PNG");
    PixelImage picture{256, 256, 4, PixelType::UInt8, std::vector<std::byte>(256 * 256 * 4)};
    for (std::size_t i = 0; i < picture.pixels.size(); ++i) {
        const std::size_t texel = i / 4;
        picture.pixels[i] = i % 4 == 3 ? std::byte{255} : static_cast<std::byte>((texel % 256) ^ (texel / 256) ^ (i % 4 * 85));
    }
    const Texture png_texture = load_texture(transfer, allocator, encode_png(picture), "texture 256x256 (PNG)",
                                             TextureOptions{.color_space = ColorSpace::Linear});
    if (png_texture.image->mip_levels() != 9 || read_texture(transfer, *png_texture.image).pixels != picture.pixels) {
        throw std::runtime_error("the PNG texture read back differs from the picture");
    }
    std::filesystem::create_directories(options.out_dir);
    const std::filesystem::path texture_path = std::filesystem::absolute(options.out_dir / "vw-texture-level1.png");
    save_texture(transfer, *png_texture.image, texture_path, MipLevel{1});
    if (load_image(texture_path).width != 128) throw std::runtime_error("the saved mip level is not 128 pixels wide");
    Steps::end("verified");

    steps.begin("1000 small buffers (256 B to 64 KiB), every third freed");
    using Uniforms = Buffer<std::byte, true, UniformBufferUsage>;
    using Storage = Buffer<std::byte, false, StorageBufferUsage>;
    std::vector<std::unique_ptr<BufferBase>> small;
    small.reserve(1000);
    for (std::size_t i = 0; i < 1000; ++i) {
        const std::size_t size = std::size_t{256} << (i % 9); // 256 B .. 64 KiB
        const std::string name = "small[" + std::to_string(i) + "]";
        if (i % 2 == 0) {
            small.push_back(allocator->allocate<Uniforms>(size, name));
        } else {
            small.push_back(allocator->allocate<Storage>(size, name));
        }
    }
    for (std::size_t i = 0; i < small.size(); i += 3) small[i].reset();
    Steps::end("ok");

    steps.begin("3 large buffers (64, 96 and 160 MiB), the first uploaded and verified");
    using Large = Buffer<std::uint32_t, false, StorageBufferUsage>;
    std::vector<std::unique_ptr<Large>> large;
    for (const vk::DeviceSize size : {64 * MiB, 96 * MiB, 160 * MiB}) {
        large.push_back(allocator->allocate<Large>(size / sizeof(std::uint32_t),
                                                   "large[" + std::to_string(large.size()) + "]"));
    }
    std::vector<std::uint32_t> pattern(large.front()->size());
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint32_t>(i * 2654435761u);
    transfer.upload(*large.front(), std::span<const std::uint32_t>(pattern));
    if (transfer.download(*large.front()) != pattern) {
        throw std::runtime_error("the 64 MiB buffer read back differs from what was uploaded");
    }
    Steps::end("verified");

    steps.begin("statistics, JSON and memory map");
    const AllocatorStatistics stats = allocator->statistics();
    const std::vector<HeapBudget> budgets = allocator->budget();
    const MemoryMap map(*allocator);
    std::filesystem::create_directories(options.out_dir);
    const std::filesystem::path json_path =
        std::filesystem::absolute(options.out_dir / "vw-memory.json");
    const std::filesystem::path svg_path =
        std::filesystem::absolute(options.out_dir / "vw-memory-map.svg");
    write_file(json_path, allocator->json(true));
    SvgOptions svg_options;
    svg_options.title = "vw-info --demo \xE2\x80\x94 " + std::string(device->physical_device().name());
    write_file(svg_path, map.svg(svg_options));
    Steps::end("ok");

    steps.begin("validation");
    const std::uint64_t validation_errors = instance->validation_error_count();
    Steps::end(!options.validate ? "off (--validate turns the Khronos layer on)"
                                 : std::to_string(validation_errors) + " errors");

    if (options.json) {
        Json json;
        json["device"] = std::string(device->physical_device().name());
        json["verified"] = true;
        json["validation_errors"] = options.validate ? Json(validation_errors) : Json(nullptr);
        json["statistics"] = statistics_json(stats, budgets);
        json["files"] = Json{{"json", json_path.string()}, {"svg", svg_path.string()}, {"texture", texture_path.string()}};
        json["largest_allocations"] = Json::array();
        const auto records = map.allocations();
        for (std::size_t i = 0; i < records.size() && i < 12; ++i) {
            const AllocationRecord &r = records[i];
            json["largest_allocations"].push_back(Json{{"name", r.name},
                                                       {"kind", to_string(r.kind)},
                                                       {"size", r.size},
                                                       {"memory_type", r.memory_type},
                                                       {"dedicated", r.dedicated}});
        }
        std::cout << json.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
    } else {
        print_statistics(std::cout, stats, budgets, map);
        std::cout << "\nWrote:\n  memory map (SVG):   " << svg_path.string()
                  << "\n  statistics (JSON):  " << json_path.string()
                  << "\n  texture level (PNG): " << texture_path.string() << '\n';
    }
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("cannot write to standard output");
    if (validation_errors != 0) {
        std::cerr << "vw-info: the validation layer reported " << validation_errors << " error(s)\n";
        return 1;
    }
    return 0;
}

} // namespace vw_info
