# The Debian package libvulkanwrapper-dev, made by CPack's DEB generator: the static library, the
# headers, the CMake package, vulkanwrapper.pc, and /usr/share/doc/libvulkanwrapper-dev/{copyright,
# changelog.Debian.gz}. Build it with the deb preset (a Release build of the library alone, installed
# under /usr with the multiarch libdir):
#
#     cmake --workflow --preset deb        # configure, build, cpack: build/deb/*.deb
#
# Version: project(VERSION) and the Debian revision VW_DEB_REVISION (0.1.0-1); the top entry of
# packaging/debian/changelog must name the same version. Depends: Debian's libvulkan-dev and
# libvulkan-memory-allocator-dev, from the versions this build found (VMA is compiled into the
# library and its header is included by the consumer too, so the consumer's VMA must be of the same
# major version, not older than the one compiled in).
#
# Only the static library is packaged. A shared build (BUILD_SHARED_LIBS) compiles, but packaged
# the same way lintian rejects it (no-shlibs, lacks-ldconfig-trigger, missing-dependency-on-libc,
# package-name-doesnt-match-sonames): it needs its own runtime package, libvulkanwrapper0, with a
# shlibs or symbols file, dpkg-shlibdeps and a SONAME bumped on each ABI change. The library exports
# every symbol (about a thousand) of a C++20 API that changes between 0.x releases, with nothing to
# check its ABI, so that package is left out and cpack refuses a shared build
# (docs/getting-started.md).

set(VW_DEB_REVISION "1" CACHE STRING "Debian revision of the libvulkanwrapper-dev package (the part after the '-')")
set(VW_DEB_MAINTAINER "VulkanWrapper maintainers <maintainers@users.noreply.r-seed-74b50bb5.example>"
    CACHE STRING "Maintainer field of the Debian package")

set(vw_deb_version "${PROJECT_VERSION}-${VW_DEB_REVISION}")
set(vw_deb_docdir "${CMAKE_INSTALL_DATAROOTDIR}/doc/libvulkanwrapper-dev")
set(vw_debian_dir "${PROJECT_SOURCE_DIR}/packaging/debian")

# packaging/debian/changelog: its top entry must be this version.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    "${vw_debian_dir}/changelog" "${vw_debian_dir}/copyright")
file(STRINGS "${vw_debian_dir}/changelog" vw_changelog_top LIMIT_COUNT 1)
if(NOT vw_changelog_top MATCHES "^vulkanwrapper \\(([^)]+)\\)")
    message(FATAL_ERROR "packaging/debian/changelog: the first line is not a Debian changelog entry: ${vw_changelog_top}")
endif()
set(VW_DEB_CHANGELOG_VERSION "${CMAKE_MATCH_1}")

# changelog.Debian.gz compressed as Debian does (gzip -9n: maximum compression, no name or time
# stamp, so the package is reproducible).
find_program(VW_GZIP gzip)
set(vw_changelog_gz "${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.Debian.gz")
file(MAKE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/debian")
if(VW_GZIP)
    execute_process(COMMAND "${VW_GZIP}" -9nc "${vw_debian_dir}/changelog"
                    OUTPUT_FILE "${vw_changelog_gz}" RESULT_VARIABLE vw_gzip_result)
    if(NOT vw_gzip_result EQUAL 0)
        message(FATAL_ERROR "gzip -9n of packaging/debian/changelog failed: ${vw_gzip_result}")
    endif()
else()
    file(ARCHIVE_CREATE OUTPUT "${vw_changelog_gz}" PATHS "${vw_debian_dir}/changelog"
         FORMAT raw COMPRESSION GZip COMPRESSION_LEVEL 9)
endif()
install(FILES "${vw_debian_dir}/copyright" "${vw_changelog_gz}" DESTINATION "${vw_deb_docdir}")
# lintian's overrides, each explained in the file (docs/getting-started.md lists lintian's findings).
install(FILES "${vw_debian_dir}/lintian-overrides"
        DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides" RENAME libvulkanwrapper-dev)

# Depends, from what this build found.
string(REGEX MATCH "^[0-9]+\\.[0-9]+\\.[0-9]+" vw_vulkan_version "${Vulkan_VERSION}")
if(NOT vw_vulkan_version)
    set(vw_vulkan_version "1.3")
endif()
string(REGEX MATCH "^([0-9]+)\\.[0-9]+\\.[0-9]+" vw_vma_version "${VulkanMemoryAllocator_VERSION}")
if(vw_vma_version)
    math(EXPR vw_vma_next_major "${CMAKE_MATCH_1} + 1")
    set(vw_vma_depends "libvulkan-memory-allocator-dev (>= ${vw_vma_version}), libvulkan-memory-allocator-dev (<< ${vw_vma_next_major})")
else()
    set(vw_vma_depends "libvulkan-memory-allocator-dev (>= 3), libvulkan-memory-allocator-dev (<< 4)")
endif()
set(vw_deb_depends "libvulkan-dev (>= ${vw_vulkan_version}), ${vw_vma_depends}")
# A dependency linked PRIVATE into a static library is still a link dependency of its users, found
# by the installed CMake package: nlohmann-json, if the library links it that way.
get_target_property(vw_link_libraries VulkanWrapper LINK_LIBRARIES)
if(vw_link_libraries MATCHES "nlohmann_json::nlohmann_json" AND NOT BUILD_SHARED_LIBS
        AND NOT vw_link_libraries MATCHES "BUILD_INTERFACE:nlohmann_json")
    string(APPEND vw_deb_depends ", nlohmann-json3-dev (>= 3)")
endif()

# Installed under /usr (the deb preset), the library names VMA's header (its assertions' __FILE__)
# where Debian's package puts it, not where this machine has it (.deps/vma of setup-deps.sh).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    get_target_property(vw_vma_dirs GPUOpen::VulkanMemoryAllocator INTERFACE_INCLUDE_DIRECTORIES)
    foreach(dir IN LISTS vw_vma_dirs)
        if(dir AND NOT dir STREQUAL "/usr/include" AND NOT dir MATCHES "\\$<")
            # GCC names system headers by their real path (symbolic links resolved): both forms.
            get_filename_component(vw_real_dir "${dir}" REALPATH)
            foreach(path IN LISTS dir vw_real_dir)
                target_compile_options(VulkanWrapper PRIVATE "-ffile-prefix-map=${path}=/usr/include")
            endforeach()
        endif()
    endforeach()
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "libvulkanwrapper-dev")
set(CPACK_PACKAGE_VENDOR "VulkanWrapper")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${VW_DEB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set(CPACK_STRIP_FILES OFF)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_PACKAGE_NAME "libvulkanwrapper-dev")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${VW_DEB_REVISION}")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")           # libvulkanwrapper-dev_0.1.0-1_amd64.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${VW_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${vw_deb_depends}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)             # a static library: nothing for dpkg-shlibdeps
set(CPACK_DEBIAN_COMPRESSION_TYPE "xz")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "C++20 Vulkan memory library (static library and headers)")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "VulkanWrapper makes Vulkan memory simple, safe and fast: builders for the
instance and the device, one thread-safe allocator per device on top of the
Vulkan Memory Allocator, compile-time typed buffers, images, and a transfer
engine for uploads and readbacks, with exceptions instead of crashes.

This package holds the static library, the headers, the CMake package
(find_package(VulkanWrapper)) and vulkanwrapper.pc for pkg-config and Meson.")

# Checked when cpack runs (CPACK_PROJECT_CONFIG_FILE): a package from a build that is not the deb
# preset's would be wrong without any error.
if(NOT CMAKE_LIBRARY_ARCHITECTURE)
    find_program(VW_DPKG_ARCHITECTURE dpkg-architecture)
    if(VW_DPKG_ARCHITECTURE)
        execute_process(COMMAND "${VW_DPKG_ARCHITECTURE}" -qDEB_HOST_MULTIARCH
                        OUTPUT_VARIABLE vw_multiarch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    endif()
else()
    set(vw_multiarch "${CMAKE_LIBRARY_ARCHITECTURE}")
endif()
set(CPACK_VW_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
set(CPACK_VW_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_VW_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
set(CPACK_VW_MULTIARCH "${vw_multiarch}")
set(CPACK_VW_VERSION "${vw_deb_version}")
set(CPACK_VW_CHANGELOG_VERSION "${VW_DEB_CHANGELOG_VERSION}")
set(CPACK_VW_PC_VMA "${VW_PKGCONFIG_VMA_INCLUDEDIR}")
set(CPACK_VW_SHARED "${BUILD_SHARED_LIBS}")
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_LIST_DIR}/VulkanWrapperCPackChecks.cmake")

include(CPack)
