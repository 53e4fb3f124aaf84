# DripModule.cmake - one CMake target per harness module, linked only along
# the arrows of the module graph (docs/ARCHITECTURE.md).
#
#   drip_module(NAME DIR dir [HEADERS h...] [SOURCES c...] [DEPS module...]
#               [LIBS target...] [OBJECT])
#
# builds the static library drip_NAME from harness/DIR's SOURCES.  A module
# sees, besides its own folder:
#   - the public HEADERS of the modules in DEPS, and of their DEPS (the
#     graph's arrows are transitive): `#include "DIR/header.h"`;
#   - nothing else in harness/: each module's public headers are exposed
#     through a folder of its own in the build tree
#     (build/modinc/drip_NAME/DIR/header.h -> harness/DIR/header.h), so an
#     include of a module that is not a dependency fails to compile.
# A module may depend only on modules declared before it: the graph is a
# DAG by construction, and a cycle fails at configure time.
#
# Each call also appends "NAME: DEP DEP ..." to build/modules.txt, the
# graph as built, which tests/check_arch.cmake compares with the parts
# table in docs/ARCHITECTURE.md.
set(DRIP_MODINC ${CMAKE_BINARY_DIR}/modinc)
set(DRIP_MODULES_TXT ${CMAKE_BINARY_DIR}/modules.txt)
file(WRITE ${DRIP_MODULES_TXT} "")

function(drip_module name)
  cmake_parse_arguments(M "OBJECT" "DIR" "HEADERS;SOURCES;DEPS;LIBS" ${ARGN})
  if(NOT M_DIR)
    message(FATAL_ERROR "drip_module(${name}): DIR is required")
  endif()
  foreach(dep ${M_DEPS})
    if(NOT TARGET drip_${dep})
      message(FATAL_ERROR "module ${name} depends on ${dep}, which is not declared before it: "
                          "the module graph must have no cycle (harness/CMakeLists.txt)")
    endif()
  endforeach()
  set(target drip_${name})
  if(M_OBJECT)
    add_library(${target} OBJECT ${M_SOURCES})
  elseif(M_SOURCES)
    add_library(${target} STATIC ${M_SOURCES})
  else()
    add_library(${target} INTERFACE)
  endif()
  # the module's public headers, and only those, under modinc/<target>/<DIR>/
  set(inc ${DRIP_MODINC}/${target})
  file(MAKE_DIRECTORY ${inc}/${M_DIR})
  foreach(h ${M_HEADERS})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/harness/${M_DIR}/${h} ${inc}/${M_DIR}/${h} SYMBOLIC)
  endforeach()
  set(scope PUBLIC)
  if(NOT M_SOURCES)
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope} ${inc})
  foreach(dep ${M_DEPS})
    target_link_libraries(${target} ${scope} drip_${dep})
  endforeach()
  if(M_LIBS)
    target_link_libraries(${target} ${scope} ${M_LIBS})
  endif()
  string(REPLACE ";" " " deps "${M_DEPS}")
  file(APPEND ${DRIP_MODULES_TXT} "${name}: ${deps}\n")
  set_property(GLOBAL APPEND PROPERTY DRIP_MODULES ${name})
endfunction()
