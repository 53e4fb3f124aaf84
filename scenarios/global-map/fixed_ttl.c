/* fixed_ttl.c - global-map, fixed with a TTL: an entry not used for
 * `ttl_iterations` requests expires and is released. */
#include "cache.h"

static int setup(drip_ctx *ctx, void **state)
{
    drip_map_opts opts = {
        .ttl = (uint64_t)drip_param_int(ctx, "ttl_iterations", 500),   /* the fix */
    };
    return cache_setup(ctx, state, &opts);
}

const drip_workload drip_builtin_global_map_fixed_ttl = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "global-map-fixed-ttl",
    .summary = "global cache whose entries expire after a TTL (fills, then stays flat)",
    .setup = setup,
    .iterate = cache_iterate,
    .teardown = cache_teardown,
};
