#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <vk_mem_alloc.h>
#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/Defragmentation.h"
#include "VulkanWrapper/Memory/Statistics.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw {

class Allocator;
class PoolBuilder;

/// A VMA custom pool: blocks of one memory type and one size that only the buffers and images
/// allocated from the pool share, so that a family of resources (uniform blocks, small meshes,
/// readback slots) is kept together, bounded and measured apart from the rest. Made by
/// PoolBuilder; owned through std::shared_ptr. The pool holds its Allocator alive, and every
/// buffer or image allocated from it holds the pool alive, so destruction order is never the
/// caller's problem. Thread-safe: any number of threads may allocate from the pool and free
/// into it at once (VMA's locking).
///
/// A pool with a maximum block count that has no room left fails an allocation with an
/// OutOfMemoryError whose message names the pool and its block figures; nothing is left behind
/// and the pool stays usable.
class Pool : public std::enable_shared_from_this<Pool> {
public:
    /// Destroys the VMA pool. Every allocation made from it holds the pool alive, so none is
    /// left when this runs.
    ~Pool();
    Pool(const Pool &) = delete;
    Pool &operator=(const Pool &) = delete;

    /// The VmaPool, for direct VMA calls (VmaAllocationCreateInfo::pool). Owned by this object.
    [[nodiscard]] VmaPool handle() const noexcept { return m_pool; }
    /// The allocator the pool belongs to.
    [[nodiscard]] const std::shared_ptr<Allocator> &allocator() const noexcept { return m_allocator; }
    /// The name given by PoolBuilder::setName ("" when none); it names the pool in VMA's JSON,
    /// the memory map, reports and errors.
    [[nodiscard]] const std::string &name() const noexcept { return m_name; }
    /// The memory type every block of the pool lives in.
    [[nodiscard]] std::uint32_t memory_type_index() const noexcept { return m_memory_type; }
    /// How the host reaches the pool's buffers; every buffer allocated from it has this access.
    [[nodiscard]] HostAccess host_access() const noexcept { return m_access; }
    /// Size of each block in bytes.
    [[nodiscard]] vk::DeviceSize block_size() const noexcept { return m_block_size; }
    /// Blocks created with the pool and never freed.
    [[nodiscard]] std::size_t min_block_count() const noexcept { return m_min_blocks; }
    /// Most blocks the pool may hold (SIZE_MAX: no limit but the heap and its budget).
    [[nodiscard]] std::size_t max_block_count() const noexcept { return m_max_blocks; }
    /// True when the pool uses VMA's linear algorithm (stack, double stack or ring buffer).
    [[nodiscard]] bool is_linear() const noexcept { return m_linear; }
    /// The priority given by PoolBuilder::setPriority (0.5 unless set).
    [[nodiscard]] float priority() const noexcept { return m_priority; }
    /// True when the priority was applied to the pool's blocks: the device has
    /// VK_EXT_memory_priority (the library enables it, and its memoryPriority feature, whenever
    /// the device offers them). Without it the priority is recorded but has no effect.
    [[nodiscard]] bool priority_applied() const noexcept { return m_priority_applied; }

    /// What the pool holds now: its blocks and the allocations made from them, with its name,
    /// memory type and block figures. Thread-safe; throws std::bad_alloc only.
    [[nodiscard]] PoolStatistics statistics() const;

    /// Allocates a typed buffer of `count` elements from the pool, as Allocator::allocate does
    /// from the default pools, e.g. `pool->allocate<Buffer<Block, true, UniformBufferUsage>>(4)`.
    /// The buffer type's host access must be the pool's (LogicError otherwise). Errors as for
    /// allocate_buffer(); nothing is left behind on failure.
    /// @tparam BufferType a vw::Buffer specialisation.
    /// @param count number of elements (not zero).
    /// @param name optional label, as for Allocator::allocate.
    template <typename BufferType>
    [[nodiscard]] std::unique_ptr<BufferType> allocate(std::size_t count, std::string_view name = {}) {
        using T = typename BufferType::type;
        const vk::DeviceSize bytes = detail::element_bytes(count, sizeof(T), "Pool::allocate");
        // The object first, so that nothing is allocated if `new` throws; then filled in place.
        auto buffer = std::make_unique<BufferType>();
        create_buffer(*buffer, bytes, vk::BufferUsageFlags(BufferType::flags),
                      BufferType::host_access_kind, name);
        return buffer;
    }

    /// Allocates an untyped buffer from the pool. LogicError for a zero size, an empty usage,
    /// `access` other than the pool's, ShaderDeviceAddressUsage without the feature, a size past
    /// maxBufferSize, or an invalid name; NotSupportedError when the buffer's memory
    /// requirements exclude the pool's memory type; OutOfMemoryError naming the pool when it is
    /// full (its maximum block count reached, or a new block past the heap's budget) or the
    /// size exceeds its block size; VulkanException for other failures.
    [[nodiscard]] BufferBase allocate_buffer(vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                                             HostAccess access, std::string_view name = {});
    /// The same with the C usage constants (`vw::UniformBufferUsage`, `VK_BUFFER_USAGE_*`).
    [[nodiscard]] BufferBase allocate_buffer(vk::DeviceSize size_bytes, VkBufferUsageFlags usage,
                                             HostAccess access, std::string_view name = {}) {
        return allocate_buffer(size_bytes, vk::BufferUsageFlags(usage), access, name);
    }

    /// Defragments this pool's blocks, as Allocator::defragment() does the default pools (same
    /// options, skips, threads and failure guarantee). LogicError for a linear pool (VMA cannot
    /// defragment one).
    DefragmentationResult defragment(const DefragmentationOptions &options = {});

    /// The OutOfMemoryError for a request of `size_bytes` that the pool could not satisfy,
    /// naming the pool, its blocks and the heap's budget; `operation` names the failed call.
    /// For code that allocates from handle() itself (ImageBuilder does). Throws std::bad_alloc
    /// only.
    [[nodiscard]] OutOfMemoryError full_error(vk::Result result, std::string_view operation,
                                              vk::DeviceSize size_bytes) const;

private:
    friend class PoolBuilder;
    friend class Allocator;
    explicit Pool(const PoolBuilder &builder);
    // allocate_buffer()'s work, into the empty `into` (Allocator's allocation path, with this pool).
    void create_buffer(BufferBase &into, vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                       HostAccess access, std::string_view name);
    // The pool's name quoted for messages, or "(unnamed)".
    [[nodiscard]] std::string label() const;

    std::shared_ptr<Allocator> m_allocator;
    std::string m_name;
    HostAccess m_access = HostAccess::None;
    std::uint32_t m_memory_type = 0;
    vk::DeviceSize m_block_size = 0;
    std::size_t m_min_blocks = 0;
    std::size_t m_max_blocks = SIZE_MAX;
    bool m_linear = false;
    float m_priority = 0.5F;
    bool m_priority_applied = false;
    VmaPool m_pool = nullptr;
};

/// Builds a Pool. Required: the allocator. By default the pool holds device-local memory
/// (HostAccess::None) chosen for buffers of every common usage, in blocks of 16 MiB, with no
/// block made up front and no maximum, using VMA's general-purpose algorithm. build()
/// validates every field before the first Vulkan call.
class PoolBuilder {
public:
    /// A builder with no allocator yet (setAllocator() is required before build()).
    PoolBuilder() = default;
    /// Same as PoolBuilder().setAllocator(allocator).
    explicit PoolBuilder(std::shared_ptr<Allocator> allocator);

    /// The allocator the pool belongs to (required).
    PoolBuilder &setAllocator(std::shared_ptr<Allocator> allocator);
    /// Names the pool for VMA's JSON, the memory map, reports and errors (printable UTF-8).
    PoolBuilder &setName(std::string name);
    /// The memory kind: HostAccess::None for device-local memory, SequentialWrite for
    /// persistently mapped upload memory (uniforms, staging), Random for host-cached readback
    /// memory. The memory type is chosen as Allocator::allocate would for that access, unless
    /// setMemoryType names one.
    PoolBuilder &setHostAccess(HostAccess access);
    /// An explicit memory type index instead of the one the memory kind chooses. A host access
    /// other than None then needs a host-visible type.
    PoolBuilder &setMemoryType(std::uint32_t memory_type_index);
    /// The buffer usage the memory type is chosen for (default: vertex, index, uniform,
    /// storage, indirect and both transfer bits, plus ShaderDeviceAddressUsage when the device
    /// has bufferDeviceAddress). Buffers of other usages may still be allocated when their
    /// requirements allow the pool's type.
    PoolBuilder &setBufferUsage(vk::BufferUsageFlags usage);
    /// Size of each block in bytes (default 16 MiB). Requests larger than a block fail.
    PoolBuilder &setBlockSize(vk::DeviceSize bytes);
    /// Blocks allocated by build() and kept for the pool's lifetime (default 0).
    PoolBuilder &setMinBlockCount(std::size_t count);
    /// Most blocks the pool may hold (default: no limit); a full pool is an OutOfMemoryError.
    PoolBuilder &setMaxBlockCount(std::size_t count);
    /// VMA's linear algorithm (allocations as a stack or ring, freed in order) instead of the
    /// general-purpose one. With it the pool has a single block (setMaxBlockCount(1)) when it
    /// is to be used as a ring buffer.
    PoolBuilder &setLinear(bool linear = true);
    /// The priority of the pool's memory against other memory when the driver must evict some
    /// (VK_EXT_memory_priority): 0 lowest, 1 highest, default 0.5. Applied where the device has
    /// the extension (Pool::priority_applied() says), recorded and reported otherwise.
    PoolBuilder &setPriority(float priority);

    /// Creates the pool. LogicError naming the field for a missing allocator, a zero block
    /// size or one larger than its heap, a minimum above the maximum, a zero maximum, a memory
    /// type index out of range, a host access that is not a HostAccess value or needs a
    /// host-visible type that the chosen one is not, or an invalid name; NotSupportedError when
    /// no memory type suits the memory kind and usage; OutOfMemoryError when the minimum
    /// blocks cannot be allocated; VulkanException for other failures.
    [[nodiscard]] std::shared_ptr<Pool> build() const;

private:
    friend class Pool;
    std::shared_ptr<Allocator> m_allocator;
    std::string m_name;
    HostAccess m_access = HostAccess::None;
    std::optional<std::uint32_t> m_memory_type;
    std::optional<vk::BufferUsageFlags> m_usage;
    vk::DeviceSize m_block_size = vk::DeviceSize{16} << 20;
    std::size_t m_min_blocks = 0;
    std::size_t m_max_blocks = SIZE_MAX;
    bool m_linear = false;
    float m_priority = 0.5F;
};

} // namespace vw
