#pragma once

#include <cstdint>
#include <memory>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Memory/BufferUsage.h"

namespace vw {
class Allocator;
class Device;
class Semaphore;
} // namespace vw

namespace vw::test {

/// The caller's own GPU work, for tests of transfers told to wait for it: a submission on the
/// compute queue that fills a 64 MiB scratch buffer first, so that it lasts milliseconds on any
/// device, then fills `buffer` with `value` and signals `semaphore` at `signal`. A host read,
/// write or free that did not wait for it comes before it (lavapipe has one queue, where the
/// engine's own submissions are ordered after it anyway; there only the host's waits can be seen
/// to be missing). One command
/// buffer: a submit() after the first must come once the previous submission has ended.
class SlowFill {
public:
    SlowFill(std::shared_ptr<Device> device, Allocator &allocator);

    /// Submits the fill of all of `buffer`.
    void submit(const BufferBase &buffer, std::uint32_t value, Semaphore &semaphore, std::uint64_t signal);

private:
    std::shared_ptr<Device> m_device;
    std::unique_ptr<Buffer<std::uint32_t, false, StorageBufferUsage>> m_scratch;
    CommandPool m_pool;
    CommandBuffer m_commands;
};

} // namespace vw::test
