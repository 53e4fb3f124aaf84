/* fixed.c - pool-reuse, pooled: buffers come from a pool, are reset before
 * use and go back to the pool; once each thread has one, nothing is
 * allocated. */
#include "render.h"

static buffer *get(renderer *r)
{
    buffer *b = drip_pool_get(r->pool);              /* buf := bufferPool.Get().(*bytes.Buffer) */
    if (b)
        buffer_reset(b);                             /* buf.Reset(): the last response is in it */
    return b;
}

static void put(renderer *r, buffer *b)
{
    drip_pool_put(r->pool, b);                       /* defer bufferPool.Put(buf) */
}

static int setup(drip_ctx *ctx, void **state)
{
    static const buffer_ops ops = {get, put};
    return render_setup(ctx, state, &ops);
}

const drip_workload drip_builtin_pool_reuse_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "pool-reuse-fixed",
    .summary = "response buffers from a pool, reset before reuse (no allocation per response)",
    .setup = setup,
    .iterate = render_iterate,
    .teardown = render_teardown,
};
