#include "DeviceConfig.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <tuple>

namespace vw::detail {

namespace {

bool contains(const std::vector<std::string> &names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

template <typename Structure>
vk::Bool32 *at(Structure &structure, std::size_t offset) noexcept {
    return reinterpret_cast<vk::Bool32 *>(reinterpret_cast<char *>(&structure) + offset);
}

} // namespace

std::uint32_t effective_api_version(std::uint32_t instance_version,
                                    std::uint32_t device_version) {
    const auto major_minor = [](std::uint32_t v) {
        return VK_MAKE_API_VERSION(0, VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v), 0);
    };
    return std::min(major_minor(instance_version), major_minor(device_version));
}

FeatureChain::FeatureChain(std::uint32_t api_version, const std::vector<std::string> &extensions)
    : m_api(api_version)
    , m_timeline_ext(api_version < VK_API_VERSION_1_2 &&
                     contains(extensions, VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME))
    , m_sync2_ext(api_version < VK_API_VERSION_1_3 &&
                  contains(extensions, VK_KHR_SYNCHRONIZATION_2_EXTENSION_NAME))
    , m_bda_ext(api_version < VK_API_VERSION_1_2 &&
                contains(extensions, VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME)) {
    void **next = &m_core.pNext;
    auto link = [&next](auto &structure) {
        *next = &structure;
        next = &structure.pNext;
    };
    if (m_api >= VK_API_VERSION_1_2) {
        link(m_v11);
        link(m_v12);
    }
    if (m_api >= VK_API_VERSION_1_3) link(m_v13);
    if (m_timeline_ext) link(m_timeline);
    if (m_sync2_ext) link(m_sync2);
    if (m_bda_ext) link(m_bda);
}

vk::Bool32 *FeatureChain::field(const DeviceFinder::Feature &feature) noexcept {
    switch (feature.version) {
    case 10: return at(m_core.features, feature.offset);
    case 11: return m_api >= VK_API_VERSION_1_2 ? at(m_v11, feature.offset) : nullptr;
    case 12: return m_api >= VK_API_VERSION_1_2 ? at(m_v12, feature.offset) : nullptr;
    case 13: return m_api >= VK_API_VERSION_1_3 ? at(m_v13, feature.offset) : nullptr;
    default: return nullptr;
    }
}

vk::Bool32 *FeatureChain::timeline_semaphore() noexcept {
    if (m_api >= VK_API_VERSION_1_2) return &m_v12.timelineSemaphore;
    return m_timeline_ext ? &m_timeline.timelineSemaphore : nullptr;
}

vk::Bool32 *FeatureChain::synchronization2() noexcept {
    if (m_api >= VK_API_VERSION_1_3) return &m_v13.synchronization2;
    return m_sync2_ext ? &m_sync2.synchronization2 : nullptr;
}

vk::Bool32 *FeatureChain::buffer_device_address() noexcept {
    if (m_api >= VK_API_VERSION_1_2) return &m_v12.bufferDeviceAddress;
    return m_bda_ext ? &m_bda.bufferDeviceAddress : nullptr;
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
    std::vector<std::string> names = {VK_EXT_MEMORY_BUDGET_EXTENSION_NAME,
                                      VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME};
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

} // namespace vw::detail
