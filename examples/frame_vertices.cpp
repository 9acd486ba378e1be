// Per-frame vertex data from a per-frame arena: every frame writes its vertices into a chunk of
// one vw::FrameArena and draws them straight from the ring buffer (bound at the chunk's offset),
// with no staging and no buffer of its own; two frames are in flight on a timeline semaphore
// and each frame's chunk comes back when its value is reached. Frame f draws one row of points
// into an offscreen image, which is read back and checked pixel by pixel. Run with the
// validation layer (synchronization validation included) on.
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <VulkanWrapper/Command/CommandBuffer.h>
#include <VulkanWrapper/Command/CommandPool.h>
#include <VulkanWrapper/Image/Image.h>
#include <VulkanWrapper/Image/ImageView.h>
#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Memory/FrameArena.h>
#include <VulkanWrapper/Synchronization/Semaphore.h>
#include <VulkanWrapper/Synchronization/Submission.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>

#include "Support/Spirv.h"

namespace {

struct Point {
    float x, y;
    std::array<std::uint8_t, 4> colour;
};

constexpr std::uint32_t side = 32;

std::array<std::uint8_t, 4> colour_of(std::uint32_t frame, std::uint32_t column) {
    return {static_cast<std::uint8_t>(frame * 20), static_cast<std::uint8_t>(column * 4),
            static_cast<std::uint8_t>(255 - frame), 255};
}

vk::UniqueRenderPass make_render_pass(vk::Device device, bool clear) {
    const vk::AttachmentDescription attachment(
        {}, vk::Format::eR8G8B8A8Unorm, vk::SampleCountFlagBits::e1,
        clear ? vk::AttachmentLoadOp::eClear : vk::AttachmentLoadOp::eLoad, vk::AttachmentStoreOp::eStore,
        vk::AttachmentLoadOp::eDontCare, vk::AttachmentStoreOp::eDontCare,
        clear ? vk::ImageLayout::eUndefined : vk::ImageLayout::eColorAttachmentOptimal,
        vk::ImageLayout::eColorAttachmentOptimal);
    const vk::AttachmentReference reference(0, vk::ImageLayout::eColorAttachmentOptimal);
    const vk::SubpassDescription subpass({}, vk::PipelineBindPoint::eGraphics, {}, reference);
    // The previous frame's drawing comes before this frame's.
    const vk::SubpassDependency previous(
        VK_SUBPASS_EXTERNAL, 0, vk::PipelineStageFlagBits::eColorAttachmentOutput,
        vk::PipelineStageFlagBits::eColorAttachmentOutput, vk::AccessFlagBits::eColorAttachmentWrite,
        vk::AccessFlagBits::eColorAttachmentRead | vk::AccessFlagBits::eColorAttachmentWrite);
    return device.createRenderPassUnique({{}, attachment, subpass, previous});
}

} // namespace

int main(int argc, char **argv) {
    try {
        const char *vertex_path = argc > 2 ? argv[1] : VW_EXAMPLE_VERTEX_SHADER;
        const char *fragment_path = argc > 2 ? argv[2] : VW_EXAMPLE_FRAGMENT_SHADER;
        auto instance = vw::InstanceBuilder().setDebug().setApplicationName("frame_vertices").build();
        auto device = instance->findGpu().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        vw::Transfer transfer(device, allocator);
        constexpr std::uint32_t frames = 12;

        vw::FrameArena arena(allocator, vw::FrameArenaOptions()
                                            .setCapacity(16 << 10)
                                            .setUsage(vk::BufferUsageFlagBits::eVertexBuffer)
                                            .setName("frame vertices"));

        auto image = vw::ImageBuilder()
                         .setDevice(device).setAllocator(allocator)
                         .setFormat(vk::Format::eR8G8B8A8Unorm).setExtent(vw::Width{side}, vw::Height{side})
                         .setUsage(vk::ImageUsageFlagBits::eColorAttachment | vk::ImageUsageFlagBits::eTransferSrc)
                         .setName("target")
                         .build();
        auto view = vw::ImageViewBuilder().setDevice(device).setImage(*image).build();

        const vk::Device vk_device = device->handle();
        const vk::UniqueRenderPass clear_pass = make_render_pass(vk_device, true);
        const vk::UniqueRenderPass load_pass = make_render_pass(vk_device, false);
        const vk::ImageView attachment = view->handle();
        const vk::UniqueFramebuffer framebuffer =
            vk_device.createFramebufferUnique({{}, *clear_pass, attachment, side, side, 1});

        const vk::UniqueShaderModule vertex_shader = example::shader_module(vk_device, vertex_path);
        const vk::UniqueShaderModule fragment_shader = example::shader_module(vk_device, fragment_path);
        const std::array stages{
            vk::PipelineShaderStageCreateInfo({}, vk::ShaderStageFlagBits::eVertex, *vertex_shader, "main"),
            vk::PipelineShaderStageCreateInfo({}, vk::ShaderStageFlagBits::eFragment, *fragment_shader, "main")};
        const vk::VertexInputBindingDescription binding(0, sizeof(Point), vk::VertexInputRate::eVertex);
        const std::array attributes{
            vk::VertexInputAttributeDescription(0, 0, vk::Format::eR32G32Sfloat, offsetof(Point, x)),
            vk::VertexInputAttributeDescription(1, 0, vk::Format::eR8G8B8A8Unorm, offsetof(Point, colour))};
        const vk::PipelineVertexInputStateCreateInfo vertex_input({}, binding, attributes);
        const vk::PipelineInputAssemblyStateCreateInfo assembly({}, vk::PrimitiveTopology::ePointList);
        const vk::Viewport viewport(0, 0, side, side, 0, 1);
        const vk::Rect2D scissor({0, 0}, {side, side});
        const vk::PipelineViewportStateCreateInfo viewport_state({}, viewport, scissor);
        vk::PipelineRasterizationStateCreateInfo rasterization;
        rasterization.lineWidth = 1.0f;
        const vk::PipelineMultisampleStateCreateInfo multisample;
        vk::PipelineColorBlendAttachmentState blend;
        blend.colorWriteMask = vk::ColorComponentFlagBits::eR | vk::ColorComponentFlagBits::eG |
                               vk::ColorComponentFlagBits::eB | vk::ColorComponentFlagBits::eA;
        const vk::PipelineColorBlendStateCreateInfo blend_state({}, false, vk::LogicOp::eCopy, blend);
        const vk::UniquePipelineLayout layout = vk_device.createPipelineLayoutUnique({});
        vk::GraphicsPipelineCreateInfo pipeline_info({}, stages, &vertex_input, &assembly, nullptr,
                                                     &viewport_state, &rasterization, &multisample,
                                                     nullptr, &blend_state, nullptr, *layout, *clear_pass);
        const vk::UniquePipeline pipeline = vk_device.createGraphicsPipelineUnique({}, pipeline_info).value;

        vw::Queue &queue = device->graphics_queue();
        vw::CommandPool pool(device, queue.family_index());
        std::array<vw::CommandBuffer, 2> slots{pool.allocate(), pool.allocate()};
        vw::Semaphore timeline(device);

        for (std::uint32_t frame = 1; frame <= frames; ++frame) {
            if (frame > 2) timeline.wait(frame - 2);   // the slot's previous frame is done
            // This frame's vertices: one row of points, written straight into the ring.
            vw::ArenaChunk<Point> vertices = arena.allocate<Point>(side);
            std::vector<Point> row(side);
            for (std::uint32_t x = 0; x < side; ++x) {
                row[x] = {(static_cast<float>(x) + 0.5f) / side * 2 - 1,
                          (static_cast<float>(frame - 1) + 0.5f) / side * 2 - 1, colour_of(frame, x)};
            }
            vertices.write(row, 0);

            vw::CommandBuffer &commands = slots[frame % 2];
            commands.begin();
            const vk::CommandBuffer cmd = commands.handle();
            const vk::ClearValue clear(vk::ClearColorValue(std::array<float, 4>{0, 0, 0, 0}));
            cmd.beginRenderPass({frame == 1 ? *clear_pass : *load_pass, *framebuffer, scissor, clear},
                                vk::SubpassContents::eInline);
            cmd.bindPipeline(vk::PipelineBindPoint::eGraphics, *pipeline);
            const vk::Buffer ring = vertices.handle();
            const vk::DeviceSize offset = vertices.offset();
            cmd.bindVertexBuffers(0, ring, offset);
            cmd.draw(side, 1, 0, 0);
            cmd.endRenderPass();
            if (frame == frames) {
                // The image goes to the readback: color writes, then transfer-source layout.
                const vk::ImageMemoryBarrier2 to_transfer(
                    vk::PipelineStageFlagBits2::eColorAttachmentOutput, vk::AccessFlagBits2::eColorAttachmentWrite,
                    vk::PipelineStageFlagBits2::eAllCommands, vk::AccessFlagBits2::eMemoryRead,
                    vk::ImageLayout::eColorAttachmentOptimal, vk::ImageLayout::eTransferSrcOptimal,
                    VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, image->handle(),
                    {vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1});
                cmd.pipelineBarrier2(vk::DependencyInfo({}, {}, {}, to_transfer));
            }
            commands.end();
            vw::Submission(queue).addCommands(commands).addSignal(timeline, frame).submit();
            arena.end_frame(timeline.handle(), frame);
        }
        timeline.wait(frames);

        const std::vector<std::byte> pixels =
            transfer.download(*image, vw::MipLevel{0}, vw::ArrayLayer{0}, vk::ImageLayout::eTransferSrcOptimal);
        bool ok = pixels.size() == std::size_t{side} * side * 4;
        for (std::uint32_t y = 0; ok && y < side; ++y) {
            for (std::uint32_t x = 0; ok && x < side; ++x) {
                const std::array<std::uint8_t, 4> expected =
                    y < frames ? colour_of(y + 1, x) : std::array<std::uint8_t, 4>{0, 0, 0, 0};
                ok = std::memcmp(&pixels[(std::size_t{y} * side + x) * 4], expected.data(), 4) == 0;
            }
        }
        arena.reclaim();
        ok = ok && arena.statistics().pending_frames == 0 && instance->validation_error_count() == 0;
        std::printf("device: %s, %u frames of per-frame vertices drawn from the arena\n",
                    std::string(device->physical_device().name()).c_str(), frames);
        std::printf("%s\n", ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "frame_vertices: %s\n", error.what());
        return 1;
    }
}
