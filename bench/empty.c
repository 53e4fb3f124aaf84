/* empty.c - a workload whose iterate does nothing: what `drip run` costs
 * per iteration on its own (bench/run's harness rows). */
#include <drip/workload.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    return 0;
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "bench-empty",
    .summary = "does nothing: the harness's own cost per iteration",
    .iterate = iterate,
};
