#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Image/ExternalOwnership.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Vulkan/Queue.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Memory/ExternalMemory.h"
#include "VulkanWrapper/Report/MemoryMap.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"

extern char **environ;

namespace vw {
namespace {

using HostBuffer = Buffer<std::uint32_t, true, StorageBufferUsage | TransferSrcUsage | TransferDstUsage>;
using DeviceBuffer = Buffer<std::uint32_t, false, StorageBufferUsage>;

std::size_t open_descriptors() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
    return count;
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// `memory` with its descriptor moved out of it (ExportedMemory is move-only through the fd).
ExportedMemory taken(ExportedMemory &memory) {
    ExportedMemory copy;
    copy.fd = std::move(memory.fd);
    copy.handle = memory.handle;
    copy.allocation_size = memory.allocation_size;
    copy.offset = memory.offset;
    copy.buffer_size = memory.buffer_size;
    copy.memory_type_index = memory.memory_type_index;
    copy.dedicated = memory.dedicated;
    return copy;
}

std::vector<std::uint32_t> pattern(std::size_t count, std::uint32_t factor, std::uint32_t add) {
    std::vector<std::uint32_t> values(count);
    for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<std::uint32_t>(i) * factor + add;
    return values;
}

class ExternalMemoryTests : public test::AllocatorTest {
protected:
    void SetUp() override {
        test::AllocatorTest::SetUp();
        const auto support = ExternalMemory::buffer_support(*device, vk::BufferUsageFlags(HostBuffer::flags),
                                                            ExternalMemoryHandle::OpaqueFd);
        if (!support.exportable || !support.importable) GTEST_SKIP() << support.reason;
    }

    // A second VkDevice on the same physical device, with its own allocator.
    std::shared_ptr<Allocator> second_allocator() {
        if (!m_second_device) m_second_device = instance->findGpu().find().build();
        return AllocatorBuilder(instance, m_second_device).build();
    }

    std::shared_ptr<Device> m_second_device;
};

TEST_F(ExternalMemoryTests, SupportQueryNamesWhatIsMissing) {
    for (const auto handle : {ExternalMemoryHandle::OpaqueFd, ExternalMemoryHandle::DmaBuf}) {
        const auto support =
            ExternalMemory::buffer_support(*device, vk::BufferUsageFlagBits::eStorageBuffer, handle);
        const char *extension = handle == ExternalMemoryHandle::DmaBuf
                                    ? VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME
                                    : VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME;
        if (!device->has_extension(extension)) {
            EXPECT_FALSE(support.exportable);
            EXPECT_FALSE(support.importable);
            EXPECT_NE(support.reason.find(extension), std::string::npos) << support.reason;
        } else {
            EXPECT_EQ(support.reason.empty(), support.exportable && support.importable) << support.reason;
            if (support.exportable) {
                EXPECT_TRUE(support.compatible_handle_types & to_vulkan(handle));
            }
        }
    }
}

TEST_F(ExternalMemoryTests, SecondDeviceSeesTheBytesBothWays) {
    constexpr std::size_t count = 4096;
    auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, count);
    ASSERT_TRUE(ExternalMemory::is_exportable(*exported));
    EXPECT_TRUE(exported->is_dedicated());
    exported->write(pattern(count, 3, 1), 0);

    auto other = second_allocator();
    ExportedMemory memory = ExternalMemory::export_fd(*exported);
    ASSERT_TRUE(memory.fd.valid());
    EXPECT_EQ(memory.buffer_size, count * sizeof(std::uint32_t));
    EXPECT_GE(memory.allocation_size, memory.buffer_size);
    EXPECT_EQ(memory.memory_type_index, exported->memory_type_index());
    auto imported = ExternalMemory::import_buffer<HostBuffer>(*other, memory, count, "from device 1");
    EXPECT_FALSE(memory.fd.valid()); // the import took it
    EXPECT_TRUE(ExternalMemory::is_imported(*imported));
    EXPECT_EQ(imported->name(), "from device 1");
    EXPECT_EQ(imported->read_as_vector(0, count), pattern(count, 3, 1));

    imported->write(pattern(count, 7, 2), 0);
    EXPECT_EQ(exported->read_as_vector(0, count), pattern(count, 7, 2));
}

TEST_F(ExternalMemoryTests, DeviceLocalMemoryCarriesTransfersAcrossDevices) {
    constexpr std::size_t count = 1 << 16;
    auto exported = ExternalMemory::allocate_exportable<DeviceBuffer>(*allocator, count);
    Transfer(device, allocator).upload(*exported, std::span<const std::uint32_t>(pattern(count, 5, 9)));

    auto other = second_allocator();
    ExportedMemory memory = ExternalMemory::export_fd(*exported);
    auto imported = ExternalMemory::import_buffer<DeviceBuffer>(*other, memory, count);
    EXPECT_EQ(Transfer(m_second_device, other).download(*imported), pattern(count, 5, 9));
}

TEST_F(ExternalMemoryTests, NoDescriptorIsLeaked) {
    const std::size_t before = open_descriptors();
    {
        auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, 256);
        const std::size_t allocated = open_descriptors(); // a driver may hold one of its own
        std::vector<ExportedMemory> exports;
        for (int i = 0; i < 3; ++i) exports.push_back(ExternalMemory::export_fd(*exported));
        EXPECT_EQ(open_descriptors(), allocated + 3);
        auto imported = ExternalMemory::import_buffer<HostBuffer>(*allocator, exports[0], 256);
        ExportedMemory kept = std::move(exports[1]);
        const int raw = kept.fd.release();
        EXPECT_TRUE(is_open(raw));
        ::close(raw);
    }
    EXPECT_EQ(open_descriptors(), before);
}

TEST_F(ExternalMemoryTests, BadInputLeavesTheDescriptorToTheCaller) {
    auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, 1024);
    exported->write(pattern(1024, 1, 0), 0);
    ExportedMemory memory = ExternalMemory::export_fd(*exported);
    const int fd = memory.fd.get();
    const std::size_t before = open_descriptors();

    const auto expect_untouched = [&](const char *what) {
        SCOPED_TRACE(what);
        EXPECT_TRUE(memory.fd.valid());
        EXPECT_EQ(memory.fd.get(), fd);
        EXPECT_TRUE(is_open(fd));
        EXPECT_EQ(open_descriptors(), before);
    };

    const auto with = [&](auto change) {
        ExportedMemory copy = taken(memory);
        change(copy);
        return copy;
    };
    const auto attempt = [&](auto change, auto expected_type) {
        ExportedMemory copy = with(change);
        try {
            (void)ExternalMemory::import_buffer<HostBuffer>(*allocator, copy, 1024);
            ADD_FAILURE() << "the import succeeded";
        } catch (const decltype(expected_type) &) {
        }
        memory.fd = std::move(copy.fd);
    };

    attempt([](ExportedMemory &m) { m.allocation_size *= 64; }, LogicError("")); // past the memfd
    expect_untouched("allocation size larger than the object");
    attempt([](ExportedMemory &m) { m.memory_type_index = 31; }, LogicError(""));
    expect_untouched("a memory type the device lacks");
    attempt([](ExportedMemory &m) { m.allocation_size = 16; m.dedicated = false; }, LogicError(""));
    expect_untouched("a buffer larger than the memory");
    attempt([](ExportedMemory &m) { m.buffer_size = 512; }, LogicError(""));
    expect_untouched("dedicated memory of another buffer size");
    attempt([](ExportedMemory &m) { m.offset = 4; m.dedicated = false; }, LogicError(""));
    expect_untouched("an offset past room for the buffer");
    if (!ExternalMemory::buffer_support(*device, vk::BufferUsageFlags(HostBuffer::flags),
                                        ExternalMemoryHandle::DmaBuf)
             .importable) {
        attempt([](ExportedMemory &m) { m.handle = ExternalMemoryHandle::DmaBuf; }, NotSupportedError(""));
        expect_untouched("a handle kind the device cannot import");
    }
    ExportedMemory empty;
    EXPECT_THROW((void)ExternalMemory::import_buffer<HostBuffer>(*allocator, empty, 1024), LogicError);
    ExportedMemory closed;
    closed.fd = UniqueFd(::dup(fd));
    ::close(closed.fd.get());
    EXPECT_THROW((void)ExternalMemory::import_buffer<HostBuffer>(*allocator, closed, 1024), LogicError);
    static_cast<void>(closed.fd.release()); // already closed above

    // Still the same, intact descriptor: the import works with it.
    auto imported = ExternalMemory::import_buffer<HostBuffer>(*allocator, memory, 1024);
    EXPECT_EQ(imported->read_as_vector(0, 1024), pattern(1024, 1, 0));
    EXPECT_EQ(open_descriptors(), before - 1);
}

TEST_F(ExternalMemoryTests, OrdinaryBuffersAreNotExportable) {
    auto plain = allocator->allocate<HostBuffer>(16);
    EXPECT_FALSE(ExternalMemory::is_exportable(*plain));
    EXPECT_FALSE(ExternalMemory::is_imported(*plain));
    EXPECT_THROW((void)ExternalMemory::export_fd(*plain), LogicError);
    EXPECT_THROW((void)ExternalMemory::export_fd(HostBuffer()), LogicError);
    EXPECT_THROW((void)ExternalMemory::allocate_exportable<HostBuffer>(*allocator, 0), LogicError);
}

TEST_F(ExternalMemoryTests, MovedExportedBuffersStayExportableAndDefragmentationLeavesThem) {
    auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, 256);
    exported->write(pattern(256, 5, 3), 0);
    const vk::Buffer handle = exported->handle();
    HostBuffer moved = std::move(*exported);
    EXPECT_TRUE(ExternalMemory::is_exportable(moved));
    EXPECT_FALSE(ExternalMemory::is_exportable(*exported));
    auto plain = allocator->allocate<HostBuffer>(64);
    HostBuffer plain_moved = std::move(*plain);
    EXPECT_FALSE(ExternalMemory::is_exportable(plain_moved));
    EXPECT_FALSE(ExternalMemory::is_imported(plain_moved));

    DefragmentationOptions options;
    options.algorithm = DefragmentationAlgorithm::Full;
    (void)allocator->defragment(options);
    EXPECT_EQ(moved.handle(), handle);
    EXPECT_EQ(moved.read_as_vector(0, 256), pattern(256, 5, 3));
    ExportedMemory memory = ExternalMemory::export_fd(moved);
    EXPECT_TRUE(memory.fd.valid());
    EXPECT_EQ(memory.buffer_size, 256 * sizeof(std::uint32_t));
}

TEST_F(ExternalMemoryTests, StatisticsAndTheMemoryMapShowExternalMemory) {
    EXPECT_EQ(ExternalMemory::statistics(*allocator).exported_allocations, 0U);
    auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, 1024, ExternalMemoryHandle::OpaqueFd,
                                                                    "shared");
    ExportedMemory memory = ExternalMemory::export_fd(*exported);
    const vk::DeviceSize bytes = memory.allocation_size;
    auto imported = ExternalMemory::import_buffer<HostBuffer>(*allocator, memory, 1024, "received");

    const ExternalMemoryStatistics counted = ExternalMemory::statistics(*allocator);
    EXPECT_EQ(counted.exported_allocations, 1U);
    EXPECT_EQ(counted.exported_bytes, bytes);
    EXPECT_EQ(counted.imported_allocations, 1U);
    EXPECT_EQ(counted.imported_bytes, bytes);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 2U);

    const MemoryMap map(*allocator);
    int found = 0;
    for (const AllocationRecord &record : map.allocations()) {
        if (record.name == "shared") {
            EXPECT_EQ(record.pool, std::optional<std::string>("exported opaque fd"));
            EXPECT_TRUE(record.dedicated);
            ++found;
        } else if (record.name == "received") {
            EXPECT_EQ(record.pool, std::optional<std::string>("imported opaque fd"));
            ++found;
        }
    }
    EXPECT_EQ(found, 2);

    imported.reset();
    exported.reset();
    EXPECT_EQ(ExternalMemory::statistics(*allocator).exported_allocations, 0U);
    EXPECT_EQ(ExternalMemory::statistics(*allocator).imported_bytes, 0U);
    EXPECT_EQ(allocator->statistics().total.allocation_count, 0U);
}

// An RGBA8 image of `side` x `side / 2` with two levels, as both sides of a hand-over make it.
ImageBuilder shared_image(const std::shared_ptr<Device> &device, const std::shared_ptr<Allocator> &allocator,
                          std::uint32_t side) {
    ImageBuilder builder;
    builder.setDevice(device)
        .setAllocator(allocator)
        .setFormat(vk::Format::eR8G8B8A8Unorm)
        .setExtent(Width{side}, Height{side / 2})
        .setMipLevels(2)
        .setUsage(vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                  vk::ImageUsageFlagBits::eSampled);
    return builder;
}

// Whether the device exports and imports the images shared_image() describes as opaque fds.
ExternalMemorySupport shared_image_support(const Device &device) {
    return ExternalMemory::image_support(device, vk::Format::eR8G8B8A8Unorm,
                                         vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                                             vk::ImageUsageFlagBits::eSampled,
                                         ExternalMemoryHandle::OpaqueFd);
}

std::vector<std::byte> texels(std::size_t bytes, unsigned seed) {
    std::vector<std::byte> out(bytes);
    for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::byte>((i * 131 + seed * 17 + i / 251) & 0xff);
    return out;
}

TEST_F(ExternalMemoryTests, ImagesCarryTexelsAcrossDevicesBothWays) {
    const auto support = shared_image_support(*device);
    if (!support.exportable || !support.importable) GTEST_SKIP() << support.reason;
    auto other = second_allocator(); // before counting: a driver may open descriptors per device
    const std::size_t before = open_descriptors();
    {
        auto exported = shared_image(device, allocator, 64).setExportable().setName("exported image").build();
        EXPECT_TRUE(ExternalMemory::is_exportable(*exported));
        EXPECT_TRUE(exported->is_dedicated());
        Transfer here(device, allocator);
        const auto level0 = texels(64 * 32 * 4, 1);
        const auto level1 = texels(32 * 16 * 4, 2);
        here.upload(*exported, level0, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral);
        here.upload(*exported, level1, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eGeneral);

        ExportedMemory memory = ExternalMemory::export_fd(*exported);
        ASSERT_TRUE(memory.fd.valid());
        EXPECT_EQ(memory.allocation_size, memory.buffer_size);
        auto imported = shared_image(m_second_device, other, 64).setImportedMemory(memory).setName("imported image").build();
        EXPECT_FALSE(memory.fd.valid()); // the import took it
        EXPECT_TRUE(ExternalMemory::is_imported(*imported));
        EXPECT_EQ(imported->name(), "imported image");
        Transfer there(m_second_device, other);
        // The exporter releases the image in eGeneral; the importer's first acquire keeps the
        // contents and makes eGeneral the image's layout.
        release_external(device->graphics_queue(), *exported, vk::ImageLayout::eGeneral);
        acquire_external(m_second_device->graphics_queue(), *imported, vk::ImageLayout::eUndefined,
                         vk::ImageLayout::eGeneral);
        // The layout travels out of band: the exporter left both levels in eGeneral.
        EXPECT_EQ(there.download(*imported, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral), level0);
        EXPECT_EQ(there.download(*imported, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eGeneral), level1);

        const auto back = texels(32 * 16 * 4, 3);
        there.upload(*imported, back, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eGeneral, vk::ImageLayout::eGeneral);
        release_external(m_second_device->graphics_queue(), *imported, vk::ImageLayout::eGeneral);
        acquire_external(device->graphics_queue(), *exported, vk::ImageLayout::eGeneral, vk::ImageLayout::eGeneral);
        EXPECT_EQ(here.download(*exported, MipLevel{1}, ArrayLayer{0}, vk::ImageLayout::eGeneral), back);

        const ExternalMemoryStatistics counted = ExternalMemory::statistics(*allocator);
        EXPECT_EQ(counted.exported_allocations, 1U);
        EXPECT_EQ(ExternalMemory::statistics(*other).imported_allocations, 1U);
        bool shown = false;
        for (const AllocationRecord &record : MemoryMap(*allocator).allocations()) {
            if (record.name == "exported image") {
                EXPECT_EQ(record.pool, std::optional<std::string>("exported opaque fd"));
                shown = true;
            }
        }
        EXPECT_TRUE(shown);
    }
    EXPECT_EQ(open_descriptors(), before);
    EXPECT_EQ(ExternalMemory::statistics(*allocator).exported_allocations, 0U);
}

TEST_F(ExternalMemoryTests, BadImageImportsLeaveTheDescriptorToTheCaller) {
    const auto support = shared_image_support(*device);
    if (!support.exportable || !support.importable) GTEST_SKIP() << support.reason;
    auto exported = shared_image(device, allocator, 64).setExportable().build();
    ExportedMemory memory = ExternalMemory::export_fd(*exported);
    const int fd = memory.fd.get();
    const std::size_t before = open_descriptors();
    const auto allocations = allocator->statistics().total.allocation_count;
    const auto attempt = [&](const char *what, auto change, ImageBuilder builder, auto expected_type) {
        SCOPED_TRACE(what);
        ExportedMemory copy = taken(memory);
        change(copy);
        try {
            (void)builder.setImportedMemory(copy).build();
            ADD_FAILURE() << "the import succeeded";
        } catch (const decltype(expected_type) &) {
        }
        memory.fd = std::move(copy.fd);
        EXPECT_EQ(memory.fd.get(), fd);
        EXPECT_TRUE(is_open(fd));
        EXPECT_EQ(open_descriptors(), before);
        EXPECT_EQ(allocator->statistics().total.allocation_count, allocations);
    };
    const auto same = [](ExportedMemory &) {};
    attempt("a memory type the device lacks", [](ExportedMemory &m) { m.memory_type_index = 31; },
            shared_image(device, allocator, 64), LogicError(""));
    attempt("an allocation size past the descriptor's object", [](ExportedMemory &m) { m.allocation_size *= 64; },
            shared_image(device, allocator, 64), LogicError(""));
    attempt("memory too small for the image", [](ExportedMemory &m) { m.allocation_size = 256; m.dedicated = false; },
            shared_image(device, allocator, 64), LogicError(""));
    attempt("dedicated memory of another image size", same, shared_image(device, allocator, 128), LogicError(""));
    attempt("a pool as well", same, shared_image(device, allocator, 64).setPool(nullptr).setExportable(), LogicError(""));
    if (!ExternalMemory::image_support(*device, vk::Format::eR8G8B8A8Unorm, vk::ImageUsageFlagBits::eSampled,
                                       ExternalMemoryHandle::DmaBuf)
             .importable) {
        attempt("a handle kind the device cannot import", [](ExportedMemory &m) { m.handle = ExternalMemoryHandle::DmaBuf; },
                shared_image(device, allocator, 64), NotSupportedError(""));
        EXPECT_THROW((void)shared_image(device, allocator, 64).setExportable(ExternalMemoryHandle::DmaBuf).build(),
                     NotSupportedError);
    }
    ExportedMemory empty;
    EXPECT_THROW((void)shared_image(device, allocator, 64).setImportedMemory(empty).build(), LogicError);
    EXPECT_THROW((void)ExternalMemory::export_fd(*shared_image(device, allocator, 64).build()), LogicError);

    // Still the same, intact descriptor: the import works with it.
    auto imported = shared_image(device, allocator, 64).setImportedMemory(memory).build();
    EXPECT_FALSE(memory.fd.valid());
    EXPECT_EQ(open_descriptors(), before - 1);
}

TEST_F(ExternalMemoryTests, DmaBufBuffersAndImagesCrossDevicesWhereTheDriverHasThem) {
    const auto buffers = ExternalMemory::buffer_support(*device, vk::BufferUsageFlags(HostBuffer::flags),
                                                        ExternalMemoryHandle::DmaBuf);
    if (!buffers.exportable || !buffers.importable) GTEST_SKIP() << buffers.reason;
    auto other = second_allocator();
    constexpr std::size_t count = 1 << 14;
    auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, count, ExternalMemoryHandle::DmaBuf,
                                                                    "dma-buf buffer");
    exported->write(pattern(count, 11, 4), 0);
    ExportedMemory memory = ExternalMemory::export_fd(*exported);
    EXPECT_EQ(memory.handle, ExternalMemoryHandle::DmaBuf);
    auto imported = ExternalMemory::import_buffer<HostBuffer>(*other, memory, count);
    EXPECT_FALSE(memory.fd.valid());
    EXPECT_EQ(imported->read_as_vector(0, count), pattern(count, 11, 4));

    // Linear images, the tiling a dma-buf importer without format modifiers can read.
    const auto usage = vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst;
    const auto images = ExternalMemory::image_support(*device, vk::Format::eR8G8B8A8Unorm, usage,
                                                      ExternalMemoryHandle::DmaBuf, vk::ImageTiling::eLinear);
    if (!images.exportable || !images.importable) {
        EXPECT_FALSE(images.reason.empty());
        EXPECT_THROW((void)shared_image(device, allocator, 64)
                         .setTiling(vk::ImageTiling::eLinear)
                         .setMipLevels(1)
                         .setUsage(usage)
                         .setExportable(ExternalMemoryHandle::DmaBuf)
                         .build(),
                     NotSupportedError);
        return;
    }
    const auto linear = [&](const std::shared_ptr<Device> &on, const std::shared_ptr<Allocator> &with) {
        ImageBuilder builder = shared_image(on, with, 64);
        builder.setTiling(vk::ImageTiling::eLinear).setMipLevels(1).setUsage(usage);
        return builder;
    };
    auto image = linear(device, allocator).setExportable(ExternalMemoryHandle::DmaBuf).build();
    const auto level0 = texels(64 * 32 * 4, 5);
    Transfer(device, allocator).upload(*image, level0, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral);
    release_external(device->graphics_queue(), *image, vk::ImageLayout::eGeneral);
    ExportedMemory image_memory = ExternalMemory::export_fd(*image);
    auto received = linear(m_second_device, other).setImportedMemory(image_memory).build();
    acquire_external(m_second_device->graphics_queue(), *received, vk::ImageLayout::eUndefined,
                     vk::ImageLayout::eGeneral);
    EXPECT_EQ(Transfer(m_second_device, other).download(*received, MipLevel{0}, ArrayLayer{0}, vk::ImageLayout::eGeneral),
              level0);
}

TEST_F(ExternalMemoryTests, MemoryNotDedicatedImportsAsBuffersAtTheirOffsets) {
    // Memory from elsewhere (CUDA, another library) is often one allocation for several
    // resources: made here with plain Vulkan, exportable and not dedicated.
    const vk::DeviceSize bytes = 256 << 10;
    auto probe = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, 16);
    const std::uint32_t type = probe->memory_type_index();
    probe.reset();
    VkExportMemoryAllocateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO, nullptr,
                                           VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
    const VkMemoryAllocateInfo allocate{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &export_info, bytes, type};
    const auto &vk = device->dispatcher();
    VkDeviceMemory raw = VK_NULL_HANDLE;
    ASSERT_EQ(vk.vkAllocateMemory(device->handle(), &allocate, nullptr, &raw), VK_SUCCESS);
    void *mapped = nullptr;
    ASSERT_EQ(vk.vkMapMemory(device->handle(), raw, 0, VK_WHOLE_SIZE, 0, &mapped), VK_SUCCESS);
    const auto first = pattern(1024, 3, 8);
    const auto second = pattern(1024, 9, 1);
    std::memcpy(mapped, first.data(), 4096);
    std::memcpy(static_cast<std::byte *>(mapped) + (128 << 10), second.data(), 4096);

    auto other = second_allocator();
    const auto descriptor = [&] {
        const VkMemoryGetFdInfoKHR get{VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR, nullptr, raw,
                                       VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
        int fd = -1;
        EXPECT_EQ(vk.vkGetMemoryFdKHR(device->handle(), &get, &fd), VK_SUCCESS);
        ExportedMemory memory;
        memory.fd = UniqueFd(fd);
        memory.allocation_size = bytes;
        memory.memory_type_index = type;
        memory.dedicated = false;
        return memory;
    };
    ExportedMemory at_zero = descriptor();
    ExportedMemory at_half = descriptor();
    at_half.offset = 128 << 10;
    auto low = ExternalMemory::import_buffer<HostBuffer>(*other, at_zero, 1024);
    auto high = ExternalMemory::import_buffer<HostBuffer>(*other, at_half, 1024);
    EXPECT_EQ(low->read_as_vector(0, 1024), first);
    EXPECT_EQ(high->read_as_vector(0, 1024), second);
    high->write(pattern(1024, 2, 2), 0);
    std::vector<std::uint32_t> seen(1024);
    std::memcpy(seen.data(), static_cast<std::byte *>(mapped) + (128 << 10), 4096);
    EXPECT_EQ(seen, pattern(1024, 2, 2));
    {
        // A device-local view of the same bytes, which a Transfer writes and reads on the host
        // where the memory allows it (lavapipe): at the offset, not at the memory's start.
        ExportedMemory at_half_again = descriptor();
        at_half_again.offset = 128 << 10;
        auto device_view = ExternalMemory::import_buffer<DeviceBuffer>(*other, at_half_again, 1024);
        EXPECT_EQ(device_view->allocation_offset(), vk::DeviceSize{128} << 10);
        Transfer transfer(m_second_device, other);
        transfer.upload(*device_view, std::span<const std::uint32_t>(pattern(1024, 5, 7)));
        std::memcpy(seen.data(), static_cast<std::byte *>(mapped) + (128 << 10), 4096);
        EXPECT_EQ(seen, pattern(1024, 5, 7));
        std::memcpy(seen.data(), mapped, 4096);
        EXPECT_EQ(seen, first) << "the bytes before the offset are untouched";
        EXPECT_EQ(transfer.download(*device_view), pattern(1024, 5, 7));
    }
    // Past the end: the buffer does not fit after the offset.
    ExportedMemory past = descriptor();
    past.offset = bytes - 1024;
    EXPECT_THROW((void)ExternalMemory::import_buffer<HostBuffer>(*other, past, 1024), LogicError);
    EXPECT_TRUE(past.fd.valid());
    low.reset();
    high.reset();
    vk.vkUnmapMemory(device->handle(), raw);
    vk.vkFreeMemory(device->handle(), raw, nullptr);
}

TEST_F(ExternalMemoryTests, HostPointerImportSharesTheHostBytes) {
    if (!device->has_extension(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
        EXPECT_THROW((void)ExternalMemory::import_host_pointer<HostBuffer>(*allocator, this, 1024), NotSupportedError);
        return;
    }
    const std::size_t alignment = static_cast<std::size_t>(
        *device->physical_device().memory_limits().min_imported_host_pointer_alignment);
    const std::size_t count = 4 * alignment / sizeof(std::uint32_t);
    void *host = std::aligned_alloc(alignment, count * sizeof(std::uint32_t));
    ASSERT_NE(host, nullptr);
    const auto values = pattern(count, 11, 4);
    std::memcpy(host, values.data(), count * sizeof(std::uint32_t));
    {
        auto buffer = ExternalMemory::import_host_pointer<HostBuffer>(*allocator, host, count);
        EXPECT_TRUE(ExternalMemory::is_imported(*buffer));
        EXPECT_EQ(buffer->read_as_vector(0, count), values);
        buffer->write(std::uint32_t{0xDEADBEEF}, 3);
        EXPECT_EQ(static_cast<const std::uint32_t *>(host)[3], 0xDEADBEEFU);
        EXPECT_EQ(ExternalMemory::statistics(*allocator).imported_allocations, 1U);

        auto *misaligned = static_cast<std::byte *>(host) + sizeof(std::uint32_t);
        EXPECT_THROW((void)ExternalMemory::import_host_pointer<HostBuffer>(*allocator, misaligned, count / 2),
                     LogicError);
        EXPECT_THROW((void)ExternalMemory::import_host_pointer<HostBuffer>(*allocator, host, count - 1),
                     LogicError);
        EXPECT_THROW((void)ExternalMemory::import_host_pointer<HostBuffer>(*allocator, nullptr, count),
                     LogicError);
    }
    std::free(host);
}

// The child process's side of ChildProcessSharesTheBytes: run only when that test starts this
// binary with VW_EXTERNAL_SOCKET set (disabled otherwise).
TEST_F(ExternalMemoryTests, DISABLED_ChildProcessSide) {
    const char *socket_text = std::getenv("VW_EXTERNAL_SOCKET");
    ASSERT_NE(socket_text, nullptr);
    const int socket = std::atoi(socket_text);

    ExportedMemory memory;
    std::uint64_t header[5] = {};
    char control[CMSG_SPACE(sizeof(int))] = {};
    iovec io{header, sizeof(header)};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    ASSERT_EQ(::recvmsg(socket, &message, 0), static_cast<ssize_t>(sizeof(header)));
    const cmsghdr *entry = CMSG_FIRSTHDR(&message);
    ASSERT_NE(entry, nullptr);
    ASSERT_EQ(entry->cmsg_type, SCM_RIGHTS);
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(entry), sizeof(int));
    memory.fd = UniqueFd(fd);
    memory.allocation_size = header[0];
    memory.offset = header[1];
    memory.buffer_size = header[2];
    memory.memory_type_index = static_cast<std::uint32_t>(header[3]);
    memory.dedicated = header[4] != 0;
    const std::size_t count = memory.buffer_size / sizeof(std::uint32_t);

    auto imported = ExternalMemory::import_buffer<HostBuffer>(*allocator, memory, count);
    const bool equal = imported->read_as_vector(0, count) == pattern(count, 13, 6);
    EXPECT_TRUE(equal);
    imported->write(pattern(count, 17, 8), 0);
    const char verdict = equal ? 'y' : 'n';
    ASSERT_EQ(::write(socket, &verdict, 1), 1);
}

TEST_F(ExternalMemoryTests, ChildProcessSharesTheBytes) {
    constexpr std::size_t count = 2048;
    auto exported = ExternalMemory::allocate_exportable<HostBuffer>(*allocator, count);
    exported->write(pattern(count, 13, 6), 0);
    const std::size_t before = open_descriptors();

    int sockets[2] = {-1, -1};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    UniqueFd mine(sockets[0]);
    UniqueFd theirs(sockets[1]);
    const int child_socket = ::dup(theirs.get()); // without CLOEXEC: the child inherits it
    const std::string socket_variable = "VW_EXTERNAL_SOCKET=" + std::to_string(child_socket);
    std::vector<std::string> environment = {socket_variable};
    for (char **variable = environ; *variable != nullptr; ++variable) {
        if (std::strncmp(*variable, "VW_EXTERNAL_SOCKET=", 19) != 0) environment.emplace_back(*variable);
    }
    std::vector<char *> env_pointers;
    for (auto &variable : environment) env_pointers.push_back(variable.data());
    env_pointers.push_back(nullptr);
    std::string program = std::filesystem::read_symlink("/proc/self/exe").string();
    std::string filter = "--gtest_filter=ExternalMemoryTests.DISABLED_ChildProcessSide";
    std::string disabled = "--gtest_also_run_disabled_tests";
    std::string brief = "--gtest_brief=1";
    char *argv[] = {program.data(), filter.data(), disabled.data(), brief.data(), nullptr};
    pid_t child = -1;
    const int spawned = ::posix_spawn(&child, program.c_str(), nullptr, nullptr, argv, env_pointers.data());
    ::close(child_socket);
    ASSERT_EQ(spawned, 0);

    {
        ExportedMemory memory = ExternalMemory::export_fd(*exported);
        std::uint64_t header[5] = {memory.allocation_size, memory.offset, memory.buffer_size,
                                   memory.memory_type_index, memory.dedicated ? 1U : 0U};
        char control[CMSG_SPACE(sizeof(int))] = {};
        iovec io{header, sizeof(header)};
        msghdr message{};
        message.msg_iov = &io;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof(control);
        cmsghdr *entry = CMSG_FIRSTHDR(&message);
        entry->cmsg_level = SOL_SOCKET;
        entry->cmsg_type = SCM_RIGHTS;
        entry->cmsg_len = CMSG_LEN(sizeof(int));
        const int fd = memory.fd.get();
        std::memcpy(CMSG_DATA(entry), &fd, sizeof(int));
        ASSERT_EQ(::sendmsg(mine.get(), &message, 0), static_cast<ssize_t>(sizeof(header)));
    } // our copy of the descriptor is closed; the child holds its own
    char verdict = 0;
    EXPECT_EQ(::read(mine.get(), &verdict, 1), 1);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's test failed (its output is above)";
    EXPECT_EQ(verdict, 'y') << "the child read other bytes than the parent wrote";
    EXPECT_EQ(exported->read_as_vector(0, count), pattern(count, 17, 8));
    mine.reset();
    theirs.reset();
    EXPECT_EQ(open_descriptors(), before);
}

} // namespace
} // namespace vw
