# The HTML API reference (docs/api-reference.md): Doxygen over include/VulkanWrapper and the
# Markdown pages, checked complete (scripts/apidocs/). Included from the top-level CMakeLists.
#
#   docs          builds <build>/reference/html with warnings as errors, then fails on an
#                 undocumented public entity and on a broken internal link
#   docs-render   loads the front page, vw::Allocator and vw::Buffer in headless Chromium and
#                 keeps a screenshot of the Allocator page: <build>/reference/allocator-page.png
#
# Doxygen and graphviz (and Chromium, for docs-render) are not needed to build or test the
# library: scripts/setup-deps.sh --docs installs them. Without them the targets say so and fail.
# When the tools are found and the tests are built, the test ApiReference.Complete builds the
# reference too, so that the test stage fails on an undocumented public function.

find_package(Doxygen QUIET COMPONENTS dot)
find_package(Python3 QUIET COMPONENTS Interpreter)
find_program(VW_CHROMIUM_EXECUTABLE NAMES chromium chromium-browser
             DOC "Chromium, for the docs-render target")

set(VW_DOCS_DIR "${PROJECT_BINARY_DIR}/reference")
set(VW_APIDOCS "${PROJECT_SOURCE_DIR}/scripts/apidocs")

if(DOXYGEN_FOUND AND Python3_FOUND)
    set(VW_DOCS_COMMAND "${Python3_EXECUTABLE}" "${VW_APIDOCS}/build_reference.py"
        --source "${PROJECT_SOURCE_DIR}" --output "${VW_DOCS_DIR}"
        --doxygen "${DOXYGEN_EXECUTABLE}" --version "${PROJECT_VERSION}")
    add_custom_target(docs
        COMMAND ${VW_DOCS_COMMAND}
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
        COMMENT "API reference (Doxygen, warnings as errors, completeness and link checks): ${VW_DOCS_DIR}/html/index.html"
        USES_TERMINAL
        VERBATIM)
    message(STATUS "VulkanWrapper: `docs` target: ${DOXYGEN_EXECUTABLE} ${DOXYGEN_VERSION}")
else()
    add_custom_target(docs
        COMMAND "${CMAKE_COMMAND}" -E echo
                "docs: Doxygen, graphviz's dot or Python 3 not found; install them with scripts/setup-deps.sh --docs (or run scripts/docs.sh), then re-run cmake"
        COMMAND "${CMAKE_COMMAND}" -E false
        VERBATIM)
    message(STATUS "VulkanWrapper: `docs` target unavailable (doxygen and graphviz not found: scripts/setup-deps.sh --docs)")
endif()

if(VW_CHROMIUM_EXECUTABLE AND Python3_FOUND)
    add_custom_target(docs-render
        COMMAND "${Python3_EXECUTABLE}" "${VW_APIDOCS}/render_pages.py" "${VW_DOCS_DIR}/html"
                "${VW_DOCS_DIR}/allocator-page.png" --chromium "${VW_CHROMIUM_EXECUTABLE}"
        COMMENT "API reference in headless Chromium: ${VW_DOCS_DIR}/allocator-page.png"
        USES_TERMINAL
        VERBATIM)
else()
    add_custom_target(docs-render
        COMMAND "${CMAKE_COMMAND}" -E echo
                "docs-render: chromium not found; install it with scripts/setup-deps.sh --docs, then re-run cmake"
        COMMAND "${CMAKE_COMMAND}" -E false
        VERBATIM)
endif()
add_dependencies(docs-render docs)

# Not in sanitizer builds: their test environment preloads a sanitizer runtime, and the
# reference does not depend on how the library is compiled.
if(VW_BUILD_TESTS AND NOT VW_SANITIZER AND DOXYGEN_FOUND AND Python3_FOUND)
    # Its own output folder, so that it never races the docs target.
    add_test(NAME ApiReference.Complete
             COMMAND "${Python3_EXECUTABLE}" "${VW_APIDOCS}/build_reference.py"
                     --source "${PROJECT_SOURCE_DIR}" --output "${PROJECT_BINARY_DIR}/reference-test"
                     --doxygen "${DOXYGEN_EXECUTABLE}" --version "${PROJECT_VERSION}")
    add_test(NAME ApiReference.ChecksRejectWhatIsMissing
             COMMAND "${Python3_EXECUTABLE}" "${VW_APIDOCS}/selftest.py"
                     --source "${PROJECT_SOURCE_DIR}" --doxygen "${DOXYGEN_EXECUTABLE}")
    set_tests_properties(ApiReference.Complete ApiReference.ChecksRejectWhatIsMissing
                         PROPERTIES LABELS docs TIMEOUT 300)
endif()
