// Dynamic uniform offsets from a per-frame arena: every dispatch of every frame takes its
// parameters from a chunk of one vw::FrameArena, bound with the chunk's offset as the dynamic
// offset of a VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC binding. Two frames are in flight; each
// frame's chunks come back when the timeline value its submission signals is reached. Run with
// the validation layer (synchronization validation included) on; the result is checked.
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <VulkanWrapper/Command/CommandBuffer.h>
#include <VulkanWrapper/Command/CommandPool.h>
#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Memory/FrameArena.h>
#include <VulkanWrapper/Synchronization/Semaphore.h>
#include <VulkanWrapper/Synchronization/Submission.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

#include "Support/Spirv.h"

namespace {

struct Params {
    std::uint32_t first, count, addend, pad;
};

} // namespace

int main(int argc, char **argv) {
    try {
        const char *shader_path = argc > 1 ? argv[1] : VW_EXAMPLE_SHADER;
        auto instance = vw::InstanceBuilder().setDebug().setApplicationName("dynamic_uniforms").build();
        auto device = instance->findGpu().requireComputeQueue().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        vw::Transfer transfer(device, allocator);

        constexpr std::uint32_t count = 4096;
        constexpr std::uint32_t parts = 4;  // dispatches per frame, each on a quarter
        constexpr std::uint64_t frames = 6;
        using Storage = vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage>;
        auto data = allocator->allocate<Storage>(count, "data");
        transfer.upload(*data, std::vector<std::uint32_t>(count, 0));

        // A fixed ring (ArenaExhaustion::Throw): its VkBuffer never changes, so one descriptor
        // write covers every frame; growth would bring a new buffer to bind.
        vw::FrameArena arena(allocator, vw::FrameArenaOptions()
                                            .setCapacity(64 << 10)
                                            .setUsage(vk::BufferUsageFlagBits::eUniformBuffer)
                                            .setExhaustion(vw::ArenaExhaustion::Throw)
                                            .setName("dispatch parameters"));

        const vk::Device vk_device = device->handle();
        const vk::UniqueShaderModule shader = example::shader_module(vk_device, shader_path);
        const std::array bindings{
            vk::DescriptorSetLayoutBinding(0, vk::DescriptorType::eUniformBufferDynamic, 1, vk::ShaderStageFlagBits::eCompute),
            vk::DescriptorSetLayoutBinding(1, vk::DescriptorType::eStorageBuffer, 1, vk::ShaderStageFlagBits::eCompute)};
        const vk::UniqueDescriptorSetLayout set_layout = vk_device.createDescriptorSetLayoutUnique({{}, bindings});
        const vk::UniquePipelineLayout layout = vk_device.createPipelineLayoutUnique({{}, *set_layout});
        const vk::ComputePipelineCreateInfo pipeline_info(
            {}, {{}, vk::ShaderStageFlagBits::eCompute, *shader, "main"}, *layout);
        const vk::UniquePipeline pipeline = vk_device.createComputePipelineUnique({}, pipeline_info).value;

        const std::array pool_sizes{vk::DescriptorPoolSize(vk::DescriptorType::eUniformBufferDynamic, 1),
                                    vk::DescriptorPoolSize(vk::DescriptorType::eStorageBuffer, 1)};
        const vk::UniqueDescriptorPool descriptor_pool = vk_device.createDescriptorPoolUnique({{}, 1, pool_sizes});
        const vk::DescriptorSet set = vk_device.allocateDescriptorSets({*descriptor_pool, *set_layout}).front();
        const vw::ArenaChunk<Params> probe = arena.allocate<Params>(1);   // for the ring's handle
        const vk::DescriptorBufferInfo params_info(probe.handle(), 0, sizeof(Params));
        const vk::DescriptorBufferInfo data_info(data->handle(), 0, VK_WHOLE_SIZE);
        vk_device.updateDescriptorSets(
            {vk::WriteDescriptorSet(set, 0, 0, vk::DescriptorType::eUniformBufferDynamic, {}, params_info),
             vk::WriteDescriptorSet(set, 1, 0, vk::DescriptorType::eStorageBuffer, {}, data_info)},
            {});

        vw::Queue &queue = device->compute_queue();
        vw::CommandPool pool(device, queue.family_index());
        std::array<vw::CommandBuffer, 2> slots{pool.allocate(), pool.allocate()};
        vw::Semaphore timeline(device);
        std::vector<std::uint32_t> expected(count, 0);

        for (std::uint64_t frame = 1; frame <= frames; ++frame) {
            // Two frames in flight: the slot's previous frame must be done before re-recording.
            if (frame > 2) timeline.wait(frame - 2);
            vw::CommandBuffer &commands = slots[frame % 2];
            commands.begin();
            const vk::CommandBuffer cmd = commands.handle();
            // Earlier frames' writes to `data` come before this frame's reads and writes.
            const vk::MemoryBarrier2 previous(
                vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryWrite,
                vk::PipelineStageFlagBits2::eComputeShader,
                vk::AccessFlagBits2::eShaderStorageRead | vk::AccessFlagBits2::eShaderStorageWrite);
            cmd.pipelineBarrier2(vk::DependencyInfo({}, previous));
            cmd.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline);
            for (std::uint32_t part = 0; part < parts; ++part) {
                const std::uint32_t first = part * (count / parts);
                const auto addend = static_cast<std::uint32_t>(frame * 10 + part);
                vw::ArenaChunk<Params> chunk = arena.allocate<Params>(1);
                chunk.write(Params{first, count / parts, addend, 0});
                const auto dynamic_offset = static_cast<std::uint32_t>(chunk.offset());
                cmd.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *layout, 0, set, dynamic_offset);
                cmd.dispatch(count / parts / 64, 1, 1);
                for (std::uint32_t i = first; i < first + count / parts; ++i) expected[i] += addend;
            }
            const vk::MemoryBarrier2 written(vk::PipelineStageFlagBits2::eComputeShader,
                                             vk::AccessFlagBits2::eShaderStorageWrite,
                                             vk::PipelineStageFlagBits2::eAllCommands,
                                             vk::AccessFlagBits2::eMemoryRead);
            cmd.pipelineBarrier2(vk::DependencyInfo({}, written));
            commands.end();
            vw::Submission(queue).addCommands(commands).addSignal(timeline, frame).submit();
            arena.end_frame(timeline.handle(), frame);   // this frame's chunks come back at `frame`
        }
        timeline.wait(frames);
        arena.reclaim();

        const std::vector<std::uint32_t> result = transfer.download(*data);
        const bool ok = result == expected && !probe.is_live() &&
                        arena.statistics().pending_frames == 0 && instance->validation_error_count() == 0;
        std::printf("device: %s, %llu frames of %u dispatches with dynamic uniform offsets\n",
                    std::string(device->physical_device().name()).c_str(),
                    static_cast<unsigned long long>(frames), parts);
        std::printf("%s\n", ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "dynamic_uniforms: %s\n", error.what());
        return 1;
    }
}
