#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"

namespace vw {
namespace {

struct Vertex {
    float position[3];
    std::uint32_t colour;
    friend bool operator==(const Vertex &, const Vertex &) = default;
};

using VertexBuffer = Buffer<Vertex, false, VertexBufferUsage>;
using StagingBuffer = Buffer<Vertex, true, TransferSrcUsage>;
using UploadBuffer = Buffer<Vertex, true, StagingBufferUsage>;
using Readback = ReadbackBuffer<Vertex>;

template <typename B>
concept CanWrite = requires(B &buffer, std::span<const typename B::type> data,
                            const typename B::type &element) {
    buffer.write(data, std::size_t{0});
    buffer.write(element, std::size_t{0});
};

template <typename B>
concept CanRead = requires(const B &buffer) { buffer.read_as_vector(std::size_t{0}, std::size_t{1}); };

template <typename B>
concept CanUseBytes = requires(B &buffer, std::span<const std::byte> in, std::span<std::byte> out) {
    buffer.write_bytes(in, vk::DeviceSize{0});
    buffer.read_bytes(out, vk::DeviceSize{0});
};

struct NotTriviallyCopyable {
    NotTriviallyCopyable(const NotTriviallyCopyable &) {}
};

// Compile-time rules: device-local buffers have no host access at all, and only trivially
// copyable element types are accepted.
static_assert(!CanWrite<VertexBuffer>);
static_assert(!CanRead<VertexBuffer>);
static_assert(!CanUseBytes<VertexBuffer>);
static_assert(CanUseBytes<StagingBuffer>);
template <typename T>
concept BufferElement = requires { typename Buffer<T, true, StagingBufferUsage>; };
static_assert(!BufferElement<NotTriviallyCopyable>);
static_assert(!BufferElement<const Vertex>);
static_assert(BufferElement<Vertex>);
static_assert(CanWrite<StagingBuffer> && CanRead<StagingBuffer>);
static_assert(CanWrite<Readback> && CanRead<Readback>);
static_assert(std::is_same_v<VertexBuffer::type, Vertex>);
static_assert(!VertexBuffer::host_visible && StagingBuffer::host_visible);
static_assert(VertexBuffer::flags == VertexBufferUsage);
static_assert(VertexBuffer::does_support(VK_BUFFER_USAGE_VERTEX_BUFFER_BIT));
static_assert(VertexBuffer::does_support(TransferSrcUsage | TransferDstUsage));
static_assert(!VertexBuffer::does_support(VK_BUFFER_USAGE_INDEX_BUFFER_BIT));
static_assert(!StagingBuffer::does_support(TransferDstUsage));
// The vulkan.hpp types, as the original library documents it.
static_assert(VertexBuffer::does_support(vk::BufferUsageFlagBits::eVertexBuffer));
static_assert(VertexBuffer::does_support(vk::BufferUsageFlagBits::eVertexBuffer |
                                         vk::BufferUsageFlagBits::eTransferDst));
static_assert(!VertexBuffer::does_support(vk::BufferUsageFlagBits::eIndexBuffer));
static_assert(!StagingBuffer::does_support(vk::BufferUsageFlags(TransferDstUsage)));
static_assert(StagingBuffer::host_access_kind == HostAccess::SequentialWrite);
static_assert(Readback::host_access_kind == HostAccess::Random);
static_assert(VertexBuffer::host_access_kind == HostAccess::None);
// Usage constants combine, and device-local kinds carry both transfer bits.
static_assert((StorageBufferUsage & StagingBufferUsage) == StagingBufferUsage);
static_assert((IndexBufferUsage & TransferDstUsage) && (UniformBufferUsage & TransferSrcUsage));
static_assert((VertexBufferUsage | IndexBufferUsage) ==
              (VK_BUFFER_USAGE_VERTEX_BUFFER_BIT | VK_BUFFER_USAGE_INDEX_BUFFER_BIT | StagingBufferUsage));
// Move-only.
static_assert(!std::is_copy_constructible_v<VertexBuffer> && std::is_nothrow_move_constructible_v<VertexBuffer>);
static_assert(!std::is_copy_assignable_v<BufferBase> && std::is_nothrow_move_assignable_v<BufferBase>);

std::vector<Vertex> make_vertices(std::size_t count, std::uint32_t seed) {
    std::vector<Vertex> vertices(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto f = static_cast<float>(i + seed);
        vertices[i] = {{f, f * 2, f * 3}, static_cast<std::uint32_t>(i) ^ seed};
    }
    return vertices;
}

class BufferTests : public test::AllocatorTest {};

TEST_F(BufferTests, SizesAreInElementsAndBytes) {
    auto buffer = allocator->allocate<VertexBuffer>(1000);
    EXPECT_EQ(buffer->size(), 1000U);
    EXPECT_EQ(buffer->size_bytes(), 1000U * sizeof(Vertex));
    EXPECT_TRUE(buffer->handle());
    EXPECT_EQ(buffer->usage(), vk::BufferUsageFlags(VertexBufferUsage));
}

TEST_F(BufferTests, WriteThenReadRoundTrips) {
    auto buffer = allocator->allocate<UploadBuffer>(1000);
    const auto vertices = make_vertices(1000, 7);
    buffer->write(vertices, 0);
    EXPECT_EQ(buffer->read_as_vector(0, 1000), vertices);
    EXPECT_EQ(buffer->read_as_vector(999, 1)[0], vertices[999]);
}

TEST_F(BufferTests, WritesAtOffsetsAndSingleElements) {
    auto buffer = allocator->allocate<Readback>(100);
    buffer->write(make_vertices(100, 0), 0);
    const auto middle = make_vertices(10, 500);
    buffer->write(middle, 45);
    const Vertex single{{1, 2, 3}, 0xABCDEFU};
    buffer->write(single, 99);
    const auto all = buffer->read_as_vector(0, 100);
    const auto original = make_vertices(100, 0);
    for (std::size_t i = 0; i < 100; ++i) {
        if (i >= 45 && i < 55) {
            EXPECT_EQ(all[i], middle[i - 45]);
        } else if (i == 99) {
            EXPECT_EQ(all[i], single);
        } else {
            EXPECT_EQ(all[i], original[i]);
        }
    }
}

TEST_F(BufferTests, OutOfBoundsWritesAreLogicErrorsAndWriteNothing) {
    auto buffer = allocator->allocate<UploadBuffer>(10);
    const auto original = make_vertices(10, 3);
    buffer->write(original, 0);
    EXPECT_THROW(buffer->write(make_vertices(11, 9), 0), LogicError);
    EXPECT_THROW(buffer->write(make_vertices(2, 9), 9), LogicError);
    EXPECT_THROW(buffer->write(make_vertices(1, 9), 11), LogicError);
    EXPECT_THROW(buffer->write(Vertex{}, 10), LogicError);
    EXPECT_THROW(buffer->write(make_vertices(1, 9), std::numeric_limits<std::size_t>::max()), LogicError);
    EXPECT_EQ(buffer->read_as_vector(0, 10), original);
    // An empty write at the end is within bounds and changes nothing.
    buffer->write(std::span<const Vertex>{}, 10);
    EXPECT_EQ(buffer->read_as_vector(0, 10), original);
}

TEST_F(BufferTests, OutOfBoundsReadsAreLogicErrors) {
    auto buffer = allocator->allocate<Readback>(10);
    EXPECT_THROW((void)buffer->read_as_vector(0, 11), LogicError);
    EXPECT_THROW((void)buffer->read_as_vector(11, 0), LogicError);
    EXPECT_THROW((void)buffer->read_as_vector(5, std::numeric_limits<std::size_t>::max()), LogicError);
    EXPECT_TRUE(buffer->read_as_vector(10, 0).empty());
    try {
        (void)buffer->read_as_vector(8, 3);
        FAIL() << "read_as_vector did not throw";
    } catch (const LogicError &error) {
        EXPECT_NE(error.message().find("read_as_vector"), std::string::npos);
        EXPECT_NE(error.message().find("10 elements"), std::string::npos);
    }
}

TEST_F(BufferTests, ByteAccessThroughTheUntypedPathIsALogicErrorOnDeviceLocalBuffers) {
    auto buffer = allocator->allocate<VertexBuffer>(4);
    BufferBase &untyped = *buffer;
    std::array<std::byte, 4> bytes{};
    EXPECT_THROW(untyped.write_bytes(bytes, 0), LogicError);
    EXPECT_THROW(untyped.read_bytes(bytes, 0), LogicError);
    EXPECT_EQ(untyped.mapped_data(), nullptr);
}

TEST_F(BufferTests, MovedFromBufferIsEmptyAndMoveAssignmentFreesTheOldOne) {
    auto first = allocator->allocate<UploadBuffer>(16);
    first->write(make_vertices(16, 1), 0);
    UploadBuffer moved(std::move(*first));
    EXPECT_TRUE(first->empty());
    EXPECT_FALSE(first->handle());
    EXPECT_EQ(first->size(), 0U);
    EXPECT_THROW(first->write(Vertex{}, 0), LogicError);
    EXPECT_THROW((void)first->memory_type_index(), LogicError);
    EXPECT_EQ(moved.read_as_vector(0, 16), make_vertices(16, 1));

    auto second = allocator->allocate<UploadBuffer>(32);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);
    moved = std::move(*second);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    EXPECT_EQ(moved.size(), 32U);
    first.reset();
    second.reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
}

TEST_F(BufferTests, HostVisibleBuffersArePersistentlyMappedAcrossWrites) {
    auto buffer = allocator->allocate<Buffer<std::uint64_t, true, UniformBufferUsage>>(512);
    for (std::uint64_t round = 0; round < 4; ++round) {
        std::vector<std::uint64_t> values(512);
        std::iota(values.begin(), values.end(), round << 32);
        buffer->write(values, 0);
        EXPECT_EQ(buffer->read_as_vector(0, 512), values);
    }
}

} // namespace
} // namespace vw
