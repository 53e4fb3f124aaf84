/* leaky.c - global-map, leaky: the cache has no bound and no expiry. */
#include "cache.h"

static int setup(drip_ctx *ctx, void **state)
{
    drip_map_opts opts = {0};                  /* unbounded: every miss stays */
    return cache_setup(ctx, state, &opts);
}

const drip_workload drip_builtin_global_map_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "global-map-leaky",
    .summary = "global cache keyed by request id, never evicted (leaks per cache miss)",
    .setup = setup,
    .iterate = cache_iterate,
    .teardown = cache_teardown,
};
