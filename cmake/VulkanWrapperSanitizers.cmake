# Sanitizer builds: VW_SANITIZER=address (AddressSanitizer + UndefinedBehaviorSanitizer, any
# undefined behaviour fails the run) or VW_SANITIZER=thread (ThreadSanitizer). The flags apply to
# every target this project defines after this point: the library, the tests, the tools and the
# examples (the presets "asan" and "tsan" set the variable). Third-party code linked as shared
# libraries (the Vulkan loader, lavapipe, the validation layer) is not instrumented; the
# suppression files for their reports live in tests/sanitizers/.
set(VW_SANITIZER "" CACHE STRING "Build with sanitizers: address (ASan + UBSan), thread (TSan), or empty")
set_property(CACHE VW_SANITIZER PROPERTY STRINGS "" address thread)

if(VW_SANITIZER)
    if(MSVC)
        message(FATAL_ERROR "VW_SANITIZER is supported with GCC and Clang only")
    endif()
    if(VW_SANITIZER STREQUAL "address")
        set(_vw_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=all
                                -fno-omit-frame-pointer)
    elseif(VW_SANITIZER STREQUAL "thread")
        set(_vw_sanitizer_flags -fsanitize=thread -fno-omit-frame-pointer)
    else()
        message(FATAL_ERROR "VW_SANITIZER must be address, thread or empty, not '${VW_SANITIZER}'")
    endif()
    if(VW_STATIC_RUNTIME)
        message(FATAL_ERROR "VW_SANITIZER and VW_STATIC_RUNTIME do not mix (the sanitizer runtimes are shared)")
    endif()
    add_compile_options(${_vw_sanitizer_flags})
    add_link_options(${_vw_sanitizer_flags})
    message(STATUS "VulkanWrapper: sanitizer build (${VW_SANITIZER}): ${_vw_sanitizer_flags}")
    unset(_vw_sanitizer_flags)
endif()
