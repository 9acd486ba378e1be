// The validation layer as the tracker's oracle: random sequences of transfer commands and of
// compute dispatches reading and writing storage buffers and storage images, over random
// sub-ranges, mips and layers, each recorded in one command buffer with nothing but the
// tracker's barriers, submitted, read back and compared with a CPU model; and the same
// sequences recorded without barriers, which must make the layer report hazards wherever the
// model says two commands touch the same bytes or texels and one of them writes.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <atomic>
#include <random>
#include <string>
#include <vector>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace vw {
namespace {

constexpr std::size_t sequences = 1000;
constexpr std::uint32_t buffer_bytes = 256;
constexpr std::uint32_t side = 8;   // level 0 is 8x8, level 1 4x4
constexpr std::uint32_t levels = 2;
constexpr std::uint32_t layers = 2;

using DeviceBytes = Buffer<std::uint8_t, false, StorageBufferUsage>;
using HostBytes = Buffer<std::uint8_t, true, TransferDstUsage, HostAccess::Random>;

std::uint32_t extent_of(std::uint32_t level) { return side >> level; }

// Element ids of the model: buffer bytes first, then texels per image, layer, level.
std::uint32_t buffer_element(std::uint32_t buffer, std::uint32_t byte) { return buffer * buffer_bytes + byte; }
std::uint32_t texel_offset(std::uint32_t layer, std::uint32_t level) {
    // Per image: layer-major, level 0 (64 texels) then level 1 (16 texels).
    return layer * (side * side + (side / 2) * (side / 2)) + (level == 0 ? 0 : side * side);
}
constexpr std::uint32_t image_elements = layers * (side * side + (side / 2) * (side / 2));

// One of the oracle's two images: side x side, `levels` levels, `layers` layers of R8Uint.
std::unique_ptr<Image> oracle_image(const std::shared_ptr<Device> &device, const std::shared_ptr<Allocator> &allocator,
                                    vk::ImageUsageFlags usage) {
    return ImageBuilder()
        .setDevice(device)
        .setAllocator(allocator)
        .setFormat(vk::Format::eR8Uint)
        .setExtent(Width{side}, Height{side})
        .setMipLevels(levels)
        .setArrayLayers(layers)
        .setUsage(usage)
        .build();
}
std::uint32_t image_element(std::uint32_t image, std::uint32_t layer, std::uint32_t level,
                            std::uint32_t x, std::uint32_t y) {
    return 2 * buffer_bytes + image * image_elements + texel_offset(layer, level) +
           y * extent_of(level) + x;
}
constexpr std::uint32_t element_count = 2 * buffer_bytes + 2 * image_elements;

// One command: what it reads and writes (element ids, in order), how to record it.
struct Box {
    std::uint32_t image, level, base_layer, layer_count, x, y, w, h;
};
struct Op {
    enum Kind { Fill, CopyBuffer, BufferToImage, ImageToBuffer, CopyImage, Blit, Clear, Dispatch, ImageDispatch } kind;
    std::uint32_t buffer = 0, buffer2 = 0, offset = 0, offset2 = 0, size = 0, value = 0;
    Box box{}, box2{};
};

std::vector<std::uint32_t> box_elements(const Box &b) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t layer = b.base_layer; layer < b.base_layer + b.layer_count; ++layer) {
        for (std::uint32_t y = b.y; y < b.y + b.h; ++y) {
            for (std::uint32_t x = b.x; x < b.x + b.w; ++x) {
                out.push_back(image_element(b.image, layer, b.level, x, y));
            }
        }
    }
    return out;
}
std::vector<std::uint32_t> range_elements(std::uint32_t buffer, std::uint32_t offset, std::uint32_t size) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i = 0; i < size; ++i) out.push_back(buffer_element(buffer, offset + i));
    return out;
}

// Reads then writes, element by element, in the order the command moves them.
void elements_of(const Op &op, std::vector<std::uint32_t> &reads, std::vector<std::uint32_t> &writes) {
    reads.clear();
    writes.clear();
    switch (op.kind) {
    case Op::Fill: writes = range_elements(op.buffer, op.offset, op.size); break;
    case Op::CopyBuffer:
    case Op::Dispatch:
        reads = range_elements(op.buffer, op.offset, op.size);
        writes = range_elements(op.buffer2, op.offset2, op.size);
        break;
    case Op::BufferToImage:
        reads = range_elements(op.buffer, op.offset, op.box.w * op.box.h * op.box.layer_count);
        writes = box_elements(op.box);
        break;
    case Op::ImageToBuffer:
        reads = box_elements(op.box);
        writes = range_elements(op.buffer, op.offset, op.box.w * op.box.h * op.box.layer_count);
        break;
    case Op::CopyImage:
    case Op::Blit:
    case Op::ImageDispatch:
        reads = box_elements(op.box);
        writes = box_elements(op.box2);
        break;
    case Op::Clear: {
        Box whole = op.box;
        for (std::uint32_t level = op.box.level; level < op.box.level + op.box.w; ++level) {
            whole.level = level;
            whole.x = whole.y = 0;
            whole.w = whole.h = extent_of(level);
            const auto e = box_elements(whole);
            writes.insert(writes.end(), e.begin(), e.end());
        }
        break;
    }
    }
}

class Generator {
public:
    // `alignment`: of storage-buffer descriptor offsets; 0 leaves buffer dispatches out.
    // `storage_images`: whether image dispatches are in.
    Generator(std::uint32_t seed, std::uint32_t alignment, bool storage_images)
        : m_random(seed), m_alignment(alignment) {
        for (int k = Op::Fill; k <= Op::ImageDispatch; ++k) {
            if (k == Op::Dispatch && alignment == 0) continue;
            if (k == Op::ImageDispatch && !storage_images) continue;
            m_kinds.push_back(static_cast<Op::Kind>(k));
        }
    }
    std::uint32_t below(std::uint32_t n) { return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(m_random); }

    Box box(std::uint32_t max_w = side, std::uint32_t max_h = side) {
        Box b{};
        b.image = below(2);
        b.level = below(levels);
        b.base_layer = below(layers);
        b.layer_count = 1 + below(layers - b.base_layer);
        const std::uint32_t e = extent_of(b.level);
        b.w = 1 + below(std::min(e, max_w));
        b.h = 1 + below(std::min(e, max_h));
        b.x = below(e - b.w + 1);
        b.y = below(e - b.h + 1);
        return b;
    }

    Op op() {
        for (;;) {
            Op o{};
            o.kind = m_kinds[below(static_cast<std::uint32_t>(m_kinds.size()))];
            o.buffer = below(2);
            o.buffer2 = below(2);
            o.value = below(256);
            switch (o.kind) {
            case Op::Fill:
                o.offset = 4 * below(buffer_bytes / 4);
                o.size = 4 * (1 + below((buffer_bytes - o.offset) / 4));
                return o;
            case Op::CopyBuffer:
                o.size = 1 + below(buffer_bytes / 2);
                o.offset = below(buffer_bytes - o.size + 1);
                o.offset2 = below(buffer_bytes - o.size + 1);
                if (o.buffer == o.buffer2 && o.offset < o.offset2 + o.size && o.offset2 < o.offset + o.size) continue;
                return o;
            case Op::BufferToImage:
            case Op::ImageToBuffer: {
                o.box = box();
                const std::uint32_t bytes = o.box.w * o.box.h * o.box.layer_count;
                o.offset = below(buffer_bytes - bytes + 1);
                return o;
            }
            case Op::CopyImage:
            case Op::Blit: {
                o.box = box();
                o.box2 = box(o.box.w, o.box.h);
                o.box2.w = o.box.w;
                o.box2.h = o.box.h;
                o.box2.layer_count = o.box.layer_count;
                const std::uint32_t e2 = extent_of(o.box2.level);
                if (o.box2.w > e2 || o.box2.h > e2 || o.box2.base_layer + o.box2.layer_count > layers) continue;
                o.box2.x = below(e2 - o.box2.w + 1);
                o.box2.y = below(e2 - o.box2.h + 1);
                if (o.box.image == o.box2.image && o.box.level == o.box2.level &&
                    o.box.base_layer < o.box2.base_layer + o.box2.layer_count &&
                    o.box2.base_layer < o.box.base_layer + o.box.layer_count) continue;
                return o;
            }
            case Op::Clear:
                o.box = box();
                o.box.level = below(levels);
                o.box.w = 1 + below(levels - o.box.level); // level count
                return o;
            case Op::Dispatch: {
                // Words from an aligned offset of one buffer to an aligned offset of the other
                // or of the same one, not overlapping.
                const std::uint32_t slots = buffer_bytes / m_alignment;
                o.offset = m_alignment * below(slots);
                o.offset2 = m_alignment * below(slots);
                const std::uint32_t room = buffer_bytes - std::max(o.offset, o.offset2);
                o.size = 4 * (1 + below(std::min<std::uint32_t>(room / 4, 16)));
                if (o.buffer == o.buffer2 && o.offset < o.offset2 + o.size && o.offset2 < o.offset + o.size) continue;
                return o;
            }
            case Op::ImageDispatch: {
                // A box of one layer to a box of the same size in another subresource (the
                // shader binds one view of each).
                o.box = box();
                o.box.layer_count = 1;
                o.box2 = box(o.box.w, o.box.h);
                o.box2.layer_count = 1;
                const std::uint32_t e2 = extent_of(o.box2.level);
                if (o.box.w > e2 || o.box.h > e2) continue;
                o.box2.w = o.box.w;
                o.box2.h = o.box.h;
                o.box2.x = below(e2 - o.box2.w + 1);
                o.box2.y = below(e2 - o.box2.h + 1);
                if (o.box.image == o.box2.image && o.box.level == o.box2.level &&
                    o.box.base_layer == o.box2.base_layer) continue;
                return o;
            }
            }
        }
    }

private:
    std::mt19937 m_random;
    std::uint32_t m_alignment;
    std::vector<Op::Kind> m_kinds;
};

// The module of a SPIR-V file the build compiled, or none when it cannot be read.
[[maybe_unused]] vk::UniqueShaderModule shader_module(vk::Device device, const char *path) {
    std::ifstream file(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.empty() || bytes.size() % 4 != 0) return {};
    std::vector<std::uint32_t> code(bytes.size() / 4);
    std::memcpy(code.data(), bytes.data(), bytes.size());
    return device.createShaderModuleUnique({{}, code});
}

class ResourceTrackerOracleTests : public ::testing::Test {};

TEST_F(ResourceTrackerOracleTests, RandomSequencesAreHazardFreeAndExactWithTheTrackersBarriersAlone) {
    // An instance of its own: the layer's duplicate-message limit off (every hazard counts) and
    // messages counted, not printed.
    const test::ScopedEnv limit("VK_LAYER_DUPLICATE_MESSAGE_LIMIT", "1000000000");
    std::atomic<std::uint64_t> hazards{0};
    std::vector<std::string> first_messages;
    bool capture = true;
    auto instance = InstanceBuilder()
                        .setDebug()
                        .setApplicationName("vw-tracker-oracle")
                        .setDebugCallback([&](const DebugMessage &message) {
                            if (message.text.find("SYNC-HAZARD") != std::string::npos) ++hazards;
                            if (capture && first_messages.size() < 5) first_messages.push_back(message.text);
                        })
                        .build();
    auto device = instance->findGpu().find().build();
    auto allocator = AllocatorBuilder(instance, device).build();

    std::array buffers{allocator->allocate<DeviceBytes>(buffer_bytes), allocator->allocate<DeviceBytes>(buffer_bytes)};
    // Storage-image dispatches where the shader was built and the format can be a storage image.
    bool storage_images = false;
#ifdef VW_ORACLE_IMAGE_SHADER
    storage_images = static_cast<bool>(device->physical_device().handle().getFormatProperties(vk::Format::eR8Uint)
                                           .optimalTilingFeatures & vk::FormatFeatureFlagBits::eStorageImage);
#endif
    const vk::ImageUsageFlags image_usage = vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst |
                                            (storage_images ? vk::ImageUsageFlagBits::eStorage : vk::ImageUsageFlags{});
    std::array images{oracle_image(device, allocator, image_usage), oracle_image(device, allocator, image_usage)};
    auto readback = allocator->allocate<HostBytes>(element_count);
    CommandPool pool(device, device->graphics_queue().family_index());
    CommandBuffer commands = pool.allocate();
    CommandBuffer unsynchronised = pool.allocate();
    ResourceTracker tracker;
    std::vector<std::uint8_t> model(element_count, 0);

    // The compute shader: binding 0 read-only, binding 1 write-only, each bound to exactly the
    // range a dispatch touches, so that the layer sees the accesses the tracker is told of.
    const vk::Device vk_device = device->handle();
    vk::UniqueShaderModule shader;
    vk::UniqueDescriptorSetLayout set_layout;
    vk::UniquePipelineLayout pipeline_layout;
    vk::UniquePipeline pipeline;
    vk::UniqueDescriptorPool descriptor_pool;
    std::uint32_t alignment = 0;
#ifdef VW_ORACLE_SHADER
    {
        shader = shader_module(vk_device, VW_ORACLE_SHADER);
        ASSERT_TRUE(shader) << VW_ORACLE_SHADER;
        const std::array bindings{
            vk::DescriptorSetLayoutBinding(0, vk::DescriptorType::eStorageBuffer, 1, vk::ShaderStageFlagBits::eCompute),
            vk::DescriptorSetLayoutBinding(1, vk::DescriptorType::eStorageBuffer, 1, vk::ShaderStageFlagBits::eCompute)};
        set_layout = vk_device.createDescriptorSetLayoutUnique({{}, bindings});
        const vk::PushConstantRange push_range(vk::ShaderStageFlagBits::eCompute, 0, sizeof(std::uint32_t));
        pipeline_layout = vk_device.createPipelineLayoutUnique({{}, *set_layout, push_range});
        pipeline = vk_device.createComputePipelineUnique(
                                {}, vk::ComputePipelineCreateInfo({}, {{}, vk::ShaderStageFlagBits::eCompute, *shader, "main"},
                                                                  *pipeline_layout))
                       .value;
        const std::array pool_sizes{vk::DescriptorPoolSize(vk::DescriptorType::eStorageBuffer, 64),
                                    vk::DescriptorPoolSize(vk::DescriptorType::eStorageImage, 64)};
        descriptor_pool = vk_device.createDescriptorPoolUnique({{}, 32, pool_sizes});
        const auto offset_alignment = device->physical_device().handle().getProperties().limits.minStorageBufferOffsetAlignment;
        if (offset_alignment <= buffer_bytes / 4) alignment = static_cast<std::uint32_t>(std::max<vk::DeviceSize>(offset_alignment, 4));
    }
#endif
    // The image shader: binding 0 a read-only view of one subresource, binding 1 a write-only
    // view of another; the tracker is told of the two subresources in the General layout.
    vk::UniqueShaderModule image_shader;
    vk::UniqueDescriptorSetLayout image_set_layout;
    vk::UniquePipelineLayout image_pipeline_layout;
    vk::UniquePipeline image_pipeline;
    std::vector<vk::UniqueImageView> views; // [(image * levels + level) * layers + layer]
#ifdef VW_ORACLE_IMAGE_SHADER
    if (storage_images) {
        ASSERT_TRUE(descriptor_pool);
        image_shader = shader_module(vk_device, VW_ORACLE_IMAGE_SHADER);
        ASSERT_TRUE(image_shader) << VW_ORACLE_IMAGE_SHADER;
        const std::array bindings{
            vk::DescriptorSetLayoutBinding(0, vk::DescriptorType::eStorageImage, 1, vk::ShaderStageFlagBits::eCompute),
            vk::DescriptorSetLayoutBinding(1, vk::DescriptorType::eStorageImage, 1, vk::ShaderStageFlagBits::eCompute)};
        image_set_layout = vk_device.createDescriptorSetLayoutUnique({{}, bindings});
        const vk::PushConstantRange push_range(vk::ShaderStageFlagBits::eCompute, 0, 6 * sizeof(std::int32_t));
        image_pipeline_layout = vk_device.createPipelineLayoutUnique({{}, *image_set_layout, push_range});
        image_pipeline = vk_device.createComputePipelineUnique(
                                      {}, vk::ComputePipelineCreateInfo({}, {{}, vk::ShaderStageFlagBits::eCompute, *image_shader, "main"},
                                                                        *image_pipeline_layout))
                             .value;
        for (const auto &image : images) {
            for (std::uint32_t level = 0; level < levels; ++level) {
                for (std::uint32_t layer = 0; layer < layers; ++layer) {
                    views.push_back(vk_device.createImageViewUnique(
                        {{}, image->handle(), vk::ImageViewType::e2D, vk::Format::eR8Uint, {},
                         vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, level, 1, layer, 1)}));
                }
            }
        }
    }
#endif
    auto view_of = [&](const Box &b) { return *views[(b.image * levels + b.level) * layers + b.base_layer]; };
    auto subresource_of = [](const Box &b) {
        return vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, b.level, 1, b.base_layer, 1);
    };
    auto image_dispatch = [&](const Op &op, vk::CommandBuffer cmd) {
        const vk::DescriptorSet set = vk_device.allocateDescriptorSets({*descriptor_pool, *image_set_layout}).front();
        const vk::DescriptorImageInfo source({}, view_of(op.box), vk::ImageLayout::eGeneral);
        const vk::DescriptorImageInfo target({}, view_of(op.box2), vk::ImageLayout::eGeneral);
        vk_device.updateDescriptorSets({vk::WriteDescriptorSet(set, 0, 0, vk::DescriptorType::eStorageImage, source),
                                        vk::WriteDescriptorSet(set, 1, 0, vk::DescriptorType::eStorageImage, target)},
                                       {});
        const std::array<std::int32_t, 6> push{static_cast<std::int32_t>(op.box.x), static_cast<std::int32_t>(op.box.y),
                                               static_cast<std::int32_t>(op.box2.x), static_cast<std::int32_t>(op.box2.y),
                                               static_cast<std::int32_t>(op.box.w), static_cast<std::int32_t>(op.box.h)};
        cmd.bindPipeline(vk::PipelineBindPoint::eCompute, *image_pipeline);
        cmd.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *image_pipeline_layout, 0, set, {});
        cmd.pushConstants(*image_pipeline_layout, vk::ShaderStageFlagBits::eCompute, 0,
                          static_cast<std::uint32_t>(sizeof(push)), push.data());
        cmd.dispatch(1, 1, 1);
    };
    auto dispatch = [&](const Op &op, vk::CommandBuffer cmd) {
        const vk::DescriptorSet set = vk_device.allocateDescriptorSets({*descriptor_pool, *set_layout}).front();
        const vk::DescriptorBufferInfo source(buffers[op.buffer]->handle(), op.offset, op.size);
        const vk::DescriptorBufferInfo target(buffers[op.buffer2]->handle(), op.offset2, op.size);
        vk_device.updateDescriptorSets({vk::WriteDescriptorSet(set, 0, 0, vk::DescriptorType::eStorageBuffer, {}, source),
                                        vk::WriteDescriptorSet(set, 1, 0, vk::DescriptorType::eStorageBuffer, {}, target)},
                                       {});
        cmd.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline);
        cmd.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *pipeline_layout, 0, set, {});
        cmd.pushConstants<std::uint32_t>(*pipeline_layout, vk::ShaderStageFlagBits::eCompute, 0, op.size / 4);
        cmd.dispatch(1, 1, 1);
    };

    auto layers_of = [&](const Box &b) {
        return vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, b.level, b.base_layer, b.layer_count);
    };
    auto offset_of = [](const Box &b) {
        return vk::Offset3D(static_cast<std::int32_t>(b.x), static_cast<std::int32_t>(b.y), 0);
    };
    auto far_of = [](const Box &b) {
        return vk::Offset3D(static_cast<std::int32_t>(b.x + b.w), static_cast<std::int32_t>(b.y + b.h), 1);
    };
    // Records `op` through the recorder (with barriers) or straight into `raw` (without).
    auto record = [&](const Op &op, CommandRecorder *recorder, vk::CommandBuffer raw) {
        const vk::Buffer b1 = buffers[op.buffer]->handle();
        const vk::Buffer b2 = buffers[op.buffer2]->handle();
        switch (op.kind) {
        case Op::Fill:
            if (recorder) recorder->fill(*buffers[op.buffer], op.offset, op.size, op.value * 0x01010101U);
            else raw.fillBuffer(b1, op.offset, op.size, op.value * 0x01010101U);
            break;
        case Op::CopyBuffer: {
            const vk::BufferCopy region(op.offset, op.offset2, op.size);
            if (recorder) recorder->copy(*buffers[op.buffer], *buffers[op.buffer2], std::span(&region, 1));
            else raw.copyBuffer(b1, b2, region);
            break;
        }
        case Op::BufferToImage:
        case Op::ImageToBuffer: {
            const vk::BufferImageCopy region(op.offset, 0, 0, layers_of(op.box), offset_of(op.box), {op.box.w, op.box.h, 1});
            const Image &image = *images[op.box.image];
            if (op.kind == Op::BufferToImage) {
                if (recorder) recorder->copy(*buffers[op.buffer], image, std::span(&region, 1));
                else raw.copyBufferToImage(b1, image.handle(), vk::ImageLayout::eTransferDstOptimal, region);
            } else {
                if (recorder) recorder->copy(image, *buffers[op.buffer], std::span(&region, 1));
                else raw.copyImageToBuffer(image.handle(), vk::ImageLayout::eTransferSrcOptimal, b1, region);
            }
            break;
        }
        case Op::CopyImage: {
            const vk::ImageCopy region(layers_of(op.box), offset_of(op.box), layers_of(op.box2), offset_of(op.box2), {op.box.w, op.box.h, 1});
            const Image &source = *images[op.box.image];
            const Image &target = *images[op.box2.image];
            if (recorder) recorder->copy(source, target, std::span(&region, 1));
            else raw.copyImage(source.handle(), vk::ImageLayout::eTransferSrcOptimal, target.handle(), vk::ImageLayout::eTransferDstOptimal, region);
            break;
        }
        case Op::Blit: {
            const vk::ImageBlit region(layers_of(op.box), {offset_of(op.box), far_of(op.box)}, layers_of(op.box2), {offset_of(op.box2), far_of(op.box2)});
            const Image &source = *images[op.box.image];
            const Image &target = *images[op.box2.image];
            if (recorder) recorder->blit(source, target, std::span(&region, 1), vk::Filter::eNearest);
            else raw.blitImage(source.handle(), vk::ImageLayout::eTransferSrcOptimal, target.handle(), vk::ImageLayout::eTransferDstOptimal, region, vk::Filter::eNearest);
            break;
        }
        case Op::Dispatch:
            if (recorder) {
                tracker.request(*buffers[op.buffer], op.offset, op.size,
                                BufferUse{vk::PipelineStageFlagBits2::eComputeShader, vk::AccessFlagBits2::eShaderStorageRead});
                tracker.request(*buffers[op.buffer2], op.offset2, op.size,
                                BufferUse{vk::PipelineStageFlagBits2::eComputeShader, vk::AccessFlagBits2::eShaderStorageWrite});
                recorder->flush();
                dispatch(op, recorder->commands().handle());
            } else {
                dispatch(op, raw);
            }
            break;
        case Op::ImageDispatch:
            if (recorder) {
                tracker.request(images[op.box.image]->tracked(), subresource_of(op.box),
                                ImageUse{vk::PipelineStageFlagBits2::eComputeShader, vk::AccessFlagBits2::eShaderStorageRead,
                                         vk::ImageLayout::eGeneral});
                tracker.request(images[op.box2.image]->tracked(), subresource_of(op.box2),
                                ImageUse{vk::PipelineStageFlagBits2::eComputeShader, vk::AccessFlagBits2::eShaderStorageWrite,
                                         vk::ImageLayout::eGeneral});
                recorder->flush();
                image_dispatch(op, recorder->commands().handle());
            } else {
                image_dispatch(op, raw);
            }
            break;
        case Op::Clear: {
            const vk::ImageSubresourceRange range(vk::ImageAspectFlagBits::eColor, op.box.level, op.box.w, op.box.base_layer, op.box.layer_count);
            const vk::ClearColorValue colour(std::array<std::uint32_t, 4>{op.value, 0, 0, 0});
            if (recorder) recorder->clear(*images[op.box.image], colour, range);
            else raw.clearColorImage(images[op.box.image]->handle(), vk::ImageLayout::eTransferDstOptimal, colour, range);
            break;
        }
        }
    };
    // The CPU model of one command.
    std::vector<std::uint32_t> reads, writes;
    auto apply = [&](const Op &op) {
        elements_of(op, reads, writes);
        if (op.kind == Op::Fill || op.kind == Op::Clear) {
            for (const auto e : writes) model[e] = static_cast<std::uint8_t>(op.value);
            return;
        }
        std::vector<std::uint8_t> moved;
        for (const auto e : reads) moved.push_back(model[e]);
        for (std::size_t i = 0; i < writes.size(); ++i) model[writes[i]] = moved[i];
    };
    // The whole state read back into `readback`, laid out as the model's elements.
    std::vector<vk::BufferImageCopy> image_regions;
    for (std::uint32_t layer = 0; layer < layers; ++layer) {
        for (std::uint32_t level = 0; level < levels; ++level) {
            image_regions.emplace_back(image_element(0, layer, level, 0, 0), 0, 0,
                                       vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, level, layer, 1),
                                       vk::Offset3D{0, 0, 0}, vk::Extent3D{extent_of(level), extent_of(level), 1});
        }
    }
    auto regions_of = [&](std::uint32_t image) {
        std::vector<vk::BufferImageCopy> regions = image_regions;
        for (auto &region : regions) region.bufferOffset += image * image_elements;
        return regions;
    };
    auto readback_regions = [&](CommandRecorder &recorder) {
        for (std::uint32_t b = 0; b < 2; ++b) {
            const vk::BufferCopy region(0, buffer_element(b, 0), buffer_bytes);
            recorder.copy(*buffers[b], *readback, std::span(&region, 1));
        }
        for (std::uint32_t i = 0; i < 2; ++i) {
            recorder.copy(*images[i], *readback, regions_of(i));
        }
        tracker.request(*readback, BufferUse{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead});
        recorder.flush();
    };

    // A known start: every byte and texel cleared to zero.
    {
        CommandRecorder recorder(commands, tracker);
        for (auto &buffer : buffers) recorder.fill(*buffer, 0, VK_WHOLE_SIZE, 0);
        for (auto &image : images) recorder.clear(*image, vk::ClearColorValue(std::array<std::uint32_t, 4>{}), image->full_range());
        recorder.end();
        commands.submit_and_wait(device->graphics_queue());
    }

    Generator generator(20261202, alignment, storage_images);
    std::size_t dispatches = 0;
    std::size_t image_dispatches = 0;
    std::size_t with_hazard = 0;
    std::size_t hazards_missed = 0;
    std::size_t with_hazard_among_ops = 0;
    std::size_t hazards_missed_among_ops = 0;
    std::vector<std::int32_t> last_write(element_count);
    std::vector<std::uint8_t> read_since(element_count);
    for (std::size_t s = 0; s < sequences; ++s) {
        std::vector<Op> ops(3 + generator.below(6));
        for (auto &op : ops) {
            op = generator.op();
            dispatches += op.kind == Op::Dispatch ? 1 : 0;
            image_dispatches += op.kind == Op::ImageDispatch ? 1 : 0;
        }
        if (descriptor_pool) vk_device.resetDescriptorPool(*descriptor_pool);

        // 1. With the tracker's barriers: no error at all, and the bytes of the model.
        const std::uint64_t before = instance->validation_error_count();
        {
            CommandRecorder recorder(commands, tracker);
            for (const auto &op : ops) record(op, &recorder, {});
            readback_regions(recorder);
            recorder.end();
        }
        commands.submit_and_wait(device->graphics_queue());
        ASSERT_EQ(instance->validation_error_count(), before)
            << "sequence " << s << ": " << (first_messages.empty() ? "" : first_messages.front());
        for (const auto &op : ops) apply(op);
        const auto got = readback->read_as_vector(0, element_count);
        ASSERT_EQ(got, model) << "sequence " << s;

        // 2. The same commands with no barrier: a hazard wherever two commands of the sequence
        // touch one element and one of them writes (the final readback included).
        std::fill(last_write.begin(), last_write.end(), -1);
        std::fill(read_since.begin(), read_since.end(), 0);
        bool predicted = false;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            elements_of(ops[i], reads, writes);
            for (const auto e : reads) predicted = predicted || last_write[e] >= 0;
            for (const auto e : writes) predicted = predicted || last_write[e] >= 0 || read_since[e];
            for (const auto e : reads) read_since[e] = 1;
            for (const auto e : writes) { last_write[e] = static_cast<std::int32_t>(i); read_since[e] = 0; }
        }
        const bool predicted_among_ops = predicted;
        for (std::uint32_t e = 0; e < element_count; ++e) predicted = predicted || last_write[e] >= 0;
        const std::uint64_t hazards_before = hazards.load();
        capture = false;
        unsynchronised.begin();
        for (const auto &op : ops) record(op, nullptr, unsynchronised.handle());
        const std::uint64_t hazards_among_ops = hazards.load() - hazards_before;
        for (std::uint32_t b = 0; b < 2; ++b) {
            unsynchronised.handle().copyBuffer(buffers[b]->handle(), readback->handle(),
                                               vk::BufferCopy(0, buffer_element(b, 0), buffer_bytes));
        }
        for (std::uint32_t i = 0; i < 2; ++i) {
            unsynchronised.handle().copyImageToBuffer(images[i]->handle(), vk::ImageLayout::eTransferSrcOptimal,
                                                      readback->handle(), regions_of(i));
        }
        unsynchronised.end();
        unsynchronised.reset();
        capture = true;
        if (predicted) {
            ++with_hazard;
            if (hazards.load() == hazards_before) ++hazards_missed;
        }
        if (predicted_among_ops) {
            // Between the sequence's own commands, before the readback.
            ++with_hazard_among_ops;
            if (hazards_among_ops == 0 && ++hazards_missed_among_ops <= 5) {
                std::string kinds;
                for (const auto &op : ops) {
                    kinds += std::to_string(int(op.kind)) + "(b" + std::to_string(op.buffer) + "@" + std::to_string(op.offset) + " b" + std::to_string(op.buffer2) + "@" + std::to_string(op.offset2) + " n" + std::to_string(op.size) + " i" + std::to_string(op.box.image) + "l" + std::to_string(op.box.level) + "L" + std::to_string(op.box.base_layer) + "+" + std::to_string(op.box.layer_count) + " " + std::to_string(op.box.x) + "," + std::to_string(op.box.y) + " " + std::to_string(op.box.w) + "x" + std::to_string(op.box.h) + " -> i" + std::to_string(op.box2.image) + "l" + std::to_string(op.box2.level) + "L" + std::to_string(op.box2.base_layer) + " " + std::to_string(op.box2.x) + "," + std::to_string(op.box2.y) + ") ";
                }
                std::printf("oracle: hazards the layer missed among: %s\n", kinds.c_str());
            }
        }
    }
    std::printf("oracle: %zu sequences (%zu storage-buffer and %zu storage-image dispatches), %zu with a hazard "
                "without barriers, %llu hazards reported\n",
                sequences, dispatches, image_dispatches, with_hazard, static_cast<unsigned long long>(hazards.load()));
#ifdef VW_ORACLE_SHADER
    EXPECT_GT(dispatches, sequences / 4);
#endif
    if (storage_images) {
        EXPECT_GT(image_dispatches, sequences / 4);
    }
    std::printf("oracle: %zu sequences with a hazard among their own commands\n", with_hazard_among_ops);
    EXPECT_EQ(hazards_missed, 0U) << "of " << with_hazard << " sequences with a hazard";
    // The 1.3.239 layer has blind spots between the commands themselves: of 798 such sequences
    // it missed 4 on lavapipe (write after write: copies into overlapping texel boxes of one
    // layer where one of them spans two layers; dispatches writing overlapping storage ranges).
    // Every sequence still shows hazards once its readback is recorded.
    EXPECT_LE(hazards_missed_among_ops * 100, with_hazard_among_ops)
        << hazards_missed_among_ops << " of " << with_hazard_among_ops << " sequences";
    EXPECT_GT(with_hazard_among_ops, sequences / 4);
    EXPECT_GT(with_hazard, sequences / 2);
}

// Across queues and submissions, where the layer cannot see: random copies and fills, each on
// the transfer queue or the main one at random, every queue switch a new submission ordered by a
// timeline semaphore, images (exclusive) handed between the families by the tracker's release
// and acquire barriers, buffers (concurrent where the families differ) ordered by the
// semaphore and the tracker's barriers; the bytes read back are the CPU model's. On a device
// with one family (lavapipe) both "queues" are that family's: the sequences then prove the
// ordering across submissions only.
class ResourceTrackerCrossQueueTests : public test::AllocatorTest {};

TEST_F(ResourceTrackerCrossQueueTests, SequencesOverBothQueuesReadBackAsTheModelPredicts) {
    constexpr std::size_t cross_sequences = 300;
    Queue &main_queue = device->has_graphics_queue() ? device->graphics_queue() : device->compute_queue();
    Queue &transfer_queue = device->transfer_queue();
    const std::uint32_t main_family = main_queue.family_index();
    const std::uint32_t transfer_family = transfer_queue.family_index();
    const bool two_families = main_family != transfer_family;

    std::array buffers{allocator->allocate<DeviceBytes>(buffer_bytes), allocator->allocate<DeviceBytes>(buffer_bytes)};
    constexpr vk::ImageUsageFlags copy_usage = vk::ImageUsageFlagBits::eTransferSrc | vk::ImageUsageFlagBits::eTransferDst;
    std::array images{oracle_image(device, allocator, copy_usage), oracle_image(device, allocator, copy_usage)};
    auto readback = allocator->allocate<HostBytes>(element_count);
    CommandPool main_pool(device, main_family);
    CommandPool transfer_pool(device, transfer_family);
    Semaphore timeline(device);
    std::uint64_t value = 0;
    ResourceTracker tracker;
    std::vector<std::uint8_t> model(element_count, 0);

    constexpr auto stage = vk::PipelineStageFlagBits2::eAllTransfer;
    auto range_of = [](const Box &b) {
        return vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, b.level, 1, b.base_layer, b.layer_count);
    };
    auto layers_of = [](const Box &b) {
        return vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, b.level, b.base_layer, b.layer_count);
    };
    auto offset_of = [](const Box &b) {
        return vk::Offset3D(static_cast<std::int32_t>(b.x), static_cast<std::int32_t>(b.y), 0);
    };
    const auto read_image = [&](const Box &b, std::uint32_t family) {
        tracker.request(images[b.image]->tracked(), range_of(b),
                        ImageUse{stage, vk::AccessFlagBits2::eTransferRead, vk::ImageLayout::eTransferSrcOptimal, family});
    };
    const auto write_image = [&](const Box &b, std::uint32_t family) {
        tracker.request(images[b.image]->tracked(), range_of(b),
                        ImageUse{stage, vk::AccessFlagBits2::eTransferWrite, vk::ImageLayout::eTransferDstOptimal, family});
    };
    const auto read_bytes = [&](std::uint32_t buffer, std::uint32_t offset, std::uint32_t size) {
        tracker.request(*buffers[buffer], offset, size, BufferUse{stage, vk::AccessFlagBits2::eTransferRead});
    };
    const auto write_bytes = [&](std::uint32_t buffer, std::uint32_t offset, std::uint32_t size) {
        tracker.request(*buffers[buffer], offset, size, BufferUse{stage, vk::AccessFlagBits2::eTransferWrite});
    };

    // The open batch: a command buffer of one family, submitted when the other family's turn comes.
    std::vector<CommandBuffer> in_flight;
    CommandBuffer *open = nullptr;
    bool open_on_transfer = false;
    std::size_t submissions = 0;
    std::size_t ownership_transfers = 0;
    const auto submit_open = [&] {
        if (open == nullptr) return;
        open->end();
        const vk::CommandBufferSubmitInfo buffer_info(open->handle());
        const vk::SemaphoreSubmitInfo wait = timeline.submit_info(value);
        const vk::SemaphoreSubmitInfo signal = timeline.submit_info(value + 1);
        const vk::SubmitInfo2 submit({}, value > 0 ? 1U : 0U, &wait, 1, &buffer_info, 1, &signal);
        Queue &queue = open_on_transfer ? transfer_queue : main_queue;
        queue.submit(std::span(&submit, 1));
        ++value;
        ++submissions;
        open = nullptr;
    };
    const auto open_batch = [&](bool on_transfer) {
        if (open != nullptr && open_on_transfer == on_transfer) return;
        submit_open();
        in_flight.push_back((on_transfer ? transfer_pool : main_pool).allocate());
        open = &in_flight.back();
        open_on_transfer = on_transfer;
        open->begin();
    };
    // Before a command on one queue: the other family's halves of ownership transfers recorded
    // in a batch of its own, then the rest flushed into a batch of this queue.
    const auto prepare = [&](bool on_transfer) {
        if (two_families) {
            const ResourceTracker::Barriers released = tracker.take(on_transfer ? main_family : transfer_family);
            if (!released.buffers.empty() || !released.images.empty()) {
                ownership_transfers += released.buffers.size() + released.images.size();
                open_batch(!on_transfer);
                open->handle().pipelineBarrier2(vk::DependencyInfo({}, {}, released.buffers, released.images));
                submit_open();
            }
        }
        open_batch(on_transfer);
        tracker.flush(*open);
    };

    in_flight.reserve(4 * 16);
    // A known start: zeros everywhere, on the main queue.
    {
        for (std::uint32_t b = 0; b < 2; ++b) write_bytes(b, 0, buffer_bytes);
        for (auto &image : images) {
            tracker.request(image->tracked(), ImageUse{stage, vk::AccessFlagBits2::eTransferWrite,
                                                       vk::ImageLayout::eTransferDstOptimal, main_family});
        }
        prepare(false);
        for (auto &buffer : buffers) open->handle().fillBuffer(buffer->handle(), 0, VK_WHOLE_SIZE, 0);
        for (auto &image : images) {
            open->handle().clearColorImage(image->handle(), vk::ImageLayout::eTransferDstOptimal,
                                           vk::ClearColorValue(std::array<std::uint32_t, 4>{}), image->full_range());
        }
    }

    Generator generator(20261203, 0, false);
    std::vector<std::uint32_t> reads, writes;
    for (std::size_t s = 0; s < cross_sequences; ++s) {
        const std::size_t length = 3 + generator.below(6);
        for (std::size_t i = 0; i < length; ++i) {
            Op op = generator.op();
            while (op.kind == Op::Blit || op.kind == Op::Clear) op = generator.op(); // graphics work
            // A transfer-only family copies between buffers and images at offsets of 4 bytes.
            if (op.kind == Op::BufferToImage || op.kind == Op::ImageToBuffer) op.offset &= ~3U;
            const bool on_transfer = generator.below(2) == 1;
            const std::uint32_t family = on_transfer ? transfer_family : main_family;
            switch (op.kind) {
            case Op::Fill: write_bytes(op.buffer, op.offset, op.size); break;
            case Op::CopyBuffer:
                read_bytes(op.buffer, op.offset, op.size);
                write_bytes(op.buffer2, op.offset2, op.size);
                break;
            case Op::BufferToImage:
                read_bytes(op.buffer, op.offset, op.box.w * op.box.h * op.box.layer_count);
                write_image(op.box, family);
                break;
            case Op::ImageToBuffer:
                read_image(op.box, family);
                write_bytes(op.buffer, op.offset, op.box.w * op.box.h * op.box.layer_count);
                break;
            case Op::CopyImage:
                read_image(op.box, family);
                write_image(op.box2, family);
                break;
            default: FAIL() << "unexpected kind";
            }
            prepare(on_transfer);
            const vk::CommandBuffer cmd = open->handle();
            const vk::Buffer b1 = buffers[op.buffer]->handle();
            const vk::Buffer b2 = buffers[op.buffer2]->handle();
            switch (op.kind) {
            case Op::Fill: cmd.fillBuffer(b1, op.offset, op.size, op.value * 0x01010101U); break;
            case Op::CopyBuffer: cmd.copyBuffer(b1, b2, vk::BufferCopy(op.offset, op.offset2, op.size)); break;
            case Op::BufferToImage:
                cmd.copyBufferToImage(b1, images[op.box.image]->handle(), vk::ImageLayout::eTransferDstOptimal,
                                      vk::BufferImageCopy(op.offset, 0, 0, layers_of(op.box), offset_of(op.box),
                                                          {op.box.w, op.box.h, 1}));
                break;
            case Op::ImageToBuffer:
                cmd.copyImageToBuffer(images[op.box.image]->handle(), vk::ImageLayout::eTransferSrcOptimal, b1,
                                      vk::BufferImageCopy(op.offset, 0, 0, layers_of(op.box), offset_of(op.box),
                                                          {op.box.w, op.box.h, 1}));
                break;
            default:
                cmd.copyImage(images[op.box.image]->handle(), vk::ImageLayout::eTransferSrcOptimal,
                              images[op.box2.image]->handle(), vk::ImageLayout::eTransferDstOptimal,
                              vk::ImageCopy(layers_of(op.box), offset_of(op.box), layers_of(op.box2),
                                            offset_of(op.box2), {op.box.w, op.box.h, 1}));
                break;
            }
            elements_of(op, reads, writes);
            if (op.kind == Op::Fill) {
                for (const auto e : writes) model[e] = static_cast<std::uint8_t>(op.value);
            } else {
                std::vector<std::uint8_t> moved;
                for (const auto e : reads) moved.push_back(model[e]);
                for (std::size_t k = 0; k < writes.size(); ++k) model[writes[k]] = moved[k];
            }
        }

        // Everything read back on the main queue, then compared.
        for (std::uint32_t b = 0; b < 2; ++b) read_bytes(b, 0, buffer_bytes);
        for (auto &image : images) {
            tracker.request(image->tracked(), ImageUse{stage, vk::AccessFlagBits2::eTransferRead,
                                                       vk::ImageLayout::eTransferSrcOptimal, main_family});
        }
        tracker.request(*readback, BufferUse{stage, vk::AccessFlagBits2::eTransferWrite});
        prepare(false);
        for (std::uint32_t b = 0; b < 2; ++b) {
            open->handle().copyBuffer(buffers[b]->handle(), readback->handle(),
                                      vk::BufferCopy(0, buffer_element(b, 0), buffer_bytes));
        }
        for (std::uint32_t i = 0; i < 2; ++i) {
            for (std::uint32_t layer = 0; layer < layers; ++layer) {
                for (std::uint32_t level = 0; level < levels; ++level) {
                    const vk::BufferImageCopy region(
                        image_element(i, layer, level, 0, 0), 0, 0,
                        vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, level, layer, 1), {},
                        vk::Extent3D{extent_of(level), extent_of(level), 1});
                    open->handle().copyImageToBuffer(images[i]->handle(), vk::ImageLayout::eTransferSrcOptimal,
                                                     readback->handle(), region);
                }
            }
        }
        tracker.request(*readback, BufferUse{vk::PipelineStageFlagBits2::eHost, vk::AccessFlagBits2::eHostRead});
        tracker.flush(*open);
        submit_open();
        ASSERT_TRUE(timeline.wait(value));
        in_flight.clear();
        ASSERT_EQ(readback->read_as_vector(0, element_count), model) << "sequence " << s;
        ASSERT_EQ(validation_errors_so_far(), 0U) << "sequence " << s;
    }
    std::printf("cross-queue oracle: %zu sequences, %zu submissions, %zu ownership-transfer barriers (%s)\n",
                cross_sequences, submissions, ownership_transfers,
                two_families ? "two families" : "one family: submissions only");
    if (two_families) {
        EXPECT_GT(ownership_transfers, cross_sequences);
    }
    EXPECT_GT(submissions, 2 * cross_sequences);
}

} // namespace
} // namespace vw
