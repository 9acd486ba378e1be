#pragma once

#include <cstddef>
#include <memory>

#include <vulkan/vulkan.hpp>

#include "StagingArena.h"
#include "VulkanWrapper/Transfer/PendingDownload.h"
#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {

/// What a readback in flight owns: a staging block of the Transfer's arena holding the GPU copy
/// (with the command buffer recorded in it, and the ticket of its submission) or, when no GPU
/// copy was needed, the bytes the host already read, in `host_copy` (the container get() hands
/// over), with a ticket that is ready. Filled by Transfer, read by PendingDownloadBase.
struct PendingDownloadBase::State {
    // Given back to the arena (which the lease keeps alive) once the data is taken.
    detail::StagingLease staging;
    std::unique_ptr<detail::HostCopy> host_copy;
    TransferTicket ticket;
    vk::DeviceSize size = 0;
    bool taken = false;
};

} // namespace vw
