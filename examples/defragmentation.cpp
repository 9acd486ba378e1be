// Defragmentation: fragments a heap (3,000 device-local buffers of mixed sizes, 60% freed at
// random), writes the memory map before and after Allocator::defragment() as SVG pictures
// (defragmentation-before.svg, defragmentation-after.svg, in the directory given as the first
// argument, else the current one), and checks that every surviving buffer kept its bytes and
// that every reported move is what the buffer now holds. Run with the validation layer on.
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Memory/Defragmentation.h>
#include <VulkanWrapper/Report/MemoryMap.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

namespace {

using Words = vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage>;

void write_map(const vw::Allocator &allocator, const std::string &path, const std::string &title) {
    vw::SvgOptions options;
    options.title = title;
    std::ofstream(path) << vw::MemoryMap(allocator).svg(options);
    std::printf("wrote %s\n", path.c_str());
}

} // namespace

int main(int argc, char **argv) {
    try {
        const std::string directory = argc > 1 ? argv[1] : ".";
        auto instance = vw::InstanceBuilder().setDebug().build();
        auto device = instance->findGpu().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).setPreferredBlockSize(1 << 20).build();
        vw::Transfer transfer(device, allocator);

        std::mt19937 random(13);
        std::vector<std::unique_ptr<Words>> buffers;
        for (std::uint32_t i = 0; i < 3000; ++i) {
            buffers.push_back(allocator->allocate<Words>(64 * (1 + random() % 16)));
        }
        for (std::uint32_t i = 0; i < buffers.size(); ++i) {
            transfer.upload(*buffers[i], std::vector<std::uint32_t>(buffers[i]->size(), i));
        }
        for (auto &buffer : buffers) {
            if (random() % 10 < 6) buffer.reset();
        }
        const vw::MemoryStatistics before = allocator->statistics().total;
        write_map(*allocator, directory + "/defragmentation-before.svg", "before defragment()");

        std::map<const vw::Allocation *, std::uint64_t> holds;
        vw::DefragmentationOptions options;
        options.algorithm = vw::DefragmentationAlgorithm::Full;
        options.on_move = [&](const vw::DefragmentationMove &move) { holds[move.object] = move.new_handle; };
        const vw::DefragmentationResult result = allocator->defragment(options);
        const vw::MemoryStatistics after = allocator->statistics().total;
        write_map(*allocator, directory + "/defragmentation-after.svg", "after defragment()");

        for (const auto &[object, handle] : holds) {
            const auto &buffer = static_cast<const vw::BufferBase &>(*object);
            if (reinterpret_cast<std::uint64_t>(static_cast<VkBuffer>(buffer.handle())) != handle) {
                throw std::runtime_error("a reported move differs from what the buffer holds");
            }
        }
        for (std::uint32_t i = 0; i < buffers.size(); ++i) {
            if (buffers[i] && transfer.download(*buffers[i]) != std::vector<std::uint32_t>(buffers[i]->size(), i)) {
                throw std::runtime_error("buffer " + std::to_string(i) + " lost its bytes");
            }
        }
        if (result.blocks_released == 0 || before.block_count - after.block_count != result.blocks_released) {
            throw std::runtime_error("no block released, or statistics disagree");
        }
        std::printf("%u moves (%llu bytes); blocks %u -> %u; free bytes in blocks %llu -> %llu\n",
                    result.moves, static_cast<unsigned long long>(result.bytes_moved), before.block_count,
                    after.block_count,
                    static_cast<unsigned long long>(before.block_bytes - before.allocation_bytes),
                    static_cast<unsigned long long>(after.block_bytes - after.allocation_bytes));
        return 0;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "defragmentation: %s\n", error.what());
        return 1;
    }
}
