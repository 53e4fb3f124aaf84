/* loop.h - what both time-after workloads share: an event loop turn that
 * waits for data or a timeout, where the data always wins.
 *
 * The variants differ only in where the timeout's timer comes from
 * (the timeout_ops in leaky.c and fixed.c).
 */
#ifndef TIME_AFTER_LOOP_H
#define TIME_AFTER_LOOP_H

#include <drip/chan.h>
#include <drip/timer.h>
#include <drip/workload.h>
#include <pthread.h>

typedef struct loop loop;

/* The variant's difference: a channel that fires after the timeout, and
 * what to do with it when the turn is over.  `*token` carries the
 * variant's handle from one to the other. */
typedef struct timeout_ops {
    drip_chan *(*open)(loop *l, void **token);
    void       (*done)(loop *l, void *token);
} timeout_ops;

struct loop {
    const timeout_ops *ops;
    drip_chan      *data;          /* buffered: each turn puts one value in */
    uint64_t        timeout_ns;    /* long: the run ends before any fires */
    pthread_mutex_t lock;
    drip_timer     *idle[256];     /* fixed: reusable timers not in use */
    size_t          nidle;
};

int  loop_setup(drip_ctx *ctx, void **state, const timeout_ops *ops);
int  loop_iterate(drip_ctx *ctx, void *state);
void loop_teardown(drip_ctx *ctx, void *state);

#endif
