#include "VulkanWrapper/Memory/Buffer.h"

#include <string>
#include <utility>

#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Vulkan/Device.h"

namespace vw {

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define VW_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VW_ADDRESS_SANITIZER 1
#endif
#endif

#ifdef VW_ADDRESS_SANITIZER
constexpr std::size_t cached_objects = 0; // let AddressSanitizer see every object's lifetime
#else
// Enough for a frame that frees a few thousand buffers (issue 12 measures 2,000) to allocate them
// again without the heap; at most 4,096 x sizeof(BufferBase), about 300 KiB, stay with a thread.
constexpr std::size_t cached_objects = 4096;
#endif

// Freed buffer objects of this thread, linked through their first bytes. Trivially
// destructible, so it stays usable until the thread is gone; `closed` sends objects freed
// after the thread's cleanup (statics at exit, other thread_locals) straight to the heap.
struct FreeObjects {
    void *head;
    std::size_t count;
    bool registered; // the closer below has been set up for this thread
    bool closed;
};
thread_local FreeObjects t_free_objects{nullptr, 0, false, false};

// Returns the cached objects to the heap when the thread ends.
struct FreeObjectsCloser {
    FreeObjectsCloser() = default;
    FreeObjectsCloser(const FreeObjectsCloser &) = delete;
    FreeObjectsCloser &operator=(const FreeObjectsCloser &) = delete;
    ~FreeObjectsCloser() {
        FreeObjects &cache = t_free_objects;
        while (cache.head != nullptr) {
            void *next = *static_cast<void **>(cache.head);
            ::operator delete(cache.head);
            cache.head = next;
        }
        cache.count = 0;
        cache.closed = true;
    }
};
thread_local FreeObjectsCloser t_free_objects_closer;

} // namespace

namespace detail {

void throw_bad_element_count(std::size_t count, std::size_t element_size, const char *operation) {
    if (count == 0) throw LogicError(std::string(operation) + ": the element count is zero");
    throw LogicError(std::string(operation) + ": " + std::to_string(count) + " elements of " +
                     std::to_string(element_size) + " bytes overflow the size type");
}

} // namespace detail

void *BufferBase::operator new(std::size_t size) {
    FreeObjects &cache = t_free_objects;
    if (size == sizeof(BufferBase) && cache.head != nullptr) {
        void *object = cache.head;
        cache.head = *static_cast<void **>(object);
        --cache.count;
        return object;
    }
    return ::operator new(size);
}

void BufferBase::operator delete(void *pointer, std::size_t size) noexcept {
    FreeObjects &cache = t_free_objects;
    if (pointer != nullptr && size == sizeof(BufferBase) && !cache.closed &&
        cache.count < cached_objects) {
        if (!cache.registered) {
            static_cast<void>(&t_free_objects_closer); // registers this thread's cleanup
            cache.registered = true;
        }
        *static_cast<void **>(pointer) = cache.head;
        cache.head = pointer;
        ++cache.count;
        return;
    }
    // Unsized: clang before 19 declares the sized form only with -fsized-deallocation.
    ::operator delete(pointer);
}

BufferBase::BufferBase(BufferBase &&other) noexcept
    : Allocation(std::move(other))
    , m_size_bytes(std::exchange(other.m_size_bytes, 0))
    , m_usage(std::exchange(other.m_usage, {}))
    , m_host_access(std::exchange(other.m_host_access, HostAccess::None))
    , m_mapped(std::exchange(other.m_mapped, nullptr))
    , m_host_mappable(std::exchange(other.m_host_mappable, false))
    , m_allocation_offset(std::exchange(other.m_allocation_offset, 0)) {}

BufferBase &BufferBase::operator=(BufferBase &&other) noexcept {
    if (this != &other) {
        Allocation::operator=(std::move(other));
        m_size_bytes = std::exchange(other.m_size_bytes, 0);
        m_usage = std::exchange(other.m_usage, {});
        m_host_access = std::exchange(other.m_host_access, HostAccess::None);
        m_mapped = std::exchange(other.m_mapped, nullptr);
        m_host_mappable = std::exchange(other.m_host_mappable, false);
        m_allocation_offset = std::exchange(other.m_allocation_offset, 0);
    }
    return *this;
}

BufferBase::~BufferBase() = default;

vk::DeviceAddress BufferBase::device_address() const {
    require_object("device_address");
    if (!(m_usage & vk::BufferUsageFlagBits::eShaderDeviceAddress)) {
        throw LogicError("BufferBase::device_address: the buffer was not created with "
                         "ShaderDeviceAddressUsage");
    }
    const Device &device = *allocator()->device();
    if (!device.buffer_device_address_enabled()) {
        throw LogicError("BufferBase::device_address: the device lacks bufferDeviceAddress");
    }
    const vk::BufferDeviceAddressInfo info(handle());
    return device.handle().getBufferAddress(&info, device.dispatcher());
}

void BufferBase::check_range(vk::DeviceSize offset, vk::DeviceSize size,
                             const char *operation) const {
    if (m_mapped == nullptr) {
        throw LogicError(std::string(operation) +
                         (empty() ? ": the buffer is empty" : ": the buffer is not host-visible"));
    }
    if (offset > m_size_bytes || size > m_size_bytes - offset) {
        throw LogicError(std::string(operation) + ": bytes [" + std::to_string(offset) + ", " +
                         std::to_string(offset) + " + " + std::to_string(size) +
                         ") exceed the buffer's " + std::to_string(m_size_bytes) + " bytes");
    }
}

void BufferBase::flush(vk::DeviceSize offset, vk::DeviceSize size) const {
    check_range(offset, size, "BufferBase::flush");
    if (size == 0) return;
    check(vmaFlushAllocation(allocator()->handle(), allocation(), m_allocation_offset + offset, size),
          "vmaFlushAllocation");
}

void BufferBase::invalidate(vk::DeviceSize offset, vk::DeviceSize size) const {
    check_range(offset, size, "BufferBase::invalidate");
    if (size == 0) return;
    check(vmaInvalidateAllocation(allocator()->handle(), allocation(), m_allocation_offset + offset, size),
          "vmaInvalidateAllocation");
}

void BufferBase::write_bytes(std::span<const std::byte> bytes, vk::DeviceSize offset) {
    check_range(offset, bytes.size(), "BufferBase::write_bytes");
    if (bytes.empty()) return;
    std::memcpy(m_mapped + offset, bytes.data(), bytes.size());
    flush(offset, bytes.size());
}

void BufferBase::read_bytes(std::span<std::byte> out, vk::DeviceSize offset) const {
    check_range(offset, out.size(), "BufferBase::read_bytes");
    if (out.empty()) return;
    invalidate(offset, out.size());
    std::memcpy(out.data(), m_mapped + offset, out.size());
}

} // namespace vw
