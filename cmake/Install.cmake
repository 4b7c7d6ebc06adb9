# Install.cmake — what `cmake --install` puts where, the CMake package, vtoverlay.pc and the
# Debian package (`cpack -G DEB`). Layout and use: docs/PACKAGING.md.
#
# Under the prefix (GNUInstallDirs):
#   include/vtoverlay/overlay/      overlay.h overlay_c.h class_shape.h status.h itanium_abi.h
#   include/vtoverlay/backend/      backend_abi.h (for plug-in authors)
#   include/vtoverlay/interp/       the interpreter layer's headers (component `interp`)
#   <libdir>/libvto_overlay.{a,so}  the overlay library; <libdir>/libvto_interp.a
#   <libdir>/cmake/vtoverlay/       vtoverlayConfig.cmake, ConfigVersion, the targets files
#   <libdir>/pkgconfig/vtoverlay.pc
#   <libdir>/vtoverlay/             the minimal plug-in backend (libvto_minimal_backend.so)
#   bin/                            <t>_replay for every fuzz target; <t> in a VTO_FUZZ build
#   share/vtoverlay/corpus/         corpus/<t>/ and the known-findings files
#   share/vtoverlay/ci/             the campaign tools (ci/, with ci/fuzzlib/; ci/fuzz --prebuilt)
#   share/vtoverlay/fuzz/           fuzz/CMakeLists.txt: the target lists the tools read
#   share/vtoverlay/sanitizers/     the sanitizer option and suppression files
#   share/doc/vtoverlay/            README.md and docs/
# Every path in the package files is relative to the file itself: the installed tree may be
# moved (or extracted from the .deb anywhere) and still be found.
if(NOT VTO_INSTALL)
  return()
endif()
include(CMakePackageConfigHelpers)

set(VTO_PACKAGE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/vtoverlay")
set(VTO_DATA_DIR "${CMAKE_INSTALL_DATADIR}/vtoverlay")

# The overlay library and its public headers: the `overlay` export set.
set_target_properties(vto_overlay_shared PROPERTIES EXPORT_NAME overlay)
set_target_properties(vto_overlay PROPERTIES EXPORT_NAME overlay_static)
add_library(vto_backend_abi INTERFACE)
target_include_directories(vto_backend_abi INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/lib>
                                                     $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/vtoverlay>)
set_target_properties(vto_backend_abi PROPERTIES EXPORT_NAME backend_abi)
install(TARGETS vto_overlay vto_overlay_shared vto_backend_abi EXPORT vtoverlayTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Unspecified)
install(FILES
  lib/overlay/overlay.h lib/overlay/overlay_c.h lib/overlay/class_shape.h lib/overlay/status.h
  lib/overlay/itanium_abi.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vtoverlay/overlay)
install(FILES lib/backend/backend_abi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vtoverlay/backend)
install(EXPORT vtoverlayTargets NAMESPACE vtoverlay:: DESTINATION ${VTO_PACKAGE_DIR})

set(VTO_PACKAGE_HAS_INTERP OFF)
if(VTO_BUILD_INTERP)
  # The interpreter layer (clang 22) for plug-ins that reflect as the minimal one does: the
  # `interp` component, its own export set, so that a consumer of the overlay library alone
  # needs no LLVM development package.
  set(VTO_PACKAGE_HAS_INTERP ON)
  set_target_properties(vto_interp PROPERTIES EXPORT_NAME interp)
  install(TARGETS vto_interp EXPORT vtoverlayInterpTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES lib/interp/interpreter.h lib/interp/vtable_layout.h lib/interp/clang_shape_resolver.h
    lib/interp/class_index.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vtoverlay/interp)
  install(EXPORT vtoverlayInterpTargets NAMESPACE vtoverlay:: DESTINATION ${VTO_PACKAGE_DIR})

  # The harness: replay binaries (and libFuzzer binaries), the plug-in, corpora, tools.
  foreach(t ${VTO_FUZZ_TARGETS})
    install(TARGETS ${t}_replay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    if(VTO_FUZZ)
      install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()
    if(EXISTS ${PROJECT_SOURCE_DIR}/corpus/${t})
      install(DIRECTORY corpus/${t} DESTINATION ${VTO_DATA_DIR}/corpus)
    endif()
  endforeach()
  install(FILES corpus/cppinterop-findings.txt DESTINATION ${VTO_DATA_DIR}/corpus)
  # The target lists ci/fuzzlib/targets.py reads (share/vtoverlay/ci/fuzz --prebuilt).
  install(FILES fuzz/CMakeLists.txt DESTINATION ${VTO_DATA_DIR}/fuzz)
  install(TARGETS vto_minimal_backend LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/vtoverlay)
endif()
install(DIRECTORY ci/ DESTINATION ${VTO_DATA_DIR}/ci USE_SOURCE_PERMISSIONS
  PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY sanitizers/ DESTINATION ${VTO_DATA_DIR}/sanitizers PATTERN "*.cmake" EXCLUDE)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# vtoverlayConfig.cmake (relocatable: @PACKAGE_INIT@ finds the prefix from its own place).
configure_package_config_file(cmake/vtoverlayConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/vtoverlayConfig.cmake INSTALL_DESTINATION ${VTO_PACKAGE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR VTO_DATA_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/vtoverlayConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/vtoverlayConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/vtoverlayConfigVersion.cmake DESTINATION ${VTO_PACKAGE_DIR})

# vtoverlay.pc: its prefix is found from the file's own directory (${pcfiledir}).
file(RELATIVE_PATH VTO_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" VTO_PC_TO_PREFIX "${VTO_PC_TO_PREFIX}")
configure_file(cmake/vtoverlay.pc.in ${PROJECT_BINARY_DIR}/cmake/vtoverlay.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/vtoverlay.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The Debian package: `cpack -G DEB` in a build directory (docs/PACKAGING.md). Depends: what
# the installed files load at run time — the LLVM and clang 22 libraries the harness links,
# clang's resource headers and libstdc++'s headers that the JIT'd hierarchies are compiled
# against. The interp component's consumers also need the LLVM/clang development packages:
# recommended, not required.
set(CPACK_PACKAGE_NAME vtoverlay)
set(CPACK_PACKAGE_VENDOR "vtoverlay maintainers")
set(CPACK_PACKAGE_CONTACT "vtoverlay maintainers <maintainers@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "vtable overlay library and the fuzzing harness that proves overlays correct")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libstdc++6, libgcc-s1")
if(VTO_BUILD_INTERP)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS
    ", libllvm22, libclang-cpp22, libclang-common-22-dev, libstdc++-12-dev, python3")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "clang-22, llvm-22-dev, libclang-22-dev, libclang-cpp22-dev")
endif()
set(CPACK_GENERATOR DEB)
include(CPack)
