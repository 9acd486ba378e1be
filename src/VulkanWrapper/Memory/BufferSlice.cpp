#include "VulkanWrapper/Memory/BufferSlice.h"

#include <utility>

#include "PackedState.h"

namespace vw {

BufferSliceBase::BufferSliceBase(detail::PackedState *state, void *block,
                                 BufferBase *buffer, VmaVirtualAllocation allocation,
                                 vk::DeviceSize offset, vk::DeviceSize size) noexcept
    : m_state(state)
    , m_block(block)
    , m_buffer(buffer)
    , m_allocation(allocation)
    , m_offset(offset)
    , m_size(size) {}

BufferSliceBase::BufferSliceBase(BufferSliceBase &&other) noexcept
    : m_state(std::exchange(other.m_state, nullptr))
    , m_block(std::exchange(other.m_block, nullptr))
    , m_buffer(std::exchange(other.m_buffer, nullptr))
    , m_allocation(std::exchange(other.m_allocation, nullptr))
    , m_offset(std::exchange(other.m_offset, 0))
    , m_size(std::exchange(other.m_size, 0)) {}

BufferSliceBase &BufferSliceBase::operator=(BufferSliceBase &&other) noexcept {
    if (this != &other) {
        release();
        m_state = std::exchange(other.m_state, nullptr);
        m_block = std::exchange(other.m_block, nullptr);
        m_buffer = std::exchange(other.m_buffer, nullptr);
        m_allocation = std::exchange(other.m_allocation, nullptr);
        m_offset = std::exchange(other.m_offset, 0);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

BufferSliceBase::~BufferSliceBase() { release(); }

void BufferSliceBase::release() noexcept {
    if (m_buffer == nullptr) return;
    detail::PackedState::free(m_state, m_block, m_allocation, m_offset, m_size);
    m_state = nullptr;
    m_block = nullptr;
    m_buffer = nullptr;
    m_allocation = nullptr;
    m_offset = 0;
    m_size = 0;
}

BufferBase &BufferSliceBase::buffer() const {
    if (m_buffer == nullptr) throw LogicError("BufferSlice::buffer: the slice is empty");
    return *m_buffer;
}

vk::DeviceAddress BufferSliceBase::device_address() const {
    return buffer().device_address() + m_offset;
}

void BufferSliceBase::check_range(vk::DeviceSize offset, vk::DeviceSize size,
                                  const char *operation) const {
    if (m_buffer == nullptr) throw LogicError(std::string(operation) + ": the slice is empty");
    if (offset > m_size || size > m_size - offset) {
        throw LogicError(std::string(operation) + ": bytes [" + std::to_string(offset) + ", " +
                         std::to_string(offset) + " + " + std::to_string(size) +
                         ") exceed the slice's " + std::to_string(m_size) + " bytes");
    }
    if (m_buffer->mapped_data() == nullptr) {
        throw LogicError(std::string(operation) + ": the slice is not host-visible");
    }
}

void BufferSliceBase::write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset) {
    check_range(offset, bytes.size(), "BufferSlice::write_bytes");
    m_buffer->write_bytes(bytes, m_offset + offset);
}

void BufferSliceBase::read_bytes(std::span<std::byte> out, vk::DeviceSize offset) const {
    check_range(offset, out.size(), "BufferSlice::read_bytes");
    m_buffer->read_bytes(out, m_offset + offset);
}

} // namespace vw
