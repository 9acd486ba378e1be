// VK_LAYER_VW_fault_injection: a pass-through Vulkan layer for the tests. It counts the calls of
// every fallible entry point the library uses, fails a chosen call with a chosen result without
// calling down the chain, counts live objects per type, and can play a lost device (waits and
// submissions answer VK_ERROR_DEVICE_LOST after draining the real device, so that destroying
// everything afterwards is valid). Control: FaultControl.h. It sits above the validation layer
// (VK_INSTANCE_LAYERS layers come before the application's), so that the validation layer sees
// only the calls that really happen.

#include "FaultControl.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>

#include <vulkan/vk_layer.h>
#include <vulkan/vulkan.h>

#define VWF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// name, fallible (returns a VkResult the layer may replace)
#define VWF_ENTRIES(X)                                                                             \
    X(vkCreateInstance, 1)                                                                         \
    X(vkDestroyInstance, 0)                                                                        \
    X(vkEnumeratePhysicalDevices, 1)                                                               \
    X(vkEnumerateDeviceExtensionProperties, 1)                                                     \
    X(vkGetPhysicalDeviceImageFormatProperties, 1)                                                 \
    X(vkGetPhysicalDeviceImageFormatProperties2, 1)                                                \
    X(vkGetPhysicalDeviceMemoryProperties, 0)                                                      \
    X(vkGetPhysicalDeviceMemoryProperties2, 0)                                                     \
    X(vkGetPhysicalDeviceFormatProperties, 0)                                                      \
    X(vkGetPhysicalDeviceFormatProperties2, 0)                                                     \
    X(vkCreateDevice, 1)                                                                           \
    X(vkCreateDebugUtilsMessengerEXT, 1)                                                           \
    X(vkDestroyDebugUtilsMessengerEXT, 0)                                                          \
    X(vkDestroyDevice, 0)                                                                          \
    X(vkAllocateMemory, 1)                                                                         \
    X(vkFreeMemory, 0)                                                                             \
    X(vkMapMemory, 1)                                                                              \
    X(vkFlushMappedMemoryRanges, 1)                                                                \
    X(vkInvalidateMappedMemoryRanges, 1)                                                           \
    X(vkBindBufferMemory, 1)                                                                       \
    X(vkBindBufferMemory2, 1)                                                                      \
    X(vkBindImageMemory, 1)                                                                        \
    X(vkBindImageMemory2, 1)                                                                       \
    X(vkCreateBuffer, 1)                                                                           \
    X(vkDestroyBuffer, 0)                                                                          \
    X(vkCreateImage, 1)                                                                            \
    X(vkDestroyImage, 0)                                                                           \
    X(vkCreateImageView, 1)                                                                        \
    X(vkDestroyImageView, 0)                                                                       \
    X(vkCreateCommandPool, 1)                                                                      \
    X(vkDestroyCommandPool, 0)                                                                     \
    X(vkResetCommandPool, 1)                                                                       \
    X(vkAllocateCommandBuffers, 1)                                                                 \
    X(vkFreeCommandBuffers, 0)                                                                     \
    X(vkBeginCommandBuffer, 1)                                                                     \
    X(vkEndCommandBuffer, 1)                                                                       \
    X(vkResetCommandBuffer, 1)                                                                     \
    X(vkCreateFence, 1)                                                                            \
    X(vkDestroyFence, 0)                                                                           \
    X(vkResetFences, 1)                                                                            \
    X(vkGetFenceStatus, 1)                                                                         \
    X(vkWaitForFences, 1)                                                                          \
    X(vkCreateSemaphore, 1)                                                                        \
    X(vkDestroySemaphore, 0)                                                                       \
    X(vkWaitSemaphores, 1)                                                                         \
    X(vkSignalSemaphore, 1)                                                                        \
    X(vkGetSemaphoreCounterValue, 1)                                                               \
    X(vkQueueSubmit, 1)                                                                            \
    X(vkQueueSubmit2, 1)                                                                           \
    X(vkQueueWaitIdle, 1)                                                                          \
    X(vkDeviceWaitIdle, 1)                                                                         \
    X(vkSetDebugUtilsObjectNameEXT, 1)                                                             \
    X(vkGetMemoryFdKHR, 1)                                                                         \
    X(vkGetMemoryFdPropertiesKHR, 1)                                                               \
    X(vkGetMemoryHostPointerPropertiesEXT, 1)                                                      \
    X(vkGetSemaphoreFdKHR, 1)                                                                      \
    X(vkImportSemaphoreFdKHR, 1)

enum Entry : int {
#define X(name, fallible) e_##name,
    VWF_ENTRIES(X)
#undef X
        entry_count
};

constexpr const char *entry_names[] = {
#define X(name, fallible) #name,
    VWF_ENTRIES(X)
#undef X
};
constexpr bool entry_fallible[] = {
#define X(name, fallible) fallible != 0,
    VWF_ENTRIES(X)
#undef X
};

#define VWF_TYPES(X)                                                                               \
    X(VkInstance) X(VkDevice) X(VkDebugUtilsMessengerEXT) X(VkDeviceMemory) X(VkBuffer) X(VkImage) \
    X(VkImageView) X(VkCommandPool) X(VkCommandBuffer) X(VkFence) X(VkSemaphore)

enum Type : int {
#define X(name) t_##name,
    VWF_TYPES(X)
#undef X
        type_count
};
constexpr const char *type_names[] = {
#define X(name) #name,
    VWF_TYPES(X)
#undef X
};

std::atomic<std::uint64_t> g_calls[entry_count];
std::atomic<std::uint64_t> g_fallible_calls{0};
std::atomic<std::int64_t> g_live[type_count];

// The armed injection: target entry (-1: any fallible), absolute call number, result.
std::mutex g_arm_mutex;
bool g_armed = false;
int g_target = -1;
std::uint64_t g_target_call = 0;
VkResult g_result = VK_SUCCESS;
bool g_sticky = false;
std::atomic<bool> g_any_armed{false};
std::atomic<std::uint64_t> g_fired{0};
std::atomic<int> g_last_fired{-1};
std::atomic<bool> g_lost{false};
std::atomic<VkMemoryPropertyFlags> g_hidden_memory_properties{0};
// vwfault_hide_format_features: the format (VK_FORMAT_UNDEFINED: none) and the features hidden.
std::mutex g_hidden_mutex;
VkFormat g_hidden_format = VK_FORMAT_UNDEFINED;
VkFormatFeatureFlags g_hidden_features = 0;

int find_entry(std::string_view name) {
    for (int i = 0; i < entry_count; ++i) {
        if (name == entry_names[i]) return i;
    }
    return -2;
}

// Counts the call; returns the result to inject, or VK_SUCCESS to call down.
VkResult count(Entry entry) {
    const std::uint64_t own = g_calls[entry].fetch_add(1, std::memory_order_relaxed) + 1;
    if (!entry_fallible[entry]) return VK_SUCCESS;
    const std::uint64_t any = g_fallible_calls.fetch_add(1, std::memory_order_relaxed) + 1;
    if (!g_any_armed.load(std::memory_order_acquire)) return VK_SUCCESS;
    std::lock_guard lock(g_arm_mutex);
    if (!g_armed) return VK_SUCCESS;
    const bool hit = g_target < 0 ? any == g_target_call : (g_target == entry && own == g_target_call);
    if (!hit) return VK_SUCCESS;
    g_armed = false;
    g_any_armed.store(false, std::memory_order_release);
    g_fired.fetch_add(1);
    g_last_fired.store(entry);
    if (g_sticky && g_result == VK_ERROR_DEVICE_LOST) g_lost.store(true);
    return g_result;
}

void created(Type type, std::int64_t n = 1) { g_live[type].fetch_add(n, std::memory_order_relaxed); }
void destroyed(Type type, std::int64_t n = 1) { g_live[type].fetch_sub(n, std::memory_order_relaxed); }

void *key_of(const void *dispatchable) { return *static_cast<void *const *>(dispatchable); }

struct InstanceData {
    VkInstance handle = VK_NULL_HANDLE;
    PFN_vkGetInstanceProcAddr gipa = nullptr;
    PFN_vkVoidFunction next[entry_count] = {};
};
struct DeviceData {
    VkDevice handle = VK_NULL_HANDLE;
    PFN_vkGetDeviceProcAddr gdpa = nullptr;
    PFN_vkVoidFunction next[entry_count] = {};
    std::mutex pools_mutex;
    std::unordered_map<VkCommandPool, std::int64_t> pool_buffers;
    std::mutex idle_mutex;
};

std::shared_mutex g_map_mutex;
std::unordered_map<void *, InstanceData *> g_instances;
std::unordered_map<void *, DeviceData *> g_devices;

InstanceData *find_instance_data(const void *dispatchable) {
    std::shared_lock lock(g_map_mutex);
    const auto it = g_instances.find(key_of(dispatchable));
    return it == g_instances.end() ? nullptr : it->second;
}
DeviceData *find_device_data(const void *dispatchable) {
    std::shared_lock lock(g_map_mutex);
    const auto it = g_devices.find(key_of(dispatchable));
    return it == g_devices.end() ? nullptr : it->second;
}

// The loader hands the layer's entry points only handles it created through this layer; any
// other is a broken chain with no next function to call.
[[noreturn]] void unknown_handle(const char *kind) {
    std::fprintf(stderr, "vw-fault-layer: a %s this layer did not create reached it\n", kind);
    std::abort();
}
InstanceData *instance_data(const void *dispatchable) {
    if (InstanceData *data = find_instance_data(dispatchable)) return data;
    unknown_handle("VkInstance or VkPhysicalDevice");
}
DeviceData *device_data(const void *dispatchable) {
    if (DeviceData *data = find_device_data(dispatchable)) return data;
    unknown_handle("VkDevice, VkQueue or VkCommandBuffer");
}

template <typename F>
F inext(const void *dispatchable, Entry entry) {
    return reinterpret_cast<F>(instance_data(dispatchable)->next[entry]);
}
template <typename F>
F dnext(DeviceData *data, Entry entry) {
    return reinterpret_cast<F>(data->next[entry]);
}

// A lost device: drains the real device (so that everything may be destroyed afterwards) and
// answers VK_ERROR_DEVICE_LOST.
VkResult lost(DeviceData *data) {
    std::lock_guard lock(data->idle_mutex);
    (void)dnext<PFN_vkDeviceWaitIdle>(data, e_vkDeviceWaitIdle)(data->handle);
    return VK_ERROR_DEVICE_LOST;
}

// Injection on a wait or submit entry point: a device loss drains the device first.
VkResult injected_wait(DeviceData *data, VkResult result) {
    if (result == VK_ERROR_DEVICE_LOST) return lost(data);
    return result;
}

#define VWF_INJECT(entry)                                                                          \
    if (const VkResult injected = count(entry); injected != VK_SUCCESS) return injected

// --- instance level ----------------------------------------------------------------------------

VKAPI_ATTR VkResult VKAPI_CALL CreateInstance(const VkInstanceCreateInfo *info, const VkAllocationCallbacks *allocator,
                                              VkInstance *instance) {
    VWF_INJECT(e_vkCreateInstance);
    auto *chain = static_cast<VkLayerInstanceCreateInfo *>(const_cast<void *>(info->pNext));
    while (chain && !(chain->sType == VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO && chain->function == VK_LAYER_LINK_INFO)) {
        chain = static_cast<VkLayerInstanceCreateInfo *>(const_cast<void *>(chain->pNext));
    }
    if (!chain) return VK_ERROR_INITIALIZATION_FAILED;
    const PFN_vkGetInstanceProcAddr gipa = chain->u.pLayerInfo->pfnNextGetInstanceProcAddr;
    chain->u.pLayerInfo = chain->u.pLayerInfo->pNext;
    const auto create = reinterpret_cast<PFN_vkCreateInstance>(gipa(VK_NULL_HANDLE, "vkCreateInstance"));
    const VkResult result = create(info, allocator, instance);
    if (result != VK_SUCCESS) return result;
    auto *data = new InstanceData;
    data->handle = *instance;
    data->gipa = gipa;
    for (int i = 0; i < entry_count; ++i) data->next[i] = gipa(*instance, entry_names[i]);
    {
        std::unique_lock lock(g_map_mutex);
        g_instances[key_of(*instance)] = data;
    }
    created(t_VkInstance);
    return result;
}

VKAPI_ATTR void VKAPI_CALL DestroyInstance(VkInstance instance, const VkAllocationCallbacks *allocator) {
    count(e_vkDestroyInstance);
    if (instance == VK_NULL_HANDLE) return;
    InstanceData *data = nullptr;
    {
        std::unique_lock lock(g_map_mutex);
        const auto it = g_instances.find(key_of(instance));
        if (it == g_instances.end()) return;
        data = it->second;
        g_instances.erase(it);
    }
    reinterpret_cast<PFN_vkDestroyInstance>(data->next[e_vkDestroyInstance])(instance, allocator);
    delete data;
    destroyed(t_VkInstance);
}

VKAPI_ATTR VkResult VKAPI_CALL EnumeratePhysicalDevices(VkInstance instance, std::uint32_t *count_out,
                                                        VkPhysicalDevice *devices) {
    VWF_INJECT(e_vkEnumeratePhysicalDevices);
    return inext<PFN_vkEnumeratePhysicalDevices>(instance, e_vkEnumeratePhysicalDevices)(instance, count_out, devices);
}

constexpr const char *layer_name = "VK_LAYER_VW_fault_injection";

VKAPI_ATTR VkResult VKAPI_CALL EnumerateDeviceExtensionProperties(VkPhysicalDevice physical, const char *layer,
                                                                  std::uint32_t *count_out,
                                                                  VkExtensionProperties *properties) {
    if (layer && std::strcmp(layer, layer_name) == 0) {
        *count_out = 0;
        return VK_SUCCESS;
    }
    VWF_INJECT(e_vkEnumerateDeviceExtensionProperties);
    return inext<PFN_vkEnumerateDeviceExtensionProperties>(physical, e_vkEnumerateDeviceExtensionProperties)(
        physical, layer, count_out, properties);
}

VKAPI_ATTR VkResult VKAPI_CALL GetPhysicalDeviceImageFormatProperties(VkPhysicalDevice physical, VkFormat format,
                                                                      VkImageType type, VkImageTiling tiling,
                                                                      VkImageUsageFlags usage, VkImageCreateFlags flags,
                                                                      VkImageFormatProperties *properties) {
    VWF_INJECT(e_vkGetPhysicalDeviceImageFormatProperties);
    return inext<PFN_vkGetPhysicalDeviceImageFormatProperties>(physical, e_vkGetPhysicalDeviceImageFormatProperties)(
        physical, format, type, tiling, usage, flags, properties);
}

VKAPI_ATTR VkResult VKAPI_CALL GetPhysicalDeviceImageFormatProperties2(VkPhysicalDevice physical,
                                                                       const VkPhysicalDeviceImageFormatInfo2 *info,
                                                                       VkImageFormatProperties2 *properties) {
    VWF_INJECT(e_vkGetPhysicalDeviceImageFormatProperties2);
    return inext<PFN_vkGetPhysicalDeviceImageFormatProperties2>(physical, e_vkGetPhysicalDeviceImageFormatProperties2)(
        physical, info, properties);
}

// The memory property flags vwfault_hide_memory_properties names are reported on no memory type
// (no host-coherent type: the allocator above flushes and invalidates; no host-cached one: it
// reads through copies). The memory itself is unchanged.
void hide_memory_properties(VkPhysicalDeviceMemoryProperties &properties) {
    const VkMemoryPropertyFlags hidden = g_hidden_memory_properties.load();
    if (hidden == 0) return;
    for (std::uint32_t i = 0; i < properties.memoryTypeCount; ++i) properties.memoryTypes[i].propertyFlags &= ~hidden;
}

VKAPI_ATTR void VKAPI_CALL GetPhysicalDeviceMemoryProperties(VkPhysicalDevice physical,
                                                             VkPhysicalDeviceMemoryProperties *properties) {
    count(e_vkGetPhysicalDeviceMemoryProperties);
    inext<PFN_vkGetPhysicalDeviceMemoryProperties>(physical, e_vkGetPhysicalDeviceMemoryProperties)(physical, properties);
    hide_memory_properties(*properties);
}

VKAPI_ATTR void VKAPI_CALL GetPhysicalDeviceMemoryProperties2(VkPhysicalDevice physical,
                                                              VkPhysicalDeviceMemoryProperties2 *properties) {
    count(e_vkGetPhysicalDeviceMemoryProperties2);
    inext<PFN_vkGetPhysicalDeviceMemoryProperties2>(physical, e_vkGetPhysicalDeviceMemoryProperties2)(physical,
                                                                                                      properties);
    hide_memory_properties(properties->memoryProperties);
}

// While vwfault_hide_format_features is in effect, the chosen format reports fewer features
// (optimal, linear and buffer alike); the device still has them.
void hide_features(VkFormat format, VkFormatProperties &properties) {
    std::lock_guard lock(g_hidden_mutex);
    if (g_hidden_format == VK_FORMAT_UNDEFINED || format != g_hidden_format) return;
    properties.optimalTilingFeatures &= ~g_hidden_features;
    properties.linearTilingFeatures &= ~g_hidden_features;
    properties.bufferFeatures &= ~g_hidden_features;
}

VKAPI_ATTR void VKAPI_CALL GetPhysicalDeviceFormatProperties(VkPhysicalDevice physical, VkFormat format,
                                                             VkFormatProperties *properties) {
    count(e_vkGetPhysicalDeviceFormatProperties);
    inext<PFN_vkGetPhysicalDeviceFormatProperties>(physical, e_vkGetPhysicalDeviceFormatProperties)(physical, format,
                                                                                                    properties);
    hide_features(format, *properties);
}

VKAPI_ATTR void VKAPI_CALL GetPhysicalDeviceFormatProperties2(VkPhysicalDevice physical, VkFormat format,
                                                              VkFormatProperties2 *properties) {
    count(e_vkGetPhysicalDeviceFormatProperties2);
    inext<PFN_vkGetPhysicalDeviceFormatProperties2>(physical, e_vkGetPhysicalDeviceFormatProperties2)(physical, format,
                                                                                                      properties);
    hide_features(format, properties->formatProperties);
}

VKAPI_ATTR VkResult VKAPI_CALL CreateDebugUtilsMessengerEXT(VkInstance instance,
                                                            const VkDebugUtilsMessengerCreateInfoEXT *info,
                                                            const VkAllocationCallbacks *allocator,
                                                            VkDebugUtilsMessengerEXT *messenger) {
    VWF_INJECT(e_vkCreateDebugUtilsMessengerEXT);
    const VkResult result = inext<PFN_vkCreateDebugUtilsMessengerEXT>(instance, e_vkCreateDebugUtilsMessengerEXT)(
        instance, info, allocator, messenger);
    if (result == VK_SUCCESS) created(t_VkDebugUtilsMessengerEXT);
    return result;
}

VKAPI_ATTR void VKAPI_CALL DestroyDebugUtilsMessengerEXT(VkInstance instance, VkDebugUtilsMessengerEXT messenger,
                                                         const VkAllocationCallbacks *allocator) {
    count(e_vkDestroyDebugUtilsMessengerEXT);
    inext<PFN_vkDestroyDebugUtilsMessengerEXT>(instance, e_vkDestroyDebugUtilsMessengerEXT)(instance, messenger, allocator);
    if (messenger != VK_NULL_HANDLE) destroyed(t_VkDebugUtilsMessengerEXT);
}

VKAPI_ATTR VkResult VKAPI_CALL CreateDevice(VkPhysicalDevice physical, const VkDeviceCreateInfo *info,
                                            const VkAllocationCallbacks *allocator, VkDevice *device) {
    VWF_INJECT(e_vkCreateDevice);
    auto *chain = static_cast<VkLayerDeviceCreateInfo *>(const_cast<void *>(info->pNext));
    while (chain && !(chain->sType == VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO && chain->function == VK_LAYER_LINK_INFO)) {
        chain = static_cast<VkLayerDeviceCreateInfo *>(const_cast<void *>(chain->pNext));
    }
    if (!chain) return VK_ERROR_INITIALIZATION_FAILED;
    const PFN_vkGetInstanceProcAddr gipa = chain->u.pLayerInfo->pfnNextGetInstanceProcAddr;
    const PFN_vkGetDeviceProcAddr gdpa = chain->u.pLayerInfo->pfnNextGetDeviceProcAddr;
    chain->u.pLayerInfo = chain->u.pLayerInfo->pNext;
    InstanceData *instance = instance_data(physical);
    const auto create = reinterpret_cast<PFN_vkCreateDevice>(gipa(instance->handle, "vkCreateDevice"));
    const VkResult result = create(physical, info, allocator, device);
    if (result != VK_SUCCESS) return result;
    auto *data = new DeviceData;
    data->handle = *device;
    data->gdpa = gdpa;
    for (int i = 0; i < entry_count; ++i) data->next[i] = gdpa(*device, entry_names[i]);
    {
        std::unique_lock lock(g_map_mutex);
        g_devices[key_of(*device)] = data;
    }
    created(t_VkDevice);
    return result;
}

// --- device level ------------------------------------------------------------------------------

VKAPI_ATTR void VKAPI_CALL DestroyDevice(VkDevice device, const VkAllocationCallbacks *allocator) {
    count(e_vkDestroyDevice);
    if (device == VK_NULL_HANDLE) return;
    DeviceData *data = nullptr;
    {
        std::unique_lock lock(g_map_mutex);
        const auto it = g_devices.find(key_of(device));
        if (it == g_devices.end()) return;
        data = it->second;
        g_devices.erase(it);
    }
    dnext<PFN_vkDestroyDevice>(data, e_vkDestroyDevice)(device, allocator);
    delete data;
    destroyed(t_VkDevice);
}

VKAPI_ATTR VkResult VKAPI_CALL AllocateMemory(VkDevice device, const VkMemoryAllocateInfo *info,
                                              const VkAllocationCallbacks *allocator, VkDeviceMemory *memory) {
    VWF_INJECT(e_vkAllocateMemory);
    const VkResult result =
        dnext<PFN_vkAllocateMemory>(device_data(device), e_vkAllocateMemory)(device, info, allocator, memory);
    if (result == VK_SUCCESS) created(t_VkDeviceMemory);
    return result;
}

VKAPI_ATTR void VKAPI_CALL FreeMemory(VkDevice device, VkDeviceMemory memory, const VkAllocationCallbacks *allocator) {
    count(e_vkFreeMemory);
    dnext<PFN_vkFreeMemory>(device_data(device), e_vkFreeMemory)(device, memory, allocator);
    if (memory != VK_NULL_HANDLE) destroyed(t_VkDeviceMemory);
}

VKAPI_ATTR VkResult VKAPI_CALL MapMemory(VkDevice device, VkDeviceMemory memory, VkDeviceSize offset,
                                         VkDeviceSize size, VkMemoryMapFlags flags, void **data) {
    VWF_INJECT(e_vkMapMemory);
    return dnext<PFN_vkMapMemory>(device_data(device), e_vkMapMemory)(device, memory, offset, size, flags, data);
}

VKAPI_ATTR VkResult VKAPI_CALL FlushMappedMemoryRanges(VkDevice device, std::uint32_t n, const VkMappedMemoryRange *ranges) {
    VWF_INJECT(e_vkFlushMappedMemoryRanges);
    return dnext<PFN_vkFlushMappedMemoryRanges>(device_data(device), e_vkFlushMappedMemoryRanges)(device, n, ranges);
}

VKAPI_ATTR VkResult VKAPI_CALL InvalidateMappedMemoryRanges(VkDevice device, std::uint32_t n,
                                                            const VkMappedMemoryRange *ranges) {
    VWF_INJECT(e_vkInvalidateMappedMemoryRanges);
    return dnext<PFN_vkInvalidateMappedMemoryRanges>(device_data(device), e_vkInvalidateMappedMemoryRanges)(device, n,
                                                                                                            ranges);
}

VKAPI_ATTR VkResult VKAPI_CALL BindBufferMemory(VkDevice device, VkBuffer buffer, VkDeviceMemory memory, VkDeviceSize offset) {
    VWF_INJECT(e_vkBindBufferMemory);
    return dnext<PFN_vkBindBufferMemory>(device_data(device), e_vkBindBufferMemory)(device, buffer, memory, offset);
}

VKAPI_ATTR VkResult VKAPI_CALL BindBufferMemory2(VkDevice device, std::uint32_t n, const VkBindBufferMemoryInfo *infos) {
    VWF_INJECT(e_vkBindBufferMemory2);
    return dnext<PFN_vkBindBufferMemory2>(device_data(device), e_vkBindBufferMemory2)(device, n, infos);
}

VKAPI_ATTR VkResult VKAPI_CALL BindImageMemory(VkDevice device, VkImage image, VkDeviceMemory memory, VkDeviceSize offset) {
    VWF_INJECT(e_vkBindImageMemory);
    return dnext<PFN_vkBindImageMemory>(device_data(device), e_vkBindImageMemory)(device, image, memory, offset);
}

VKAPI_ATTR VkResult VKAPI_CALL BindImageMemory2(VkDevice device, std::uint32_t n, const VkBindImageMemoryInfo *infos) {
    VWF_INJECT(e_vkBindImageMemory2);
    return dnext<PFN_vkBindImageMemory2>(device_data(device), e_vkBindImageMemory2)(device, n, infos);
}

#define VWF_CREATE_DESTROY(Name, HandleType, InfoType)                                             \
    VKAPI_ATTR VkResult VKAPI_CALL Create##Name(VkDevice device, const InfoType *info,              \
                                                const VkAllocationCallbacks *allocator, HandleType *out) { \
        VWF_INJECT(e_vkCreate##Name);                                                              \
        const VkResult result =                                                                    \
            dnext<PFN_vkCreate##Name>(device_data(device), e_vkCreate##Name)(device, info, allocator, out); \
        if (result == VK_SUCCESS) created(t_##HandleType);                                         \
        return result;                                                                             \
    }                                                                                              \
    VKAPI_ATTR void VKAPI_CALL Destroy##Name(VkDevice device, HandleType handle,                    \
                                             const VkAllocationCallbacks *allocator) {             \
        count(e_vkDestroy##Name);                                                                  \
        dnext<PFN_vkDestroy##Name>(device_data(device), e_vkDestroy##Name)(device, handle, allocator); \
        if (handle != VK_NULL_HANDLE) destroyed(t_##HandleType);                                   \
    }

VWF_CREATE_DESTROY(Buffer, VkBuffer, VkBufferCreateInfo)
VWF_CREATE_DESTROY(Image, VkImage, VkImageCreateInfo)
VWF_CREATE_DESTROY(ImageView, VkImageView, VkImageViewCreateInfo)
VWF_CREATE_DESTROY(Fence, VkFence, VkFenceCreateInfo)
VWF_CREATE_DESTROY(Semaphore, VkSemaphore, VkSemaphoreCreateInfo)

VKAPI_ATTR VkResult VKAPI_CALL CreateCommandPool(VkDevice device, const VkCommandPoolCreateInfo *info,
                                                 const VkAllocationCallbacks *allocator, VkCommandPool *pool) {
    VWF_INJECT(e_vkCreateCommandPool);
    DeviceData *data = device_data(device);
    const VkResult result = dnext<PFN_vkCreateCommandPool>(data, e_vkCreateCommandPool)(device, info, allocator, pool);
    if (result == VK_SUCCESS) created(t_VkCommandPool);
    return result;
}

VKAPI_ATTR void VKAPI_CALL DestroyCommandPool(VkDevice device, VkCommandPool pool, const VkAllocationCallbacks *allocator) {
    count(e_vkDestroyCommandPool);
    DeviceData *data = device_data(device);
    dnext<PFN_vkDestroyCommandPool>(data, e_vkDestroyCommandPool)(device, pool, allocator);
    if (pool == VK_NULL_HANDLE) return;
    destroyed(t_VkCommandPool);
    std::lock_guard lock(data->pools_mutex);
    const auto it = data->pool_buffers.find(pool);
    if (it != data->pool_buffers.end()) {
        destroyed(t_VkCommandBuffer, it->second); // freed with their pool
        data->pool_buffers.erase(it);
    }
}

VKAPI_ATTR VkResult VKAPI_CALL ResetCommandPool(VkDevice device, VkCommandPool pool, VkCommandPoolResetFlags flags) {
    VWF_INJECT(e_vkResetCommandPool);
    return dnext<PFN_vkResetCommandPool>(device_data(device), e_vkResetCommandPool)(device, pool, flags);
}

VKAPI_ATTR VkResult VKAPI_CALL AllocateCommandBuffers(VkDevice device, const VkCommandBufferAllocateInfo *info,
                                                      VkCommandBuffer *buffers) {
    VWF_INJECT(e_vkAllocateCommandBuffers);
    DeviceData *data = device_data(device);
    const VkResult result = dnext<PFN_vkAllocateCommandBuffers>(data, e_vkAllocateCommandBuffers)(device, info, buffers);
    if (result == VK_SUCCESS) {
        created(t_VkCommandBuffer, info->commandBufferCount);
        std::lock_guard lock(data->pools_mutex);
        data->pool_buffers[info->commandPool] += info->commandBufferCount;
    }
    return result;
}

VKAPI_ATTR void VKAPI_CALL FreeCommandBuffers(VkDevice device, VkCommandPool pool, std::uint32_t n,
                                              const VkCommandBuffer *buffers) {
    count(e_vkFreeCommandBuffers);
    DeviceData *data = device_data(device);
    dnext<PFN_vkFreeCommandBuffers>(data, e_vkFreeCommandBuffers)(device, pool, n, buffers);
    std::int64_t freed = 0;
    for (std::uint32_t i = 0; i < n; ++i) freed += buffers[i] != VK_NULL_HANDLE ? 1 : 0;
    destroyed(t_VkCommandBuffer, freed);
    std::lock_guard lock(data->pools_mutex);
    data->pool_buffers[pool] -= freed;
}

VKAPI_ATTR VkResult VKAPI_CALL BeginCommandBuffer(VkCommandBuffer buffer, const VkCommandBufferBeginInfo *info) {
    VWF_INJECT(e_vkBeginCommandBuffer);
    return dnext<PFN_vkBeginCommandBuffer>(device_data(buffer), e_vkBeginCommandBuffer)(buffer, info);
}

VKAPI_ATTR VkResult VKAPI_CALL EndCommandBuffer(VkCommandBuffer buffer) {
    VWF_INJECT(e_vkEndCommandBuffer);
    return dnext<PFN_vkEndCommandBuffer>(device_data(buffer), e_vkEndCommandBuffer)(buffer);
}

VKAPI_ATTR VkResult VKAPI_CALL ResetCommandBuffer(VkCommandBuffer buffer, VkCommandBufferResetFlags flags) {
    VWF_INJECT(e_vkResetCommandBuffer);
    return dnext<PFN_vkResetCommandBuffer>(device_data(buffer), e_vkResetCommandBuffer)(buffer, flags);
}

VKAPI_ATTR VkResult VKAPI_CALL ResetFences(VkDevice device, std::uint32_t n, const VkFence *fences) {
    VWF_INJECT(e_vkResetFences);
    return dnext<PFN_vkResetFences>(device_data(device), e_vkResetFences)(device, n, fences);
}

// Waits and submissions: a lost device answers VK_ERROR_DEVICE_LOST (after draining).
#define VWF_WAIT_PROLOGUE(entry, data)                                                             \
    DeviceData *data = device_data(dispatchable);                                                  \
    if (g_lost.load()) return lost(data);                                                          \
    if (const VkResult injected = count(entry); injected != VK_SUCCESS) return injected_wait(data, injected)

VKAPI_ATTR VkResult VKAPI_CALL GetFenceStatus(VkDevice dispatchable, VkFence fence) {
    VWF_WAIT_PROLOGUE(e_vkGetFenceStatus, data);
    return dnext<PFN_vkGetFenceStatus>(data, e_vkGetFenceStatus)(dispatchable, fence);
}

VKAPI_ATTR VkResult VKAPI_CALL WaitForFences(VkDevice dispatchable, std::uint32_t n, const VkFence *fences,
                                             VkBool32 all, std::uint64_t timeout) {
    VWF_WAIT_PROLOGUE(e_vkWaitForFences, data);
    return dnext<PFN_vkWaitForFences>(data, e_vkWaitForFences)(dispatchable, n, fences, all, timeout);
}

VKAPI_ATTR VkResult VKAPI_CALL WaitSemaphores(VkDevice dispatchable, const VkSemaphoreWaitInfo *info, std::uint64_t timeout) {
    VWF_WAIT_PROLOGUE(e_vkWaitSemaphores, data);
    return dnext<PFN_vkWaitSemaphores>(data, e_vkWaitSemaphores)(dispatchable, info, timeout);
}

VKAPI_ATTR VkResult VKAPI_CALL SignalSemaphore(VkDevice device, const VkSemaphoreSignalInfo *info) {
    VWF_INJECT(e_vkSignalSemaphore);
    return dnext<PFN_vkSignalSemaphore>(device_data(device), e_vkSignalSemaphore)(device, info);
}

VKAPI_ATTR VkResult VKAPI_CALL GetSemaphoreCounterValue(VkDevice dispatchable, VkSemaphore semaphore, std::uint64_t *value) {
    VWF_WAIT_PROLOGUE(e_vkGetSemaphoreCounterValue, data);
    return dnext<PFN_vkGetSemaphoreCounterValue>(data, e_vkGetSemaphoreCounterValue)(dispatchable, semaphore, value);
}

VKAPI_ATTR VkResult VKAPI_CALL QueueSubmit(VkQueue dispatchable, std::uint32_t n, const VkSubmitInfo *submits, VkFence fence) {
    VWF_WAIT_PROLOGUE(e_vkQueueSubmit, data);
    return dnext<PFN_vkQueueSubmit>(data, e_vkQueueSubmit)(dispatchable, n, submits, fence);
}

VKAPI_ATTR VkResult VKAPI_CALL QueueSubmit2(VkQueue dispatchable, std::uint32_t n, const VkSubmitInfo2 *submits, VkFence fence) {
    VWF_WAIT_PROLOGUE(e_vkQueueSubmit2, data);
    return dnext<PFN_vkQueueSubmit2>(data, e_vkQueueSubmit2)(dispatchable, n, submits, fence);
}

VKAPI_ATTR VkResult VKAPI_CALL QueueWaitIdle(VkQueue dispatchable) {
    VWF_WAIT_PROLOGUE(e_vkQueueWaitIdle, data);
    return dnext<PFN_vkQueueWaitIdle>(data, e_vkQueueWaitIdle)(dispatchable);
}

VKAPI_ATTR VkResult VKAPI_CALL DeviceWaitIdle(VkDevice dispatchable) {
    VWF_WAIT_PROLOGUE(e_vkDeviceWaitIdle, data);
    return dnext<PFN_vkDeviceWaitIdle>(data, e_vkDeviceWaitIdle)(dispatchable);
}

VKAPI_ATTR VkResult VKAPI_CALL SetDebugUtilsObjectNameEXT(VkDevice device, const VkDebugUtilsObjectNameInfoEXT *info) {
    VWF_INJECT(e_vkSetDebugUtilsObjectNameEXT);
    return dnext<PFN_vkSetDebugUtilsObjectNameEXT>(device_data(device), e_vkSetDebugUtilsObjectNameEXT)(device, info);
}

// External memory and semaphores: the injected failure is returned before the driver makes
// or takes any descriptor.
VKAPI_ATTR VkResult VKAPI_CALL GetMemoryFdKHR(VkDevice device, const VkMemoryGetFdInfoKHR *info, int *fd) {
    VWF_INJECT(e_vkGetMemoryFdKHR);
    return dnext<PFN_vkGetMemoryFdKHR>(device_data(device), e_vkGetMemoryFdKHR)(device, info, fd);
}

VKAPI_ATTR VkResult VKAPI_CALL GetMemoryFdPropertiesKHR(VkDevice device, VkExternalMemoryHandleTypeFlagBits type,
                                                        int fd, VkMemoryFdPropertiesKHR *properties) {
    VWF_INJECT(e_vkGetMemoryFdPropertiesKHR);
    return dnext<PFN_vkGetMemoryFdPropertiesKHR>(device_data(device), e_vkGetMemoryFdPropertiesKHR)(device, type, fd,
                                                                                                  properties);
}

VKAPI_ATTR VkResult VKAPI_CALL GetMemoryHostPointerPropertiesEXT(VkDevice device, VkExternalMemoryHandleTypeFlagBits type,
                                                                 const void *pointer,
                                                                 VkMemoryHostPointerPropertiesEXT *properties) {
    VWF_INJECT(e_vkGetMemoryHostPointerPropertiesEXT);
    return dnext<PFN_vkGetMemoryHostPointerPropertiesEXT>(device_data(device), e_vkGetMemoryHostPointerPropertiesEXT)(
        device, type, pointer, properties);
}

VKAPI_ATTR VkResult VKAPI_CALL GetSemaphoreFdKHR(VkDevice device, const VkSemaphoreGetFdInfoKHR *info, int *fd) {
    VWF_INJECT(e_vkGetSemaphoreFdKHR);
    return dnext<PFN_vkGetSemaphoreFdKHR>(device_data(device), e_vkGetSemaphoreFdKHR)(device, info, fd);
}

VKAPI_ATTR VkResult VKAPI_CALL ImportSemaphoreFdKHR(VkDevice device, const VkImportSemaphoreFdInfoKHR *info) {
    VWF_INJECT(e_vkImportSemaphoreFdKHR);
    return dnext<PFN_vkImportSemaphoreFdKHR>(device_data(device), e_vkImportSemaphoreFdKHR)(device, info);
}

struct Intercept {
    const char *name;
    PFN_vkVoidFunction function;
    bool device_level;
};

#define VWF_I(name, fn, dev) {#name, reinterpret_cast<PFN_vkVoidFunction>(&fn), dev}
const Intercept intercepts[] = {
    VWF_I(vkCreateInstance, CreateInstance, false),
    VWF_I(vkDestroyInstance, DestroyInstance, false),
    VWF_I(vkEnumeratePhysicalDevices, EnumeratePhysicalDevices, false),
    VWF_I(vkEnumerateDeviceExtensionProperties, EnumerateDeviceExtensionProperties, false),
    VWF_I(vkGetPhysicalDeviceImageFormatProperties, GetPhysicalDeviceImageFormatProperties, false),
    VWF_I(vkGetPhysicalDeviceImageFormatProperties2, GetPhysicalDeviceImageFormatProperties2, false),
    VWF_I(vkGetPhysicalDeviceMemoryProperties, GetPhysicalDeviceMemoryProperties, false),
    VWF_I(vkGetPhysicalDeviceMemoryProperties2, GetPhysicalDeviceMemoryProperties2, false),
    VWF_I(vkGetPhysicalDeviceFormatProperties, GetPhysicalDeviceFormatProperties, false),
    VWF_I(vkGetPhysicalDeviceFormatProperties2, GetPhysicalDeviceFormatProperties2, false),
    VWF_I(vkCreateDevice, CreateDevice, false),
    VWF_I(vkCreateDebugUtilsMessengerEXT, CreateDebugUtilsMessengerEXT, false),
    VWF_I(vkDestroyDebugUtilsMessengerEXT, DestroyDebugUtilsMessengerEXT, false),
    VWF_I(vkDestroyDevice, DestroyDevice, true),
    VWF_I(vkAllocateMemory, AllocateMemory, true),
    VWF_I(vkFreeMemory, FreeMemory, true),
    VWF_I(vkMapMemory, MapMemory, true),
    VWF_I(vkFlushMappedMemoryRanges, FlushMappedMemoryRanges, true),
    VWF_I(vkInvalidateMappedMemoryRanges, InvalidateMappedMemoryRanges, true),
    VWF_I(vkBindBufferMemory, BindBufferMemory, true),
    VWF_I(vkBindBufferMemory2, BindBufferMemory2, true),
    VWF_I(vkBindImageMemory, BindImageMemory, true),
    VWF_I(vkBindImageMemory2, BindImageMemory2, true),
    VWF_I(vkCreateBuffer, CreateBuffer, true),
    VWF_I(vkDestroyBuffer, DestroyBuffer, true),
    VWF_I(vkCreateImage, CreateImage, true),
    VWF_I(vkDestroyImage, DestroyImage, true),
    VWF_I(vkCreateImageView, CreateImageView, true),
    VWF_I(vkDestroyImageView, DestroyImageView, true),
    VWF_I(vkCreateCommandPool, CreateCommandPool, true),
    VWF_I(vkDestroyCommandPool, DestroyCommandPool, true),
    VWF_I(vkResetCommandPool, ResetCommandPool, true),
    VWF_I(vkAllocateCommandBuffers, AllocateCommandBuffers, true),
    VWF_I(vkFreeCommandBuffers, FreeCommandBuffers, true),
    VWF_I(vkBeginCommandBuffer, BeginCommandBuffer, true),
    VWF_I(vkEndCommandBuffer, EndCommandBuffer, true),
    VWF_I(vkResetCommandBuffer, ResetCommandBuffer, true),
    VWF_I(vkCreateFence, CreateFence, true),
    VWF_I(vkDestroyFence, DestroyFence, true),
    VWF_I(vkResetFences, ResetFences, true),
    VWF_I(vkGetFenceStatus, GetFenceStatus, true),
    VWF_I(vkWaitForFences, WaitForFences, true),
    VWF_I(vkCreateSemaphore, CreateSemaphore, true),
    VWF_I(vkDestroySemaphore, DestroySemaphore, true),
    VWF_I(vkWaitSemaphores, WaitSemaphores, true),
    VWF_I(vkSignalSemaphore, SignalSemaphore, true),
    VWF_I(vkGetSemaphoreCounterValue, GetSemaphoreCounterValue, true),
    VWF_I(vkQueueSubmit, QueueSubmit, true),
    VWF_I(vkQueueSubmit2, QueueSubmit2, true),
    VWF_I(vkQueueWaitIdle, QueueWaitIdle, true),
    VWF_I(vkDeviceWaitIdle, DeviceWaitIdle, true),
    VWF_I(vkSetDebugUtilsObjectNameEXT, SetDebugUtilsObjectNameEXT, true),
    VWF_I(vkGetMemoryFdKHR, GetMemoryFdKHR, true),
    VWF_I(vkGetMemoryFdPropertiesKHR, GetMemoryFdPropertiesKHR, true),
    VWF_I(vkGetMemoryHostPointerPropertiesEXT, GetMemoryHostPointerPropertiesEXT, true),
    VWF_I(vkGetSemaphoreFdKHR, GetSemaphoreFdKHR, true),
    VWF_I(vkImportSemaphoreFdKHR, ImportSemaphoreFdKHR, true),
};
static_assert(std::size(intercepts) == entry_count);

const Intercept *find_intercept(const char *name) {
    for (const Intercept &i : intercepts) {
        if (std::strcmp(i.name, name) == 0) return &i;
    }
    return nullptr;
}

} // namespace

VWF_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vwfault_GetDeviceProcAddr(VkDevice device, const char *name);

VWF_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vwfault_GetInstanceProcAddr(VkInstance instance, const char *name) {
    if (std::strcmp(name, "vkGetInstanceProcAddr") == 0)
        return reinterpret_cast<PFN_vkVoidFunction>(&vwfault_GetInstanceProcAddr);
    if (std::strcmp(name, "vkGetDeviceProcAddr") == 0)
        return reinterpret_cast<PFN_vkVoidFunction>(&vwfault_GetDeviceProcAddr);
    if (std::strcmp(name, "vkCreateInstance") == 0) return reinterpret_cast<PFN_vkVoidFunction>(&CreateInstance);
    if (instance == VK_NULL_HANDLE) return nullptr;
    InstanceData *data = find_instance_data(instance);
    if (!data) return nullptr;
    if (const Intercept *intercept = find_intercept(name)) {
        return data->next[find_entry(name)] != nullptr ? intercept->function : nullptr;
    }
    return data->gipa(instance, name);
}

VWF_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vwfault_GetDeviceProcAddr(VkDevice device, const char *name) {
    if (std::strcmp(name, "vkGetDeviceProcAddr") == 0)
        return reinterpret_cast<PFN_vkVoidFunction>(&vwfault_GetDeviceProcAddr);
    DeviceData *data = find_device_data(device);
    if (!data) return nullptr;
    const Intercept *intercept = find_intercept(name);
    if (intercept && intercept->device_level) {
        return data->next[find_entry(name)] != nullptr ? intercept->function : nullptr;
    }
    return data->gdpa(device, name);
}

VWF_EXPORT VKAPI_ATTR VkResult VKAPI_CALL vwfault_NegotiateLoaderLayerInterfaceVersion(VkNegotiateLayerInterface *version) {
    if (version->sType != LAYER_NEGOTIATE_INTERFACE_STRUCT) return VK_ERROR_INITIALIZATION_FAILED;
    if (version->loaderLayerInterfaceVersion > 2) version->loaderLayerInterfaceVersion = 2;
    version->pfnGetInstanceProcAddr = &vwfault_GetInstanceProcAddr;
    version->pfnGetDeviceProcAddr = &vwfault_GetDeviceProcAddr;
    version->pfnGetPhysicalDeviceProcAddr = nullptr;
    return VK_SUCCESS;
}

// --- control -------------------------------------------------------------------------------------

VWF_EXPORT void vwfault_reset() {
    std::lock_guard lock(g_arm_mutex);
    g_armed = false;
    g_any_armed.store(false);
    for (auto &c : g_calls) c.store(0);
    g_fallible_calls.store(0);
    g_fired.store(0);
    g_last_fired.store(-1);
}

VWF_EXPORT int vwfault_arm(const char *entry, std::uint64_t nth, std::int32_t result, int sticky) {
    const int target = (entry == nullptr || *entry == '\0') ? -1 : find_entry(entry);
    if (target == -2 || nth == 0) return -1;
    std::lock_guard lock(g_arm_mutex);
    g_target = target;
    g_target_call = (target < 0 ? g_fallible_calls.load() : g_calls[target].load()) + nth;
    g_result = static_cast<VkResult>(result);
    g_sticky = sticky != 0;
    g_armed = true;
    g_any_armed.store(true, std::memory_order_release);
    return 0;
}

VWF_EXPORT void vwfault_disarm() {
    std::lock_guard lock(g_arm_mutex);
    g_armed = false;
    g_any_armed.store(false);
}

VWF_EXPORT std::uint64_t vwfault_fired() { return g_fired.load(); }

VWF_EXPORT const char *vwfault_last_entry() {
    const int last = g_last_fired.load();
    return last < 0 ? "" : entry_names[last];
}

VWF_EXPORT std::uint64_t vwfault_calls(const char *entry) {
    if (entry == nullptr || *entry == '\0') return g_fallible_calls.load();
    const int index = find_entry(entry);
    return index < 0 ? 0 : g_calls[index].load();
}

VWF_EXPORT std::uint32_t vwfault_entry_count() { return entry_count; }
VWF_EXPORT const char *vwfault_entry_name(std::uint32_t index) { return index < entry_count ? entry_names[index] : ""; }
VWF_EXPORT int vwfault_entry_fallible(std::uint32_t index) { return index < entry_count && entry_fallible[index] ? 1 : 0; }

VWF_EXPORT std::int64_t vwfault_live(const char *type) {
    for (int i = 0; i < type_count; ++i) {
        if (std::strcmp(type, type_names[i]) == 0) return g_live[i].load();
    }
    return -1;
}
VWF_EXPORT std::uint32_t vwfault_type_count() { return type_count; }
VWF_EXPORT const char *vwfault_type_name(std::uint32_t index) { return index < type_count ? type_names[index] : ""; }
VWF_EXPORT void vwfault_clear_lost() { g_lost.store(false); }
VWF_EXPORT int vwfault_lost() { return g_lost.load() ? 1 : 0; }
VWF_EXPORT void vwfault_hide_memory_properties(VkMemoryPropertyFlags flags) { g_hidden_memory_properties.store(flags); }
VWF_EXPORT void vwfault_hide_format_features(std::int32_t format, std::uint32_t features) {
    std::lock_guard lock(g_hidden_mutex);
    g_hidden_format = static_cast<VkFormat>(format);
    g_hidden_features = features;
}
