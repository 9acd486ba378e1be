#include "VulkanWrapper/Vulkan/DeviceFinder.h"

#include <algorithm>
#include <cstdlib>

#include "DeviceAccess.h"
#include "DeviceConfig.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw {

namespace {

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

void add_feature(std::vector<FeatureMember> &features, const FeatureMember &feature,
                 const char *method) {
    if (detail::find_feature(feature) == nullptr) {
        throw LogicError(std::string("DeviceFinder::") + method + ": " +
                         vk::to_string(feature.structure_type()) +
                         " is not a feature structure VulkanWrapper knows (it knows those of the "
                         "Vulkan headers it was built with, VK_HEADER_VERSION " +
                         std::to_string(VK_HEADER_VERSION) +
                         "), or the member is not one of its VkBool32 features");
    }
    if (std::find(features.begin(), features.end(), feature) == features.end()) {
        features.push_back(feature);
    }
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

DeviceFinder &DeviceFinder::requireFeature(FeatureMember feature) {
    add_feature(m_required_features, feature, "requireFeature");
    m_chosen.reset();
    return *this;
}

DeviceFinder &DeviceFinder::requestFeature(FeatureMember feature) {
    add_feature(m_requested_features, feature, "requestFeature");
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
        std::string why;
        std::vector<std::string> closure;
        if (!device.has_extension(name)) {
            reasons.push_back("lacks device extension " + name);
        } else if (!detail::add_with_dependencies(closure, name, api, device.extensions(), why)) {
            reasons.push_back(why);
        }
    }

    // Query only the structures this device has at this version; a required feature whose
    // structure it lacks is a reason by itself.
    struct Judged {
        const detail::FeatureMemberInfo *info;
        std::optional<detail::FeatureLocation> location;
        std::string why;
    };
    const auto judge = [&](const std::vector<FeatureMember> &features) {
        std::vector<Judged> judged;
        for (const auto &feature : features) {
            Judged entry{detail::find_feature(feature), std::nullopt, {}};
            entry.location = detail::locate_feature(*entry.info, api, device.extensions(), entry.why);
            judged.push_back(std::move(entry));
        }
        return judged;
    };
    const auto user = judge(m_required_features);
    const auto library = judge(detail::library_required_features());
    std::vector<vk::StructureType> types;
    for (const auto *list : {&user, &library}) {
        for (const auto &entry : *list) {
            if (entry.location) types.push_back(entry.location->type);
        }
    }
    detail::FeatureChain supported(api, types);
    device.handle().getFeatures2(&supported.head());
    for (const auto &entry : user) {
        if (!entry.location) {
            reasons.push_back(entry.why);
        } else if (const vk::Bool32 *field = supported.field(*entry.location);
                   field == nullptr || *field == VK_FALSE) {
            reasons.push_back("lacks feature " + detail::feature_name(*entry.info));
        }
    }
    for (const auto &entry : library) {
        const vk::Bool32 *field = entry.location ? supported.field(*entry.location) : nullptr;
        if (field == nullptr || *field == VK_FALSE) {
            reasons.push_back(std::string("lacks feature ") + entry.info->name +
                              " (needed by VulkanWrapper)");
        }
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
    std::vector<detail::DeviceSummary> summaries;
    for (const auto &candidate : all) {
        summaries.push_back({candidate.device.index(), std::string(candidate.device.name()),
                             candidate.device.type(), candidate.device.device_local_bytes(),
                             candidate.rejections.empty()});
    }
    const char *override_env = std::getenv("VW_DEVICE");
    const std::string override_value = override_env != nullptr ? override_env : "";
    const std::size_t best = detail::choose_device(summaries, override_value, m_preferred_type,
                                                   list_candidates(all));
    m_chosen = all[best].device;
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

    std::vector<std::string> required = m_required_extensions;
    for (auto &name : detail::library_required_extensions(api)) add_unique(required, std::move(name));
    auto requested = m_requested_extensions;
    for (auto &name : detail::library_requested_extensions(api)) add_unique(requested, std::move(name));
    // Each with the device extensions it needs; a requested one whose needs are missing is left out.
    std::vector<std::string> extensions;
    std::string why;
    for (const auto &name : required) {
        if (!detail::add_with_dependencies(extensions, name, api, device.extensions(), why)) {
            throw NotSupportedError("DeviceFinder::build: " + std::string(device.name()) + ": " + why);
        }
    }
    for (const auto &name : requested) {
        if (device.has_extension(name)) detail::add_with_dependencies(extensions, name, api, device.extensions(), why);
    }
    std::sort(extensions.begin(), extensions.end());

    detail::DeviceAccess::Config config{m_instance,          device,
                          api,                 std::move(extensions),
                          m_required_features, m_requested_features,
                          *detail::choose_queue_families(device.queue_families())};
    return detail::DeviceAccess::create(std::move(config));
}

} // namespace vw
