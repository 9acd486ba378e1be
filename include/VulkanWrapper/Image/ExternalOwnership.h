#pragma once

#include <cstdint>

#include <vulkan/vulkan.hpp>

namespace vw {

class Image;
class Queue;

/// Queue family ownership of an exported or imported image (ImageBuilder::setExportable,
/// setImportedMemory) between this device and the other side (another VkDevice, process or
/// API): the barriers of VK_QUEUE_FAMILY_EXTERNAL. The side that last used the image releases
/// it in a layout both sides agreed on; the other acquires it in that layout. An imported
/// image's first acquire names eUndefined as its old layout: the specification's placeholder
/// for external images, whose contents the acquire keeps (the layout named as new is the
/// image's true layout). Ordering between the two sides (a semaphore, a fence, a wait) is the
/// caller's.

/// Records into `commands` (recording, of a queue of `queue_family`) the acquire of every level
/// and layer of `image` from VK_QUEUE_FAMILY_EXTERNAL, from `old_layout` (eUndefined for an
/// imported image's first acquire, else the layout the other side released it in) to
/// `new_layout`, made visible to every later command. LogicError for an empty image or a
/// `new_layout` of eUndefined or ePreinitialized. Not thread-safe for the same command buffer.
void record_external_acquire(vk::CommandBuffer commands, const Image &image, std::uint32_t queue_family,
                             vk::ImageLayout old_layout, vk::ImageLayout new_layout);

/// Records the release of every level and layer of `image` to VK_QUEUE_FAMILY_EXTERNAL, kept
/// in `layout` (the layout it is in, which the other side's acquire names), after every earlier
/// command. LogicError as for record_external_acquire().
void record_external_release(vk::CommandBuffer commands, const Image &image, std::uint32_t queue_family,
                             vk::ImageLayout layout);

/// record_external_acquire() in a command buffer of its own, submitted on `queue` (its family
/// then owns the image) and waited for. Errors of the recording and of the submission
/// (DeviceLostError, OutOfMemoryError); nothing is left pending. Thread-safe as Queue is.
void acquire_external(Queue &queue, const Image &image, vk::ImageLayout old_layout, vk::ImageLayout new_layout);

/// record_external_release() in a command buffer of its own, submitted on `queue` (the family
/// that owns the image) and waited for. Errors as for acquire_external().
void release_external(Queue &queue, const Image &image, vk::ImageLayout layout);

} // namespace vw
