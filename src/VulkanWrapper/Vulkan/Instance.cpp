#include "VulkanWrapper/Vulkan/Instance.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>

#include "VulkanWrapper/Utils/Enumerate.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/PhysicalDevice.h"
#include "InstanceAccess.h"

namespace vw {

namespace {

constexpr const char *validation_layer = "VK_LAYER_KHRONOS_validation";
constexpr std::size_t kept_errors = 16;

const char *severity_name(vk::DebugUtilsMessageSeverityFlagBitsEXT severity) {
    switch (severity) {
    case vk::DebugUtilsMessageSeverityFlagBitsEXT::eError: return "error";
    case vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning: return "warning";
    case vk::DebugUtilsMessageSeverityFlagBitsEXT::eInfo: return "info";
    default: return "verbose";
    }
}

void print_to_stderr(const DebugMessage &message) {
    std::fprintf(stderr, "[vulkan %s] %s\n", severity_name(message.severity), message.text.c_str());
}

VKAPI_ATTR VkBool32 VKAPI_CALL messenger_callback(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user_data) {
    try {
        DebugMessage message;
        message.severity = static_cast<vk::DebugUtilsMessageSeverityFlagBitsEXT>(severity);
        message.types = vk::DebugUtilsMessageTypeFlagsEXT(types);
        if (data != nullptr) {
            if (data->pMessageIdName != nullptr) message.id_name = data->pMessageIdName;
            message.id_number = data->messageIdNumber;
            if (data->pMessage != nullptr) message.text = data->pMessage;
        }
        detail::InstanceAccess::record(*static_cast<Instance *>(user_data), message);
    } catch (...) {
        // Building the message can only fail on allocation; the callback must not unwind.
    }
    return VK_FALSE;
}

} // namespace

namespace detail {

void check_loader_version(std::uint32_t loader_version, std::uint32_t requested_version) {
    if (loader_version < requested_version) {
        throw LoaderError("the Vulkan loader supports instance version " +
                          version_to_string(loader_version) + ", but Vulkan " +
                          version_to_string(requested_version) +
                          " was requested (setApiVersion); install a newer libvulkan1 or "
                          "request an older version");
    }
}

} // namespace detail

struct Instance::Config {
    InstanceBuilder builder;
};

struct Instance::DebugState {
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> warnings{0};
    mutable std::mutex mutex;
    std::deque<std::string> recent;
    DebugCallback sink;
    vk::DebugUtilsMessageSeverityFlagBitsEXT min_severity{};
};

Instance::Instance(Config config)
    : m_api_version(static_cast<std::uint32_t>(config.builder.m_api_version))
    , m_loader_version(VK_API_VERSION_1_0)
    , m_debug(std::make_unique<DebugState>()) {
    const InstanceBuilder &b = config.builder;

    check(vk::enumerateInstanceVersion(&m_loader_version), "vkEnumerateInstanceVersion");
    detail::check_loader_version(m_loader_version, m_api_version);

    const auto available = detail::enumerate<vk::ExtensionProperties>(
        [](std::uint32_t *count, vk::ExtensionProperties *props) {
            return vk::enumerateInstanceExtensionProperties(nullptr, count, props);
        },
        "vkEnumerateInstanceExtensionProperties");
    auto is_available = [&](std::string_view name) {
        return std::any_of(available.begin(), available.end(), [&](const auto &p) {
            return name == std::string_view(p.extensionName);
        });
    };

    std::vector<const char *> layers;
    m_extensions = b.m_extensions;
    if (b.m_portability) m_extensions.emplace_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    if (b.m_debug) {
        const auto available_layers = detail::enumerate<vk::LayerProperties>(
            [](std::uint32_t *count, vk::LayerProperties *props) {
                return vk::enumerateInstanceLayerProperties(count, props);
            },
            "vkEnumerateInstanceLayerProperties");
        const bool has_layer = std::any_of(
            available_layers.begin(), available_layers.end(),
            [](const auto &l) { return std::string_view(l.layerName) == validation_layer; });
        if (!has_layer) {
            throw LayerNotPresentError(validation_layer,
                                       std::string("setDebug(): the Khronos validation layer (") +
                                           validation_layer +
                                           ") is not installed; on Debian/Ubuntu: apt-get "
                                           "install vulkan-validationlayers");
        }
        layers.push_back(validation_layer);
        m_extensions.emplace_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    }
    std::sort(m_extensions.begin(), m_extensions.end());
    m_extensions.erase(std::unique(m_extensions.begin(), m_extensions.end()), m_extensions.end());
    for (const auto &name : m_extensions) {
        // The validation layer provides debug utils itself; everything else must be global.
        if (!is_available(name) && !(b.m_debug && name == VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
            throw ExtensionNotPresentError(
                name, "instance extension " + name +
                          " is not supported by the Vulkan loader or any installed driver");
        }
    }
    std::vector<const char *> extension_names;
    for (const auto &name : m_extensions) extension_names.push_back(name.c_str());

    m_debug->sink = b.m_callback;
    if (!m_debug->sink && b.m_default_sink) m_debug->sink = print_to_stderr;
    m_debug->min_severity = b.m_min_severity;

    vk::ApplicationInfo app_info(b.m_application_name.c_str(), 1, "VulkanWrapper", 1,
                                 m_api_version);
    vk::InstanceCreateInfo create_info({}, &app_info, layers, extension_names);
    if (b.m_portability) create_info.flags |= vk::InstanceCreateFlagBits::eEnumeratePortabilityKHR;

    // Counting needs warnings and errors; lower severities only when the sink wants them.
    vk::DebugUtilsMessageSeverityFlagsEXT severities =
        vk::DebugUtilsMessageSeverityFlagBitsEXT::eError |
        vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning;
    if (b.m_min_severity == vk::DebugUtilsMessageSeverityFlagBitsEXT::eInfo) {
        severities |= vk::DebugUtilsMessageSeverityFlagBitsEXT::eInfo;
    } else if (b.m_min_severity == vk::DebugUtilsMessageSeverityFlagBitsEXT::eVerbose) {
        severities |= vk::DebugUtilsMessageSeverityFlagBitsEXT::eInfo |
                      vk::DebugUtilsMessageSeverityFlagBitsEXT::eVerbose;
    }
    const vk::DebugUtilsMessengerCreateInfoEXT messenger_info(
        {}, severities,
        vk::DebugUtilsMessageTypeFlagBitsEXT::eGeneral |
            vk::DebugUtilsMessageTypeFlagBitsEXT::eValidation |
            vk::DebugUtilsMessageTypeFlagBitsEXT::ePerformance,
        messenger_callback, this);
    const std::array enabled_features = {
        vk::ValidationFeatureEnableEXT::eSynchronizationValidation};
    vk::ValidationFeaturesEXT validation_features;
    if (b.m_sync_validation) validation_features.setEnabledValidationFeatures(enabled_features);
    if (b.m_debug) {
        // Chained so that messages from vkCreateInstance/vkDestroyInstance are caught too.
        validation_features.pNext = &messenger_info;
        create_info.pNext = &validation_features;
    }

    vk::Instance instance;
    const vk::Result created = vk::createInstance(&create_info, nullptr, &instance);
    if (created == vk::Result::eErrorIncompatibleDriver) {
        // What the loader returns when no driver is installed or none takes this version.
        throw NoDeviceError("vkCreateInstance failed: " + vk::to_string(created) +
                            ": no Vulkan driver is installed, or none supports Vulkan " +
                            version_to_string(m_api_version) +
                            " (on Debian, apt-get install mesa-vulkan-drivers for the CPU "
                            "device lavapipe)");
    }
    check(created, "vkCreateInstance");
    m_instance = vk::UniqueInstance(instance, vk::ObjectDestroy<vk::NoParent, vk::DispatchLoaderStatic>(nullptr));
    m_dispatcher.init(instance, vkGetInstanceProcAddr);

    if (b.m_debug) {
        vk::DebugUtilsMessengerEXT messenger;
        check(instance.createDebugUtilsMessengerEXT(&messenger_info, nullptr, &messenger,
                                                    m_dispatcher),
              "vkCreateDebugUtilsMessengerEXT");
        m_messenger = vk::UniqueHandle<vk::DebugUtilsMessengerEXT, vk::DispatchLoaderDynamic>(
            messenger, vk::ObjectDestroy<vk::Instance, vk::DispatchLoaderDynamic>(
                           instance, nullptr, m_dispatcher));
    }
}

Instance::~Instance() = default;

vk::Instance Instance::handle() const noexcept { return *m_instance; }

std::uint32_t Instance::api_version() const noexcept { return m_api_version; }

std::uint32_t Instance::loader_version() const noexcept { return m_loader_version; }

bool Instance::debug_enabled() const noexcept { return static_cast<bool>(m_messenger); }

bool Instance::has_extension(std::string_view name) const noexcept {
    return std::find(m_extensions.begin(), m_extensions.end(), name) != m_extensions.end();
}

const std::vector<std::string> &Instance::extensions() const noexcept { return m_extensions; }

std::uint64_t Instance::validation_error_count() const noexcept { return m_debug->errors.load(); }

std::uint64_t Instance::validation_warning_count() const noexcept {
    return m_debug->warnings.load();
}

std::vector<std::string> Instance::recent_validation_errors() const {
    std::lock_guard lock(m_debug->mutex);
    return {m_debug->recent.begin(), m_debug->recent.end()};
}

void Instance::reset_validation_counts() noexcept {
    m_debug->errors = 0;
    m_debug->warnings = 0;
    std::lock_guard lock(m_debug->mutex);
    m_debug->recent.clear();
}

void Instance::record(const DebugMessage &message) noexcept {
    const bool is_validation_issue =
        static_cast<bool>(message.types & (vk::DebugUtilsMessageTypeFlagBitsEXT::eValidation |
                                           vk::DebugUtilsMessageTypeFlagBitsEXT::ePerformance));
    // The loader's own errors (general type: "Failed to create device chain" when a driver or
    // layer refuses vkCreateDevice) are failures the call reports itself, not validation errors.
    if (message.severity == vk::DebugUtilsMessageSeverityFlagBitsEXT::eError && is_validation_issue) {
        ++m_debug->errors;
        try {
            std::lock_guard lock(m_debug->mutex);
            m_debug->recent.push_back(message.text);
            if (m_debug->recent.size() > kept_errors) m_debug->recent.pop_front();
        } catch (...) {
            // Out of memory while keeping the text: the count is what matters.
        }
    } else if (message.severity == vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning &&
               is_validation_issue) {
        ++m_debug->warnings;
    }
    if (m_debug->sink && static_cast<VkFlags>(message.severity) >=
                             static_cast<VkFlags>(m_debug->min_severity)) {
        try {
            m_debug->sink(message);
        } catch (...) {
            // A user sink that throws must not unwind through the Vulkan call that reported.
        }
    }
}

std::vector<PhysicalDevice> Instance::physical_devices() const {
    const vk::Instance instance = *m_instance;
    const auto handles = detail::enumerate<vk::PhysicalDevice>(
        [&](std::uint32_t *count, vk::PhysicalDevice *devices) {
            return instance.enumeratePhysicalDevices(count, devices);
        },
        "vkEnumeratePhysicalDevices");
    std::vector<PhysicalDevice> devices;
    devices.reserve(handles.size());
    for (std::uint32_t i = 0; i < handles.size(); ++i) devices.emplace_back(handles[i], i);
    return devices;
}

DeviceFinder Instance::findGpu() { return DeviceFinder(shared_from_this()); }

const vk::DispatchLoaderDynamic &Instance::dispatcher() const noexcept { return m_dispatcher; }

InstanceBuilder::InstanceBuilder() = default;

InstanceBuilder &InstanceBuilder::setDebug(bool enabled) {
    m_debug = enabled;
    return *this;
}

InstanceBuilder &InstanceBuilder::setSynchronizationValidation(bool enabled) {
    m_sync_validation = enabled;
    return *this;
}

InstanceBuilder &InstanceBuilder::setApiVersion(ApiVersion version) {
    m_api_version = version;
    return *this;
}

InstanceBuilder &InstanceBuilder::setApplicationName(std::string name) {
    m_application_name = std::move(name);
    return *this;
}

InstanceBuilder &InstanceBuilder::addExtension(std::string name) {
    m_extensions.push_back(std::move(name));
    return *this;
}

InstanceBuilder &InstanceBuilder::addExtensions(std::span<const std::string> names) {
    m_extensions.insert(m_extensions.end(), names.begin(), names.end());
    return *this;
}

InstanceBuilder &InstanceBuilder::addExtensions(std::initializer_list<std::string_view> names) {
    for (auto name : names) m_extensions.emplace_back(name);
    return *this;
}

InstanceBuilder &InstanceBuilder::addPortability() {
    m_portability = true;
    return *this;
}

InstanceBuilder &InstanceBuilder::setDebugCallback(DebugCallback callback) {
    m_callback = std::move(callback);
    m_default_sink = false;
    return *this;
}

InstanceBuilder &InstanceBuilder::setDebugSeverity(vk::DebugUtilsMessageSeverityFlagBitsEXT minimum) {
    m_min_severity = minimum;
    return *this;
}

std::shared_ptr<Instance> InstanceBuilder::build() const {
    switch (m_api_version) {
    case ApiVersion::e11:
    case ApiVersion::e12:
    case ApiVersion::e13: break;
    default: throw LogicError("InstanceBuilder: apiVersion is not one of ApiVersion::e11/e12/e13");
    }
    for (const auto &name : m_extensions) {
        if (name.empty()) throw LogicError("InstanceBuilder: addExtension was given an empty name");
    }
    if (m_application_name.empty()) {
        throw LogicError("InstanceBuilder: applicationName must not be empty");
    }
    return std::shared_ptr<Instance>(new Instance(Instance::Config{*this}));
}

} // namespace vw
