/* fixed.c - global-map, fixed: the cache keeps at most `capacity` entries
 * and evicts the least recently used one beyond that. */
#include "cache.h"

static int setup(drip_ctx *ctx, void **state)
{
    drip_map_opts opts = {
        .capacity = (size_t)drip_param_int(ctx, "capacity", 512),   /* the fix */
    };
    return cache_setup(ctx, state, &opts);
}

const drip_workload drip_builtin_global_map_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "global-map-fixed",
    .summary = "global cache bounded by an LRU capacity (fills, then stays flat)",
    .setup = setup,
    .iterate = cache_iterate,
    .teardown = cache_teardown,
};
