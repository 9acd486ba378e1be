#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferSlice.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

class Allocator;
class Pool;

namespace detail {
class PackedState;
} // namespace detail

/// How a PackedBuffer gets its large buffers: `PackedBufferOptions().setBufferSize(1 << 20)`.
/// A plain value; validated by the PackedBuffer constructor.
class PackedBufferOptions {
public:
    /// Size of each large buffer in bytes (default 16 MiB); a slice larger than this gets a
    /// buffer of its own size.
    PackedBufferOptions &setBufferSize(vk::DeviceSize bytes) {
        m_buffer_size = bytes;
        return *this;
    }
    /// A pool to allocate the large buffers from (its host access must match); null (the
    /// default) for the allocator's default pools.
    PackedBufferOptions &setPool(std::shared_ptr<Pool> pool) {
        m_pool = std::move(pool);
        return *this;
    }
    /// Names the large buffers in reports, the JSON and the memory map ("" for none).
    PackedBufferOptions &setName(std::string name) {
        m_name = std::move(name);
        return *this;
    }
    /// The large buffers' size.
    [[nodiscard]] vk::DeviceSize buffer_size() const noexcept { return m_buffer_size; }
    /// The pool they come from (null: the default pools).
    [[nodiscard]] const std::shared_ptr<Pool> &pool() const noexcept { return m_pool; }
    /// Their name.
    [[nodiscard]] const std::string &name() const noexcept { return m_name; }

private:
    vk::DeviceSize m_buffer_size = vk::DeviceSize{16} << 20;
    std::shared_ptr<Pool> m_pool;
    std::string m_name;
};

/// What a packed buffer holds now.
struct PackedBufferStatistics {
    /// Large buffers allocated.
    std::size_t buffer_count = 0;
    /// Their total size.
    vk::DeviceSize buffer_bytes = 0;
    /// Live slices.
    std::size_t slice_count = 0;
    /// Bytes of the live slices (as asked for, alignment padding excluded).
    vk::DeviceSize slice_bytes = 0;
};

/// Many small buffers in a few large ones: hands out aligned slices (BufferSliceBase) of large
/// buffers of one usage and host access, allocated as needed, and reuses the range of every
/// slice that is dropped (first fit per buffer, VMA's virtual allocator). Each slice's offset
/// is a multiple of alignment(): what the usage needs (minUniformBufferOffsetAlignment for
/// uniform buffers, minStorageBufferOffsetAlignment for storage buffers,
/// minTexelBufferOffsetAlignment for texel buffers, 4 for vertex, index and indirect buffers)
/// and, for host-visible memory, nonCoherentAtomSize, so that flushing or invalidating one
/// slice never touches another's bytes. Thread-safe: any number of threads may allocate and
/// drop slices at once (one lock). Move-only; the memory lives until this object and every
/// slice from it are gone.
class PackedBufferBase {
public:
    /// Prepares a packed buffer of `usage` and `access` on `allocator`; no memory is allocated
    /// until the first slice. LogicError for a null allocator, an empty usage, a host access
    /// that is not a HostAccess value, a zero buffer size, a pool of another allocator or of
    /// another host access, or an invalid name.
    PackedBufferBase(std::shared_ptr<Allocator> allocator, vk::BufferUsageFlags usage,
                     HostAccess access, PackedBufferOptions options = {});
    /// Takes `other`'s buffers; `other` is left empty (allocating from it is a LogicError).
    PackedBufferBase(PackedBufferBase &&other) noexcept;
    /// Takes `other`'s buffers; slices made from the old ones keep them alive.
    PackedBufferBase &operator=(PackedBufferBase &&other) noexcept;
    PackedBufferBase(const PackedBufferBase &) = delete;
    PackedBufferBase &operator=(const PackedBufferBase &) = delete;
    /// Live slices keep the memory alive; it is freed with the last of them.
    ~PackedBufferBase();

    /// A slice of `size_bytes` bytes whose offset is a multiple of both `alignment` and
    /// alignment(). LogicError for a zero size, an alignment that is not a power of two, or an
    /// empty (moved-from) packed buffer; OutOfMemoryError (and errors of
    /// Allocator::allocate_buffer or Pool::allocate_buffer) when a new large buffer is needed
    /// and cannot be had. Nothing is left behind on failure.
    [[nodiscard]] BufferSliceBase allocate_bytes(vk::DeviceSize size_bytes, vk::DeviceSize alignment = 1);
    /// The alignment every slice's offset honours (a power of two). 0 when empty.
    [[nodiscard]] vk::DeviceSize alignment() const noexcept;
    /// The usage of the large buffers.
    [[nodiscard]] vk::BufferUsageFlags usage() const noexcept;
    /// Their host access.
    [[nodiscard]] HostAccess host_access() const noexcept;
    /// Buffers, bytes and live slices now. Thread-safe.
    [[nodiscard]] PackedBufferStatistics statistics() const;
    /// Frees the large buffers that hold no slice. Thread-safe.
    void trim();

private:
    detail::PackedState *m_state = nullptr; // owned with the live slices (see PackedState)
};

/// A PackedBuffer of `T` elements: slices are BufferSlice<T, HostVisible, Usage, Access>, the
/// same parameters as vw::Buffer, e.g.
/// `PackedBuffer<Block, true, UniformBufferUsage> uniforms(allocator);`.
/// @tparam T the element type (trivially copyable).
/// @tparam HostVisible whether the buffers are persistently mapped.
/// @tparam Usage their usage flags.
/// @tparam Access how the host reaches them.
template <typename T, bool HostVisible, VkBufferUsageFlags Usage,
          HostAccess Access = HostVisible ? HostAccess::SequentialWrite : HostAccess::None>
    requires std::is_trivially_copyable_v<T>
class PackedBuffer final : public PackedBufferBase {
    static_assert(Usage != 0, "PackedBuffer: the usage must not be empty");
    static_assert(HostVisible == (Access != HostAccess::None),
                  "PackedBuffer: a host-visible packed buffer needs SequentialWrite or Random "
                  "access, a device-local one HostAccess::None");

public:
    /// The slice type.
    using Slice = BufferSlice<T, HostVisible, Usage, Access>;

    /// See PackedBufferBase's constructor.
    explicit PackedBuffer(std::shared_ptr<Allocator> allocator, PackedBufferOptions options = {})
        : PackedBufferBase(std::move(allocator), vk::BufferUsageFlags(Usage), Access,
                           std::move(options)) {}

    /// A slice of `count` elements, aligned for the usage, for `T` and for `alignment` (a power
    /// of two). LogicError for a zero count or `count * sizeof(T)` overflowing; otherwise as
    /// allocate_bytes().
    [[nodiscard]] Slice allocate(std::size_t count, vk::DeviceSize alignment = 1) {
        const vk::DeviceSize bytes = detail::element_bytes(count, sizeof(T), "PackedBuffer::allocate");
        if (alignment < alignof(T) && alignment != 0 && (alignment & (alignment - 1)) == 0) {
            alignment = alignof(T);
        }
        return Slice(allocate_bytes(bytes, alignment));
    }
};

} // namespace vw
