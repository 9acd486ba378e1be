#include "Reliability/FaultInjectionScenarios.h"

#include <cstdint>
#include <numeric>
#include <stdexcept>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Report/MemoryMap.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Transfer/StagingBufferManager.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw::test {
namespace {

using Words = std::vector<std::uint32_t>;
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;
using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;

Words pattern(std::size_t count, std::uint32_t seed) {
    Words words(count);
    std::iota(words.begin(), words.end(), seed);
    return words;
}

void require(bool condition, const char *what) {
    if (!condition) throw std::runtime_error(std::string("scenario check failed: ") + what);
}

std::unique_ptr<Image> transfer_image(ScenarioEnv &env, std::uint32_t side, std::uint32_t levels = 1) {
    return ImageBuilder()
        .setDevice(env.device)
        .setAllocator(env.allocator)
        .setFormat(vk::Format::eR8G8B8A8Unorm)
        .setExtent(Width{side}, Height{side})
        .setMipLevels(levels)
        .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eTransferSrc |
                  vk::ImageUsageFlagBits::eSampled)
        .build();
}

std::vector<std::byte> texels(std::size_t count, unsigned seed) {
    std::vector<std::byte> bytes(count);
    for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<std::byte>((i * 7 + seed) & 0xFF);
    return bytes;
}

TransferOptions small_transfer() {
    TransferOptions options;
    options.chunk_bytes = 64 * 1024;
    options.staging_slots = 2;
    options.copy_threads = 1;
    return options;
}

std::vector<Scenario> make_scenarios() {
    std::vector<Scenario> s;
    s.push_back({"InstanceCreation", [](ScenarioEnv &) {
                     auto instance = InstanceBuilder().setDebug().setApplicationName("vw-fault").build();
                     require(instance->debug_enabled(), "debug enabled");
                 }});
    s.push_back({"DeviceCreation", [](ScenarioEnv &env) {
                     auto device = env.instance->findGpu().find().build();
                     require(device->handle() != vk::Device{}, "device made");
                 }});
    s.push_back({"DeviceCreationWithQueues", [](ScenarioEnv &env) {
                     auto device = env.instance->findGpu().requireComputeQueue().requireTransferQueue().find().build();
                     device->wait_idle();
                 }});
    s.push_back({"AllocatorCreation", [](ScenarioEnv &env) {
                     auto allocator = AllocatorBuilder(env.instance, env.device).setPreferredBlockSize(1 << 20).build();
                     auto buffer = allocator->allocate<HostWords>(64);
                     buffer->write(std::span<const std::uint32_t>(pattern(64, 3)), 0);
                     require(buffer->read_as_vector(0, 64) == pattern(64, 3), "host round trip");
                 }});
    s.push_back({"DeviceLocalBuffer", [](ScenarioEnv &env) {
                     auto buffer = env.allocator->allocate<DeviceWords>(1024, "device words");
                     require(buffer->size() == 1024, "size");
                 }});
    s.push_back({"HostBufferWriteRead", [](ScenarioEnv &env) {
                     auto buffer = env.allocator->allocate<HostWords>(256);
                     const Words data = pattern(256, 11);
                     buffer->write(std::span<const std::uint32_t>(data), 0);
                     require(buffer->read_as_vector(0, 256) == data, "host round trip");
                 }});
    s.push_back({"ReadbackBuffer", [](ScenarioEnv &env) {
                     auto buffer = env.allocator->allocate<ReadbackBuffer<std::uint32_t>>(128);
                     const Words data = pattern(128, 5);
                     buffer->write(std::span<const std::uint32_t>(data), 0);
                     require(buffer->read_as_vector(0, 128) == data, "readback round trip");
                 }});
    s.push_back({"DedicatedLargeBuffer", [](ScenarioEnv &env) {
                     auto buffer = env.allocator->allocate<DeviceWords>(8u << 20);
                     require(buffer->size_bytes() == 32u << 20, "size");
                 }});
    s.push_back({"ManySmallBuffers", [](ScenarioEnv &env) {
                     std::vector<std::unique_ptr<HostWords>> buffers;
                     for (std::uint32_t i = 0; i < 16; ++i) {
                         buffers.push_back(env.allocator->allocate<HostWords>(64));
                         buffers.back()->write(i, 0);
                     }
                     for (std::uint32_t i = 0; i < 16; ++i) require(buffers[i]->read_as_vector(0, 1)[0] == i, "each buffer");
                 }});
    s.push_back({"AdoptRawBuffer", [](ScenarioEnv &env) {
                     BufferBase raw = env.allocator->allocate_buffer(4096, vk::BufferUsageFlagBits::eTransferSrc,
                                                                     HostAccess::SequentialWrite, "raw");
                     require(raw.size_bytes() == 4096, "raw size");
                 }});
    s.push_back({"Image", [](ScenarioEnv &env) {
                     auto image = transfer_image(env, 32);
                     require(image->mip_levels() == 1, "levels");
                 }});
    s.push_back({"ImageWithMipsAndLayers", [](ScenarioEnv &env) {
                     auto image = ImageBuilder()
                                      .setDevice(env.device)
                                      .setAllocator(env.allocator)
                                      .setFormat(vk::Format::eR8G8B8A8Unorm)
                                      .setExtent(Width{64}, Height{64})
                                      .setMipLevels(4)
                                      .setArrayLayers(2)
                                      .setUsage(vk::ImageUsageFlagBits::eSampled)
                                      .setName("mips")
                                      .build();
                     require(image->array_layers() == 2, "layers");
                 }});
    s.push_back({"ImageView", [](ScenarioEnv &env) {
                     std::shared_ptr<const Image> image = transfer_image(env, 16);
                     auto view = ImageViewBuilder().setDevice(env.device).setImage(image).build();
                     require(view->handle() != vk::ImageView{}, "view");
                 }});
    s.push_back({"CommandPoolAndBuffers", [](ScenarioEnv &env) {
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     auto buffers = pool.allocate(3);
                     buffers[0].begin();
                     buffers[0].end();
                     buffers[0].reset();
                     pool.reset();
                 }});
    s.push_back({"RecordAndSubmit", [](ScenarioEnv &env) {
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     CommandBuffer commands = pool.allocate();
                     commands.begin();
                     commands.end();
                     commands.submit_and_wait(env.device->compute_queue());
                 }});
    s.push_back({"FencesAndSemaphores", [](ScenarioEnv &env) {
                     Fence fence(env.device, true);
                     require(fence.is_signaled(), "signaled");
                     fence.wait();
                     fence.reset();
                     Semaphore timeline(env.device, 1);
                     timeline.signal(5);
                     require(timeline.value() == 5, "timeline value");
                     require(timeline.wait(5), "timeline wait");
                 }});
    s.push_back({"SubmissionWithFenceAndSignal", [](ScenarioEnv &env) {
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     CommandBuffer commands = pool.allocate();
                     commands.begin();
                     commands.end();
                     Semaphore timeline(env.device);
                     Fence fence(env.device);
                     Submission(env.device->compute_queue())
                         .addCommands(commands)
                         .addSignal(vk::SemaphoreSubmitInfo(timeline.handle(), 1))
                         .submit(fence);
                     fence.wait();
                     require(timeline.wait(1), "signalled");
                 }});
    s.push_back({"TransferEngine", [](ScenarioEnv &env) {
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     require(transfer.copy_threads() == 1, "threads");
                 }});
    s.push_back({"UploadDownload", [](ScenarioEnv &env) {
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     auto buffer = env.allocator->allocate<DeviceWords>(4096);
                     const Words data = pattern(4096, 17);
                     transfer.upload(*buffer, std::span<const std::uint32_t>(data));
                     require(transfer.download(*buffer) == data, "round trip");
                 }});
    s.push_back({"UploadDownloadAsync", [](ScenarioEnv &env) {
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     auto buffer = env.allocator->allocate<DeviceWords>(2048);
                     const Words data = pattern(2048, 23);
                     TransferTicket ticket = transfer.upload_async(*buffer, std::span<const std::uint32_t>(data));
                     ticket.wait();
                     auto pending = transfer.download_async(*buffer);
                     require(pending.get() == data, "async round trip");
                 }});
    s.push_back({"StagedChunkedUpload", [](ScenarioEnv &env) {
                     TransferOptions options = small_transfer();
                     options.direct_access = false;
                     Transfer transfer(env.device, env.allocator, options);
                     auto buffer = env.allocator->allocate<DeviceWords>(64 * 1024); // 256 KiB: 4 chunks
                     const Words data = pattern(64 * 1024, 29);
                     transfer.upload(*buffer, std::span<const std::uint32_t>(data));
                     require(transfer.download(*buffer) == data, "chunked round trip");
                 }});
    s.push_back({"ImageUploadDownload", [](ScenarioEnv &env) {
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     auto image = transfer_image(env, 16);
                     const auto data = texels(16 * 16 * 4, 3);
                     transfer.upload(*image, data, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal,
                                     vk::ImageLayout::eUndefined);
                     require(transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal) ==
                                 data,
                             "texels");
                 }});
    s.push_back({"StagingBatch", [](ScenarioEnv &env) {
                     auto buffer = std::shared_ptr<DeviceWords>(env.allocator->allocate<DeviceWords>(256));
                     std::shared_ptr<Image> image = transfer_image(env, 8, 2);
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     CommandBuffer commands = pool.allocate();
                     Fence fence(env.device);
                     {
                         StagingBufferManager manager(env.device, env.allocator);
                         manager.stage(buffer, std::span<const std::uint32_t>(pattern(256, 31)));
                         manager.stage(image, texels(8 * 8 * 4, 1), MipLevel{0}, ArrayLayer{0});
                         manager.stage(image, texels(4 * 4 * 4, 2), MipLevel{1}, ArrayLayer{0});
                         commands.begin();
                         const StagingFlush batch = manager.flush(commands);
                         commands.end();
                         Submission(env.device->compute_queue()).addCommands(commands).addSignals(batch.signals()).submit(fence);
                         fence.wait();
                     }
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     require(transfer.download(*buffer) == pattern(256, 31), "staged bytes");
                 }});
    s.push_back({"MemoryMapReport", [](ScenarioEnv &env) {
                     auto a = env.allocator->allocate<HostWords>(1024, "map a");
                     auto b = env.allocator->allocate<DeviceWords>(1u << 20, "map b");
                     const MemoryMap map(*env.allocator);
                     require(!map.report().empty(), "report");
                     require(!map.svg().empty(), "svg");
                     require(env.allocator->statistics().total.allocation_count >= 2, "statistics");
                 }});
    s.push_back({"Defragment", [](ScenarioEnv &env) {
                     // A failed pass leaves every buffer where it was, with its bytes.
                     auto allocator = AllocatorBuilder(env.instance, env.device).setPreferredBlockSize(64 << 10).build();
                     std::vector<std::unique_ptr<DeviceWords>> buffers;
                     for (std::uint32_t i = 0; i < 24; ++i) buffers.push_back(allocator->allocate<DeviceWords>(1024));
                     Queue &queue = env.device->compute_queue();
                     CommandPool pool(env.device, queue.family_index());
                     const auto run = [&](auto record) {
                         CommandBuffer commands = pool.allocate();
                         commands.begin();
                         record(commands.handle());
                         commands.end();
                         commands.submit_and_wait(queue);
                     };
                     run([&](vk::CommandBuffer c) {
                         for (std::uint32_t i = 0; i < 24; ++i) c.fillBuffer(buffers[i]->handle(), 0, VK_WHOLE_SIZE, 0x1000u + i);
                     });
                     for (std::size_t i = 1; i < buffers.size(); i += 2) buffers[i].reset();
                     std::vector<vk::Buffer> handles;
                     for (const auto &b : buffers) handles.push_back(b ? b->handle() : vk::Buffer{});
                     const auto check_bytes = [&] {
                         auto back = env.allocator->allocate<ReadbackBuffer<std::uint32_t>>(24 * 1024);
                         run([&](vk::CommandBuffer c) {
                             for (std::uint32_t i = 0; i < 24; i += 2) {
                                 c.copyBuffer(buffers[i]->handle(), back->handle(), vk::BufferCopy(0, i * 4096u, 4096));
                             }
                             const vk::MemoryBarrier2 to_host(vk::PipelineStageFlagBits2::eAllTransfer,
                                                              vk::AccessFlagBits2::eTransferWrite,
                                                              vk::PipelineStageFlagBits2::eHost,
                                                              vk::AccessFlagBits2::eHostRead);
                             c.pipelineBarrier2(vk::DependencyInfo({}, to_host, {}, {}));
                         });
                         const Words words = back->read_as_vector(0, 24 * 1024);
                         for (std::uint32_t i = 0; i < 24; i += 2) {
                             for (std::uint32_t w = 0; w < 1024; ++w) require(words[i * 1024 + w] == 0x1000u + i, "defragmented bytes");
                         }
                     };
                     DefragmentationOptions options;
                     options.algorithm = DefragmentationAlgorithm::Full;
                     options.max_moves = 8; // one pass: a failure leaves every handle as it was
                     try {
                         const DefragmentationResult result = allocator->defragment(options);
                         require(result.moves > 0, "buffers moved");
                     } catch (const Exception &) {
                         for (std::size_t i = 0; i < buffers.size(); i += 2) require(buffers[i]->handle() == handles[i], "handle kept");
                         check_bytes();
                         throw;
                     }
                     check_bytes();
                 }});
    return s;
}

} // namespace

const std::vector<Scenario> &fault_scenarios() {
    static const std::vector<Scenario> scenarios = make_scenarios();
    return scenarios;
}

} // namespace vw::test
