/* metrics.c - the metric table. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

const drip_metric_info drip_metrics[DRIP_M_COUNT] = {
    [DRIP_M_HEAP_BYTES]   = {"heap_bytes", "B", true, false, 64,
                             "live heap bytes allocated by the workload (requested sizes)"},
    [DRIP_M_HEAP_OBJECTS] = {"heap_objects", "objects", false, false, 2,
                             "live heap blocks allocated by the workload"},
    [DRIP_M_ALLOCS]       = {"allocs", "allocs", false, true, 1,
                             "allocations made by the workload (slope: allocations per iteration)"},
    [DRIP_M_RSS]          = {"rss", "B", true, false, 1 << 20,
                             "resident set size of the worker process"},
    [DRIP_M_THREADS]      = {"threads", "threads", false, false, 1,
                             "threads in the worker process"},
    [DRIP_M_FDS]          = {"fds", "fds", false, false, 1,
                             "open file descriptors in the worker process"},
    [DRIP_M_TASKS]        = {"tasks", "tasks", false, false, 1,
                             "live tasks started with drip_go (the goroutine count)"},
    [DRIP_M_TIMERS]       = {"timers", "timers", false, false, 1,
                             "armed timers of the runtime (drip_after, timers, tickers)"},
    [DRIP_M_CONNS]        = {"conns", "conns", false, false, 1,
                             "open HTTP client connections of the runtime, idle or in use"},
};

int drip_metric_find(const char *name)
{
    for (int i = 0; i < DRIP_M_COUNT; i++)
        if (strcmp(drip_metrics[i].name, name) == 0)
            return i;
    return -1;
}

const char *const *drip_metric_names(void)
{
    static const char *names[DRIP_M_COUNT + 1];
    if (!names[0])
        for (int i = 0; i < DRIP_M_COUNT; i++)
            names[i] = drip_metrics[i].name;
    return names;
}

const char *drip_metric_fmt_slope(int metric, double slope, char *buf, size_t n)
{
    return drip_metric_info_fmt_slope(&drip_metrics[metric], slope, buf, n);
}

const char *drip_metric_info_fmt_slope(const drip_metric_info *info, double slope, char *buf,
                                       size_t n)
{
    char num[48];
    const char *sign = slope > 0 ? "+" : "";
    if (isnan(slope)) {
        snprintf(buf, n, "n/a");
    } else if (info->bytes) {
        snprintf(buf, n, "%s%s/iter", sign, drip_fmt_bytes(slope, num, sizeof num));
    } else {
        snprintf(buf, n, "%s%s %s/iter", sign, drip_fmt_num(slope, num, sizeof num),
                 info->unit);
    }
    return buf;
}

bool drip_metric_name_reserved(const char *name)
{
    if (strlen(name) > 63)                 /* Drip's names are short: far from all of them */
        return false;
    for (int m = 0; m < DRIP_M_COUNT; m++)
        if (drip_edit_distance(drip_metrics[m].name, name) <= 2)   /* b short: no heap */
            return true;
    return false;
}
