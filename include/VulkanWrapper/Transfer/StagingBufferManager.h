#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include <vulkan/vulkan.hpp>

#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Utils/StrongTypes.h"

namespace vw {

class Allocator;
class CommandBuffer;
class Device;
class Image;
class Semaphore;

/// Batches uploads into your own command buffer: stage() copies data into staging memory now,
/// flush() records every staged copy (with the barriers and image layout transitions) into a
/// command buffer you submit yourself, with the signal flush() returns. Staging memory is
/// freed, and the destinations (held by std::shared_ptr) are let go, only once that submission
/// has completed: nothing dangles.
///
/// Submit flushed command buffers in the order they were flushed (the signals are increasing
/// values of one timeline semaphore). The destructor waits until every flushed batch has
/// completed, so each must be submitted. Not thread-safe: one thread stages and flushes.
class StagingBufferManager {
public:
    /// LogicError for null arguments or an allocator of another device.
    StagingBufferManager(std::shared_ptr<Device> device, std::shared_ptr<Allocator> allocator);
    ~StagingBufferManager();
    StagingBufferManager(const StagingBufferManager &) = delete;
    StagingBufferManager &operator=(const StagingBufferManager &) = delete;

    /// Stages `data` for `buffer` from element `first_element` on. LogicError (nothing staged)
    /// when the range does not fit or the buffer lacks TransferDstUsage; an empty span stages
    /// nothing.
    template <typename BufferType>
        requires std::derived_from<BufferType, BufferBase>
    void stage(std::shared_ptr<BufferType> buffer, std::span<const typename BufferType::type> data,
               std::size_t first_element = 0) {
        using T = typename BufferType::type;
        if (buffer && (first_element > buffer->size() || data.size() > buffer->size() - first_element)) {
            throw LogicError("StagingBufferManager::stage: elements [" + std::to_string(first_element) +
                             ", +" + std::to_string(data.size()) + ") exceed the buffer's " +
                             std::to_string(buffer->size()) + " elements");
        }
        stage_bytes(std::move(buffer), std::as_bytes(data), first_element * sizeof(T));
    }

    /// Byte-level form of stage(); `offset` in bytes.
    void stage_bytes(std::shared_ptr<BufferBase> buffer, std::span<const std::byte> bytes,
                     vk::DeviceSize offset);

    /// Stages the tightly packed texels of one mip level of one array layer; flush() moves the
    /// subresource from `current_layout` to `final_layout` around the copy. LogicError as for
    /// Transfer::upload(image, ...).
    void stage(std::shared_ptr<Image> image, std::span<const std::byte> texels, MipLevel level,
               ArrayLayer layer, vk::ImageLayout final_layout = vk::ImageLayout::eShaderReadOnlyOptimal,
               vk::ImageLayout current_layout = vk::ImageLayout::eUndefined);

    /// Records every staged copy into `commands` (which must be recording) and returns the
    /// signal to add to that submission's signal list. With nothing staged, records nothing and
    /// returns an entry with a null semaphore. Also frees what completed batches held.
    [[nodiscard]] vk::SemaphoreSubmitInfo flush(CommandBuffer &commands);

    /// Copies staged and not flushed yet.
    [[nodiscard]] std::size_t staged() const noexcept;
    /// Flushed batches whose submission has not completed (as of the last check).
    [[nodiscard]] std::size_t in_flight() const noexcept;
    /// Frees the staging memory and destinations of batches that have completed.
    /// VulkanException on device loss.
    void release_completed();

private:
    struct Copy;
    struct Batch {
        std::uint64_t value;
        std::vector<Copy> copies;
    };

    std::shared_ptr<Device> m_device;
    std::shared_ptr<Allocator> m_allocator;
    std::shared_ptr<Semaphore> m_timeline;
    std::uint64_t m_next_value = 0;
    std::vector<Copy> m_staged;
    std::deque<Batch> m_in_flight;
};

} // namespace vw
