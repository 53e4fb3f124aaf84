/* metrics.h - the table of what Drip measures per sample.
 *
 * One row per metric: its name (as used in YAML `expect:` and results.json),
 * its unit, and the smallest growth over a fit window that counts as growth
 * (below it a slope is noise or rounding, whatever its confidence).  The
 * worker samples every metric in table order; reports print them with the
 * unit given here.  Adding a metric is one row here and one reader in the
 * worker's sampler.
 */
#ifndef DRIP_METRICS_H
#define DRIP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum drip_metric_id {
    DRIP_M_HEAP_BYTES,     /* live bytes requested by the workload */
    DRIP_M_HEAP_OBJECTS,   /* live blocks allocated by the workload */
    DRIP_M_ALLOCS,         /* allocations made by the workload so far (slope = allocs/iter) */
    DRIP_M_RSS,            /* resident set size of the worker process */
    DRIP_M_THREADS,        /* threads in the worker process */
    DRIP_M_FDS,            /* open file descriptors in the worker process */
    DRIP_M_TASKS,          /* live runtime tasks (drip/task.h) */
    DRIP_M_TIMERS,         /* armed runtime timers (drip/timer.h) */
    DRIP_M_CONNS,          /* open runtime HTTP client connections (drip/http.h) */
    DRIP_M_COUNT
} drip_metric_id;

typedef struct drip_metric_info {
    const char *name;
    const char *unit;        /* "B" for bytes (printed as KiB/MiB), else a noun */
    bool        bytes;
    bool        cumulative;  /* a running total (its slope is a rate), not a gauge */
    double      resolution;  /* minimum growth over the window to count */
    const char *what;        /* one line for docs and `drip list --metrics` */
} drip_metric_info;

extern const drip_metric_info drip_metrics[DRIP_M_COUNT];

/* The metric's index, or -1 when no metric has that name. */
int drip_metric_find(const char *name);

/* NULL-terminated array of all metric names, for did-you-mean. */
const char *const *drip_metric_names(void);

/* "+1.02 KiB/iter", "+0.25 fds/iter", "0 B/iter" into buf (>= 48 bytes). */
const char *drip_metric_fmt_slope(int metric, double slope, char *buf, size_t n);

#endif /* DRIP_METRICS_H */
