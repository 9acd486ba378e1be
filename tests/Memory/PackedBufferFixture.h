#pragma once

// The fixture of the PackedBufferTests suite, shared by Memory/PackedBufferTests.cpp and
// Memory/BufferSliceTests.cpp: GoogleTest requires every test of a suite to use the same fixture class.

#include <cstdint>

#include <gtest/gtest.h>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/PackedBuffer.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw::test {

using UniformPack = PackedBuffer<std::uint32_t, true, UniformBufferUsage>;
using DevicePack = PackedBuffer<std::uint32_t, false, StorageBufferUsage>;

class PackedBufferTests : public AllocatorTest {
protected:
    const vk::PhysicalDeviceLimits &limits() const {
        return device->physical_device().properties().limits;
    }
};

} // namespace vw::test
