# DripScenario.cmake - register Drip leak scenarios as CTest tests.
#
#   drip_add_scenario(NAME file.yaml [ARGS arg...] [TIMEOUT seconds])
#
# adds the test NAME running
#
#   drip run --no-color -o <current binary dir>/drip-reports/NAME [ARGS...] file.yaml
#
# which passes when every scenario in the file meets its expectations
# (a leaky one expecting `growing` passes when the leak is detected).  A
# relative file.yaml is taken from the current source directory; give an
# absolute path for a file generated into the binary directory (e.g. by
# file(GENERATE) with $<TARGET_FILE:myplugin> as the plugin path).  ARGS go
# to `drip run` (--seed N, --threads N, --valgrind, -k GLOB...).  The test
# is labelled `drip`.
#
# The test's TIMEOUT is TIMEOUT when given.  Otherwise it is the scenarios'
# own: the sum of their run.timeout (`drip validate --timeout file.yaml`)
# plus a margin of 30 s (DRIP_SCENARIO_TIMEOUT_MARGIN), computed when ctest
# reads the tests (a TEST_INCLUDE_FILES script, as gtest_discover_tests
# does), so a file.yaml generated at build time and a drip built in the
# same project both exist by then.  With --valgrind or --duration in ARGS the run takes
# longer than the files say and no TIMEOUT is set (give one).
#
# Comes with find_package(Drip) (the installed drip, Drip::drip), and is
# included by Drip's own build (its drip target, aliased as Drip::drip).
set(DRIP_SCENARIO_TIMEOUT_MARGIN 30 CACHE STRING
    "Seconds drip_add_scenario() adds to the scenarios' summed run.timeout")

function(drip_add_scenario name yaml)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "TIMEOUT" "ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "drip_add_scenario(${name}): unexpected arguments "
                        "'${arg_UNPARSED_ARGUMENTS}' (usage: drip_add_scenario(NAME file.yaml "
                        "[ARGS arg...] [TIMEOUT seconds]))")
  endif()
  if(NOT TARGET Drip::drip)
    message(FATAL_ERROR "drip_add_scenario(${name}): no Drip::drip target; call "
                        "find_package(Drip) first")
  endif()
  if(NOT IS_ABSOLUTE "${yaml}")
    set(yaml "${CMAKE_CURRENT_SOURCE_DIR}/${yaml}")
  endif()
  add_test(NAME ${name}
           COMMAND $<TARGET_FILE:Drip::drip> run --no-color
                   -o ${CMAKE_CURRENT_BINARY_DIR}/drip-reports/${name} ${arg_ARGS} ${yaml})
  set_tests_properties(${name} PROPERTIES LABELS drip)
  if(DEFINED arg_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${arg_TIMEOUT})
    return()
  endif()
  if("--valgrind" IN_LIST arg_ARGS OR "--duration" IN_LIST arg_ARGS)
    return()
  endif()
  # Read at ctest time: ask drip for the files' timeouts, then set TIMEOUT.
  string(MAKE_C_IDENTIFIER "${name}" id)
  set(script "${CMAKE_CURRENT_BINARY_DIR}/drip-timeouts/${id}.cmake")
  file(GENERATE OUTPUT "${script}" CONTENT
"execute_process(COMMAND \"$<TARGET_FILE:Drip::drip>\" validate --timeout \"${yaml}\"
                OUTPUT_VARIABLE drip_t RESULT_VARIABLE drip_rc ERROR_QUIET
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(drip_rc EQUAL 0 AND drip_t MATCHES \"^[0-9]+$\")
  math(EXPR drip_t \"\${drip_t} + ${DRIP_SCENARIO_TIMEOUT_MARGIN}\")
  set_tests_properties([==[${name}]==] PROPERTIES TIMEOUT \${drip_t})
endif()
")
  # ctest includes a directory's TEST_INCLUDE_FILES before its tests exist,
  # and reads subdirectories after the directory: the scripts belong to a
  # subdirectory of their own (one per directory calling this function).
  set(sub_src "${CMAKE_CURRENT_BINARY_DIR}/drip-timeouts/src")
  get_directory_property(added DRIP_TIMEOUTS_ADDED)
  if(NOT added)
    file(WRITE "${sub_src}/CMakeLists.txt"
         "# drip_add_scenario(): only this directory's TEST_INCLUDE_FILES matter\n")
    add_subdirectory("${sub_src}" "${CMAKE_CURRENT_BINARY_DIR}/drip-timeouts/bin")
    set_directory_properties(PROPERTIES DRIP_TIMEOUTS_ADDED TRUE)
  endif()
  set_property(DIRECTORY "${sub_src}" APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()
