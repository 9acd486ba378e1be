# Read by cpack (CPACK_PROJECT_CONFIG_FILE, set in VulkanWrapperPackaging.cmake) before it makes
# a package: refuses a .deb that would be wrong without an error — a debug library, files outside
# /usr's multiarch layout, a .pc naming this machine's VMA, a changelog of another version.
# The deb preset (cmake --workflow --preset deb) passes all of these.
if(CPACK_GENERATOR STREQUAL "DEB")
    set(vw_problems "")
    if(NOT CPACK_VW_CHANGELOG_VERSION STREQUAL CPACK_VW_VERSION)
        list(APPEND vw_problems "packaging/debian/changelog's top entry is ${CPACK_VW_CHANGELOG_VERSION}, the package is ${CPACK_VW_VERSION}: add an entry for it")
    endif()
    if(NOT CPACK_VW_INSTALL_PREFIX STREQUAL "/usr")
        list(APPEND vw_problems "the build was configured with CMAKE_INSTALL_PREFIX=${CPACK_VW_INSTALL_PREFIX}, not /usr (GNUInstallDirs chose its directories for that prefix)")
    endif()
    if(CPACK_VW_MULTIARCH AND NOT CPACK_VW_LIBDIR STREQUAL "lib/${CPACK_VW_MULTIARCH}")
        list(APPEND vw_problems "CMAKE_INSTALL_LIBDIR is ${CPACK_VW_LIBDIR}, not the multiarch lib/${CPACK_VW_MULTIARCH}")
    endif()
    if(NOT CPACK_VW_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
        list(APPEND vw_problems "the build type is '${CPACK_VW_BUILD_TYPE}', not an optimised one")
    endif()
    if(CPACK_VW_PC_VMA)
        list(APPEND vw_problems "vulkanwrapper.pc would name VMA's include directory of this machine (${CPACK_VW_PC_VMA}), while the package depends on Debian's VMA in /usr/include: configure with -DVW_PKGCONFIG_VMA_INCLUDEDIR=")
    endif()
    if(vw_problems)
        list(JOIN vw_problems "\n  - " vw_text)
        message(FATAL_ERROR "not making the Debian package from this build:\n  - ${vw_text}\n"
                            "Build it with: cmake --workflow --preset deb")
    endif()
endif()
