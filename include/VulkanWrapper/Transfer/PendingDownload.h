#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {

namespace detail {

/// Appends `size` bytes, a whole number of T, to the std::vector<T> at `vector`.
template <typename T>
void append_elements(void *vector, const std::byte *bytes, std::size_t size) {
    auto &out = *static_cast<std::vector<T> *>(vector);
    const auto *first = reinterpret_cast<const T *>(bytes);
    out.insert(out.end(), first, first + size / sizeof(T));
}

/// One object per element type, whose address names it (no RTTI needed).
template <typename T>
inline constexpr char element_tag = 0;

/// The bytes that download_async() of a buffer the host reads itself copied at the call, kept in
/// the std::vector that PendingDownload<T>::get() then hands over without a second copy. Made
/// and read by Transfer and PendingDownload only.
class HostCopy {
public:
    virtual ~HostCopy() = default;
    /// &element_tag<T> of the element type T it holds.
    [[nodiscard]] virtual const void *element_type() const noexcept = 0;
    /// Reserves room for `size` bytes (whole elements; not written) and returns its first byte.
    virtual std::byte *reserve(std::size_t size) = 0;
    /// Appends `size` bytes (whole elements) within what reserve() gave.
    virtual void append(const std::byte *bytes, std::size_t size) = 0;
    /// The bytes appended.
    [[nodiscard]] virtual const std::byte *data() const noexcept = 0;
};

/// A HostCopy in a std::vector<T>.
template <typename T>
class HostCopyOf final : public HostCopy {
public:
    [[nodiscard]] const void *element_type() const noexcept override { return &element_tag<T>; }
    std::byte *reserve(std::size_t size) override {
        m_elements.reserve(size / sizeof(T));
        return reinterpret_cast<std::byte *>(m_elements.data());
    }
    void append(const std::byte *bytes, std::size_t size) override { append_elements<T>(&m_elements, bytes, size); }
    [[nodiscard]] const std::byte *data() const noexcept override {
        return reinterpret_cast<const std::byte *>(m_elements.data());
    }
    /// Hands the elements over (leaving none).
    [[nodiscard]] std::vector<T> take() noexcept { return std::move(m_elements); }

private:
    std::vector<T> m_elements;
};

/// Makes an empty HostCopy of one element type.
using HostCopyFactory = std::unique_ptr<HostCopy> (*)();

/// The HostCopyFactory of elements of type T.
template <typename T>
std::unique_ptr<HostCopy> make_host_copy() {
    return std::make_unique<HostCopyOf<T>>();
}

} // namespace detail

/// A readback in flight, from Transfer::download_async(): the GPU copies into staging memory of
/// its own while you go on (of a buffer the host reads itself, the bytes were copied at the call,
/// into the vector that get() returns). Move-only; it owns that staging memory and the command buffer, and
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
    /// The bytes copied at the call (a buffer the host reads), handed over as the data taken;
    /// null, and nothing taken, for a readback of the device's. LogicError as for take().
    [[nodiscard]] std::unique_ptr<detail::HostCopy> take_host_copy();
    /// LogicError unless the bytes are a whole number of `element_size`-byte elements (a
    /// PendingDownload made from download_bytes_async() of another size).
    void check_element_size(std::size_t element_size) const;

private:
    friend class Transfer;

    // LogicError on a moved-from object or one whose data was taken.
    void check_takeable() const;
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
    /// before the copy; of a buffer the host reads, the vector filled at the call); once only
    /// (LogicError after, and when the bytes are not a whole number of T).
    [[nodiscard]] std::vector<T> get() {
        check_element_size(sizeof(T));
        if (const std::unique_ptr<detail::HostCopy> copy = take_host_copy()) {
            if (copy->element_type() == &detail::element_tag<T>) {
                return static_cast<detail::HostCopyOf<T> &>(*copy).take();
            }
            // Bytes of another element type (download_bytes_async() made this object).
            std::vector<T> result(static_cast<std::size_t>(size_bytes() / sizeof(T)));
            std::memcpy(result.data(), copy->data(), static_cast<std::size_t>(size_bytes()));
            return result;
        }
        std::vector<T> result;
        result.reserve(static_cast<std::size_t>(size_bytes() / sizeof(T)));
        take(&detail::append_elements<T>, &result, reinterpret_cast<std::byte *>(result.data()));
        return result;
    }
};

} // namespace vw
