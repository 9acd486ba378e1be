#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferSlice.h"
#include "VulkanWrapper/Transfer/HostRegistration.h"
#include "VulkanWrapper/Transfer/PendingDownload.h"
#include "VulkanWrapper/Transfer/TransferTicket.h"
#include "VulkanWrapper/Utils/Error.h" // the errors its calls document
#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class Allocator;
class Device;
class Image;
class Queue;
class StagingBufferManager;

namespace detail {
class StagingArena;
} // namespace detail

/// How a Transfer moves data. The defaults suit a discrete GPU; every field has a use on
/// lavapipe too (tests force the staging path there with `direct_access = false`).
struct TransferOptions {
    /// Largest staging chunk: staged uploads and readbacks above 4 MiB (or above this, when it
    /// is smaller) are cut into chunks of at most this, and the CPU copy of chunk i+1 overlaps
    /// the GPU copy of chunk i. LogicError at construction when 0. 16 MiB: four chunks in flight
    /// each way fill the default staging budget exactly, so uploads and readbacks never evict
    /// each other's blocks.
    vk::DeviceSize chunk_bytes = vk::DeviceSize{16} << 20;
    /// Chunks one buffer upload or readback keeps in flight at most; at least 2.
    std::uint32_t staging_slots = 4;
    /// Host-visible staging memory the engine keeps, both directions and every kind of
    /// transfer together. The arena starts empty and grows with the traffic up to this; past
    /// it, a transfer reuses its own blocks in flight, and one that cannot wait (a readback the
    /// caller holds, a transfer larger than the budget) gets staging memory freed once it is
    /// done (at the next transfer call or trim() after that). 0 keeps no staging memory for
    /// later transfers: a block is freed by the first call after its copy is done.
    vk::DeviceSize staging_budget = vk::DeviceSize{128} << 20;
    /// Staging blocks unused for longer than this are freed at the next transfer call (or by
    /// trim(), at once). LogicError at construction when negative.
    std::chrono::milliseconds staging_idle{1000};
    /// Threads that share each memcpy, the calling thread included; 0 picks the hardware's
    /// thread count, at most 16. Where the system gives fewer threads (a process limit), the
    /// Transfer works with those it got (copy_threads() says how many).
    std::uint32_t copy_threads = 0;
    /// Use the device's transfer-only queue family (a DMA engine) when it has one.
    bool use_transfer_queue = true;
    /// Write (and, for host-cached memory, read) a destination directly when its memory is
    /// host-visible — resizable-BAR VRAM, integrated GPUs, lavapipe — instead of staging.
    bool direct_access = true;
    /// Largest upload written directly into device-local memory on a discrete GPU with
    /// resizable BAR (Allocator::resizable_bar()): below it, a host write across the bus beats
    /// a submission's latency; above it, the DMA engine's copy from staging or from registered
    /// memory beats the host's writes (on the H200: host writes cap near 34 GB/s; staged uploads
    /// reached 33 at 4 MiB, 36 at 8 and 35 at 16). Unified memory (integrated GPUs, lavapipe), and
    /// a buffer without TransferDstUsage (which no copy may write), are always written directly.
    vk::DeviceSize direct_write_limit = vk::DeviceSize{4} << 20;
    /// Host memory registered with register_host_memory() that the device may have imported
    /// (pinned) at once; past it, the least recently used registrations are released and
    /// imported again when next used.
    vk::DeviceSize registration_budget = vk::DeviceSize{4} << 30;
    /// How long a wait for the engine's own submissions (a blocking upload or readback, a
    /// ticket's wait(), a staging block's reuse, a TransferBatch's ticket) polls the timeline
    /// before it sleeps in vkWaitSemaphores: a copy that ends within it is seen at once instead
    /// of after the driver's wake-up (on an H200 a 4 KiB readback took 42.9 µs sleeping, 18.8
    /// polling; 200 µs covers copies up to about 8 MiB). A blocking upload, readback or image
    /// copy polls longer while the device copies what it waits for: the time those bytes take
    /// at 16 GB/s in addition, for at most 64 MiB of them (about 4 ms; a 16 MiB upload from
    /// registered memory went from 41 to 47 GB/s on an H200). Costs a busy core for at most
    /// that long per wait; 0 never polls. Negative or above one second is a LogicError.
    std::chrono::microseconds wait_spin{200};
};

/// What a Transfer's staging arena holds now and has done so far (Transfer::staging_statistics).
struct StagingStatistics {
    /// Bytes of staging memory held now (blocks in use and idle ones).
    vk::DeviceSize held_bytes = 0;
    /// The most bytes held at once so far.
    vk::DeviceSize peak_bytes = 0;
    /// Staging blocks held now.
    std::size_t blocks = 0;
    /// Staging buffers allocated so far (each one a VMA allocation).
    std::uint64_t allocations = 0;
    /// Command pools created so far (one per staging block and queue family, on first use).
    std::uint64_t command_pools = 0;
    /// TransferOptions::staging_budget.
    vk::DeviceSize budget_bytes = 0;
};

/// Moves data between host memory and buffers or images, at the speed of the bus: one arena of
/// persistently mapped staging blocks so that CPU copies overlap DMA copies, a persistent pool
/// of copy threads, the transfer-only queue family when the device has one, and direct writes
/// into host-visible device memory when the destination lives there.
///
/// Every staged transfer (buffer and image uploads and readbacks, download_async(), and the
/// StagingBufferManager made from the Transfer) draws on one staging arena, reclaimed on the
/// transfers' timelines: once warm, a transfer allocates no memory and creates no command pool.
///
/// Thread-safe, with one lock per thing that needs one: buffer uploads go one at a time, buffer
/// readbacks one at a time, and neither waits for the other; download_async(), direct
/// host-visible copies and image transfers take neither lock (the arena's lock covers its
/// bookkeeping only, the queue serialises only the submissions themselves). A destination must not
/// be in use by the GPU during a transfer to it. Buffers are shared between the device's queue
/// families (see Allocator::buffer_queue_families), so an uploaded buffer is ready for any
/// queue; images are transferred on the main queue (graphics, else compute) and stay owned by
/// its family.
class Transfer {
public:
    /// Creates the engine for `allocator`'s device. LogicError for null arguments, an
    /// allocator of another device, or invalid options; VulkanException on failure.
    Transfer(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator,
             TransferOptions options = {});
    /// Waits for every transfer in flight, then stops the copy threads; the staging arena goes
    /// with the last PendingDownload that holds a block of it.
    ~Transfer();
    Transfer(const Transfer &) = delete;
    Transfer &operator=(const Transfer &) = delete;

    /// Copies `data` into `buffer` from element `first_element` on; returns when the data is on
    /// the device. Any buffer kind. An empty `data` is a no-op (`first_element` may then equal
    /// the buffer's size). LogicError, with nothing written, when the range does not fit.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void upload(BufferType &buffer, std::span<const typename BufferType::type> data,
                std::size_t first_element = 0) {
        wait_for_upload(upload_async(buffer, data, first_element), data.size_bytes());
    }

    /// upload() after GPU work of the caller's that uses the buffer: as the upload_async() that
    /// takes `waits`, then waits for the device to have the data.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void upload(BufferType &buffer, std::span<const typename BufferType::type> data,
                std::span<const vk::SemaphoreSubmitInfo> waits, std::size_t first_element = 0) {
        wait_for_upload(upload_async(buffer, data, waits, first_element), data.size_bytes());
    }

    /// Like upload(), but returns as soon as `data` has been read (it may be freed then); the
    /// ticket marks when the device has it.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] TransferTicket upload_async(BufferType &buffer,
                                              std::span<const typename BufferType::type> data,
                                              std::size_t first_element = 0) {
        using T = typename BufferType::type;
        check_elements(buffer.size(), first_element, data.size(), "Transfer::upload");
        return upload_bytes_async(buffer, std::as_bytes(data), first_element * sizeof(T));
    }

    /// The whole buffer, read back from the device, in a new vector (reserved, never zero-filled;
    /// a large one's pages asked for as huge pages and faulted in before the copy, on Linux).
    /// A loop reads faster into a vector it keeps: download(buffer, span). Any buffer kind.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] std::vector<typename BufferType::type> download(const BufferType &buffer) {
        return download(buffer, 0, buffer.size());
    }

    /// `count` elements from element `first` on. LogicError when the range does not fit.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] std::vector<typename BufferType::type> download(const BufferType &buffer,
                                                                  std::size_t first,
                                                                  std::size_t count) {
        return download_vector(buffer, {}, first, count);
    }

    /// download() after GPU work of the caller's: the copy (or, for a buffer the host reads
    /// directly, the host's read) waits for every semaphore value of `waits` (a vw::Semaphore's
    /// submit_info(value), a TransferTicket's wait_info()), signalled by submissions made
    /// before this call, and what that work wrote is read back. `count` elements from element
    /// `first` on (the rest of the buffer by default). The vector is filled straight from the
    /// staging memory, never zero-filled first. LogicError when the range does not fit.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] std::vector<typename BufferType::type> download(
        const BufferType &buffer, std::span<const vk::SemaphoreSubmitInfo> waits, std::size_t first = 0,
        std::size_t count = static_cast<std::size_t>(-1)) {
        if (count == static_cast<std::size_t>(-1)) count = first <= buffer.size() ? buffer.size() - first : 0;
        return download_vector(buffer, waits, first, count);
    }

    /// Reads `out.size()` elements from element `first` on into the caller's `out` (a loop can
    /// reuse one vector instead of allocating a new one each time); after `waits`, as above.
    /// Returns when they are there. LogicError when the range does not fit.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void download(const BufferType &buffer, std::span<typename BufferType::type> out, std::size_t first = 0,
                  std::span<const vk::SemaphoreSubmitInfo> waits = {}) {
        using T = typename BufferType::type;
        check_elements(buffer.size(), first, out.size(), "Transfer::download");
        download_bytes(buffer, std::as_writable_bytes(out), first * sizeof(T), waits);
    }

    /// Starts reading back `count` elements from element `first` on (the whole buffer by
    /// default) and returns at once; get() on the result waits and returns them. LogicError
    /// when the range does not fit or a staged copy is needed and the buffer lacks
    /// TransferSrcUsage.
    /// @tparam BufferType a Buffer type (any kind).
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] PendingDownload<typename BufferType::type> download_async(
        const BufferType &buffer, std::size_t first = 0,
        std::size_t count = static_cast<std::size_t>(-1)) {
        using T = typename BufferType::type;
        if (count == static_cast<std::size_t>(-1)) count = first <= buffer.size() ? buffer.size() - first : 0;
        check_elements(buffer.size(), first, count, "Transfer::download_async");
        return PendingDownload<T>(
            start_download(buffer, first * sizeof(T), count * sizeof(T), {}, &detail::make_host_copy<T>));
    }

    /// Copies `data` into a slice of a packed buffer from element `first_element` on; returns
    /// when done. The byte-level upload into the slice's buffer at its offset; LogicError,
    /// nothing written, when the slice is empty or the range leaves it.
    /// @tparam SliceType a vw::BufferSlice specialisation (of a PackedBuffer).
    template <typename SliceType>
        requires std::derived_from<SliceType, BufferSliceBase>
    void upload(SliceType &slice, std::span<const typename SliceType::type> data,
                std::size_t first_element = 0) {
        wait_for_upload(upload_async(slice, data, first_element), data.size_bytes());
    }

    /// Like the slice upload above, but returns as soon as `data` has been read.
    /// @tparam SliceType a vw::BufferSlice specialisation (of a PackedBuffer).
    template <typename SliceType>
        requires std::derived_from<SliceType, BufferSliceBase>
    [[nodiscard]] TransferTicket upload_async(SliceType &slice,
                                              std::span<const typename SliceType::type> data,
                                              std::size_t first_element = 0) {
        using T = typename SliceType::type;
        check_elements(slice.size(), first_element, data.size(), "Transfer::upload");
        return upload_bytes_async(slice.buffer(), std::as_bytes(data),
                                  slice.offset() + first_element * sizeof(T));
    }

    /// The whole slice, read back from the device. LogicError when the slice is empty.
    /// @tparam SliceType a vw::BufferSlice specialisation (of a PackedBuffer).
    template <typename SliceType>
        requires std::derived_from<SliceType, BufferSliceBase>
    [[nodiscard]] std::vector<typename SliceType::type> download(const SliceType &slice) {
        return download(slice, 0, slice.size());
    }

    /// `count` elements of a slice from element `first` on. LogicError when the slice is
    /// empty or the range leaves it.
    /// @tparam SliceType a vw::BufferSlice specialisation (of a PackedBuffer).
    template <typename SliceType>
        requires std::derived_from<SliceType, BufferSliceBase>
    [[nodiscard]] std::vector<typename SliceType::type> download(const SliceType &slice,
                                                                 std::size_t first,
                                                                 std::size_t count) {
        using T = typename SliceType::type;
        check_elements(slice.size(), first, count, "Transfer::download");
        std::vector<T> result;
        result.reserve(count);
        download_appending(slice.buffer(), slice.offset() + first * sizeof(T), count * sizeof(T), sizeof(T), {},
                           reinterpret_cast<std::byte *>(result.data()), &detail::append_elements<T>, &result);
        return result;
    }

    /// download_async() after GPU work of the caller's: the copy waits for every semaphore
    /// value of `waits` (a vw::Semaphore's submit_info(value), a TransferTicket's wait_info()),
    /// and the writes that work made before signalling are what is read back, with the barrier
    /// that makes them visible to the copy or to the host, whichever reads them. The semaphore
    /// values must be signalled by submissions made before this call. LogicError as above.
    /// @tparam BufferType a vw::Buffer specialisation.
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] PendingDownload<typename BufferType::type> download_async(
        const BufferType &buffer, std::span<const vk::SemaphoreSubmitInfo> waits,
        std::size_t first = 0, std::size_t count = static_cast<std::size_t>(-1)) {
        using T = typename BufferType::type;
        if (count == static_cast<std::size_t>(-1)) count = first <= buffer.size() ? buffer.size() - first : 0;
        check_elements(buffer.size(), first, count, "Transfer::download_async");
        return PendingDownload<T>(
            start_download(buffer, first * sizeof(T), count * sizeof(T), waits, &detail::make_host_copy<T>));
    }

    /// Byte-level form of download_async(), waiting for `waits` first when there are any.
    /// LogicError when the buffer
    /// is empty or of another device, the range leaves it, or a staged copy is needed and the
    /// buffer lacks TransferSrcUsage; OutOfMemoryError when no staging memory can be had;
    /// DeviceLostError on device loss.
    [[nodiscard]] PendingDownloadBase download_bytes_async(const BufferBase &buffer,
                                                           vk::DeviceSize offset, vk::DeviceSize size,
                                                           std::span<const vk::SemaphoreSubmitInfo> waits = {});

    /// upload_async() after GPU work of the caller's that uses the buffer: the copy (or, for a
    /// buffer the host writes directly, the host's write) waits for every semaphore value of
    /// `waits` (a vw::Semaphore's submit_info(value), a TransferTicket's wait_info()), signalled
    /// by submissions made before this call. LogicError as for upload_async().
    /// @tparam BufferType a vw::Buffer specialisation.
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    [[nodiscard]] TransferTicket upload_async(BufferType &buffer,
                                              std::span<const typename BufferType::type> data,
                                              std::span<const vk::SemaphoreSubmitInfo> waits,
                                              std::size_t first_element = 0) {
        using T = typename BufferType::type;
        check_elements(buffer.size(), first_element, data.size(), "Transfer::upload");
        return upload_bytes_async(buffer, std::as_bytes(data), first_element * sizeof(T), waits);
    }

    /// Byte-level upload into any buffer at byte `offset`, after `waits`; returns when done.
    /// LogicError, nothing written,
    /// when the buffer is empty or of another device, the range leaves it, or a staged copy is
    /// needed and the buffer lacks TransferDstUsage; OutOfMemoryError when no staging memory can
    /// be had; DeviceLostError on device loss.
    void upload_bytes(BufferBase &buffer, std::span<const std::byte> bytes, vk::DeviceSize offset,
                      std::span<const vk::SemaphoreSubmitInfo> waits = {});
    /// Byte-level asynchronous upload; see upload_async(). Errors as for upload_bytes().
    [[nodiscard]] TransferTicket upload_bytes_async(BufferBase &buffer,
                                                    std::span<const std::byte> bytes,
                                                    vk::DeviceSize offset,
                                                    std::span<const vk::SemaphoreSubmitInfo> waits = {});
    /// Byte-level readback of `out.size()` bytes from byte `offset`, after `waits` (as for
    /// download()); returns when done. Errors as for download_bytes_async().
    void download_bytes(const BufferBase &buffer, std::span<std::byte> out, vk::DeviceSize offset,
                        std::span<const vk::SemaphoreSubmitInfo> waits = {});

    /// Uploads the tightly packed texels of one mip level of one array layer (every aspect
    /// the format has but one: colour, depth or stencil) and leaves that subresource in
    /// `final_layout`. `current_layout` is the subresource's layout now (eUndefined discards
    /// its contents, which the upload replaces anyway). LogicError for a size that does not
    /// match the subresource, a level or layer past the end, an image without
    /// TRANSFER_DST usage, a combined depth-stencil format, or an undefined final layout. The
    /// copy first waits for `waits`, as upload_async() does.
    void upload(Image &image, std::span<const std::byte> texels, MipLevel level, ArrayLayer layer,
                vk::ImageLayout final_layout = vk::ImageLayout::eShaderReadOnlyOptimal,
                vk::ImageLayout current_layout = vk::ImageLayout::eUndefined,
                std::span<const vk::SemaphoreSubmitInfo> waits = {});

    /// Like the image upload above, but returns once `texels` have been read (they may be freed
    /// then); the ticket marks when the subresource is in `final_layout` with the data. The
    /// image must stay alive until then. The copy first waits for `waits` (semaphore values
    /// your earlier submissions signal), so that it follows your own work on the image.
    [[nodiscard]] TransferTicket upload_async(Image &image, std::span<const std::byte> texels,
                                              MipLevel level, ArrayLayer layer,
                                              vk::ImageLayout final_layout = vk::ImageLayout::eShaderReadOnlyOptimal,
                                              vk::ImageLayout current_layout = vk::ImageLayout::eUndefined,
                                              std::span<const vk::SemaphoreSubmitInfo> waits = {});

    /// Reads back one mip level of one array layer, tightly packed; the subresource is in
    /// `layout` and stays in it; the copy first waits for `waits`, as the upload does.
    /// LogicError as for the upload, or for an undefined layout or an image without
    /// TRANSFER_SRC usage.
    [[nodiscard]] std::vector<std::byte> download(const Image &image, MipLevel level,
                                                  ArrayLayer layer, vk::ImageLayout layout,
                                                  std::span<const vk::SemaphoreSubmitInfo> waits = {});

    /// The bytes one mip level of one array layer of `image` occupies, tightly packed.
    /// LogicError for a level the image does not have.
    [[nodiscard]] static vk::DeviceSize subresource_bytes(const Image &image, MipLevel level);

    /// Registers the caller's host memory for zero-copy transfers: uploads from inside it and
    /// readbacks into it (download_bytes(), the download() into a caller's span) that would be
    /// staged are copied by the device straight from and into the memory, without the CPU copy.
    /// The memory is imported now (VK_EXT_external_memory_host: the driver pins its pages,
    /// widened to minImportedHostPointerAlignment; HostRegistration::import_time() says how
    /// long it took), within TransferOptions::registration_budget, evicting the least recently
    /// used registrations not in use. Where the import cannot be made (no extension, the
    /// driver refuses, over the budget) the registration stays and its transfers are staged as
    /// before: HostRegistration::fallback_reason() says why. Uploads that write device memory
    /// directly (host-visible buffers, small ones on resizable BAR, unified memory) do so
    /// still. The memory must outlive the registration and stay unchanged until an
    /// upload_async() from it completes. LogicError for empty memory or memory overlapping a
    /// registration. Thread-safe.
    [[nodiscard]] HostRegistration register_host_memory(std::span<std::byte> memory);
    /// The typed form: registers the bytes of `memory`.
    /// @tparam T a trivially copyable, non-const element type.
    template <typename T>
        requires std::is_trivially_copyable_v<T> && (!std::is_const_v<T>)
    [[nodiscard]] HostRegistration register_host_memory(std::span<T> memory) {
        return register_host_memory(std::as_writable_bytes(memory));
    }
    /// What the registrations hold now and have done so far. Thread-safe.
    [[nodiscard]] RegistrationStatistics registration_statistics() const;

    /// Frees every staging block not in use whose last transfer has completed (the idle policy
    /// does so after TransferOptions::staging_idle); returns the bytes freed. Thread-safe.
    vk::DeviceSize trim();
    /// What the staging arena holds now and has allocated so far. Thread-safe.
    [[nodiscard]] StagingStatistics staging_statistics() const;

    /// The device it transfers on.
    [[nodiscard]] const std::shared_ptr<Device> &device() const noexcept;
    /// The queue buffer transfers run on (the transfer-only one when used).
    [[nodiscard]] Queue &queue() const noexcept;
    /// Threads sharing each memcpy, the caller included: as asked for, or fewer when the system
    /// gave fewer.
    [[nodiscard]] std::uint32_t copy_threads() const noexcept;
    /// The options in force (copy_threads resolved).
    [[nodiscard]] const TransferOptions &options() const noexcept;

private:
    friend class StagingBufferManager;

    // The typed calls' range check (the one every entry point shares), out of line.
    static void check_elements(std::size_t size, std::size_t first, std::size_t count,
                               const char *operation);
    // A blocking buffer upload's wait: polls while the device copies `bytes` (wait_spin).
    void wait_for_upload(const TransferTicket &ticket, std::size_t bytes) const;

    // The vector downloads' one body: `count` elements from `first` on, after `waits`.
    template <typename BufferType>
    [[nodiscard]] std::vector<typename BufferType::type> download_vector(
        const BufferType &buffer, std::span<const vk::SemaphoreSubmitInfo> waits, std::size_t first,
        std::size_t count) {
        using T = typename BufferType::type;
        check_elements(buffer.size(), first, count, "Transfer::download");
        std::vector<T> result;
        result.reserve(count);
        download_appending(buffer, first * sizeof(T), count * sizeof(T), sizeof(T), waits,
                           reinterpret_cast<std::byte *>(result.data()), &detail::append_elements<T>, &result);
        return result;
    }

    // Reads `size` bytes from byte `offset` after `waits`, handing them to `append` in pieces
    // that are whole multiples of `granule`; `reserved` is the storage they will land in
    // (reserved, not yet written), which the readback may prepare (huge pages).
    void download_appending(const BufferBase &buffer, vk::DeviceSize offset, vk::DeviceSize size,
                            std::size_t granule, std::span<const vk::SemaphoreSubmitInfo> waits,
                            std::byte *reserved,
                            void (*append)(void *, const std::byte *, std::size_t), void *context);

    // download_bytes_async() whose bytes, where the host reads the buffer itself, go at once
    // into the HostCopy that `make_host_copy` makes (the vector the typed get() returns).
    [[nodiscard]] PendingDownloadBase start_download(const BufferBase &buffer, vk::DeviceSize offset,
                                                     vk::DeviceSize size,
                                                     std::span<const vk::SemaphoreSubmitInfo> waits,
                                                     detail::HostCopyFactory make_host_copy);

    // The arena, for a StagingBufferManager made from this Transfer.
    [[nodiscard]] const std::shared_ptr<detail::StagingArena> &staging_arena() const noexcept;

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vw
