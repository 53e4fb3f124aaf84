# go.cmake - build the patterns' Go originals (scenarios/<pattern>/go/) and
# their checks, when the Go toolchain is found (docs/GO.md).
#
#   build/go/bin/<pattern>   one server per pattern (-port N, -seed N, -fixed)
#   build/go/bin/gocheck     the ctest check of a program (tests/gocheck)
#   build/go/bin/goserve.test  scenarios/goserve's test (its fault decisions)
#   build/go/cache, path     GOCACHE and GOPATH: nothing is written outside
#                            the build folder
#
# Offline: GOPROXY=off and GOFLAGS=-mod=readonly; the programs use the
# standard library and the shared local module scenarios/goserve only (a
# `replace` to its folder), so nothing is ever downloaded.  Without Go (or
# with -DDRIP_GO=OFF) the programs are skipped, and so are their tests: they
# are registered and report "skipped" (SKIP_RETURN_CODE), never "passed".

option(DRIP_GO "Build the patterns' Go originals when the Go toolchain is found" ON)

set(DRIP_GO_DIR ${CMAKE_BINARY_DIR}/go)
set(DRIP_GO_BIN_DIR ${DRIP_GO_DIR}/bin)
file(GLOB DRIP_GO_MAINS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*/go/main.go)

set(DRIP_GO_SKIP "")
if(NOT DRIP_GO)
  set(DRIP_GO_SKIP "DRIP_GO is OFF")
else()
  find_program(DRIP_GO_EXECUTABLE go)
  if(NOT DRIP_GO_EXECUTABLE)
    set(DRIP_GO_SKIP "no Go toolchain found (Debian: apt-get install golang-go)")
  else()
    execute_process(COMMAND ${DRIP_GO_EXECUTABLE} env GOVERSION
                    OUTPUT_VARIABLE DRIP_GO_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE rc)
    string(REGEX REPLACE "^go([0-9]+\\.[0-9]+).*" "\\1" DRIP_GO_VERSION_NUM "${DRIP_GO_VERSION}")
    if(NOT rc EQUAL 0)
      set(DRIP_GO_SKIP "${DRIP_GO_EXECUTABLE} does not run")
    elseif(DRIP_GO_VERSION_NUM VERSION_LESS 1.19)
      set(DRIP_GO_SKIP "${DRIP_GO_EXECUTABLE} is ${DRIP_GO_VERSION}, 1.19 or later is needed")
    endif()
  endif()
endif()

if(DRIP_GO_SKIP)
  message(STATUS "Go originals (scenarios/*/go): skipped, ${DRIP_GO_SKIP}")
else()
  message(STATUS "Go originals (scenarios/*/go): built with ${DRIP_GO_EXECUTABLE} (${DRIP_GO_VERSION}) into ${DRIP_GO_BIN_DIR}")
  set(DRIP_GO_ENV GOCACHE=${DRIP_GO_DIR}/cache GOPATH=${DRIP_GO_DIR}/path
                  GOPROXY=off GOFLAGS=-mod=readonly GOWORK=off GO111MODULE=on)
  set(DRIP_GO_COMMAND ${CMAKE_COMMAND} -E env ${DRIP_GO_ENV} ${DRIP_GO_EXECUTABLE})
  file(GLOB DRIP_GOSERVE_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/goserve/*.go
       ${PROJECT_SOURCE_DIR}/scenarios/goserve/go.mod)

  # drip_go_program(NAME DIR DEPENDS...): build DIR's module into bin/NAME.
  function(drip_go_program name dir)
    file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.go ${dir}/go.mod)
    add_custom_command(OUTPUT ${DRIP_GO_BIN_DIR}/${name}
      COMMAND ${DRIP_GO_COMMAND} build -trimpath -o ${DRIP_GO_BIN_DIR}/${name} .
      WORKING_DIRECTORY ${dir}
      DEPENDS ${srcs} ${ARGN}
      COMMENT "Building the Go program ${name}"
      VERBATIM)
    set_property(GLOBAL APPEND PROPERTY DRIP_GO_OUTPUTS ${DRIP_GO_BIN_DIR}/${name})
  endfunction()

  foreach(main ${DRIP_GO_MAINS})
    get_filename_component(dir ${main} DIRECTORY)
    get_filename_component(pattern_dir ${dir} DIRECTORY)
    get_filename_component(pattern ${pattern_dir} NAME)
    drip_go_program(${pattern} ${dir} ${DRIP_GOSERVE_SRCS})
  endforeach()
  if(DRIP_TESTS)
    drip_go_program(gocheck ${PROJECT_SOURCE_DIR}/tests/gocheck)
    # goserve's own test (fault_test.go), compiled here so that ctest only runs it
    add_custom_command(OUTPUT ${DRIP_GO_BIN_DIR}/goserve.test
      COMMAND ${DRIP_GO_COMMAND} test -c -trimpath -o ${DRIP_GO_BIN_DIR}/goserve.test .
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/goserve
      DEPENDS ${DRIP_GOSERVE_SRCS}
      COMMENT "Building the Go test goserve.test"
      VERBATIM)
    set_property(GLOBAL APPEND PROPERTY DRIP_GO_OUTPUTS ${DRIP_GO_BIN_DIR}/goserve.test)
  endif()
  get_property(outputs GLOBAL PROPERTY DRIP_GO_OUTPUTS)
  add_custom_target(drip_go_programs ALL DEPENDS ${outputs})
endif()

# ---- tests (label go): each program starts, answers, stops on SIGTERM ------
if(DRIP_TESTS)
  # (no ' in the messages; no ; here, which would split the list)
  set(skip_cmd sh -c "echo 'skipped: ${DRIP_GO_SKIP}' && exit 77")
  # The fault decisions of scenarios/goserve match harness/worker/fault.c.
  if(DRIP_GO_SKIP)
    add_test(NAME go.goserve.fault COMMAND ${skip_cmd})
  else()
    add_test(NAME go.goserve.fault COMMAND ${DRIP_GO_BIN_DIR}/goserve.test -test.v)
  endif()
  set_tests_properties(go.goserve.fault PROPERTIES LABELS go TIMEOUT 60 SKIP_RETURN_CODE 77)
  foreach(main ${DRIP_GO_MAINS})
    get_filename_component(dir ${main} DIRECTORY)
    get_filename_component(pattern_dir ${dir} DIRECTORY)
    get_filename_component(pattern ${pattern_dir} NAME)
    foreach(variant leaky fixed)
      if(DRIP_GO_SKIP)
        add_test(NAME go.${pattern}.${variant} COMMAND ${skip_cmd})
      else()
        add_test(NAME go.${pattern}.${variant}
                 COMMAND ${DRIP_GO_BIN_DIR}/gocheck -variant ${variant} ${DRIP_GO_BIN_DIR}/${pattern})
      endif()
      set_tests_properties(go.${pattern}.${variant} PROPERTIES LABELS go TIMEOUT 60
                           SKIP_RETURN_CODE 77)
    endforeach()
  endforeach()
endif()
