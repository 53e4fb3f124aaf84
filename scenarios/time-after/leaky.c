/* leaky.c - time-after, leaky: a new time.After on every turn.  The timer
 * stays armed (and holds its channel) until its deadline, long after the
 * turn that made it is over. */
#include "loop.h"

static drip_chan *timeout_chan(loop *l, void **token)
{
    drip_chan *c = drip_after(l->timeout_ns);        /* time.After(timeout) */
    *token = c;
    return c;
}

static void timeout_done(loop *l, void *token)
{
    (void)l;
    drip_chan_release(token);     /* our reference; the armed timer keeps its own */
}

static int setup(drip_ctx *ctx, void **state)
{
    static const timeout_ops ops = {timeout_chan, timeout_done};
    return loop_setup(ctx, state, &ops);
}

const drip_workload drip_builtin_time_after_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "time-after-leaky",
    .summary = "select on data or drip_after(1h) every turn (one armed timer left per turn)",
    .setup = setup,
    .iterate = loop_iterate,
    .teardown = loop_teardown,
};
