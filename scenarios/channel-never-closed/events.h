/* events.h - what both channel-never-closed workloads share: a request
 * that hands its events to a shipper task over a channel.
 *
 * The variants differ only in their produce function (leaky.c, fixed.c): whether the
 * producer closes the channel when it has sent everything.
 */
#ifndef CHANNEL_NEVER_CLOSED_EVENTS_H
#define CHANNEL_NEVER_CLOSED_EVENTS_H

#include <drip/chan.h>
#include <drip/workload.h>
#include <stddef.h>
#include <stdint.h>

typedef struct event {
    uint64_t request, seq;
    char     text[48];
} event;                           /* 64 B, copied into the channel */

/* The variant's difference: send `n` events of request `request` on
 * `events` (the caller keeps its reference).  0, or -1 when a send fails. */
typedef int (*produce_fn)(drip_chan *events, uint64_t request, size_t n);

typedef struct events_service {
    produce_fn produce;            /* the variant */
    size_t items;                  /* events per request */
    size_t queue;                  /* the events channel's buffer */
    size_t batch_bytes;            /* the shipper's write buffer */
} events_service;

/* Fill event e (both variants send the same events). */
void event_fill(event *e, uint64_t request, uint64_t seq);

int  events_setup(drip_ctx *ctx, void **state, produce_fn produce);
int  events_iterate(drip_ctx *ctx, void *state);
void events_teardown(drip_ctx *ctx, void *state);

#endif
