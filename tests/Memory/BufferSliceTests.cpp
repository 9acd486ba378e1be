#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "Memory/PackedBufferFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/BufferSlice.h"
#include "VulkanWrapper/Memory/PackedBuffer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {
namespace {

using test::DevicePack;
using test::PackedBufferTests;
using test::UniformPack;

// Writing to a device-local slice does not compile; a host-visible one has write/read.
template <typename S>
concept Writable = requires(S slice, std::vector<std::uint32_t> v) { slice.write(std::span<const std::uint32_t>(v), 0); };
static_assert(Writable<UniformPack::Slice>);
static_assert(!Writable<DevicePack::Slice>);

TEST(BufferSliceTests, AnEmptySliceHasNoRangeAndRefusesAccess) {
    UniformPack::Slice slice;
    EXPECT_TRUE(slice.empty());
    EXPECT_EQ(slice.handle(), vk::Buffer{});
    EXPECT_EQ(slice.offset(), 0u);
    EXPECT_EQ(slice.size_bytes(), 0u);
    EXPECT_EQ(slice.size(), 0u);
    EXPECT_EQ(slice.mapped_data(), nullptr);
    EXPECT_EQ(slice.descriptor_info(), vk::DescriptorBufferInfo({}, 0, 0));
    EXPECT_THROW((void)slice.buffer(), LogicError);
    EXPECT_THROW((void)slice.device_address(), LogicError);
    EXPECT_THROW(slice.write_bytes(std::vector<std::byte>(1), 0), LogicError);
    EXPECT_THROW(slice.write(1u, 0), LogicError);
}

TEST_F(PackedBufferTests, SlicesKeepTheMemoryAliveAfterThePackedBufferIsGone) {
    UniformPack::Slice kept;
    {
        UniformPack packed(allocator);
        kept = packed.allocate(8);
        auto dropped = packed.allocate(8);
        kept.write(std::vector<std::uint32_t>(8, 42u), 0);
        UniformPack moved_to(allocator);
        moved_to = std::move(packed); // the moved-to one's own (empty) state goes at once
    }
    EXPECT_EQ(kept.read_as_vector(0, 8), std::vector<std::uint32_t>(8, 42u));
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1u);
    kept = {};
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0u); // freed with the last slice
}

TEST_F(PackedBufferTests, SlicesCarryDescriptorInfoAndDeviceAddress) {
    UniformPack packed(allocator);
    auto a = packed.allocate(10);
    auto b = packed.allocate(10);
    const vk::DescriptorBufferInfo info = b.descriptor_info();
    EXPECT_EQ(info.buffer, b.handle());
    EXPECT_EQ(info.offset, b.offset());
    EXPECT_EQ(info.range, 40u);
    EXPECT_NE(a.offset(), b.offset());
    EXPECT_EQ(b.mapped_data(), b.buffer().mapped_data() + b.offset());
    EXPECT_THROW((void)a.device_address(), LogicError); // no ShaderDeviceAddressUsage
    if (device->buffer_device_address_enabled()) {
        PackedBuffer<std::uint32_t, false, StorageBufferUsage | ShaderDeviceAddressUsage> addressed(allocator);
        auto s = addressed.allocate(8);
        auto t = addressed.allocate(8);
        EXPECT_EQ(s.device_address(), s.buffer().device_address() + s.offset());
        EXPECT_EQ(t.device_address() - s.device_address(), t.offset() - s.offset());
    }
}

TEST_F(PackedBufferTests, HostVisibleSlicesAreWrittenAndReadWithoutTouchingNeighbours) {
    UniformPack packed(allocator);
    std::vector<UniformPack::Slice> slices;
    for (std::uint32_t i = 0; i < 20; ++i) {
        slices.push_back(packed.allocate(i + 1));
        std::vector<std::uint32_t> values(i + 1, i * 1000);
        slices.back().write(values, 0);
    }
    slices[5].write(77u, 2);
    for (std::uint32_t i = 0; i < 20; ++i) {
        std::vector<std::uint32_t> expected(i + 1, i * 1000);
        if (i == 5) expected[2] = 77;
        EXPECT_EQ(slices[i].read_as_vector(0, i + 1), expected);
    }
}

} // namespace
} // namespace vw
