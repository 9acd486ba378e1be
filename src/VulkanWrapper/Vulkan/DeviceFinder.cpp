#include "VulkanWrapper/Vulkan/DeviceFinder.h"

#include <algorithm>
#include <cstdlib>

#include "DeviceConfig.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Instance.h"

#include "FeatureNames.inc"

namespace vw {

namespace {

template <typename Structure>
DeviceFinder::Feature make_feature(int version, vk::Bool32 Structure::*member,
                                   std::initializer_list<std::pair<vk::Bool32 Structure::*, const char *>> names) {
    static const Structure probe{};
    const auto offset = static_cast<std::size_t>(
        reinterpret_cast<const char *>(&(probe.*member)) - reinterpret_cast<const char *>(&probe));
    for (const auto &[candidate, name] : names) {
        if (candidate == member) return {version, offset, name};
    }
    return {version, offset, "feature at offset " + std::to_string(offset)};
}

#define VW_FEATURE_ENTRY(name) {&Structure::name, #name},

std::string describe(const PhysicalDevice &device) {
    return std::to_string(device.index()) + ": " + std::string(device.name()) + " (" +
           std::string(device_type_name(device.type())) + ", Vulkan " +
           version_to_string(device.api_version()) + ")";
}

std::string list_candidates(const std::vector<DeviceCandidate> &candidates) {
    std::string text;
    for (const auto &candidate : candidates) {
        text += "\n  " + describe(candidate.device);
        if (candidate.rejections.empty()) {
            text += ": fits";
        }
        for (const auto &reason : candidate.rejections) text += "\n      - " + reason;
    }
    return text;
}

bool contains(const std::vector<std::string> &names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

void add_feature(std::vector<DeviceFinder::Feature> &features, DeviceFinder::Feature feature) {
    const bool known = std::any_of(features.begin(), features.end(), [&](const auto &f) {
        return f.version == feature.version && f.offset == feature.offset;
    });
    if (!known) features.push_back(std::move(feature));
}

void add_unique(std::vector<std::string> &names, std::string name) {
    if (!contains(names, name)) names.push_back(std::move(name));
}

} // namespace

DeviceFinder::DeviceFinder(std::shared_ptr<Instance> instance)
    : m_instance(std::move(instance)) {
    if (!m_instance) throw LogicError("DeviceFinder: instance must not be null");
}

DeviceFinder &DeviceFinder::requireGraphicsQueue() {
    m_graphics = true;
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requireComputeQueue() {
    m_compute = true;
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requireTransferQueue() {
    m_transfer = true;
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requireExtension(std::string name) {
    if (name.empty()) throw LogicError("DeviceFinder::requireExtension: the name is empty");
    add_unique(m_required_extensions, std::move(name));
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requestExtension(std::string name) {
    if (name.empty()) throw LogicError("DeviceFinder::requestExtension: the name is empty");
    add_unique(m_requested_extensions, std::move(name));
    return *this;
}

DeviceFinder &DeviceFinder::requireFeature(vk::Bool32 vk::PhysicalDeviceFeatures::*feature) {
    using Structure = vk::PhysicalDeviceFeatures;
    add_feature(m_features, make_feature<Structure>(10, feature, {VW_FEATURES_FEATURES(VW_FEATURE_ENTRY)}));
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requireFeature(vk::Bool32 vk::PhysicalDeviceVulkan11Features::*feature) {
    using Structure = vk::PhysicalDeviceVulkan11Features;
    add_feature(m_features, make_feature<Structure>(11, feature, {VW_FEATURES_VULKAN11FEATURES(VW_FEATURE_ENTRY)}));
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requireFeature(vk::Bool32 vk::PhysicalDeviceVulkan12Features::*feature) {
    using Structure = vk::PhysicalDeviceVulkan12Features;
    add_feature(m_features, make_feature<Structure>(12, feature, {VW_FEATURES_VULKAN12FEATURES(VW_FEATURE_ENTRY)}));
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requireFeature(vk::Bool32 vk::PhysicalDeviceVulkan13Features::*feature) {
    using Structure = vk::PhysicalDeviceVulkan13Features;
    add_feature(m_features, make_feature<Structure>(13, feature, {VW_FEATURES_VULKAN13FEATURES(VW_FEATURE_ENTRY)}));
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::preferDeviceType(vk::PhysicalDeviceType type) {
    m_preferred_type = type;
    m_chosen.reset();
    return *this;
}

std::vector<std::string> DeviceFinder::rejections(const PhysicalDevice &device) const {
    std::vector<std::string> reasons;
    const std::uint32_t api =
        detail::effective_api_version(m_instance->api_version(), device.api_version());
    if (api < VK_API_VERSION_1_1) {
        reasons.push_back("supports only Vulkan " + version_to_string(device.api_version()) +
                          "; VulkanWrapper needs 1.1 or newer");
        return reasons;
    }

    const auto families = detail::choose_queue_families(device.queue_families());
    if (!families) {
        reasons.emplace_back("has no queue family with graphics or compute");
    } else {
        if (m_graphics && !families->graphics) reasons.emplace_back("has no graphics queue family");
        if (m_compute && !(device.queue_families()[families->compute].queueFlags &
                           vk::QueueFlagBits::eCompute)) {
            reasons.emplace_back("has no compute queue family");
        }
    }
    const bool can_transfer = std::any_of(
        device.queue_families().begin(), device.queue_families().end(), [](const auto &family) {
            // Graphics and compute families accept transfers whether or not they say so.
            return bool(family.queueFlags & (vk::QueueFlagBits::eTransfer |
                                             vk::QueueFlagBits::eGraphics |
                                             vk::QueueFlagBits::eCompute));
        });
    if (m_transfer && !can_transfer) reasons.emplace_back("has no transfer-capable queue family");

    std::vector<std::string> required = m_required_extensions;
    for (auto &name : detail::library_required_extensions(api)) add_unique(required, std::move(name));
    for (const auto &name : required) {
        if (!device.has_extension(name)) reasons.push_back("lacks device extension " + name);
    }

    detail::FeatureChain supported(api, device.extensions());
    device.handle().getFeatures2(&supported.head());
    for (const auto &feature : m_features) {
        const vk::Bool32 *field = supported.field(feature);
        if (field == nullptr) {
            // VkPhysicalDeviceVulkan11Features itself only exists from Vulkan 1.2.
            const int minor = feature.version == 11 ? 2 : feature.version % 10;
            reasons.push_back("feature " + feature.name + " needs Vulkan 1." +
                              std::to_string(minor) + ", but only " +
                              version_to_string(api) +
                              " is usable (the lower of instance and device versions)");
        } else if (*field == VK_FALSE) {
            reasons.push_back("lacks feature " + feature.name);
        }
    }
    if (const auto *timeline = supported.timeline_semaphore(); timeline == nullptr || !*timeline) {
        reasons.emplace_back("lacks feature timelineSemaphore (needed by VulkanWrapper)");
    }
    if (const auto *sync2 = supported.synchronization2(); sync2 == nullptr || !*sync2) {
        reasons.emplace_back("lacks feature synchronization2 (needed by VulkanWrapper)");
    }
    return reasons;
}

std::vector<DeviceCandidate> DeviceFinder::candidates() const {
    std::vector<DeviceCandidate> result;
    for (auto &device : m_instance->physical_devices()) {
        auto reasons = rejections(device);
        result.push_back({std::move(device), std::move(reasons)});
    }
    return result;
}

DeviceFinder &DeviceFinder::find() {
    auto all = candidates();
    if (all.empty()) {
        throw Exception("no Vulkan device found: no driver is installed or none loads (on Debian, "
                        "apt-get install mesa-vulkan-drivers for the CPU device lavapipe)");
    }

    std::vector<detail::DeviceSummary> summaries;
    for (const auto &candidate : all) {
        summaries.push_back({candidate.device.index(), std::string(candidate.device.name()),
                             candidate.device.type(), candidate.device.device_local_bytes(),
                             candidate.rejections.empty()});
    }
    const char *override_env = std::getenv("VW_DEVICE");
    const std::string override_value = override_env != nullptr ? override_env : "";
    const auto pool = detail::devices_matching(summaries, override_value);
    if (pool.empty()) {
        throw Exception("VW_DEVICE=" + override_value + " matches no Vulkan device; devices:" +
                        list_candidates(all));
    }
    const auto best = detail::best_device(summaries, pool, m_preferred_type);
    if (!best) {
        throw Exception(std::string(override_value.empty()
                                        ? "no Vulkan device fits the requirements"
                                        : "the device chosen by VW_DEVICE=" + override_value +
                                              " does not fit the requirements") +
                        "; devices:" + list_candidates(all));
    }
    m_chosen = all[*best].device;
    return *this;
}

const PhysicalDevice &DeviceFinder::chosen() {
    if (!m_chosen) find();
    return *m_chosen;
}

std::shared_ptr<Device> DeviceFinder::build() {
    const PhysicalDevice &device = chosen();
    const std::uint32_t api =
        detail::effective_api_version(m_instance->api_version(), device.api_version());

    std::vector<std::string> extensions = m_required_extensions;
    for (auto &name : detail::library_required_extensions(api)) add_unique(extensions, std::move(name));
    auto requested = m_requested_extensions;
    for (auto &name : detail::library_requested_extensions(api)) add_unique(requested, std::move(name));
    for (auto &name : requested) {
        if (device.has_extension(name)) add_unique(extensions, std::move(name));
    }
    std::sort(extensions.begin(), extensions.end());

    Device::Config config{m_instance, device, api, std::move(extensions), m_features,
                          *detail::choose_queue_families(device.queue_families())};
    return std::make_shared<Device>(std::move(config));
}

} // namespace vw
