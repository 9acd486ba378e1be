#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>

#include <vulkan/vulkan.hpp>

/// VulkanWrapper: every public name of the library. Headers are
/// `<VulkanWrapper/<Module>/<Class>.h>`, one class (and its builder) a file; the guides in docs/
/// and README.md (the reference's front page) show them at work.
namespace vw {

/// Base of every exception the library throws: a message and the source location of the
/// library call (or `check`) that failed. `what()` returns the message followed by
/// " [file:line]". Copyable, nothrow to query.
class Exception : public std::exception {
public:
    /// Creates an exception; `location` defaults to the caller's location.
    explicit Exception(std::string message,
                       std::source_location location = std::source_location::current());

    /// The message with the location appended.
    [[nodiscard]] const char *what() const noexcept override;
    /// The message alone.
    [[nodiscard]] const std::string &message() const noexcept;
    /// Where the error was raised.
    [[nodiscard]] const std::source_location &location() const noexcept;

private:
    std::string m_message;
    std::string m_what;
    std::source_location m_location;
};

/// A Vulkan (or VMA) call returned an error code.
class VulkanException : public Exception {
public:
    /// `operation` names the call that failed; the message includes the result's name.
    VulkanException(vk::Result result, std::string_view operation,
                    std::source_location location = std::source_location::current());

    /// The Vulkan result code that was returned.
    [[nodiscard]] vk::Result result() const noexcept;

protected:
    /// For derived errors that compose their own message.
    VulkanException(vk::Result result, std::string message, std::source_location location);

private:
    vk::Result m_result;
};

/// A device or host memory allocation failed. Carries the size requested, and the heap and
/// its budget when they are known. Derives from VulkanException: `result()` is
/// eErrorOutOfDeviceMemory or eErrorOutOfHostMemory.
class OutOfMemoryError : public VulkanException {
public:
    /// `result` is eErrorOutOfDeviceMemory or eErrorOutOfHostMemory; `operation` names the call
    /// that failed; the size, heap and budget are given when known and appear in the message.
    OutOfMemoryError(vk::Result result, std::string_view operation,
                     std::optional<std::uint64_t> requested_bytes = std::nullopt,
                     std::optional<std::uint32_t> heap_index = std::nullopt,
                     std::optional<std::uint64_t> heap_budget_bytes = std::nullopt,
                     std::source_location location = std::source_location::current());

    /// Bytes asked for, when known.
    [[nodiscard]] std::optional<std::uint64_t> requested_bytes() const noexcept;
    /// Index of the memory heap the allocation was meant for, when known.
    [[nodiscard]] std::optional<std::uint32_t> heap_index() const noexcept;
    /// That heap's budget in bytes at the time of the failure, when known.
    [[nodiscard]] std::optional<std::uint64_t> heap_budget_bytes() const noexcept;

private:
    std::optional<std::uint64_t> m_requested_bytes;
    std::optional<std::uint32_t> m_heap_index;
    std::optional<std::uint64_t> m_heap_budget_bytes;
};

/// The device was lost (VK_ERROR_DEVICE_LOST). Every later call that reaches the device throws
/// this too; the objects made from the device can still be destroyed.
class DeviceLostError : public VulkanException {
public:
    /// `operation` names the call that reported the loss.
    DeviceLostError(std::string_view operation,
                    std::source_location location = std::source_location::current());
};

/// The caller broke a documented precondition: a zero size, an overflowing count, an access
/// past the end, a builder missing a required field or given an invalid value, a layout or
/// usage that the resource's own creation rules out. Nothing was changed by the failed call.
class LogicError : public Exception {
public:
    using Exception::Exception;
};

/// The request is valid, but this device or driver cannot do it: a format for a usage, a
/// sample count, a feature, a device extension, a handle type. Another device may; nothing was
/// changed by the failed call.
class NotSupportedError : public Exception {
public:
    using Exception::Exception;
};

/// A broken invariant below the caller: a failed assertion inside VMA (its state, or memory
/// the program corrupted, can no longer be trusted). Library code never aborts on one; the
/// failure is recorded and thrown as this error, once, by the next library call that reaches
/// VMA (an allocation, an image, statistics, budget, JSON). What follows is the caller's
/// decision; the message names the failed expression.
class InvariantError : public Exception {
public:
    using Exception::Exception;
};

/// The machine lacks something the library needs before any device is involved. Base of
/// LoaderError, LayerNotPresentError, ExtensionNotPresentError and NoDeviceError; the message
/// says what to install or change.
class EnvironmentError : public Exception {
public:
    using Exception::Exception;
};

/// The Vulkan loader is missing or older than the requested API version.
class LoaderError : public EnvironmentError {
public:
    using EnvironmentError::EnvironmentError;
};

/// A requested instance layer (the Khronos validation layer for setDebug()) is not installed.
class LayerNotPresentError : public EnvironmentError {
public:
    /// `layer` is the layer's name, kept for layer().
    LayerNotPresentError(std::string layer, std::string message,
                         std::source_location location = std::source_location::current());
    /// The missing layer's name.
    [[nodiscard]] const std::string &layer() const noexcept;

private:
    std::string m_layer;
};

/// A requested instance extension is offered by neither the loader nor any installed driver.
class ExtensionNotPresentError : public EnvironmentError {
public:
    /// `extension` is the extension's name, kept for extension().
    ExtensionNotPresentError(std::string extension, std::string message,
                             std::source_location location = std::source_location::current());
    /// The missing extension's name.
    [[nodiscard]] const std::string &extension() const noexcept;

private:
    std::string m_extension;
};

/// No Vulkan device is present, none fits the requirements, or VW_DEVICE matches none; the
/// message lists every device with the reasons it was rejected.
class NoDeviceError : public EnvironmentError {
public:
    using EnvironmentError::EnvironmentError;
};

/// Throws unless `result` is a success code (eSuccess or any positive code such as
/// eIncomplete, which callers handle themselves). Out-of-memory results throw
/// OutOfMemoryError, VK_ERROR_DEVICE_LOST throws DeviceLostError, everything else
/// VulkanException; `operation` names the failed call and
/// the exception carries the caller's location.
inline void check(vk::Result result, std::string_view operation,
                  std::source_location location = std::source_location::current());

/// Same as above for a C API result (Vulkan or VMA).
inline void check(VkResult result, std::string_view operation,
                  std::source_location location = std::source_location::current());

namespace detail {
/// Throws the exception check() documents for the error `result`. Out of line: the cold path.
[[noreturn]] void throw_result(vk::Result result, std::string_view operation,
                               std::source_location location);
} // namespace detail

inline void check(vk::Result result, std::string_view operation, std::source_location location) {
    if (static_cast<int>(result) < 0) [[unlikely]] {
        detail::throw_result(result, operation, location);
    }
}

inline void check(VkResult result, std::string_view operation, std::source_location location) {
    check(static_cast<vk::Result>(result), operation, location);
}

} // namespace vw
