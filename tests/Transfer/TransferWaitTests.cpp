#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "Support/FaultInjection.h"
#include "Support/SlowFill.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/Transfer.h"

namespace vw {
namespace {

class TransferWaitTests : public test::AllocatorTest {
protected:
    // The caller's own GPU work, lasting milliseconds (test::SlowFill).
    void user_fill(const BufferBase &buffer, std::uint32_t value, Semaphore &semaphore, std::uint64_t signal) {
        if (!m_fill) m_fill = std::make_unique<test::SlowFill>(device, *allocator);
        m_fill->submit(buffer, value, semaphore, signal);
    }

    // The caller's own clear of all of an 8×8 RGBA8 image to `color` on the compute queue, from
    // an undefined layout to TransferDstOptimal, signalling `semaphore` at `signal`.
    std::unique_ptr<Image> user_cleared_image(const std::array<float, 4> &color, Semaphore &semaphore,
                                              std::uint64_t signal) {
        auto image = ImageBuilder()
                         .setDevice(device)
                         .setAllocator(allocator)
                         .setFormat(vk::Format::eR8G8B8A8Unorm)
                         .setExtent(Width{8}, Height{8})
                         .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst)
                         .build();
        m_commands.begin();
        const vk::ImageMemoryBarrier2 to_clear({}, {}, vk::PipelineStageFlagBits2::eClear,
                                               vk::AccessFlagBits2::eTransferWrite, vk::ImageLayout::eUndefined,
                                               vk::ImageLayout::eTransferDstOptimal, VK_QUEUE_FAMILY_IGNORED,
                                               VK_QUEUE_FAMILY_IGNORED, image->handle(), image->full_range());
        m_commands.handle().pipelineBarrier2(vk::DependencyInfo({}, {}, {}, to_clear));
        m_commands.handle().clearColorImage(image->handle(), vk::ImageLayout::eTransferDstOptimal,
                                          vk::ClearColorValue(color), image->full_range());
        m_commands.end();
        const vk::SemaphoreSubmitInfo info = semaphore.submit_info(signal);
        m_commands.submit(device->compute_queue(), {}, std::span(&info, 1));
        return image;
    }

private:
    CommandPool m_pool{test::shared_device(), test::shared_device()->compute_queue().family_index()};
    CommandBuffer m_commands = m_pool.allocate();
    std::unique_ptr<test::SlowFill> m_fill;
};

TEST_F(TransferWaitTests, AReadbackWaitsForTheCallersSubmission) {
    auto words = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(4096);
    Semaphore done(device, 0);
    user_fill(*words, 0x5A5A5A5AU, done, 1);
    Transfer transfer(device, allocator);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(1);
    auto pending = transfer.download_async(*words, std::span(&wait, 1), 100, 200);
    EXPECT_EQ(pending.get(), std::vector<std::uint32_t>(200, 0x5A5A5A5AU));
    EXPECT_EQ(done.value(), 1U);
}

TEST_F(TransferWaitTests, AHostVisibleReadbackWaitsAndSeesTheWrites) {
    auto words = allocator->allocate<ReadbackBuffer<std::uint32_t>>(1024);
    Semaphore done(device, 0);
    user_fill(*words, 7U, done, 3);
    Transfer transfer(device, allocator);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(3);
    auto pending = transfer.download_async(*words, std::span(&wait, 1));
    EXPECT_EQ(pending.get(), std::vector<std::uint32_t>(1024, 7U));
}

TEST_F(TransferWaitTests, AnUploadWaitsForTheCallersUseOfTheBuffer) {
    // The caller's fill must land before the upload overwrites part of it.
    auto words = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(1024);
    Semaphore done(device, 0);
    user_fill(*words, 1U, done, 1);
    Transfer transfer(device, allocator);
    const std::vector<std::uint32_t> data(100, 2U);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(1);
    transfer.upload_async(*words, std::span<const std::uint32_t>(data), std::span(&wait, 1), 10).wait();
    const auto back = transfer.download(*words);
    for (std::size_t i = 0; i < back.size(); ++i) {
        ASSERT_EQ(back[i], i >= 10 && i < 110 ? 2U : 1U) << i;
    }
}

TEST_F(TransferWaitTests, AHostWrittenUploadWaitsOnTheHostFirst) {
    auto words = allocator->allocate<Buffer<std::uint32_t, true, TransferDstUsage, HostAccess::Random>>(256);
    Semaphore done(device, 0);
    user_fill(*words, 5U, done, 2);
    Transfer transfer(device, allocator);
    const std::vector<std::uint32_t> data(16, 6U);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(2);
    const TransferTicket ticket = transfer.upload_async(*words, std::span<const std::uint32_t>(data), std::span(&wait, 1));
    EXPECT_TRUE(ticket.ready());
    EXPECT_EQ(done.value(), 2U); // waited for before the host wrote
    const vk::SemaphoreSubmitInfo again = done.submit_info(2);
    const auto back = transfer.download_async(*words, std::span(&again, 1)).get();
    for (std::size_t i = 0; i < back.size(); ++i) ASSERT_EQ(back[i], i < 16 ? 6U : 5U) << i;
}

TEST_F(TransferWaitTests, AHostWriteWaitsForTheEnginesCopyOfTheBuffer) {
    // Device-local memory the host may write but not read directly (no host-cached type): a
    // download_async() is a GPU copy, an upload a host write. The upload after it must not
    // land before the copy has read the buffer.
    if (!test::fault::available()) GTEST_SKIP() << "needs the fault-injection layer (VW_FAULT_LAYER=0)";
    test::fault::hide_memory_properties(vk::MemoryPropertyFlagBits::eHostCached);
    std::shared_ptr<Allocator> uncached;
    try {
        uncached = AllocatorBuilder(instance, device).build();
    } catch (...) {
        test::fault::hide_memory_properties({});
        throw;
    }
    test::fault::hide_memory_properties({});
    auto words = uncached->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(4096);
    if (!words->allows_host_access()) GTEST_SKIP() << "device-local memory is not host-visible here";
    Transfer transfer(device, uncached);
    const std::vector<std::uint32_t> before(words->size(), 0x11111111U);
    const std::vector<std::uint32_t> after(words->size(), 0x22222222U);
    transfer.upload(*words, std::span<const std::uint32_t>(before));
    // The copy waits for the caller's fill (milliseconds of device work); the host write after
    // it must wait for the copy (without that wait it lands at once, and the copy reads `after`).
    auto other = uncached->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(16);
    Semaphore filled(device, 0);
    user_fill(*other, 7U, filled, 1);
    const vk::SemaphoreSubmitInfo wait = filled.submit_info(1);
    auto pending = transfer.download_async(*words, std::span(&wait, 1));
    transfer.upload(*words, std::span<const std::uint32_t>(after));
    EXPECT_EQ(pending.get(), before);
    EXPECT_EQ(transfer.download(*words), after);
}

TEST_F(TransferWaitTests, AnImageReadbackWaitsForTheCallersClear) {
    Semaphore done(device, 0);
    const auto image = user_cleared_image({1.0F, 0.0F, 1.0F, 1.0F}, done, 1);
    Transfer transfer(device, allocator);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(1);
    const std::vector<std::byte> texels =
        transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferDstOptimal, std::span(&wait, 1));
    ASSERT_EQ(texels.size(), 256U);
    for (std::size_t i = 0; i < texels.size(); ++i) {
        ASSERT_EQ(texels[i], std::byte(i % 4 == 1 ? 0 : 255)) << i;
    }
}

// The synchronous calls take the same waits. Each is tried on both paths: the default options
// (lavapipe's device-local memory is host-visible, so the host reads or writes it after waiting)
// and the staged one (the first copy's submission waits).
class TransferSyncWaitTests : public TransferWaitTests, public ::testing::WithParamInterface<bool> {
protected:
    [[nodiscard]] TransferOptions options() const {
        TransferOptions chosen;
        chosen.direct_access = GetParam();
        chosen.chunk_bytes = 64 * 1024; // several chunks: only the first one's submission waits
        chosen.staging_slots = 2;
        return chosen;
    }
};

TEST_P(TransferSyncWaitTests, ADownloadWaitsForTheCallersSubmissionAndReadsItsBytes) {
    auto words = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(64 * 1024);
    Semaphore done(device, 0);
    user_fill(*words, 0xC0FFEE00U, done, 4);
    Transfer transfer(device, allocator, options());
    const vk::SemaphoreSubmitInfo wait = done.submit_info(4);
    const std::vector<std::uint32_t> back = transfer.download(*words, std::span(&wait, 1), 1000, 40000);
    EXPECT_EQ(done.value(), 4U);
    EXPECT_EQ(back, std::vector<std::uint32_t>(40000, 0xC0FFEE00U));
}

TEST_P(TransferSyncWaitTests, DownloadBytesAndTheTypedSpanDownloadWait) {
    auto words = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(32 * 1024);
    Semaphore done(device, 0);
    user_fill(*words, 0x01020304U, done, 1);
    Transfer transfer(device, allocator, options());
    const vk::SemaphoreSubmitInfo wait = done.submit_info(1);
    std::vector<std::byte> bytes(4 * 1000);
    transfer.download_bytes(*words, bytes, 4 * 7, std::span(&wait, 1));
    for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], std::byte(4 - i % 4)) << i; // little-endian

    user_fill(*words, 0x0BADF00DU, done, 2);
    const vk::SemaphoreSubmitInfo second = done.submit_info(2);
    std::vector<std::uint32_t> out(20000, 0U);
    transfer.download(*words, std::span(out), 100, std::span(&second, 1));
    EXPECT_EQ(out, std::vector<std::uint32_t>(20000, 0x0BADF00DU));
}

TEST_P(TransferSyncWaitTests, AnUploadWaitsForTheCallersFillBeforeWriting) {
    auto words = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(64 * 1024);
    Semaphore done(device, 0);
    user_fill(*words, 1U, done, 1);
    Transfer transfer(device, allocator, options());
    const std::vector<std::uint32_t> data(50000, 2U);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(1);
    transfer.upload(*words, std::span<const std::uint32_t>(data), std::span(&wait, 1), 3000);
    EXPECT_EQ(done.value(), 1U);
    const auto back = transfer.download(*words);
    for (std::size_t i = 0; i < back.size(); ++i) ASSERT_EQ(back[i], i >= 3000 && i < 53000 ? 2U : 1U) << i;

    // The byte-level form too, after a second fill.
    user_fill(*words, 3U, done, 2);
    const std::vector<std::byte> four(16, std::byte{9});
    const vk::SemaphoreSubmitInfo second = done.submit_info(2);
    transfer.upload_bytes(*words, four, 8, std::span(&second, 1));
    const auto again = transfer.download(*words, 0, 8);
    EXPECT_EQ(again, (std::vector<std::uint32_t>{3U, 3U, 0x09090909U, 0x09090909U, 0x09090909U, 0x09090909U, 3U, 3U}));
}

TEST_P(TransferSyncWaitTests, AnImageUploadWaitsForTheCallersClear) {
    // The caller clears the image on its own queue; the upload, which overwrites the clear,
    // must come after it (else the clear would win).
    Semaphore done(device, 0);
    const auto image = user_cleared_image({1.0F, 1.0F, 1.0F, 1.0F}, done, 1);
    Transfer transfer(device, allocator, options());
    std::vector<std::byte> texels(256);
    for (std::size_t i = 0; i < texels.size(); ++i) texels[i] = std::byte(i);
    const vk::SemaphoreSubmitInfo wait = done.submit_info(1);
    transfer.upload(*image, texels, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal,
                    vk::ImageLayout::eTransferDstOptimal, std::span(&wait, 1));
    EXPECT_EQ(done.value(), 1U);
    EXPECT_EQ(transfer.download(*image, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal), texels);
}

INSTANTIATE_TEST_SUITE_P(Paths, TransferSyncWaitTests, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool> &param) {
                             return param.param ? std::string("Direct") : std::string("Staged");
                         });

} // namespace
} // namespace vw
