// Vulkan and CUDA on one GPU share a buffer and a timeline semaphore: VulkanWrapper allocates
// the buffer exportable and exports it as an opaque file descriptor, CUDA imports it
// (cuImportExternalMemory) and reads and writes it with cuMemcpy, an exported timeline
// semaphore orders the two sides, and the 1 GiB hand-over (export + import, no copy) is timed
// beside a cuMemcpyDtoD of 1 GiB. The CUDA driver (libcuda.so.1) is loaded at run time: no CUDA
// toolkit is needed to build. Without it, or without a CUDA device matching the Vulkan device,
// the example prints why it skipped and exits with 77 (its test then reports "skipped").
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Memory/ExternalMemory.h>
#include <VulkanWrapper/Synchronization/Semaphore.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>
#include <VulkanWrapper/Vulkan/Queue.h>

namespace {

constexpr int skipped = 77;

// The handful of CUDA driver API declarations used here, laid out as cuda.h has them (CUDA 11
// to 13; the structures end in reserved words the driver expects to be zero).
using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUstream = struct CUstream_st *;
using CUexternalMemory = struct CUextMemory_st *;
using CUexternalSemaphore = struct CUextSemaphore_st *;
using CUdeviceptr = unsigned long long;
struct CUuuid {
    char bytes[16];
};
constexpr int CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD = 1;
constexpr unsigned CUDA_EXTERNAL_MEMORY_DEDICATED = 0x1;
constexpr int CU_EXTERNAL_SEMAPHORE_HANDLE_TYPE_TIMELINE_SEMAPHORE_FD = 9;

struct CUDA_EXTERNAL_MEMORY_HANDLE_DESC {
    int type;
    union {
        int fd;
        struct {
            void *handle;
            const void *name;
        } win32;
        const void *nvSciBufObject;
    } handle;
    unsigned long long size;
    unsigned int flags;
    unsigned int reserved[16];
};
struct CUDA_EXTERNAL_MEMORY_BUFFER_DESC {
    unsigned long long offset;
    unsigned long long size;
    unsigned int flags;
    unsigned int reserved[16];
};
struct CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC {
    int type;
    union {
        int fd;
        struct {
            void *handle;
            const void *name;
        } win32;
        const void *nvSciSyncObj;
    } handle;
    unsigned int flags;
    unsigned int reserved[16];
};
struct CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS {
    struct {
        struct {
            unsigned long long value;
        } fence;
        union {
            void *fence;
            unsigned long long reserved;
        } nvSciSync;
        struct {
            unsigned long long key;
        } keyedMutex;
        unsigned int reserved[12];
    } params;
    unsigned int flags;
    unsigned int reserved[16];
};
struct CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS {
    struct {
        struct {
            unsigned long long value;
        } fence;
        union {
            void *fence;
            unsigned long long reserved;
        } nvSciSync;
        struct {
            unsigned long long key;
            unsigned int timeoutMs;
        } keyedMutex;
        unsigned int reserved[10];
    } params;
    unsigned int flags;
    unsigned int reserved[16];
};
static_assert(sizeof(CUDA_EXTERNAL_MEMORY_HANDLE_DESC) == 104);
static_assert(sizeof(CUDA_EXTERNAL_MEMORY_BUFFER_DESC) == 88);
static_assert(sizeof(CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC) == 96);
static_assert(sizeof(CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS) == 144);
static_assert(sizeof(CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS) == 144);

struct Cuda {
    CUresult (*cuInit)(unsigned);
    CUresult (*cuGetErrorString)(CUresult, const char **);
    CUresult (*cuDeviceGetCount)(int *);
    CUresult (*cuDeviceGet)(CUdevice *, int);
    CUresult (*cuDeviceGetUuid)(CUuuid *, CUdevice);
    CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
    CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
    CUresult (*cuCtxSetCurrent)(CUcontext);
    CUresult (*cuCtxSynchronize)();
    CUresult (*cuMemAlloc)(CUdeviceptr *, std::size_t);
    CUresult (*cuMemFree)(CUdeviceptr);
    CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, std::size_t);
    CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, std::size_t);
    CUresult (*cuMemcpyDtoD)(CUdeviceptr, CUdeviceptr, std::size_t);
    CUresult (*cuImportExternalMemory)(CUexternalMemory *, const CUDA_EXTERNAL_MEMORY_HANDLE_DESC *);
    CUresult (*cuExternalMemoryGetMappedBuffer)(CUdeviceptr *, CUexternalMemory,
                                                const CUDA_EXTERNAL_MEMORY_BUFFER_DESC *);
    CUresult (*cuDestroyExternalMemory)(CUexternalMemory);
    CUresult (*cuImportExternalSemaphore)(CUexternalSemaphore *, const CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC *);
    CUresult (*cuSignalExternalSemaphoresAsync)(const CUexternalSemaphore *,
                                                const CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS *, unsigned, CUstream);
    CUresult (*cuWaitExternalSemaphoresAsync)(const CUexternalSemaphore *,
                                              const CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS *, unsigned, CUstream);
    CUresult (*cuDestroyExternalSemaphore)(CUexternalSemaphore);
};

template <typename Function>
bool load(void *library, const char *name, Function &out) {
    void *symbol = dlsym(library, name);
    if (symbol == nullptr) return false;
    static_assert(sizeof(out) == sizeof(symbol));
    std::memcpy(&out, &symbol, sizeof(out));
    return true;
}

// Loads the driver API; an empty string on success, else why not.
std::string load_cuda(Cuda &cuda) {
    void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char *error = dlerror();
        return std::string("no CUDA driver (libcuda.so.1: ") + (error != nullptr ? error : "not found") + ")";
    }
    // The versioned names are those cuda.h maps the plain ones to.
    const bool all = load(library, "cuInit", cuda.cuInit) && load(library, "cuGetErrorString", cuda.cuGetErrorString) &&
                     load(library, "cuDeviceGetCount", cuda.cuDeviceGetCount) &&
                     load(library, "cuDeviceGet", cuda.cuDeviceGet) &&
                     load(library, "cuDeviceGetUuid_v2", cuda.cuDeviceGetUuid) &&
                     load(library, "cuDevicePrimaryCtxRetain", cuda.cuDevicePrimaryCtxRetain) &&
                     load(library, "cuDevicePrimaryCtxRelease_v2", cuda.cuDevicePrimaryCtxRelease) &&
                     load(library, "cuCtxSetCurrent", cuda.cuCtxSetCurrent) &&
                     load(library, "cuCtxSynchronize", cuda.cuCtxSynchronize) &&
                     load(library, "cuMemAlloc_v2", cuda.cuMemAlloc) && load(library, "cuMemFree_v2", cuda.cuMemFree) &&
                     load(library, "cuMemcpyHtoD_v2", cuda.cuMemcpyHtoD) &&
                     load(library, "cuMemcpyDtoH_v2", cuda.cuMemcpyDtoH) &&
                     load(library, "cuMemcpyDtoD_v2", cuda.cuMemcpyDtoD) &&
                     load(library, "cuImportExternalMemory", cuda.cuImportExternalMemory) &&
                     load(library, "cuExternalMemoryGetMappedBuffer", cuda.cuExternalMemoryGetMappedBuffer) &&
                     load(library, "cuDestroyExternalMemory", cuda.cuDestroyExternalMemory) &&
                     load(library, "cuImportExternalSemaphore", cuda.cuImportExternalSemaphore) &&
                     load(library, "cuSignalExternalSemaphoresAsync", cuda.cuSignalExternalSemaphoresAsync) &&
                     load(library, "cuWaitExternalSemaphoresAsync", cuda.cuWaitExternalSemaphoresAsync) &&
                     load(library, "cuDestroyExternalSemaphore", cuda.cuDestroyExternalSemaphore);
    return all ? std::string() : std::string("libcuda.so.1 lacks a driver API function this example uses");
}

Cuda g_cuda{};

// Throws std::runtime_error naming the call when a CUDA call fails.
void cu(CUresult result, const char *call) {
    if (result == 0) return;
    const char *text = nullptr;
    if (g_cuda.cuGetErrorString(result, &text) != 0 || text == nullptr) text = "unknown error";
    throw std::runtime_error(std::string(call) + " failed: " + text + " (" + std::to_string(result) + ")");
}

// CUDA's view of an exported Vulkan buffer.
struct CudaBuffer {
    CUexternalMemory memory = nullptr;
    CUdeviceptr pointer = 0;
    CudaBuffer() = default;
    CudaBuffer(const CudaBuffer &) = delete;
    CudaBuffer &operator=(const CudaBuffer &) = delete;
    ~CudaBuffer() {
        if (pointer != 0) g_cuda.cuMemFree(pointer);
        if (memory != nullptr) g_cuda.cuDestroyExternalMemory(memory);
    }
};

// Imports `exported` into CUDA; on success CUDA owns the descriptor.
void import_into_cuda(vw::ExportedMemory &exported, CudaBuffer &out) {
    CUDA_EXTERNAL_MEMORY_HANDLE_DESC memory{};
    memory.type = CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD;
    memory.handle.fd = exported.fd.get();
    memory.size = exported.allocation_size;
    memory.flags = exported.dedicated ? CUDA_EXTERNAL_MEMORY_DEDICATED : 0U;
    cu(g_cuda.cuImportExternalMemory(&out.memory, &memory), "cuImportExternalMemory");
    static_cast<void>(exported.fd.release());
    CUDA_EXTERNAL_MEMORY_BUFFER_DESC buffer{};
    buffer.offset = exported.offset;
    buffer.size = exported.buffer_size;
    cu(g_cuda.cuExternalMemoryGetMappedBuffer(&out.pointer, out.memory, &buffer),
       "cuExternalMemoryGetMappedBuffer");
}

std::vector<std::uint32_t> pattern(std::size_t count, std::uint32_t factor, std::uint32_t add) {
    std::vector<std::uint32_t> values(count);
    for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<std::uint32_t>(i) * factor + add;
    return values;
}

using SharedBuffer = vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage>;

int run() {
    auto instance = vw::InstanceBuilder().setDebug().setApplicationName("cuda-interop").build();
    auto device = instance->findGpu().find().build();
    const std::string gpu(device->physical_device().name());

    const std::string missing = load_cuda(g_cuda);
    if (!missing.empty()) {
        std::printf("cuda_interop: skipped: %s\n", missing.c_str());
        return skipped;
    }
    const auto support = vw::ExternalMemory::buffer_support(*device, vk::BufferUsageFlags(SharedBuffer::flags),
                                                            vw::ExternalMemoryHandle::OpaqueFd);
    if (!support.exportable) {
        std::printf("cuda_interop: skipped: %s\n", support.reason.c_str());
        return skipped;
    }
    if (!vw::Semaphore::supports_fd(*device)) {
        std::printf("cuda_interop: skipped: %s cannot export timeline semaphores as file descriptors\n",
                    gpu.c_str());
        return skipped;
    }
    if (g_cuda.cuInit(0) != 0) {
        std::printf("cuda_interop: skipped: cuInit failed (no usable CUDA device)\n");
        return skipped;
    }

    // The CUDA device that is the Vulkan device: same UUID.
    const auto properties = device->physical_device().handle()
                                .getProperties2<vk::PhysicalDeviceProperties2, vk::PhysicalDeviceIDProperties>(
                                    device->dispatcher());
    const auto &uuid = properties.get<vk::PhysicalDeviceIDProperties>().deviceUUID;
    int count = 0;
    cu(g_cuda.cuDeviceGetCount(&count), "cuDeviceGetCount");
    CUdevice cuda_device = -1;
    for (int i = 0; i < count && cuda_device < 0; ++i) {
        CUdevice candidate = 0;
        CUuuid candidate_uuid{};
        cu(g_cuda.cuDeviceGet(&candidate, i), "cuDeviceGet");
        cu(g_cuda.cuDeviceGetUuid(&candidate_uuid, candidate), "cuDeviceGetUuid");
        if (std::memcmp(candidate_uuid.bytes, uuid.data(), sizeof(candidate_uuid.bytes)) == 0) cuda_device = candidate;
    }
    if (cuda_device < 0) {
        std::printf("cuda_interop: skipped: none of the %d CUDA devices is %s (no UUID matches)\n", count,
                    gpu.c_str());
        return skipped;
    }
    CUcontext context = nullptr;
    cu(g_cuda.cuDevicePrimaryCtxRetain(&context, cuda_device), "cuDevicePrimaryCtxRetain");
    struct Release {
        CUdevice device;
        ~Release() { g_cuda.cuDevicePrimaryCtxRelease(device); }
    } release{cuda_device};
    cu(g_cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    std::printf("cuda_interop: %s is CUDA device %d\n", gpu.c_str(), cuda_device);

    auto allocator = vw::AllocatorBuilder(instance, device).build();
    vw::Transfer transfer(device, allocator);
    bool ok = true;

    // 1. The bytes both ways, ordered by an exported timeline semaphore.
    {
        constexpr std::size_t elements = 1 << 18; // 1 MiB
        auto buffer = vw::ExternalMemory::allocate_exportable<SharedBuffer>(*allocator, elements);
        vw::Semaphore timeline = vw::Semaphore::exportable(device, 0);
        CUexternalSemaphore cuda_timeline = nullptr;
        {
            vw::UniqueFd fd = timeline.export_fd();
            CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC desc{};
            desc.type = CU_EXTERNAL_SEMAPHORE_HANDLE_TYPE_TIMELINE_SEMAPHORE_FD;
            desc.handle.fd = fd.get();
            cu(g_cuda.cuImportExternalSemaphore(&cuda_timeline, &desc), "cuImportExternalSemaphore");
            static_cast<void>(fd.release()); // CUDA owns it now
        }
        struct DestroySemaphore {
            CUexternalSemaphore semaphore;
            ~DestroySemaphore() { g_cuda.cuDestroyExternalSemaphore(semaphore); }
        } destroy_semaphore{cuda_timeline};

        const auto from_vulkan = pattern(elements, 3, 1);
        transfer.upload(*buffer, std::span<const std::uint32_t>(from_vulkan));
        vw::ExportedMemory exported = vw::ExternalMemory::export_fd(*buffer);
        CudaBuffer shared;
        import_into_cuda(exported, shared);
        // Vulkan's writes are done: CUDA may read. Signalled by a submission, as finished GPU work
        // would: the 1.3.239 validation layer wrongly rejects a host signal of an exported
        // semaphore (VUID-VkSemaphoreSignalInfo-value-03259, Vulkan-ValidationLayers #8212).
        const vk::SemaphoreSubmitInfo vulkan_done = timeline.submit_info(1);
        const vk::SubmitInfo2 submit({}, {}, {}, vulkan_done);
        device->transfer_queue().submit(std::span(&submit, 1));
        CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS wait{};
        wait.params.fence.value = 1;
        cu(g_cuda.cuWaitExternalSemaphoresAsync(&cuda_timeline, &wait, 1, nullptr), "cuWaitExternalSemaphoresAsync");
        std::vector<std::uint32_t> seen(elements);
        cu(g_cuda.cuMemcpyDtoH(seen.data(), shared.pointer, elements * sizeof(std::uint32_t)), "cuMemcpyDtoH");
        const bool cuda_reads = seen == from_vulkan;

        const auto from_cuda = pattern(elements, 7, 2);
        cu(g_cuda.cuMemcpyHtoD(shared.pointer, from_cuda.data(), elements * sizeof(std::uint32_t)), "cuMemcpyHtoD");
        CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS signal{};
        signal.params.fence.value = 2;
        cu(g_cuda.cuSignalExternalSemaphoresAsync(&cuda_timeline, &signal, 1, nullptr),
           "cuSignalExternalSemaphoresAsync");
        const bool signalled = timeline.wait(2, std::chrono::seconds(10)); // CUDA's writes are done
        const bool vulkan_reads = signalled && transfer.download(*buffer) == from_cuda;
        std::printf("cuda_interop: Vulkan -> CUDA bytes %s, CUDA -> Vulkan bytes %s (timeline %s)\n",
                    cuda_reads ? "equal" : "DIFFER", vulkan_reads ? "equal" : "DIFFER",
                    signalled ? "reached 2" : "TIMED OUT");
        ok = ok && cuda_reads && vulkan_reads;
        cu(g_cuda.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    // 2. The 1 GiB hand-over (export + import + map, no copy) against a 1 GiB cuMemcpyDtoD.
    {
        constexpr std::size_t bytes = std::size_t{1} << 30;
        auto buffer = vw::ExternalMemory::allocate_exportable<SharedBuffer>(*allocator, bytes / sizeof(std::uint32_t));
        const auto start = std::chrono::steady_clock::now();
        vw::ExportedMemory exported = vw::ExternalMemory::export_fd(*buffer);
        CudaBuffer shared;
        import_into_cuda(exported, shared);
        const auto handed = std::chrono::steady_clock::now();
        CUdeviceptr copy = 0;
        cu(g_cuda.cuMemAlloc(&copy, bytes), "cuMemAlloc");
        cu(g_cuda.cuMemcpyDtoD(copy, shared.pointer, bytes), "cuMemcpyDtoD"); // warm-up
        cu(g_cuda.cuCtxSynchronize(), "cuCtxSynchronize");
        const auto copy_start = std::chrono::steady_clock::now();
        cu(g_cuda.cuMemcpyDtoD(copy, shared.pointer, bytes), "cuMemcpyDtoD");
        cu(g_cuda.cuCtxSynchronize(), "cuCtxSynchronize");
        const auto copied = std::chrono::steady_clock::now();
        g_cuda.cuMemFree(copy);
        const double hand_over_ms = std::chrono::duration<double, std::milli>(handed - start).count();
        const double copy_ms = std::chrono::duration<double, std::milli>(copied - copy_start).count();
        std::printf("cuda_interop: 1 GiB hand-over (export_fd + cuImportExternalMemory + map) %.3f ms; "
                    "cuMemcpyDtoD of 1 GiB %.3f ms (%.1f GB/s); hand-over / copy = %.3f\n",
                    hand_over_ms, copy_ms, static_cast<double>(bytes) / (copy_ms * 1e6), hand_over_ms / copy_ms);
    }
    if (instance->validation_error_count() != 0) {
        std::printf("cuda_interop: %llu validation errors\n",
                    static_cast<unsigned long long>(instance->validation_error_count()));
        ok = false;
    }
    std::printf("cuda_interop: %s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}

} // namespace

int main() {
    try {
        return run();
    } catch (const std::exception &error) {
        std::fprintf(stderr, "cuda_interop: %s\n", error.what());
        return 1;
    }
}
