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

/* Metrics that are not Drip's (a program's mapped `sessions`, a plugin's
 * drip_metric_add() names): numbered after Drip's own, DRIP_M_COUNT + k
 * for the k-th (0-based).  At most this many per scenario.  See
 * docs/EXTERNAL.md ("Custom metrics in the results model"). */
#define DRIP_METRIC_CUSTOM_MAX 16

/* A custom metric's resolution (the growth over a window that counts):
 * one unit, whatever the unit is. */
#define DRIP_CUSTOM_RESOLUTION 1.0

/* A workload metric's name is shorter than this (bytes). */
#define DRIP_WMETRIC_NAME_MAX 64

/* Drip's metrics and the custom slots after them. */
#define DRIP_METRIC_SLOTS (DRIP_M_COUNT + DRIP_METRIC_CUSTOM_MAX)

/* Is metric index m a custom one (a slot after Drip's table)? */
static inline bool drip_metric_is_custom(int m)
{
    return m >= DRIP_M_COUNT && m < DRIP_M_COUNT + DRIP_METRIC_CUSTOM_MAX;
}

/* Is name a Drip metric's, or a likely typo of one (within edit distance
 * 2 of a Drip metric's name)?  A workload's own metric may not be called
 * so: `expect: { heap_byts: ... }` stays a load error. */
bool drip_metric_name_reserved(const char *name);

/* The metric's index, or -1 when no metric has that name. */
int drip_metric_find(const char *name);

/* NULL-terminated array of all metric names, for did-you-mean. */
const char *const *drip_metric_names(void);

/* "+1.02 KiB/iter", "+0.25 fds/iter", "0 B/iter" into buf (>= 48 bytes). */
const char *drip_metric_fmt_slope(int metric, double slope, char *buf, size_t n);

/* The same for a metric described by info (a custom one: results.h,
 * drip_result_metric_info). */
const char *drip_metric_info_fmt_slope(const drip_metric_info *info, double slope, char *buf,
                                       size_t n);

#endif /* DRIP_METRICS_H */
