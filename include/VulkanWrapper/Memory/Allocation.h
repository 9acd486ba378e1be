#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

namespace vw {

class Allocator;

namespace detail {
class Defragmenter;
} // namespace detail

/// What buffers and images share: a Vulkan object (VkBuffer or VkImage) bound to a VMA
/// allocation of an Allocator, and what can be asked about that memory. The base of BufferBase
/// and Image; not created or deleted on its own. Destroying the derived object destroys the
/// Vulkan object and frees its memory; it keeps the Allocator (and so the device) alive. A
/// moved-from object is empty. Like a standard container: one writer at a time.
class Allocation {
public:
    /// True when it holds nothing (default-constructed or moved from).
    [[nodiscard]] bool empty() const noexcept { return m_allocation == nullptr; }
    /// The VMA allocation backing the object (null when empty).
    [[nodiscard]] VmaAllocation allocation() const noexcept { return m_allocation; }
    /// The allocator that owns the memory (null when empty).
    [[nodiscard]] const std::shared_ptr<const Allocator> &allocator() const noexcept {
        return m_allocator;
    }
    /// Index of the memory type the object landed in. LogicError when empty.
    [[nodiscard]] std::uint32_t memory_type_index() const;
    /// Property flags of that memory type. LogicError when empty.
    [[nodiscard]] vk::MemoryPropertyFlags memory_properties() const;
    /// True when the object has a VkDeviceMemory of its own rather than a range of a block.
    /// LogicError when empty.
    [[nodiscard]] bool is_dedicated() const;
    /// Names the object for reports, the JSON, the memory map and (with debug utils)
    /// validation messages; "" clears it. LogicError, nothing changed, when empty or for a
    /// name with control characters or invalid UTF-8. Not thread-safe for the same object
    /// (Vulkan's object naming needs that); safe against Allocator::json() and MemoryMap,
    /// which read names meanwhile.
    void set_name(std::string_view name);
    /// The name ("" when unnamed or empty).
    [[nodiscard]] std::string name() const;

    /// Keeps the object where it is: Allocator::defragment() and Pool::defragment() skip it
    /// until as many unpin() calls as pin() calls were made. For memory whose handle or address
    /// is recorded where you cannot rewrite it. Thread-safe; the count moves with the object.
    void pin() noexcept { m_pins.fetch_add(1, std::memory_order_relaxed); }
    /// Undoes one pin(). LogicError, nothing changed, when the object is not pinned.
    void unpin();
    /// True while pinned (see pin()).
    [[nodiscard]] bool is_pinned() const noexcept {
        return m_pins.load(std::memory_order_relaxed) != 0;
    }

protected:
    /// An empty buffer (vk::ObjectType::eBuffer) or image (eImage).
    explicit Allocation(vk::ObjectType type) noexcept
        : m_type(type) {}
    /// Adopts `object` (a VkBuffer or VkImage, as `type` says) bound to `allocation`.
    Allocation(std::shared_ptr<const Allocator> allocator, VmaAllocation allocation,
               vk::ObjectType type, std::uint64_t object) noexcept
        : m_allocator(std::move(allocator))
        , m_allocation(allocation)
        , m_type(type)
        , m_object(object) {}
    /// Takes `allocation` and its `object` (a VkBuffer or VkImage), made by `allocator`, into
    /// this empty object. The allocate path builds the final object first and adopts into it,
    /// with no temporary to move from and destroy.
    void adopt(std::shared_ptr<const Allocator> allocator, VmaAllocation allocation,
               std::uint64_t object) noexcept {
        m_allocator = std::move(allocator);
        m_allocation = allocation;
        m_object = object;
    }
    // Inline, like the constructors: they are on every allocation's path.
    /// Takes the object and memory of `other`, which is left empty.
    Allocation(Allocation &&other) noexcept
        : m_allocator(std::move(other.m_allocator))
        , m_allocation(std::exchange(other.m_allocation, nullptr))
        , m_type(other.m_type)
        , m_object(std::exchange(other.m_object, 0))
        , m_pins(other.m_pins.exchange(0, std::memory_order_relaxed)) {
        if (m_allocation != nullptr) attach();
    }
    /// Frees what this holds, then takes the object and memory of `other`, which is left empty.
    Allocation &operator=(Allocation &&other) noexcept;
    Allocation(const Allocation &) = delete;
    Allocation &operator=(const Allocation &) = delete;
    /// Destroys the object and frees its memory.
    // An empty object (default, moved from) holds nothing: no call out of line.
    ~Allocation() {
        if (m_allocation != nullptr) release();
    }

    /// The Vulkan object's handle as a 64-bit value (0 when empty).
    [[nodiscard]] std::uint64_t object() const noexcept { return m_object; }
    /// LogicError "<Class>::<operation>: the buffer (or image) is empty" when empty.
    void require_object(const char *operation) const;
    /// "BufferBase::<operation>" or "Image::<operation>", for messages.
    [[nodiscard]] std::string qualified(const char *operation) const;

private:
    friend class detail::Defragmenter;

    [[nodiscard]] const char *kind() const noexcept;
    void release() noexcept;
    // Points the VMA allocation's user data at this object, which defragmentation reads to find
    // the object holding an allocation it moves.
    void attach() noexcept;

    std::shared_ptr<const Allocator> m_allocator;
    VmaAllocation m_allocation = nullptr;
    vk::ObjectType m_type; // kept when moved from, for messages
    std::uint64_t m_object = 0;
    std::atomic<std::uint32_t> m_pins{0};
};

} // namespace vw
