/* leaky.c - channel-never-closed, leaky: the producer sends its events and
 * returns without closing the channel, so the shipper's receive loop never
 * ends. */
#include "events.h"

static int produce(drip_chan *events, uint64_t request, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        event e;
        event_fill(&e, request, i);
        if (drip_chan_send(events, &e) != 0)
            return -1;
    }
    return 0;                                   /* close(events) is missing */
}

static int setup(drip_ctx *ctx, void **state)
{
    return events_setup(ctx, state, produce);
}

const drip_workload drip_builtin_channel_never_closed_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "channel-never-closed-leaky",
    .summary = "producer never closes the events channel; its shipper task waits forever",
    .setup = setup,
    .iterate = events_iterate,
    .teardown = events_teardown,
};
