#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Memory/Pool.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Submission.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/StagingBufferManager.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

using Words = Buffer<std::uint32_t, false, StorageBufferUsage>;
using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;

constexpr vk::DeviceSize KiB = 1024;
constexpr vk::ImageUsageFlags image_usage =
    vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eTransferSrc |
    vk::ImageUsageFlagBits::eTransferDst;

std::uint32_t word_of(std::size_t index) { return 0x9e3779b9u * static_cast<std::uint32_t>(index + 1); }

// Records, submits and waits for `record` on the device's main queue.
template <typename Record>
void on_gpu(const std::shared_ptr<Device> &device, Record record) {
    Queue &queue = device->compute_queue();
    CommandPool pool(device, queue.family_index());
    CommandBuffer commands = pool.allocate();
    commands.begin();
    record(commands.handle());
    commands.end();
    commands.submit_and_wait(queue);
}

// Fills buffer i of `buffers` (null entries skipped) with word_of(i).
void fill(const std::shared_ptr<Device> &device, const std::vector<std::unique_ptr<Words>> &buffers) {
    on_gpu(device, [&](vk::CommandBuffer commands) {
        for (std::size_t i = 0; i < buffers.size(); ++i) {
            if (buffers[i]) commands.fillBuffer(buffers[i]->handle(), 0, VK_WHOLE_SIZE, word_of(i));
        }
    });
}

// Clears image i to a colour made of word_of(1000 + i), leaving it in `layout`.
void clear(const std::shared_ptr<Device> &device, const std::vector<std::unique_ptr<Image>> &images,
           vk::ImageLayout layout) {
    on_gpu(device, [&](vk::CommandBuffer commands) {
        for (std::size_t i = 0; i < images.size(); ++i) {
            if (!images[i]) continue;
            const Image &image = *images[i];
            const vk::ImageMemoryBarrier2 to_general(
                vk::PipelineStageFlagBits2::eNone, vk::AccessFlagBits2::eNone,
                vk::PipelineStageFlagBits2::eClear, vk::AccessFlagBits2::eTransferWrite,
                vk::ImageLayout::eUndefined, vk::ImageLayout::eGeneral, VK_QUEUE_FAMILY_IGNORED,
                VK_QUEUE_FAMILY_IGNORED, image.handle(), image.full_range());
            commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, to_general));
            const std::uint32_t w = word_of(1000 + i);
            const vk::ClearColorValue colour(std::array<std::uint32_t, 4>{w & 0xff, (w >> 8) & 0xff,
                                                                          (w >> 16) & 0xff, w >> 24});
            const vk::ImageSubresourceRange range = image.full_range();
            commands.clearColorImage(image.handle(), vk::ImageLayout::eGeneral, &colour, 1, &range);
            const vk::ImageMemoryBarrier2 to_layout(
                vk::PipelineStageFlagBits2::eClear, vk::AccessFlagBits2::eTransferWrite,
                vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryRead,
                vk::ImageLayout::eGeneral, layout, VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED,
                image.handle(), image.full_range());
            commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, to_layout));
        }
    });
}

// Every word of every surviving buffer, and every texel of every surviving image (RGBA8UI,
// in `layout`), copied into one readback buffer and compared with what fill()/clear() wrote.
// Returns the number of wrong words.
std::size_t count_wrong(const std::shared_ptr<Allocator> &allocator,
                        const std::vector<std::unique_ptr<Words>> &buffers,
                        const std::vector<std::unique_ptr<Image>> &images, vk::ImageLayout layout) {
    std::vector<vk::DeviceSize> offsets;
    vk::DeviceSize total = 0;
    for (const auto &b : buffers) {
        offsets.push_back(total);
        if (b) total += b->size_bytes();
    }
    std::vector<vk::DeviceSize> image_offsets;
    for (const auto &image : images) {
        image_offsets.push_back(total);
        if (image) total += vk::DeviceSize{image->extent().width} * image->extent().height * 4;
    }
    auto readback = allocator->allocate<ReadbackBuffer<std::uint32_t>>(static_cast<std::size_t>(total / 4));
    on_gpu(allocator->device(), [&](vk::CommandBuffer commands) {
        for (std::size_t i = 0; i < buffers.size(); ++i) {
            if (!buffers[i]) continue;
            const vk::BufferCopy region(0, offsets[i], buffers[i]->size_bytes());
            commands.copyBuffer(buffers[i]->handle(), readback->handle(), region);
        }
        for (std::size_t i = 0; i < images.size(); ++i) {
            if (!images[i]) continue;
            const vk::BufferImageCopy region(image_offsets[i], 0, 0,
                                             {vk::ImageAspectFlagBits::eColor, 0, 0, 1}, {},
                                             images[i]->extent());
            commands.copyImageToBuffer(images[i]->handle(), layout, readback->handle(), region);
        }
        const vk::MemoryBarrier2 to_host(vk::PipelineStageFlagBits2::eAllTransfer,
                                         vk::AccessFlagBits2::eTransferWrite,
                                         vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead);
        commands.pipelineBarrier2(vk::DependencyInfo({}, to_host, {}, {}));
    });
    const std::vector<std::uint32_t> words = readback->read_as_vector(0, readback->size());
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        if (!buffers[i]) continue;
        const std::size_t first = static_cast<std::size_t>(offsets[i] / 4);
        for (std::size_t w = 0; w < buffers[i]->size(); ++w) wrong += words[first + w] != word_of(i);
    }
    for (std::size_t i = 0; i < images.size(); ++i) {
        if (!images[i]) continue;
        const std::size_t first = static_cast<std::size_t>(image_offsets[i] / 4);
        const std::size_t texels = std::size_t{images[i]->extent().width} * images[i]->extent().height;
        for (std::size_t t = 0; t < texels; ++t) wrong += words[first + t] != word_of(1000 + i);
    }
    return wrong;
}

std::unique_ptr<Image> texture(const std::shared_ptr<Allocator> &allocator, std::uint32_t side) {
    return test::small_image(allocator, side).setFormat(vk::Format::eR8G8B8A8Uint).setUsage(image_usage).build();
}

// Frees every other entry of `v` (the odd ones).
template <typename T>
void free_odd(std::vector<std::unique_ptr<T>> &v) {
    for (std::size_t i = 1; i < v.size(); i += 2) v[i].reset();
}

class DefragmentationTests : public test::AllocatorTest {
protected:
    void SetUp() override {
        test::AllocatorTest::SetUp();
        // Small blocks, so that a few hundred kilobytes span several of them.
        allocator = AllocatorBuilder(instance, device).setPreferredBlockSize(256 * KiB).build();
    }
};

TEST_F(DefragmentationTests, MovedBuffersKeepTheirBytesAndEveryMoveIsReported) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 96; ++i) buffers.push_back(allocator->allocate<Words>(1024 * (1 + i % 3)));
    fill(device, buffers);
    free_odd(buffers);
    const MemoryStatistics before = allocator->statistics().total;
    std::map<const Allocation *, vk::Buffer> handles;
    for (const auto &b : buffers) if (b) handles[b.get()] = b->handle();

    std::vector<DefragmentationMove> reported;
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    options.on_move = [&](const DefragmentationMove &move) { reported.push_back(move); };
    const DefragmentationResult result = allocator->defragment(options);

    EXPECT_TRUE(result.complete);
    EXPECT_GT(result.moves, 0u);
    EXPECT_EQ(reported.size(), result.moves);
    // A buffer may move in several passes: its reports chain from the handle it had to the one
    // it holds.
    vk::DeviceSize reported_bytes = 0;
    std::map<const Allocation *, std::uint64_t> current;
    for (const auto &[object, handle] : handles) {
        current[object] = reinterpret_cast<std::uint64_t>(static_cast<VkBuffer>(handle));
    }
    std::set<const Allocation *> moved;
    for (const DefragmentationMove &move : reported) {
        ASSERT_EQ(handles.count(move.object), 1u);
        const auto &buffer = static_cast<const BufferBase &>(*move.object);
        EXPECT_EQ(move.type, vk::ObjectType::eBuffer);
        EXPECT_EQ(move.old_handle, current[move.object]);
        EXPECT_NE(move.new_handle, move.old_handle);
        EXPECT_EQ(move.size_bytes, buffer.size_bytes());
        current[move.object] = move.new_handle;
        moved.insert(move.object);
        reported_bytes += move.size_bytes;
    }
    for (const auto &[object, handle] : current) {
        EXPECT_EQ(reinterpret_cast<std::uint64_t>(
                      static_cast<VkBuffer>(static_cast<const BufferBase &>(*object).handle())),
                  handle);
    }
    EXPECT_EQ(reported_bytes, result.bytes_moved);
    const MemoryStatistics after = allocator->statistics().total;
    EXPECT_GT(result.blocks_released, 0u);
    EXPECT_EQ(before.block_count - after.block_count, result.blocks_released);
    EXPECT_EQ(before.block_bytes - after.block_bytes, result.bytes_released);
    EXPECT_EQ(after.allocation_count, before.allocation_count);
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 0u);
}

TEST_F(DefragmentationTests, PinnedAndPersistentlyMappedBuffersStayWhereTheyAre) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 64; ++i) buffers.push_back(allocator->allocate<Words>(2048));
    auto mapped = allocator->allocate<HostWords>(2048);
    std::uint32_t *pointer = reinterpret_cast<std::uint32_t *>(mapped->mapped_data());
    fill(device, buffers);
    free_odd(buffers);
    Words &pinned = *buffers[buffers.size() - 2];
    pinned.pin();
    EXPECT_TRUE(pinned.is_pinned());
    const vk::Buffer pinned_handle = pinned.handle();
    const vk::Buffer mapped_handle = mapped->handle();

    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    const DefragmentationResult result = allocator->defragment(options);
    EXPECT_GT(result.moves, 0u);
    EXPECT_EQ(pinned.handle(), pinned_handle);
    EXPECT_EQ(mapped->handle(), mapped_handle);
    EXPECT_EQ(reinterpret_cast<std::uint32_t *>(mapped->mapped_data()), pointer);
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 0u);

    pinned.unpin();
    EXPECT_FALSE(pinned.is_pinned());
    EXPECT_THROW(pinned.unpin(), LogicError);
}

TEST_F(DefragmentationTests, ABudgetLimitsEachCallAndLaterCallsFinishTheWork) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 96; ++i) buffers.push_back(allocator->allocate<Words>(1024));
    fill(device, buffers);
    free_odd(buffers);
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    options.max_moves = 3;
    const DefragmentationResult first = allocator->defragment(options);
    EXPECT_LE(first.moves, 3u);
    EXPECT_GT(first.moves, 0u);
    EXPECT_FALSE(first.complete);
    options.max_moves = 0;
    options.max_bytes = 8 * KiB;
    const DefragmentationResult second = allocator->defragment(options);
    EXPECT_LE(second.bytes_moved, 8 * KiB);
    std::uint32_t calls = 0;
    bool complete = false;
    while (!complete && calls++ < 200) complete = allocator->defragment(options).complete;
    EXPECT_TRUE(complete);
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 0u);
}

TEST_F(DefragmentationTests, ImagesMoveOnlyWithALayoutAndKeepTheirTexels) {
    std::vector<std::unique_ptr<Image>> images;
    for (std::uint32_t i = 0; i < 24; ++i) images.push_back(texture(allocator, 32));
    const vk::ImageLayout layout = vk::ImageLayout::eShaderReadOnlyOptimal;
    clear(device, images, layout);
    free_odd(images);
    std::map<const Allocation *, vk::Image> handles;
    for (const auto &image : images) if (image) handles[image.get()] = image->handle();

    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    const DefragmentationResult without = allocator->defragment(options);
    EXPECT_EQ(without.moves, 0u);
    EXPECT_GT(without.skipped, 0u);
    for (const auto &[object, handle] : handles) EXPECT_EQ(static_cast<const Image &>(*object).handle(), handle);

    std::vector<DefragmentationMove> reported;
    options.image_layout = [&](const Allocation &) { return layout; };
    options.on_move = [&](const DefragmentationMove &move) { reported.push_back(move); };
    const DefragmentationResult with = allocator->defragment(options);
    EXPECT_GT(with.moves, 0u);
    ASSERT_EQ(reported.size(), with.moves);
    for (const DefragmentationMove &move : reported) {
        ASSERT_EQ(handles.count(move.object), 1u);
        EXPECT_EQ(move.type, vk::ObjectType::eImage);
        EXPECT_EQ(move.new_handle, reinterpret_cast<std::uint64_t>(
                                       static_cast<VkImage>(static_cast<const Image &>(*move.object).handle())));
        EXPECT_NE(move.new_handle, move.old_handle);
    }
    // The copy into the readback buffer reads the images in TRANSFER_SRC layout.
    on_gpu(device, [&](vk::CommandBuffer commands) {
        for (const auto &image : images) {
            if (!image) continue;
            const vk::ImageMemoryBarrier2 barrier(
                vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                vk::PipelineStageFlagBits2::eAllTransfer, vk::AccessFlagBits2::eTransferRead, layout,
                vk::ImageLayout::eTransferSrcOptimal, VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED,
                image->handle(), image->full_range());
            commands.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, barrier));
        }
    });
    EXPECT_EQ(count_wrong(allocator, {}, images, vk::ImageLayout::eTransferSrcOptimal), 0u);
}

TEST_F(DefragmentationTests, ViewsMadeByTheLibraryAreRecreatedOnTheMovedImage) {
    std::vector<std::unique_ptr<Image>> images;
    for (std::uint32_t i = 0; i < 24; ++i) images.push_back(texture(allocator, 32));
    clear(device, images, vk::ImageLayout::eGeneral);
    free_odd(images);
    std::vector<std::unique_ptr<ImageView>> views;
    std::vector<vk::ImageView> old_views;
    for (const auto &image : images) {
        if (!image) continue;
        views.push_back(ImageViewBuilder().setDevice(device).setImage(*image).build());
        old_views.push_back(views.back()->handle());
    }
    // A view moved by value stays registered under its new address.
    ImageView carried = std::move(*views.front());
    *views.front() = std::move(carried);
    std::set<const Allocation *> moved;
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    options.image_layout = [](const Allocation &) { return vk::ImageLayout::eGeneral; };
    options.on_move = [&](const DefragmentationMove &move) { moved.insert(move.object); };
    ASSERT_GT(allocator->defragment(options).moves, 0u);
    std::size_t v = 0;
    for (const auto &image : images) {
        if (!image) continue;
        EXPECT_EQ(views[v]->image(), image->handle());
        if (moved.count(image.get()) != 0) {
            EXPECT_NE(views[v]->handle(), old_views[v]);
        } else {
            EXPECT_EQ(views[v]->handle(), old_views[v]);
        }
        ++v;
    }
    EXPECT_EQ(count_wrong(allocator, {}, images, vk::ImageLayout::eGeneral), 0u);
}

TEST_F(DefragmentationTests, APoolIsDefragmentedAloneAndALinearPoolIsRefused) {
    auto pool = PoolBuilder(allocator).setBlockSize(64 * KiB).build();
    std::vector<std::unique_ptr<Words>> in_pool;
    std::vector<std::unique_ptr<Words>> outside;
    for (std::size_t i = 0; i < 64; ++i) {
        in_pool.push_back(pool->allocate<Words>(1024));
        outside.push_back(allocator->allocate<Words>(1024));
    }
    fill(device, in_pool);
    fill(device, outside);
    free_odd(in_pool);
    free_odd(outside);
    std::vector<vk::Buffer> outside_handles;
    for (const auto &b : outside) outside_handles.push_back(b ? b->handle() : vk::Buffer{});
    const std::uint32_t blocks = pool->statistics().memory.block_count;
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    const DefragmentationResult result = pool->defragment(options);
    EXPECT_GT(result.moves, 0u);
    EXPECT_EQ(pool->statistics().memory.block_count, blocks - result.blocks_released);
    EXPECT_GT(result.blocks_released, 0u);
    for (std::size_t i = 0; i < outside.size(); ++i) {
        if (outside[i]) {
            EXPECT_EQ(outside[i]->handle(), outside_handles[i]);
        }
    }
    EXPECT_EQ(count_wrong(allocator, in_pool, {}, vk::ImageLayout::eUndefined), 0u);
    EXPECT_EQ(count_wrong(allocator, outside, {}, vk::ImageLayout::eUndefined), 0u);

    auto linear = PoolBuilder(allocator).setLinear().build();
    EXPECT_THROW((void)linear->defragment(), LogicError);
}

TEST_F(DefragmentationTests, AMovedObjectIsFollowedThroughCppMoves) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 64; ++i) buffers.push_back(allocator->allocate<Words>(1024));
    fill(device, buffers);
    free_odd(buffers);
    // An untyped buffer moved by value after allocation: its user data follows it.
    BufferBase carried = allocator->allocate_buffer(4 * KiB, StorageBufferUsage, HostAccess::None);
    BufferBase moved_into = std::move(carried);
    EXPECT_TRUE(carried.empty());
    const vk::Buffer before = moved_into.handle();
    std::set<const Allocation *> objects;
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    options.on_move = [&](const DefragmentationMove &move) { objects.insert(move.object); };
    (void)allocator->defragment(options);
    EXPECT_EQ(objects.count(&carried), 0u);
    if (objects.count(&moved_into) != 0) {
        EXPECT_NE(moved_into.handle(), before);
    } else {
        EXPECT_EQ(moved_into.handle(), before);
    }
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 0u);
}

TEST_F(DefragmentationTests, BuffersWithStagedCopiesStayUntilTheBatchIsRetired) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 64; ++i) buffers.push_back(allocator->allocate<Words>(1024));
    fill(device, buffers);
    free_odd(buffers);
    // The last survivor gets a staged copy: pending GPU work the library knows of.
    auto staged = std::shared_ptr<Words>(std::move(buffers[buffers.size() - 2]));
    const vk::Buffer staged_handle = staged->handle();
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    std::set<const Allocation *> moved;
    options.on_move = [&](const DefragmentationMove &move) { moved.insert(move.object); };
    {
        StagingBufferManager manager(device, allocator);
        const std::vector<std::uint32_t> words(1024, 77);
        manager.stage(staged, std::span<const std::uint32_t>(words));
        EXPECT_TRUE(staged->is_pinned());
        const DefragmentationResult result = allocator->defragment(options);
        EXPECT_GT(result.moves, 0u);
        EXPECT_EQ(moved.count(staged.get()), 0u);
        EXPECT_EQ(staged->handle(), staged_handle);
        Queue &queue = device->compute_queue();
        CommandPool pool(device, queue.family_index());
        CommandBuffer commands = pool.allocate();
        commands.begin();
        const StagingFlush batch = manager.flush(commands);
        commands.end();
        Fence fence(device);
        Submission(queue).addCommands(commands).addSignals(batch.signals()).submit(fence);
        fence.wait();
    }
    EXPECT_FALSE(staged->is_pinned()); // the batch was retired with its manager
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 0u);
}

TEST_F(DefragmentationTests, BuffersWithPendingAsynchronousTransfersStayUntilTheCopyIsDone) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 64; ++i) buffers.push_back(allocator->allocate<Words>(1024));
    fill(device, buffers);
    free_odd(buffers);
    Words &target = *buffers[buffers.size() - 2];
    Words &source = *buffers[buffers.size() - 4];
    detail::PendingWork &pending = AllocatorInternals::pending_work(*allocator);

    // Transfer records its asynchronous copies: held by a semaphore only the test signals, they
    // are pending until then, deterministically.
    TransferOptions staged;
    staged.direct_access = false; // lavapipe's memory would be written on the host, at once
    Transfer transfer(device, allocator, staged);
    {
        Semaphore gate(device, 0);
        const vk::SemaphoreSubmitInfo wait = gate.submit_info(1);
        const std::vector<std::uint32_t> words(1024, 77);
        const TransferTicket upload =
            transfer.upload_async(target, std::span<const std::uint32_t>(words), std::span(&wait, 1));
        PendingDownload<std::uint32_t> readback = transfer.download_async(source, std::span(&wait, 1));
        EXPECT_TRUE(pending.busy(target.allocation()));
        EXPECT_TRUE(pending.busy(source.allocation()));
        gate.signal(1);
        upload.wait();
        EXPECT_EQ(readback.get(), std::vector<std::uint32_t>(1024, word_of(buffers.size() - 4)));
        EXPECT_FALSE(pending.busy(target.allocation()));
        EXPECT_FALSE(pending.busy(source.allocation()));
    }

    // The defragmenter leaves what is busy in place. (Not with a real copy waiting on the gate:
    // its own copies would queue behind it on lavapipe's single queue.)
    auto never = std::make_shared<Semaphore>(device, 0);
    pending.add(target.allocation(), never, never->handle(), 1);
    const vk::Buffer target_handle = target.handle();
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    std::set<const Allocation *> moved;
    options.on_move = [&](const DefragmentationMove &move) { moved.insert(move.object); };
    const DefragmentationResult first = allocator->defragment(options);
    EXPECT_GT(first.moves, 0U);
    EXPECT_GT(first.skipped, 0U);
    EXPECT_EQ(moved.count(&target), 0U);
    EXPECT_EQ(target.handle(), target_handle);
    // Its semaphore gone (as when its Transfer has waited and gone), the record no longer holds.
    never.reset();
    EXPECT_FALSE(pending.busy(target.allocation()));
    const DefragmentationResult second = allocator->defragment(options);
    EXPECT_TRUE(second.complete);
    EXPECT_EQ(second.skipped, 0U);
    EXPECT_EQ(transfer.download(target), std::vector<std::uint32_t>(1024, 77));
    // Every other buffer kept its words; the target holds the uploaded 77s instead of its own.
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 1024U);
}

// The proof of issue 13: a heap fragmented by 20,000 buffers and some images of mixed sizes,
// 60% freed at random, defragmented in full.
TEST_F(DefragmentationTests, TwentyThousandBuffersSixtyPercentFreedDefragmentWithEveryByteKept) {
    allocator = AllocatorBuilder(instance, device).setPreferredBlockSize(1024 * KiB).build();
    std::mt19937 random(13);
    std::vector<std::unique_ptr<Words>> buffers;
    buffers.reserve(20000);
    for (std::size_t i = 0; i < 20000; ++i) buffers.push_back(allocator->allocate<Words>(64 * (1 + random() % 16)));
    std::vector<std::unique_ptr<Image>> images;
    for (std::uint32_t i = 0; i < 40; ++i) images.push_back(texture(allocator, 8u << (i % 3)));
    fill(device, buffers);
    clear(device, images, vk::ImageLayout::eGeneral);
    for (auto &b : buffers) if (random() % 10 < 6) b.reset();
    for (auto &image : images) if (random() % 10 < 6) image.reset();
    std::map<const Allocation *, std::uint64_t> handles;
    for (const auto &b : buffers) if (b) handles[b.get()] = reinterpret_cast<std::uint64_t>(static_cast<VkBuffer>(b->handle()));
    std::set<const Allocation *> images_held;
    for (const auto &image : images) {
        if (!image) continue;
        handles[image.get()] = reinterpret_cast<std::uint64_t>(static_cast<VkImage>(image->handle()));
        images_held.insert(image.get());
    }
    const MemoryStatistics before = allocator->statistics().total;

    std::map<const Allocation *, DefragmentationMove> last_move;
    std::size_t reports = 0;
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    options.image_layout = [](const Allocation &) { return vk::ImageLayout::eGeneral; };
    options.on_move = [&](const DefragmentationMove &move) {
        ++reports;
        auto [it, inserted] = last_move.try_emplace(move.object, move);
        if (!inserted) {
            EXPECT_EQ(move.old_handle, it->second.new_handle) << "moves of one object chain";
            it->second.new_handle = move.new_handle;
        }
    };
    const DefragmentationResult result = allocator->defragment(options);
    const MemoryStatistics after = allocator->statistics().total;

    EXPECT_TRUE(result.complete);
    EXPECT_EQ(reports, result.moves);
    EXPECT_GT(result.moves, 1000u);
    for (const auto &[object, handle] : handles) {
        const bool is_image = images_held.count(object) != 0;
        const std::uint64_t now =
            is_image ? reinterpret_cast<std::uint64_t>(static_cast<VkImage>(static_cast<const Image &>(*object).handle()))
                     : reinterpret_cast<std::uint64_t>(static_cast<VkBuffer>(static_cast<const BufferBase &>(*object).handle()));
        const auto moved = last_move.find(object);
        if (moved == last_move.end()) {
            EXPECT_EQ(now, handle);
        } else {
            EXPECT_EQ(moved->second.type, is_image ? vk::ObjectType::eImage : vk::ObjectType::eBuffer);
            EXPECT_EQ(moved->second.old_handle, handle);
            EXPECT_EQ(moved->second.new_handle, now);
        }
    }
    EXPECT_GE(std::count_if(last_move.begin(), last_move.end(),
                            [](const auto &m) { return m.second.type == vk::ObjectType::eImage; }), 1);
    EXPECT_EQ(before.block_count - after.block_count, result.blocks_released);
    EXPECT_GT(result.blocks_released, 0u);
    const vk::DeviceSize wasted_before = before.block_bytes - before.allocation_bytes;
    const vk::DeviceSize wasted_after = after.block_bytes - after.allocation_bytes;
    EXPECT_LT(wasted_after, wasted_before / 2);
    // The images are read in GENERAL, as they were left.
    EXPECT_EQ(count_wrong(allocator, buffers, images, vk::ImageLayout::eGeneral), 0u);
}

// Other threads allocate and free on the same allocator while passes run (ThreadSanitizer:
// the tsan preset selects "Concurrent" tests).
TEST_F(DefragmentationTests, ConcurrentAllocationsAndFreesWhileDefragmenting) {
    std::vector<std::unique_ptr<Words>> buffers;
    for (std::size_t i = 0; i < 400; ++i) buffers.push_back(allocator->allocate<Words>(256 * (1 + i % 4)));
    fill(device, buffers);
    // The odd ones are freed by the workers, during the passes; the even ones are checked.
    std::vector<std::unique_ptr<Words>> doomed(buffers.size());
    for (std::size_t i = 1; i < buffers.size(); i += 2) doomed[i] = std::move(buffers[i]);
    for (std::size_t i = 1; i < doomed.size(); i += 4) doomed[i].reset(); // holes to start with
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> churned{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < 2; ++t) {
        workers.emplace_back([&, t] {
            std::vector<std::unique_ptr<Words>> own;
            std::size_t next = 3 + 4 * t;
            while (!stop.load()) {
                own.push_back(allocator->allocate<Words>(512));
                if (own.size() > 16) own.erase(own.begin());
                if (next < doomed.size()) {
                    doomed[next].reset();
                    next += 8;
                }
                churned.fetch_add(1);
            }
        });
    }
    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    options.max_moves = 8;
    std::uint32_t moves = 0;
    for (int call = 0; call < 30 || churned.load() < 100; ++call) moves += allocator->defragment(options).moves;
    stop = true;
    for (auto &worker : workers) worker.join();
    EXPECT_GT(moves, 0u);
    EXPECT_EQ(count_wrong(allocator, buffers, {}, vk::ImageLayout::eUndefined), 0u);
}

} // namespace
} // namespace vw
