// Every snippet of docs/allocator.md, verbatim, run against the library with the validation
// layer watching. If a snippet here changes, change the page (and the other way round).
#include <gtest/gtest.h>

#include <iostream>
#include <vector>

#include "Support/VulkanFixture.h"
#include <VulkanWrapper/Image/Image.h>
#include <VulkanWrapper/Memory/Allocator.h>

namespace {

using namespace vw;

struct Vertex {
    float x, y, z;
    std::uint32_t colour;
};

std::vector<Vertex> some_vertices(std::size_t count) {
    std::vector<Vertex> vertices(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto f = static_cast<float>(i);
        vertices[i] = {f, -f, f / 2, static_cast<std::uint32_t>(i)};
    }
    return vertices;
}

// --- snippet: the signature of Allocator::allocate, as the page shows it (a declaration that
// compiles here; the member itself is exercised below) ---
template <typename BufferType>
std::unique_ptr<BufferType> allocate(std::size_t elementCount);
// --- end snippet ---

class AllocatorPageTests : public test::VulkanTest {};

TEST_F(AllocatorPageTests, CoreSnippet) {
    const auto vertices = some_vertices(1000);
    // --- snippet: core ---
    auto allocator = AllocatorBuilder()
        .setInstance(instance)
        .setDevice(device)
        .build();

    using VertexBuffer = Buffer<Vertex, false, VertexBufferUsage>;
    using StagingBuffer = Buffer<Vertex, true, TransferSrcUsage>;
    auto vertexBuffer = allocator->allocate<VertexBuffer>(1000);   // std::unique_ptr<VertexBuffer>
    auto stagingBuffer = allocator->allocate<StagingBuffer>(1000);
    stagingBuffer->write(vertices, 0);                              // host-visible only

    auto image = ImageBuilder()
        .setDevice(device)
        .setAllocator(allocator)
        .setFormat(vk::Format::eR8G8B8A8Srgb)
        .setExtent(Width{1024}, Height{1024})
        .setUsage(vk::ImageUsageFlagBits::eSampled)
        .build();

    VmaAllocator handle = allocator->handle();
    VmaTotalStatistics stats;
    vmaCalculateStatistics(allocator->handle(), &stats);
    // --- end snippet ---

    static_assert(std::is_same_v<decltype(vertexBuffer), std::unique_ptr<VertexBuffer>>);
    EXPECT_EQ(handle, allocator->handle());
    EXPECT_EQ(vertexBuffer->size(), 1000U);
    const auto back = stagingBuffer->read_as_vector(0, 1000);
    EXPECT_EQ(std::memcmp(back.data(), vertices.data(), 1000 * sizeof(Vertex)), 0);
    EXPECT_TRUE(image->handle());
    EXPECT_EQ(stats.total.statistics.allocationCount, 3U);
    EXPECT_GE(stats.total.statistics.allocationBytes, 2 * 1000 * sizeof(Vertex) + 1024 * 1024 * 4);
}

TEST_F(AllocatorPageTests, HandleSnippet) {
    auto allocator = AllocatorBuilder(instance, device).build();
    // --- snippet: handle ---
    // Get the VMA allocator handle
    VmaAllocator handle = allocator->handle();
    // --- end snippet ---
    VmaTotalStatistics stats;
    vmaCalculateStatistics(handle, &stats);
    EXPECT_EQ(stats.total.statistics.allocationCount, 0U);
}

TEST_F(AllocatorPageTests, BuilderConstructorForm) {
    // --- snippet: constructor ---
    auto allocator = AllocatorBuilder(instance, device).build();
    // --- end snippet ---
    EXPECT_NE(allocator->handle(), nullptr);
}

TEST_F(AllocatorPageTests, DoesSupportSnippet) {
    using VertexBuffer = Buffer<Vertex, false, VertexBufferUsage>;
    static_assert(VertexBuffer::does_support(vk::BufferUsageFlagBits::eVertexBuffer));
    static_assert(!VertexBuffer::does_support(vk::BufferUsageFlagBits::eIndexBuffer));
    static_assert(VertexBuffer::does_support(TransferDstUsage));
    auto allocator = AllocatorBuilder(instance, device).build();
    EXPECT_EQ(allocator->allocate<VertexBuffer>(4)->usage(), vk::BufferUsageFlags(VertexBufferUsage));
}

TEST_F(AllocatorPageTests, MemoryTypeSnippets) {
    const std::size_t count = 256;
    const auto vertices = some_vertices(count);
    auto allocator = AllocatorBuilder(instance, device).build();
    {
        // --- snippet: device-local ---
        // GPU-only vertex buffer
        using VertexBuffer = Buffer<Vertex, false, VertexBufferUsage>;
        auto buffer = allocator->allocate<VertexBuffer>(count);
        // --- end snippet ---
        EXPECT_TRUE(buffer->memory_properties() & vk::MemoryPropertyFlagBits::eDeviceLocal);
    }
    {
        // --- snippet: host-visible ---
        // CPU-writable staging buffer
        using StagingBuffer = Buffer<Vertex, true, TransferSrcUsage>;
        auto buffer = allocator->allocate<StagingBuffer>(count);

        // Write data directly
        buffer->write(vertices, 0);
        // --- end snippet ---
        EXPECT_TRUE(buffer->memory_properties() & vk::MemoryPropertyFlagBits::eHostVisible);
        EXPECT_EQ(buffer->read_as_vector(count - 1, 1)[0].colour, count - 1);
    }
}

TEST_F(AllocatorPageTests, StatisticsSnippet) {
    auto allocator = AllocatorBuilder(instance, device).build();
    auto buffer = allocator->allocate<Buffer<Vertex, false, VertexBufferUsage>>(10);
    testing::internal::CaptureStdout();
    // --- snippet: statistics ---
    VmaTotalStatistics stats;
    vmaCalculateStatistics(allocator->handle(), &stats);

    std::cout << "Used memory: " << stats.total.statistics.allocationBytes << '\n';
    std::cout << "Allocated blocks: " << stats.total.statistics.blockCount << '\n';
    // --- end snippet ---
    const std::string printed = testing::internal::GetCapturedStdout();
    EXPECT_NE(printed.find("Used memory: " + std::to_string(10 * sizeof(Vertex))), std::string::npos);
    EXPECT_NE(printed.find("Allocated blocks: 1"), std::string::npos);

    // --- snippet: library statistics ---
    AllocatorStatistics summary = allocator->statistics();
    for (const HeapStatistics &heap : summary.heaps) {
        std::cerr << "heap " << heap.heap_index << ": " << heap.memory.allocation_bytes
                  << " bytes in " << heap.memory.allocation_count << " allocations, budget "
                  << heap.budget_bytes << (heap.budget_is_estimate ? " (estimated)" : "") << '\n';
    }
    // --- end snippet ---
    EXPECT_EQ(summary.total.allocation_count, 1U);
}

TEST_F(AllocatorPageTests, ErrorSnippet) {
    auto allocator = AllocatorBuilder(instance, device).build();
    using StagingBuffer = Buffer<Vertex, true, TransferSrcUsage>;
    auto stagingBuffer = allocator->allocate<StagingBuffer>(1000);
    bool caught = false;
    // --- snippet: errors ---
    try {
        stagingBuffer->write(some_vertices(1001), 0);   // one element too many
    } catch (const LogicError &error) {
        std::cerr << error.what() << '\n';              // nothing was written
        caught = true;
    }
    // --- end snippet ---
    EXPECT_TRUE(caught);
}

} // namespace
