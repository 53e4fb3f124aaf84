# install.cmake - what `cmake --install` puts where (GNUInstallDirs), and
# the package files that let plugin authors build against an installed
# Drip: drip.pc for pkg-config, DripConfig.cmake for find_package(Drip).
#
#   bin/drip                          the CLI (its RPATH finds lib/libdrip_rt)
#   lib/libdrip_rt.so*                the runtime
#   include/drip/*.h                  the public headers
#   lib/pkgconfig/drip.pc
#   lib/cmake/Drip/                   DripConfig.cmake, targets, DripScenario.cmake
#   share/drip/scenarios/<pattern>/   README.md, *.yaml, *.c, *.h, exercise/ (drip run
#                                     PATTERN, drip exercise, drip explain)
#   share/drip/src/rt/                the runtime's sources, as the READMEs cite them
#   share/doc/drip/                   README.md and docs/
include(CMakePackageConfigHelpers)

set(DRIP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Drip)

file(RELATIVE_PATH rel_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
set_target_properties(drip PROPERTIES INSTALL_RPATH "$ORIGIN/${rel_lib}" EXPORT_NAME drip)
set_target_properties(drip_rt PROPERTIES EXPORT_NAME rt)

install(TARGETS drip drip_rt EXPORT DripTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/drip DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# pkg-config
file(RELATIVE_PATH DRIP_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" DRIP_PC_TO_PREFIX "${DRIP_PC_TO_PREFIX}")
configure_file(cmake/drip.pc.in ${CMAKE_BINARY_DIR}/drip.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/drip.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# find_package(Drip)
install(EXPORT DripTargets NAMESPACE Drip:: DESTINATION ${DRIP_CMAKE_DIR})
configure_package_config_file(cmake/DripConfig.cmake.in ${CMAKE_BINARY_DIR}/DripConfig.cmake
                              INSTALL_DESTINATION ${DRIP_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/DripConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/DripConfig.cmake ${CMAKE_BINARY_DIR}/DripConfigVersion.cmake
              cmake/DripScenario.cmake
        DESTINATION ${DRIP_CMAKE_DIR})

# What `drip run PATTERN`, `drip exercise` and `drip explain` readers need:
# each pattern's README, scenarios, exercise and its own code (the README
# cites fetch.c, leaky.c...), its Go original with the shared module it
# needs (`drip exercise --go` builds a fix of go/main.go against them), and
# the runtime's sources the READMEs cite (src/rt/chan_internal.h...) as
# reading material; and the docs.
install(DIRECTORY scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/drip/scenarios
        FILES_MATCHING PATTERN "README.md" PATTERN "*.yaml" REGEX "/exercise/[^/]+$"
        REGEX "/scenarios/[^/]+/[^/]+\\.[ch]$"
        REGEX "/scenarios/[^/]+/go/(main\\.go|go\\.mod)$"
        REGEX "/scenarios/goserve/[^/]+\\.go$" REGEX "/scenarios/goserve/go\\.mod$")
install(DIRECTORY src/rt/ DESTINATION ${CMAKE_INSTALL_DATADIR}/drip/src/rt
        FILES_MATCHING PATTERN "*.c" PATTERN "*.h")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
