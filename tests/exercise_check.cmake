# exercise_check.cmake: one pattern's exercise, end to end.
#
#   cmake -DDRIP=path/to/drip -DDIR=scenarios/PATTERN/exercise -DPATTERN=PATTERN
#         -DMODE=files|untouched|solution -P exercise_check.cmake
#
#   files      the exercise folder keeps contract 2: exercise.c with LESSON
#              marks in comments, solution.c, both named PATTERN-exercise;
#              HINTS.md with 2 to 4 "## Hint N" sections in order;
#              exercise.yaml naming PATTERN-exercise and PATTERN-fixed
#   untouched  `drip exercise PATTERN exercise.c` exits 1 and names a metric
#              that broke the fixed expectations
#   solution   `drip exercise PATTERN solution.c` exits 0
foreach(v DRIP DIR PATTERN MODE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "exercise_check.cmake: -D${v}=... is required")
  endif()
endforeach()
set(metrics "heap_bytes|heap_objects|allocs|rss|threads|fds|tasks|timers|conns")

if(MODE STREQUAL "files")
  foreach(f exercise.c solution.c HINTS.md exercise.yaml)
    if(NOT EXISTS ${DIR}/${f})
      message(FATAL_ERROR "${DIR}/${f} is missing")
    endif()
  endforeach()
  file(READ ${DIR}/exercise.c ex)
  if(NOT ex MATCHES "(/\\*|//)[^\n]*LESSON")
    message(FATAL_ERROR "${DIR}/exercise.c has no comment marked LESSON")
  endif()
  foreach(f exercise.c solution.c)
    file(READ ${DIR}/${f} text)
    if(NOT text MATCHES "drip_plugin" OR NOT text MATCHES "\"${PATTERN}-exercise\"")
      message(FATAL_ERROR "${DIR}/${f} must export drip_plugin named \"${PATTERN}-exercise\"")
    endif()
    if(text MATCHES "#include[ \t]*\"")
      message(FATAL_ERROR "${DIR}/${f} must be self-contained (only <drip/...> and libc headers)")
    endif()
  endforeach()
  file(STRINGS ${DIR}/HINTS.md hints REGEX "^## Hint [0-9]+")
  list(LENGTH hints n)
  if(n LESS 2 OR n GREATER 4)
    message(FATAL_ERROR "${DIR}/HINTS.md has ${n} '## Hint N' sections; 2 to 4 wanted")
  endif()
  set(i 1)
  foreach(h ${hints})
    if(NOT h MATCHES "^## Hint ${i}$")
      message(FATAL_ERROR "${DIR}/HINTS.md: '${h}' where '## Hint ${i}' was expected")
    endif()
    math(EXPR i "${i} + 1")
  endforeach()
  file(READ ${DIR}/exercise.yaml y)
  if(NOT y MATCHES "\nname: ${PATTERN}-exercise\n" OR NOT y MATCHES "\nworkload: ${PATTERN}-fixed\n")
    message(FATAL_ERROR "${DIR}/exercise.yaml must hold 'name: ${PATTERN}-exercise' and "
                        "'workload: ${PATTERN}-fixed'")
  endif()
  return()
endif()

if(MODE STREQUAL "untouched")
  set(file exercise.c)
elseif(MODE STREQUAL "solution")
  set(file solution.c)
else()
  message(FATAL_ERROR "exercise_check.cmake: MODE must be files, untouched or solution")
endif()
execute_process(COMMAND ${DRIP} exercise --no-color ${PATTERN} ${DIR}/${file}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${err}${out}")
if(MODE STREQUAL "untouched")
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "the untouched exercise.c: exit ${rc}, expected 1 (not fixed)")
  endif()
  if(NOT out MATCHES "not fixed yet" OR NOT out MATCHES "\n    (${metrics})[ :]")
    message(FATAL_ERROR "the untouched exercise.c failed without naming a metric")
  endif()
else()
  if(NOT rc EQUAL 0 OR NOT out MATCHES "\nfixed: ${PATTERN}")
    message(FATAL_ERROR "the reference solution.c: exit ${rc}, expected 0 (fixed)")
  endif()
endif()
