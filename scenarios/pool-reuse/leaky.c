/* leaky.c - pool-reuse, without a pool: a new buffer for every response,
 * grown step by step and freed when the response is sent. */
#include "render.h"

static buffer *get(renderer *r)
{
    (void)r;
    return buffer_new();                             /* buf := new(bytes.Buffer) */
}

static void put(renderer *r, buffer *b)
{
    (void)r;
    buffer_free(b);                                  /* garbage, for the collector */
}

static int setup(drip_ctx *ctx, void **state)
{
    static const buffer_ops ops = {get, put};
    return render_setup(ctx, state, &ops);
}

const drip_workload drip_builtin_pool_reuse_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "pool-reuse-leaky",
    .summary = "a new growing buffer per response (8 allocations per response; not a leak)",
    .setup = setup,
    .iterate = render_iterate,
    .teardown = render_teardown,
};
