#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

class Allocator;

namespace detail {
struct ArenaRing;
struct ArenaState;
} // namespace detail

/// What a FrameArena does when its ring has no room left after reclaiming every frame whose
/// timeline value or fence has signalled.
enum class ArenaExhaustion : std::uint8_t {
    /// Allocates a ring twice as large (or large enough for the request) and carries on; the
    /// smaller rings are kept, their frames reclaimed as usual, until the arena is destroyed.
    Grow,
    /// Throws OutOfMemoryError naming the arena, its capacity and its pending frames.
    Throw,
};

/// How a FrameArena is made: `FrameArenaOptions().setCapacity(1 << 20).setName("frame data")`.
/// A plain value; validated by the FrameArena constructor.
class FrameArenaOptions {
public:
    /// Bytes of the ring (default 4 MiB), rounded up to a power of two.
    FrameArenaOptions &setCapacity(vk::DeviceSize bytes) {
        m_capacity = bytes;
        return *this;
    }
    /// The ring buffer's usage (default: uniform, storage, vertex, index, indirect and
    /// transfer source); chunks' offsets honour the alignment it needs.
    FrameArenaOptions &setUsage(vk::BufferUsageFlags usage) {
        m_usage = usage;
        return *this;
    }
    /// What happens when the ring is full (default ArenaExhaustion::Grow).
    FrameArenaOptions &setExhaustion(ArenaExhaustion exhaustion) {
        m_exhaustion = exhaustion;
        return *this;
    }
    /// Names the ring buffers in reports, the JSON, the memory map and errors.
    FrameArenaOptions &setName(std::string name) {
        m_name = std::move(name);
        return *this;
    }
    /// The ring's capacity as given.
    [[nodiscard]] vk::DeviceSize capacity() const noexcept { return m_capacity; }
    /// The ring buffer's usage.
    [[nodiscard]] vk::BufferUsageFlags usage() const noexcept { return m_usage; }
    /// The exhaustion policy.
    [[nodiscard]] ArenaExhaustion exhaustion() const noexcept { return m_exhaustion; }
    /// The name.
    [[nodiscard]] const std::string &name() const noexcept { return m_name; }

private:
    vk::DeviceSize m_capacity = vk::DeviceSize{4} << 20;
    vk::BufferUsageFlags m_usage =
        vk::BufferUsageFlagBits::eUniformBuffer | vk::BufferUsageFlagBits::eStorageBuffer |
        vk::BufferUsageFlagBits::eVertexBuffer | vk::BufferUsageFlagBits::eIndexBuffer |
        vk::BufferUsageFlagBits::eIndirectBuffer | vk::BufferUsageFlagBits::eTransferSrc;
    ArenaExhaustion m_exhaustion = ArenaExhaustion::Grow;
    std::string m_name;
};

/// An arena's figures now.
struct FrameArenaStatistics {
    /// Capacity of the ring new chunks come from.
    vk::DeviceSize capacity = 0;
    /// Rings allocated (more than one after growth).
    std::size_t ring_count = 0;
    /// Frames ended whose timeline value or fence has not been seen signalled yet.
    std::size_t pending_frames = 0;
    /// Bytes of the current ring not yet reclaimed (chunks and alignment padding).
    vk::DeviceSize bytes_in_use = 0;
};

/// An untyped chunk of a FrameArena: a range of its persistently mapped ring buffer that lives
/// until the frame it was allocated in is reclaimed. A small value (copyable, no ownership):
/// nothing is freed when it goes away. Every accessor that reaches the memory (mapped_data,
/// write_bytes, flush, device_address, and the typed ones) throws LogicError once the chunk's
/// frame has been reclaimed, since its bytes may then belong to a newer chunk; is_live() says
/// so without throwing. A chunk must not outlive its arena. Any number of threads may use
/// distinct chunks at once.
class ArenaChunkBase {
public:
    /// An empty chunk.
    ArenaChunkBase() noexcept = default;

    /// True for a default-constructed chunk.
    [[nodiscard]] bool empty() const noexcept { return m_ring == nullptr; }
    /// True while the chunk's frame has not been reclaimed (false when empty).
    [[nodiscard]] bool is_live() const noexcept;
    /// The ring buffer (null when empty).
    [[nodiscard]] vk::Buffer handle() const noexcept { return m_buffer; }
    /// Byte offset in the ring buffer: a multiple of the usage's alignment and the requested
    /// one, usable as a dynamic uniform or storage offset.
    [[nodiscard]] vk::DeviceSize offset() const noexcept { return m_offset; }
    /// Size in bytes.
    [[nodiscard]] vk::DeviceSize size_bytes() const noexcept { return m_size; }
    /// {buffer, offset, size}, for a descriptor write (or {buffer, 0, size} with offset() as a
    /// dynamic offset).
    [[nodiscard]] vk::DescriptorBufferInfo descriptor_info() const noexcept {
        return {m_buffer, m_offset, m_size};
    }
    /// The chunk's GPU address. LogicError when empty, reclaimed, or when the arena's usage
    /// lacks ShaderDeviceAddressUsage.
    [[nodiscard]] vk::DeviceAddress device_address() const;
    /// The chunk's first byte in the mapping. LogicError when empty or reclaimed. After
    /// writing through it, call flush() (a no-op on coherent memory).
    [[nodiscard]] std::byte *mapped_data() const;
    /// Copies `bytes` to byte `offset` of the chunk and flushes non-coherent memory.
    /// LogicError, nothing written, when empty, reclaimed or out of the chunk.
    void write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset) const;
    /// Makes host writes to the whole chunk visible to the device (non-coherent memory).
    /// LogicError when empty or reclaimed; VulkanException on failure.
    void flush() const;

protected:
    /// LogicError naming `operation` when empty or reclaimed.
    void require_live(const char *operation) const;

private:
    friend class FrameArena;
    ArenaChunkBase(detail::ArenaRing *ring, vk::Buffer buffer, std::uint64_t position,
                   vk::DeviceSize offset, vk::DeviceSize size) noexcept
        : m_ring(ring)
        , m_buffer(buffer)
        , m_position(position)
        , m_offset(offset)
        , m_size(size) {}

    detail::ArenaRing *m_ring = nullptr;
    vk::Buffer m_buffer;
    std::uint64_t m_position = 0;
    vk::DeviceSize m_offset = 0;
    vk::DeviceSize m_size = 0;
};

/// A chunk of `count` elements of `T`, from FrameArena::allocate<T>().
/// @tparam T the element type (trivially copyable).
template <typename T>
    requires std::is_trivially_copyable_v<T>
class ArenaChunk final : public ArenaChunkBase {
public:
    /// The element type.
    using type = T;
    /// An empty chunk.
    ArenaChunk() noexcept = default;
    /// The typed view of `base`, whose size must be a multiple of sizeof(T) (LogicError).
    explicit ArenaChunk(const ArenaChunkBase &base)
        : ArenaChunkBase(base) {
        if (base.size_bytes() % sizeof(T) != 0) {
            throw LogicError("ArenaChunk: the chunk's size is not a multiple of sizeof(T)");
        }
    }
    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept {
        return static_cast<std::size_t>(size_bytes() / sizeof(T));
    }
    /// Writes `data` from element `offset` on, flushing non-coherent memory. LogicError,
    /// nothing written, when it does not fit or the chunk is reclaimed.
    void write(std::span<const T> data, std::size_t offset) const {
        if (offset > size() || data.size() > size() - offset) {
            throw LogicError("ArenaChunk::write: elements [" + std::to_string(offset) + ", " +
                             std::to_string(offset) + " + " + std::to_string(data.size()) +
                             ") exceed the chunk's " + std::to_string(size()) + " elements");
        }
        write_bytes(std::as_bytes(data), offset * sizeof(T));
    }
    /// Writes one element at index `offset`. LogicError as for write(span).
    void write(const T &element, std::size_t offset = 0) const {
        write(std::span<const T>(&element, 1), offset);
    }
};

/// A per-frame arena: a ring of persistently mapped, host-visible memory for data that lives
/// one frame or one submission (uniform blocks, per-draw constants, per-frame vertices).
/// allocate() is a pointer bump (lock-free) returning an aligned chunk; there is no free.
/// end_frame() closes the chunks allocated since the previous call into a frame and names what
/// marks its end on the device: a timeline semaphore value or a fence. The frame's space comes
/// back once that has signalled (polled by end_frame(), reclaim() and any allocation that finds
/// the ring full), frames in the order they were ended. When the ring is full after that, the
/// arena grows or throws, as FrameArenaOptions::setExhaustion says.
///
/// Thread-safe: any number of threads may allocate at once, and call end_frame() or reclaim()
/// meanwhile; a chunk allocated concurrently with end_frame() belongs to the frame on either
/// side of it. Movable, not copyable; the arena must outlive its chunks. Takes Vulkan handles
/// rather than vw::Semaphore or vw::Fence (Synchronization comes after Memory); they must stay
/// valid until their frame is reclaimed, and a fence must not be reset before then.
class FrameArena {
public:
    /// Creates the arena and allocates its ring (HostAccess::SequentialWrite). LogicError for a
    /// null allocator, a zero capacity, an empty usage, an exhaustion that is not an
    /// ArenaExhaustion value, or an invalid name; errors of Allocator::allocate_buffer.
    explicit FrameArena(std::shared_ptr<Allocator> allocator, FrameArenaOptions options = {});
    /// Takes `other`'s rings; `other` is left empty (using it is a LogicError).
    FrameArena(FrameArena &&other) noexcept;
    /// Takes `other`'s rings; this arena's own are freed.
    FrameArena &operator=(FrameArena &&other) noexcept;
    FrameArena(const FrameArena &) = delete;
    FrameArena &operator=(const FrameArena &) = delete;
    /// Frees the rings; the caller ensures the device no longer reads them.
    ~FrameArena();

    /// A chunk of `size_bytes` bytes whose offset is a multiple of `alignment` (a power of
    /// two) and of alignment(). LogicError for a zero size, a bad alignment or an empty arena;
    /// OutOfMemoryError naming the arena when it is full and set to ArenaExhaustion::Throw (a
    /// request larger than the capacity included); errors of Allocator::allocate_buffer when
    /// it grows; DeviceLostError from polling a frame's semaphore or fence.
    [[nodiscard]] ArenaChunkBase allocate_bytes(vk::DeviceSize size_bytes, vk::DeviceSize alignment = 1);
    /// A chunk of `count` elements of `T`, aligned for `T` too. LogicError for a zero count or
    /// `count * sizeof(T)` overflowing; otherwise as allocate_bytes().
    /// @tparam T the element type.
    /// @param count number of elements.
    /// @param alignment extra alignment in bytes (a power of two).
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    [[nodiscard]] ArenaChunk<T> allocate(std::size_t count, vk::DeviceSize alignment = alignof(T)) {
        const vk::DeviceSize bytes = detail::element_bytes(count, sizeof(T), "FrameArena::allocate");
        return ArenaChunk<T>(allocate_bytes(bytes, alignment));
    }

    /// Ends the current frame: its chunks' space comes back once `timeline` (a timeline
    /// semaphore of the allocator's device) has reached `value`. LogicError for a null
    /// semaphore or an empty arena; DeviceLostError while polling.
    void end_frame(vk::Semaphore timeline, std::uint64_t value);
    /// Ends the current frame: its chunks' space comes back once `fence` is signalled.
    /// LogicError for a null fence or an empty arena; DeviceLostError while polling.
    void end_frame(vk::Fence fence);
    /// Reclaims every ended frame whose semaphore value or fence has signalled, oldest first,
    /// stopping at the first that has not. Returns how many were reclaimed. DeviceLostError
    /// while polling; LogicError for an empty arena.
    std::size_t reclaim();

    /// The alignment every chunk's offset honours: what the usage needs
    /// (minUniformBufferOffsetAlignment, minStorageBufferOffsetAlignment...) and
    /// nonCoherentAtomSize. 0 when empty.
    [[nodiscard]] vk::DeviceSize alignment() const noexcept;
    /// Capacity, rings, pending frames and bytes in use now. Thread-safe.
    [[nodiscard]] FrameArenaStatistics statistics() const;

private:
    std::unique_ptr<detail::ArenaState> m_state;
};

} // namespace vw
