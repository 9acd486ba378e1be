# The Debian package libvulkanwrapper-dev, built and used the way a user would (ctest runs this
# with -P). Nothing is installed on the system: the package is unpacked with dpkg-deb -x (what
# dpkg -x does) into a scratch root, and the consumers are pointed at <root>/usr.
#
# MODE:
#   package      (the fixture of the others) configures the deb preset into WORK_DIR/build (a
#                Release build of the library alone), builds it, runs cpack, checks the control
#                fields and the file list, and unpacks the .deb into DEB_ROOT;
#   lintian      runs lintian on the .deb: any finding that is not overridden fails;
#   find_package tests/consumers/find_package, with CMAKE_PREFIX_PATH=<root>/usr;
#   pkgconfig    tests/consumers/main.cpp compiled with the flags of
#                PKG_CONFIG_SYSROOT_DIR=<root> pkg-config --cflags --libs vulkanwrapper;
#   meson        tests/consumers/meson, dependency('vulkanwrapper') through pkg-config;
#   install_pkgconfig (not the package) the vulkanwrapper.pc of cmake --install of VW_BINARY_DIR.
# VMA: the package depends on Debian's libvulkan-memory-allocator-dev, whose vk_mem_alloc.h is in
# /usr/include. Where the system lacks it (Debian 12), scripts/setup-deps.sh unpacked it into
# <source>/.deps/vma/usr: the consumers are given that prefix (CMake) or include directory.
#
# A missing tool makes the test print "consumer check SKIPPED: <why>" (ctest reports it skipped).
#
# Variables: MODE, VW_SOURCE_DIR, VW_VERSION (project(VERSION)), WORK_DIR (this
# test's scratch folder), DEB_DIR (the package test's WORK_DIR: DEB_DIR/*.deb, DEB_DIR/root), CXX,
# VW_BINARY_DIR (install_pkgconfig).

# Each call is followed by return(): the script ends with status 0, and ctest's
# SKIP_REGULAR_EXPRESSION marks the test skipped.
function(skip reason)
    message("consumer check SKIPPED: ${reason}")
endfunction()

# run(<what> COMMAND...): runs a command, echoing it, and fails with its output on an error.
function(run what)
    string(REPLACE ";" " " shown "${ARGN}")
    message(STATUS "${what}: ${shown}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "${what} failed (${result}):\n${out}")
    endif()
    set(run_output "${out}" PARENT_SCOPE)
endfunction()

# build_with_pkgconfig(<include dir> <lib dir> <extra flags>): checks vulkanwrapper.pc through
# pkg-config (PKG_CONFIG_PATH and the like set by the caller) and compiles tests/consumers/main.cpp
# into WORK_DIR/consumer with its flags, as a Makefile would:
#     $(CXX) -std=c++20 main.cpp $(pkg-config --cflags --libs vulkanwrapper)
function(build_with_pkgconfig include_dir lib_dir extra_flags)
    run("reading vulkanwrapper.pc" "${PKG_CONFIG}" --modversion vulkanwrapper)
    string(STRIP "${run_output}" modversion)
    if(NOT modversion STREQUAL VW_VERSION)
        message(FATAL_ERROR "pkg-config --modversion vulkanwrapper says '${modversion}', not ${VW_VERSION}")
    endif()
    run("pkg-config --cflags" "${PKG_CONFIG}" --cflags vulkanwrapper)
    string(STRIP "${run_output}" cflags)
    run("pkg-config --libs" "${PKG_CONFIG}" --libs vulkanwrapper)
    string(STRIP "${run_output}" libs)
    message(STATUS "Cflags: ${cflags}\nLibs: ${libs}")
    string(FIND "${cflags}" "-I${include_dir}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "pkg-config --cflags lacks -I${include_dir}: ${cflags}")
    endif()
    foreach(expected "-L${lib_dir}" "-lVulkanWrapper" "-lvulkan")
        string(FIND "${libs}" "${expected}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "pkg-config --libs lacks ${expected}: ${libs}")
        endif()
    endforeach()
    separate_arguments(cflags UNIX_COMMAND "${cflags}")
    separate_arguments(libs UNIX_COMMAND "${libs}")
    run("compiling with pkg-config's flags" "${CXX}" -std=c++20 -O1
        "${VW_SOURCE_DIR}/tests/consumers/main.cpp" ${cflags} ${extra_flags}
        -o "${WORK_DIR}/consumer" ${libs})
endfunction()

# The program: lavapipe where there is no GPU, a device-local buffer, upload and readback checked.
function(run_consumer program)
    execute_process(COMMAND "${program}" RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    message(STATUS "${program}:\n${out}")
    if(NOT result EQUAL 0 OR NOT out MATCHES "consumer: OK on ")
        message(FATAL_ERROR "the ${MODE} consumer failed (${result})")
    endif()
endfunction()

set(deb_root "${DEB_DIR}/root")
set(vma_prefix "${VW_SOURCE_DIR}/.deps/vma/usr")
find_program(DPKG_DEB dpkg-deb)
find_program(DPKG_ARCHITECTURE dpkg-architecture)
if(DPKG_ARCHITECTURE)
    execute_process(COMMAND "${DPKG_ARCHITECTURE}" -qDEB_HOST_MULTIARCH
                    OUTPUT_VARIABLE multiarch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${DPKG_ARCHITECTURE}" -qDEB_HOST_ARCH
                    OUTPUT_VARIABLE deb_arch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
set(libdir "usr/lib/${multiarch}")

# Not the package: the .pc of a plain cmake --install of the library's own build (VW_BINARY_DIR),
# with VMA where that build found it (.deps/vma/usr on Debian 12): no flag but pkg-config's.
if(MODE STREQUAL "install_pkgconfig")
    file(REMOVE_RECURSE "${WORK_DIR}")
    find_program(PKG_CONFIG NAMES pkg-config pkgconf)
    if(NOT PKG_CONFIG)
        skip("pkg-config is not installed (Debian package pkgconf; scripts/setup-deps.sh installs it)")
        return()
    endif()
    run("installing the library" "${CMAKE_COMMAND}" --install "${VW_BINARY_DIR}" --prefix "${WORK_DIR}/install")
    file(GLOB_RECURSE pc_file "${WORK_DIR}/install/*/pkgconfig/vulkanwrapper.pc")
    if(NOT pc_file)
        message(FATAL_ERROR "cmake --install put no pkgconfig/vulkanwrapper.pc under ${WORK_DIR}/install")
    endif()
    get_filename_component(pc_dir "${pc_file}" DIRECTORY)
    get_filename_component(lib_dir "${pc_dir}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
    run("pkg-config --variable=prefix" "${PKG_CONFIG}" --variable=prefix vulkanwrapper)
    string(STRIP "${run_output}" pc_prefix)
    if(NOT pc_prefix STREQUAL "${WORK_DIR}/install")
        message(FATAL_ERROR "vulkanwrapper.pc says prefix=${pc_prefix}, not the prefix installed into (${WORK_DIR}/install)")
    endif()
    build_with_pkgconfig("${WORK_DIR}/install/include" "${lib_dir}" "")
    run_consumer("${WORK_DIR}/consumer")
    return()
endif()

if(MODE STREQUAL "package")
    file(REMOVE_RECURSE "${WORK_DIR}")
    if(NOT DPKG_DEB OR NOT DPKG_ARCHITECTURE)
        skip("dpkg-deb and dpkg-architecture are needed to build and unpack the Debian package (a Debian system)")
        return()
    endif()
    run("configuring the deb preset" "${CMAKE_COMMAND}" -S "${VW_SOURCE_DIR}" --preset deb -B "${WORK_DIR}/build")
    run("building the library" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
    execute_process(COMMAND cpack -G DEB WORKING_DIRECTORY "${WORK_DIR}/build"
                    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    message(STATUS "cpack -G DEB:\n${out}")
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "cpack failed (${result})")
    endif()
    file(GLOB deb "${WORK_DIR}/build/libvulkanwrapper-dev_${VW_VERSION}-*_${deb_arch}.deb")
    list(LENGTH deb count)
    if(NOT count EQUAL 1)
        message(FATAL_ERROR "cpack made no libvulkanwrapper-dev_${VW_VERSION}-<revision>_${deb_arch}.deb in ${WORK_DIR}/build")
    endif()
    get_filename_component(deb_name "${deb}" NAME)
    string(REGEX REPLACE "^libvulkanwrapper-dev_([^_]+)_.*" "\\1" deb_version "${deb_name}")
    file(COPY "${deb}" DESTINATION "${WORK_DIR}")

    # The control fields.
    run("reading the control file" "${DPKG_DEB}" --field "${deb}")
    set(control "${run_output}")
    message(STATUS "control:\n${control}")
    foreach(expected
            "Package: libvulkanwrapper-dev\n"
            "Version: ${deb_version}\n"
            "Architecture: ${deb_arch}\n"
            "Section: libdevel\n")
        string(FIND "${control}" "${expected}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "the control file lacks '${expected}'")
        endif()
    endforeach()
    if(NOT control MATCHES "\nDepends: [^\n]*libvulkan-dev \\(>= 1\\.3"
            OR NOT control MATCHES "\nDepends: [^\n]*libvulkan-memory-allocator-dev \\(>= 3[^\n]*libvulkan-memory-allocator-dev \\(<< 4\\)")
        message(FATAL_ERROR "Depends does not name libvulkan-dev (>= 1.3...) and libvulkan-memory-allocator-dev (>= 3..., << 4)")
    endif()

    # The files: multiarch library directory, docs where Debian expects them.
    run("listing the package" "${DPKG_DEB}" --contents "${deb}")
    set(listing "${run_output}")
    foreach(path
            "./${libdir}/libVulkanWrapper.a"
            "./${libdir}/pkgconfig/vulkanwrapper.pc"
            "./${libdir}/cmake/VulkanWrapper/VulkanWrapperConfig.cmake"
            "./${libdir}/cmake/VulkanWrapper/VulkanWrapperConfigVersion.cmake"
            "./${libdir}/cmake/VulkanWrapper/VulkanWrapperTargets.cmake"
            "./usr/include/VulkanWrapper/Memory/Allocator.h"
            "./usr/share/doc/libvulkanwrapper-dev/copyright"
            "./usr/share/doc/libvulkanwrapper-dev/changelog.Debian.gz"
            "./usr/share/lintian/overrides/libvulkanwrapper-dev")
        string(FIND "${listing}" " ${path}\n" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "the package has no ${path}:\n${listing}")
        endif()
    endforeach()
    string(REGEX MATCHALL " \\./[^\n]*" entries "${listing}")
    foreach(entry IN LISTS entries)
        if(NOT entry MATCHES "^ \\./usr/")
            message(FATAL_ERROR "the package has a file outside /usr:${entry}")
        endif()
    endforeach()

    run("unpacking the package" "${DPKG_DEB}" -x "${deb}" "${deb_root}")

    # Nothing of this machine in what consumers read: the .pc and the library (source paths of
    # std::source_location are mapped to relative ones), the CMake files but for the documented
    # last-resort VMA hints.
    file(STRINGS "${deb_root}/${libdir}/pkgconfig/vulkanwrapper.pc" pc_lines)
    foreach(line IN LISTS pc_lines)
        foreach(path "${VW_SOURCE_DIR}" "${WORK_DIR}")
            string(FIND "${line}" "${path}" at)
            if(NOT at EQUAL -1)
                message(FATAL_ERROR "vulkanwrapper.pc names ${path}:\n${line}")
            endif()
        endforeach()
    endforeach()
    if(NOT "${pc_lines}" MATCHES "(^|;)prefix=/usr(;|$)")
        message(FATAL_ERROR "vulkanwrapper.pc has no prefix=/usr:\n${pc_lines}")
    endif()
    file(STRINGS "${deb_root}/${libdir}/libVulkanWrapper.a" build_paths REGEX "${VW_SOURCE_DIR}/src|/\\.deps/vma/")
    if(build_paths)
        list(GET build_paths 0 first)
        message(FATAL_ERROR "libVulkanWrapper.a names a file of the build machine: ${first}")
    endif()
    file(GLOB_RECURSE cmake_files "${deb_root}/*.cmake")
    foreach(cmake_file IN LISTS cmake_files)
        file(STRINGS "${cmake_file}" lines)
        foreach(line IN LISTS lines)
            foreach(path "${VW_SOURCE_DIR}/build" "${WORK_DIR}")
                string(FIND "${line}" "${path}" at)
                if(NOT at EQUAL -1 AND NOT line MATCHES "build-machine hint")
                    message(FATAL_ERROR "${cmake_file} names ${path}:\n${line}")
                endif()
            endforeach()
        endforeach()
    endforeach()
    message(STATUS "${deb_name} built, checked and unpacked into ${deb_root}")
    return()
endif()

# The other modes use the package test's result.
file(GLOB debs "${DEB_DIR}/libvulkanwrapper-dev_*.deb")
if(NOT debs OR NOT EXISTS "${deb_root}/${libdir}/libVulkanWrapper.a")
    skip("no Debian package was built (see consumer.deb_package: it needs dpkg-deb)")
    return()
endif()
list(GET debs 0 deb)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

if(MODE STREQUAL "lintian")
    find_program(LINTIAN lintian)
    if(NOT LINTIAN)
        skip("lintian is not installed (Debian package lintian; scripts/setup-deps.sh installs it)")
        return()
    endif()
    # Every finding down to pedantic fails the test, unless the package overrides it with a reason
    # (packaging/debian/lintian-overrides). The first run shows the overridden ones too (with
    # --show-overrides lintian counts them in its exit status), the second gives the verdict.
    execute_process(COMMAND "${LINTIAN}" --pedantic --info --show-overrides "${deb}"
                    OUTPUT_VARIABLE out ERROR_VARIABLE out)
    message(STATUS "lintian --pedantic --info --show-overrides (O: overridden, with its reason in the package):\n${out}")
    execute_process(COMMAND "${LINTIAN}" --pedantic --info --fail-on error,warning,info,pedantic "${deb}"
                    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT result EQUAL 0)
        message(STATUS "${out}")
        message(FATAL_ERROR "lintian reported findings (${result}): fix them, or override one in packaging/debian/lintian-overrides with its reason")
    endif()
    return()
endif()

if(MODE STREQUAL "find_package")
    set(prefixes "${deb_root}/usr")
    if(EXISTS "${vma_prefix}")
        list(APPEND prefixes "${vma_prefix}")
    endif()
    run("configuring the find_package consumer" "${CMAKE_COMMAND}"
        -S "${VW_SOURCE_DIR}/tests/consumers/find_package" -B "${WORK_DIR}/build" -G Ninja
        -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefixes}")
    file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" found_dir REGEX "^VulkanWrapper_DIR:")
    if(NOT found_dir STREQUAL "VulkanWrapper_DIR:PATH=${deb_root}/${libdir}/cmake/VulkanWrapper")
        message(FATAL_ERROR "find_package(VulkanWrapper) did not take the unpacked package: ${found_dir}")
    endif()
    run("building the find_package consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
    set(program "${WORK_DIR}/build/consumer")
elseif(MODE STREQUAL "pkgconfig")
    find_program(PKG_CONFIG NAMES pkg-config pkgconf)
    if(NOT PKG_CONFIG)
        skip("pkg-config is not installed (Debian package pkgconf; scripts/setup-deps.sh installs it)")
        return()
    endif()
    # The .pc says prefix=/usr: PKG_CONFIG_SYSROOT_DIR puts <root> in front of its -I and -L
    # paths (pkgconf's --define-prefix would guess the prefix from the .pc's folder, one level
    # short in the multiarch layout: <root>/usr/lib).
    set(ENV{PKG_CONFIG_PATH} "${deb_root}/${libdir}/pkgconfig")
    set(ENV{PKG_CONFIG_SYSROOT_DIR} "${deb_root}")
    set(vma_flags "")
    if(EXISTS "${vma_prefix}/include/vk_mem_alloc.h")
        set(vma_flags "-I${vma_prefix}/include")
    endif()
    build_with_pkgconfig("${deb_root}/usr/include" "${deb_root}/${libdir}" "${vma_flags}")
    set(program "${WORK_DIR}/consumer")
elseif(MODE STREQUAL "meson")
    find_program(MESON meson)
    if(NOT MESON)
        skip("meson is not installed (Debian package meson; scripts/setup-deps.sh installs it)")
        return()
    endif()
    find_program(PKG_CONFIG NAMES pkg-config pkgconf)
    if(NOT PKG_CONFIG)
        skip("pkg-config is not installed (Debian package pkgconf), and Meson finds vulkanwrapper through it")
        return()
    endif()
    # The project and main.cpp side by side in one source tree of Meson's.
    file(COPY "${VW_SOURCE_DIR}/tests/consumers/meson/meson.build"
              "${VW_SOURCE_DIR}/tests/consumers/main.cpp" DESTINATION "${WORK_DIR}/src")
    set(ENV{PKG_CONFIG_PATH} "${deb_root}/${libdir}/pkgconfig")
    set(ENV{PKG_CONFIG_SYSROOT_DIR} "${deb_root}")
    set(ENV{CXX} "${CXX}")
    set(meson_args "")
    if(EXISTS "${vma_prefix}/include/vk_mem_alloc.h")
        set(meson_args "-Dcpp_args=-I${vma_prefix}/include")
    endif()
    run("configuring the Meson consumer" "${MESON}" setup "${WORK_DIR}/build" "${WORK_DIR}/src" ${meson_args})
    string(FIND "${run_output}" "Run-time dependency vulkanwrapper found: YES ${VW_VERSION}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "meson did not report vulkanwrapper ${VW_VERSION} found:\n${run_output}")
    endif()
    run("building the Meson consumer" "${MESON}" compile -C "${WORK_DIR}/build")
    set(program "${WORK_DIR}/build/consumer")
else()
    message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

run_consumer("${program}")
