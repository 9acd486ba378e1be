#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "VulkanWrapper/Memory/Buffer.h"

namespace vw {
class Allocator;
class Device;
} // namespace vw

namespace vw::test {

/// Reads a buffer without the Transfer engine: a copy recorded by hand into a host-cached
/// buffer, on the compute queue, waited for.
[[nodiscard]] std::vector<std::byte> read_independently(const std::shared_ptr<Device> &device, Allocator &allocator,
                                                        const BufferBase &buffer);

/// Fills a buffer from its start without the Transfer engine: host writes into a staging
/// buffer, then a copy recorded by hand, waited for.
void write_independently(const std::shared_ptr<Device> &device, Allocator &allocator, BufferBase &buffer,
                         const std::vector<std::byte> &bytes);

} // namespace vw::test
