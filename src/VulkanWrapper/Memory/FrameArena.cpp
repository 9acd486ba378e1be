#include "VulkanWrapper/Memory/FrameArena.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "AllocatorInternals.h"
#include "UsageAlignment.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {

namespace detail {

// One ring buffer. Positions grow without bound; a position's byte is at `position & (capacity
// - 1)`. [tail, head) is in use; allocations may reach `limit` (tail + capacity). A retired
// ring's head is set to `closed`, so that no allocation lands in it any more.
struct ArenaRing {
    explicit ArenaRing(BufferBase &&ring_buffer)
        : buffer(std::move(ring_buffer))
        , capacity(buffer.size_bytes())
        , limit(capacity) {}

    BufferBase buffer;
    vk::DeviceSize capacity;
    std::atomic<std::uint64_t> head{0};
    std::atomic<std::uint64_t> tail{0};
    std::atomic<std::uint64_t> limit;
};

struct ArenaState {
    // What a frame leaves in one ring: everything before `boundary`.
    struct Part {
        ArenaRing *ring;
        std::uint64_t boundary;
    };
    struct Frame {
        std::vector<Part> parts;
        vk::Semaphore timeline;
        std::uint64_t value = 0;
        vk::Fence fence;
    };

    std::shared_ptr<Allocator> allocator;
    vk::BufferUsageFlags usage;
    ArenaExhaustion exhaustion = ArenaExhaustion::Grow;
    std::string name;
    vk::DeviceSize alignment = 1;

    std::atomic<ArenaRing *> current{nullptr};
    mutable std::mutex mutex;
    std::vector<std::unique_ptr<ArenaRing>> rings;
    std::vector<Part> open_parts; // of retired rings, for the frame being recorded
    std::deque<Frame> frames;     // ended, not reclaimed, oldest first
};

} // namespace detail

namespace {

constexpr std::uint64_t closed = std::uint64_t{1} << 62;

vk::DeviceSize round_up_power_of_two(vk::DeviceSize value) {
    vk::DeviceSize result = 1;
    while (result < value) result <<= 1;
    return result;
}

// The lock-free pointer bump. `size` and `alignment` are at most the ring's capacity.
bool try_bump(detail::ArenaRing &ring, vk::DeviceSize size, vk::DeviceSize alignment,
              std::uint64_t &start) {
    const std::uint64_t mask = ring.capacity - 1;
    std::uint64_t position = ring.head.load(std::memory_order_relaxed);
    for (;;) {
        const std::uint64_t offset = position & mask;
        const std::uint64_t aligned = (offset + alignment - 1) & ~(alignment - 1);
        // A chunk never wraps: it starts the next lap instead.
        const std::uint64_t begin = aligned + size > ring.capacity ? position - offset + ring.capacity
                                                                   : position - offset + aligned;
        const std::uint64_t end = begin + size;
        if (end > ring.limit.load(std::memory_order_acquire)) return false;
        if (ring.head.compare_exchange_weak(position, end, std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
            start = begin;
            return true;
        }
    }
}

std::string arena_label(const std::string &name) {
    return name.empty() ? std::string("(unnamed)") : "'" + name + "'";
}

bool signalled(const Device &device, const detail::ArenaState::Frame &frame) {
    if (frame.fence) {
        const VkResult result = vkGetFenceStatus(device.handle(), frame.fence);
        check(result, "vkGetFenceStatus");
        return result == VK_SUCCESS;
    }
    std::uint64_t value = 0;
    check(device.handle().getSemaphoreCounterValue(frame.timeline, &value, device.dispatcher()),
          "vkGetSemaphoreCounterValue");
    return value >= frame.value;
}

// Under the state's mutex.
std::size_t reclaim_locked(detail::ArenaState &state) {
    const Device &device = *state.allocator->device();
    std::size_t reclaimed = 0;
    while (!state.frames.empty() && signalled(device, state.frames.front())) {
        for (const auto &part : state.frames.front().parts) {
            part.ring->tail.store(part.boundary, std::memory_order_release);
            part.ring->limit.store(part.boundary + part.ring->capacity, std::memory_order_release);
        }
        state.frames.pop_front();
        ++reclaimed;
    }
    return reclaimed;
}

std::unique_ptr<detail::ArenaRing> make_ring(detail::ArenaState &state, vk::DeviceSize capacity) {
    return std::make_unique<detail::ArenaRing>(state.allocator->allocate_buffer(
        capacity, state.usage, HostAccess::SequentialWrite, state.name));
}

void end_frame_locked(detail::ArenaState &state, detail::ArenaState::Frame frame) {
    frame.parts.reserve(state.open_parts.size() + 1);
    frame.parts = state.open_parts;
    detail::ArenaRing *ring = state.current.load(std::memory_order_acquire);
    frame.parts.push_back({ring, ring->head.load(std::memory_order_acquire)});
    state.frames.push_back(std::move(frame));
    state.open_parts.clear();
    reclaim_locked(state);
}

} // namespace

bool ArenaChunkBase::is_live() const noexcept {
    return m_ring != nullptr && m_position >= m_ring->tail.load(std::memory_order_acquire);
}

void ArenaChunkBase::require_live(const char *operation) const {
    if (m_ring == nullptr) throw LogicError(std::string(operation) + ": the chunk is empty");
    if (!is_live()) {
        throw LogicError(std::string(operation) +
                         ": the chunk's frame has been reclaimed (its timeline value or fence "
                         "signalled); its bytes may belong to a newer chunk");
    }
}

vk::DeviceAddress ArenaChunkBase::device_address() const {
    require_live("ArenaChunk::device_address");
    return m_ring->buffer.device_address() + m_offset;
}

std::byte *ArenaChunkBase::mapped_data() const {
    require_live("ArenaChunk::mapped_data");
    return m_ring->buffer.mapped_data() + m_offset;
}

void ArenaChunkBase::write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset) const {
    require_live("ArenaChunk::write_bytes");
    if (offset > m_size || bytes.size() > m_size - offset) {
        throw LogicError("ArenaChunk::write_bytes: bytes [" + std::to_string(offset) + ", " +
                         std::to_string(offset) + " + " + std::to_string(bytes.size()) +
                         ") exceed the chunk's " + std::to_string(m_size) + " bytes");
    }
    m_ring->buffer.write_bytes(bytes, m_offset + offset);
}

void ArenaChunkBase::flush() const {
    require_live("ArenaChunk::flush");
    m_ring->buffer.flush(m_offset, m_size);
}

FrameArena::FrameArena(std::shared_ptr<Allocator> allocator, FrameArenaOptions options) {
    if (!allocator) throw LogicError("FrameArena: the allocator is null");
    if (options.capacity() == 0) throw LogicError("FrameArena: the capacity is zero (setCapacity)");
    if (options.capacity() > closed / 4) {
        throw LogicError("FrameArena: the capacity of " + std::to_string(options.capacity()) +
                         " bytes is too large (setCapacity)");
    }
    if (!options.usage()) throw LogicError("FrameArena: the usage is empty (setUsage)");
    if (options.exhaustion() != ArenaExhaustion::Grow && options.exhaustion() != ArenaExhaustion::Throw) {
        throw LogicError("FrameArena: exhaustion is not an ArenaExhaustion value (setExhaustion)");
    }
    if (!options.name().empty()) AllocatorInternals::validate_name(options.name(), "FrameArena");
    auto state = std::make_unique<detail::ArenaState>();
    state->alignment = detail::usage_alignment(
        allocator->device()->physical_device().properties().limits, options.usage(),
        HostAccess::SequentialWrite);
    state->allocator = std::move(allocator);
    state->usage = options.usage();
    state->exhaustion = options.exhaustion();
    state->name = options.name();
    state->rings.push_back(make_ring(*state, round_up_power_of_two(options.capacity())));
    state->current.store(state->rings.back().get(), std::memory_order_release);
    m_state = std::move(state);
}

FrameArena::FrameArena(FrameArena &&other) noexcept = default;
FrameArena &FrameArena::operator=(FrameArena &&other) noexcept = default;
FrameArena::~FrameArena() = default;

ArenaChunkBase FrameArena::allocate_bytes(vk::DeviceSize size_bytes, vk::DeviceSize alignment) {
    if (!m_state) [[unlikely]] throw LogicError("FrameArena::allocate: the arena is empty (moved from)");
    if (size_bytes == 0) [[unlikely]] throw LogicError("FrameArena::allocate: the size is zero");
    if (!detail::is_power_of_two(alignment)) [[unlikely]] {
        throw LogicError("FrameArena::allocate: the alignment " + std::to_string(alignment) +
                         " is not a power of two");
    }
    detail::ArenaState &state = *m_state;
    alignment = std::max(alignment, state.alignment);
    detail::ArenaRing *ring = state.current.load(std::memory_order_acquire);
    std::uint64_t start = 0;
    if (size_bytes <= ring->capacity && alignment <= ring->capacity &&
        try_bump(*ring, size_bytes, alignment, start)) [[likely]] {
        return {ring, ring->buffer.handle(), start, start & (ring->capacity - 1), size_bytes};
    }

    const std::lock_guard lock(state.mutex);
    for (;;) {
        ring = state.current.load(std::memory_order_acquire);
        if (size_bytes <= ring->capacity && alignment <= ring->capacity &&
            try_bump(*ring, size_bytes, alignment, start)) {
            return {ring, ring->buffer.handle(), start, start & (ring->capacity - 1), size_bytes};
        }
        if (reclaim_locked(state) > 0) continue;
        if (state.exhaustion == ArenaExhaustion::Throw) {
            const std::uint64_t head = ring->head.load(std::memory_order_acquire);
            const std::uint64_t tail = ring->tail.load(std::memory_order_acquire);
            throw AllocatorInternals::out_of_memory(
                *state.allocator, vk::Result::eErrorOutOfDeviceMemory,
                "FrameArena::allocate: arena " + arena_label(state.name) + " is full (capacity " +
                    std::to_string(ring->capacity) + " bytes, " + std::to_string(head - tail) +
                    " in use, " + std::to_string(state.frames.size()) +
                    " frames ended and not yet signalled)",
                size_bytes, ring->buffer.memory_type_index(), std::source_location::current());
        }
        // Checked before the doubling, which would wrap past 2^63.
        if (size_bytes > closed / 8 || ring->capacity > closed / 8) {
            throw LogicError("FrameArena::allocate: " + std::to_string(size_bytes) +
                             " bytes would grow the arena past its largest capacity");
        }
        vk::DeviceSize capacity = ring->capacity * 2;
        while (capacity < size_bytes + alignment) capacity *= 2;
        if (capacity > closed / 4) {
            throw LogicError("FrameArena::allocate: " + std::to_string(size_bytes) +
                             " bytes would grow the arena past its largest capacity");
        }
        auto fresh = make_ring(state, capacity);
        state.rings.reserve(state.rings.size() + 1);
        state.open_parts.reserve(state.open_parts.size() + 1);
        const std::uint64_t boundary = ring->head.exchange(closed, std::memory_order_acq_rel);
        if (boundary > ring->tail.load(std::memory_order_acquire)) {
            state.open_parts.push_back({ring, boundary});
        }
        state.rings.push_back(std::move(fresh));
        state.current.store(state.rings.back().get(), std::memory_order_release);
    }
}

void FrameArena::end_frame(vk::Semaphore timeline, std::uint64_t value) {
    if (!m_state) throw LogicError("FrameArena::end_frame: the arena is empty (moved from)");
    if (!timeline) throw LogicError("FrameArena::end_frame: the timeline semaphore is null");
    detail::ArenaState::Frame frame;
    frame.timeline = timeline;
    frame.value = value;
    const std::lock_guard lock(m_state->mutex);
    end_frame_locked(*m_state, std::move(frame));
}

void FrameArena::end_frame(vk::Fence fence) {
    if (!m_state) throw LogicError("FrameArena::end_frame: the arena is empty (moved from)");
    if (!fence) throw LogicError("FrameArena::end_frame: the fence is null");
    detail::ArenaState::Frame frame;
    frame.fence = fence;
    const std::lock_guard lock(m_state->mutex);
    end_frame_locked(*m_state, std::move(frame));
}

std::size_t FrameArena::reclaim() {
    if (!m_state) throw LogicError("FrameArena::reclaim: the arena is empty (moved from)");
    const std::lock_guard lock(m_state->mutex);
    return reclaim_locked(*m_state);
}

vk::DeviceSize FrameArena::alignment() const noexcept { return m_state ? m_state->alignment : 0; }

FrameArenaStatistics FrameArena::statistics() const {
    FrameArenaStatistics result;
    if (!m_state) return result;
    const std::lock_guard lock(m_state->mutex);
    const detail::ArenaRing *ring = m_state->current.load(std::memory_order_acquire);
    result.capacity = ring->capacity;
    result.ring_count = m_state->rings.size();
    result.pending_frames = m_state->frames.size();
    result.bytes_in_use = ring->head.load(std::memory_order_acquire) -
                          ring->tail.load(std::memory_order_acquire);
    return result;
}

} // namespace vw
