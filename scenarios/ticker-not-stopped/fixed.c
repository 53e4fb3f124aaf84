/* fixed.c - ticker-not-stopped, fixed: the ticker is stopped when the
 * request returns (defer ticker.Stop()).  In C, stopping and freeing are
 * one call, drip_ticker_free; in Go, Stop lets the collector take it. */
#include "progress.h"

static void finish_ticker(drip_ticker *t)
{
    drip_ticker_free(t);           /* defer ticker.Stop() */
}

static int setup(drip_ctx *ctx, void **state)
{
    return progress_setup(ctx, state, finish_ticker);
}

const drip_workload drip_builtin_ticker_not_stopped_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "ticker-not-stopped-fixed",
    .summary = "a progress ticker per request, stopped when the request returns",
    .setup = setup,
    .iterate = progress_iterate,
    .teardown = progress_teardown,
};
