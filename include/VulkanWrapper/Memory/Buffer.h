#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Allocation.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

namespace detail {

// The bytes of `count` elements of `element_size` bytes, for the typed allocate() calls;
// LogicError naming `operation` for a zero count or a product past the size type.
[[noreturn]] void throw_bad_element_count(std::size_t count, std::size_t element_size,
                                         const char *operation);
// Inline with the throw out of line: on every typed allocation's path, and for one-byte
// elements the overflow test folds away.
inline vk::DeviceSize element_bytes(std::size_t count, std::size_t element_size,
                                    const char *operation) {
    if (count == 0 || count > std::numeric_limits<vk::DeviceSize>::max() / element_size) [[unlikely]] {
        throw_bad_element_count(count, element_size, operation);
    }
    return static_cast<vk::DeviceSize>(count) * element_size;
}

} // namespace detail

class Allocator;
class ExternalMemory;

/// How the host reaches a buffer's memory.
enum class HostAccess : std::uint8_t {
    /// Not mapped: device-local memory (VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE).
    None,
    /// Persistently mapped, written sequentially (memcpy): staging, uniforms. May land in
    /// write-combined memory, slow to read.
    SequentialWrite,
    /// Persistently mapped, read and written at random: readback. Lands in host-cached memory.
    Random,
};

/// An untyped buffer and its memory, created by Allocator::allocate_buffer() (or through a
/// typed Buffer). Move-only; a moved-from buffer is empty (null handle, size 0). Destroying it
/// frees the buffer and its memory; it keeps its Allocator alive. Its destructor is virtual, so
/// a typed buffer may be owned and deleted through `std::unique_ptr<BufferBase>`. Like a
/// standard container: one writer at a time, any number of readers.
class BufferBase : public Allocation {
public:
    /// An empty buffer.
    BufferBase() noexcept
        : Allocation(vk::ObjectType::eBuffer) {}
    /// Takes the buffer and memory of `other`, which is left empty.
    BufferBase(BufferBase &&other) noexcept;
    /// Frees what this holds, then takes the buffer and memory of `other`, which is left empty.
    BufferBase &operator=(BufferBase &&other) noexcept;
    BufferBase(const BufferBase &) = delete;
    BufferBase &operator=(const BufferBase &) = delete;
    /// Destroys the buffer and frees its memory, through whichever type it is deleted.
    virtual ~BufferBase();

    /// Buffer objects are allocated from a small per-thread cache of freed ones: allocate()
    /// returns a std::unique_ptr, and this keeps the heap out of the allocate/free hot path.
    [[nodiscard]] static void *operator new(std::size_t size);
    /// Returns the object's storage to the per-thread cache (see operator new).
    static void operator delete(void *pointer, std::size_t size) noexcept;

    /// The vk::Buffer (null when empty).
    [[nodiscard]] vk::Buffer handle() const noexcept {
        return vk::Buffer(reinterpret_cast<VkBuffer>(object()));
    }
    /// Size in bytes.
    [[nodiscard]] vk::DeviceSize size_bytes() const noexcept { return m_size_bytes; }
    /// The usage flags the buffer was created with.
    [[nodiscard]] vk::BufferUsageFlags usage() const noexcept { return m_usage; }
    /// How the host reaches it; HostAccess::None for device-local buffers.
    [[nodiscard]] HostAccess host_access() const noexcept { return m_host_access; }
    /// True when the memory is mapped for the host.
    [[nodiscard]] bool is_host_visible() const noexcept { return m_mapped != nullptr; }
    /// True when the host may map the memory: host-visible buffers, and device-local buffers
    /// whose allocation VMA was told the host may access (unified memory). A device-local
    /// buffer that merely landed in host-visible memory (resizable BAR) is not mappable.
    [[nodiscard]] bool allows_host_access() const noexcept { return m_host_mappable; }
    /// The buffer's GPU address. LogicError when empty, unless created with
    /// ShaderDeviceAddressUsage, or on a device without bufferDeviceAddress.
    [[nodiscard]] vk::DeviceAddress device_address() const;

    /// Where the buffer starts within its VMA allocation: 0, but for imported memory bound at
    /// an offset (ExternalMemory::import_buffer with MemoryDescriptor::offset). flush(),
    /// invalidate() and mapped_data() account for it already.
    [[nodiscard]] vk::DeviceSize allocation_offset() const noexcept { return m_allocation_offset; }
    /// The persistent mapping of a host-visible buffer; nullptr otherwise. After writing through
    /// it, call flush(); before reading, invalidate() (both no-ops on coherent memory).
    [[nodiscard]] std::byte *mapped_data() const noexcept { return m_mapped; }
    /// Makes host writes to [offset, offset + size) visible to the device (non-coherent
    /// memory). LogicError if not host-visible or out of range; VulkanException on failure.
    void flush(vk::DeviceSize offset, vk::DeviceSize size) const;
    /// Makes device writes to [offset, offset + size) visible to the host (non-coherent
    /// memory). LogicError if not host-visible or out of range; VulkanException on failure.
    void invalidate(vk::DeviceSize offset, vk::DeviceSize size) const;

    /// Copies `bytes` into the buffer at byte `offset`, flushing non-coherent memory.
    /// LogicError (nothing written) if the buffer is not host-visible or the range does not fit.
    void write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset);
    /// Copies `out.size()` bytes from byte `offset` into `out`, invalidating non-coherent
    /// memory first. LogicError if not host-visible or the range does not fit.
    void read_bytes(std::span<std::byte> out, vk::DeviceSize offset) const;

private:
    friend class Allocator;
    friend class ExternalMemory; // adopts exported and imported memory

    // Adopts `buffer` and `allocation`, made by `allocator`, into this empty buffer; `mapped` is
    // the persistent mapping of host-visible memory (of the buffer's first byte), `host_mappable`
    // whether VMA allows the host to map it, `allocation_offset` where the buffer starts within
    // the allocation.
    void adopt(std::shared_ptr<const Allocator> allocator, VkBuffer buffer,
               VmaAllocation allocation, vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
               HostAccess host_access, void *mapped, bool host_mappable,
               vk::DeviceSize allocation_offset = 0) noexcept {
        Allocation::adopt(std::move(allocator), allocation, reinterpret_cast<std::uint64_t>(buffer));
        m_size_bytes = size_bytes;
        m_usage = usage;
        m_host_access = host_access;
        m_mapped = static_cast<std::byte *>(mapped);
        m_host_mappable = host_mappable;
        m_allocation_offset = allocation_offset;
    }
    void check_range(vk::DeviceSize offset, vk::DeviceSize size, const char *operation) const;

    vk::DeviceSize m_size_bytes = 0;
    vk::BufferUsageFlags m_usage;
    HostAccess m_host_access = HostAccess::None;
    std::byte *m_mapped = nullptr;
    bool m_host_mappable = false;
    vk::DeviceSize m_allocation_offset = 0;
};

/// A buffer of `T` (trivially copyable) with its usage fixed at compile time.
/// `HostVisible = false`: device-local, never mapped by you. `HostVisible = true`: persistently
/// mapped, with `write`, `write_bytes`, `read_as_vector` and `read_bytes`; `Access` chooses
/// sequential-write memory (default) or host-cached memory for readback. Calling any of those
/// four on a device-local buffer does not compile (through a `BufferBase&`, the untyped runtime
/// path, it is a LogicError instead).
/// Created by Allocator::allocate<Buffer<...>>(count).
///
/// @tparam T the element type (trivially copyable, neither const nor volatile).
/// @tparam HostVisible true for persistently mapped host-visible memory, false for device-local.
/// @tparam Usage the buffer usage flags, a combination of the constants of BufferUsage.h.
/// @tparam Access how the host reaches the memory: HostAccess::None for device-local buffers,
///         SequentialWrite (the default of host-visible ones) or Random (readback).
template <typename T, bool HostVisible, VkBufferUsageFlags Usage,
          HostAccess Access = HostVisible ? HostAccess::SequentialWrite : HostAccess::None>
    requires std::is_trivially_copyable_v<T> && (!std::is_const_v<T>) && (!std::is_volatile_v<T>)
class Buffer final : public BufferBase {
    static_assert(Usage != 0, "Buffer: the usage must not be empty");
    static_assert(HostVisible == (Access != HostAccess::None),
                  "Buffer: a host-visible buffer needs SequentialWrite or Random access, a "
                  "device-local one HostAccess::None");

public:
    /// The element type `T`.
    using type = T;
    /// `HostVisible`: true when the buffer is persistently mapped.
    static constexpr bool host_visible = HostVisible;
    /// `Usage`: the usage flags the buffer is created with.
    static constexpr VkBufferUsageFlags flags = Usage;
    /// `Access`: how the host reaches the memory.
    static constexpr HostAccess host_access_kind = Access;

    /// True when every bit of `usage` is part of this buffer type's usage, e.g.
    /// `does_support(vk::BufferUsageFlagBits::eVertexBuffer)`.
    [[nodiscard]] static consteval bool does_support(vk::BufferUsageFlags usage) {
        return (vk::BufferUsageFlags(Usage) & usage) == usage;
    }
    /// The same for the C constants (`VK_BUFFER_USAGE_*`, `vw::TransferDstUsage`...).
    [[nodiscard]] static consteval bool does_support(VkBufferUsageFlags usage) {
        return does_support(vk::BufferUsageFlags(usage));
    }

    /// An empty buffer.
    Buffer() noexcept = default;
    /// Takes over an untyped buffer. LogicError (and `base` is left as it was) unless its
    /// usage includes Usage, its host access is Access, and its size is a multiple of sizeof(T).
    explicit Buffer(BufferBase &&base)
        : BufferBase(validated(std::move(base))) {}

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept {
        return static_cast<std::size_t>(size_bytes() / sizeof(T));
    }

    /// Writes `data` starting at element `offset`. LogicError, nothing written, if it does not fit.
    void write(std::span<const T> data, std::size_t offset)
        requires HostVisible
    {
        check_elements(offset, data.size(), "Buffer::write");
        write_bytes(std::as_bytes(data), offset * sizeof(T));
    }

    /// Writes one element at index `offset`. LogicError, nothing written, if out of range.
    void write(const T &element, std::size_t offset)
        requires HostVisible
    {
        write(std::span<const T>(&element, 1), offset);
    }

    /// Byte-level write at byte `offset`; on host-visible buffers only (see BufferBase).
    void write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset)
        requires HostVisible
    {
        BufferBase::write_bytes(bytes, offset);
    }

    /// Byte-level read at byte `offset`; on host-visible buffers only (see BufferBase).
    void read_bytes(std::span<std::byte> out, vk::DeviceSize offset) const
        requires HostVisible
    {
        BufferBase::read_bytes(out, offset);
    }

    /// Reads `count` elements starting at element `offset`. LogicError if out of range.
    [[nodiscard]] std::vector<T> read_as_vector(std::size_t offset, std::size_t count) const
        requires HostVisible
    {
        check_elements(offset, count, "Buffer::read_as_vector");
        std::vector<T> result(count);
        read_bytes(std::as_writable_bytes(std::span(result)), offset * sizeof(T));
        return result;
    }

private:
    void check_elements(std::size_t offset, std::size_t count, const char *operation) const {
        const std::size_t elements = size();
        if (offset > elements || count > elements - offset) {
            throw LogicError(std::string(operation) + ": elements [" + std::to_string(offset) +
                             ", " + std::to_string(offset) + " + " + std::to_string(count) +
                             ") exceed the buffer's " + std::to_string(elements) + " elements");
        }
    }

    static BufferBase &&validated(BufferBase &&base) {
        if ((base.usage() & vk::BufferUsageFlags(Usage)) != vk::BufferUsageFlags(Usage)) {
            throw LogicError("Buffer: the buffer's usage lacks bits of the buffer type's usage");
        }
        if (base.host_access() != Access) {
            throw LogicError("Buffer: the buffer's host access differs from the buffer type's");
        }
        if (base.size_bytes() % sizeof(T) != 0) {
            throw LogicError("Buffer: the buffer's size is not a multiple of sizeof(T)");
        }
        return std::move(base);
    }
};

/// A host-cached buffer for reading data back from the device.
template <typename T>
using ReadbackBuffer = Buffer<T, true, StagingBufferUsage, HostAccess::Random>;

} // namespace vw
