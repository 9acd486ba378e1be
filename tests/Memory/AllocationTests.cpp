#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocation.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"

namespace vw {
namespace {

using Words = Buffer<std::uint32_t, false, StorageBufferUsage>;
using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;

// What allocate() returns may be owned as a BufferBase: the destructor is virtual, so the
// delete through the base runs the whole object's destructor (it was undefined behaviour).
static_assert(std::has_virtual_destructor_v<BufferBase>);
static_assert(std::is_convertible_v<std::unique_ptr<Words>, std::unique_ptr<BufferBase>>);
static_assert(requires(std::unique_ptr<Words> typed) { std::unique_ptr<BufferBase>(std::move(typed)); });

// The shared base is never owned on its own: deleting through an Allocation* does not compile.
template <typename T>
concept DeletableThroughPointer = requires(T *pointer) { delete pointer; };
static_assert(!DeletableThroughPointer<Allocation>);
static_assert(DeletableThroughPointer<BufferBase>);
static_assert(std::is_base_of_v<Allocation, BufferBase> && std::is_base_of_v<Allocation, Image>);

// Internals are not part of the public API.
static_assert(!std::is_constructible_v<Allocator, const AllocatorBuilder &>);
template <typename A>
concept HasPublicOutOfMemory = requires(const A &allocator) {
    allocator.out_of_memory(vk::Result::eErrorOutOfDeviceMemory, "x", std::nullopt, 0U,
                            std::source_location::current());
};
static_assert(!HasPublicOutOfMemory<Allocator>);
template <typename A>
concept HasPublicSetAllocationName = requires(const A &allocator, VmaAllocation allocation) {
    allocator.set_allocation_name(allocation, "x", vk::ObjectType::eUnknown, 0U);
};
static_assert(!HasPublicSetAllocationName<Allocator>);

class AllocationTests : public test::AllocatorTest {};

TEST_F(AllocationTests, ATypedBufferDeletedThroughItsBaseFreesItsMemory) {
    std::unique_ptr<BufferBase> owned = allocator->allocate<Words>(1000);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    EXPECT_EQ(owned->size_bytes(), 4000U);
    owned.reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
    EXPECT_EQ(allocator->statistics().total.allocation_bytes, 0U);
}

TEST_F(AllocationTests, BuffersAndImagesAnswerTheSameMemoryQuestions) {
    auto buffer = allocator->allocate<HostWords>(256, "words");
    auto image = test::small_image(allocator).setName("texture").build();
    for (const Allocation *allocation : {static_cast<const Allocation *>(buffer.get()),
                                         static_cast<const Allocation *>(image.get())}) {
        EXPECT_FALSE(allocation->empty());
        EXPECT_EQ(allocation->allocator(), allocator);
        const auto &memory = device->physical_device().memory_properties();
        ASSERT_LT(allocation->memory_type_index(), memory.memoryTypeCount);
        EXPECT_EQ(allocation->memory_properties(),
                  memory.memoryTypes[allocation->memory_type_index()].propertyFlags);
        EXPECT_FALSE(allocation->is_dedicated());
    }
    EXPECT_EQ(buffer->name(), "words");
    EXPECT_EQ(image->name(), "texture");
    image->set_name("renamed");
    EXPECT_EQ(image->name(), "renamed");
}

TEST_F(AllocationTests, MovedFromBuffersAndImagesAreEmptyAndSayWhichTheyAre) {
    auto buffer = allocator->allocate<HostWords>(16);
    BufferBase taken = std::move(*buffer);
    EXPECT_TRUE(buffer->empty());
    EXPECT_EQ(buffer->size_bytes(), 0U);
    EXPECT_FALSE(buffer->handle());
    EXPECT_FALSE(taken.empty());

    auto image = test::small_image(allocator, 4).build();
    Image moved = std::move(*image);
    EXPECT_TRUE(image->empty());
    EXPECT_FALSE(image->handle());
    try {
        (void)image->memory_type_index();
        ADD_FAILURE() << "no LogicError";
    } catch (const LogicError &error) {
        EXPECT_EQ(error.message(), "Image::memory_type_index: the image is empty");
    }
    try {
        buffer->set_name("x");
        ADD_FAILURE() << "no LogicError";
    } catch (const LogicError &error) {
        EXPECT_EQ(error.message(), "BufferBase::set_name: the buffer is empty");
    }
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U); // `taken` and `moved`
}

TEST_F(AllocationTests, MoveAssignmentFreesWhatItReplaces) {
    BufferBase first = allocator->allocate_buffer(1024, vk::BufferUsageFlagBits::eStorageBuffer,
                                                  HostAccess::None);
    BufferBase second = allocator->allocate_buffer(2048, StorageBufferUsage, HostAccess::SequentialWrite);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);
    first = std::move(second);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 1U);
    EXPECT_EQ(first.size_bytes(), 2048U);
    EXPECT_TRUE(first.is_host_visible());
    EXPECT_TRUE(second.empty());
}

} // namespace
} // namespace vw
