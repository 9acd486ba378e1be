// Buffers used on the GPU: a compute shader (shaders/transform.comp, compiled by glslc at build
// time) reads one storage buffer and writes another, both allocated and filled through the
// library. Run with the validation layer (synchronization validation included) on.
#include <cstdio>
#include <vector>

#include <VulkanWrapper/Command/CommandBuffer.h>
#include <VulkanWrapper/Command/CommandPool.h>
#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

#include "Support/Spirv.h"

int main(int argc, char **argv) {
    try {
        const char *shader_path = argc > 1 ? argv[1] : VW_EXAMPLE_SHADER;
        auto instance = vw::InstanceBuilder().setDebug().setApplicationName("compute").build();
        auto device = instance->findGpu().requireComputeQueue().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        vw::Transfer transfer(device, allocator);

        using Storage = vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage>;
        constexpr std::uint32_t count = 100000;
        auto input = allocator->allocate<Storage>(count);
        auto output = allocator->allocate<Storage>(count);
        std::vector<std::uint32_t> values(count);
        for (std::uint32_t i = 0; i < count; ++i) values[i] = i;
        transfer.upload(*input, values);

        const vk::Device vk_device = device->handle();
        const vk::UniqueShaderModule shader = example::shader_module(vk_device, shader_path);
        const std::array bindings{
            vk::DescriptorSetLayoutBinding(0, vk::DescriptorType::eStorageBuffer, 1, vk::ShaderStageFlagBits::eCompute),
            vk::DescriptorSetLayoutBinding(1, vk::DescriptorType::eStorageBuffer, 1, vk::ShaderStageFlagBits::eCompute)};
        const vk::UniqueDescriptorSetLayout set_layout = vk_device.createDescriptorSetLayoutUnique({{}, bindings});
        const vk::PushConstantRange push_range(vk::ShaderStageFlagBits::eCompute, 0, sizeof(std::uint32_t));
        const vk::UniquePipelineLayout layout = vk_device.createPipelineLayoutUnique({{}, *set_layout, push_range});
        const vk::ComputePipelineCreateInfo pipeline_info(
            {}, {{}, vk::ShaderStageFlagBits::eCompute, *shader, "main"}, *layout);
        const vk::UniquePipeline pipeline = vk_device.createComputePipelineUnique({}, pipeline_info).value;

        const vk::DescriptorPoolSize pool_size(vk::DescriptorType::eStorageBuffer, 2);
        const vk::UniqueDescriptorPool descriptor_pool = vk_device.createDescriptorPoolUnique({{}, 1, pool_size});
        const vk::DescriptorSet set = vk_device.allocateDescriptorSets({*descriptor_pool, *set_layout}).front();
        const vk::DescriptorBufferInfo input_info(input->handle(), 0, VK_WHOLE_SIZE);
        const vk::DescriptorBufferInfo output_info(output->handle(), 0, VK_WHOLE_SIZE);
        vk_device.updateDescriptorSets(
            {vk::WriteDescriptorSet(set, 0, 0, vk::DescriptorType::eStorageBuffer, {}, input_info),
             vk::WriteDescriptorSet(set, 1, 0, vk::DescriptorType::eStorageBuffer, {}, output_info)},
            {});

        vw::Queue &queue = device->compute_queue();
        vw::CommandPool pool(device, queue.family_index());
        vw::CommandBuffer commands = pool.allocate();
        commands.begin();
        const vk::CommandBuffer cmd = commands.handle();
        cmd.bindPipeline(vk::PipelineBindPoint::eCompute, *pipeline);
        cmd.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *layout, 0, set, {});
        cmd.pushConstants<std::uint32_t>(*layout, vk::ShaderStageFlagBits::eCompute, 0, count);
        cmd.dispatch((count + 63) / 64, 1, 1);
        // The shader's writes are visible to whatever reads the buffer next (the readback).
        const vk::MemoryBarrier2 written(vk::PipelineStageFlagBits2::eComputeShader,
                                         vk::AccessFlagBits2::eShaderStorageWrite,
                                         vk::PipelineStageFlagBits2::eAllCommands,
                                         vk::AccessFlagBits2::eMemoryRead);
        cmd.pipelineBarrier2(vk::DependencyInfo({}, written));
        commands.end();
        commands.submit_and_wait(queue);

        const std::vector<std::uint32_t> result = transfer.download(*output);
        bool ok = result.size() == count;
        for (std::uint32_t i = 0; ok && i < count; ++i) ok = result[i] == values[i] * 2 + 1;
        ok = ok && instance->validation_error_count() == 0;
        std::printf("device: %s, %u values transformed on the GPU\n",
                    std::string(device->physical_device().name()).c_str(), count);
        std::printf("%s\n", ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "compute: %s\n", error.what());
        return 1;
    }
}
