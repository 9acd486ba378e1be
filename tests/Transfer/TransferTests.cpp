#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <future>
#include <latch>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "Support/FaultInjection.h"
#include "Support/IndependentCopies.h"
#include "Support/RandomBytes.h"
#include "Support/StagedOptions.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Transfer/StagingStream.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"

namespace vw {
namespace {

using Bytes = std::vector<std::byte>;
using DeviceBytes = Buffer<std::byte, false, StorageBufferUsage>;
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;

using test::random_bytes;
using test::staged_options;

class TransferTests : public test::AllocatorTest {
protected:
    Bytes read_independently(const BufferBase &buffer) { return test::read_independently(device, *allocator, buffer); }

    void write_independently(BufferBase &buffer, const Bytes &bytes) {
        test::write_independently(device, *allocator, buffer, bytes);
    }
};

class TransferPathTests : public TransferTests, public ::testing::WithParamInterface<bool> {
protected:
    TransferOptions options() const {
        TransferOptions options = staged_options();
        options.direct_access = GetParam();
        return options;
    }
};

TEST_P(TransferPathTests, UploadsLargerThanTheRingWithOddSizesAndOffsets) {
    Transfer transfer(device, allocator, options());
    const std::size_t size = 1024 * 1024 + 4096 + 123; // 16+ chunks of 64 KiB, 3 slots
    auto buffer = allocator->allocate<DeviceBytes>(size + 1000);
    const Bytes background = random_bytes(size + 1000, 1);
    write_independently(*buffer, background);

    const Bytes data = random_bytes(size, 2);
    transfer.upload(*buffer, data, 777);
    Bytes expected = background;
    std::copy(data.begin(), data.end(), expected.begin() + 777);
    EXPECT_EQ(read_independently(*buffer), expected);
}

TEST_P(TransferPathTests, DownloadsWholeBuffersAndRanges) {
    Transfer transfer(device, allocator, options());
    const std::size_t words = (300 * 1024 + 3) / 4 * 4 / 4;
    auto buffer = allocator->allocate<DeviceWords>(words);
    const Bytes bytes = random_bytes(words * 4, 3);
    write_independently(*buffer, bytes);
    std::vector<std::uint32_t> expected(words);
    std::memcpy(expected.data(), bytes.data(), bytes.size());

    EXPECT_EQ(transfer.download(*buffer), expected);
    const auto range = transfer.download(*buffer, 12345, 54321);
    EXPECT_EQ(range, std::vector<std::uint32_t>(expected.begin() + 12345, expected.begin() + 12345 + 54321));
}

TEST_P(TransferPathTests, RepeatedUploadsAndDownloadsOfTheSameBufferStayOrdered) {
    Transfer transfer(device, allocator, options());
    auto buffer = allocator->allocate<DeviceBytes>(200 * 1024);
    for (std::uint32_t round = 0; round < 4; ++round) {
        const Bytes data = random_bytes(buffer->size(), 10 + round);
        auto ticket = transfer.upload_async(*buffer, data);
        // Downloads are ordered after the upload still in flight.
        EXPECT_EQ(transfer.download(*buffer), data);
        ticket.wait();
        EXPECT_TRUE(ticket.ready());
    }
}

TEST_P(TransferPathTests, AsyncDownloadsReturnTheDataOnGet) {
    Transfer transfer(device, allocator, options());
    auto buffer = allocator->allocate<DeviceWords>(100000);
    const Bytes bytes = random_bytes(400000, 21);
    write_independently(*buffer, bytes);
    std::vector<std::uint32_t> expected(100000);
    std::memcpy(expected.data(), bytes.data(), bytes.size());

    auto whole = transfer.download_async(*buffer);
    auto part = transfer.download_async(*buffer, 500, 1000);
    auto dropped = transfer.download_async(*buffer, 0, 10); // destroyed unread: waits, no leak
    auto empty = transfer.download_async(*buffer, 100000, 0);
    EXPECT_TRUE(empty.ready());
    EXPECT_TRUE(empty.get().empty());
    EXPECT_EQ(part.get(), std::vector<std::uint32_t>(expected.begin() + 500, expected.begin() + 1500));
    EXPECT_EQ(whole.get(), expected);
    EXPECT_TRUE(whole.ready());
    EXPECT_THROW((void)whole.get(), LogicError); // once only
    auto moved = std::move(part);
    EXPECT_THROW((void)part.get(), LogicError);
    EXPECT_THROW((void)transfer.download_async(*buffer, 99999, 2), LogicError);
    { const auto unread = std::move(dropped); } // destroyed unread: waits, and gives its block back
    transfer.trim();
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U);
}

INSTANTIATE_TEST_SUITE_P(Paths, TransferPathTests, ::testing::Bool(), [](const auto &param_info) {
    return param_info.param ? std::string("DirectWhereHostVisible") : std::string("StagingRing");
});

TEST_F(TransferTests, DefaultOptionsRoundTripTheAllocatorPage) {
    struct Vertex {
        float x, y, z;
        std::uint32_t colour;
    };
    std::vector<Vertex> vertices(1000);
    for (std::size_t i = 0; i < vertices.size(); ++i) {
        vertices[i] = {float(i), float(i) * 2, 0.5F, std::uint32_t(i)};
    }
    auto vertexBuffer = allocator->allocate<Buffer<Vertex, false, VertexBufferUsage>>(1000);
    // --- the entry-point snippet of DESIGN.md ---
    vw::Transfer transfer(device, allocator);
    transfer.upload(*vertexBuffer, vertices);
    std::vector<Vertex> back = transfer.download(*vertexBuffer);
    // ---
    ASSERT_EQ(back.size(), vertices.size());
    EXPECT_EQ(std::memcmp(back.data(), vertices.data(), vertices.size() * sizeof(Vertex)), 0);
    EXPECT_EQ(transfer.copy_threads(), transfer.options().copy_threads);
    EXPECT_GE(transfer.copy_threads(), 1U);
    EXPECT_LE(transfer.copy_threads(), 16U);
}

// More chunks than a 64-bit doubling survives: the chunk size ramps up and must stop at the slot
// size (before the fix it wrapped to 0 after 48 chunks and the upload looped forever).
TEST_F(TransferTests, UploadsOfManyMoreChunksThanTheRampRoundTrip) {
    Transfer transfer(device, allocator, staged_options());
    constexpr std::size_t bytes = 200 * 64 * 1024; // 200 chunks of 64 KiB
    const Bytes data = random_bytes(bytes, 11);
    auto buffer = allocator->allocate<Buffer<std::byte, false, StorageBufferUsage>>(bytes);
    transfer.upload(*buffer, std::span<const std::byte>(data));
    EXPECT_EQ(read_independently(*buffer), data);
    EXPECT_EQ(transfer.download(*buffer), data);
}

TEST_F(TransferTests, HostVisibleBuffersAreWrittenAndReadDirectly) {
    Transfer transfer(device, allocator, staged_options());
    auto staging = allocator->allocate<Buffer<std::uint32_t, true, UniformBufferUsage>>(5000);
    auto readback = allocator->allocate<ReadbackBuffer<std::uint32_t>>(5000);
    std::vector<std::uint32_t> data(5000);
    for (std::uint32_t i = 0; i < data.size(); ++i) data[i] = i * 7919U;
    auto ticket = transfer.upload_async(*staging, data, 0);
    EXPECT_TRUE(ticket.ready()); // no GPU work was needed
    EXPECT_FALSE(ticket.semaphore());
    EXPECT_EQ(staging->read_as_vector(0, 5000), data);
    readback->write(data, 0);
    EXPECT_EQ(transfer.download(*readback, 100, 10),
              std::vector<std::uint32_t>(data.begin() + 100, data.begin() + 110));
}

TEST_F(TransferTests, BadRangesAreLogicErrorsAndWriteNothing) {
    Transfer transfer(device, allocator, staged_options());
    auto buffer = allocator->allocate<DeviceWords>(100);
    const Bytes original = random_bytes(400, 5);
    write_independently(*buffer, original);
    const std::vector<std::uint32_t> too_long(101, 1);
    EXPECT_THROW(transfer.upload(*buffer, too_long), LogicError);
    const std::vector<std::uint32_t> two(2, 2);
    EXPECT_THROW(transfer.upload(*buffer, two, 99), LogicError);
    EXPECT_THROW(transfer.upload(*buffer, two, 101), LogicError);
    EXPECT_THROW(transfer.upload(*buffer, std::span<const std::uint32_t>{}, 101), LogicError);
    EXPECT_THROW((void)transfer.download(*buffer, 90, 11), LogicError);
    EXPECT_THROW((void)transfer.download(*buffer, 101, 0), LogicError);
    // A zero-length upload is a no-op, also at the very end.
    transfer.upload(*buffer, std::span<const std::uint32_t>{}, 100);
    EXPECT_TRUE(transfer.upload_async(*buffer, std::span<const std::uint32_t>{}, 0).ready());
    EXPECT_TRUE(transfer.download(*buffer, 100, 0).empty());
    EXPECT_EQ(read_independently(*buffer), original);
}

TEST_F(TransferTests, BuffersWithoutTransferUsageAreRefused) {
    Transfer transfer(device, allocator, staged_options());
    auto vertex_only = allocator->allocate_buffer(256, VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, HostAccess::None);
    const Bytes data(16, std::byte{1});
    EXPECT_THROW(transfer.upload_bytes(vertex_only, data, 0), LogicError);
    Bytes out(16);
    EXPECT_THROW(transfer.download_bytes(vertex_only, out, 0), LogicError);
    BufferBase empty;
    EXPECT_THROW(transfer.upload_bytes(empty, data, 0), LogicError);
}

TEST_F(TransferTests, ASpinningEngineMovesTheSameBytes) {
    TransferOptions options = staged_options();
    options.wait_spin = std::chrono::microseconds(200);
    Transfer transfer(device, allocator, options);
    auto buffer = allocator->allocate<DeviceBytes>(3 * 1024 * 1024 + 5);
    const Bytes data = random_bytes(buffer->size(), 31);
    transfer.upload(*buffer, data);
    EXPECT_EQ(transfer.download(*buffer), data);
    const TransferTicket ticket = transfer.upload_async(*buffer, std::span(data).first(4096), 1);
    ASSERT_TRUE(ticket.semaphore());
    const bool counted = test::fault::available();
    if (counted) test::fault::reset();
    ticket.wait();
    if (counted) {
        EXPECT_GE(test::fault::calls("vkGetSemaphoreCounterValue"), 1U) << "the ticket's wait polls";
    }
    // An engine that does not poll waits in vkWaitSemaphores alone.
    TransferOptions sleeping = staged_options();
    sleeping.wait_spin = std::chrono::microseconds(0);
    Transfer sleeper(device, allocator, sleeping);
    const TransferTicket slept = sleeper.upload_async(*buffer, std::span(data).first(4096), 1);
    if (counted) test::fault::reset();
    slept.wait();
    if (counted) {
        EXPECT_EQ(test::fault::calls("vkGetSemaphoreCounterValue"), 0U);
        EXPECT_EQ(test::fault::calls("vkWaitSemaphores"), 1U);
    }
    Bytes expected = data;
    std::copy_n(data.begin(), 4096, expected.begin() + 1);
    EXPECT_EQ(transfer.download(*buffer), expected);
}

TEST_F(TransferTests, InvalidOptionsAndArgumentsAreLogicErrors) {
    TransferOptions options;
    options.staging_slots = 1;
    EXPECT_THROW(Transfer(device, allocator, options), LogicError);
    options = {};
    options.chunk_bytes = 0;
    EXPECT_THROW(Transfer(device, allocator, options), LogicError);
    options = {};
    options.wait_spin = std::chrono::microseconds(-1);
    EXPECT_THROW(Transfer(device, allocator, options), LogicError);
    options.wait_spin = std::chrono::microseconds::max(); // would overflow as nanoseconds
    EXPECT_THROW(Transfer(device, allocator, options), LogicError);
    EXPECT_THROW(Transfer(nullptr, allocator), LogicError);
    EXPECT_THROW(Transfer(device, nullptr), LogicError);
    const auto other_device = instance->findGpu().build();
    EXPECT_THROW(Transfer(other_device, allocator), LogicError);
}

TEST_F(TransferTests, YourSubmissionCanWaitOnAnAsyncUpload) {
    Transfer transfer(device, allocator, staged_options());
    auto buffer = allocator->allocate<DeviceBytes>(512 * 1024);
    auto readback = allocator->allocate<ReadbackBuffer<std::byte>>(512 * 1024);
    const Bytes data = random_bytes(buffer->size(), 6);
    const TransferTicket ticket = transfer.upload_async(*buffer, data);
    ASSERT_TRUE(ticket.semaphore());

    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.handle().copyBuffer(buffer->handle(), readback->handle(), vk::BufferCopy(0, 0, data.size()));
    const vk::MemoryBarrier2 to_host(vk::PipelineStageFlagBits2::eCopy, vk::AccessFlagBits2::eTransferWrite,
                                     vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
    commands.handle().pipelineBarrier2(vk::DependencyInfo({}, to_host));
    commands.end();
    const vk::SemaphoreSubmitInfo wait = ticket.wait_info(vk::PipelineStageFlagBits2::eCopy);
    const Fence fence(device);
    Submission(device->compute_queue()).addCommands(commands).addWait(wait).submit(fence);
    fence.wait();
    EXPECT_TRUE(ticket.ready());
    EXPECT_EQ(readback->read_as_vector(0, data.size()), data);
}

TEST_F(TransferTests, SeveralThreadsUploadToDifferentBuffersAtOnce) {
    Transfer transfer(device, allocator, staged_options());
    constexpr std::size_t threads = 4;
    std::vector<std::unique_ptr<DeviceBytes>> buffers;
    std::vector<Bytes> last(threads);
    for (std::size_t t = 0; t < threads; ++t) buffers.push_back(allocator->allocate<DeviceBytes>(150 * 1024 + t));
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (std::uint32_t round = 0; round < 5; ++round) {
                last[t] = random_bytes(buffers[t]->size(), 100 * static_cast<std::uint32_t>(t) + round);
                transfer.upload(*buffers[t], last[t]);
            }
        });
    }
    for (auto &worker : workers) worker.join();
    for (std::size_t t = 0; t < threads; ++t) EXPECT_EQ(read_independently(*buffers[t]), last[t]) << t;
}

// Holds the first upload that reaches its second chunk right there, inside the upload ring with
// its lock held and its first chunk submitted, until released.
class HoldUploadAtSecondChunk final : public detail::StagingStreamProbe {
public:
    void before_chunk(detail::StagingDirection direction, std::size_t chunk) override {
        if (direction != detail::StagingDirection::Upload || chunk != 1 || m_taken) return;
        m_taken = true;
        held.count_down();
        release.wait();
    }

    std::latch held{1};
    std::latch release{1};

private:
    bool m_taken = false; // only the holding thread reaches it
};

class InstalledProbe {
public:
    explicit InstalledProbe(detail::StagingStreamProbe &probe) { detail::set_staging_stream_probe(&probe); }
    ~InstalledProbe() { detail::set_staging_stream_probe(nullptr); }
    InstalledProbe(const InstalledProbe &) = delete;
    InstalledProbe &operator=(const InstalledProbe &) = delete;
};

TEST_F(TransferTests, ReadbacksAreNotBlockedByAnUploadInFlightOnAnotherThread) {
    Transfer transfer(device, allocator, staged_options()); // 64 KiB chunks: the upload has 8
    auto big = allocator->allocate<DeviceBytes>(512 * 1024);
    auto small = allocator->allocate<DeviceWords>(256);
    const Bytes upload_data = random_bytes(big->size(), 21);
    const Bytes small_bytes = random_bytes(small->size_bytes(), 22);
    write_independently(*small, small_bytes);
    std::vector<std::uint32_t> small_words(small->size());
    std::memcpy(small_words.data(), small_bytes.data(), small_bytes.size());

    HoldUploadAtSecondChunk probe;
    const InstalledProbe installed(probe);
    std::thread uploader([&] { transfer.upload(*big, upload_data); });
    probe.held.wait(); // from here until release, the upload is in flight, inside the upload ring

    auto readbacks = std::async(std::launch::async, [&] {
        PendingDownload<std::uint32_t> pending = transfer.download_async(*small);
        std::vector<std::uint32_t> asynchronous = pending.get();
        std::vector<std::uint32_t> through_the_ring = transfer.download(*small, 16, 100);
        return std::pair(std::move(asynchronous), std::move(through_the_ring));
    });
    // Not a timing condition: with one lock per ring the readbacks finish while the upload is
    // held, however slow the machine, and the wait returns as soon as they do. The bound only
    // turns the deadlock of a readback waiting for the upload's lock into a failure, and the
    // release below lets both threads end either way.
    const bool finished = readbacks.wait_for(std::chrono::minutes(2)) == std::future_status::ready;
    probe.release.count_down();
    uploader.join();
    ASSERT_TRUE(finished) << "the readbacks waited for the upload in flight on the other thread";

    const auto [asynchronous, through_the_ring] = readbacks.get();
    EXPECT_EQ(asynchronous, small_words);
    EXPECT_EQ(through_the_ring,
              std::vector<std::uint32_t>(small_words.begin() + 16, small_words.begin() + 116));
    EXPECT_EQ(read_independently(*big), upload_data);
}

// Images --------------------------------------------------------------------------------------

struct ImageCase {
    vk::Format format;
    std::uint32_t width, height, levels, layers;
};

class ImageTransferTests : public TransferTests, public ::testing::WithParamInterface<ImageCase> {};

TEST_P(ImageTransferTests, EveryLevelAndLayerRoundTrips) {
    const ImageCase c = GetParam();
    const vk::ImageUsageFlags usage = vk::ImageUsageFlagBits::eTransferDst |
                                      vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eSampled;
    vk::ImageFormatProperties properties;
    if (device->physical_device().handle().getImageFormatProperties(c.format, vk::ImageType::e2D,
                                                                    vk::ImageTiling::eOptimal, usage, {},
                                                                    &properties) != vk::Result::eSuccess) {
        GTEST_SKIP() << vk::to_string(c.format) << " is not supported for transfers here";
    }
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(c.format)
                     .setExtent(Width{c.width}, Height{c.height})
                     .setMipLevels(c.levels)
                     .setArrayLayers(c.layers)
                     .setUsage(usage)
                     .build();
    Transfer transfer(device, allocator, staged_options());
    std::vector<std::vector<Bytes>> data(c.levels, std::vector<Bytes>(c.layers));
    for (std::uint32_t level = 0; level < c.levels; ++level) {
        for (std::uint32_t layer = 0; layer < c.layers; ++layer) {
            data[level][layer] = random_bytes(Transfer::subresource_bytes(*image, MipLevel{level}),
                                              level * 100 + layer);
            transfer.upload(*image, data[level][layer], MipLevel{level}, ArrayLayer{layer});
        }
    }
    for (std::uint32_t level = 0; level < c.levels; ++level) {
        for (std::uint32_t layer = 0; layer < c.layers; ++layer) {
            EXPECT_EQ(transfer.download(*image, MipLevel{level}, ArrayLayer{layer},
                                        vk::ImageLayout::eShaderReadOnlyOptimal),
                      data[level][layer])
                << "level " << level << " layer " << layer;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, ImageTransferTests,
    ::testing::Values(ImageCase{vk::Format::eR8G8B8A8Unorm, 300, 200, 4, 3},
                      ImageCase{vk::Format::eR32G32B32A32Sfloat, 64, 64, 7, 2},
                      ImageCase{vk::Format::eR16Uint, 17, 5, 3, 1},
                      ImageCase{vk::Format::eBc1RgbaUnormBlock, 64, 32, 3, 2},
                      ImageCase{vk::Format::eD32Sfloat, 40, 30, 1, 2}),
    [](const auto &param_info) { return vk::to_string(param_info.param.format); });

TEST_F(TransferTests, AsyncImageUploadsCompleteOnTheirTicket) {
    Transfer transfer(device, allocator, staged_options());
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{64}, Height{64})
                     .setArrayLayers(3)
                     .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eTransferSrc |
                               vk::ImageUsageFlagBits::eSampled)
                     .build();
    std::vector<Bytes> layers;
    std::vector<TransferTicket> tickets;
    for (std::uint32_t layer = 0; layer < 3; ++layer) {
        layers.push_back(random_bytes(64 * 64 * 4, 40 + layer));
        tickets.push_back(transfer.upload_async(*image, layers.back(), MipLevel{0}, ArrayLayer{layer}));
        ASSERT_TRUE(tickets.back().semaphore());
    }
    for (const auto &ticket : tickets) ticket.wait();
    for (std::uint32_t layer = 0; layer < 3; ++layer) {
        EXPECT_EQ(transfer.download(*image, MipLevel{0}, ArrayLayer{layer}, vk::ImageLayout::eShaderReadOnlyOptimal),
                  layers[layer]);
    }
}

// The staging arena ---------------------------------------------------------------------------

struct Texel3 {
    std::uint32_t r, g, b;
    bool operator==(const Texel3 &) const = default;
};

TEST_F(TransferTests, StagingArenaAllocatesNothingOnceWarm) {
    TransferOptions options = staged_options(); // staged, 64 KiB chunks
    options.staging_idle = std::chrono::hours(1);  // no block ages out, however slow the machine
    Transfer transfer(device, allocator, options);
    auto words = allocator->allocate<DeviceWords>(100000);
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{64}, Height{32})
                     .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eTransferSrc |
                               vk::ImageUsageFlagBits::eSampled)
                     .build();
    std::vector<std::uint32_t> out(2000);
    const auto round = [&](std::uint32_t seed) {
        const Bytes bytes = random_bytes(words->size_bytes(), seed);
        std::vector<std::uint32_t> data(words->size());
        std::memcpy(data.data(), bytes.data(), bytes.size());
        transfer.upload(*words, data);
        ASSERT_EQ(transfer.download(*words), data);
        PendingDownload<std::uint32_t> pending = transfer.download_async(*words, 500, 1000);
        ASSERT_EQ(pending.get(), std::vector<std::uint32_t>(data.begin() + 500, data.begin() + 1500));
        transfer.download(*words, std::span(out), 7);
        ASSERT_TRUE(std::equal(out.begin(), out.end(), data.begin() + 7));
        const std::vector<std::uint32_t> few(37, seed);
        transfer.upload_async(*words, std::span<const std::uint32_t>(few), 99).wait();
        ASSERT_EQ(transfer.download(*words, 99, 37), few);
        const Bytes texels = random_bytes(Transfer::subresource_bytes(*image, MipLevel{0}), seed + 1);
        transfer.upload(*image, texels, MipLevel{0}, ArrayLayer{0});
        ASSERT_EQ(transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eShaderReadOnlyOptimal),
                  texels);
    };
    round(1);
    round(2);
    const std::uint32_t allocations = allocator->statistics().total.allocation_count;
    const StagingStatistics warm = transfer.staging_statistics();
    EXPECT_GT(warm.allocations, 0U);
    EXPECT_GT(warm.command_pools, 0U);
    for (std::uint32_t seed = 10; seed < 40; ++seed) {
        round(seed);
        if (HasFatalFailure()) return;
    }
    const StagingStatistics after = transfer.staging_statistics();
    EXPECT_EQ(allocator->statistics().total.allocation_count, allocations) << "VMA allocations on the hot path";
    EXPECT_EQ(after.allocations, warm.allocations);
    EXPECT_EQ(after.command_pools, warm.command_pools) << "command pools created on the hot path";
    EXPECT_EQ(after.held_bytes, warm.held_bytes);
    EXPECT_LE(after.peak_bytes, options.staging_budget);
}

TEST_F(TransferTests, StagingMemoryStaysWithinItsBudgetAndTrimGivesItBack) {
    TransferOptions options = staged_options();
    options.chunk_bytes = 256 * 1024;
    options.staging_slots = 4;                 // 1 MiB of chunks in flight wanted...
    options.staging_budget = 512 * 1024;       // ...half of it allowed
    options.staging_idle = std::chrono::hours(1);
    Transfer transfer(device, allocator, options);
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U) << "the arena starts empty";
    auto big = allocator->allocate<DeviceBytes>(4 * 1024 * 1024 + 123);
    const std::uint32_t allocations = allocator->statistics().total.allocation_count;
    const Bytes data = random_bytes(big->size(), 5);
    transfer.upload(*big, data);
    EXPECT_EQ(read_independently(*big), data);
    EXPECT_EQ(transfer.download(*big), data);
    const StagingStatistics used = transfer.staging_statistics();
    EXPECT_GT(used.held_bytes, 0U);
    EXPECT_LE(used.peak_bytes, options.staging_budget);
    EXPECT_EQ(used.budget_bytes, options.staging_budget);
    EXPECT_GT(allocator->statistics().total.allocation_count, allocations);

    EXPECT_EQ(transfer.trim(), used.held_bytes);
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U);
    EXPECT_EQ(transfer.staging_statistics().blocks, 0U);
    EXPECT_EQ(allocator->statistics().total.allocation_count, allocations) << "trim() left staging memory";
    EXPECT_EQ(transfer.download(*big), data) << "the arena grows again after a trim";
}

TEST_F(TransferTests, IdleStagingBlocksAreFreedAtTheNextTransfer) {
    TransferOptions options = staged_options();
    options.staging_idle = std::chrono::milliseconds(0);
    Transfer transfer(device, allocator, options);
    auto big = allocator->allocate<DeviceBytes>(1024 * 1024);
    auto small = allocator->allocate<DeviceWords>(16);
    const std::uint32_t allocations = allocator->statistics().total.allocation_count;
    const Bytes data = random_bytes(big->size(), 6);
    transfer.upload(*big, data);
    EXPECT_GT(transfer.staging_statistics().peak_bytes, 64U * 1024U);
    const std::vector<std::uint32_t> words(16, 42U);
    transfer.upload(*small, words); // finds the first upload's blocks idle: frees them
    EXPECT_LE(transfer.staging_statistics().held_bytes, 64U * 1024U);
    EXPECT_LE(allocator->statistics().total.allocation_count, allocations + 1);
    EXPECT_EQ(read_independently(*big), data);
    EXPECT_EQ(transfer.download(*small), words);
}

TEST_F(TransferTests, DownloadedVectorsOfElementsThatDoNotDivideTheChunk) {
    // 12-byte elements, 64 KiB chunks: each chunk ends on a whole element.
    Transfer transfer(device, allocator, staged_options());
    auto texels = allocator->allocate<Buffer<Texel3, false, StorageBufferUsage>>(50001);
    std::vector<Texel3> data(texels->size());
    for (std::uint32_t i = 0; i < data.size(); ++i) data[i] = {i, ~i, i * 2654435761U};
    transfer.upload(*texels, data);
    EXPECT_EQ(transfer.download(*texels), data);
    EXPECT_EQ(transfer.download(*texels, 9999, 30001),
              std::vector<Texel3>(data.begin() + 9999, data.begin() + 40000));
    EXPECT_EQ(transfer.download_async(*texels, 3).get(), std::vector<Texel3>(data.begin() + 3, data.end()));
    std::vector<Texel3> reused(20000);
    for (std::size_t first : {std::size_t{0}, std::size_t{30001}}) {
        transfer.download(*texels, std::span(reused), first);
        EXPECT_TRUE(std::equal(reused.begin(), reused.end(), data.begin() + static_cast<std::ptrdiff_t>(first)));
    }
    EXPECT_THROW(transfer.download(*texels, std::span(reused), 30002), LogicError);
    EXPECT_TRUE(transfer.download(*texels, 50001, 0).empty());
}

TEST_F(TransferTests, NewVectorsHoldTheSameElementsWhoeverFaultsTheirPagesIn) {
    // 6 MiB: the new vector's huge pages are populated before the copy, by the calling thread
    // with two participants and by all of them with four (and by get()'s caller for
    // download_async). Staged in 64 KiB chunks and in full ones, and read directly where the
    // device allows it.
    auto texels = allocator->allocate<Buffer<Texel3, false, StorageBufferUsage>>(6 * 1024 * 1024 / 12 + 7);
    std::vector<Texel3> data(texels->size());
    for (std::uint32_t i = 0; i < data.size(); ++i) data[i] = {i * 7U, ~i, i * 2654435761U};
    Transfer(device, allocator).upload(*texels, data);
    for (const std::uint32_t threads : {2U, 4U}) {
        for (const bool small_chunks : {true, false}) {
            for (const bool direct : {false, true}) {
                TransferOptions options = small_chunks ? staged_options() : TransferOptions{};
                options.copy_threads = threads;
                options.direct_access = direct;
                Transfer transfer(device, allocator, options);
                SCOPED_TRACE(testing::Message() << threads << " threads, small chunks " << small_chunks
                                                << ", direct " << direct);
                EXPECT_EQ(transfer.download(*texels), data);
                EXPECT_EQ(transfer.download(*texels, 100001, 200003),
                          std::vector<Texel3>(data.begin() + 100001, data.begin() + 300004));
                EXPECT_EQ(transfer.download_async(*texels).get(), data);
            }
        }
    }
}

TEST_F(TransferTests, AsyncReadsOnTheHostKeepTheBytesOfTheMomentWithinTheBudgetAndPastIt) {
    // A buffer the host reads itself: download_async() copies it at once, into the vector get()
    // returns, whatever the staging budget; later writes do not show, and no staging is held.
    using HostWords = Buffer<std::uint32_t, true, StorageBufferUsage>;
    auto buffer = allocator->allocate<HostWords>(6 * 1024 * 1024 / 4);
    std::vector<std::uint32_t> first(buffer->size());
    for (std::uint32_t i = 0; i < first.size(); ++i) first[i] = i * 2654435761U;
    std::vector<std::uint32_t> second(first.size(), 0xabcdef01U);
    for (const vk::DeviceSize budget : {vk::DeviceSize{64} << 20, vk::DeviceSize{1} << 20}) {
        TransferOptions options;
        options.staging_budget = budget;
        Transfer transfer(device, allocator, options);
        SCOPED_TRACE(testing::Message() << "budget " << budget);
        transfer.upload(*buffer, first);
        auto pending = transfer.download_async(*buffer);
        auto part = transfer.download_async(*buffer, 1000, 3);
        EXPECT_TRUE(pending.ready());
        transfer.upload(*buffer, second);
        EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U);
        EXPECT_EQ(pending.get(), first);
        EXPECT_THROW(static_cast<void>(pending.get()), LogicError);
        EXPECT_EQ(part.get(), std::vector<std::uint32_t>(first.begin() + 1000, first.begin() + 1003));
        EXPECT_EQ(transfer.download_async(*buffer).get(), second);
    }
}

TEST_F(TransferTests, AsyncReadsOnTheHostNeitherAllocateNorSubmit) {
    if (!test::fault::available()) GTEST_SKIP() << "needs the fault-injection layer (VW_FAULT_LAYER=0)";
    using HostWords = Buffer<std::uint32_t, true, StorageBufferUsage>;
    auto buffer = allocator->allocate<HostWords>(300000);
    std::vector<std::uint32_t> data(buffer->size());
    for (std::uint32_t i = 0; i < data.size(); ++i) data[i] = i ^ 0x5a5a5a5aU;
    Transfer transfer(device, allocator);
    transfer.upload(*buffer, data);
    test::fault::reset();
    auto pending = transfer.download_async(*buffer);
    auto bytes = transfer.download_bytes_async(*buffer, 8, 8);
    EXPECT_EQ(test::fault::calls("vkCreateBuffer"), 0U);
    EXPECT_EQ(test::fault::calls("vkAllocateMemory"), 0U);
    EXPECT_EQ(test::fault::calls("vkQueueSubmit2") + test::fault::calls("vkQueueSubmit"), 0U);
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U);
    EXPECT_EQ(pending.get(), data);
    EXPECT_EQ(PendingDownload<std::uint32_t>(std::move(bytes)).get(),
              std::vector<std::uint32_t>(data.begin() + 2, data.begin() + 4));
}

TEST_F(TransferTests, AsyncReadsTakenAsAnotherElementTypeKeepTheirBytes) {
    // download_bytes_async() of a buffer the host reads holds bytes; a PendingDownload of
    // another element type made from it returns them as its elements, through get() or a span.
    using HostWords = Buffer<std::uint32_t, true, StorageBufferUsage>;
    auto buffer = allocator->allocate<HostWords>(4096);
    std::vector<std::uint32_t> data(buffer->size());
    for (std::uint32_t i = 0; i < data.size(); ++i) data[i] = i * 40503U + 7U;
    Transfer transfer(device, allocator);
    transfer.upload(*buffer, data);
    PendingDownload<std::uint32_t> words(transfer.download_bytes_async(*buffer, 16, 64));
    PendingDownload<std::uint16_t> halves(transfer.download_bytes_async(*buffer, 0, 8));
    transfer.upload(*buffer, std::vector<std::uint32_t>(data.size(), 0U));
    EXPECT_EQ(words.get(), std::vector<std::uint32_t>(data.begin() + 4, data.begin() + 20));
    std::vector<std::uint16_t> expected(4);
    std::memcpy(expected.data(), data.data(), 8);
    EXPECT_EQ(halves.get(), expected);
    EXPECT_THROW(static_cast<void>(halves.get()), LogicError);
    // Six bytes are not a whole number of four-byte elements, read by the host or by a copy.
    PendingDownload<std::uint32_t> odd(transfer.download_bytes_async(*buffer, 0, 6));
    EXPECT_THROW(static_cast<void>(odd.get()), LogicError);
    auto device_words = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(64);
    TransferOptions staged;
    staged.direct_access = false;
    Transfer staging(device, allocator, staged);
    staging.upload(*device_words, std::span<const std::uint32_t>(data.data(), 64));
    PendingDownload<std::uint32_t> odd_copy(staging.download_bytes_async(*device_words, 0, 10));
    EXPECT_THROW(static_cast<void>(odd_copy.get()), LogicError);
    PendingDownload<std::uint32_t> whole_copy(staging.download_bytes_async(*device_words, 0, 16));
    EXPECT_EQ(whole_copy.get(), std::vector<std::uint32_t>(data.begin(), data.begin() + 4));
}

TEST_F(TransferTests, SeveralThreadsReadOneBufferTheHostMapsAtOnce) {
    // Device-local memory the host reads directly (lavapipe's) is mapped for each read; two
    // Transfers and several threads map one allocation at once, a small one in a shared block
    // and a large dedicated one. The second Transfer is built on another allocator of the
    // device: the mapping is the buffer's allocator's (under ThreadSanitizer, a Transfer that
    // took its own allocator's lock races with the first on VMA's map count).
    std::vector<std::unique_ptr<DeviceBytes>> buffers;
    buffers.push_back(allocator->allocate<DeviceBytes>(64 * 1024 + 3));
    buffers.push_back(allocator->allocate<DeviceBytes>(24 * 1024 * 1024));
    Transfer first(device, allocator);
    Transfer second(device, AllocatorBuilder().setInstance(instance).setDevice(device).build());
    std::vector<Bytes> contents;
    for (std::size_t b = 0; b < buffers.size(); ++b) {
        contents.push_back(random_bytes(buffers[b]->size(), static_cast<std::uint32_t>(900 + b)));
        first.upload(*buffers[b], contents[b]);
    }
    constexpr std::size_t threads = 4;
    std::vector<int> failures(threads, 0);
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            Transfer &transfer = t % 2 == 0 ? first : second;
            for (int round = 0; round < 8; ++round) {
                for (std::size_t b = 0; b < buffers.size(); ++b) {
                    if (transfer.download(*buffers[b]) != contents[b]) ++failures[t];
                }
            }
        });
    }
    for (auto &worker : workers) worker.join();
    for (std::size_t t = 0; t < threads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

TEST_F(TransferTests, TrimSparesTheBlockOfAReadbackStillHeld) {
    TransferOptions options = staged_options();
    options.staging_idle = std::chrono::hours(1);
    Transfer transfer(device, allocator, options);
    auto buffer = allocator->allocate<DeviceBytes>(40000);
    const Bytes data = random_bytes(buffer->size(), 77);
    transfer.upload(*buffer, data);
    auto pending = transfer.download_async(*buffer);
    transfer.trim(); // frees the upload's block, not the readback's
    EXPECT_GT(transfer.staging_statistics().held_bytes, 0U);
    EXPECT_EQ(pending.get(), data);
    EXPECT_GT(transfer.trim(), 0U) << "the readback's block, once given back";
    EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U);
    EXPECT_EQ(transfer.trim(), 0U);
}

TEST_F(TransferTests, ABudgetSmallerThanOneBlockStillMovesEveryByte) {
    TransferOptions options = staged_options();
    options.staging_budget = 16 * 1024; // below the smallest block (64 KiB)
    Transfer transfer(device, allocator, options);
    auto buffer = allocator->allocate<DeviceBytes>(300 * 1000 + 7);
    for (std::uint32_t round = 0; round < 3; ++round) {
        const Bytes data = random_bytes(buffer->size(), 500 + round);
        transfer.upload(*buffer, data);
        EXPECT_EQ(transfer.download(*buffer), data);
        EXPECT_EQ(transfer.download_async(*buffer, 1000, 5000).get(), Bytes(data.begin() + 1000, data.begin() + 6000));
        transfer.trim();
        EXPECT_EQ(transfer.staging_statistics().held_bytes, 0U) << "round " << round;
    }
}

TEST_F(TransferTests, SeveralThreadsShareOneSmallStagingArena) {
    TransferOptions options = staged_options();
    options.staging_budget = 256 * 1024; // four 64 KiB blocks for every thread together
    Transfer transfer(device, allocator, options);
    constexpr std::size_t threads = 4;
    std::vector<std::unique_ptr<DeviceBytes>> buffers;
    for (std::size_t t = 0; t < threads; ++t) buffers.push_back(allocator->allocate<DeviceBytes>(300 * 1000 + t));
    std::vector<std::thread> workers;
    std::vector<int> failures(threads, 0);
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (std::uint32_t round = 0; round < 6; ++round) {
                const Bytes data = random_bytes(buffers[t]->size(), static_cast<std::uint32_t>(t * 100 + round));
                transfer.upload(*buffers[t], data);
                if (transfer.download(*buffers[t]) != data) ++failures[t];
                auto pending = transfer.download_async(*buffers[t], 1000, 70000);
                if (pending.get() != Bytes(data.begin() + 1000, data.begin() + 71000)) ++failures[t];
            }
        });
    }
    for (auto &worker : workers) worker.join();
    for (std::size_t t = 0; t < threads; ++t) EXPECT_EQ(failures[t], 0) << t;
    // Blocks past the budget (a PendingDownload's, when the budget is taken) are not kept.
    EXPECT_LE(transfer.staging_statistics().held_bytes, options.staging_budget);
}

TEST_F(TransferTests, ImageBadInputIsALogicError) {
    Transfer transfer(device, allocator, staged_options());
    auto image = ImageBuilder()
                     .setDevice(device)
                     .setAllocator(allocator)
                     .setFormat(vk::Format::eR8G8B8A8Unorm)
                     .setExtent(Width{16}, Height{16})
                     .setMipLevels(2)
                     .setUsage(vk::ImageUsageFlagBits::eTransferDst | vk::ImageUsageFlagBits::eSampled)
                     .build();
    EXPECT_EQ(Transfer::subresource_bytes(*image, MipLevel{1}), 8U * 8U * 4U);
    EXPECT_THROW(static_cast<void>(Transfer::subresource_bytes(*image, MipLevel{2})), LogicError);
    const Bytes level0(16 * 16 * 4);
    EXPECT_THROW(transfer.upload(*image, Bytes(16 * 16 * 4 - 1), MipLevel{0}, ArrayLayer{0}), LogicError);
    EXPECT_THROW(transfer.upload(*image, level0, MipLevel{2}, ArrayLayer{0}), LogicError);
    EXPECT_THROW(transfer.upload(*image, level0, MipLevel{0}, ArrayLayer{1}), LogicError);
    EXPECT_THROW(transfer.upload(*image, level0, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eUndefined),
                 LogicError);
    EXPECT_THROW((void)transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eShaderReadOnlyOptimal),
                 LogicError); // no TRANSFER_SRC usage
    transfer.upload(*image, level0, MipLevel{0}, ArrayLayer{0});
}

} // namespace
} // namespace vw
