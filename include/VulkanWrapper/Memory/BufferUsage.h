#pragma once

#include <vulkan/vulkan.h>

namespace vw {

/// Buffer usage constants for `Buffer<T, HostVisible, Usage>`: plain `VkBufferUsageFlags`
/// values, combined with `|`. The kinds meant for device-local buffers (vertex, index,
/// uniform, storage) carry both transfer bits, so uploading into them and reading them back
/// work without extra flags.
///
/// TransferSrcUsage: the buffer may be the source of a copy.
inline constexpr VkBufferUsageFlags TransferSrcUsage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
/// The buffer may be the destination of a copy.
inline constexpr VkBufferUsageFlags TransferDstUsage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
/// Staging memory: the source of uploads and the destination of readbacks.
inline constexpr VkBufferUsageFlags StagingBufferUsage = TransferSrcUsage | TransferDstUsage;
/// Vertex buffers (both transfer bits included).
inline constexpr VkBufferUsageFlags VertexBufferUsage =
    VK_BUFFER_USAGE_VERTEX_BUFFER_BIT | TransferSrcUsage | TransferDstUsage;
/// Index buffers (both transfer bits included).
inline constexpr VkBufferUsageFlags IndexBufferUsage =
    VK_BUFFER_USAGE_INDEX_BUFFER_BIT | TransferSrcUsage | TransferDstUsage;
/// Uniform buffers (both transfer bits included).
inline constexpr VkBufferUsageFlags UniformBufferUsage =
    VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT | TransferSrcUsage | TransferDstUsage;
/// Storage buffers (both transfer bits included).
inline constexpr VkBufferUsageFlags StorageBufferUsage =
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | TransferSrcUsage | TransferDstUsage;
/// Indirect draw and dispatch arguments (both transfer bits included).
inline constexpr VkBufferUsageFlags IndirectBufferUsage =
    VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT | TransferSrcUsage | TransferDstUsage;
/// Lets shaders reach the buffer through `Buffer::device_address()`; needs the device's
/// bufferDeviceAddress feature (enabled by DeviceFinder where supported).
inline constexpr VkBufferUsageFlags ShaderDeviceAddressUsage =
    VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;

} // namespace vw
