/* fixed.c - time-after, fixed: reuse a timer, reset at the start of each
 * turn and stopped at its end (one timer per concurrent loop, not per
 * turn). */
#include "loop.h"

static drip_chan *timeout_chan(loop *l, void **token)
{
    drip_timer *t = NULL;
    pthread_mutex_lock(&l->lock);
    if (l->nidle > 0)
        t = l->idle[--l->nidle];
    pthread_mutex_unlock(&l->lock);
    if (!t)
        t = drip_timer_new(l->timeout_ns);           /* timer := time.NewTimer(timeout) */
    else
        drip_timer_reset(t, l->timeout_ns);          /* timer.Reset(timeout) */
    *token = t;
    return t ? drip_timer_chan(t) : NULL;
}

static void timeout_done(loop *l, void *token)
{
    drip_timer *t = token;
    if (!drip_timer_stop(t)) {                       /* if !timer.Stop() { <-timer.C } */
        drip_select_case drain = {.chan = drip_timer_chan(t), .op = DRIP_RECV};
        drip_select(&drain, 1, 0);                   /* a fire nobody took: drop it */
    }
    pthread_mutex_lock(&l->lock);
    if (l->nidle < sizeof l->idle / sizeof l->idle[0]) {
        l->idle[l->nidle++] = t;
        t = NULL;
    }
    pthread_mutex_unlock(&l->lock);
    drip_timer_free(t);
}

static int setup(drip_ctx *ctx, void **state)
{
    static const timeout_ops ops = {timeout_chan, timeout_done};
    return loop_setup(ctx, state, &ops);
}

const drip_workload drip_builtin_time_after_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "time-after-fixed",
    .summary = "select on data or a reused timer, reset each turn and stopped (no timer left)",
    .setup = setup,
    .iterate = loop_iterate,
    .teardown = loop_teardown,
};
