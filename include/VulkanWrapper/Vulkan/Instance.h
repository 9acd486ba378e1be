#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <vulkan/vulkan.hpp>

namespace vw {

class DeviceFinder;
class PhysicalDevice;
class InstanceBuilder;

namespace detail {
class InstanceAccess;
} // namespace detail

/// The Vulkan API version an instance asks for.
enum class ApiVersion : std::uint32_t {
    /// Vulkan 1.1.
    e11 = VK_API_VERSION_1_1,
    /// Vulkan 1.2.
    e12 = VK_API_VERSION_1_2,
    /// Vulkan 1.3 (the default).
    e13 = VK_API_VERSION_1_3,
};

/// One message from the validation layer (or any debug-utils producer).
struct DebugMessage {
    /// Verbose, info, warning or error.
    vk::DebugUtilsMessageSeverityFlagBitsEXT severity{};
    /// General, validation and/or performance.
    vk::DebugUtilsMessageTypeFlagsEXT types{};
    /// The message's identifier, e.g. "SYNC-HAZARD-WRITE-AFTER-READ" ("" when none).
    std::string id_name;
    /// The message's numeric identifier.
    std::int32_t id_number = 0;
    /// The message itself.
    std::string text;
};

/// Receives debug messages. Called from whichever thread made the Vulkan call; must be
/// thread-safe. An exception it throws is swallowed (a Vulkan callback must not unwind).
using DebugCallback = std::function<void(const DebugMessage &)>;

/// A Vulkan instance, with its debug messenger when debugging was requested. Created by
/// InstanceBuilder, owned through std::shared_ptr; devices keep it alive. Thread-safe.
class Instance : public std::enable_shared_from_this<Instance> {
public:
    /// Destroys the messenger and the instance. Devices hold the instance, so none is left.
    ~Instance();
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;
    Instance(Instance &&) = delete;
    Instance &operator=(Instance &&) = delete;

    /// The vk::Instance; owned by this object.
    [[nodiscard]] vk::Instance handle() const noexcept;
    /// The API version the instance was created with (VK_MAKE_API_VERSION form).
    [[nodiscard]] std::uint32_t api_version() const noexcept;
    /// The loader's instance-level version (vkEnumerateInstanceVersion).
    [[nodiscard]] std::uint32_t loader_version() const noexcept;
    /// True when created with setDebug(): validation layer and messenger active.
    [[nodiscard]] bool debug_enabled() const noexcept;
    /// True when `name` was enabled as an instance extension.
    [[nodiscard]] bool has_extension(std::string_view name) const noexcept;
    /// The enabled instance extensions.
    [[nodiscard]] const std::vector<std::string> &extensions() const noexcept;

    /// Validation errors (severity error, validation or performance type) received since
    /// creation or the last reset; the loader's general-type errors are not counted.
    [[nodiscard]] std::uint64_t validation_error_count() const noexcept;
    /// Validation warnings received since creation or the last reset.
    [[nodiscard]] std::uint64_t validation_warning_count() const noexcept;
    /// The text of the most recent validation errors (at most 16 kept), oldest first.
    [[nodiscard]] std::vector<std::string> recent_validation_errors() const;
    /// Sets both counters to zero and forgets the recent errors.
    void reset_validation_counts() noexcept;

    /// Every physical device the instance sees, in enumeration order. Throws
    /// VulkanException if enumeration fails.
    [[nodiscard]] std::vector<PhysicalDevice> physical_devices() const;

    /// Starts choosing a device: see DeviceFinder.
    [[nodiscard]] DeviceFinder findGpu();

    /// Dispatcher for instance-level extension functions (debug utils and friends).
    [[nodiscard]] const vk::DispatchLoaderDynamic &dispatcher() const noexcept;

private:
    friend class InstanceBuilder;        // the only creator
    friend class detail::InstanceAccess; // the messenger callback, and tests through it
    struct Config;
    explicit Instance(Config config);

    /// Routes one message into the counters and the sink; never throws.
    void record(const DebugMessage &message) noexcept;

    struct DebugState;
    std::uint32_t m_api_version;
    std::uint32_t m_loader_version;
    std::vector<std::string> m_extensions;
    std::unique_ptr<DebugState> m_debug;
    vk::UniqueInstance m_instance;
    vk::DispatchLoaderDynamic m_dispatcher;
    vk::UniqueHandle<vk::DebugUtilsMessengerEXT, vk::DispatchLoaderDynamic> m_messenger;
};

/// Builds an Instance. Every setter returns the builder; build() validates everything
/// (API version against the loader, layers and extensions present) before creating it.
class InstanceBuilder {
public:
    /// A builder with every setting at its default (each setter says what that is).
    InstanceBuilder();

    /// Enables the Khronos validation layer with synchronization validation, and a debug-utils
    /// messenger feeding the instance's counters and sink. build() throws LayerNotPresentError
    /// naming the Debian package if the layer is not installed.
    InstanceBuilder &setDebug(bool enabled = true);
    /// Turns synchronization validation off or on (on by default with setDebug()).
    InstanceBuilder &setSynchronizationValidation(bool enabled);
    /// The API version to request; default ApiVersion::e13. build() throws LoaderError if the
    /// loader is older.
    InstanceBuilder &setApiVersion(ApiVersion version);
    /// The application name reported to drivers. Default "VulkanWrapper".
    InstanceBuilder &setApplicationName(std::string name);
    /// Requires an instance extension; build() throws ExtensionNotPresentError if it is absent.
    InstanceBuilder &addExtension(std::string name);
    /// Requires several instance extensions.
    InstanceBuilder &addExtensions(std::span<const std::string> names);
    /// Requires several instance extensions.
    InstanceBuilder &addExtensions(std::initializer_list<std::string_view> names);
    /// Enumerates portability (non-conformant, e.g. MoltenVK) devices too: enables
    /// VK_KHR_portability_enumeration and the matching flag.
    InstanceBuilder &addPortability();
    /// Where debug messages go. Default: stderr, one line each with the severity; messages
    /// are counted whatever the sink. Pass an empty function to count only.
    InstanceBuilder &setDebugCallback(DebugCallback callback);
    /// Lowest severity passed to the sink (counting covers warnings and errors regardless).
    /// Default: warning.
    InstanceBuilder &setDebugSeverity(vk::DebugUtilsMessageSeverityFlagBitsEXT minimum);

    /// Creates the instance. Throws LogicError for an invalid builder value (before any Vulkan
    /// call), LoaderError when the loader is older than the requested version,
    /// LayerNotPresentError when setDebug() finds no validation layer, ExtensionNotPresentError
    /// for a missing instance extension, NoDeviceError when vkCreateInstance finds no driver
    /// (VK_ERROR_INCOMPATIBLE_DRIVER), VulkanException (OutOfMemoryError) for any other
    /// failure. Nothing is left behind on failure. Thread-safe (const).
    [[nodiscard]] std::shared_ptr<Instance> build() const;

private:
    friend class Instance;
    ApiVersion m_api_version = ApiVersion::e13;
    std::string m_application_name = "VulkanWrapper";
    std::vector<std::string> m_extensions;
    bool m_debug = false;
    bool m_sync_validation = true;
    bool m_portability = false;
    bool m_default_sink = true;
    DebugCallback m_callback;
    vk::DebugUtilsMessageSeverityFlagBitsEXT m_min_severity =
        vk::DebugUtilsMessageSeverityFlagBitsEXT::eWarning;
};

} // namespace vw
