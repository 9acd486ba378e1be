#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "VulkanWrapper/Vulkan/Device.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"

namespace vw::detail {

// One feature structure the library knows (FeatureTables.inc, generated from vk.xml).
struct FeatureStructureInfo {
    vk::StructureType type;
    const char *name;           // "VkPhysicalDeviceRobustness2FeaturesEXT"
    std::uint32_t size;         // sizeof the C structure
    std::uint32_t core_version; // the version whose core has it; 0 when only extensions do
    std::array<const char *, 2> extensions; // the device extensions that provide it, or nullptr
};

// One VkBool32 member of such a structure. A member of a promoted structure has a twin in
// VkPhysicalDeviceVulkan11/12/13Features, which replaces it where that structure is usable
// (the two must not both be passed to vkCreateDevice).
struct FeatureMemberInfo {
    vk::StructureType type;
    std::uint32_t offset;
    const char *name;
    bool has_twin;
    vk::StructureType twin_type;
    std::uint32_t twin_offset;
};

// The table entries for a structure or member; nullptr when the library does not know it.
const FeatureStructureInfo *find_feature_structure(vk::StructureType type) noexcept;
const FeatureMemberInfo *find_feature(const FeatureMember &feature) noexcept;

// "sparseBinding" for the core structures, "nullDescriptor (VkPhysicalDeviceRobustness2FeaturesEXT)"
// for the others.
std::string feature_name(const FeatureMemberInfo &feature);

// Where a feature is read and enabled on one device.
struct FeatureLocation {
    vk::StructureType type;
    std::uint32_t offset;
    const char *extension; // the device extension to enable for the structure; nullptr if core
};

// Adds `extension` and every device extension it needs (vk.xml's `requires`, transitively; a
// dependency promoted to a core version `api_version` reaches is not needed) to `enabled`, once
// each. When one of them is not in `available` nothing is added and false is returned, with
// "VK_X needs device extension VK_Y, which the device lacks" in `why`.
bool add_with_dependencies(std::vector<std::string> &enabled, std::string_view extension,
                           std::uint32_t api_version, const std::vector<std::string> &available,
                           std::string &why);

// The location of `feature` at usable version `api_version` with device extensions
// `extensions` (sorted or not; an extension counts only with what it needs); nullopt when neither the version nor an extension provides its
// structure, with the rejection reason in `why`.
std::optional<FeatureLocation> locate_feature(const FeatureMemberInfo &feature,
                                              std::uint32_t api_version,
                                              const std::vector<std::string> &extensions,
                                              std::string &why);

// A pNext chain of feature structures for vkGetPhysicalDeviceFeatures2 and vkCreateDevice:
// vk::PhysicalDeviceFeatures2 first, then VkPhysicalDeviceVulkan11/12Features from Vulkan 1.2
// and VkPhysicalDeviceVulkan13Features from 1.3, then each structure of `extra` once (the
// caller passes only structures valid for the device). Every boolean starts VK_FALSE.
class FeatureChain {
public:
    FeatureChain(std::uint32_t api_version, const std::vector<vk::StructureType> &extra);

    vk::PhysicalDeviceFeatures2 &head() noexcept;
    // The member at `offset` of the structure `type`; nullptr when it is not in the chain.
    vk::Bool32 *field(vk::StructureType type, std::uint32_t offset) noexcept;
    vk::Bool32 *field(const FeatureLocation &location) noexcept {
        return field(location.type, location.offset);
    }
    bool contains(vk::StructureType type) const noexcept;

private:
    void add(vk::StructureType type);

    struct Structure {
        vk::StructureType type;
        std::uint32_t size;
        std::unique_ptr<std::uint64_t[]> storage; // 8-byte aligned, zeroed
    };
    std::vector<Structure> m_structures;
};

// The features the library needs on every device, and those it enables where supported.
std::vector<FeatureMember> library_required_features();
std::vector<FeatureMember> library_requested_features();

struct QueueFamilies {
    std::uint32_t main;
    std::uint32_t compute;
    std::uint32_t transfer;
    std::optional<std::uint32_t> graphics;
};

// Picks the families Device uses; nullopt when the device has no compute- or graphics-capable
// family at all.
std::optional<QueueFamilies> choose_queue_families(
    const std::vector<vk::QueueFamilyProperties> &families);

// The extensions the library enables on a device besides what the user asked for: required
// ones for features promoted after the device's API version, requested ones where present.
std::vector<std::string> library_required_extensions(std::uint32_t api_version);
std::vector<std::string> library_requested_extensions(std::uint32_t api_version);

std::uint32_t effective_api_version(std::uint32_t instance_version, std::uint32_t device_version);

// What device selection looks at, so that it can be tested with any list of devices.
struct DeviceSummary {
    std::uint32_t index;
    std::string name;
    vk::PhysicalDeviceType type;
    vk::DeviceSize device_local_bytes;
    bool fits;
};

// Positions in `devices` that VW_DEVICE=`selector` names (an index, or a case-insensitive part
// of the name); every position when `selector` is empty.
std::vector<std::size_t> devices_matching(const std::vector<DeviceSummary> &devices,
                                          std::string_view selector);

// The best fitting device among `positions`: the preferred type first, then discrete >
// integrated > virtual > CPU > other, then the most device-local memory; nullopt when none fits.
std::optional<std::size_t> best_device(const std::vector<DeviceSummary> &devices,
                                       const std::vector<std::size_t> &positions,
                                       std::optional<vk::PhysicalDeviceType> preferred);

// DeviceFinder::find()'s choice: the position in `devices` of the best fitting device that
// VW_DEVICE=`selector` allows. Throws NoDeviceError when there is no device, when `selector`
// names none, or when none of those it allows fits; `listing` (every device with its reasons,
// one per line, each starting with a newline) ends the message.
std::size_t choose_device(const std::vector<DeviceSummary> &devices, std::string_view selector,
                          std::optional<vk::PhysicalDeviceType> preferred,
                          const std::string &listing);

} // namespace vw::detail

namespace vw {

struct Device::Config {
    std::shared_ptr<Instance> instance;
    PhysicalDevice physical_device;
    std::uint32_t api_version;
    // The extensions to enable (sorted), before those the features' structures add.
    std::vector<std::string> extensions;
    // What the user asked for; the library adds its own in Device's constructor.
    std::vector<FeatureMember> required_features;
    std::vector<FeatureMember> requested_features;
    detail::QueueFamilies families;
};

} // namespace vw
