/* badparam.c - test plugin: reads `count` as an integer in setup. */
#include <drip/workload.h>

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

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-badparam",
    .summary = "reads param count as an integer",
    .setup = setup,
    .iterate = iterate,
};
