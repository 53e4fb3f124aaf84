/* compare.h - two runs side by side: what got worse (`drip diff`).
 *
 * A pure function over two results models (no I/O): scenarios are matched
 * by name, and per matched scenario the status and, per metric measured in
 * both, the verdict and the slope with its confidence interval are
 * compared.  A REGRESSION is any of:
 *
 *   status    the status got worse (pass < fail < error)
 *   verdict   a metric went from flat or bounded to growing
 *   slope     the new slope's interval lies entirely above the base's by
 *             more than the tolerance: new.low - base.high > max(absolute,
 *             relative * |base.slope|), per metric, in the metric's unit
 *             per iteration (for a running total such as allocs that is
 *             its rate: allocations per iteration), and the metric is
 *             growing in the new run (a move between flat and bounded is
 *             never a regression by itself)
 *
 * A workload's own metrics (results.json entries with "custom": true:
 * drip_metric_add() names, an external program's mapped metrics) sit in
 * per-result slots that need not match between runs, so they are matched
 * by name and judged by the same rules.  A custom metric in one run only
 * is listed as added or removed, like a scenario; it is no regression.
 *
 * Scenarios present in one run only are listed as added or removed; they
 * are no regression.  docs/CI.md explains the defaults.
 */
#ifndef DRIP_COMPARE_H
#define DRIP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "results/results.h"

/* Tolerances of the slope rule, per metric. */
typedef struct drip_cmp_tolerance {
    double absolute[DRIP_M_COUNT];     /* unit per iteration */
    double relative[DRIP_M_COUNT];     /* fraction of |base slope| */
    double custom_absolute;            /* every custom metric (any name): */
    double custom_relative;            /* set by the N and N% forms only */
} drip_cmp_tolerance;

/* Default relative tolerance: 10% of the base slope. */
#define DRIP_CMP_DEFAULT_RELATIVE 0.10
/* Default absolute tolerance: the metric's resolution (metrics.h: the
 * growth over a window that counts) spread over this many iterations, so
 * a difference adding less than one resolution per 1000 iterations is
 * noise: 0.064 B/iter for heap_bytes, 1 KiB/iter for rss, 0.001 fds/iter. */
#define DRIP_CMP_RESOLUTION_ITERS 1000.0

/* The defaults above.  Cannot fail. */
void drip_cmp_tolerance_default(drip_cmp_tolerance *t);

/* Apply one --tolerance SPEC to t: "N" (absolute, every metric, custom
 * ones included), "N%" (relative, every metric), "METRIC=N" or "METRIC=N%"
 * (one of Drip's metrics).  N is a
 * finite number >= 0.  Returns 0, or -1 with *err set to a malloc'd message
 * (t unchanged). */
int drip_cmp_tolerance_parse(drip_cmp_tolerance *t, const char *spec, char **err);

/* Why a scenario or metric regressed (bits). */
#define DRIP_CMP_STATUS   1u   /* status got worse */
#define DRIP_CMP_VERDICT  2u   /* flat or bounded became growing */
#define DRIP_CMP_SLOPE    4u   /* slope interval above the base's beyond the tolerance,
                                  and the new run's verdict is growing */

typedef struct drip_cmp_metric {
    bool     base_measured, new_measured;
    drip_fit base, new;           /* copies; zeroed when not measured */
    double   margin;              /* new.all.low - base.all.high; NaN when unknown */
    double   tolerance;           /* the slope rule's threshold for this pair */
    unsigned regressed;           /* DRIP_CMP_VERDICT | DRIP_CMP_SLOPE */
    bool     improved;            /* growing became flat/bounded, or the mirror of SLOPE */
} drip_cmp_metric;

typedef enum drip_cmp_presence {
    DRIP_CMP_BOTH,
    DRIP_CMP_ADDED,               /* only in the new run */
    DRIP_CMP_REMOVED,             /* only in the base run */
} drip_cmp_presence;

/* A workload's own metric, matched by name between the two runs. */
typedef struct drip_cmp_custom {
    const char             *name;      /* borrowed from the runs */
    const drip_metric_info *info;      /* borrowed: the new run's entry, else the base's */
    drip_cmp_presence       presence;  /* ADDED: only in the new run; REMOVED: only in the base */
    drip_cmp_metric         cmp;       /* compared only when present in both */
} drip_cmp_custom;

/* At most this many custom metrics in a comparison row: every slot of
 * either run, none shared. */
#define DRIP_CMP_CUSTOM_MAX (2 * DRIP_METRIC_CUSTOM_MAX)

typedef struct drip_cmp_scenario {
    const char        *name;      /* borrowed from the runs */
    drip_cmp_presence  presence;
    const drip_result *base, *new;/* borrowed; NULL when absent */
    drip_cmp_metric    metrics[DRIP_M_COUNT];
    drip_cmp_custom    customs[DRIP_CMP_CUSTOM_MAX];  /* the base's order, then the new ones */
    size_t             ncustom;
    size_t             customs_added, customs_removed;  /* informational, no regression */
    unsigned           regressed; /* DRIP_CMP_* bits over the status and every metric */
    bool               improved;  /* better somewhere, worse nowhere */
} drip_cmp_scenario;

typedef struct drip_comparison {
    drip_cmp_scenario *scenarios;  size_t count;   /* base order, then the added ones */
    size_t compared, regressed, improved, added, removed;
    size_t customs_added, customs_removed;   /* custom metrics, over the compared scenarios */
} drip_comparison;

/* Compare run `nw` against `base` with tolerances t into *out (zeroed by the
 * function).  The comparison borrows from both runs: keep them alive while
 * it is used.  Returns true when some scenario regressed.  Cannot fail
 * (aborts when out of memory). */
bool drip_compare(const drip_run_results *base, const drip_run_results *nw,
                  const drip_cmp_tolerance *t, drip_comparison *out);

/* Free what *c owns; c itself is the caller's.  NULL is a no-op. */
void drip_comparison_free(drip_comparison *c);

/* ---- output (compare_out.c) ---------------------------------------------- */

#include <stdio.h>

/* The table a person reads: one line per scenario (REGRESSED, improved,
 * same, added, removed) and, under it, a line per metric that regressed,
 * improved or changed verdict (every measured metric when verbose), with
 * both slopes and intervals, Drip's then the custom ones (a custom metric
 * in one run only always gets its line); then the totals.  Returns 0, or -1 when
 * writing failed. */
int drip_comparison_print(const drip_comparison *c, const char *base_label,
                          const char *new_label, bool verbose, bool color, FILE *out);

/* The same as JSON (docs/CI.md lists the keys).  Returns 0, or -1 when
 * writing failed. */
int drip_comparison_json(const drip_comparison *c, const drip_cmp_tolerance *t,
                         const char *base_label, const char *new_label, FILE *out);

#endif /* DRIP_COMPARE_H */
