// Load + mips + upload of a 4096 × 4096 RGBA PNG, in steps, beside a plain memcpy of its 64 MiB
// of pixels in the same process: decode (vw::load_image from the file's bytes in memory),
// upload (vw::upload_texture without mips: image, conversion, Transfer), mip generation alone
// (the 12 levels' blits recorded with a ResourceTracker, submitted and waited for), and the one
// call that does all three (vw::load_texture). Median of --rounds (default 5) rounds each,
// rounds interleaved; ratios are time ÷ the memcpy's time (on lavapipe only ratios mean
// anything). The picture is a gradient with noise, so that PNG compresses it as a photo-like
// image (about 2 bytes a pixel), encoded once by vw::encode_png. No validation layer. Build in
// Release.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/CommandRecorder.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageFile.h"
#include "VulkanWrapper/Image/Mipmaps.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Synchronization/ResourceTracker.h"
#include "VulkanWrapper/Transfer/Texture.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "VulkanWrapper/Vulkan/Queue.h"

namespace {

using Clock = std::chrono::steady_clock;

double milliseconds(const std::function<void()> &step) {
    const auto start = Clock::now();
    step();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

vw::PixelImage picture(std::uint32_t side) {
    vw::PixelImage image{side, side, 4, vw::PixelType::UInt8, std::vector<std::byte>(std::size_t{side} * side * 4)};
    std::mt19937 random(7);
    for (std::uint32_t y = 0; y < side; ++y) {
        for (std::uint32_t x = 0; x < side; ++x) {
            std::byte *texel = &image.pixels[(std::size_t{y} * side + x) * 4];
            const std::uint32_t noise = random() & 7U;
            texel[0] = static_cast<std::byte>((x * 255 / side + noise) & 0xffU);
            texel[1] = static_cast<std::byte>((y * 255 / side + noise) & 0xffU);
            texel[2] = static_cast<std::byte>(((x + y) * 127 / side + noise) & 0xffU);
            texel[3] = std::byte{255};
        }
    }
    return image;
}

} // namespace

int main(int argc, char **argv) {
    int rounds = 5;
    std::uint32_t side = 4096;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--rounds=", 0) == 0) rounds = std::max(1, std::atoi(arg.c_str() + 9));
        else if (arg.rfind("--side=", 0) == 0) side = static_cast<std::uint32_t>(std::max(16, std::atoi(arg.c_str() + 7)));
        else {
            std::fprintf(stderr, "usage: %s [--rounds=N] [--side=PIXELS]\n", argv[0]);
            return 2;
        }
    }
    try {
        auto instance = vw::InstanceBuilder().setApplicationName("vw-bench-texture").build();
        auto device = instance->findGpu().find().build();
        auto allocator = vw::AllocatorBuilder(instance, device).build();
        vw::Transfer transfer(device, allocator);
        vw::Queue &queue = device->has_graphics_queue() ? device->graphics_queue() : device->compute_queue();
        vw::CommandPool pool(device, queue.family_index());

        const vw::PixelImage pixels = picture(side);
        std::vector<std::byte> file;
        const double encode = milliseconds([&] { file = vw::encode_png(pixels); });
        std::vector<std::byte> copy(pixels.pixels.size());
        const vw::TextureOptions no_mips{.color_space = vw::ColorSpace::Linear, .mipmaps = false};
        const vw::TextureOptions with_mips{.color_space = vw::ColorSpace::Linear};

        std::vector<double> memcpy_ms, decode_ms, upload_ms, mips_ms, total_ms;
        for (int round = 0; round < rounds; ++round) {
            memcpy_ms.push_back(milliseconds([&] { std::memcpy(copy.data(), pixels.pixels.data(), copy.size()); }));
            vw::PixelImage decoded;
            decode_ms.push_back(milliseconds([&] { decoded = vw::load_image(file); }));
            if (decoded.pixels != pixels.pixels) throw std::runtime_error("decode mismatch");
            upload_ms.push_back(milliseconds([&] { (void)vw::upload_texture(transfer, allocator, decoded, "bench", no_mips); }));

            auto chain = vw::ImageBuilder()
                             .setDevice(device)
                             .setAllocator(allocator)
                             .setFormat(vk::Format::eR8G8B8A8Unorm)
                             .setExtent(vw::Width{side}, vw::Height{side})
                             .setFullMipChain()
                             .setUsage(vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eTransferSrc |
                                       vk::ImageUsageFlagBits::eTransferDst)
                             .build();
            transfer.upload(*chain, decoded.pixels, vw::MipLevel{0}, vw::ArrayLayer{0},
                            vk::ImageLayout::eTransferSrcOptimal);
            vw::CommandBuffer commands = pool.allocate();
            mips_ms.push_back(milliseconds([&] {
                vw::ResourceTracker tracker;
                tracker.track(chain->tracked(), vw::mip_range(*chain, vw::MipLevel{0}),
                              vw::ImageUse{vk::PipelineStageFlagBits2::eAllTransfer, vk::AccessFlagBits2::eTransferWrite,
                                           vk::ImageLayout::eTransferSrcOptimal});
                vw::CommandRecorder recorder(commands, tracker);
                recorder.generate_mipmaps(*chain);
                tracker.request(chain->tracked(), vw::ImageUse{vk::PipelineStageFlagBits2::eAllCommands,
                                                               vk::AccessFlagBits2::eMemoryRead,
                                                               vk::ImageLayout::eShaderReadOnlyOptimal});
                recorder.flush();
                recorder.end();
                commands.submit_and_wait(queue);
            }));
            total_ms.push_back(milliseconds([&] { (void)vw::load_texture(transfer, allocator, file, "bench", with_mips); }));
        }
        const double base = median(memcpy_ms);
        std::printf("device: %s\n", std::string(device->physical_device().name()).c_str());
        std::printf("picture: %u x %u RGBA8, %zu bytes of pixels, PNG %zu bytes (encoded once in %.1f ms)\n", side,
                    side, pixels.pixels.size(), file.size(), encode);
        std::printf("rounds: %d (medians)\n", rounds);
        std::printf("%-28s %10s %10s\n", "step", "ms", "x memcpy");
        auto line = [&](const char *name, const std::vector<double> &values) {
            std::printf("%-28s %10.2f %10.1f\n", name, median(values), median(values) / base);
        };
        line("memcpy of the pixels", memcpy_ms);
        line("decode (load_image)", decode_ms);
        line("upload (no mips)", upload_ms);
        line("mip generation (12 blits)", mips_ms);
        line("load_texture (all three)", total_ms);
        return 0;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "vw-bench-texture: %s\n", error.what());
        return 1;
    }
}
