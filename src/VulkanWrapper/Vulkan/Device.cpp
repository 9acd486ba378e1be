#include "VulkanWrapper/Vulkan/Device.h"

#include "DeviceLoss.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>

#include "DeviceConfig.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace vw {

namespace {

void add_unique(std::vector<vk::StructureType> &types, vk::StructureType type) {
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
}

} // namespace

Device::Device(Config config)
    : m_instance(std::move(config.instance))
    , m_physical_device(std::move(config.physical_device))
    , m_api_version(config.api_version)
    , m_extensions(std::move(config.extensions))
    , m_buffer_device_address(false) {
    const vk::PhysicalDevice physical = m_physical_device.handle();
    const std::string device_name(m_physical_device.name());

    // Where each feature lives on this device, and what the device supports.
    struct Wanted {
        const detail::FeatureMemberInfo *info;
        std::optional<detail::FeatureLocation> location;
        bool required;
    };
    std::vector<Wanted> wanted;
    std::vector<vk::StructureType> queried;
    const auto want = [&](const FeatureMember &feature, bool required) {
        const detail::FeatureMemberInfo *info = detail::find_feature(feature);
        if (info == nullptr) {
            throw LogicError("DeviceFinder::build: a feature of unknown structure " +
                             vk::to_string(feature.structure_type()));
        }
        std::string why;
        auto location = detail::locate_feature(*info, m_api_version,
                                               m_physical_device.extensions(), why);
        if (!location && required) {
            throw NotSupportedError("DeviceFinder::build: " + device_name + ": " + why);
        }
        if (location) add_unique(queried, location->type);
        wanted.push_back({info, location, required});
    };
    for (const auto &feature : detail::library_required_features()) want(feature, true);
    for (const auto &feature : config.required_features) want(feature, true);
    for (const auto &feature : detail::library_requested_features()) want(feature, false);
    for (const auto &feature : config.requested_features) want(feature, false);

    detail::FeatureChain supported(m_api_version, queried);
    physical.getFeatures2(&supported.head());

    std::vector<const Wanted *> enabled_features;
    std::vector<vk::StructureType> enabled_types;
    for (const auto &feature : wanted) {
        const vk::Bool32 *field = feature.location ? supported.field(*feature.location) : nullptr;
        if (field == nullptr || *field == VK_FALSE) {
            if (feature.required) {
                throw NotSupportedError("DeviceFinder::build: " + device_name +
                                        " lacks feature " + detail::feature_name(*feature.info));
            }
            continue;
        }
        enabled_features.push_back(&feature);
        add_unique(enabled_types, feature.location->type);
        if (feature.location->extension != nullptr) {
            // locate_feature checked that everything the extension needs is there.
            std::string unmet;
            detail::add_with_dependencies(m_extensions, feature.location->extension, m_api_version,
                                          m_physical_device.extensions(), unmet);
        }
    }
    std::sort(m_extensions.begin(), m_extensions.end());

    m_enabled_features = std::make_unique<detail::FeatureChain>(m_api_version, enabled_types);
    for (const Wanted *feature : enabled_features) {
        *m_enabled_features->field(*feature->location) = VK_TRUE;
    }
    m_buffer_device_address = is_feature_enabled(
        &vk::PhysicalDeviceBufferDeviceAddressFeatures::bufferDeviceAddress);

    const auto &families = config.families;
    std::set<std::uint32_t> unique_families = {families.main, families.compute, families.transfer};
    if (families.graphics) unique_families.insert(*families.graphics);
    const float priority = 1.0F;
    std::vector<vk::DeviceQueueCreateInfo> queue_infos;
    for (const auto family : unique_families) queue_infos.push_back({{}, family, 1, &priority});

    std::vector<const char *> extension_names;
    for (const auto &name : m_extensions) extension_names.push_back(name.c_str());

    const vk::DeviceCreateInfo create_info({}, queue_infos, {}, extension_names, nullptr,
                                           &m_enabled_features->head());
    vk::Device device;
    const vk::Result created = physical.createDevice(&create_info, nullptr, &device);
    if (created == vk::Result::eErrorExtensionNotPresent ||
        created == vk::Result::eErrorFeatureNotPresent) {
        // The device said it had them when judged: it refuses them now.
        throw NotSupportedError("vkCreateDevice on " + device_name + " failed: " +
                                vk::to_string(created) + " (the device reported support for "
                                "every extension and feature requested)");
    }
    check(created, "vkCreateDevice");
    m_device = vk::UniqueDevice(device, vk::ObjectDestroy<vk::NoParent, vk::DispatchLoaderStatic>(nullptr));
    m_dispatcher.init(m_instance->handle(), vkGetInstanceProcAddr, device, vkGetDeviceProcAddr);

    const auto &properties = m_physical_device.queue_families();
    for (const auto family : unique_families) {
        m_queues.push_back(std::unique_ptr<Queue>(new Queue(
            device.getQueue(family, 0), family, properties[family].queueFlags, m_dispatcher)));
        m_queues.back()->m_lost = &m_lost;
    }
    const auto queue_of = [this](std::uint32_t family) {
        return std::find_if(m_queues.begin(), m_queues.end(),
                            [family](const auto &q) { return q->family_index() == family; })
            ->get();
    };
    m_compute = queue_of(families.compute);
    m_transfer = queue_of(families.transfer);
    if (families.graphics) m_graphics = queue_of(*families.graphics);
}

Device::~Device() = default;

vk::Device Device::handle() const noexcept { return *m_device; }

const PhysicalDevice &Device::physical_device() const noexcept { return m_physical_device; }

const std::shared_ptr<Instance> &Device::instance() const noexcept { return m_instance; }

std::uint32_t Device::api_version() const noexcept { return m_api_version; }

bool Device::has_graphics_queue() const noexcept { return m_graphics != nullptr; }

Queue &Device::graphics_queue() const {
    if (m_graphics == nullptr) {
        throw LogicError("Device::graphics_queue: " + std::string(m_physical_device.name()) +
                         " has no graphics queue family");
    }
    return *m_graphics;
}

Queue &Device::compute_queue() const noexcept { return *m_compute; }

Queue &Device::transfer_queue() const noexcept { return *m_transfer; }

std::vector<Queue *> Device::queues() const {
    std::vector<Queue *> result;
    for (const auto &queue : m_queues) result.push_back(queue.get());
    return result;
}

bool Device::has_extension(std::string_view name) const noexcept {
    return std::binary_search(m_extensions.begin(), m_extensions.end(), name);
}

const std::vector<std::string> &Device::extensions() const noexcept { return m_extensions; }

bool Device::buffer_device_address_enabled() const noexcept { return m_buffer_device_address; }

bool Device::is_feature_enabled(FeatureMember feature) const {
    const detail::FeatureMemberInfo *info = detail::find_feature(feature);
    if (info == nullptr) {
        throw LogicError("Device::is_feature_enabled: " + vk::to_string(feature.structure_type()) +
                         " is not a feature structure VulkanWrapper knows, or the member is "
                         "not one of its VkBool32 features");
    }
    std::string why;
    const auto location = detail::locate_feature(*info, m_api_version, m_extensions, why);
    if (!location) return false;
    const vk::Bool32 *field = m_enabled_features->field(*location);
    return field != nullptr && *field == VK_TRUE;
}

void Device::wait_idle() const {
    // vkDeviceWaitIdle needs every queue externally synchronized: hold all their locks, in the
    // fixed order of m_queues so that two callers cannot deadlock.
    std::vector<std::unique_lock<std::mutex>> locks;
    locks.reserve(m_queues.size());
    detail::throw_if_lost(*this, "vkDeviceWaitIdle");
    for (const auto &queue : m_queues) locks.emplace_back(queue->m_mutex);
    detail::check_on(*this, static_cast<vk::Result>(vkDeviceWaitIdle(*m_device)), "vkDeviceWaitIdle");
}

bool Device::object_names_enabled() const noexcept {
    return m_dispatcher.vkSetDebugUtilsObjectNameEXT != nullptr &&
           m_instance->has_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
}

void Device::set_object_name(vk::ObjectType type, std::uint64_t handle,
                             std::string_view name) const {
    if (!object_names_enabled()) return;
    const std::string terminated(name);
    VkDebugUtilsObjectNameInfoEXT info{};
    info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT;
    info.objectType = static_cast<VkObjectType>(type);
    info.objectHandle = handle;
    info.pObjectName = terminated.c_str();
    check(m_dispatcher.vkSetDebugUtilsObjectNameEXT(m_device.get(), &info),
          "vkSetDebugUtilsObjectNameEXT");
}

const vk::DispatchLoaderDynamic &Device::dispatcher() const noexcept { return m_dispatcher; }

} // namespace vw
