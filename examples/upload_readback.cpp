// Upload and readback with vw::Transfer: a synchronous upload, an asynchronous one whose ticket
// is awaited, and readbacks of the whole buffer and of a range, with the validation layer on.
#include <cstdio>
#include <numeric>
#include <vector>

#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

int main() {
    try {
        auto instance = vw::InstanceBuilder().setDebug().setApplicationName("upload-readback").build();
        auto device = instance->findGpu().requireTransferQueue().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        vw::Transfer transfer(device, allocator);

        constexpr std::size_t count = 4 << 20; // 16 MiB of floats
        auto buffer = allocator->allocate<vw::Buffer<float, false, vw::StorageBufferUsage>>(count);
        std::vector<float> data(count);
        std::iota(data.begin(), data.end(), 0.0F);

        transfer.upload(*buffer, data);                          // returns when the data is there
        std::vector<float> back = transfer.download(*buffer);    // the whole buffer
        bool ok = back == data;

        std::vector<float> tail(1000, -1.0F);
        const vw::TransferTicket ticket = transfer.upload_async(*buffer, tail, count - tail.size());
        ticket.wait();                                           // or put ticket.wait_info() in your submit
        auto pending = transfer.download_async(*buffer, count - 2000, 2000);
        const std::vector<float> end = pending.get();
        ok = ok && end[999] == static_cast<float>(count - 1001) && end[1000] == -1.0F;

        std::printf("device: %s, copy threads: %u\n", std::string(device->physical_device().name()).c_str(),
                    transfer.copy_threads());
        ok = ok && instance->validation_error_count() == 0;
        std::printf("%s\n", ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "upload-readback: %s\n", error.what());
        return 1;
    }
}
