// Corruption detection: with VW_CORRUPTION_DETECTION=ON (the "asan" preset) VMA keeps a 16-byte
// margin after every sub-allocation in host-visible, coherent memory, filled with a magic value,
// and Allocator::check_corruption() checks every margin. These tests write past a buffer's end
// on purpose, through its mapping, into that margin. Without the option, check_corruption() is a
// LogicError. docs/reliability.md describes the builds that run each case.
//
// VMA reports the damage it finds through VMA_ASSERT too, which the library records (it never
// aborts; see src/VulkanWrapper/Memory/VmaAssertions.h) and which the shared fixture treats as a
// test failure. The fixture here does the same bookkeeping, but a test states exactly how many
// VMA assertions it provokes, and which one: no more and no fewer may be recorded.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "Support/InternalAccess.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"

namespace vw {
namespace {

/// VMA's debug margin in the VW_CORRUPTION_DETECTION build (VMA_DEBUG_MARGIN in
/// src/VulkanWrapper/Memory/VmaImplementation.cpp).
constexpr vk::DeviceSize kMargin = 16;
/// VMA_ASSERT text when vmaCheckCorruption finds a damaged margin, and when a buffer whose
/// margin is damaged is freed.
constexpr const char *kDetectedByCheck = "MEMORY CORRUPTION DETECTED AFTER VALIDATED ALLOCATION";
constexpr const char *kDetectedOnFree = "MEMORY CORRUPTION DETECTED AFTER FREED ALLOCATION";

using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;

class CorruptionTests : public ::testing::Test {
protected:
    void SetUp() override {
        instance = test::shared_instance();
        device = test::shared_device();
        ASSERT_TRUE(instance->debug_enabled());
        m_validation_baseline = instance->validation_error_count();
        m_vma_baseline = detail::vma_assertion_count();
        allocator = AllocatorBuilder(instance, device).build();
    }

    void TearDown() override {
        allocator.reset();
        if (!instance) return;
        EXPECT_EQ(detail::vma_assertion_count() - m_vma_baseline, m_expected_vma_assertions)
            << "VMA assertions during the test; the last: " << detail::last_vma_assertion();
        if (m_expected_vma_assertions > 0) {
            EXPECT_NE(detail::last_vma_assertion().find(m_expected_text), std::string::npos)
                << detail::last_vma_assertion();
        }
        EXPECT_EQ(instance->validation_error_count() - m_validation_baseline, 0U);
    }

    /// The test provokes exactly `count` VMA assertions, the last of which contains `text`.
    void expect_vma_assertions(std::uint64_t count, const char *text) {
        m_expected_vma_assertions = count;
        m_expected_text = text;
    }
    [[nodiscard]] std::uint64_t vma_assertions_so_far() const {
        return detail::vma_assertion_count() - m_vma_baseline;
    }

    /// A host-visible buffer sub-allocated from a block in coherent memory, the only place VMA
    /// keeps margins; skips the test when the device has no such memory.
    std::unique_ptr<HostWords> guarded_buffer(std::size_t words) {
        auto buffer = allocator->allocate<HostWords>(words);
        const auto required = vk::MemoryPropertyFlagBits::eHostVisible | vk::MemoryPropertyFlagBits::eHostCoherent;
        if ((buffer->memory_properties() & required) != required) return nullptr;
        if (buffer->is_dedicated()) return nullptr;
        return buffer;
    }

    /// The first byte after `buffer`'s allocation: the start of its margin.
    [[nodiscard]] std::byte *margin_of(const HostWords &buffer) const {
        VmaAllocationInfo info{};
        vmaGetAllocationInfo(allocator->handle(), buffer.allocation(), &info);
        EXPECT_GE(info.size, buffer.size_bytes());
        return static_cast<std::byte *>(info.pMappedData) + info.size;
    }

    std::shared_ptr<Instance> instance;
    std::shared_ptr<Device> device;
    std::shared_ptr<Allocator> allocator;

private:
    std::uint64_t m_validation_baseline = 0;
    std::uint64_t m_vma_baseline = 0;
    std::uint64_t m_expected_vma_assertions = 0;
    std::string m_expected_text;
};

#define VW_REQUIRE_CORRUPTION_DETECTION()                                                          \
    if (!Allocator::corruption_detection_enabled())                                               \
    GTEST_SKIP() << "built without VW_CORRUPTION_DETECTION (the asan preset turns it on)"

TEST_F(CorruptionTests, WithoutTheOptionCheckingIsALogicError) {
    if (Allocator::corruption_detection_enabled()) GTEST_SKIP() << "built with VW_CORRUPTION_DETECTION";
    auto buffer = allocator->allocate<HostWords>(64);
    EXPECT_THROW(allocator->check_corruption(), LogicError);
    // The allocator is untouched by the failed call.
    buffer->write(std::vector<std::uint32_t>(64, 7U), 0);
    EXPECT_EQ(buffer->read_as_vector(0, 64), std::vector<std::uint32_t>(64, 7U));
}

TEST_F(CorruptionTests, IntactMarginsPassAndSeparateNeighbours) {
    VW_REQUIRE_CORRUPTION_DETECTION();
    EXPECT_NO_THROW(allocator->check_corruption()); // nothing allocated yet
    std::vector<std::unique_ptr<HostWords>> buffers;
    for (std::size_t words : {1U, 3U, 64U, 1000U, 4096U}) {
        auto buffer = guarded_buffer(words);
        if (!buffer) GTEST_SKIP() << "no sub-allocated host-visible coherent memory here";
        // Fill every byte of each buffer, up to its very end: margins start after it.
        buffer->write(std::vector<std::uint32_t>(words, 0xFFFFFFFFU), 0);
        buffers.push_back(std::move(buffer));
    }
    EXPECT_NO_THROW(allocator->check_corruption());

    // The margins are really there: neighbours in one block are at least kMargin apart.
    std::vector<std::pair<VkDeviceMemory, std::pair<vk::DeviceSize, vk::DeviceSize>>> ranges;
    for (const auto &buffer : buffers) {
        VmaAllocationInfo info{};
        vmaGetAllocationInfo(allocator->handle(), buffer->allocation(), &info);
        ranges.push_back({info.deviceMemory, {info.offset, info.offset + info.size}});
    }
    std::sort(ranges.begin(), ranges.end());
    std::size_t neighbours = 0;
    for (std::size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].first != ranges[i - 1].first) continue;
        ++neighbours;
        EXPECT_GE(ranges[i].second.first, ranges[i - 1].second.second + kMargin);
    }
    EXPECT_GT(neighbours, 0U) << "the buffers were expected to share a block";
}

TEST_F(CorruptionTests, AWritePastTheEndIsDetectedAndRepairingTheMarginClearsIt) {
    VW_REQUIRE_CORRUPTION_DETECTION();
    auto before = guarded_buffer(256);
    auto victim = guarded_buffer(256); // 1 KiB: a multiple of every alignment, no padding
    auto after = guarded_buffer(256);
    if (!before || !victim || !after) GTEST_SKIP() << "no sub-allocated host-visible coherent memory here";
    const std::vector<std::uint32_t> data(256, 0x12345678U);
    victim->write(data, 0);
    ASSERT_NO_THROW(allocator->check_corruption());

    // An off-by-a-few write: 4 bytes past the end, through the buffer's own mapping.
    std::byte *margin = margin_of(*victim);
    ASSERT_EQ(margin, victim->mapped_data() + victim->size_bytes());
    std::array<std::byte, 4> saved{};
    std::memcpy(saved.data(), margin, saved.size());
    const std::array<std::byte, 4> stray{std::byte{0xDE}, std::byte{0xAD}, std::byte{0xBE}, std::byte{0xEF}};
    std::memcpy(margin, stray.data(), stray.size());

    try {
        allocator->check_corruption();
        ADD_FAILURE() << "check_corruption() did not detect the write past the end";
    } catch (const VulkanException &e) {
        EXPECT_EQ(e.result(), vk::Result::eErrorUnknown);
        EXPECT_NE(std::string(e.what()).find("corruption"), std::string::npos) << e.what();
    }
    // VMA's own report of what vmaCheckCorruption found, recorded instead of aborting.
    EXPECT_EQ(vma_assertions_so_far(), 1U);
    expect_vma_assertions(1, kDetectedByCheck);

    // Repair: the margin's bytes back. Checking passes again, and freeing raises nothing more.
    std::memcpy(margin, saved.data(), saved.size());
    EXPECT_NO_THROW(allocator->check_corruption());
    EXPECT_EQ(victim->read_as_vector(0, 256), data);
    victim.reset();
    before.reset();
    after.reset();
    EXPECT_EQ(vma_assertions_so_far(), 1U);

    // The allocator is fully usable afterwards.
    auto fresh = guarded_buffer(512);
    ASSERT_TRUE(fresh);
    fresh->write(std::vector<std::uint32_t>(512, 3U), 0);
    EXPECT_EQ(fresh->read_as_vector(0, 512), std::vector<std::uint32_t>(512, 3U));
    EXPECT_NO_THROW(allocator->check_corruption());
    fresh.reset();
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

TEST_F(CorruptionTests, EveryDamagedMarginIsFoundWhicheverBufferItFollows) {
    VW_REQUIRE_CORRUPTION_DETECTION();
    constexpr std::size_t count = 8;
    std::vector<std::unique_ptr<HostWords>> buffers;
    for (std::size_t i = 0; i < count; ++i) {
        auto buffer = guarded_buffer(16 * (i + 1));
        if (!buffer) GTEST_SKIP() << "no sub-allocated host-visible coherent memory here";
        buffers.push_back(std::move(buffer));
    }
    for (std::size_t i = 0; i < count; ++i) {
        // One byte of the margin, at a different position in it for each buffer.
        std::byte *target = margin_of(*buffers[i]) + (i * 2) % kMargin;
        const std::byte saved = *target;
        *target = ~saved;
        EXPECT_THROW(allocator->check_corruption(), VulkanException) << "buffer " << i;
        *target = saved;
        EXPECT_NO_THROW(allocator->check_corruption()) << "buffer " << i;
    }
    EXPECT_EQ(vma_assertions_so_far(), count);
    expect_vma_assertions(count, kDetectedByCheck);
}

TEST_F(CorruptionTests, FreeingABufferWithADamagedMarginIsReportedNotFatal) {
    VW_REQUIRE_CORRUPTION_DETECTION();
    auto victim = guarded_buffer(64);
    auto neighbour = guarded_buffer(64);
    if (!victim || !neighbour) GTEST_SKIP() << "no sub-allocated host-visible coherent memory here";
    neighbour->write(std::vector<std::uint32_t>(64, 9U), 0);
    std::memset(margin_of(*victim), 0, kMargin); // the whole margin overwritten
    victim.reset(); // VMA checks the margin on free and reports it: recorded, no abort
    EXPECT_EQ(vma_assertions_so_far(), 1U);
    expect_vma_assertions(1, kDetectedOnFree);
    // The damaged bytes now lie in free space, which is not checked; the rest is intact.
    EXPECT_NO_THROW(allocator->check_corruption());
    EXPECT_EQ(neighbour->read_as_vector(0, 64), std::vector<std::uint32_t>(64, 9U));
}

} // namespace
} // namespace vw
