/* counter.c - test plugin: reports its own metrics with drip_metric_add.
 * Each iteration adds param `hits` (default 1) to cache.hits and 3 to
 * rows.read; it leaks nothing.  With hits: 0 cache.hits is reported but
 * never grows.  With `extra: N` it also adds 1 to n.0 .. n.N-1, past the
 * 16 names a run may have. */
#include <drip/workload.h>
#include <stdio.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    drip_metric_add(ctx, "cache.hits", drip_param_double(ctx, "hits", 1.0));
    drip_metric_add(ctx, "rows.read", 3);
    for (int64_t i = 0; i < drip_param_int(ctx, "extra", 0); i++) {
        char name[32];
        snprintf(name, sizeof name, "n.%lld", (long long)i);
        drip_metric_add(ctx, name, 1);
    }
    return 0;
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-counter",
    .summary = "reports cache.hits and rows.read with drip_metric_add",
    .iterate = iterate,
};
