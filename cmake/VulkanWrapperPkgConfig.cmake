# vulkanwrapper.pc, installed beside the CMake package in ${libdir}/pkgconfig, for Makefile and
# Meson users: pkg-config --cflags --libs vulkanwrapper.
#
# The file is written at install time, so prefix= is the prefix actually installed into
# (cmake --install --prefix, CPack's /usr). Requires: vulkan (Debian's libvulkan-dev ships
# vulkan.pc). VMA ships no .pc: its header vk_mem_alloc.h is found through Cflags. Debian's
# libvulkan-memory-allocator-dev puts it in /usr/include, the compiler's default path, so nothing
# is added; when VMA was found elsewhere (the project-local .deps/vma/usr of scripts/setup-deps.sh,
# a VMA under another prefix), its include directory is added to Cflags, an absolute path of this
# machine, right for an install used here. VW_PKGCONFIG_VMA_INCLUDEDIR overrides it; the deb
# preset sets it empty, because the package depends on Debian's VMA.
#
# Threads::Threads is a public dependency of the library, so the flags CMake found for threads
# (none with glibc 2.34 or later, where pthreads is part of libc) go into Libs. A static
# libVulkanWrapper.a has no private link dependencies beyond those (nlohmann-json and VMA are
# header-only, libstdc++ comes with the C++ compiler driver), so the file has no Libs.private.

if(NOT DEFINED VW_PKGCONFIG_VMA_INCLUDEDIR)
    get_target_property(vw_vma_include_dirs GPUOpen::VulkanMemoryAllocator INTERFACE_INCLUDE_DIRECTORIES)
    set(vw_vma_default "")
    foreach(dir IN LISTS vw_vma_include_dirs)
        if(dir AND NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES
                AND NOT dir STREQUAL "/usr/include" AND NOT dir MATCHES "\\$<")
            list(APPEND vw_vma_default "${dir}")
        endif()
    endforeach()
    set(VW_PKGCONFIG_VMA_INCLUDEDIR "${vw_vma_default}" CACHE STRING
        "Include directories of VMA written into vulkanwrapper.pc's Cflags (empty: VMA is in the compiler's default include path, as with Debian's libvulkan-memory-allocator-dev)")
endif()

set(VW_PC_VMA_CFLAGS "")
foreach(dir IN LISTS VW_PKGCONFIG_VMA_INCLUDEDIR)
    string(APPEND VW_PC_VMA_CFLAGS " -I${dir}")
endforeach()
set(VW_PC_THREAD_LIBS "")
if(CMAKE_THREAD_LIBS_INIT)
    set(VW_PC_THREAD_LIBS " ${CMAKE_THREAD_LIBS_INIT}")
endif()
# libdir and includedir relative to ${prefix}, unless they were given as absolute paths.
foreach(kind LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
        set(VW_PC_${kind} "${CMAKE_INSTALL_${kind}}")
    else()
        set(VW_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
    endif()
endforeach()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(vw_pc_destination "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
    set(vw_pc_destination "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()

# Everything but the prefix is known now; @VW_PC_PREFIX@ is kept for the install step.
set(VW_PC_PREFIX "@VW_PC_PREFIX@")
configure_file(${CMAKE_CURRENT_LIST_DIR}/vulkanwrapper.pc.in
    ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/vulkanwrapper.pc.in @ONLY)
unset(VW_PC_PREFIX)

# At install time: the prefix installed into, then an ordinary file(INSTALL) (DESTDIR, the install
# manifest and CPack's staging all apply). The file is written in a folder of its own for each
# destination, so that installs of one build into several prefixes at once do not mix.
install(CODE "
    set(VW_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    string(MD5 vw_pc_key \"\$ENV{DESTDIR}|\${CMAKE_INSTALL_PREFIX}\")
    set(vw_pc_file \"${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/install-\${vw_pc_key}/vulkanwrapper.pc\")
    configure_file(\"${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/vulkanwrapper.pc.in\" \"\${vw_pc_file}\" @ONLY)
    file(INSTALL DESTINATION \"${vw_pc_destination}\" TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FILES \"\${vw_pc_file}\")
")
