#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
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

} // namespace
} // namespace vw
