/* fixed.c - blocked-channel, fixed: a buffer of one lets the worker's send
 * complete whether or not anyone still waits; the channel and the result
 * are freed with the last reference. */
#include "fetch.h"

static int setup(drip_ctx *ctx, void **state)
{
    return fetch_setup(ctx, state, 1);         /* make(chan Result, 1) */
}

const drip_workload drip_builtin_blocked_channel_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "blocked-channel-fixed",
    .summary = "worker task answers on a channel with a buffer of one; nothing is stranded",
    .setup = setup,
    .iterate = fetch_iterate,
    .teardown = fetch_teardown,
};
