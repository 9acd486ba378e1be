#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {

/// A readback in flight, from Transfer::download_async(): the GPU copies into staging memory of
/// its own while you go on. Move-only; it owns that staging memory and the command buffer, and
/// destroying it waits for the copy first (so they outlive it). It does not hold its Transfer:
/// it may outlive it. Not thread-safe: one owner, like a std::future.
class PendingDownloadBase {
public:
    struct State;
    /// Takes over the other one's readback, which is left empty.
    PendingDownloadBase(PendingDownloadBase &&) noexcept;
    /// Waits for this object's own copy before taking over `other`'s.
    PendingDownloadBase &operator=(PendingDownloadBase &&other) noexcept;
    /// Waits for the copy (if still running), then frees its staging memory and command buffer.
    ~PendingDownloadBase();

    /// True when the copy has completed. LogicError on a moved-from object; DeviceLostError on
    /// device loss.
    [[nodiscard]] bool ready() const;
    /// The completion ticket (its wait_info() lets your own submissions wait for the copy).
    /// LogicError on a moved-from object.
    [[nodiscard]] const TransferTicket &ticket() const;

protected:
    /// Waits, then copies the data into `out` (exactly the size asked for). LogicError when
    /// called a second time, on a moved-from object, or for another size.
    void take(std::span<std::byte> out);
    /// Waits, then hands the data to `append(context, bytes, size)`, straight from the staging
    /// memory; the staging memory goes back to its arena. `reserved`: the fresh storage the
    /// bytes will land in (reserved, not yet written), prepared first. LogicError as above.
    void take(void (*append)(void *, const std::byte *, std::size_t), void *context, std::byte *reserved);
    /// The bytes the readback returns (0 on a moved-from object).
    [[nodiscard]] vk::DeviceSize size_bytes() const noexcept;

private:
    friend class Transfer;

    template <typename Sink>
    void take_with(Sink &&sink);

    // Takes over a readback's state.
    explicit PendingDownloadBase(std::unique_ptr<State> state) noexcept;

    std::unique_ptr<State> m_state;
};

/// A typed readback in flight; get() waits and returns the elements.
/// @tparam T the element type of the buffer read back.
template <typename T>
class PendingDownload : public PendingDownloadBase {
public:
    /// Gives an untyped readback its element type.
    explicit PendingDownload(PendingDownloadBase &&base) noexcept
        : PendingDownloadBase(std::move(base)) {}

    /// Waits for the copy and returns the elements (filled from the staging memory, not
    /// zero-filled first; a large vector's pages are asked for as huge pages and faulted in
    /// before the copy); once only (LogicError after).
    [[nodiscard]] std::vector<T> get() {
        std::vector<T> result;
        result.reserve(static_cast<std::size_t>(size_bytes() / sizeof(T)));
        take(&append, &result, reinterpret_cast<std::byte *>(result.data()));
        return result;
    }

private:
    static void append(void *vector, const std::byte *bytes, std::size_t size) {
        auto &out = *static_cast<std::vector<T> *>(vector);
        const auto *first = reinterpret_cast<const T *>(bytes);
        out.insert(out.end(), first, first + size / sizeof(T));
    }
};

} // namespace vw
