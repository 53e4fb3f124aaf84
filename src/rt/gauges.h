/* gauges.h - the runtime's live counters (internal to src/rt).
 *
 * Each module bumps its gauge with relaxed atomics; drip_rt_gauges_read
 * (rt.c) reads them for the harness.  Never include from outside src/rt.
 */
#ifndef DRIP_RT_GAUGES_H
#define DRIP_RT_GAUGES_H

#include <stdatomic.h>
#include <stdint.h>

extern _Atomic int64_t drip__gauge_tasks;
extern _Atomic int64_t drip__gauge_timers;
extern _Atomic int64_t drip__gauge_conns;
extern _Atomic uint64_t drip__total_tasks;
extern _Atomic uint64_t drip__total_timers;
extern _Atomic uint64_t drip__total_conns;

static inline void drip__gauge_add(_Atomic int64_t *g, int64_t d)
{
    atomic_fetch_add_explicit(g, d, memory_order_relaxed);
}

/* One more made, ever (drip_rt_totals_read). */
static inline void drip__total_add(_Atomic uint64_t *t)
{
    atomic_fetch_add_explicit(t, 1, memory_order_relaxed);
}

#endif /* DRIP_RT_GAUGES_H */
