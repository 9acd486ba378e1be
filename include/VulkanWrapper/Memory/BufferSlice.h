#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

namespace detail {
class PackedState;
} // namespace detail

/// An untyped range of one of a PackedBuffer's large buffers, handed out by
/// PackedBufferBase::allocate_bytes() (or typed, by PackedBuffer::allocate()). Its offset honours
/// the alignment the buffer's usage needs. Move-only; a moved-from slice is empty. Destroying it
/// gives its range back to the packed buffer, whose next allocations reuse it; it keeps the
/// packed buffer's memory alive. Like a standard container: one writer at a time; distinct
/// slices may be used from distinct threads at once.
class BufferSliceBase {
public:
    /// An empty slice.
    BufferSliceBase() noexcept = default;
    /// Takes `other`'s range; `other` is left empty.
    BufferSliceBase(BufferSliceBase &&other) noexcept;
    /// Frees this slice's range, then takes `other`'s; `other` is left empty.
    BufferSliceBase &operator=(BufferSliceBase &&other) noexcept;
    BufferSliceBase(const BufferSliceBase &) = delete;
    BufferSliceBase &operator=(const BufferSliceBase &) = delete;
    /// Gives the range back to its packed buffer.
    ~BufferSliceBase();

    /// True when it holds no range (default-constructed or moved from).
    [[nodiscard]] bool empty() const noexcept { return m_buffer == nullptr; }
    /// The large buffer the slice is part of (shared with other slices: use only the slice's
    /// range of it). LogicError when empty.
    [[nodiscard]] BufferBase &buffer() const;
    /// That buffer's handle (null when empty).
    [[nodiscard]] vk::Buffer handle() const noexcept {
        return m_buffer != nullptr ? m_buffer->handle() : vk::Buffer{};
    }
    /// Byte offset of the slice in its buffer.
    [[nodiscard]] vk::DeviceSize offset() const noexcept { return m_offset; }
    /// Size of the slice in bytes (what was asked for).
    [[nodiscard]] vk::DeviceSize size_bytes() const noexcept { return m_size; }
    /// The slice's GPU address: the buffer's plus the offset. LogicError when empty or when
    /// the packed buffer's usage lacks ShaderDeviceAddressUsage (see BufferBase::device_address).
    [[nodiscard]] vk::DeviceAddress device_address() const;
    /// {buffer, offset, size}, for a descriptor write (or {buffer, 0, size} with the offset as
    /// a dynamic offset). A null buffer when empty.
    [[nodiscard]] vk::DescriptorBufferInfo descriptor_info() const noexcept {
        return {handle(), m_offset, m_size};
    }
    /// The slice's first byte in the persistent mapping of a host-visible packed buffer;
    /// nullptr otherwise.
    [[nodiscard]] std::byte *mapped_data() const noexcept {
        return m_buffer != nullptr && m_buffer->mapped_data() != nullptr
                   ? m_buffer->mapped_data() + m_offset
                   : nullptr;
    }

    /// Copies `bytes` into the slice at byte `offset` (relative to the slice), flushing
    /// non-coherent memory. LogicError, nothing written, when empty, not host-visible, or the
    /// range leaves the slice.
    void write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset);
    /// Copies `out.size()` bytes from byte `offset` of the slice, invalidating non-coherent
    /// memory first. LogicError when empty, not host-visible, or the range leaves the slice.
    void read_bytes(std::span<std::byte> out, vk::DeviceSize offset) const;

protected:
    /// LogicError "<operation>: ..." when [offset, offset + size) leaves the slice.
    void check_range(vk::DeviceSize offset, vk::DeviceSize size, const char *operation) const;

private:
    friend class PackedBufferBase;
    BufferSliceBase(detail::PackedState *state, void *block, BufferBase *buffer,
                    VmaVirtualAllocation allocation, vk::DeviceSize offset,
                    vk::DeviceSize size) noexcept;
    void release() noexcept;

    detail::PackedState *m_state = nullptr; // counted under the state's lock, not atomically
    void *m_block = nullptr;
    BufferBase *m_buffer = nullptr;
    VmaVirtualAllocation m_allocation = nullptr;
    vk::DeviceSize m_offset = 0;
    vk::DeviceSize m_size = 0;
};

/// A slice of `T` elements of a PackedBuffer<T, HostVisible, Usage, Access>: the typed face of
/// BufferSliceBase, with the element-wise access of vw::Buffer (write and read_as_vector on
/// host-visible ones only: on device-local slices they do not compile). Transfer's upload and
/// download accept it.
/// @tparam T the element type (trivially copyable).
/// @tparam HostVisible whether the packed buffer is persistently mapped.
/// @tparam Usage the packed buffer's usage flags.
/// @tparam Access how the host reaches it.
template <typename T, bool HostVisible, VkBufferUsageFlags Usage,
          HostAccess Access = HostVisible ? HostAccess::SequentialWrite : HostAccess::None>
    requires std::is_trivially_copyable_v<T>
class BufferSlice final : public BufferSliceBase {
public:
    /// The element type.
    using type = T;
    /// Whether the slice is host-visible.
    static constexpr bool host_visible = HostVisible;

    /// An empty slice.
    BufferSlice() noexcept = default;
    /// Takes over an untyped slice whose size is a multiple of sizeof(T). LogicError otherwise
    /// (and `base` is left as it was).
    explicit BufferSlice(BufferSliceBase &&base)
        : BufferSliceBase(validated(std::move(base))) {}

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept {
        return static_cast<std::size_t>(size_bytes() / sizeof(T));
    }
    /// Writes `data` from element `offset` on. LogicError, nothing written, if it does not fit.
    void write(std::span<const T> data, std::size_t offset)
        requires HostVisible
    {
        check_elements(offset, data.size(), "BufferSlice::write");
        write_bytes(std::as_bytes(data), offset * sizeof(T));
    }
    /// Writes one element at index `offset`. LogicError, nothing written, if out of range.
    void write(const T &element, std::size_t offset)
        requires HostVisible
    {
        write(std::span<const T>(&element, 1), offset);
    }
    /// Reads `count` elements from element `offset` on. LogicError if out of range.
    [[nodiscard]] std::vector<T> read_as_vector(std::size_t offset, std::size_t count) const
        requires HostVisible
    {
        check_elements(offset, count, "BufferSlice::read_as_vector");
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
                             ") exceed the slice's " + std::to_string(elements) + " elements");
        }
    }
    static BufferSliceBase &&validated(BufferSliceBase &&base) {
        if (base.size_bytes() % sizeof(T) != 0) {
            throw LogicError("BufferSlice: the slice's size is not a multiple of sizeof(T)");
        }
        return std::move(base);
    }
};

} // namespace vw
