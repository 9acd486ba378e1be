#include "VulkanWrapper/Memory/Pool.h"

#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "AllocatorInternals.h"
#include "Defragmenter.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw {

namespace {

bool valid_access(HostAccess access) {
    return access == HostAccess::None || access == HostAccess::SequentialWrite ||
           access == HostAccess::Random;
}

vk::BufferUsageFlags default_usage(const Device &device) {
    vk::BufferUsageFlags usage =
        vk::BufferUsageFlagBits::eVertexBuffer | vk::BufferUsageFlagBits::eIndexBuffer |
        vk::BufferUsageFlagBits::eUniformBuffer | vk::BufferUsageFlagBits::eStorageBuffer |
        vk::BufferUsageFlagBits::eIndirectBuffer | vk::BufferUsageFlagBits::eTransferSrc |
        vk::BufferUsageFlagBits::eTransferDst;
    if (device.buffer_device_address_enabled()) usage |= vk::BufferUsageFlagBits::eShaderDeviceAddress;
    return usage;
}

std::string pool_label(const std::string &name) {
    return name.empty() ? std::string("(unnamed)") : "'" + name + "'";
}

} // namespace

Pool::Pool(const PoolBuilder &builder)
    : m_allocator(builder.m_allocator)
    , m_name(builder.m_name)
    , m_access(builder.m_access)
    , m_block_size(builder.m_block_size)
    , m_min_blocks(builder.m_min_blocks)
    , m_max_blocks(builder.m_max_blocks)
    , m_linear(builder.m_linear)
    , m_priority(builder.m_priority)
    , m_priority_applied(builder.m_allocator->applies_memory_priority()) {
    const Device &device = *m_allocator->device();
    const auto &memory = device.physical_device().memory_properties();
    if (builder.m_memory_type) {
        m_memory_type = *builder.m_memory_type;
    } else {
        const VkBufferCreateInfo buffer_info = AllocatorInternals::buffer_create_info(
            *m_allocator, 1024, builder.m_usage.value_or(default_usage(device)));
        VmaAllocationCreateInfo allocation_info = m_allocator->allocation_create_info(m_access);
        if (m_access == HostAccess::None) {
            // A device-local pool holds images too, which resizable-BAR types may not take
            // (NVIDIA: buffers only): its type is chosen by the plain device-local policy.
            allocation_info.flags &= ~static_cast<VmaAllocationCreateFlags>(
                VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT |
                VMA_ALLOCATION_CREATE_HOST_ACCESS_ALLOW_TRANSFER_INSTEAD_BIT | VMA_ALLOCATION_CREATE_MAPPED_BIT);
        }
        const VkResult found = vmaFindMemoryTypeIndexForBufferInfo(
            m_allocator->handle(), &buffer_info, &allocation_info, &m_memory_type);
        if (found == VK_ERROR_FEATURE_NOT_PRESENT) {
            throw NotSupportedError("PoolBuilder: no memory type of " +
                                    std::string(device.physical_device().name()) +
                                    " suits the pool's memory kind and buffer usage");
        }
        check(found, "vmaFindMemoryTypeIndexForBufferInfo");
    }
    const vk::DeviceSize heap_size = memory.memoryHeaps[memory.memoryTypes[m_memory_type].heapIndex].size;
    if (m_block_size > heap_size) {
        throw LogicError("PoolBuilder: the block size of " + std::to_string(m_block_size) +
                         " bytes exceeds heap " +
                         std::to_string(memory.memoryTypes[m_memory_type].heapIndex) + " (" +
                         std::to_string(heap_size) + " bytes) (setBlockSize)");
    }

    VmaPoolCreateInfo info{};
    info.memoryTypeIndex = m_memory_type;
    info.blockSize = m_block_size;
    info.minBlockCount = m_min_blocks;
    info.maxBlockCount = m_max_blocks == SIZE_MAX ? 0 : m_max_blocks;
    if (m_linear) info.flags |= VMA_POOL_CREATE_LINEAR_ALGORITHM_BIT;
    info.priority = m_priority;
    const VkResult result = vmaCreatePool(m_allocator->handle(), &info, &m_pool);
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) {
        throw AllocatorInternals::out_of_memory(
            *m_allocator, static_cast<vk::Result>(result),
            "vmaCreatePool (the minimum blocks of pool " + pool_label(m_name) + ")",
            static_cast<vk::DeviceSize>(m_min_blocks) * m_block_size, m_memory_type,
            std::source_location::current());
    }
    check(result, "vmaCreatePool");
    if (!m_name.empty()) vmaSetPoolName(m_allocator->handle(), m_pool, m_name.c_str());
    // No destructor runs if the constructor throws: the pool goes by hand, and is registered
    // (the allocator's statistics walk its pools) only once nothing more can throw.
    try {
        AllocatorInternals::check_invariants("PoolBuilder::build");
        m_allocator->register_pool(*this);
    } catch (...) {
        vmaDestroyPool(m_allocator->handle(), m_pool);
        throw;
    }
}

Pool::~Pool() {
    m_allocator->unregister_pool(*this);
    vmaDestroyPool(m_allocator->handle(), m_pool);
}

DefragmentationResult Pool::defragment(const DefragmentationOptions &options) {
    if (m_linear) {
        throw LogicError("Pool::defragment: pool " + label() +
                         " uses the linear algorithm, which VMA cannot defragment");
    }
    return detail::Defragmenter(*m_allocator, m_pool, options).run();
}

PoolStatistics Pool::statistics() const {
    VmaDetailedStatistics raw{};
    vmaCalculatePoolStatistics(m_allocator->handle(), m_pool, &raw);
    PoolStatistics result;
    result.name = m_name;
    result.memory_type = m_memory_type;
    result.block_size = m_block_size;
    if (m_priority_applied) result.priority = m_priority;
    result.memory = {raw.statistics.blockCount, raw.statistics.allocationCount,
                     raw.statistics.blockBytes, raw.statistics.allocationBytes};
    return result;
}

OutOfMemoryError Pool::full_error(vk::Result result, std::string_view operation,
                                  vk::DeviceSize size_bytes) const {
    VmaStatistics stats{};
    vmaGetPoolStatistics(m_allocator->handle(), m_pool, &stats);
    std::string what = std::string(operation) + " in pool " + pool_label(m_name) + " (" +
                       std::to_string(stats.blockCount) + " of " +
                       (m_max_blocks == SIZE_MAX ? std::string("unlimited")
                                                 : "at most " + std::to_string(m_max_blocks)) +
                       " blocks of " + std::to_string(m_block_size) + " bytes, " +
                       std::to_string(stats.allocationBytes) + " bytes allocated)";
    return AllocatorInternals::out_of_memory(*m_allocator, result, what, size_bytes, m_memory_type,
                                             std::source_location::current());
}

BufferBase Pool::allocate_buffer(vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                                 HostAccess access, std::string_view name) {
    BufferBase created;
    create_buffer(created, size_bytes, usage, access, name);
    return created;
}

void Pool::create_buffer(BufferBase &into, vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                         HostAccess access, std::string_view name) {
    m_allocator->create_buffer(into, size_bytes, usage, access, name, this);
}

std::string Pool::label() const { return pool_label(m_name); }

PoolBuilder::PoolBuilder(std::shared_ptr<Allocator> allocator)
    : m_allocator(std::move(allocator)) {}

PoolBuilder &PoolBuilder::setAllocator(std::shared_ptr<Allocator> allocator) {
    m_allocator = std::move(allocator);
    return *this;
}

PoolBuilder &PoolBuilder::setName(std::string name) {
    m_name = std::move(name);
    return *this;
}

PoolBuilder &PoolBuilder::setHostAccess(HostAccess access) {
    m_access = access;
    return *this;
}

PoolBuilder &PoolBuilder::setMemoryType(std::uint32_t memory_type_index) {
    m_memory_type = memory_type_index;
    return *this;
}

PoolBuilder &PoolBuilder::setBufferUsage(vk::BufferUsageFlags usage) {
    m_usage = usage;
    return *this;
}

PoolBuilder &PoolBuilder::setBlockSize(vk::DeviceSize bytes) {
    m_block_size = bytes;
    return *this;
}

PoolBuilder &PoolBuilder::setMinBlockCount(std::size_t count) {
    m_min_blocks = count;
    return *this;
}

PoolBuilder &PoolBuilder::setMaxBlockCount(std::size_t count) {
    m_max_blocks = count;
    return *this;
}

PoolBuilder &PoolBuilder::setPriority(float priority) {
    m_priority = priority;
    return *this;
}

PoolBuilder &PoolBuilder::setLinear(bool linear) {
    m_linear = linear;
    return *this;
}

std::shared_ptr<Pool> PoolBuilder::build() const {
    if (!m_allocator) throw LogicError("PoolBuilder: allocator is missing (setAllocator)");
    if (m_block_size == 0) throw LogicError("PoolBuilder: the block size is zero (setBlockSize)");
    if (m_max_blocks == 0) throw LogicError("PoolBuilder: the maximum block count is zero (setMaxBlockCount)");
    if (!(m_priority >= 0.0F && m_priority <= 1.0F)) {
        throw LogicError("PoolBuilder: the priority " + std::to_string(m_priority) +
                         " is not between 0 and 1 (setPriority)");
    }
    if (m_min_blocks > m_max_blocks) {
        throw LogicError("PoolBuilder: the minimum block count " + std::to_string(m_min_blocks) +
                         " exceeds the maximum " + std::to_string(m_max_blocks) +
                         " (setMinBlockCount, setMaxBlockCount)");
    }
    if (!valid_access(m_access)) {
        throw LogicError("PoolBuilder: host access is not a HostAccess value (setHostAccess)");
    }
    if (m_usage && !*m_usage) throw LogicError("PoolBuilder: the buffer usage is empty (setBufferUsage)");
    const auto &memory = m_allocator->device()->physical_device().memory_properties();
    if (m_memory_type) {
        if (*m_memory_type >= memory.memoryTypeCount) {
            throw LogicError("PoolBuilder: memory type " + std::to_string(*m_memory_type) +
                             " does not exist; the device has " +
                             std::to_string(memory.memoryTypeCount) + " (setMemoryType)");
        }
        if (m_access != HostAccess::None &&
            !(memory.memoryTypes[*m_memory_type].propertyFlags & vk::MemoryPropertyFlagBits::eHostVisible)) {
            throw LogicError("PoolBuilder: memory type " + std::to_string(*m_memory_type) +
                             " is not host-visible, which the host access needs (setMemoryType)");
        }
    }
    if (!m_name.empty()) AllocatorInternals::validate_name(m_name, "PoolBuilder::setName");
    return std::shared_ptr<Pool>(new Pool(*this));
}

} // namespace vw
