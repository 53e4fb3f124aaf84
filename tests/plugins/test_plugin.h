/* test_plugin.h - the descriptor every test plugin exports, in one line.
 *
 * DRIP_TEST_PLUGIN("grow", "what it does", .iterate = iterate) defines the
 * drip_plugin of include/drip/workload.h (ABI 1) named "test-grow"; the
 * callbacks follow as designated initializers.  noname.c and noiterate.c
 * write theirs out: a broken descriptor is what they test.
 */
#ifndef DRIP_TEST_PLUGIN_H
#define DRIP_TEST_PLUGIN_H

#include <drip/workload.h>

#define DRIP_TEST_PLUGIN(NAME, SUMMARY, ...)                                  \
    const drip_workload drip_plugin = {                                       \
        .abi = DRIP_WORKLOAD_ABI, .name = "test-" NAME, .summary = SUMMARY,   \
        __VA_ARGS__}

#endif /* DRIP_TEST_PLUGIN_H */
