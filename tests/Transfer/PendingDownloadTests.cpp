#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Transfer/PendingDownload.h"
#include "VulkanWrapper/Transfer/Transfer.h"

namespace vw {
namespace {

using Words = Buffer<std::uint32_t, false, StorageBufferUsage>;

class PendingDownloadTests : public test::AllocatorTest {};

TEST_F(PendingDownloadTests, GetReturnsTheBytesOnceAndAMovedFromReadbackRefuses) {
    Transfer transfer(device, allocator);
    auto buffer = allocator->allocate<Words>(1000);
    std::vector<std::uint32_t> data(1000);
    std::iota(data.begin(), data.end(), 7U);
    transfer.upload(*buffer, std::span<const std::uint32_t>(data));

    PendingDownload<std::uint32_t> pending = transfer.download_async(*buffer, 0, data.size());
    PendingDownload<std::uint32_t> moved = std::move(pending);
    EXPECT_THROW((void)pending.ready(), LogicError);
    EXPECT_THROW((void)pending.get(), LogicError);
    EXPECT_EQ(moved.get(), data);
    EXPECT_THROW((void)moved.get(), LogicError); // once only
    EXPECT_TRUE(moved.ticket().ready());
}

TEST_F(PendingDownloadTests, AStagedReadbackOutlivesItsTransferAndItsStagingGoesWithIt) {
    const std::uint32_t baseline = allocator->statistics().total.allocation_count;
    auto buffer = allocator->allocate<Words>(50000);
    std::vector<std::uint32_t> data(buffer->size());
    std::iota(data.begin(), data.end(), 1000U);
    std::optional<PendingDownload<std::uint32_t>> pending;
    {
        TransferOptions staged;
        staged.direct_access = false; // a GPU copy into a staging block of the Transfer's arena
        Transfer transfer(device, allocator, staged);
        transfer.upload(*buffer, std::span<const std::uint32_t>(data));
        pending.emplace(transfer.download_async(*buffer, 10, 40000));
    }
    EXPECT_GT(allocator->statistics().total.allocation_count, baseline + 1) << "the block lives on";
    EXPECT_EQ(pending->get(), std::vector<std::uint32_t>(data.begin() + 10, data.begin() + 40010));
    EXPECT_TRUE(pending->ticket().ready());
    pending.reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, baseline + 1) << "only the buffer is left";
}

} // namespace
} // namespace vw
