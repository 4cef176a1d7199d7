# The installed package (docs/embedding.md): `cmake --install` puts
#   include/mmusim/<source path>/*.h  the public headers of the libraries below, at the paths they
#                                     have in the source tree, and include/mmusim/version.h
#   lib/libmmusim_*.a (or .so)        the libraries
#   bin/mmusim                        the tool
#   lib/cmake/mmusim/                 the CMake package: find_package(mmusim) gives the imported
#                                     targets mmusim::<name> (below) and mmusim::mmusim (the tool)
#
# Headers include each other from the source root ("model/mmu/mmu.h"), and users write
# <mmusim/model/mmu/mmu.h>: every imported target therefore carries both <prefix>/include and
# <prefix>/include/mmusim as include directories. The headers are installed unchanged, so a header
# has the same text in the source tree and in the package.
include(CMakePackageConfigHelpers)

set(MMUSIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/mmusim"
    CACHE STRING "Where the CMake package files go, relative to the install prefix")
set(mmusim_exported "")

# Installs library `target` as mmusim::<name> with its headers: HEADERS names files and directories
# relative to the source root (a directory: its *.h, recursively, except the file names in EXCLUDE).
function(mmusim_install_library target name)
  cmake_parse_arguments(ARG "" "" "HEADERS;EXCLUDE" ${ARGN})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  # Debian's libsystemc is built for C++17: so are the consumers of these headers.
  target_compile_features(${target} PUBLIC cxx_std_17)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    # 0.x: every minor version may change the ABI.
    set_target_properties(${target} PROPERTIES
                          VERSION ${PROJECT_VERSION}
                          SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  endif()
  install(TARGETS ${target} EXPORT mmusimTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${CMAKE_INSTALL_INCLUDEDIR}/mmusim)
  foreach(path ${ARG_HEADERS})
    if(IS_DIRECTORY "${PROJECT_SOURCE_DIR}/${path}")
      file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}"
           "${PROJECT_SOURCE_DIR}/${path}/*.h")
    else()
      set(headers ${path})
    endif()
    foreach(header ${headers})
      get_filename_component(file_name "${header}" NAME)
      if(file_name IN_LIST ARG_EXCLUDE)
        continue()
      endif()
      get_filename_component(header_dir "${header}" DIRECTORY)
      install(FILES "${PROJECT_SOURCE_DIR}/${header}"
              DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/mmusim/${header_dir}")
    endforeach()
  endforeach()
  set(mmusim_exported ${mmusim_exported} ${name} PARENT_SCOPE)
endfunction()

# The layers of docs/architecture.md, bottom up. The plain-C++ bottom layer: AArch64 formats and
# the hardware ports (header-only interfaces), the statistics registry and its JSON dump, the
# configuration values.
mmusim_install_library(mmusim_arch arch HEADERS model/arch model/ports)
mmusim_install_library(mmusim_stats stats HEADERS model/stats/stats.h)
mmusim_install_library(mmusim_stats_dump stats_dump HEADERS model/stats/dump.h)
mmusim_install_library(mmusim_util util HEADERS model/util)
# The SystemC hardware: Mmu (TLBs, walker, walk caches), Cache, Bus, DRAM, devices, CpuPort, the
# Hardware assembly; the block device's plain-C++ core is a library of its own (the kernel tests
# use it without SystemC), installed because mmusim::model links it.
mmusim_install_library(mmusim_blockdev blockdev HEADERS model/dev/block_device_core.h)
mmusim_install_library(mmusim_model model
                       HEADERS model/sim model/mem model/mmu model/cpu model/dev model/platform
                       EXCLUDE block_device_core.h)
# The kernel layer (plain C++) and the system (hardware + kernel: Platform).
mmusim_install_library(mmusim_sw sw HEADERS sw)
mmusim_install_library(mmusim_system system HEADERS system)
# The Verilated RTL MMU as a TLM module (RtlMmuAdapter, CosimMmu), when the RTL is built: three
# static libraries, the Verilator runtime compiled into mmusim::rtl_verilated. The headers that
# include Verilator's or the Verilated models' (the pin-level drivers) are not installed.
if(TARGET mmusim_rtl_platform)
  mmusim_install_library(mmusim_rtl_verilated rtl_verilated)
  mmusim_install_library(mmusim_rtl_lockstep rtl_lockstep)
  mmusim_install_library(mmusim_rtl_platform rtl HEADERS model/rtl
                         EXCLUDE rtl_sim.h mmu_top_sc_pins.h verilated_memory.h verilated_mmu.h
                                 verilated_ptw.h verilated_tlb.h)
  set(MMUSIM_PACKAGE_RTL ON)
else()
  set(MMUSIM_PACKAGE_RTL OFF)
endif()

install(FILES "${PROJECT_BINARY_DIR}/include/mmusim/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/mmusim")
install(TARGETS mmusim EXPORT mmusimTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT mmusimTargets NAMESPACE mmusim:: DESTINATION "${MMUSIM_INSTALL_CMAKEDIR}")
set(MMUSIM_PACKAGE_COMPONENTS ${mmusim_exported})
configure_package_config_file(cmake/mmusimConfig.cmake.in
                              "${PROJECT_BINARY_DIR}/package/mmusimConfig.cmake"
                              INSTALL_DESTINATION "${MMUSIM_INSTALL_CMAKEDIR}")
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/mmusimConfigVersion.cmake"
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/package/mmusimConfig.cmake"
              "${PROJECT_BINARY_DIR}/package/mmusimConfigVersion.cmake"
        DESTINATION "${MMUSIM_INSTALL_CMAKEDIR}")
