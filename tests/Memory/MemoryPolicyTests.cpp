#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "VulkanWrapper/Memory/MemoryPolicy.h"

namespace vw {
namespace {

using Flags = vk::MemoryPropertyFlags;
constexpr auto device_local = vk::MemoryPropertyFlagBits::eDeviceLocal;
constexpr auto host_visible = vk::MemoryPropertyFlagBits::eHostVisible;
constexpr auto coherent = vk::MemoryPropertyFlagBits::eHostCoherent;
constexpr auto cached = vk::MemoryPropertyFlagBits::eHostCached;
constexpr vk::DeviceSize GiB = vk::DeviceSize{1} << 30;

struct Heap {
    vk::DeviceSize size;
    bool device_local;
};

vk::PhysicalDeviceMemoryProperties memory(std::initializer_list<Heap> heaps,
                                          std::initializer_list<std::pair<std::uint32_t, Flags>> types) {
    vk::PhysicalDeviceMemoryProperties properties;
    for (const Heap &heap : heaps) {
        properties.memoryHeaps[properties.memoryHeapCount++] =
            vk::MemoryHeap(heap.size, heap.device_local ? vk::MemoryHeapFlagBits::eDeviceLocal : vk::MemoryHeapFlags{});
    }
    for (const auto &[heap, flags] : types) properties.memoryTypes[properties.memoryTypeCount++] = vk::MemoryType(flags, heap);
    return properties;
}

// The H200's (and H100's) layout, as vw-info lists it: all of VRAM host-visible.
TEST(MemoryPolicyTests, FullResizableBarIsFound) {
    const auto h200 = memory({{140 * GiB, true}, {94 * GiB, false}},
                             {{1, {}},
                              {0, device_local},
                              {1, host_visible | coherent},
                              {1, host_visible | coherent | cached},
                              {0, device_local | host_visible | coherent}});
    EXPECT_TRUE(detail::has_resizable_bar(h200));
    EXPECT_FALSE(detail::is_unified_memory(h200));
}

// A discrete GPU without resizable BAR: the 256 MiB window is a heap of its own.
TEST(MemoryPolicyTests, ASmallBarWindowIsNotResizableBar) {
    const auto small_bar = memory({{16 * GiB, true}, {32 * GiB, false}, {GiB / 4, true}},
                                  {{0, device_local},
                                   {1, host_visible | coherent},
                                   {1, host_visible | coherent | cached},
                                   {2, device_local | host_visible | coherent}});
    EXPECT_FALSE(detail::has_resizable_bar(small_bar));
    EXPECT_FALSE(detail::is_unified_memory(small_bar));
    const auto no_bar = memory({{16 * GiB, true}, {32 * GiB, false}}, {{0, device_local}, {1, host_visible | coherent}});
    EXPECT_FALSE(detail::has_resizable_bar(no_bar));
}

// lavapipe and integrated GPUs: unified memory, which the policy treats apart.
TEST(MemoryPolicyTests, UnifiedMemoryIsRecognised) {
    const auto lavapipe = memory({{8 * GiB, true}}, {{0, device_local | host_visible | coherent | cached}});
    EXPECT_TRUE(detail::is_unified_memory(lavapipe));
    const auto host_only = memory({{8 * GiB, false}}, {{0, host_visible | coherent}});
    EXPECT_FALSE(detail::is_unified_memory(host_only));
    EXPECT_FALSE(detail::has_resizable_bar(host_only));
}

} // namespace
} // namespace vw
