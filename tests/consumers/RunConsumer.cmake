# Builds and runs one consumer project the way a user would (ctest runs this with -P).
# Variables: MODE (find_package, add_subdirectory, fetchcontent), VW_SOURCE_DIR, VW_BINARY_DIR
# (the library's own build, installed first for find_package), WORK_DIR.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix_args "")
if(MODE STREQUAL "find_package")
    execute_process(COMMAND "${CMAKE_COMMAND}" --install "${VW_BINARY_DIR}" --prefix "${WORK_DIR}/install"
                    RESULT_VARIABLE result OUTPUT_QUIET)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "cmake --install failed: ${result}")
    endif()
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
