/* leaky.c - slice-retention, leaky: keep a sub-slice of the batch.  The two
 * records are a view on the batch's backing array, so the list pins every
 * whole batch it took records from. */
#include "batch.h"

static drip_slice keep_tail(drip_slice batch)
{
    return drip_sub(batch, batch.len - 2, batch.len);     /* batch[len-2:] */
}

static int setup(drip_ctx *ctx, void **state)
{
    return history_setup(ctx, state, keep_tail);
}

const drip_workload drip_builtin_slice_retention_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "slice-retention-leaky",
    .summary = "keeps a 2-record sub-slice of each interesting batch (pins the whole batch)",
    .setup = setup,
    .iterate = history_iterate,
    .teardown = history_teardown,
};
