# DripScenario.cmake - register Drip leak scenarios as CTest tests.
#
#   drip_add_scenario(NAME file.yaml [ARGS arg...])
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
# Comes with find_package(Drip) (the installed drip, Drip::drip), and is
# included by Drip's own build (its drip target, aliased as Drip::drip).
function(drip_add_scenario name yaml)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "drip_add_scenario(${name}): unexpected arguments "
                        "'${arg_UNPARSED_ARGUMENTS}' (usage: drip_add_scenario(NAME file.yaml "
                        "[ARGS arg...]))")
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
endfunction()
