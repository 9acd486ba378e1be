#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <source_location>
#include <string_view>
#include <string>
#include <vector>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Memory/Statistics.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

class Device;
class Instance;

class AllocatorBuilder;
class Pool;

namespace detail {
class Defragmenter;
struct DefragmentationGate;
class PendingWork;
} // namespace detail

/// One device's memory allocator, built on the Vulkan Memory Allocator (VMA). Thread-safe:
/// any number of threads may allocate and free at once (VMA's own locking). Owned through
/// std::shared_ptr; holds its Device (and so its Instance) alive, and every buffer and image
/// holds it alive, so destruction order is never the caller's problem.
///
/// Memory policy: device-local buffers use VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE and are never
/// mapped; host-visible buffers are persistently mapped, in sequential-write memory by default
/// or host-cached memory for random access (readback). Large resources get dedicated
/// allocations, small ones share blocks. By default an allocation that would exceed its heap's
/// budget fails with OutOfMemoryError.
class Allocator : public std::enable_shared_from_this<Allocator> {
public:
    /// Destroys the VMA allocator; every buffer and image holds the allocator alive, so none
    /// is left when this runs.
    ~Allocator();
    Allocator(const Allocator &) = delete;
    Allocator &operator=(const Allocator &) = delete;

    /// The VmaAllocator, for direct VMA calls (statistics, JSON dumps...). Owned by this object.
    [[nodiscard]] VmaAllocator handle() const noexcept { return m_allocator; }
    /// The device the memory belongs to.
    [[nodiscard]] const std::shared_ptr<Device> &device() const noexcept;
    /// True when allocations may exceed the heap budget (AllocatorBuilder::allowOverSubscription).
    [[nodiscard]] bool allows_over_subscription() const noexcept;
    /// The VMA allocation parameters used for buffers of `access` (the memory policy): for
    /// comparisons with raw VMA calls and for your own vmaCreate* calls.
    [[nodiscard]] VmaAllocationCreateInfo allocation_create_info(HostAccess access) const noexcept;
    /// True when every device-local memory type is also host-visible (integrated GPUs, lavapipe):
    /// device-local buffers are then allowed to be mapped, which lets Transfer write them directly.
    [[nodiscard]] bool unified_memory() const noexcept { return m_unified_memory; }
    /// True when a discrete device has resizable BAR over its whole largest device-local heap (a
    /// device-local, host-visible memory type there): device-local buffers are then placed in
    /// that type where the budget allows, and Transfer writes small uploads into them directly
    /// (TransferOptions::direct_write_limit) instead of staging.
    [[nodiscard]] bool resizable_bar() const noexcept { return m_resizable_bar; }

    /// The queue families buffers are shared between: every family the device has a queue of.
    /// With more than one, buffers are created VK_SHARING_MODE_CONCURRENT across them, so that
    /// a buffer filled on the transfer queue is used on the graphics or compute queue without
    /// ownership transfers.
    [[nodiscard]] const std::vector<std::uint32_t> &buffer_queue_families() const noexcept {
        return m_queue_families;
    }

    /// Allocates a typed buffer of `count` elements, e.g.
    /// `allocator->allocate<Buffer<Vertex, false, VertexBufferUsage>>(1000)`.
    /// LogicError for a zero count, `count * sizeof(T)` overflowing, or a size beyond the
    /// device's limits; OutOfMemoryError (size, heap, budget) when memory or budget runs out,
    /// or when the size exceeds the whole heap (with over-subscription too);
    /// VulkanException for other failures. Nothing is left behind on failure.
    /// `name` (optional) labels the allocation in reports, JSON, the memory map and, when the
    /// instance has debug utils, on the VkBuffer for validation messages and tools.
    /// @tparam BufferType a Buffer type, e.g. `Buffer<Vertex, false, VertexBufferUsage>`.
    template <typename BufferType>
    [[nodiscard]] std::unique_ptr<BufferType> allocate(std::size_t count, std::string_view name = {}) {
        using T = typename BufferType::type;
        const vk::DeviceSize bytes = detail::element_bytes(count, sizeof(T), "Allocator::allocate");
        // The object first, so that nothing is allocated if `new` throws; then filled in place.
        auto buffer = std::make_unique<BufferType>();
        create_buffer(*buffer, bytes, vk::BufferUsageFlags(BufferType::flags),
                      BufferType::host_access_kind, name);
        return buffer;
    }

    /// Allocates an untyped buffer whose size and usage are known only at run time.
    /// `access` HostAccess::None gives device-local memory; `name` as for allocate(). Errors as
    /// for allocate(), and LogicError for a name with control characters.
    [[nodiscard]] BufferBase allocate_buffer(vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                                             HostAccess access, std::string_view name = {});
    /// The same with the C usage constants (`vw::StorageBufferUsage`, `VK_BUFFER_USAGE_*`).
    [[nodiscard]] BufferBase allocate_buffer(vk::DeviceSize size_bytes, VkBufferUsageFlags usage,
                                             HostAccess access, std::string_view name = {}) {
        return allocate_buffer(size_bytes, vk::BufferUsageFlags(usage), access, name);
    }

    /// A snapshot of the memory in use: in total, per heap (with budget and usage) and per
    /// memory type. Thread-safe; throws nothing but std::bad_alloc.
    [[nodiscard]] AllocatorStatistics statistics() const;

    /// Checks the guard bytes VMA writes around every sub-allocation in host-visible, coherent
    /// memory when the library is built with VW_CORRUPTION_DETECTION=ON (debug margins and
    /// corruption detection compiled into VMA). Returns normally when every margin is intact;
    /// throws VulkanException (vk::Result::eErrorUnknown) naming the damage when a write went
    /// past an allocation's end, and LogicError when the library was built without the option
    /// (nothing to check). Thread-safe; the allocator stays usable either way.
    void check_corruption() const;
    /// True when the library was built with VW_CORRUPTION_DETECTION=ON.
    [[nodiscard]] static bool corruption_detection_enabled() noexcept;

    /// Per heap: the budget and usage (VK_EXT_memory_budget when the device has it, else an
    /// estimate, marked as such) and what this allocator holds there. Cheap (no traversal of
    /// allocations); thread-safe; throws nothing but std::bad_alloc.
    [[nodiscard]] std::vector<HeapBudget> budget() const;

    /// VMA's statistics as JSON (vmaBuildStatsString). With `detailed_map`, it lists every
    /// block with its sub-allocations and free ranges and every dedicated allocation, with
    /// names; the shape is documented in docs/statistics.md, and MemoryMap reads it. Thread-safe;
    /// std::bad_alloc is the only failure.
    [[nodiscard]] std::string json(bool detailed_map = true) const;

    /// True when pools' and allocations' priorities reach the driver: the device has
    /// VK_EXT_memory_priority with its memoryPriority feature (enabled by the library whenever
    /// offered) and VMA was told so.
    [[nodiscard]] bool applies_memory_priority() const noexcept { return m_memory_priority; }
    /// Moves buffers and images of the default pools closer together so that blocks empty and
    /// are freed (see docs/defragmentation.md): VMA plans the moves, the library recreates each
    /// moved resource from its recorded create info, copies its contents on the GPU (transfer
    /// queue; the main queue when images move) and swaps the new handle into the caller's own
    /// Buffer or Image object, reporting each move to `options.on_move`. Skips pinned
    /// resources (StagingBufferManager pins what it has copies pending for), persistently
    /// mapped buffers, and images without a layout from
    /// `options.image_layout`. Resources must not be in use by the GPU. Other threads may
    /// allocate and free meanwhile (they wait while a pass runs) but must not move or use the
    /// objects of this allocator. On failure (VulkanException, OutOfMemoryError,
    /// DeviceLostError) every resource of the failed pass stays where it was, with its contents;
    /// moves of earlier passes stay done and were reported.
    DefragmentationResult defragment(const DefragmentationOptions &options = {});

private:
    friend class AllocatorBuilder;
    friend class Pool;
    friend class detail::Defragmenter;
    // allocate_buffer()'s work (Pool::allocate_buffer()'s with `pool`), into `into`, which must
    // be empty; throws as allocate_buffer(), leaving `into` empty.
    void create_buffer(BufferBase &into, vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                       HostAccess access, std::string_view name, const Pool *pool = nullptr);
    friend class AllocatorInternals;

    explicit Allocator(const AllocatorBuilder &builder);

    // The live pools, for statistics(); a Pool registers once built and unregisters before
    // its VmaPool is destroyed.
    void register_pool(const Pool &pool);
    void unregister_pool(const Pool &pool) noexcept;

    // Names `allocation` (made by this allocator) for reports, the JSON and the memory map, and
    // the Vulkan object `handle` of `type` too when the device has debug utils (pass
    // vk::ObjectType::eUnknown to name the allocation only). An empty name clears it.
    // LogicError, nothing changed, when the name contains control characters (they have no
    // place in JSON, XML and tool output). Not thread-safe for the same allocation.
    void set_allocation_name(VmaAllocation allocation, std::string_view name, vk::ObjectType type,
                             std::uint64_t handle) const;
    // The name of `allocation` ("" when unnamed).
    std::string allocation_name(VmaAllocation allocation) const;
    // LogicError when `name` cannot be used as an allocation name (control characters);
    // `operation` prefixes the message.
    static void validate_name(std::string_view name, std::string_view operation);

    // Builds the OutOfMemoryError for a failed request of `size_bytes` (when known) in
    // `memory_type` (UINT32_MAX when unknown), with the heap and its current budget.
    OutOfMemoryError out_of_memory(vk::Result result, std::string_view operation,
                                   std::optional<vk::DeviceSize> size_bytes,
                                   std::uint32_t memory_type, std::source_location location) const;

    // When over-subscription is off and `allocation` (just made, described by `info`) holds
    // dedicated memory that took its heap past the budget, the OutOfMemoryError to throw
    // after freeing it; std::nullopt otherwise. VMA's within-budget flag covers new blocks
    // but not dedicated memory chosen by its size heuristic; this closes that gap.
    std::optional<OutOfMemoryError> over_budget(VmaAllocation allocation,
                                                const VmaAllocationInfo &info,
                                                std::string_view operation,
                                                std::source_location location) const;

    // InvariantError when a VMA assertion failed since the last report; each failure is
    // reported once, by the next call that reaches VMA.
    static void check_invariants(std::string_view operation) {
        if (invariant_failure_pending()) [[unlikely]] throw_invariant_error(operation);
    }
    static bool invariant_failure_pending() noexcept;
    [[noreturn]] static void throw_invariant_error(std::string_view operation);

    std::shared_ptr<Device> m_device;
    bool m_over_subscription;
    vk::DeviceSize m_max_buffer_size;
    std::vector<std::uint32_t> m_queue_families;
    bool m_unified_memory = false;
    bool m_resizable_bar = false;
    vk::DeviceSize m_dedicated_threshold;
    vk::DeviceSize m_smallest_heap = 0;
    bool m_memory_priority = false;
    // Computed once: both are read on every allocation.
    std::array<VmaAllocationCreateInfo, 3> m_allocation_create_infos{}; // by HostAccess
    std::array<vk::MemoryPropertyFlags, VK_MAX_MEMORY_TYPES> m_memory_type_flags{};
    mutable std::mutex m_pools_mutex;
    // vmaMapMemory and vmaUnmapMemory of allocations that are not persistently mapped (VMA
    // leaves their map count unsynchronised).
    mutable std::mutex m_mapping_mutex;
    // Allocation names: vmaSetAllocationName frees the old string, which vmaBuildStatsString's
    // detailed map and vmaGetAllocationInfo read (VMA leaves them unsynchronised).
    mutable std::shared_mutex m_names_mutex;
    std::vector<const Pool *> m_pools;
    VmaAllocator m_allocator = nullptr;
    std::unique_ptr<detail::DefragmentationGate> m_defragmentation_gate;
    std::unique_ptr<detail::PendingWork> m_pending_work;
};

/// Builds an Allocator. Required: the instance and the device (setters or the two-argument
/// constructor). build() validates every field before any Vulkan call.
class AllocatorBuilder {
public:
    /// An empty builder: set the instance and the device before build().
    AllocatorBuilder() = default;
    /// Same as AllocatorBuilder().setInstance(instance).setDevice(device).
    AllocatorBuilder(std::shared_ptr<Instance> instance, std::shared_ptr<Device> device);

    /// The instance the device was created from (required).
    AllocatorBuilder &setInstance(std::shared_ptr<Instance> instance);
    /// The device to allocate on (required).
    AllocatorBuilder &setDevice(std::shared_ptr<Device> device);
    /// Size of the blocks small resources are sub-allocated from; default 256 MiB (VMA's).
    /// Resources larger than half a block get dedicated memory.
    AllocatorBuilder &setPreferredBlockSize(vk::DeviceSize bytes);
    /// Lets allocations exceed the heap's budget (the driver may then page memory out or
    /// fail); by default they fail with OutOfMemoryError instead.
    AllocatorBuilder &allowOverSubscription(bool allow = true);

    /// Creates the allocator. LogicError naming the field when the instance or device is
    /// missing, the device belongs to another instance, or the block size is zero;
    /// VulkanException if VMA fails.
    [[nodiscard]] std::shared_ptr<Allocator> build() const;

private:
    std::shared_ptr<Instance> m_instance;
    std::shared_ptr<Device> m_device;
    std::optional<vk::DeviceSize> m_block_size;
    bool m_over_subscription = false;
    friend class Allocator;
};


} // namespace vw
