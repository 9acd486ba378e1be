#include "Reliability/FaultInjectionScenarios.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <numeric>
#include <stdexcept>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/ExternalOwnership.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageFile.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/ExternalMemory.h"
#include "VulkanWrapper/Memory/FrameArena.h"
#include "VulkanWrapper/Memory/PackedBuffer.h"
#include "VulkanWrapper/Memory/Pool.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Report/MemoryMap.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Transfer/HostRegistration.h"
#include "VulkanWrapper/Transfer/StagingBufferManager.h"
#include "VulkanWrapper/Transfer/Texture.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Transfer/TransferBatch.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Queue.h"
#include "Support/FaultInjection.h"

namespace vw::test {
namespace {

using Words = std::vector<std::uint32_t>;
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;
using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;
using HostBytes = Buffer<std::uint8_t, true, TransferSrcUsage | TransferDstUsage, HostAccess::Random>;
constexpr vk::DeviceSize KiB = 1024;
constexpr BufferUse host_write{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostWrite};
constexpr BufferUse host_read{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead};
constexpr BufferUse copy_read{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferRead};
constexpr BufferUse copy_write{vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite};

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

// Waits for the device when a scenario leaves early, as a careful caller does before destroying
// what its own pending submission uses (declared after those objects, so destroyed first).
struct IdleOnExit {
    std::shared_ptr<Device> device;
    ~IdleOnExit() {
        try {
            device->wait_idle();
        } catch (const Exception &) {
            // A failed drain is the injected fault itself; the library drained what it could.
        }
    }
};

// The caller's own GPU work: fills `buffer` with `value` and signals `semaphore` at `signal`.
void user_fill(ScenarioEnv &env, CommandBuffer &commands, const BufferBase &buffer, std::uint32_t value,
               Semaphore &semaphore, std::uint64_t signal) {
    commands.begin();
    commands.handle().fillBuffer(buffer.handle(), 0, VK_WHOLE_SIZE, value);
    commands.end();
    const vk::SemaphoreSubmitInfo info = semaphore.submit_info(signal);
    commands.submit(env.device->compute_queue(), {}, std::span(&info, 1));
}

// Makes the fault layer report every memory type as not host-coherent while it lives, so that
// VMA flushes and invalidates (lavapipe's memory is coherent: it never does otherwise).
struct NonCoherentMemory {
    NonCoherentMemory() { fault::hide_memory_properties(vk::MemoryPropertyFlagBits::eHostCoherent); }
    ~NonCoherentMemory() { fault::hide_memory_properties({}); }
    NonCoherentMemory(const NonCoherentMemory &) = delete;
    NonCoherentMemory &operator=(const NonCoherentMemory &) = delete;
};

// The default options, except that waits sleep at once: polling a timeline makes the number
// of status queries depend on timing, and the loop needs the same calls on every run.
TransferOptions unpolled_transfer() {
    TransferOptions options;
    options.wait_spin = std::chrono::microseconds(0);
    return options;
}

TransferOptions small_transfer() {
    TransferOptions options = unpolled_transfer();
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
    s.push_back({"TransferBatchUploads", [](ScenarioEnv &env) {
                     auto a = env.allocator->allocate<DeviceWords>(256);
                     auto b = env.allocator->allocate<DeviceWords>(64);
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     {
                         TransferBatch batch(transfer);
                         batch.upload(*a, std::span<const std::uint32_t>(pattern(256, 33)));
                         batch.upload(*b, std::span<const std::uint32_t>(pattern(64, 34)));
                         batch.upload(*a, std::span<const std::uint32_t>(pattern(16, 35)), 8);
                         batch.submit().wait();
                         batch.upload(*b, std::span<const std::uint32_t>(pattern(64, 36)));
                         batch.submit().wait(); // the first batch's command buffer reused
                     }
                     Words expected = pattern(256, 33);
                     const Words over = pattern(16, 35);
                     std::copy(over.begin(), over.end(), expected.begin() + 8);
                     require(transfer.download(*a) == expected, "batched bytes");
                     require(transfer.download(*b) == pattern(64, 36), "second batch");
                 }});
    s.push_back({"MemoryMapReport", [](ScenarioEnv &env) {
                     auto a = env.allocator->allocate<HostWords>(1024, "map a");
                     auto b = env.allocator->allocate<DeviceWords>(1u << 20, "map b");
                     const MemoryMap map(*env.allocator);
                     require(!map.report().empty(), "report");
                     require(!map.svg().empty(), "svg");
                     require(env.allocator->statistics().total.allocation_count >= 2, "statistics");
                 }});
    s.push_back({"PoolBuffersAndImage", [](ScenarioEnv &env) {
                     auto device_pool = PoolBuilder(env.allocator).setName("fault pool").setBlockSize(256 * KiB)
                                            .setMinBlockCount(1).build();
                     auto host_pool = PoolBuilder(env.allocator).setHostAccess(HostAccess::SequentialWrite)
                                          .setBlockSize(64 * KiB).setMaxBlockCount(2).build();
                     auto words = device_pool->allocate<DeviceWords>(1024, "pool words");
                     BufferBase raw = device_pool->allocate_buffer(4096, vk::BufferUsageFlagBits::eStorageBuffer,
                                                                   HostAccess::None);
                     auto image = ImageBuilder()
                                      .setDevice(env.device)
                                      .setAllocator(env.allocator)
                                      .setPool(device_pool)
                                      .setFormat(vk::Format::eR8G8B8A8Unorm)
                                      .setExtent(Width{16}, Height{16})
                                      .setUsage(vk::ImageUsageFlagBits::eSampled)
                                      .build();
                     std::vector<std::unique_ptr<HostWords>> hosts;
                     for (std::uint32_t i = 0; i < 3; ++i) {
                         hosts.push_back(host_pool->allocate<HostWords>(4096)); // 16 KiB each
                         hosts.back()->write(std::span<const std::uint32_t>(pattern(4096, i)), 0);
                     }
                     for (std::uint32_t i = 0; i < 3; ++i) {
                         require(hosts[i]->read_as_vector(0, 4096) == pattern(4096, i), "pool host round trip");
                     }
                     require(device_pool->statistics().memory.allocation_count == 3, "pool statistics");
                 }});
    s.push_back({"PackedBufferSlices", [](ScenarioEnv &env) {
                     using Pack = PackedBuffer<std::uint32_t, true, StorageBufferUsage | TransferSrcUsage>;
                     Pack packed(env.allocator, PackedBufferOptions().setBufferSize(16 * KiB).setName("packed"));
                     std::vector<Pack::Slice> slices;
                     for (std::uint32_t i = 0; i < 6; ++i) {
                         slices.push_back(packed.allocate(1000 + i)); // ~4 KiB each: two buffers
                         slices.back().write(std::span<const std::uint32_t>(pattern(1000 + i, i * 100)), 0);
                     }
                     require(packed.statistics().buffer_count == 2, "two packed buffers");
                     for (std::uint32_t i = 0; i < 6; ++i) {
                         require(slices[i].read_as_vector(0, 1000 + i) == pattern(1000 + i, i * 100), "slice bytes");
                     }
                     slices.erase(slices.begin() + 3, slices.end());
                     packed.trim();
                     auto again = packed.allocate(512);
                     again.write(std::span<const std::uint32_t>(pattern(512, 9)), 0);
                     require(again.read_as_vector(0, 512) == pattern(512, 9), "slice after trim");
                     require(slices[0].read_as_vector(0, 1000) == pattern(1000, 0), "first slice kept");
                 }});
    s.push_back({"FrameArenaFrames", [](ScenarioEnv &env) {
                     Semaphore timeline(env.device);
                     Fence fence(env.device, true);
                     FrameArena arena(env.allocator, FrameArenaOptions().setCapacity(16 * KiB).setName("frames"));
                     auto first = arena.allocate<std::uint32_t>(1024);
                     first.write(std::span<const std::uint32_t>(pattern(1024, 1)), 0);
                     arena.end_frame(timeline.handle(), 1);
                     auto second = arena.allocate<std::uint32_t>(4000); // past the capacity: a new ring
                     second.write(std::span<const std::uint32_t>(pattern(4000, 2)), 0);
                     arena.end_frame(fence.handle());
                     timeline.signal(1);
                     (void)arena.reclaim();
                     require(!first.is_live() && !second.is_live(), "frames reclaimed");
                     auto third = arena.allocate<std::uint32_t>(256);
                     third.write(std::span<const std::uint32_t>(pattern(256, 3)), 0);
                     third.flush();
                     const auto *words = reinterpret_cast<const std::uint32_t *>(third.mapped_data());
                     require(Words(words, words + 256) == pattern(256, 3), "chunk bytes");
                     require(arena.statistics().capacity > 16 * KiB, "grown");
                 }});
    s.push_back({"RecorderCopiesAndMipmaps", [](ScenarioEnv &env) {
                     auto chain = ImageBuilder()
                                      .setDevice(env.device)
                                      .setAllocator(env.allocator)
                                      .setFormat(vk::Format::eR8G8B8A8Unorm)
                                      .setExtent(Width{4}, Height{4})
                                      .setFullMipChain()
                                      .setUsage(vk::ImageUsageFlagBits::eTransferSrc |
                                                vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eSampled)
                                      .build();
                     std::vector<std::uint8_t> texels(4 * 4 * 4, 200);
                     auto source = env.allocator->allocate<HostBytes>(texels.size());
                     source->write(std::span<const std::uint8_t>(texels), 0);
                     auto back = env.allocator->allocate<HostBytes>(4 + 64);
                     ResourceTracker tracker;
                     tracker.track(*source, host_write);
                     CommandPool pool(env.device, env.device->graphics_queue().family_index());
                     CommandBuffer commands = pool.allocate();
                     CommandRecorder recorder(commands, tracker);
                     const vk::BufferImageCopy up(0, 0, 0, mip_layers(*chain, MipLevel{0}), {0, 0, 0}, {4, 4, 1});
                     recorder.copy(*source, *chain, std::span(&up, 1));
                     recorder.generate_mipmaps(*chain);
                     const vk::BufferImageCopy down(0, 0, 0, mip_layers(*chain, MipLevel{2}), {0, 0, 0}, {1, 1, 1});
                     recorder.copy(*chain, *back, std::span(&down, 1));
                     recorder.copy(*source, *back, std::array{vk::BufferCopy(0, 4, 64)});
                     tracker.request(*back, host_read);
                     recorder.flush();
                     recorder.end();
                     commands.submit_and_wait(env.device->graphics_queue());
                     const auto got = back->read_as_vector(0, 4 + 64);
                     require(got[0] == 200 && got[3] == 200, "last mip level");
                     require(std::vector<std::uint8_t>(got.begin() + 4, got.end()) == texels, "buffer copy");
                 }});
    s.push_back({"TrackerWithUserSubmission", [](ScenarioEnv &env) {
                     using Readback = Buffer<std::uint32_t, true, TransferDstUsage, HostAccess::Random>;
                     auto source = env.allocator->allocate<DeviceWords>(256);
                     auto target = env.allocator->allocate<Readback>(256);
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     CommandBuffer commands = pool.allocate();
                     Semaphore timeline(env.device);
                     Fence fence(env.device);
                     IdleOnExit idle{env.device};
                     ResourceTracker tracker;
                     commands.begin();
                     tracker.request(*source, copy_write);
                     tracker.flush(commands);
                     commands.handle().fillBuffer(source->handle(), 0, VK_WHOLE_SIZE, 0x11111111U);
                     tracker.request(*source, copy_read);
                     tracker.request(*target, copy_write);
                     tracker.flush(commands);
                     commands.handle().copyBuffer(source->handle(), target->handle(), vk::BufferCopy(0, 0, 1024));
                     tracker.request(*target, host_read);
                     tracker.flush(commands);
                     commands.end();
                     Submission(env.device->compute_queue())
                         .addCommands(commands)
                         .addSignal(timeline.submit_info(1))
                         .submit(fence);
                     fence.wait();
                     require(timeline.wait(1), "signalled");
                     require(target->read_as_vector(0, 256) == Words(256, 0x11111111U), "copied words");
                 }});
    s.push_back({"TransferWaitsOnSemaphores", [](ScenarioEnv &env) {
                     auto words = env.allocator->allocate<DeviceWords>(1024);
                     auto image = transfer_image(env, 8);
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     CommandBuffer fill = pool.allocate();
                     CommandBuffer clear = pool.allocate();
                     Semaphore done(env.device, 0);
                     IdleOnExit idle{env.device};
                     user_fill(env, fill, *words, 1U, done, 1);
                     TransferOptions options = small_transfer();
                     options.direct_access = false;
                     Transfer transfer(env.device, env.allocator, options);
                     const Words data(100, 2U);
                     const vk::SemaphoreSubmitInfo first = done.submit_info(1);
                     transfer.upload_async(*words, std::span<const std::uint32_t>(data), std::span(&first, 1), 10).wait();
                     const auto back = transfer.download_async(*words, std::span(&first, 1)).get();
                     for (std::size_t i = 0; i < back.size(); ++i) {
                         require(back[i] == (i >= 10 && i < 110 ? 2U : 1U), "waited upload");
                     }
                     clear.begin();
                     const vk::ImageMemoryBarrier2 to_clear({}, {}, vk::PipelineStageFlagBits2::eClear,
                                                            vk::AccessFlagBits2::eTransferWrite,
                                                            vk::ImageLayout::eUndefined,
                                                            vk::ImageLayout::eTransferDstOptimal, VK_QUEUE_FAMILY_IGNORED,
                                                            VK_QUEUE_FAMILY_IGNORED, image->handle(), image->full_range());
                     clear.handle().pipelineBarrier2(vk::DependencyInfo({}, {}, {}, to_clear));
                     clear.handle().clearColorImage(image->handle(), vk::ImageLayout::eTransferDstOptimal,
                                                    vk::ClearColorValue(std::array{1.0F, 0.0F, 1.0F, 1.0F}),
                                                    image->full_range());
                     clear.end();
                     const vk::SemaphoreSubmitInfo signal = done.submit_info(2);
                     clear.submit(env.device->compute_queue(), {}, std::span(&signal, 1));
                     const vk::SemaphoreSubmitInfo second = done.submit_info(2);
                     const auto texels = transfer.download(*image, MipLevel{0}, ArrayLayer{0},
                                                           vk::ImageLayout::eTransferDstOptimal, std::span(&second, 1));
                     require(texels.size() == 256 && texels[0] == std::byte{255} && texels[1] == std::byte{0},
                             "cleared texels");
                 }});
    s.push_back({"LegacySubmitAndQueueWaitIdle", [](ScenarioEnv &env) {
                     auto words = env.allocator->allocate<Buffer<std::uint32_t, true, TransferDstUsage,
                                                                 HostAccess::Random>>(64);
                     CommandPool pool(env.device, env.device->compute_queue().family_index());
                     CommandBuffer commands = pool.allocate();
                     IdleOnExit idle{env.device};
                     commands.begin();
                     commands.handle().fillBuffer(words->handle(), 0, VK_WHOLE_SIZE, 0x5A5A5A5AU);
                     const vk::BufferMemoryBarrier2 to_host(vk::PipelineStageFlagBits2::eClear,
                                                            vk::AccessFlagBits2::eTransferWrite,
                                                            vk::PipelineStageFlagBits2::eHost,
                                                            vk::AccessFlagBits2::eHostRead, VK_QUEUE_FAMILY_IGNORED,
                                                            VK_QUEUE_FAMILY_IGNORED, words->handle(), 0, VK_WHOLE_SIZE);
                     commands.handle().pipelineBarrier2(vk::DependencyInfo({}, {}, to_host, {}));
                     commands.end();
                     const vk::CommandBuffer handle = commands.handle();
                     const vk::SubmitInfo submit({}, {}, handle);
                     Queue &queue = env.device->compute_queue();
                     queue.submit(std::span(&submit, 1));
                     queue.wait_idle();
                     require(words->read_as_vector(0, 64) == Words(64, 0x5A5A5A5AU), "filled words");
                 }});
    s.push_back({"NonCoherentFlushAndInvalidate", [](ScenarioEnv &env) {
                     const NonCoherentMemory non_coherent;
                     auto allocator = AllocatorBuilder(env.instance, env.device).build();
                     auto host = allocator->allocate<HostWords>(1024);
                     host->write(std::span<const std::uint32_t>(pattern(1024, 41)), 0); // flushes
                     host->flush(0, 256);
                     auto readback = allocator->allocate<ReadbackBuffer<std::uint32_t>>(1024);
                     readback->write(std::span<const std::uint32_t>(pattern(1024, 43)), 0);
                     readback->invalidate(0, readback->size_bytes());
                     require(readback->read_as_vector(0, 1024) == pattern(1024, 43), "invalidated read");
                     auto words = allocator->allocate<DeviceWords>(1024);
                     Transfer transfer(env.device, allocator, small_transfer());
                     transfer.upload(*words, std::span<const std::uint32_t>(pattern(1024, 47)));
                     require(transfer.download(*words) == pattern(1024, 47), "transfer round trip");
                 }});
    s.push_back({"TextureLoadSave", [](ScenarioEnv &env) {
                     // A PNG in memory to a texture with its 5 GPU mip levels, level 0 read back and
                     // encoded again (the save path without a file).
                     Transfer transfer(env.device, env.allocator, small_transfer());
                     PixelImage picture{16, 8, 4, PixelType::UInt8, texels(16 * 8 * 4, 7)};
                     const Texture texture = load_texture(transfer, env.allocator, encode_png(picture), "fault.png",
                                                          TextureOptions{.color_space = ColorSpace::Linear});
                     require(texture.image->mip_levels() == 5, "mip levels");
                     const PixelImage back = read_texture(transfer, *texture.image);
                     require(back.pixels == picture.pixels, "texture texels");
                     require(load_image(encode_png(back)).pixels == picture.pixels, "saved texels");
                     require(read_texture(transfer, *texture.image, MipLevel{4}).pixels.size() == 4, "last level (1 x 1)");
                 }});
    s.push_back({"ExternalMemoryExportImport", [](ScenarioEnv &env) {
                     const auto support = ExternalMemory::buffer_support(
                         *env.device, vk::BufferUsageFlags(HostWords::flags), ExternalMemoryHandle::OpaqueFd);
                     if (!support.exportable || !support.importable) return;
                     auto exported = ExternalMemory::allocate_exportable<HostWords>(*env.allocator, 1024,
                                                                                   ExternalMemoryHandle::OpaqueFd,
                                                                                   "exported");
                     exported->write(std::span<const std::uint32_t>(pattern(1024, 37)), 0);
                     ExportedMemory memory = ExternalMemory::export_fd(*exported);
                     auto imported = ExternalMemory::import_buffer<HostWords>(*env.allocator, memory, 1024, "imported");
                     require(!memory.fd.valid(), "the import took the descriptor");
                     require(imported->read_as_vector(0, 1024) == pattern(1024, 37), "imported bytes");
                     const auto counted = ExternalMemory::statistics(*env.allocator);
                     require(counted.exported_allocations == 1 && counted.imported_allocations == 1,
                             "external statistics");
                     // An image exported and imported again on the same device, its texels handed over.
                     const auto image_usage = vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst;
                     if (ExternalMemory::image_support(*env.device, vk::Format::eR8G8B8A8Unorm, image_usage,
                                                       ExternalMemoryHandle::OpaqueFd)
                             .importable) {
                         const auto describe = [&] {
                             ImageBuilder builder;
                             builder.setDevice(env.device)
                                 .setAllocator(env.allocator)
                                 .setFormat(vk::Format::eR8G8B8A8Unorm)
                                 .setExtent(Width{8}, Height{8})
                                 .setUsage(image_usage);
                             return builder;
                         };
                         auto image = describe().setExportable().setName("exported image").build();
                         Transfer transfer(env.device, env.allocator, unpolled_transfer());
                         std::vector<std::byte> texels(8 * 8 * 4);
                         for (std::size_t i = 0; i < texels.size(); ++i) texels[i] = static_cast<std::byte>(i * 7);
                         transfer.upload(*image, texels, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral);
                         release_external(env.device->graphics_queue(), *image, vk::ImageLayout::eGeneral);
                         ExportedMemory image_memory = ExternalMemory::export_fd(*image);
                         auto received = describe().setImportedMemory(image_memory).build();
                         require(!image_memory.fd.valid(), "the image import took the descriptor");
                         acquire_external(env.device->graphics_queue(), *received, vk::ImageLayout::eUndefined,
                                          vk::ImageLayout::eGeneral);
                         require(transfer.download(*received, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral) ==
                                     texels,
                                 "imported texels");
                     }
                     if (env.device->has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
                         const std::size_t alignment = static_cast<std::size_t>(
                             *env.device->physical_device().memory_limits().min_imported_host_pointer_alignment);
                         std::unique_ptr<void, void (*)(void *)> host(std::aligned_alloc(alignment, alignment),
                                                                      &std::free);
                         if (!host) throw std::bad_alloc();
                         auto registered = ExternalMemory::import_host_pointer<HostWords>(
                             *env.allocator, host.get(), alignment / sizeof(std::uint32_t));
                         registered->write(std::uint32_t{41}, 0);
                         require(*static_cast<const std::uint32_t *>(host.get()) == 41, "host bytes");
                     }
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
    // Registered host memory: the import (vkGetMemoryHostPointerPropertiesEXT, vkCreateBuffer,
    // vkAllocateMemory with the host pointer) falls back to staging when it fails; the
    // zero-copy copies' submissions and waits throw.
    s.push_back({"RegisteredHostMemory", [](ScenarioEnv &env) {
                     TransferOptions options = small_transfer();
                     options.direct_access = false;
                     Transfer transfer(env.device, env.allocator, options);
                     auto buffer = env.allocator->allocate<DeviceWords>(4096);
                     Words source = pattern(4096, 37);
                     Words landing(4096, 0);
                     const HostRegistration from = transfer.register_host_memory(std::span(source));
                     const HostRegistration into = transfer.register_host_memory(std::span(landing));
                     transfer.upload(*buffer, std::span<const std::uint32_t>(source));
                     transfer.download(*buffer, std::span(landing));
                     require(landing == source, "registered round trip");
                 }});
    return s;
}

} // namespace

const std::vector<Scenario> &fault_scenarios() {
    static const std::vector<Scenario> scenarios = make_scenarios();
    return scenarios;
}

} // namespace vw::test
