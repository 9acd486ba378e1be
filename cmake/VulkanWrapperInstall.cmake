include(CMakePackageConfigHelpers)

install(TARGETS VulkanWrapper
    EXPORT VulkanWrapperTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/VulkanWrapper DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT VulkanWrapperTargets
    NAMESPACE VulkanWrapper::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/VulkanWrapper)

# Where VMA was found at build time, and the project-local prefix of scripts/setup-deps.sh:
# last-resort hints for consumers (the config looks where the consumer points first, then in its
# own prefix; these absolute paths are used only where they exist).
get_filename_component(VW_VMA_CONFIG_DIR "${VulkanMemoryAllocator_DIR}" ABSOLUTE)
set(VW_VMA_LOCAL_PREFIX "${PROJECT_SOURCE_DIR}/.deps/vma/usr")
configure_package_config_file(cmake/VulkanWrapperConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/VulkanWrapperConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/VulkanWrapper)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/VulkanWrapperConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES
    ${CMAKE_CURRENT_BINARY_DIR}/VulkanWrapperConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/VulkanWrapperConfigVersion.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/VulkanWrapper)
