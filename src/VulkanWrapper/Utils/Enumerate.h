#pragma once

#include <cstdint>
#include <source_location>
#include <string_view>
#include <vector>

#include "VulkanWrapper/Utils/Error.h"

namespace vw::detail {

// Vulkan's two-call enumeration idiom, retried while the count changes between the calls.
template <typename T, typename Call>
std::vector<T> enumerate(Call &&call, std::string_view operation,
                         std::source_location location = std::source_location::current()) {
    std::vector<T> items;
    vk::Result result = vk::Result::eIncomplete;
    while (result == vk::Result::eIncomplete) {
        std::uint32_t count = 0;
        check(call(&count, static_cast<T *>(nullptr)), operation, location);
        items.resize(count);
        result = call(&count, items.data());
        check(result, operation, location);
        items.resize(count);
    }
    return items;
}

} // namespace vw::detail
