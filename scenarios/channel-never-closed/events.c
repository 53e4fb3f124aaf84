/* events.c - the request shared by the channel-never-closed workloads.
 *
 * Go original:
 *
 *     func handle(req *Request) {
 *         events := make(chan Event, 16)
 *         go func() {                     // the shipper
 *             for e := range events {     // ends only when events is closed
 *                 ship(e)
 *             }
 *         }()
 *         for _, item := range req.Items {
 *             events <- process(item)
 *         }
 *         // missing: close(events)
 *     }
 *
 * A `for range` over a channel ends only when the channel is closed.  The
 * producer that forgets to close leaves the shipper waiting in its receive
 * forever: the goroutine, its buffer and the channel stay for the life of
 * the process, one per request.
 *
 * No fault is involved: every request of the leaky variant strands one
 * shipper, with any seed and thread count.
 */
#include "events.h"

#include <drip/task.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct shipper {
    drip_chan *events;             /* the shipper's reference */
    size_t     batch_bytes;
} shipper;

static _Atomic uint64_t g_shipped; /* bytes "shipped": keeps the work real */

/* The shipper task: receive until the channel is closed and drained,
 * batching events into a write buffer.  It owns `k` and its channel
 * reference; one that waits forever in its receive keeps both, and its
 * buffer. */
static void ship_events(void *arg)
{
    shipper *k = arg;
    char *batch = malloc(k->batch_bytes);           /* like a bufio.Writer */
    size_t used = 0;
    event e;
    bool ok = true;

    while (batch) {
        drip_chan_recv(k->events, &e, &ok);         /* for e := range events */
        if (!ok)
            break;                                  /* closed and drained */
        if (used + sizeof e > k->batch_bytes) {
            atomic_fetch_add(&g_shipped, used);     /* flush */
            used = 0;
        }
        memcpy(batch + used, &e, sizeof e);
        used += sizeof e;
    }
    atomic_fetch_add(&g_shipped, used);
    free(batch);
    drip_chan_release(k->events);
    free(k);
}

void event_fill(event *e, uint64_t request, uint64_t seq)
{
    memset(e, 0, sizeof *e);
    e->request = request;
    e->seq = seq;
    snprintf(e->text, sizeof e->text, "request %llu item %llu done",
             (unsigned long long)request, (unsigned long long)seq);
}

int events_setup(drip_ctx *ctx, void **state, produce_fn produce)
{
    events_service *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->produce = produce;
    s->items = (size_t)drip_param_int(ctx, "items", 8);
    s->queue = (size_t)drip_param_int(ctx, "queue", 16);
    s->batch_bytes = (size_t)drip_param_int(ctx, "batch_bytes", 1024);
    if (s->batch_bytes < sizeof(event))
        s->batch_bytes = sizeof(event);
    *state = s;
    return 0;
}

/* One request: start its shipper, produce its events, drop our reference. */
int events_iterate(drip_ctx *ctx, void *state)
{
    events_service *s = state;
    drip_chan *events = drip_chan_new(sizeof(event), s->queue);
    shipper *k = malloc(sizeof *k);
    int rc = -1;

    if (!events || !k)
        goto cleanup;
    k->events = drip_chan_retain(events);
    k->batch_bytes = s->batch_bytes;
    if (drip_go(ship_events, k) != 0) {
        drip_chan_release(k->events);
        goto cleanup;
    }
    k = NULL;                                       /* the shipper owns it */
    rc = s->produce(events, drip_iteration(ctx), s->items);

cleanup:
    free(k);
    drip_chan_release(events);      /* ours; a waiting shipper keeps its own */
    return rc;
}

void events_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    /* Shippers whose channel was closed finish at once; those of the leaky
     * variant never will.  Wait for the first, not for the second (the
     * report counts them after teardown). */
    drip_tasks_settle(0, 500ULL * 1000000ULL);
    free(state);
}
