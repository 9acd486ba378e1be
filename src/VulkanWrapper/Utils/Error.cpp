#include "VulkanWrapper/Utils/Error.h"


namespace vw {

namespace {

std::string with_location(const std::string &message, const std::source_location &location) {
    return message + " [" + location.file_name() + ":" + std::to_string(location.line()) + "]";
}

std::string out_of_memory_message(vk::Result result, std::string_view operation,
                                  std::optional<std::uint64_t> requested,
                                  std::optional<std::uint32_t> heap,
                                  std::optional<std::uint64_t> budget) {
    std::string message = std::string(operation) + " failed: " + vk::to_string(result);
    if (requested) message += ", requested " + std::to_string(*requested) + " bytes";
    if (heap) message += ", heap " + std::to_string(*heap);
    if (budget) message += ", heap budget " + std::to_string(*budget) + " bytes";
    return message;
}

bool is_out_of_memory(vk::Result result) {
    return result == vk::Result::eErrorOutOfDeviceMemory ||
           result == vk::Result::eErrorOutOfHostMemory;
}

} // namespace

Exception::Exception(std::string message, std::source_location location)
    : m_message(std::move(message))
    , m_what(with_location(m_message, location))
    , m_location(location) {}

const char *Exception::what() const noexcept { return m_what.c_str(); }

const std::string &Exception::message() const noexcept { return m_message; }

const std::source_location &Exception::location() const noexcept { return m_location; }

VulkanException::VulkanException(vk::Result result, std::string_view operation,
                                 std::source_location location)
    : Exception(std::string(operation) + " failed: " + vk::to_string(result), location)
    , m_result(result) {}

VulkanException::VulkanException(vk::Result result, std::string message,
                                 std::source_location location)
    : Exception(std::move(message), location)
    , m_result(result) {}

vk::Result VulkanException::result() const noexcept { return m_result; }

OutOfMemoryError::OutOfMemoryError(vk::Result result, std::string_view operation,
                                   std::optional<std::uint64_t> requested_bytes,
                                   std::optional<std::uint32_t> heap_index,
                                   std::optional<std::uint64_t> heap_budget_bytes,
                                   std::source_location location)
    : VulkanException(result,
                      out_of_memory_message(result, operation, requested_bytes, heap_index,
                                            heap_budget_bytes),
                      location)
    , m_requested_bytes(requested_bytes)
    , m_heap_index(heap_index)
    , m_heap_budget_bytes(heap_budget_bytes) {}

std::optional<std::uint64_t> OutOfMemoryError::requested_bytes() const noexcept {
    return m_requested_bytes;
}

std::optional<std::uint32_t> OutOfMemoryError::heap_index() const noexcept { return m_heap_index; }

std::optional<std::uint64_t> OutOfMemoryError::heap_budget_bytes() const noexcept {
    return m_heap_budget_bytes;
}

DeviceLostError::DeviceLostError(std::string_view operation, std::source_location location)
    : VulkanException(vk::Result::eErrorDeviceLost, operation, location) {}

LayerNotPresentError::LayerNotPresentError(std::string layer, std::string message,
                                           std::source_location location)
    : EnvironmentError(std::move(message), location)
    , m_layer(std::move(layer)) {}

const std::string &LayerNotPresentError::layer() const noexcept { return m_layer; }

ExtensionNotPresentError::ExtensionNotPresentError(std::string extension, std::string message,
                                                   std::source_location location)
    : EnvironmentError(std::move(message), location)
    , m_extension(std::move(extension)) {}

const std::string &ExtensionNotPresentError::extension() const noexcept { return m_extension; }

namespace detail {

void throw_result(vk::Result result, std::string_view operation, std::source_location location) {
    if (is_out_of_memory(result)) throw OutOfMemoryError(result, operation, {}, {}, {}, location);
    if (result == vk::Result::eErrorDeviceLost) throw DeviceLostError(operation, location);
    throw VulkanException(result, operation, location);
}

} // namespace detail

} // namespace vw
