/* noname.c - test plugin: a drip_plugin without a name (rejected at load). */
#include <drip/workload.h>
#include <stddef.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    return 0;
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = NULL,
    .summary = "no name",
    .iterate = iterate,
};
