#pragma once

#include <cstddef>
#include <memory>
#include <tuple>
#include <utility>

namespace vw {

/// An owning handle (a Vulkan-Hpp unique handle, or anything with reset() and moves) together
/// with the objects it depends on (its device, its pool, the image a view shows), held by
/// std::shared_ptr. The handle is always destroyed before its owners can go: on destruction,
/// and on move-assignment, where the old handle is reset before the owners are replaced.
/// Move-only; a moved-from OwnedHandle is empty (null owners, reset handle). Not thread-safe.
///
/// @tparam Handle the owning handle type, e.g. vk::UniqueFence.
/// @tparam Owners the types of the objects kept alive, each held by std::shared_ptr.
template <typename Handle, typename... Owners>
class OwnedHandle {
public:
    /// An empty handle.
    OwnedHandle() = default;
    /// Takes `handle` and keeps `owners` alive for as long as it lives.
    explicit OwnedHandle(Handle handle, std::shared_ptr<Owners>... owners) noexcept
        : m_owners(std::move(owners)...)
        , m_handle(std::move(handle)) {}

    /// Takes the handle and owners of `other`, which is left empty.
    OwnedHandle(OwnedHandle &&other) noexcept
        : m_owners(std::exchange(other.m_owners, {}))
        , m_handle(std::move(other.m_handle)) {}

    /// Resets the current handle (before its owners are released), then takes those of `other`,
    /// which is left empty.
    OwnedHandle &operator=(OwnedHandle &&other) noexcept {
        if (this != &other) {
            m_handle.reset();
            m_owners = std::exchange(other.m_owners, {});
            m_handle = std::move(other.m_handle);
        }
        return *this;
    }

    OwnedHandle(const OwnedHandle &) = delete;
    OwnedHandle &operator=(const OwnedHandle &) = delete;
    /// Destroys the handle, then releases the owners.
    ~OwnedHandle() = default; // m_handle is declared last, so it is destroyed first

    /// The owning handle itself.
    [[nodiscard]] const Handle &get() const noexcept { return m_handle; }
    /// The owner at position `I` of Owners (null when empty).
    /// @tparam I the owner's position in Owners.
    template <std::size_t I>
    [[nodiscard]] const auto &owner() const noexcept {
        return std::get<I>(m_owners);
    }

private:
    std::tuple<std::shared_ptr<Owners>...> m_owners;
    Handle m_handle;
};

} // namespace vw
