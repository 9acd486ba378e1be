#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw::test {

/// The process-wide instance (validation layer and synchronization validation on) and device
/// that device tests share.
std::shared_ptr<Instance> shared_instance();
std::shared_ptr<Device> shared_device();

/// Base of every test that touches a device. Fails the test if the validation layer reported
/// an error while it ran, unless the test announced that it provokes errors on purpose.
class VulkanTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    /// The test makes invalid calls deliberately: at least one validation error is then
    /// expected instead of none.
    void expect_validation_errors() { m_expect_errors = true; }
    /// Validation errors reported since the test started.
    [[nodiscard]] std::uint64_t validation_errors_so_far() const;

    std::shared_ptr<Instance> instance;
    std::shared_ptr<Device> device;

private:
    std::uint64_t m_baseline = 0;
    std::uint64_t m_vma_baseline = 0;
    bool m_expect_errors = false;
};

/// A VulkanTest with a fresh allocator on the shared device, so that statistics start at zero.
class AllocatorTest : public VulkanTest {
protected:
    void SetUp() override;
    void TearDown() override;

    std::shared_ptr<Allocator> allocator;
};

/// An ImageBuilder for a small sampled image (R8G8B8A8Unorm, `side` × `side`) on `allocator`'s
/// device: tests change what they need and build.
[[nodiscard]] ImageBuilder small_image(const std::shared_ptr<Allocator> &allocator,
                                       std::uint32_t side = 16);

/// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedEnv {
public:
    ScopedEnv(const char *name, const char *value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
    std::string m_name;
    std::optional<std::string> m_previous;
};

} // namespace vw::test
