#include <gtest/gtest.h>

#include "Support/InternalAccess.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferUsage.h"

namespace vw {
namespace {

using Props = vk::MemoryPropertyFlagBits;

// The resizable-BAR case: device-local VRAM that is host-visible, allocated with no host-access
// flag. VMA calls mapping such an allocation incorrect, so the direct transfer path must not.
TEST(HostMappingTests, DeviceLocalMemoryBehindABarIsNotMappableWithoutAHostAccessFlag) {
    const vk::MemoryPropertyFlags bar = Props::eDeviceLocal | Props::eHostVisible | Props::eHostCoherent;
    EXPECT_FALSE(detail::may_map(0, bar));
    EXPECT_FALSE(detail::may_map(VMA_ALLOCATION_CREATE_WITHIN_BUDGET_BIT, bar));
    EXPECT_FALSE(detail::may_map(VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT, bar));
}

TEST(HostMappingTests, AHostAccessFlagAndHostVisibleMemoryAllowMapping) {
    const vk::MemoryPropertyFlags bar = Props::eDeviceLocal | Props::eHostVisible;
    EXPECT_TRUE(detail::may_map(VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT, bar));
    EXPECT_TRUE(detail::may_map(VMA_ALLOCATION_CREATE_HOST_ACCESS_RANDOM_BIT,
                                Props::eHostVisible | Props::eHostCached));
    // ALLOW_TRANSFER_INSTEAD lets VMA pick memory the host cannot see: the type decides.
    EXPECT_FALSE(detail::may_map(VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT |
                                     VMA_ALLOCATION_CREATE_HOST_ACCESS_ALLOW_TRANSFER_INSTEAD_BIT,
                                 Props::eDeviceLocal));
}

class HostMappingDeviceTests : public test::AllocatorTest {};

TEST_F(HostMappingDeviceTests, BuffersReportWhetherTheHostMayMapThem) {
    auto device_local = allocator->allocate<Buffer<std::uint32_t, false, StorageBufferUsage>>(64);
    auto staging = allocator->allocate<Buffer<std::uint32_t, true, TransferSrcUsage>>(64);
    EXPECT_TRUE(staging->allows_host_access());
    const bool host_visible = static_cast<bool>(device_local->memory_properties() & Props::eHostVisible);
    // Device-local buffers are mappable exactly where the allocator told VMA the host may
    // access them: on unified memory (lavapipe) and resizable BAR over the whole heap, never
    // merely because the type is host-visible.
    EXPECT_EQ(device_local->allows_host_access(),
              (allocator->unified_memory() || allocator->resizable_bar()) && host_visible);
    BufferBase moved = std::move(*device_local);
    EXPECT_FALSE(device_local->allows_host_access());
}

} // namespace
} // namespace vw
