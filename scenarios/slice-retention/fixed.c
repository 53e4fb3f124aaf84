/* fixed.c - slice-retention, fixed: copy the two records out, so the batch
 * can be freed; only 16 bytes (and the list entry) are kept. */
#include "batch.h"

static drip_slice keep_tail(drip_slice batch)
{
    drip_slice view = drip_sub(batch, batch.len - 2, batch.len);
    drip_slice copy = drip_slice_clone(view);      /* append([]T(nil), batch[len-2:]...) */
    drip_slice_release(&view);
    return copy;
}

static int setup(drip_ctx *ctx, void **state)
{
    return history_setup(ctx, state, keep_tail);
}

const drip_workload drip_builtin_slice_retention_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "slice-retention-fixed",
    .summary = "copies the 2 records out of each interesting batch (keeps 16 bytes each)",
    .setup = setup,
    .iterate = history_iterate,
    .teardown = history_teardown,
};
