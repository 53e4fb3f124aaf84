/* solution.c - channel-never-closed, the reference fix: the producer
 * closes the channel when it has sent everything (Go: defer close(events)),
 * so the shipper's receive loop drains the rest and ends.
 *
 *     drip exercise channel-never-closed solution.c
 */
#include <drip/chan.h>
#include <drip/task.h>
#include <drip/workload.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct event {
    uint64_t request, seq;
    char     text[48];
} event;

typedef struct shipper {
    drip_chan *events;             /* the shipper's reference */
    size_t     batch_bytes;
} shipper;

/* The shipper: `for e := range events { ship(e) }`.  It owns k. */
static void ship_events(void *arg)
{
    shipper *k = arg;
    char *batch = malloc(k->batch_bytes);
    size_t used = 0;
    event e;
    bool ok = true;

    while (batch) {
        /* LESSON: this receive returns ok == false only once the channel is closed */
        drip_chan_recv(k->events, &e, &ok);
        if (!ok)
            break;
        if (used + sizeof e > k->batch_bytes)
            used = 0;                               /* "flush" */
        memcpy(batch + used, &e, sizeof e);
        used += sizeof e;
    }
    free(batch);
    drip_chan_release(k->events);
    free(k);
}

/* The producer: send n events. */
static int produce(drip_chan *events, uint64_t request, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        event e = {.request = request, .seq = i};
        snprintf(e.text, sizeof e.text, "request %llu item %zu done",
                 (unsigned long long)request, i);
        if (drip_chan_send(events, &e) != 0)
            return -1;
    }
    drip_chan_close(events);  /* LESSON: the sender closes: the shipper's loop can end */
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    drip_chan *events = drip_chan_new(sizeof(event), 16);
    shipper *k = malloc(sizeof *k);
    int rc = -1;

    if (!events || !k)
        goto cleanup;
    k->events = drip_chan_retain(events);
    k->batch_bytes = 1024;
    if (drip_go(ship_events, k) != 0) {       /* go ship(events) */
        drip_chan_release(k->events);
        goto cleanup;
    }
    k = NULL;                                 /* the shipper owns it now */
    rc = produce(events, drip_iteration(ctx), 8);

cleanup:
    free(k);
    drip_chan_release(events);                /* ours; the shipper keeps its own */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    drip_tasks_settle(0, 500ULL * 1000000ULL);   /* shippers that can finish do */
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "channel-never-closed-exercise",
    .summary = "solution: the producer closes the channel; the shipper ends",
    .iterate = iterate,
    .teardown = teardown,
};
