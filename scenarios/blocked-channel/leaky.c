/* leaky.c - blocked-channel, leaky: the worker answers on an unbuffered
 * channel, so when the caller gave up its send blocks forever. */
#include "fetch.h"

static int setup(drip_ctx *ctx, void **state)
{
    return fetch_setup(ctx, state, 0);         /* make(chan Result) */
}

const drip_workload drip_builtin_blocked_channel_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "blocked-channel-leaky",
    .summary = "worker task answers on an unbuffered channel; a caller's timeout strands it",
    .setup = setup,
    .iterate = fetch_iterate,
    .teardown = fetch_teardown,
};
