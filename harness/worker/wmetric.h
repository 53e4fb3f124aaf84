/* wmetric.h - the workload's own metrics (drip_metric_add, drip/workload.h):
 * a fixed registry of at most DRIP_METRIC_CUSTOM_MAX running totals by
 * name, safe from any thread, that never allocates.
 *
 * Slot k is the run's custom metric DRIP_M_COUNT + k.  The scenario's
 * `expect` names are placed first (drip_wmetric_reset), so an expectation's
 * index is the slot the worker sends; names the workload reports besides
 * take the next free slots in the order first reported.  A name past the
 * last slot, or one that cannot be a metric's, is ignored and remembered
 * for one warning.  Process-wide: one run per worker process.
 */
#ifndef DRIP_WMETRIC_H
#define DRIP_WMETRIC_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics/metrics.h"

/* Empty the registry and place names[0..n) in slots 0..n-1 (not reported
 * yet).  Call before the workload runs (not thread-safe with adds). */
void drip_wmetric_reset(char *const *names, size_t n);

/* The slots in use (reported or placed), and their values into
 * v[0..that) (0 for a slot never reported). */
size_t drip_wmetric_values(double *v);

/* The next slot reported but not announced yet: its index into *k and its
 * name into *name (borrowed, stable), marked announced; false when none. */
bool drip_wmetric_next_announce(size_t *k, const char **name);

/* Has the workload reported slot k (added to it at least once)? */
bool drip_wmetric_reported(size_t k);

/* The first ignored name and why, formatted into buf once: true the first
 * time there is one to tell, false after (or when none was ignored). */
bool drip_wmetric_take_ignored(char *buf, size_t n);

#endif /* DRIP_WMETRIC_H */
