#!/bin/sh
# install_check.sh CMAKE CTEST BUILD_DIR: install Drip into a temporary
# prefix, then, outside the source tree, build and run plugins against it
# as a plugin author would:
#
#   1. the installed drip runs on its own (its RPATH finds libdrip_rt);
#   2. cc $(pkg-config --cflags --libs drip) -shared -fPIC mine.c, run with
#      the installed drip: a leak it must detect and a clean run it must pass;
#   3. a CMake project with find_package(Drip), Drip::rt and
#      drip_add_scenario, its scenarios run by ctest;
#   4. drip exercise, from the installed share/ and include/ directories.
#
# Exits non-zero, saying which step broke, when anything does.
set -eu
cmake=$1 ctest=$2 build=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/drip-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
work=$tmp/work
mkdir -p "$work"
fail() { echo "install_check: $*" >&2; exit 1; }

echo "== install into $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "cmake --install failed"; }
drip=$prefix/bin/drip
"$drip" --version || fail "the installed drip does not start"

# A plugin using the workload contract and the runtime: each iteration
# makes a channel, and on the fault point "drop" forgets to release it.
cat >"$work/mine.c" <<'C'
#include <drip/chan.h>
#include <drip/workload.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    drip_chan *c = drip_chan_new(sizeof(int), 1);
    int v = 7;
    if (!c || drip_chan_send(c, &v) != 0)
        return -1;
    if (drip_fault(ctx, "drop"))
        return 0;                                  /* leaks the channel */
    drip_chan_release(c);
    return 0;
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI, .name = "mine", .summary = "a channel per iteration",
    .iterate = iterate,
};
C
# scenarios(PLUGIN): a leak expected to be caught, and the same code clean.
scenarios() {
    cat <<YAML
name: mine-leaky
workload: { plugin: $1 }
run: { iterations: 2000, sample_every: 20 }
faults: [ { point: drop, rate: 0.5 } ]
expect:
  heap_objects: { verdict: growing, min_slope: 0.3 }
---
name: mine-clean
workload: { plugin: $1 }
run: { iterations: 2000, sample_every: 20 }
expect:
  heap_bytes: { verdict: flat, max_slope: 0.5 }
  heap_objects: { verdict: flat, max_slope: 0.01 }
YAML
}

echo "== pkg-config"
PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name drip.pc)")
export PKG_CONFIG_PATH
pkg-config --exists drip || fail "pkg-config does not find drip.pc"
cd "$work"
# shellcheck disable=SC2046
${CC:-cc} $(pkg-config --cflags --libs drip) -shared -fPIC mine.c -o libmine.so ||
    fail "the plugin does not build with pkg-config's flags"
scenarios ./libmine.so >mine.yaml
"$drip" run --no-color -o report mine.yaml || fail "drip run on the pkg-config plugin failed"

echo "== find_package(Drip) + drip_add_scenario"
mkdir -p proj
cp mine.c proj/
cat >proj/CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(mine C)
find_package(Drip 0.1 REQUIRED)
enable_testing()
add_library(mine MODULE mine.c)
target_link_libraries(mine PRIVATE Drip::rt)
file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/mine.yaml
     INPUT ${CMAKE_CURRENT_SOURCE_DIR}/mine.yaml.in)
drip_add_scenario(mine-scenarios ${CMAKE_CURRENT_BINARY_DIR}/mine.yaml)
drip_add_scenario(mine-seed3 ${CMAKE_CURRENT_BINARY_DIR}/mine.yaml ARGS --seed 3 --threads 2)
drip_add_scenario(mine-timeout ${CMAKE_CURRENT_BINARY_DIR}/mine.yaml TIMEOUT 500)
set_tests_properties(mine-timeout PROPERTIES LABELS mine)   # properties set after it still work
CMAKE
scenarios '$<TARGET_FILE:mine>' >proj/mine.yaml.in
"$cmake" -S proj -B proj/build -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/proj.log" 2>&1 ||
    { cat "$tmp/proj.log"; fail "find_package(Drip) project does not configure"; }
"$cmake" --build proj/build >>"$tmp/proj.log" 2>&1 ||
    { cat "$tmp/proj.log"; fail "find_package(Drip) project does not build"; }
grep -q "drip_rt" proj/build/CMakeFiles/mine.dir/link.txt || fail "mine is not linked with Drip::rt"
"$ctest" --test-dir proj/build --output-on-failure >"$tmp/ctest.log" 2>&1 ||
    { cat "$tmp/ctest.log"; fail "ctest in the find_package(Drip) project failed"; }
grep -q "100% tests passed, 0 tests failed out of 3" "$tmp/ctest.log" ||
    { cat "$tmp/ctest.log"; fail "expected 3 drip tests to pass"; }
# TIMEOUT: the scenarios' own (two files' worth of the default 60 s run.timeout,
# plus 30 s), or the one given
"$ctest" --test-dir proj/build --show-only=json-v1 >"$tmp/tests.json"
timeouts=$(awk -F'"' '
    /^      "name" : / { test = $4 }
    /"name" : "TIMEOUT"/ { want = 1; next }
    want && /"value"/ { v = $0; sub(/.*: */, "", v); sub(/\..*/, "", v); printf "%s=%s ", test, v; want = 0 }
' "$tmp/tests.json")
[ "$timeouts" = "mine-scenarios=150 mine-seed3=150 mine-timeout=500 " ] ||
    fail "drip_add_scenario's TIMEOUTs: $timeouts (expected 150, 150 and 500)"
grep -q "$prefix/bin/drip" proj/build/CTestTestfile.cmake || fail "the tests do not run the installed drip"

echo "== drip exercise from the installed share/"
ex=$prefix/share/drip/scenarios/time-after/exercise
"$drip" exercise --no-color time-after "$ex/solution.c" >"$tmp/ex.log" 2>&1 ||
    { cat "$tmp/ex.log"; fail "drip exercise on the installed solution failed"; }
grep -q -- "-I $prefix/bin/../include " "$tmp/ex.log" ||
    { cat "$tmp/ex.log"; fail "drip exercise did not compile against the installed headers"; }
st=0
"$drip" exercise --no-color time-after "$ex/exercise.c" >"$tmp/ex.log" 2>&1 || st=$?
[ "$st" -eq 1 ] || { cat "$tmp/ex.log"; fail "the installed exercise.c: exit $st, expected 1"; }
echo "install_check: all passed"
