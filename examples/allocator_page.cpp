// The allocator page (docs/allocator.md) as a program: the core snippet, run with the
// validation layer on. Exit status 0 when everything worked and the layer stayed silent.
#include <cstdio>
#include <vector>

#include <VulkanWrapper/Image/Image.h>
#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

using namespace vw;

struct Vertex {
    float x, y, z;
    std::uint32_t colour;
};

int main() {
    try {
        auto instance = InstanceBuilder().setDebug().setApplicationName("allocator-page").build();
        auto device = instance->findGpu().find().build();
        std::vector<Vertex> vertices(1000, Vertex{1.0F, 2.0F, 3.0F, 0xFF00FFU});

        auto allocator = AllocatorBuilder()
            .setInstance(instance)
            .setDevice(device)
            .build();

        using VertexBuffer = Buffer<Vertex, false, VertexBufferUsage>;
        using StagingBuffer = Buffer<Vertex, true, TransferSrcUsage>;
        auto vertexBuffer = allocator->allocate<VertexBuffer>(1000);   // std::unique_ptr<VertexBuffer>
        auto stagingBuffer = allocator->allocate<StagingBuffer>(1000);
        stagingBuffer->write(vertices, 0);                              // host-visible only

        auto image = ImageBuilder()
            .setDevice(device)
            .setAllocator(allocator)
            .setFormat(vk::Format::eR8G8B8A8Srgb)
            .setExtent(Width{1024}, Height{1024})
            .setUsage(vk::ImageUsageFlagBits::eSampled)
            .build();

        VmaAllocator handle = allocator->handle();
        VmaTotalStatistics stats;
        vmaCalculateStatistics(allocator->handle(), &stats);

        std::printf("device: %s\n", std::string(device->physical_device().name()).c_str());
        std::printf("allocations: %u, %llu bytes in %u blocks\n", stats.total.statistics.allocationCount,
                    static_cast<unsigned long long>(stats.total.statistics.allocationBytes),
                    stats.total.statistics.blockCount);
        const bool ok = handle != nullptr && vertexBuffer->size() == 1000 && image->handle() &&
                        stagingBuffer->read_as_vector(999, 1)[0].colour == 0xFF00FFU &&
                        instance->validation_error_count() == 0;
        std::printf("%s\n", ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "allocator-page: %s\n", error.what());
        return 1;
    }
}
