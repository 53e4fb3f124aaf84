/* time-after solution: a timer that is stopped when the turn is over.
 *
 * Each iteration is one turn of an event loop: it waits for data or a
 * timeout, and the data always wins.  drip_after (<drip/timer.h>) is Go's
 * time.After: a channel that receives once the duration has passed, kept
 * by an armed timer until then.  Go original (before Go 1.23):
 *
 *     for {
 *         select {
 *         case v := <-data:
 *             handle(v)
 *         case <-time.After(time.Hour):
 *             return
 *         }
 *     }
 *
 * The fix: a timer the turn controls, time.NewTimer with Stop when the
 * turn is over (if !timer.Stop() { <-timer.C }): a stopped timer is
 * disarmed and freed at once.  A loop on one thread would keep one timer
 * and Reset it each turn; iterations here may run on several threads, so
 * each turn makes and stops its own (the built-in fix keeps a small pool).
 */
#include <drip/chan.h>
#include <drip/timer.h>
#include <drip/workload.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct loop {
    drip_chan *data;               /* buffered: each turn puts one value in */
    uint64_t   timeout_ns;         /* long: the run ends before any fires */
} loop;

static int setup(drip_ctx *ctx, void **state)
{
    loop *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    l->timeout_ns = (uint64_t)drip_param_int(ctx, "timeout_s", 3600) * 1000000000ULL;
    l->data = drip_chan_new(sizeof(uint64_t), 256);   /* room for every thread's turn */
    if (!l->data) {
        free(l);
        return -1;
    }
    *state = l;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    loop *l = state;
    uint64_t v = drip_iteration(ctx), got = 0;
    if (drip_chan_send(l->data, &v) != 0)             /* the data that always wins */
        return -1;
    drip_timer *t = drip_timer_new(l->timeout_ns);    /* timer := time.NewTimer(timeout) */
    drip_chan *timeout = t ? drip_timer_chan(t) : NULL;
    if (!timeout) {
        drip_chan_recv(l->data, &got, NULL);          /* keep the channel balanced */
        return -1;
    }
    drip_select_case cases[] = {
        {.chan = l->data, .op = DRIP_RECV, .elem = &got},
        {.chan = timeout, .op = DRIP_RECV},
    };
    int which = drip_select(cases, 2, DRIP_SELECT_FOREVER);
    if (!drip_timer_stop(t)) {     /* if !timer.Stop() { <-timer.C } */
        drip_select_case drain = {.chan = timeout, .op = DRIP_RECV};
        drip_select(&drain, 1, 0);
    }
    drip_timer_free(t);            /* disarmed: nothing is left behind */
    return which == 0 ? 0 : -1;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    loop *l = state;
    drip_chan_release(l->data);
    free(l);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "time-after-exercise",
    .summary = "an event loop turn: data, or a one-hour timeout",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
