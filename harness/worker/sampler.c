/* sampler.c - every metric of this process: the counting allocator, the
 * runtime's gauges and /proc/self (harness/procfs). */
#define _GNU_SOURCE
#include "sampler.h"

#include <drip/rt.h>

#include "alloc.h"
#include "procfs/procfs.h"
#include "util/util.h"

bool drip_sampler_has(int metric)
{
    switch (metric) {
    case DRIP_M_HEAP_BYTES:
    case DRIP_M_HEAP_OBJECTS:
    case DRIP_M_ALLOCS:
        return drip_alloc_active();
    default:
        return true;
    }
}

void drip_sampler_take(drip_sample *s, uint64_t iter, uint64_t t0_ns)
{
    drip_alloc_stats st;
    drip_alloc_read(&st);
    s->v[DRIP_COL_ITER] = (double)iter;
    s->v[DRIP_COL_TIME] = (double)(drip_now_ns() - t0_ns) / 1e9;
    s->v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = (double)st.live_bytes;
    s->v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = (double)st.live_objects;
    s->v[DRIP_COL_METRIC(DRIP_M_ALLOCS)] = (double)st.allocs;
    s->v[DRIP_COL_METRIC(DRIP_M_RSS)] = (double)drip_procfs_rss_bytes(0);
    s->v[DRIP_COL_METRIC(DRIP_M_THREADS)] = (double)drip_procfs_threads(0);
    s->v[DRIP_COL_METRIC(DRIP_M_FDS)] = (double)drip_procfs_fds(0);
    drip_rt_gauges g;
    drip_rt_gauges_read(&g);
    s->v[DRIP_COL_METRIC(DRIP_M_TASKS)] = (double)g.tasks;
    s->v[DRIP_COL_METRIC(DRIP_M_TIMERS)] = (double)g.timers;
    s->v[DRIP_COL_METRIC(DRIP_M_CONNS)] = (double)g.conns;
}
