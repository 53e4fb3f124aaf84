/* drip/timer.h - timers, time.After and tickers over one timer thread.
 *
 * One runtime thread (started on first use) sleeps until the earliest
 * deadline in a binary heap of armed timers and fires it: a channel timer
 * sends the fire time (uint64_t, drip_rt_now() nanoseconds) on its channel,
 * which has a buffer of 1 and never blocks the timer thread (a value nobody
 * took is dropped, like Go's); a function timer calls its function on the
 * timer thread.  The `timers` gauge (drip_rt_gauges) counts armed timers.
 *
 * drip_after is Go's time.After: each call arms a new timer that holds the
 * channel (and itself) until it fires.  In a loop that usually takes another
 * branch, every turn leaves one armed timer behind until its deadline: the
 * classic leak.  A reusable drip_timer with reset/stop is the fix.
 */
#ifndef DRIP_TIMER_H
#define DRIP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "chan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_timer drip_timer;
typedef struct drip_ticker drip_ticker;

/* time.After(d): a new channel (element uint64_t, cap 1) that receives the
 * fire time once, d nanoseconds from now.  The caller owns one reference and
 * releases it when done; the armed timer holds another until it fires.
 * NULL + errno ENOMEM. */
drip_chan *drip_after(uint64_t d_ns);

/* time.NewTimer(d): a reusable timer whose channel fires once per arming. */
drip_timer *drip_timer_new(uint64_t d_ns);

/* time.AfterFunc(d, fn): call fn(arg) on the timer thread after d. */
drip_timer *drip_timer_func(uint64_t d_ns, void (*fn)(void *arg), void *arg);

/* The timer's channel (borrowed; NULL for function timers). */
drip_chan *drip_timer_chan(drip_timer *t);

/* Disarm; true when the timer was armed (it will not fire), false when it
 * had already fired or been stopped.  Does not drain the channel. */
bool drip_timer_stop(drip_timer *t);

/* Re-arm for d from now (stopping it first); true when it was armed. */
bool drip_timer_reset(drip_timer *t, uint64_t d_ns);

/* Stop and free the timer (and release its channel reference).  A function
 * timer's fn may still be running on the timer thread when this returns
 * only if called from fn itself.  NULL is a no-op. */
void drip_timer_free(drip_timer *t);

/* time.NewTicker(period): fires every period until stopped. */
drip_ticker *drip_ticker_new(uint64_t period_ns);
drip_chan   *drip_ticker_chan(drip_ticker *t);      /* borrowed */
void         drip_ticker_stop(drip_ticker *t);
void         drip_ticker_free(drip_ticker *t);      /* stops; NULL is a no-op */

/* Armed timers right now (the `timers` gauge). */
int64_t drip_timers_pending(void);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_TIMER_H */
