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
    # Test harness only (preloaded by the sanitizer test presets, never linked into anything):
    # keeps lavapipe and the validation layer loaded until exit so that sanitizer reports about
    # them name the library (tests/sanitizers/keep_loaded.cpp says why). Defined before the
    # flags below: it is not instrumented.
    if(VW_BUILD_TESTS)
        add_library(vw-keep-loaded SHARED tests/sanitizers/keep_loaded.cpp)
        target_link_libraries(vw-keep-loaded PRIVATE ${CMAKE_DL_LIBS})
        set_target_properties(vw-keep-loaded PROPERTIES
            LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/sanitizers" CXX_EXTENSIONS OFF)
    endif()
    add_compile_options(${_vw_sanitizer_flags})
    add_link_options(${_vw_sanitizer_flags})
    message(STATUS "VulkanWrapper: sanitizer build (${VW_SANITIZER}): ${_vw_sanitizer_flags}")
    unset(_vw_sanitizer_flags)
endif()
