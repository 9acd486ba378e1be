#include "DeviceConfig.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <tuple>

#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

namespace {

bool contains(const std::vector<std::string> &names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

std::uint32_t effective_api_version(std::uint32_t instance_version,
                                    std::uint32_t device_version) {
    const auto major_minor = [](std::uint32_t v) {
        return VK_MAKE_API_VERSION(0, VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v), 0);
    };
    return std::min(major_minor(instance_version), major_minor(device_version));
}

namespace {

#define VW_FEATURE_STRUCTURE(Type, sType, core, first, second)                                   \
    {static_cast<vk::StructureType>(sType), #Type, static_cast<std::uint32_t>(sizeof(Type)), core, \
     {first, second}},
#define VW_FEATURE_MEMBER(Type, sType, member)
#define VW_PROMOTED_FEATURE_MEMBER(Type, sType, member, Twin, twin_sType)
#define VW_CORE10_FEATURE_MEMBER(member)
const FeatureStructureInfo feature_structures[] = {
#include "FeatureTables.inc"
};
#undef VW_FEATURE_STRUCTURE
#undef VW_FEATURE_MEMBER
#undef VW_PROMOTED_FEATURE_MEMBER
#undef VW_CORE10_FEATURE_MEMBER

#define VW_FEATURE_STRUCTURE(Type, sType, core, first, second)
#define VW_FEATURE_MEMBER(Type, sType, member)                                                   \
    {static_cast<vk::StructureType>(sType), static_cast<std::uint32_t>(offsetof(Type, member)),  \
     #member, false, vk::StructureType{}, 0},
#define VW_PROMOTED_FEATURE_MEMBER(Type, sType, member, Twin, twin_sType)                        \
    {static_cast<vk::StructureType>(sType), static_cast<std::uint32_t>(offsetof(Type, member)),  \
     #member, true, static_cast<vk::StructureType>(twin_sType),                                  \
     static_cast<std::uint32_t>(offsetof(Twin, member))},
#define VW_CORE10_FEATURE_MEMBER(member)                                                          \
    {vk::StructureType::ePhysicalDeviceFeatures2,                                                \
     static_cast<std::uint32_t>(offsetof(VkPhysicalDeviceFeatures2, features) +                  \
                                offsetof(VkPhysicalDeviceFeatures, member)),                     \
     #member, false, vk::StructureType{}, 0},
const FeatureMemberInfo feature_members[] = {
#include "FeatureTables.inc"
};
#undef VW_FEATURE_STRUCTURE
#undef VW_FEATURE_MEMBER
#undef VW_PROMOTED_FEATURE_MEMBER
#undef VW_CORE10_FEATURE_MEMBER

struct ExtensionRequirement {
    std::string_view extension;
    std::string_view needs;
};
#define VW_FEATURE_STRUCTURE(Type, sType, core, first, second)
#define VW_FEATURE_MEMBER(Type, sType, member)
#define VW_PROMOTED_FEATURE_MEMBER(Type, sType, member, Twin, twin_sType)
#define VW_CORE10_FEATURE_MEMBER(member)
#define VW_DEVICE_EXTENSION_REQUIRES(extension, needed) {extension, needed},
const ExtensionRequirement extension_requirements[] = {
#include "FeatureTables.inc"
};
#undef VW_DEVICE_EXTENSION_REQUIRES

struct ExtensionPromotion {
    std::string_view extension;
    std::uint32_t version;
};
#define VW_DEVICE_EXTENSION_PROMOTED(extension, version) {extension, version},
const ExtensionPromotion extension_promotions[] = {
#include "FeatureTables.inc"
};
#undef VW_DEVICE_EXTENSION_PROMOTED
#undef VW_FEATURE_STRUCTURE
#undef VW_FEATURE_MEMBER
#undef VW_PROMOTED_FEATURE_MEMBER
#undef VW_CORE10_FEATURE_MEMBER

bool in_core(std::string_view extension, std::uint32_t api_version) {
    for (const auto &promotion : extension_promotions) {
        if (promotion.extension == extension) return api_version >= promotion.version;
    }
    return false;
}

bool collect_dependencies(std::vector<std::string> &found, std::string_view extension,
                          std::uint32_t api_version, const std::vector<std::string> &available,
                          std::string &why) {
    if (contains(found, extension)) return true;
    found.emplace_back(extension);
    for (const auto &requirement : extension_requirements) {
        if (requirement.extension != extension || in_core(requirement.needs, api_version)) continue;
        if (!contains(available, requirement.needs)) {
            why = std::string(extension) + " needs device extension " + std::string(requirement.needs) +
                  ", which the device lacks";
            return false;
        }
        if (!collect_dependencies(found, requirement.needs, api_version, available, why)) return false;
    }
    return true;
}

bool is_core_structure(vk::StructureType type) {
    return type == vk::StructureType::ePhysicalDeviceFeatures2 ||
           type == vk::StructureType::ePhysicalDeviceVulkan11Features ||
           type == vk::StructureType::ePhysicalDeviceVulkan12Features ||
           type == vk::StructureType::ePhysicalDeviceVulkan13Features;
}

std::string version_name(std::uint32_t version) {
    return std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
           std::to_string(VK_API_VERSION_MINOR(version));
}

} // namespace

const FeatureStructureInfo *find_feature_structure(vk::StructureType type) noexcept {
    for (const auto &structure : feature_structures) {
        if (structure.type == type) return &structure;
    }
    return nullptr;
}

const FeatureMemberInfo *find_feature(const FeatureMember &feature) noexcept {
    for (const auto &member : feature_members) {
        if (member.type == feature.structure_type() && member.offset == feature.offset()) {
            return &member;
        }
    }
    return nullptr;
}

std::string feature_name(const FeatureMemberInfo &feature) {
    if (is_core_structure(feature.type)) return feature.name;
    return std::string(feature.name) + " (" + find_feature_structure(feature.type)->name + ")";
}

bool add_with_dependencies(std::vector<std::string> &enabled, std::string_view extension,
                           std::uint32_t api_version, const std::vector<std::string> &available,
                           std::string &why) {
    std::vector<std::string> found;
    if (!collect_dependencies(found, extension, api_version, available, why)) return false;
    for (auto &name : found) {
        if (!contains(enabled, name)) enabled.push_back(std::move(name));
    }
    return true;
}

std::optional<FeatureLocation> locate_feature(const FeatureMemberInfo &feature,
                                              std::uint32_t api_version,
                                              const std::vector<std::string> &extensions,
                                              std::string &why) {
    const FeatureStructureInfo &structure = *find_feature_structure(feature.type);
    if (feature.has_twin && api_version >= find_feature_structure(feature.twin_type)->core_version) {
        return FeatureLocation{feature.twin_type, feature.twin_offset, nullptr};
    }
    if (structure.core_version != 0 && api_version >= structure.core_version) {
        return FeatureLocation{feature.type, feature.offset, nullptr};
    }
    std::string wanted;
    std::string unmet;
    const char *blocked = nullptr;
    for (const char *extension : structure.extensions) {
        if (extension == nullptr) continue;
        if (contains(extensions, extension)) {
            std::vector<std::string> needed;
            if (collect_dependencies(needed, extension, api_version, extensions, unmet)) {
                return FeatureLocation{feature.type, feature.offset, extension};
            }
            blocked = extension;
            continue;
        }
        wanted += wanted.empty() ? std::string("device extension ") + extension
                                 : std::string(" or ") + extension;
    }
    if (blocked != nullptr) {
        why = "feature " + feature_name(feature) + " needs device extension " + blocked + ", but " + unmet;
        return std::nullopt;
    }
    why = "feature " + feature_name(feature) + " needs ";
    if (structure.core_version != 0) {
        why += "Vulkan " + version_name(structure.core_version);
        if (!wanted.empty()) why += " or " + wanted;
        why += ", but only " + version_to_string(api_version) +
               " is usable (the lower of instance and device versions)";
        if (!wanted.empty()) why += " and the device lacks the extension";
    } else {
        why += wanted + ", which the device lacks";
    }
    return std::nullopt;
}

FeatureChain::FeatureChain(std::uint32_t api_version, const std::vector<vk::StructureType> &extra) {
    add(vk::StructureType::ePhysicalDeviceFeatures2);
    if (api_version >= VK_API_VERSION_1_2) {
        add(vk::StructureType::ePhysicalDeviceVulkan11Features);
        add(vk::StructureType::ePhysicalDeviceVulkan12Features);
    }
    if (api_version >= VK_API_VERSION_1_3) add(vk::StructureType::ePhysicalDeviceVulkan13Features);
    for (const auto type : extra) {
        if (!contains(type)) add(type);
    }
    for (std::size_t i = 0; i + 1 < m_structures.size(); ++i) {
        reinterpret_cast<VkBaseOutStructure *>(m_structures[i].storage.get())->pNext =
            reinterpret_cast<VkBaseOutStructure *>(m_structures[i + 1].storage.get());
    }
}

void FeatureChain::add(vk::StructureType type) {
    const FeatureStructureInfo *info = find_feature_structure(type);
    // Every type comes from the table: a miss is a library bug, not a caller's.
    if (info == nullptr) throw LogicError("FeatureChain: unknown feature structure " + vk::to_string(type));
    const std::size_t words = (info->size + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);
    Structure structure{type, info->size, std::make_unique<std::uint64_t[]>(words)};
    reinterpret_cast<VkBaseOutStructure *>(structure.storage.get())->sType =
        static_cast<VkStructureType>(type);
    m_structures.push_back(std::move(structure));
}

vk::PhysicalDeviceFeatures2 &FeatureChain::head() noexcept {
    return *reinterpret_cast<vk::PhysicalDeviceFeatures2 *>(m_structures.front().storage.get());
}

vk::Bool32 *FeatureChain::field(vk::StructureType type, std::uint32_t offset) noexcept {
    for (auto &structure : m_structures) {
        if (structure.type != type) continue;
        if (offset + sizeof(vk::Bool32) > structure.size) return nullptr;
        return reinterpret_cast<vk::Bool32 *>(reinterpret_cast<std::byte *>(structure.storage.get()) +
                                              offset);
    }
    return nullptr;
}

bool FeatureChain::contains(vk::StructureType type) const noexcept {
    return std::any_of(m_structures.begin(), m_structures.end(),
                       [type](const Structure &s) { return s.type == type; });
}

std::vector<FeatureMember> library_required_features() {
    return {&vk::PhysicalDeviceTimelineSemaphoreFeatures::timelineSemaphore,
            &vk::PhysicalDeviceSynchronization2Features::synchronization2};
}

std::vector<FeatureMember> library_requested_features() {
    return {&vk::PhysicalDeviceBufferDeviceAddressFeatures::bufferDeviceAddress,
            &vk::PhysicalDeviceMemoryPriorityFeaturesEXT::memoryPriority};
}

std::optional<QueueFamilies> choose_queue_families(
    const std::vector<vk::QueueFamilyProperties> &families) {
    using F = vk::QueueFlagBits;
    const auto find_family = [&](auto predicate) -> std::optional<std::uint32_t> {
        for (std::uint32_t i = 0; i < families.size(); ++i) {
            if (families[i].queueCount > 0 && predicate(families[i].queueFlags)) return i;
        }
        return std::nullopt;
    };
    auto main = find_family([](vk::QueueFlags f) { return (f & F::eGraphics) && (f & F::eCompute); });
    if (!main) main = find_family([](vk::QueueFlags f) { return bool(f & F::eCompute); });
    if (!main) main = find_family([](vk::QueueFlags f) { return bool(f & F::eGraphics); });
    if (!main) return std::nullopt;

    QueueFamilies result{*main, *main, *main, std::nullopt};
    if (families[*main].queueFlags & F::eGraphics) {
        result.graphics = *main;
    } else {
        result.graphics = find_family([](vk::QueueFlags f) { return bool(f & F::eGraphics); });
    }
    if (auto async = find_family([](vk::QueueFlags f) {
            return (f & F::eCompute) && !(f & F::eGraphics);
        });
        async && *async != *main) {
        result.compute = *async;
    } else if (!(families[*main].queueFlags & F::eCompute)) {
        result.compute = find_family([](vk::QueueFlags f) { return bool(f & F::eCompute); })
                             .value_or(*main);
    }
    if (auto dma = find_family([](vk::QueueFlags f) {
            return (f & F::eTransfer) && !(f & F::eGraphics) && !(f & F::eCompute);
        })) {
        result.transfer = *dma;
    }
    return result;
}

std::vector<std::string> library_required_extensions(std::uint32_t api_version) {
    std::vector<std::string> names;
    if (api_version < VK_API_VERSION_1_2) names.emplace_back(VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME);
    if (api_version < VK_API_VERSION_1_3) names.emplace_back(VK_KHR_SYNCHRONIZATION_2_EXTENSION_NAME);
    return names;
}

std::vector<std::string> library_requested_extensions(std::uint32_t api_version) {
    // External memory and semaphores (issue 15): enabled wherever present, so that export and
    // import need no opt-in; ExternalMemory's support queries say what a device can do.
    std::vector<std::string> names = {VK_EXT_MEMORY_BUDGET_EXTENSION_NAME,
                                      VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME,
                                      VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME,
                                      VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME,
                                      VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME};
    if (api_version < VK_API_VERSION_1_1) {
        names.emplace_back(VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME);
        names.emplace_back(VK_KHR_EXTERNAL_SEMAPHORE_EXTENSION_NAME);
    }
    if (api_version < VK_API_VERSION_1_2) {
        names.emplace_back(VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME);
    }
    return names;
}

namespace {

int type_rank(vk::PhysicalDeviceType type) {
    switch (type) {
    case vk::PhysicalDeviceType::eDiscreteGpu: return 4;
    case vk::PhysicalDeviceType::eIntegratedGpu: return 3;
    case vk::PhysicalDeviceType::eVirtualGpu: return 2;
    case vk::PhysicalDeviceType::eCpu: return 1;
    default: return 0;
    }
}

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

} // namespace

std::vector<std::size_t> devices_matching(const std::vector<DeviceSummary> &devices,
                                          std::string_view selector) {
    std::vector<std::size_t> positions;
    std::uint32_t index = 0;
    const auto [end, error] = std::from_chars(selector.data(), selector.data() + selector.size(), index);
    const bool is_index = !selector.empty() && error == std::errc{} && end == selector.data() + selector.size();
    const std::string part = lowercase(selector);
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const bool match = selector.empty() ||
                           (is_index ? devices[i].index == index
                                     : lowercase(devices[i].name).find(part) != std::string::npos);
        if (match) positions.push_back(i);
    }
    return positions;
}

std::optional<std::size_t> best_device(const std::vector<DeviceSummary> &devices,
                                       const std::vector<std::size_t> &positions,
                                       std::optional<vk::PhysicalDeviceType> preferred) {
    const auto rank = [&](const DeviceSummary &device) {
        return std::make_tuple(preferred && device.type == *preferred, type_rank(device.type),
                               device.device_local_bytes);
    };
    std::optional<std::size_t> best;
    for (const std::size_t position : positions) {
        if (!devices[position].fits) continue;
        if (!best || rank(devices[position]) > rank(devices[*best])) best = position;
    }
    return best;
}

std::size_t choose_device(const std::vector<DeviceSummary> &devices, std::string_view selector,
                          std::optional<vk::PhysicalDeviceType> preferred,
                          const std::string &listing) {
    if (devices.empty()) {
        throw NoDeviceError("no Vulkan device found: no driver is installed or none loads (on "
                            "Debian, apt-get install mesa-vulkan-drivers for the CPU device "
                            "lavapipe)");
    }
    const auto pool = devices_matching(devices, selector);
    if (pool.empty()) {
        throw NoDeviceError("VW_DEVICE=" + std::string(selector) +
                            " matches no Vulkan device; devices:" + listing);
    }
    const auto best = best_device(devices, pool, preferred);
    if (!best) {
        throw NoDeviceError(std::string(selector.empty()
                                            ? "no Vulkan device fits the requirements"
                                            : "the device chosen by VW_DEVICE=" +
                                                  std::string(selector) +
                                                  " does not fit the requirements") +
                            "; devices:" + listing);
    }
    return *best;
}

} // namespace vw::detail
