# Builds and runs one consumer project the way a user would (ctest runs this with -P).
# find_package: the install is made into one prefix and moved to another before use (the
# package is relocatable), checked for absolute build paths, and tried once without VMA (the
# error must say how to point at it).
# Variables: MODE (find_package, add_subdirectory, fetchcontent), VW_SOURCE_DIR, VW_BINARY_DIR
# (the library's own build, installed first for find_package), WORK_DIR.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix_args "")
if(MODE STREQUAL "find_package")
    # Installed into one prefix, then moved: the package must be relocatable.
    execute_process(COMMAND "${CMAKE_COMMAND}" --install "${VW_BINARY_DIR}" --prefix "${WORK_DIR}/staged"
                    RESULT_VARIABLE result OUTPUT_QUIET)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "cmake --install failed: ${result}")
    endif()
    file(RENAME "${WORK_DIR}/staged" "${WORK_DIR}/install")

    # No absolute path of the build machine in the package's CMake files, but the documented
    # last-resort hints for VMA (lines marked "build-machine hint").
    file(GLOB_RECURSE package_files "${WORK_DIR}/install/*.cmake")
    if(NOT package_files)
        message(FATAL_ERROR "the install has no CMake package files")
    endif()
    foreach(package_file IN LISTS package_files)
        file(STRINGS "${package_file}" lines)
        foreach(line IN LISTS lines)
            foreach(path "${VW_BINARY_DIR}" "${VW_SOURCE_DIR}" "${WORK_DIR}")
                string(FIND "${line}" "${path}" at)
                if(NOT at EQUAL -1 AND NOT line MATCHES "build-machine hint")
                    message(FATAL_ERROR "${package_file} names ${path}, so the package cannot be moved:\n${line}")
                endif()
            endforeach()
        endforeach()
    endforeach()
    file(GLOB_RECURSE version_file "${WORK_DIR}/install/*/VulkanWrapperConfigVersion.cmake")
    if(NOT version_file)
        message(FATAL_ERROR "no VulkanWrapperConfigVersion.cmake installed")
    endif()

    # Without VMA, find_package(VulkanWrapper) fails and says how to point at it.
    execute_process(COMMAND "${CMAKE_COMMAND}" -S "${VW_SOURCE_DIR}/tests/consumers/${MODE}" -B "${WORK_DIR}/no-vma"
                            -G Ninja "-DCMAKE_PREFIX_PATH=${WORK_DIR}/install"
                            -DCMAKE_DISABLE_FIND_PACKAGE_VulkanMemoryAllocator=ON
                    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(result EQUAL 0)
        message(FATAL_ERROR "find_package(VulkanWrapper) succeeded without VMA")
    endif()
    string(REGEX REPLACE "[ \t\r\n]+" " " flat "${output}")
    foreach(expected "Vulkan Memory Allocator" "-DVulkanMemoryAllocator_DIR=" "CMAKE_PREFIX_PATH" ".deps/vma/usr")
        string(FIND "${flat}" "${expected}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "without VMA, the error does not mention '${expected}':\n${output}")
        endif()
    endforeach()
    message(STATUS "without VMA, find_package(VulkanWrapper) fails as it should")

    set(prefix_args "-DCMAKE_PREFIX_PATH=${WORK_DIR}/install")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${VW_SOURCE_DIR}/tests/consumers/${MODE}" -B "${WORK_DIR}/build"
                        -G Ninja -DCMAKE_BUILD_TYPE=Release "-DVW_SOURCE_DIR=${VW_SOURCE_DIR}" ${prefix_args}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "configuring the ${MODE} consumer failed: ${result}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "building the ${MODE} consumer failed: ${result}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/consumer" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "the ${MODE} consumer failed: ${result}")
endif()
