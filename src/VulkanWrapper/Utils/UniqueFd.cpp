#include "VulkanWrapper/Utils/UniqueFd.h"

#include <unistd.h>

namespace vw {

void UniqueFd::reset(int fd) noexcept {
    const int old = std::exchange(m_fd, fd);
    // Not retried on EINTR: on Linux the descriptor is released even then.
    if (old >= 0 && old != fd) ::close(old);
}

} // namespace vw
