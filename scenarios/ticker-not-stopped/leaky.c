/* leaky.c - ticker-not-stopped, leaky: the request returns without
 * stopping its ticker.  The ticker stays armed, with its channel, and
 * fires every period for the life of the process. */
#include "progress.h"

static void finish_ticker(drip_ticker *t)
{
    (void)t;                       /* return nil: no ticker.Stop() */
}

static int setup(drip_ctx *ctx, void **state)
{
    return progress_setup(ctx, state, finish_ticker);
}

const drip_workload drip_builtin_ticker_not_stopped_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "ticker-not-stopped-leaky",
    .summary = "a progress ticker per request, never stopped (one armed ticker left per request)",
    .setup = setup,
    .iterate = progress_iterate,
    .teardown = progress_teardown,
};
