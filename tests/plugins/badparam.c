/* badparam.c - test plugin: reads `count` as an integer in setup. */
#include "test_plugin.h"

static int setup(drip_ctx *ctx, void **state)
{
    (void)state;
    (void)drip_param_int(ctx, "count", 1);
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    return 0;
}

DRIP_TEST_PLUGIN("badparam", "reads param count as an integer", .setup = setup, .iterate = iterate);
