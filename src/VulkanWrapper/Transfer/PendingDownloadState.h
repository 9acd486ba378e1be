#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Transfer/PendingDownload.h"
#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {

/// What a readback in flight owns: either the GPU copy (its staging buffer, command buffer and
/// pool, and the ticket of its submission) or, when no GPU copy was needed, the bytes already
/// read. Filled by Transfer, read by PendingDownloadBase.
struct PendingDownloadBase::State {
    // A pool of its own: the object may be destroyed on any thread, outside every lock.
    std::optional<CommandPool> pool;
    std::optional<CommandBuffer> commands; // after the pool: freed first
    std::optional<BufferBase> staging;
    std::vector<std::byte> immediate;
    TransferTicket ticket;
    vk::DeviceSize size = 0;
    bool taken = false;
};

} // namespace vw
