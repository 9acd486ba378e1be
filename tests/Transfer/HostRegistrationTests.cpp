#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include "Support/IndependentCopies.h"
#include "Support/RandomBytes.h"
#include "Support/SlowFill.h"
#include "Support/StagedOptions.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/HostRegistration.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {
namespace {

using Bytes = std::vector<std::byte>;
using DeviceBytes = Buffer<std::byte, false, StorageBufferUsage>;
using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;

using test::random_bytes;
using test::staged_options;

// Page-aligned host memory the tests register, freed with std::free.
struct AlignedMemory {
    explicit AlignedMemory(std::size_t pages_)
        : pages(pages_)
        , data(static_cast<std::byte *>(std::aligned_alloc(page, pages_ * page))) {}
    AlignedMemory(const AlignedMemory &) = delete;
    AlignedMemory &operator=(const AlignedMemory &) = delete;
    ~AlignedMemory() { std::free(data); }
    [[nodiscard]] std::span<std::byte> page_span(std::size_t first, std::size_t count) const {
        return {data + first * page, count * page};
    }
    static constexpr std::size_t page = 64 * 1024; // a multiple of any minImportedHostPointerAlignment seen
    std::size_t pages;
    std::byte *data;
};

class HostRegistrationTests : public test::AllocatorTest {
protected:
    void SetUp() override {
        test::AllocatorTest::SetUp();
        supported = device->has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
        alignment = device->physical_device().memory_limits().min_imported_host_pointer_alignment.value_or(1);
    }
    Bytes read_back(const BufferBase &buffer) { return test::read_independently(device, *allocator, buffer); }
    void fill(BufferBase &buffer, const Bytes &bytes) { test::write_independently(device, *allocator, buffer, bytes); }
    [[nodiscard]] vk::DeviceSize aligned_span(const std::byte *begin, std::size_t size) const {
        const auto address = reinterpret_cast<std::uintptr_t>(begin);
        return (address + size + alignment - 1) / alignment * alignment - address / alignment * alignment;
    }

    bool supported = false;
    vk::DeviceSize alignment = 1;
};

TEST_F(HostRegistrationTests, UploadsFromRegisteredMemoryNeedNoStaging) {
    Transfer transfer(device, allocator, staged_options());
    Bytes host = random_bytes(3 * 4096 + 500, 1);
    // Neither start nor size aligned: the import widens the range, the copy starts inside it.
    const std::span<std::byte> registered(host.data() + 77, 2 * 4096 + 50);
    HostRegistration registration = transfer.register_host_memory(registered);
    EXPECT_EQ(registration.memory().data(), registered.data());
    if (!supported) {
        EXPECT_FALSE(registration.imported());
        EXPECT_NE(registration.fallback_reason().find("VK_EXT_external_memory_host"), std::string::npos);
    } else {
        ASSERT_TRUE(registration.imported()) << registration.fallback_reason();
        EXPECT_TRUE(registration.fallback_reason().empty());
    }

    auto buffer = allocator->allocate<DeviceBytes>(registered.size() + 64);
    const Bytes background = random_bytes(buffer->size(), 2);
    fill(*buffer, background);
    const std::uint64_t allocations = transfer.staging_statistics().allocations;
    // Part of the registration, to an odd offset.
    transfer.upload(*buffer, std::span<const std::byte>(registered).subspan(5, registered.size() - 9), 31);
    Bytes expected = background;
    std::copy(registered.begin() + 5, registered.end() - 4, expected.begin() + 31);
    EXPECT_EQ(read_back(*buffer), expected);

    const RegistrationStatistics statistics = transfer.registration_statistics();
    EXPECT_EQ(statistics.registrations, 1U);
    if (supported) {
        EXPECT_EQ(transfer.staging_statistics().allocations, allocations); // no staging block
        EXPECT_EQ(statistics.zero_copy_uploads, 1U);
        EXPECT_EQ(statistics.imports, 1U);
        EXPECT_EQ(statistics.imported_bytes, aligned_span(registered.data(), registered.size()));
        EXPECT_EQ(statistics.import_time, registration.import_time());
    } else {
        EXPECT_EQ(statistics.zero_copy_uploads, 0U);
        EXPECT_EQ(statistics.refusals, 1U);
    }
    registration.reset();
    EXPECT_TRUE(registration.empty());
    EXPECT_EQ(transfer.registration_statistics().registrations, 0U);
    EXPECT_EQ(transfer.registration_statistics().imported_bytes, 0U);
}

TEST_F(HostRegistrationTests, ReadbacksLandInRegisteredMemoryDirectly) {
    Transfer transfer(device, allocator, staged_options());
    auto buffer = allocator->allocate<DeviceWords>(20000);
    const Bytes contents = random_bytes(buffer->size_bytes(), 3);
    fill(*buffer, contents);

    std::vector<std::uint32_t> out(30000, 0);
    HostRegistration registration = transfer.register_host_memory(std::span(out));
    // The typed call into the caller's span, from element 1000 on.
    transfer.download(*buffer, std::span(out).subspan(3, 15000), 1000);
    std::vector<std::uint32_t> expected(30000, 0);
    std::memcpy(expected.data() + 3, contents.data() + 1000 * sizeof(std::uint32_t), 15000 * sizeof(std::uint32_t));
    EXPECT_EQ(out, expected);
    // The byte-level call too.
    transfer.download_bytes(*buffer, std::as_writable_bytes(std::span(out)).subspan(0, 4000), 0);
    std::memcpy(expected.data(), contents.data(), 4000);
    EXPECT_EQ(out, expected);
    EXPECT_EQ(transfer.registration_statistics().zero_copy_downloads, supported ? 2U : 0U);
}

TEST_F(HostRegistrationTests, RangesReachingPastARegistrationAreStaged) {
    Transfer transfer(device, allocator, staged_options());
    Bytes host = random_bytes(40000, 4);
    HostRegistration registration = transfer.register_host_memory(std::span(host).subspan(0, 20000));
    auto buffer = allocator->allocate<DeviceBytes>(host.size());
    transfer.upload(*buffer, std::span<const std::byte>(host).subspan(10000, 20000)); // leaves it at 20000
    Bytes out(20000);
    transfer.download_bytes(*buffer, std::span(out), 0);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), host.begin() + 10000));
    EXPECT_EQ(transfer.registration_statistics().zero_copy_uploads, 0U);
    EXPECT_EQ(transfer.registration_statistics().zero_copy_downloads, 0U);
    EXPECT_GT(transfer.staging_statistics().allocations, 0U);
}

TEST_F(HostRegistrationTests, EmptyAndOverlappingRegistrationsAreLogicErrors) {
    Transfer transfer(device, allocator, staged_options());
    Bytes host(10000);
    EXPECT_THROW((void)transfer.register_host_memory(std::span<std::byte>()), LogicError);
    HostRegistration first = transfer.register_host_memory(std::span(host).subspan(1000, 2000));
    EXPECT_THROW((void)transfer.register_host_memory(std::span(host).subspan(0, 1001)), LogicError);
    EXPECT_THROW((void)transfer.register_host_memory(std::span(host).subspan(2999, 10)), LogicError);
    EXPECT_THROW((void)transfer.register_host_memory(std::span(host).subspan(1500, 10)), LogicError);
    EXPECT_THROW((void)transfer.register_host_memory(std::span(host).subspan(0, 10000)), LogicError);
    EXPECT_EQ(transfer.registration_statistics().registrations, 1U);
    // Beside it is fine, and once it is gone, its range is free again.
    HostRegistration after = transfer.register_host_memory(std::span(host).subspan(3000, 100));
    first.reset();
    HostRegistration again = transfer.register_host_memory(std::span(host).subspan(0, 3000));
    EXPECT_EQ(transfer.registration_statistics().registrations, 2U);

    // Moves leave the source empty; the moved-to registration still works.
    HostRegistration moved = std::move(again);
    EXPECT_TRUE(again.empty());
    EXPECT_FALSE(again.imported());
    EXPECT_EQ(moved.memory().size(), 3000U);
    auto buffer = allocator->allocate<DeviceBytes>(3000);
    std::fill(host.begin(), host.begin() + 3000, std::byte{0x5A});
    transfer.upload(*buffer, std::span<const std::byte>(host).subspan(0, 3000));
    EXPECT_EQ(read_back(*buffer), Bytes(3000, std::byte{0x5A}));
}

TEST_F(HostRegistrationTests, TheBudgetEvictsTheLeastRecentlyUsedImport) {
    if (!supported) GTEST_SKIP() << "the device lacks VK_EXT_external_memory_host";
    ASSERT_EQ(AlignedMemory::page % alignment, 0U);
    TransferOptions options = staged_options();
    options.registration_budget = 2 * AlignedMemory::page;
    Transfer transfer(device, allocator, options);
    AlignedMemory memory(4);
    std::fill(memory.data, memory.data + 4 * AlignedMemory::page, std::byte{0});
    HostRegistration a = transfer.register_host_memory(memory.page_span(0, 1));
    HostRegistration b = transfer.register_host_memory(memory.page_span(1, 1));
    HostRegistration c = transfer.register_host_memory(memory.page_span(2, 1));
    EXPECT_FALSE(a.imported());
    EXPECT_NE(a.fallback_reason().find("evicted"), std::string::npos) << a.fallback_reason();
    EXPECT_TRUE(b.imported());
    EXPECT_TRUE(c.imported());
    EXPECT_EQ(transfer.registration_statistics().evictions, 1U);
    EXPECT_EQ(transfer.registration_statistics().imported_bytes, 2 * AlignedMemory::page);

    // Used again, `a` is imported again and `b`, now the least recently used, goes.
    auto buffer = allocator->allocate<DeviceBytes>(AlignedMemory::page);
    const Bytes data = random_bytes(AlignedMemory::page, 5);
    std::copy(data.begin(), data.end(), memory.data);
    transfer.upload(*buffer, std::span<const std::byte>(memory.page_span(0, 1)));
    EXPECT_EQ(read_back(*buffer), data);
    EXPECT_TRUE(a.imported());
    EXPECT_FALSE(b.imported());
    EXPECT_TRUE(c.imported());
    const RegistrationStatistics statistics = transfer.registration_statistics();
    EXPECT_EQ(statistics.imports, 4U);
    EXPECT_EQ(statistics.evictions, 2U);
    EXPECT_EQ(statistics.zero_copy_uploads, 1U);

    // Larger than the whole budget: staged for good, and still correct.
    HostRegistration big = transfer.register_host_memory(memory.page_span(3, 1).subspan(0, 100));
    EXPECT_TRUE(big.imported()); // 100 bytes widen to one alignment unit, within the budget
    big.reset();
    TransferOptions tight = staged_options();
    tight.registration_budget = AlignedMemory::page / 2;
    Transfer small(device, allocator, tight);
    HostRegistration over = small.register_host_memory(memory.page_span(3, 1));
    EXPECT_FALSE(over.imported());
    EXPECT_NE(over.fallback_reason().find("registration_budget"), std::string::npos) << over.fallback_reason();
    EXPECT_EQ(small.registration_statistics().refusals, 1U);
    std::fill(memory.data + 3 * AlignedMemory::page, memory.data + 4 * AlignedMemory::page, std::byte{0x33});
    small.upload(*buffer, std::span<const std::byte>(memory.page_span(3, 1)));
    EXPECT_EQ(read_back(*buffer), Bytes(AlignedMemory::page, std::byte{0x33}));
    EXPECT_EQ(small.registration_statistics().zero_copy_uploads, 0U);
}

TEST_F(HostRegistrationTests, ReleasingARegistrationWaitsForTheUploadsFromIt) {
    Transfer transfer(device, allocator, staged_options());
    const std::size_t size = 4 << 20;
    Bytes host = random_bytes(size, 6);
    auto buffer = allocator->allocate<DeviceBytes>(size);
    HostRegistration registration = transfer.register_host_memory(std::span(host));
    const TransferTicket ticket = transfer.upload_async(*buffer, std::span<const std::byte>(host));
    // Released while the copy may still run: the release waits for it (the validation layer
    // would report the imported buffer destroyed while in use otherwise).
    registration.reset();
    EXPECT_TRUE(ticket.ready() || !supported);
    ticket.wait();
    EXPECT_EQ(read_back(*buffer), host);
    EXPECT_EQ(transfer.registration_statistics().imported_bytes, 0U);
}

TEST_F(HostRegistrationTests, AnImportEvictedWithAnUploadInFlightOutlivesTheCopy) {
    if (!supported) GTEST_SKIP() << "the device lacks VK_EXT_external_memory_host";
    ASSERT_EQ(AlignedMemory::page % alignment, 0U);
    TransferOptions options = staged_options();
    options.registration_budget = AlignedMemory::page; // room for one import
    Transfer transfer(device, allocator, options);
    AlignedMemory memory(2);
    const Bytes data = random_bytes(AlignedMemory::page, 8);
    std::copy(data.begin(), data.end(), memory.data);
    HostRegistration first = transfer.register_host_memory(memory.page_span(0, 1));
    ASSERT_TRUE(first.imported());

    // The upload from the import waits for the caller's fill, which lasts milliseconds.
    auto buffer = allocator->allocate<DeviceBytes>(AlignedMemory::page);
    Semaphore filled(device, 0);
    test::SlowFill fill(device, *allocator);
    fill.submit(*buffer, 0xFFFFFFFFU, filled, 1);
    const vk::SemaphoreSubmitInfo wait = filled.submit_info(1);
    const TransferTicket ticket =
        transfer.upload_async(*buffer, std::span<const std::byte>(memory.page_span(0, 1)), std::span(&wait, 1));

    // The second registration evicts the first while its copy may still run: the import is
    // freed only after the copy (the validation layer reports a buffer destroyed in use else).
    HostRegistration second = transfer.register_host_memory(memory.page_span(1, 1));
    EXPECT_TRUE(second.imported());
    EXPECT_FALSE(first.imported());
    EXPECT_EQ(transfer.registration_statistics().evictions, 1U);
    EXPECT_EQ(transfer.registration_statistics().zero_copy_uploads, 1U);
    EXPECT_TRUE(ticket.ready()) << "the eviction waited for the upload from the import";
    EXPECT_EQ(filled.value(), 1U);
    EXPECT_EQ(read_back(*buffer), data);
}

TEST_F(HostRegistrationTests, ARegistrationMayOutliveItsTransfer) {
    Bytes host(8192, std::byte{1});
    HostRegistration registration;
    {
        Transfer transfer(device, allocator, staged_options());
        registration = transfer.register_host_memory(std::span(host));
        EXPECT_EQ(registration.imported(), supported);
    }
    EXPECT_FALSE(registration.empty());
    EXPECT_FALSE(registration.imported());
    EXPECT_EQ(registration.fallback_reason(), "the Transfer is gone");
    registration.reset();
    EXPECT_TRUE(registration.empty());
}

TEST_F(HostRegistrationTests, ConcurrentZeroCopyTransfersWhileImportsAreEvicted) {
    TransferOptions options = staged_options();
    options.copy_threads = 1;
    options.registration_budget = 2 * AlignedMemory::page; // four registrations take turns
    Transfer transfer(device, allocator, options);
    constexpr std::size_t threads = 4;
    constexpr std::size_t half = AlignedMemory::page / 2;
    AlignedMemory memory(threads);
    std::vector<HostRegistration> registrations;
    for (std::size_t i = 0; i < threads; ++i) registrations.push_back(transfer.register_host_memory(memory.page_span(i, 1)));
    EXPECT_EQ(transfer.registration_statistics().evictions, supported ? 2U : 0U);

    std::vector<std::unique_ptr<DeviceBytes>> buffers;
    for (std::size_t i = 0; i < threads; ++i) buffers.push_back(allocator->allocate<DeviceBytes>(half));
    std::vector<int> failures(threads, 0);
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] {
            // The first half of the thread's page is its source, the second its destination.
            std::byte *source = memory.data + i * AlignedMemory::page;
            std::byte *destination = source + half;
            for (std::uint32_t round = 0; round < 25; ++round) {
                const Bytes data = random_bytes(half, static_cast<std::uint32_t>(100 * i + round));
                std::copy(data.begin(), data.end(), source);
                transfer.upload(*buffers[i], std::span<const std::byte>(source, half));
                std::fill(destination, destination + half, std::byte{0});
                transfer.download_bytes(*buffers[i], std::span(destination, half), 0);
                if (!std::equal(data.begin(), data.end(), destination)) ++failures[i];
            }
        });
    }
    for (std::thread &worker : workers) worker.join();
    EXPECT_EQ(failures, std::vector<int>(threads, 0));
    const RegistrationStatistics statistics = transfer.registration_statistics();
    EXPECT_LE(statistics.imported_bytes, options.registration_budget);
    if (supported) {
        EXPECT_GT(statistics.zero_copy_uploads + statistics.zero_copy_downloads, 0U);
    }
}

} // namespace
} // namespace vw
