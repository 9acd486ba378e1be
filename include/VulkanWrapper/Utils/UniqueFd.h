#pragma once

#include <utility>

namespace vw {

/// An owned POSIX file descriptor: closed when destroyed or reset, unless released first.
/// What export_fd() calls return and what the import calls take (a successful import hands
/// the descriptor to Vulkan and leaves the UniqueFd empty; a failed one leaves it as it was).
/// Move-only; a moved-from UniqueFd is empty (get() is -1). Not thread-safe.
class UniqueFd {
public:
    /// An empty descriptor.
    UniqueFd() noexcept = default;
    /// Takes ownership of `fd` (-1 for none).
    explicit UniqueFd(int fd) noexcept
        : m_fd(fd) {}
    /// Takes the descriptor of `other`, which is left empty.
    UniqueFd(UniqueFd &&other) noexcept
        : m_fd(std::exchange(other.m_fd, -1)) {}
    /// Closes the current descriptor, then takes the one of `other`, which is left empty.
    UniqueFd &operator=(UniqueFd &&other) noexcept {
        if (this != &other) reset(std::exchange(other.m_fd, -1));
        return *this;
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    /// Closes the descriptor, if any.
    ~UniqueFd() { reset(); }

    /// The descriptor (-1 when empty); still owned by this object.
    [[nodiscard]] int get() const noexcept { return m_fd; }
    /// True when it holds a descriptor.
    [[nodiscard]] bool valid() const noexcept { return m_fd >= 0; }
    /// Gives the descriptor up without closing it; the caller now owns it. -1 when empty.
    [[nodiscard]] int release() noexcept { return std::exchange(m_fd, -1); }
    /// Closes the current descriptor (errors from close are ignored: the descriptor is gone
    /// either way), then takes `fd`.
    void reset(int fd = -1) noexcept;

private:
    int m_fd = -1;
};

} // namespace vw
