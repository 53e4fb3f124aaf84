/* rt.c - the runtime's gauges and clock (see drip/rt.h). */
#include <drip/rt.h>
#include <time.h>

#include "gauges.h"

_Atomic int64_t drip__gauge_tasks;
_Atomic int64_t drip__gauge_timers;
_Atomic int64_t drip__gauge_conns;
_Atomic uint64_t drip__total_tasks;
_Atomic uint64_t drip__total_timers;
_Atomic uint64_t drip__total_conns;

void drip_rt_gauges_read(drip_rt_gauges *out)
{
    out->tasks = atomic_load_explicit(&drip__gauge_tasks, memory_order_relaxed);
    out->timers = atomic_load_explicit(&drip__gauge_timers, memory_order_relaxed);
    out->conns = atomic_load_explicit(&drip__gauge_conns, memory_order_relaxed);
}

uint64_t drip_rt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void drip_rt_totals_read(drip_rt_totals *out)
{
    out->tasks = atomic_load_explicit(&drip__total_tasks, memory_order_relaxed);
    out->timers = atomic_load_explicit(&drip__total_timers, memory_order_relaxed);
    out->conns = atomic_load_explicit(&drip__total_conns, memory_order_relaxed);
}
