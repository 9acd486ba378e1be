#include <gtest/gtest.h>

#include <cstring>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"

namespace vw {
namespace {

using S = vk::PipelineStageFlagBits2;
using A = vk::AccessFlagBits2;
using L = vk::ImageLayout;

// Handles that are never passed to Vulkan: these tests read the pending barriers.
const TrackedBuffer buffer_a(vk::Buffer(reinterpret_cast<VkBuffer>(std::uintptr_t{0x1000})), 1024);
const TrackedBuffer buffer_b(vk::Buffer(reinterpret_cast<VkBuffer>(std::uintptr_t{0x2000})), 1024);
const TrackedImage image_a{vk::Image(reinterpret_cast<VkImage>(std::uintptr_t{0x3000})),
                           vk::ImageAspectFlagBits::eColor, 4, 2,
                           vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                               vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eStorage};

const BufferUse transfer_write{S::eCopy, A::eTransferWrite};
const BufferUse transfer_read{S::eCopy, A::eTransferRead};
const BufferUse compute_read{S::eComputeShader, A::eShaderStorageRead};
const BufferUse compute_write{S::eComputeShader, A::eShaderStorageWrite};
const BufferUse vertex_read{S::eVertexAttributeInput, A::eVertexAttributeRead};

vk::BufferMemoryBarrier2 buffer_barrier(vk::PipelineStageFlags2 ss, vk::AccessFlags2 sa,
                                        vk::PipelineStageFlags2 ds, vk::AccessFlags2 da,
                                        const TrackedBuffer &b, vk::DeviceSize offset,
                                        vk::DeviceSize size) {
    return {ss, sa, ds, da, VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, b.handle, offset, size};
}

std::vector<vk::BufferMemoryBarrier2> buffers_of(const ResourceTracker &t) {
    return {t.pending_buffer_barriers().begin(), t.pending_buffer_barriers().end()};
}
std::vector<vk::ImageMemoryBarrier2> images_of(const ResourceTracker &t) {
    return {t.pending_image_barriers().begin(), t.pending_image_barriers().end()};
}

TEST(ResourceTrackerTests, ReadAfterReadNeedsNoBarrier) {
    ResourceTracker tracker;
    tracker.track(buffer_a, compute_read);
    tracker.request(buffer_a, vertex_read);
    tracker.request(buffer_a, transfer_read);
    EXPECT_TRUE(tracker.pending_buffer_barriers().empty());
    // A never-tracked buffer: nothing to wait for.
    tracker.request(buffer_b, compute_read);
    EXPECT_TRUE(tracker.pending_buffer_barriers().empty());
    EXPECT_EQ(tracker.tracked_resources(), 2U);
}

vk::ImageMemoryBarrier2 image_barrier(vk::PipelineStageFlags2 ss, vk::AccessFlags2 sa,
                                      vk::PipelineStageFlags2 ds, vk::AccessFlags2 da, L from, L to,
                                      vk::ImageSubresourceRange range,
                                      std::uint32_t src_family = VK_QUEUE_FAMILY_IGNORED,
                                      std::uint32_t dst_family = VK_QUEUE_FAMILY_IGNORED) {
    return {ss, sa, ds, da, from, to, src_family, dst_family, image_a.handle, range};
}
constexpr auto colour = vk::ImageAspectFlagBits::eColor;

TEST(ResourceTrackerTests, ReadAfterWriteOnceThenReadsAccumulate) {
    ResourceTracker tracker;
    tracker.track(buffer_a, transfer_write);
    tracker.request(buffer_a, compute_read);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy, A::eTransferWrite, S::eComputeShader,
                                          A::eShaderStorageRead, buffer_a, 0, 1024)}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    tracker.request(buffer_a, compute_read); // already visible: nothing
    EXPECT_TRUE(tracker.pending_buffer_barriers().empty());
    // A read by another stage: the write is made visible to it, and to the earlier reader's
    // stage and access too (so that every pair of the masks is covered).
    tracker.request(buffer_a, vertex_read);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy, A::eTransferWrite,
                                          S::eComputeShader | S::eVertexAttributeInput,
                                          A::eShaderStorageRead | A::eVertexAttributeRead,
                                          buffer_a, 0, 1024)}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    // Write after both reads: waits on the last write and on both reading stages.
    tracker.request(buffer_a, transfer_write);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy | S::eComputeShader | S::eVertexAttributeInput,
                                          A::eTransferWrite, S::eCopy, A::eTransferWrite, buffer_a,
                                          0, 1024)}));
}

TEST(ResourceTrackerTests, WriteAfterReadAndWriteAfterWrite) {
    ResourceTracker tracker;
    tracker.track(buffer_a, compute_read);
    tracker.request(buffer_a, transfer_write); // WAR: execution dependency only
    tracker.track(buffer_b, compute_write);
    tracker.request(buffer_b, transfer_write); // WAW: the write made available
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eComputeShader, {}, S::eCopy, A::eTransferWrite,
                                          buffer_a, 0, 1024),
                           buffer_barrier(S::eComputeShader, A::eShaderStorageWrite, S::eCopy,
                                          A::eTransferWrite, buffer_b, 0, 1024)}));
}

TEST(ResourceTrackerTests, EveryWriteAccessCountsAsAWrite) {
    // Accesses of extensions count as writes too: a read after them waits for them.
    for (const auto &[stage, access] : {std::pair{S::eMicromapBuildEXT, A::eMicromapWriteEXT},
                                        std::pair{S::eOpticalFlowNV, A::eOpticalFlowWriteNV},
                                        std::pair{S::eAccelerationStructureBuildKHR, A::eAccelerationStructureWriteKHR}}) {
        ResourceTracker tracker;
        tracker.track(buffer_a, BufferUse{stage, access});
        tracker.request(buffer_a, compute_read);
        EXPECT_EQ(buffers_of(tracker), (std::vector{buffer_barrier(stage, access, S::eComputeShader,
                                                                   A::eShaderStorageRead, buffer_a, 0, 1024)}))
            << vk::to_string(access);
    }
}

TEST(ResourceTrackerTests, PartialOverlapsSplitAndAdjacentNeedsShareOneBarrier) {
    ResourceTracker tracker;
    tracker.track(buffer_a, 0, 256, transfer_write);
    tracker.track(buffer_a, 256, 256, compute_write);
    // [128, 384) spans both writes: one barrier, with both writes as its source.
    tracker.request(buffer_a, 128, 256, vertex_read);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy | S::eComputeShader,
                                          A::eTransferWrite | A::eShaderStorageWrite,
                                          S::eVertexAttributeInput, A::eVertexAttributeRead,
                                          buffer_a, 128, 256)}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    // Split: [0, 128) and [384, 512) still need theirs; [128, 384) is visible already.
    tracker.request(buffer_a, 0, 512, vertex_read);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy, A::eTransferWrite, S::eVertexAttributeInput,
                                          A::eVertexAttributeRead, buffer_a, 0, 128),
                           buffer_barrier(S::eComputeShader, A::eShaderStorageWrite,
                                          S::eVertexAttributeInput, A::eVertexAttributeRead,
                                          buffer_a, 384, 128)}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    // A write over the whole buffer: one barrier over the tracked half (the rest was never
    // used), waiting on both writes and the reads.
    tracker.request(buffer_a, 0, 1024, compute_write);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy | S::eComputeShader | S::eVertexAttributeInput,
                                          A::eTransferWrite | A::eShaderStorageWrite,
                                          S::eComputeShader, A::eShaderStorageWrite, buffer_a, 0,
                                          512)}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    // Equal states merged: the whole buffer is one piece now, so a read is one barrier.
    tracker.request(buffer_a, vertex_read);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eComputeShader, A::eShaderStorageWrite,
                                          S::eVertexAttributeInput, A::eVertexAttributeRead,
                                          buffer_a, 0, 1024)}));
    // Two adjacent requests of one flush with the same use extend one barrier.
    tracker = ResourceTracker();
    tracker.track(buffer_a, transfer_write);
    tracker.request(buffer_a, 0, 100, compute_read);
    tracker.request(buffer_a, 100, 100, compute_read);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy, A::eTransferWrite, S::eComputeShader,
                                          A::eShaderStorageRead, buffer_a, 0, 200)}));
}

TEST(ResourceTrackerTests, BadInputThrowsAndChangesNothing) {
    ResourceTracker tracker;
    tracker.track(buffer_a, transfer_write);
    EXPECT_THROW(tracker.request(buffer_a, 1000, 25, compute_read), LogicError);
    EXPECT_THROW(tracker.request(buffer_a, 1024, VK_WHOLE_SIZE, compute_read), LogicError);
    EXPECT_THROW(tracker.request(buffer_a, 0, 0, compute_read), LogicError);
    EXPECT_THROW(tracker.request(buffer_a, BufferUse{{}, A::eShaderRead}), LogicError);
    EXPECT_THROW(tracker.track(buffer_a, 2000, 1, compute_read), LogicError);
    EXPECT_THROW(tracker.request(image_a, {colour, 4, 1, 0, 1},
                                 ImageUse{S::eCopy, A::eTransferRead, L::eTransferSrcOptimal}),
                 LogicError);
    EXPECT_THROW(tracker.request(image_a, {vk::ImageAspectFlagBits::eDepth, 0, 1, 0, 1},
                                 ImageUse{S::eCopy, A::eTransferRead, L::eTransferSrcOptimal}),
                 LogicError);
    // A layout the usage forbids, and layouts nothing can be requested in.
    EXPECT_THROW(tracker.request(image_a, ImageUse{S::eColorAttachmentOutput,
                                                   A::eColorAttachmentWrite,
                                                   L::eColorAttachmentOptimal}),
                 LogicError);
    EXPECT_THROW(tracker.request(image_a, ImageUse{S::eCopy, A::eTransferWrite, L::eUndefined}),
                 LogicError);
    EXPECT_TRUE(tracker.pending_buffer_barriers().empty());
    EXPECT_TRUE(tracker.pending_image_barriers().empty());
    // A conflicting request in the same flush: refused; the first stays as it was.
    tracker.request(buffer_a, 0, 512, compute_read);
    EXPECT_THROW(tracker.request(buffer_a, 256, 512, compute_write), LogicError);
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy, A::eTransferWrite, S::eComputeShader,
                                          A::eShaderStorageRead, buffer_a, 0, 512)}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    tracker.request(buffer_a, 256, 512, compute_write); // after a flush: fine
    EXPECT_EQ(buffers_of(tracker),
              (std::vector{buffer_barrier(S::eCopy | S::eComputeShader, A::eTransferWrite,
                                          S::eComputeShader, A::eShaderStorageWrite, buffer_a, 256,
                                          512)}));
}

TEST(ResourceTrackerTests, LayoutTransitionsPerSubresourceMergedIntoFewRanges) {
    ResourceTracker tracker;
    // Never tracked: from eUndefined, nothing to wait for.
    tracker.request(image_a, ImageUse{S::eCopy, A::eTransferWrite, L::eTransferDstOptimal});
    EXPECT_EQ(images_of(tracker),
              (std::vector{image_barrier({}, {}, S::eCopy, A::eTransferWrite, L::eUndefined,
                                         L::eTransferDstOptimal, {colour, 0, 4, 0, 2})}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    EXPECT_EQ(tracker.layout(image_a, colour, 3, 1), L::eTransferDstOptimal);
    // Level 0 becomes a blit source; levels 1-3 stay.
    tracker.request(image_a, {colour, 0, 1, 0, 2}, ImageUse{S::eBlit, A::eTransferRead, L::eTransferSrcOptimal});
    EXPECT_EQ(images_of(tracker),
              (std::vector{image_barrier(S::eCopy, A::eTransferWrite, S::eBlit, A::eTransferRead,
                                         L::eTransferDstOptimal, L::eTransferSrcOptimal,
                                         {colour, 0, 1, 0, 2})}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    // Layer 1 of every level to sampled: one barrier per old layout, levels merged.
    tracker.request(image_a, {colour, 0, 4, 1, 1},
                    ImageUse{S::eFragmentShader, A::eShaderSampledRead, L::eShaderReadOnlyOptimal});
    EXPECT_EQ(images_of(tracker),
              (std::vector{image_barrier(S::eBlit, {}, S::eFragmentShader, A::eShaderSampledRead,
                                         L::eTransferSrcOptimal, L::eShaderReadOnlyOptimal,
                                         {colour, 0, 1, 1, 1}),
                           image_barrier(S::eCopy, A::eTransferWrite, S::eFragmentShader,
                                         A::eShaderSampledRead, L::eTransferDstOptimal,
                                         L::eShaderReadOnlyOptimal, {colour, 1, 3, 1, 1})}));
    (void)tracker.take(VK_QUEUE_FAMILY_IGNORED);
    // Same layout, another stage: a visibility barrier chained on the transition's stage.
    tracker.request(image_a, {colour, 2, 1, 1, 1},
                    ImageUse{S::eComputeShader, A::eShaderSampledRead, L::eShaderReadOnlyOptimal});
    EXPECT_EQ(images_of(tracker),
              (std::vector{image_barrier(S::eFragmentShader, {},
                                         S::eFragmentShader | S::eComputeShader,
                                         A::eShaderSampledRead, L::eShaderReadOnlyOptimal,
                                         L::eShaderReadOnlyOptimal, {colour, 2, 1, 1, 1})}));
}

TEST(ResourceTrackerTests, DepthAndStencilAspectsShareABarrier) {
    const TrackedImage depth{vk::Image(reinterpret_cast<VkImage>(std::uintptr_t{0x4000})),
                             vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil, 1, 1,
                             vk::ImageUsageFlagBits::eDepthStencilAttachment};
    ResourceTracker tracker;
    tracker.request(depth, ImageUse{S::eEarlyFragmentTests, A::eDepthStencilAttachmentWrite,
                                    L::eDepthStencilAttachmentOptimal});
    ASSERT_EQ(tracker.pending_image_barriers().size(), 1U);
    EXPECT_EQ(tracker.pending_image_barriers()[0].subresourceRange,
              vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eDepth | vk::ImageAspectFlagBits::eStencil,
                                        0, 1, 0, 1));
}

TEST(ResourceTrackerTests, QueueFamilyOwnershipIsAReleaseAndAnAcquire) {
    constexpr std::uint32_t transfer_family = 1;
    constexpr std::uint32_t compute_family = 0;
    ResourceTracker tracker;
    tracker.track(buffer_a, BufferUse{S::eCopy, A::eTransferWrite, transfer_family});
    tracker.request(buffer_a, BufferUse{S::eComputeShader, A::eShaderStorageRead, compute_family});
    const auto release = vk::BufferMemoryBarrier2(S::eCopy, A::eTransferWrite, {}, {},
                                                  transfer_family, compute_family, buffer_a.handle, 0, 1024);
    const auto acquire = vk::BufferMemoryBarrier2({}, {}, S::eComputeShader, A::eShaderStorageRead,
                                                  transfer_family, compute_family, buffer_a.handle, 0, 1024);
    EXPECT_EQ(buffers_of(tracker), (std::vector{release, acquire}));
    // Each half goes to its own family's flush.
    const auto released = tracker.take(transfer_family);
    EXPECT_EQ(released.buffers, (std::vector{release}));
    const auto acquired = tracker.take(compute_family);
    EXPECT_EQ(acquired.buffers, (std::vector{acquire}));
    // Owned by compute now: another compute read needs nothing.
    tracker.request(buffer_a, BufferUse{S::eComputeShader, A::eShaderStorageRead, compute_family});
    EXPECT_TRUE(tracker.pending_buffer_barriers().empty());

    // Images: the transition travels with the transfer, in both halves.
    tracker.track(image_a, ImageUse{S::eCopy, A::eTransferWrite, L::eTransferDstOptimal, transfer_family});
    tracker.request(image_a, ImageUse{S::eComputeShader, A::eShaderSampledRead,
                                      L::eShaderReadOnlyOptimal, compute_family});
    EXPECT_EQ(images_of(tracker),
              (std::vector{image_barrier(S::eCopy, A::eTransferWrite, {}, {}, L::eTransferDstOptimal,
                                         L::eShaderReadOnlyOptimal, image_a.full_range(),
                                         transfer_family, compute_family),
                           image_barrier({}, {}, S::eComputeShader, A::eShaderSampledRead,
                                         L::eTransferDstOptimal, L::eShaderReadOnlyOptimal,
                                         image_a.full_range(), transfer_family, compute_family)}));
}

class ResourceTrackerDeviceTests : public test::AllocatorTest {};

TEST_F(ResourceTrackerDeviceTests, FillThenCopyOrderedByTheTrackerReadsBack) {
    using Words = Buffer<std::uint32_t, false, StorageBufferUsage>;
    using Readback = Buffer<std::uint32_t, true, TransferDstUsage, HostAccess::Random>;
    auto source = allocator->allocate<Words>(256);
    auto target = allocator->allocate<Readback>(256);
    CommandPool pool(device, device->compute_queue().family_index());
    CommandBuffer commands = pool.allocate();
    ResourceTracker tracker;
    tracker.request(*source, 0, 512, transfer_write);
    EXPECT_THROW(tracker.flush(commands), LogicError); // not recording
    commands.begin();
    tracker.flush(commands);
    commands.handle().fillBuffer(source->handle(), 0, 512, 0x11111111U);
    tracker.request(*source, 512, 512, transfer_write); // other bytes: no barrier
    EXPECT_TRUE(tracker.pending_buffer_barriers().empty());
    EXPECT_EQ(tracker.flush(commands), 0U);
    commands.handle().fillBuffer(source->handle(), 512, 512, 0x22222222U);
    tracker.request(*source, BufferUse{S::eCopy, A::eTransferRead});
    tracker.request(*target, transfer_write);
    EXPECT_EQ(tracker.flush(commands), 1U);
    commands.handle().copyBuffer(source->handle(), target->handle(), vk::BufferCopy(0, 0, 1024));
    tracker.request(*target, BufferUse{S::eHost, A::eHostRead});
    EXPECT_EQ(tracker.flush(commands), 1U);
    commands.end();
    commands.submit_and_wait(device->compute_queue());
    const std::vector<std::uint32_t> back = target->read_as_vector(0, 256);
    for (std::size_t i = 0; i < back.size(); ++i) {
        ASSERT_EQ(back[i], i < 128 ? 0x11111111U : 0x22222222U) << i;
    }
}

} // namespace
} // namespace vw
