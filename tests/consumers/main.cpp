// A user's program: the entry points, one allocation, an upload and a readback.
#include <cstdio>
#include <vector>

#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

int main() {
    try {
        auto instance = vw::InstanceBuilder().setApplicationName("consumer").build();
        auto device = instance->findGpu().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        auto buffer = allocator->allocate<vw::Buffer<int, false, vw::StorageBufferUsage>>(1000);
        std::vector<int> values(1000);
        for (int i = 0; i < 1000; ++i) values[static_cast<std::size_t>(i)] = i * i;
        vw::Transfer transfer(device, allocator);
        transfer.upload(*buffer, values);
        if (transfer.download(*buffer) != values) {
            std::fprintf(stderr, "consumer: the data read back differs\n");
            return 1;
        }
        std::printf("consumer: OK on %s\n", std::string(device->physical_device().name()).c_str());
        return 0;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "consumer: %s\n", error.what());
        return 1;
    }
}
