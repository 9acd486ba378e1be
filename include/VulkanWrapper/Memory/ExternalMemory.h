#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocation.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Utils/UniqueFd.h"

namespace vw {

class Device;

/// The kinds of memory handle VulkanWrapper exports and imports.
enum class ExternalMemoryHandle : std::uint8_t {
    /// VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT (VK_KHR_external_memory_fd): for another
    /// VkDevice of the same physical device, another process, or CUDA on the same GPU.
    OpaqueFd,
    /// VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT (VK_EXT_external_memory_dma_buf): for
    /// video, display and other Linux drivers.
    DmaBuf,
};

/// The Vulkan handle-type bit of `handle`.
[[nodiscard]] vk::ExternalMemoryHandleTypeFlagBits to_vulkan(ExternalMemoryHandle handle) noexcept;

/// What a device can do with buffer memory of one handle kind (the answer of
/// vkGetPhysicalDeviceExternalBufferProperties, or why there is none).
struct ExternalMemorySupport {
    /// Buffers of this usage can be allocated exportable and exported.
    bool exportable = false;
    /// Descriptors of this kind can be imported into buffers of this usage.
    bool importable = false;
    /// The driver requires a dedicated VkDeviceMemory per resource (VulkanWrapper gives every
    /// exported and imported resource its own memory anyway).
    bool dedicated_only = false;
    /// The handle kinds the memory can also be exported or imported as.
    vk::ExternalMemoryHandleTypeFlags compatible_handle_types;
    /// Empty when exportable and importable; else what is missing (the extension, the driver's
    /// answer).
    std::string reason;
};

/// What an importer needs to know of exported memory, with the descriptor itself. Returned by
/// ExternalMemory::export_fd(); filled by hand for descriptors from elsewhere (another
/// process, CUDA). Move-only through its descriptor.
struct ExportedMemory {
    /// The descriptor, owned (closed on destruction unless released or imported).
    UniqueFd fd;
    /// Its kind.
    ExternalMemoryHandle handle = ExternalMemoryHandle::OpaqueFd;
    /// Size of the whole VkDeviceMemory behind the descriptor (what vkAllocateMemory of the
    /// import must ask for: VkMemoryAllocateInfo::allocationSize).
    vk::DeviceSize allocation_size = 0;
    /// Offset of the buffer (or image) in that memory.
    vk::DeviceSize offset = 0;
    /// Size of the exported buffer in bytes; for an image, the bytes of its memory
    /// requirements (which the importing image must need too).
    vk::DeviceSize buffer_size = 0;
    /// Index of the memory type the memory was allocated from; an importer on the same
    /// physical device uses the same index.
    std::uint32_t memory_type_index = 0;
    /// True when the memory is dedicated to the exported buffer (VkMemoryDedicatedAllocateInfo;
    /// CUDA's CUDA_EXTERNAL_MEMORY_DEDICATED): the importing buffer must then have the same
    /// size and usage.
    bool dedicated = false;
};

/// Exported and imported memory of one allocator, as ExternalMemory::statistics() counts it.
struct ExternalMemoryStatistics {
    /// Live buffers and images allocated exportable.
    std::uint32_t exported_allocations = 0;
    /// Their memory in bytes.
    vk::DeviceSize exported_bytes = 0;
    /// Live buffers and images whose memory was imported (descriptors and host pointers).
    std::uint32_t imported_allocations = 0;
    /// Their memory in bytes.
    vk::DeviceSize imported_bytes = 0;
};

/// Sharing buffer memory with other devices, processes and APIs: exportable allocation, export
/// as a file descriptor, import of descriptors and host pointers. Every such buffer is an
/// ordinary typed Buffer with its own VkDeviceMemory, made in a private VMA pool whose name
/// says what it is ("exported opaque fd", "imported dma-buf", "imported host pointer"): VMA's
/// statistics count it, the JSON and MemoryMap show it in that pool, and statistics() counts it
/// apart. The device must have the extension (DeviceFinder enables them wherever present);
/// buffer_support() says what the driver allows.
///
/// Ownership, as the Vulkan specification has it: export_fd() returns a new descriptor each
/// call, owned by the caller. A successful import hands the descriptor to Vulkan (the memory
/// lives until the buffer is destroyed, and the descriptor is then closed by the driver); a
/// failed import leaves it to the caller, open and untouched. Imported host memory must
/// outlive the buffer. Thread-safe like the Allocator; one writer at a time per buffer.
class ExternalMemory {
public:
    ExternalMemory() = delete;

    /// What `device` can do with memory of `handle` for buffers of `usage`. Never throws for
    /// a missing extension (the answer says so); VulkanException only for a driver failure.
    [[nodiscard]] static ExternalMemorySupport buffer_support(const Device &device,
                                                              vk::BufferUsageFlags usage,
                                                              ExternalMemoryHandle handle);

    /// Allocates a typed buffer of `count` elements in exportable memory of `handle` (its own
    /// VkDeviceMemory, in the memory type the policy of BufferType chooses). Errors as
    /// Allocator::allocate(), and NotSupportedError (nothing allocated) when the device lacks
    /// the extension or the driver cannot export such buffers (buffer_support() says why).
    /// @tparam BufferType a Buffer type, e.g. `Buffer<float, false, StorageBufferUsage>`.
    template <typename BufferType>
    [[nodiscard]] static std::unique_ptr<BufferType> allocate_exportable(
        Allocator &allocator, std::size_t count,
        ExternalMemoryHandle handle = ExternalMemoryHandle::OpaqueFd, std::string_view name = {}) {
        using T = typename BufferType::type;
        const vk::DeviceSize bytes =
            detail::element_bytes(count, sizeof(T), "ExternalMemory::allocate_exportable");
        auto buffer = std::make_unique<BufferType>();
        create_exportable(allocator, *buffer, bytes, vk::BufferUsageFlags(BufferType::flags),
                          BufferType::host_access_kind, handle, name);
        return buffer;
    }

    /// A new descriptor for the memory of `resource`: a buffer allocated by
    /// allocate_exportable() or an image built with ImageBuilder::setExportable(), with what an
    /// importer needs. The resource keeps its memory; each call returns a descriptor of its
    /// own. LogicError when the resource is empty or was not allocated exportable;
    /// VulkanException when the driver fails (nothing is left open). Thread-safe.
    [[nodiscard]] static ExportedMemory export_fd(const Allocation &resource);

    /// Imports `memory` into a typed buffer of `count` elements bound at `memory.offset`. On
    /// success `memory.fd` is empty (Vulkan owns the descriptor now). LogicError, the
    /// descriptor untouched, for: an empty or closed descriptor, a memory type index the device
    /// lacks or the buffer cannot use (or one not host-visible for a host-visible BufferType), a
    /// buffer that does not fit in allocation_size past offset, a misaligned offset, a size
    /// larger than the descriptor's object where it can be measured (a memfd, a dma-buf), or for
    /// dedicated memory a different buffer size; NotSupportedError, untouched, when the device
    /// cannot import `memory.handle`; VulkanException or OutOfMemoryError, untouched, when the
    /// driver refuses the import (a descriptor of another kind, say).
    /// @tparam BufferType a Buffer type, e.g. `Buffer<float, false, StorageBufferUsage>`.
    template <typename BufferType>
    [[nodiscard]] static std::unique_ptr<BufferType> import_buffer(Allocator &allocator,
                                                                   ExportedMemory &memory,
                                                                   std::size_t count,
                                                                   std::string_view name = {}) {
        using T = typename BufferType::type;
        const vk::DeviceSize bytes =
            detail::element_bytes(count, sizeof(T), "ExternalMemory::import_buffer");
        auto buffer = std::make_unique<BufferType>();
        import_fd(allocator, *buffer, memory, bytes, vk::BufferUsageFlags(BufferType::flags),
                  BufferType::host_access_kind, name);
        return buffer;
    }

    /// Imports host memory `[pointer, pointer + count * sizeof(T))` (VK_EXT_external_memory_host)
    /// into a typed buffer: the device reads and writes that memory directly. The memory is
    /// not owned and must outlive the buffer. LogicError for a null pointer, or a pointer or
    /// size not a multiple of minImportedHostPointerAlignment (PhysicalDevice::memory_limits());
    /// NotSupportedError without the extension, or when no memory type fits the buffer;
    /// VulkanException when the driver refuses the pointer.
    /// @tparam BufferType a Buffer type; its host access must be HostAccess::None or the
    ///         memory type must be host-visible (it is wherever the extension exists).
    template <typename BufferType>
    [[nodiscard]] static std::unique_ptr<BufferType> import_host_pointer(Allocator &allocator,
                                                                         void *pointer,
                                                                         std::size_t count,
                                                                         std::string_view name = {}) {
        using T = typename BufferType::type;
        const vk::DeviceSize bytes =
            detail::element_bytes(count, sizeof(T), "ExternalMemory::import_host_pointer");
        auto buffer = std::make_unique<BufferType>();
        import_host(allocator, *buffer, pointer, bytes, vk::BufferUsageFlags(BufferType::flags),
                    BufferType::host_access_kind, name);
        return buffer;
    }

    /// True when the buffer or image was allocated exportable (export_fd() works on it).
    [[nodiscard]] static bool is_exportable(const Allocation &resource) noexcept;
    /// True when the buffer's or image's memory was imported (a descriptor or a host pointer).
    [[nodiscard]] static bool is_imported(const Allocation &resource) noexcept;

    /// What `device` can do with memory of `handle` for images of `format`, `usage`, `tiling`
    /// and `type` (vkGetPhysicalDeviceImageFormatProperties2 with the handle kind), or why
    /// it cannot. Never throws for a missing extension or an unsupported combination (the
    /// answer says so); VulkanException only for a driver failure. Thread-safe.
    [[nodiscard]] static ExternalMemorySupport image_support(const Device &device, vk::Format format,
                                                             vk::ImageUsageFlags usage,
                                                             ExternalMemoryHandle handle,
                                                             vk::ImageTiling tiling = vk::ImageTiling::eOptimal,
                                                             vk::ImageType type = vk::ImageType::e2D);

    /// The exported and imported buffers and images of `allocator` alive now. Thread-safe.
    [[nodiscard]] static ExternalMemoryStatistics statistics(const Allocator &allocator);

private:
    static void create_exportable(Allocator &allocator, BufferBase &into, vk::DeviceSize bytes,
                                  vk::BufferUsageFlags usage, HostAccess access,
                                  ExternalMemoryHandle handle, std::string_view name);
    static void import_fd(Allocator &allocator, BufferBase &into, ExportedMemory &memory,
                          vk::DeviceSize bytes, vk::BufferUsageFlags usage, HostAccess access,
                          std::string_view name);
    static void import_host(Allocator &allocator, BufferBase &into, void *pointer,
                            vk::DeviceSize bytes, vk::BufferUsageFlags usage, HostAccess access,
                            std::string_view name);
};

} // namespace vw
