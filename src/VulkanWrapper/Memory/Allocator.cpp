#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/Pool.h"

#include <algorithm>
#include <array>
#include <limits>
#include <shared_mutex>

#include "VulkanWrapper/Vulkan/DeviceLoss.h"
#include "VulkanWrapper/Utils/Utf8.h"
#include "VmaAssertions.h"
#include "VulkanWrapper/Memory/AllocatorInternals.h"
#include "VulkanWrapper/Memory/DefragmentationGate.h"
#include "VulkanWrapper/Memory/Defragmenter.h"
#include "VulkanWrapper/Memory/HostMapping.h"
#include "VulkanWrapper/Memory/MemoryPolicy.h"
#include "VulkanWrapper/Memory/PendingWork.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {

namespace {

MemoryStatistics to_memory_statistics(const VmaStatistics &s) {
    return {s.blockCount, s.allocationCount, s.blockBytes, s.allocationBytes};
}

// VMA's preferred block size for large heaps; resources over half of it get their own memory.
constexpr vk::DeviceSize default_block_size = vk::DeviceSize{256} << 20;

bool is_out_of_memory(VkResult result) {
    return result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY;
}

VmaAllocationCreateInfo memory_policy(HostAccess access, bool unified_memory, bool resizable_bar,
                                      bool over_subscription) noexcept {
    VmaAllocationCreateInfo info{};
    switch (access) {
    case HostAccess::None:
        info.usage = VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE;
        if (unified_memory || resizable_bar) {
            // Unified memory: every device-local type is host-visible anyway, the flags change no
            // memory choice but make mapping legal for VMA, so that Transfer can write such
            // buffers directly. Resizable BAR over the whole heap: VMA then prefers the
            // device-local type the host can write (the same VRAM, no scarcer), and the blocks
            // stay mapped, so that Transfer's small uploads are plain host writes.
            info.flags = VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT |
                         VMA_ALLOCATION_CREATE_HOST_ACCESS_ALLOW_TRANSFER_INSTEAD_BIT;
            if (resizable_bar) info.flags |= VMA_ALLOCATION_CREATE_MAPPED_BIT;
        }
        break;
    case HostAccess::SequentialWrite:
        info.usage = VMA_MEMORY_USAGE_AUTO;
        info.flags =
            VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT | VMA_ALLOCATION_CREATE_MAPPED_BIT;
        break;
    case HostAccess::Random:
        info.usage = VMA_MEMORY_USAGE_AUTO;
        info.flags = VMA_ALLOCATION_CREATE_HOST_ACCESS_RANDOM_BIT | VMA_ALLOCATION_CREATE_MAPPED_BIT;
        break;
    }
    if (!over_subscription) info.flags |= VMA_ALLOCATION_CREATE_WITHIN_BUDGET_BIT;
    return info;
}

} // namespace

Allocator::Allocator(const AllocatorBuilder &builder)
    : m_device(builder.m_device)
    , m_over_subscription(builder.m_over_subscription)
    , m_max_buffer_size(m_device->physical_device().memory_limits().max_buffer_size.value_or(
          std::numeric_limits<vk::DeviceSize>::max()))
    , m_dedicated_threshold(builder.m_block_size.value_or(default_block_size) / 2)
    , m_defragmentation_gate(std::make_unique<detail::DefragmentationGate>())
    , m_pending_work(std::make_unique<detail::PendingWork>(*m_device)) {
    const Instance &instance = *m_device->instance();
    const auto &memory = m_device->physical_device().memory_properties();
    m_smallest_heap = std::numeric_limits<vk::DeviceSize>::max();
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        m_smallest_heap = std::min(m_smallest_heap, memory.memoryHeaps[i].size);
    }
    m_unified_memory = detail::is_unified_memory(memory);
    m_resizable_bar = !m_unified_memory && detail::has_resizable_bar(memory);
    for (std::size_t i = 0; i < m_allocation_create_infos.size(); ++i) {
        m_allocation_create_infos[i] = memory_policy(static_cast<HostAccess>(i), m_unified_memory,
                                                     m_resizable_bar, m_over_subscription);
    }
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        m_memory_type_flags[i] = memory.memoryTypes[i].propertyFlags;
    }
    for (const Queue *queue : m_device->queues()) m_queue_families.push_back(queue->family_index());
    std::sort(m_queue_families.begin(), m_queue_families.end());
    m_queue_families.erase(std::unique(m_queue_families.begin(), m_queue_families.end()),
                           m_queue_families.end());

    VmaVulkanFunctions functions{};
    functions.vkGetInstanceProcAddr = vkGetInstanceProcAddr;
    functions.vkGetDeviceProcAddr = vkGetDeviceProcAddr;

    VmaAllocatorCreateInfo info{};
    info.physicalDevice = m_device->physical_device().handle();
    info.device = m_device->handle();
    info.instance = instance.handle();
    info.vulkanApiVersion = m_device->api_version();
    info.pVulkanFunctions = &functions;
    info.preferredLargeHeapBlockSize = builder.m_block_size.value_or(0); // 0: VMA's default
    if (m_device->has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME)) {
        info.flags |= VMA_ALLOCATOR_CREATE_EXT_MEMORY_BUDGET_BIT;
    }
    if (m_device->buffer_device_address_enabled()) {
        info.flags |= VMA_ALLOCATOR_CREATE_BUFFER_DEVICE_ADDRESS_BIT;
    }
    m_memory_priority = m_device->has_extension(VK_EXT_MEMORY_PRIORITY_EXTENSION_NAME) &&
                        m_device->is_feature_enabled(&vk::PhysicalDeviceMemoryPriorityFeaturesEXT::memoryPriority);
    if (m_memory_priority) info.flags |= VMA_ALLOCATOR_CREATE_EXT_MEMORY_PRIORITY_BIT;
    check(vmaCreateAllocator(&info, &m_allocator), "vmaCreateAllocator");
}

Allocator::~Allocator() { vmaDestroyAllocator(m_allocator); }

const std::shared_ptr<Device> &Allocator::device() const noexcept { return m_device; }

bool Allocator::allows_over_subscription() const noexcept { return m_over_subscription; }

BufferBase Allocator::allocate_buffer(vk::DeviceSize size_bytes, vk::BufferUsageFlags usage,
                                      HostAccess access, std::string_view name) {
    BufferBase created;
    create_buffer(created, size_bytes, usage, access, name);
    return created;
}

void Allocator::create_buffer(BufferBase &into, vk::DeviceSize size_bytes,
                              vk::BufferUsageFlags usage, HostAccess access,
                              std::string_view name, const Pool *pool) {
    using namespace std::string_view_literals;
    const std::string_view operation =
        pool == nullptr ? "Allocator::allocate_buffer"sv : "Pool::allocate_buffer"sv;
    const auto refuse = [operation](const std::string &why) {
        return LogicError(std::string(operation) + ": " + why);
    };
    if (size_bytes == 0) throw refuse("the size is zero");
    if (!usage) throw refuse("the usage is empty");
    if (pool != nullptr) {
        if (access != pool->host_access()) {
            throw refuse("the buffer's host access differs from pool " + pool->label() + "'s");
        }
    } else if (access != HostAccess::None && access != HostAccess::SequentialWrite &&
               access != HostAccess::Random) {
        throw refuse("host access is not a HostAccess value");
    }
    if ((usage & vk::BufferUsageFlagBits::eShaderDeviceAddress) &&
        !m_device->buffer_device_address_enabled()) {
        throw refuse("ShaderDeviceAddressUsage needs the bufferDeviceAddress feature, which " +
                     std::string(m_device->physical_device().name()) + " lacks");
    }
    if (size_bytes > m_max_buffer_size) {
        throw refuse(std::to_string(size_bytes) + " bytes exceed the device's maxBufferSize of " +
                     std::to_string(m_max_buffer_size));
    }
    if (!name.empty()) validate_name(name, operation);
    if (pool != nullptr && size_bytes > pool->block_size()) {
        throw pool->full_error(vk::Result::eErrorOutOfDeviceMemory,
                               "Pool::allocate_buffer (the size exceeds the block size)", size_bytes);
    }

    VkBufferCreateInfo buffer_info = AllocatorInternals::buffer_create_info(*this, size_bytes, usage);

    VmaAllocationCreateInfo allocation_info = m_allocation_create_infos[static_cast<std::size_t>(access)];
    std::shared_ptr<const Allocator> owner;
    if (pool != nullptr) {
        allocation_info.pool = pool->handle();
        // Shares the pool's ownership and points at this allocator: the buffer keeps its pool
        // (and through it the allocator) alive.
        owner = std::shared_ptr<const Allocator>(pool->shared_from_this(), this);
    } else {
        if (size_bytes > m_smallest_heap) [[unlikely]] {
            // VMA would pass a size beyond the whole heap to vkAllocateMemory (invalid usage,
            // and some drivers then succeed); with over-subscription no budget check stops it.
            std::uint32_t memory_type = UINT32_MAX;
            if (vmaFindMemoryTypeIndexForBufferInfo(m_allocator, &buffer_info, &allocation_info,
                                                    &memory_type) == VK_SUCCESS) {
                const auto &memory = m_device->physical_device().memory_properties();
                if (size_bytes > memory.memoryHeaps[memory.memoryTypes[memory_type].heapIndex].size) {
                    throw out_of_memory(vk::Result::eErrorOutOfDeviceMemory, operation, size_bytes,
                                        memory_type, std::source_location::current());
                }
            }
        }
        if (size_bytes > m_dedicated_threshold) {
            // Chosen here rather than left to VMA's size heuristic, so that VMA checks the
            // budget before allocating (it does so only for explicitly dedicated memory).
            allocation_info.flags |= VMA_ALLOCATION_CREATE_DEDICATED_MEMORY_BIT;
        }
        // Taken before anything is allocated: it throws for an allocator not owned by a
        // shared_ptr.
        owner = shared_from_this();
    }
    // Inline test first: the allocation path makes no call for a device that is not lost.
    if (m_device->is_lost()) [[unlikely]] detail::throw_if_lost(*m_device, "vmaCreateBuffer");

    VkBuffer buffer = VK_NULL_HANDLE;
    VmaAllocation allocation = nullptr;
    VmaAllocationInfo info{};
    allocation_info.pUserData = static_cast<Allocation *>(&into); // how defragment() finds it
    detail::GateEntry entry(*m_defragmentation_gate);
    const VkResult result =
        vmaCreateBuffer(m_allocator, &buffer_info, &allocation_info, &buffer, &allocation, &info);
    if (is_out_of_memory(result)) {
        if (pool != nullptr) throw pool->full_error(static_cast<vk::Result>(result), "vmaCreateBuffer", size_bytes);
        // Only to name the heap in the error: if even this fails, the heap stays unnamed.
        std::uint32_t memory_type = UINT32_MAX;
        const VkResult found = vmaFindMemoryTypeIndexForBufferInfo(m_allocator, &buffer_info,
                                                                   &allocation_info, &memory_type);
        if (found != VK_SUCCESS) memory_type = UINT32_MAX;
        throw out_of_memory(static_cast<vk::Result>(result), "vmaCreateBuffer", size_bytes,
                            memory_type, std::source_location::current());
    }
    if (result == VK_ERROR_FEATURE_NOT_PRESENT && pool != nullptr) {
        throw NotSupportedError("Pool::allocate_buffer: the buffer's memory requirements exclude "
                                "memory type " + std::to_string(pool->memory_type_index()) +
                                " of pool " + pool->label());
    }
    check(result, "vmaCreateBuffer");
    into.adopt(std::move(owner), buffer, allocation, size_bytes, usage, access,
               access == HostAccess::None ? nullptr : info.pMappedData,
               detail::may_map(allocation_info.flags, m_memory_type_flags[info.memoryType]));
    entry.leave(); // before any path that frees `into`
    try {
        // After the VMA call: one check covers a failure pending from before and one raised
        // inside it.
        if (detail::vma_assertion_pending()) [[unlikely]] throw_invariant_error(operation);
        if (pool == nullptr && !m_over_subscription && info.offset == 0) [[unlikely]] {
            if (auto error = over_budget(allocation, info, "vmaCreateBuffer",
                                         std::source_location::current())) {
                throw *error;
            }
        }
        if (!name.empty()) {
            set_allocation_name(allocation, name, vk::ObjectType::eBuffer,
                                reinterpret_cast<std::uint64_t>(buffer));
        }
    } catch (...) {
        into = BufferBase(); // frees the buffer: `into` stays empty on failure
        throw;
    }
}

OutOfMemoryError Allocator::out_of_memory(vk::Result result, std::string_view operation,
                                          std::optional<vk::DeviceSize> size_bytes,
                                          std::uint32_t memory_type,
                                          std::source_location location) const {
    const auto &memory = m_device->physical_device().memory_properties();
    if (memory_type >= memory.memoryTypeCount) {
        return OutOfMemoryError(result, operation, size_bytes, std::nullopt, std::nullopt, location);
    }
    const std::uint32_t heap = memory.memoryTypes[memory_type].heapIndex;
    std::array<VmaBudget, VK_MAX_MEMORY_HEAPS> budgets{};
    vmaGetHeapBudgets(m_allocator, budgets.data());
    return OutOfMemoryError(result, operation, size_bytes, heap, budgets[heap].budget, location);
}

VmaAllocationCreateInfo Allocator::allocation_create_info(HostAccess access) const noexcept {
    const auto index = static_cast<std::size_t>(access);
    if (index < m_allocation_create_infos.size()) return m_allocation_create_infos[index];
    VmaAllocationCreateInfo info{};
    if (!m_over_subscription) info.flags |= VMA_ALLOCATION_CREATE_WITHIN_BUDGET_BIT;
    return info;
}

std::optional<OutOfMemoryError> Allocator::over_budget(VmaAllocation allocation,
                                                      const VmaAllocationInfo &info,
                                                      std::string_view operation,
                                                      std::source_location location) const {
    // Dedicated memory always starts at offset 0: the common case is decided without a call.
    if (m_over_subscription || info.offset != 0) return std::nullopt;
    VmaAllocationInfo2 detailed{};
    vmaGetAllocationInfo2(m_allocator, allocation, &detailed);
    if (detailed.dedicatedMemory == VK_FALSE) return std::nullopt;
    const auto &memory = m_device->physical_device().memory_properties();
    const std::uint32_t heap = memory.memoryTypes[info.memoryType].heapIndex;
    std::array<VmaBudget, VK_MAX_MEMORY_HEAPS> budgets{};
    vmaGetHeapBudgets(m_allocator, budgets.data());
    if (budgets[heap].usage <= budgets[heap].budget) return std::nullopt;
    return out_of_memory(vk::Result::eErrorOutOfDeviceMemory, operation, info.size,
                         info.memoryType, location);
}

DefragmentationResult Allocator::defragment(const DefragmentationOptions &options) {
    return detail::Defragmenter(*this, nullptr, options).run();
}

AllocatorStatistics Allocator::statistics() const {
    VmaTotalStatistics raw{};
    vmaCalculateStatistics(m_allocator, &raw);
    std::array<VmaBudget, VK_MAX_MEMORY_HEAPS> budgets{};
    vmaGetHeapBudgets(m_allocator, budgets.data());

    const auto &memory = m_device->physical_device().memory_properties();
    const bool estimate = !m_device->has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    AllocatorStatistics result;
    result.total = to_memory_statistics(raw.total.statistics);
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        HeapStatistics heap;
        heap.heap_index = i;
        heap.heap_size = memory.memoryHeaps[i].size;
        heap.flags = memory.memoryHeaps[i].flags;
        heap.memory = to_memory_statistics(raw.memoryHeap[i].statistics);
        heap.budget_bytes = budgets[i].budget;
        heap.usage_bytes = budgets[i].usage;
        heap.budget_is_estimate = estimate;
        result.heaps.push_back(heap);
    }
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
        MemoryTypeStatistics type;
        type.type_index = i;
        type.heap_index = memory.memoryTypes[i].heapIndex;
        type.flags = memory.memoryTypes[i].propertyFlags;
        type.memory = to_memory_statistics(raw.memoryType[i].statistics);
        result.memory_types.push_back(type);
    }
    const std::scoped_lock lock(m_pools_mutex);
    result.pools.reserve(m_pools.size());
    for (const Pool *pool : m_pools) result.pools.push_back(pool->statistics());
    return result;
}

void Allocator::register_pool(const Pool &pool) {
    const std::scoped_lock lock(m_pools_mutex);
    m_pools.push_back(&pool);
}

void Allocator::unregister_pool(const Pool &pool) noexcept {
    const std::scoped_lock lock(m_pools_mutex);
    std::erase(m_pools, &pool);
}

std::vector<HeapBudget> Allocator::budget() const {
    std::array<VmaBudget, VK_MAX_MEMORY_HEAPS> budgets{};
    vmaGetHeapBudgets(m_allocator, budgets.data());
    const auto &memory = m_device->physical_device().memory_properties();
    const bool estimate = !m_device->has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    std::vector<HeapBudget> result;
    result.reserve(memory.memoryHeapCount);
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        HeapBudget heap;
        heap.heap_index = i;
        heap.heap_size = memory.memoryHeaps[i].size;
        heap.flags = memory.memoryHeaps[i].flags;
        heap.budget_bytes = budgets[i].budget;
        heap.usage_bytes = budgets[i].usage;
        heap.block_bytes = budgets[i].statistics.blockBytes;
        heap.allocation_bytes = budgets[i].statistics.allocationBytes;
        heap.is_estimate = estimate;
        result.push_back(heap);
    }
    return result;
}

std::string Allocator::json(bool detailed_map) const {
    char *raw = nullptr;
    {
        const std::shared_lock names(m_names_mutex);
        vmaBuildStatsString(m_allocator, &raw, detailed_map ? VK_TRUE : VK_FALSE);
    }
    struct Release {
        VmaAllocator allocator;
        char *text;
        ~Release() { vmaFreeStatsString(allocator, text); }
    } release{m_allocator, raw};
    return raw != nullptr ? std::string(raw) : std::string("{}");
}

void Allocator::validate_name(std::string_view name, std::string_view operation) {
    for (std::size_t i = 0; i < name.size();) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x20 || c == 0x7f) {
            throw LogicError(std::string(operation) + ": the name has a control character (code " +
                             std::to_string(c) + ") at byte " + std::to_string(i) +
                             "; names are printable UTF-8 text");
        }
        const std::size_t length = detail::utf8_sequence_length(name, i);
        if (length == 0) {
            throw LogicError(std::string(operation) + ": the name is not valid UTF-8 at byte " +
                             std::to_string(i) + "; names are printable UTF-8 text");
        }
        i += length;
    }
}

void Allocator::set_allocation_name(VmaAllocation allocation, std::string_view name,
                                    vk::ObjectType type, std::uint64_t handle) const {
    if (allocation == nullptr) throw LogicError("Allocator::set_allocation_name: no allocation");
    validate_name(name, "set_name");
    const std::string terminated(name);
    {
        const std::unique_lock names(m_names_mutex);
        vmaSetAllocationName(m_allocator, allocation, name.empty() ? nullptr : terminated.c_str());
    }
    if (type != vk::ObjectType::eUnknown && handle != 0) {
        m_device->set_object_name(type, handle, name);
    }
}

std::string Allocator::allocation_name(VmaAllocation allocation) const {
    if (allocation == nullptr) return {};
    const std::shared_lock names(m_names_mutex);
    VmaAllocationInfo info{};
    vmaGetAllocationInfo(m_allocator, allocation, &info);
    return info.pName != nullptr ? std::string(info.pName) : std::string();
}

bool Allocator::invariant_failure_pending() noexcept { return detail::vma_assertion_pending(); }

void Allocator::throw_invariant_error(std::string_view operation) {
    const auto failure = detail::take_unreported_vma_assertion();
    throw InvariantError(std::string(operation) + ": a VMA assertion failed: " +
                         failure.value_or("(reported concurrently)") +
                         "; VMA's state (or memory the program wrote past its bounds) can no "
                         "longer be trusted");
}

void Allocator::check_corruption() const {
    if (!corruption_detection_enabled()) {
        throw LogicError("Allocator::check_corruption: the library was built without "
                         "VW_CORRUPTION_DETECTION, so VMA writes no guard bytes to check");
    }
    const VkResult result = vmaCheckCorruption(m_allocator, UINT32_MAX);
    // No memory type eligible for margins (none host-visible and coherent): nothing to check.
    if (result == VK_ERROR_FEATURE_NOT_PRESENT) return;
    if (result == VK_ERROR_UNKNOWN) {
        // VMA asserts on what it found; this exception is that report, not a broken invariant.
        detail::acknowledge_vma_assertions();
        throw VulkanException(vk::Result::eErrorUnknown,
                              "vmaCheckCorruption (memory corruption detected: a write went past "
                              "the end or before the start of an allocation)");
    }
    check(result, "vmaCheckCorruption");
}

bool Allocator::corruption_detection_enabled() noexcept { return detail::vma_corruption_detection(); }

AllocatorBuilder::AllocatorBuilder(std::shared_ptr<Instance> instance, std::shared_ptr<Device> device)
    : m_instance(std::move(instance))
    , m_device(std::move(device)) {}

AllocatorBuilder &AllocatorBuilder::setInstance(std::shared_ptr<Instance> instance) {
    m_instance = std::move(instance);
    return *this;
}

AllocatorBuilder &AllocatorBuilder::setDevice(std::shared_ptr<Device> device) {
    m_device = std::move(device);
    return *this;
}

AllocatorBuilder &AllocatorBuilder::setPreferredBlockSize(vk::DeviceSize bytes) {
    m_block_size = bytes;
    return *this;
}

AllocatorBuilder &AllocatorBuilder::allowOverSubscription(bool allow) {
    m_over_subscription = allow;
    return *this;
}

std::shared_ptr<Allocator> AllocatorBuilder::build() const {
    if (!m_instance) throw LogicError("AllocatorBuilder: instance is missing (setInstance)");
    if (!m_device) throw LogicError("AllocatorBuilder: device is missing (setDevice)");
    if (m_block_size && *m_block_size == 0) {
        throw LogicError("AllocatorBuilder: preferredBlockSize is zero (setPreferredBlockSize)");
    }
    if (m_device->instance() != m_instance) {
        throw LogicError("AllocatorBuilder: the device was created from another instance than "
                         "the one given to setInstance");
    }
    return std::shared_ptr<Allocator>(new Allocator(*this));
}

} // namespace vw
