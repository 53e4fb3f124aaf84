/* drip/rt.h - the Drip runtime: common error codes and gauges.
 *
 * The runtime (libdrip_rt) is a small Go-like toolkit for workloads: tasks
 * (drip/task.h), channels and select (drip/chan.h), contexts
 * (drip/context.h), timers (drip/timer.h), maps (drip/map.h), slices
 * (drip/slice.h), object pools (drip/pool.h), mutexes (drip/mutex.h) and an
 * HTTP client with a connection pool (drip/http.h).
 * It never depends on the harness: a plugin links it with -ldrip_rt.
 *
 * Functions return 0 or a negative DRIP_E* code; constructors return NULL
 * (errno set) and leave nothing half-built; every *_release / *_free
 * accepts NULL.
 */
#ifndef DRIP_RT_H
#define DRIP_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIP_ENOMEM    (-12)   /* out of memory */
#define DRIP_EINVAL    (-22)   /* bad argument */
#define DRIP_ECLOSED   (-32)   /* send on / close of a closed channel (Go panics; we report) */
#define DRIP_ETIMEDOUT (-110)  /* a wait ran out of time */
#define DRIP_ECANCELED (-125)  /* context canceled */
#define DRIP_EDEADLINE (-62)   /* context deadline exceeded */
#define DRIP_EIO       (-5)    /* I/O or protocol error */

/* Live counts the harness samples like its other metrics.  Each is exact
 * and cheap to read (relaxed atomics), from any thread. */
typedef struct drip_rt_gauges {
    int64_t tasks;     /* tasks started and not yet returned */
    int64_t timers;    /* timers armed and not yet fired or stopped */
    int64_t conns;     /* open HTTP client connections (in use or idle) */
} drip_rt_gauges;

void drip_rt_gauges_read(drip_rt_gauges *out);

/* How many of each were ever made in this process: what a gauge can be
 * told apart by when it reads 0 ("none alive" or "never used"). */
typedef struct drip_rt_totals {
    uint64_t tasks;    /* tasks started */
    uint64_t timers;   /* timers armed (a reset arms again) */
    uint64_t conns;    /* HTTP client connections opened */
} drip_rt_totals;

void drip_rt_totals_read(drip_rt_totals *out);

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC), the runtime's clock. */
uint64_t drip_rt_now(void);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_RT_H */
