/* fixed.c - channel-never-closed, fixed: the producer closes the channel
 * when it has sent everything (Go: defer close(events)), so the shipper's
 * receive loop drains what is left and ends. */
#include "events.h"

static int produce(drip_chan *events, uint64_t request, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        event e;
        event_fill(&e, request, i);
        if (drip_chan_send(events, &e) != 0)
            return -1;
    }
    drip_chan_close(events);                    /* close(events): no more events */
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return events_setup(ctx, state, produce);
}

const drip_workload drip_builtin_channel_never_closed_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "channel-never-closed-fixed",
    .summary = "producer closes the events channel when done; the shipper drains it and exits",
    .setup = setup,
    .iterate = events_iterate,
    .teardown = events_teardown,
};
