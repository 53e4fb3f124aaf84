/* progress.h - a snapshot of a running scenario, as the runner sees it.
 *
 * The runner fills one about four times a second and hands it to a
 * callback (runner.h, drip_runner_opts.progress); the CLI formats it with
 * report/progress.h's drip_progress_format.  Part of the results model so
 * that neither the runner nor the report depends on the other.
 */
#ifndef DRIP_RESULTS_PROGRESS_H
#define DRIP_RESULTS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct drip_progress {
    const char *name;          /* the scenario (borrowed) */
    uint64_t    iterations;    /* done, as of the last sample */
    uint64_t    planned;       /* a counted run's iterations; 0 for a timed run */
    double      elapsed_s;     /* a timed run: seconds since its first sample */
    double      duration_s;    /* a timed run's duration; 0 for a counted run */
    double      rate;          /* iterations per second; NaN when not known yet */
    double      heap_bytes;    /* live heap at the last sample; NaN when not measured */
    double      slope;         /* heap_bytes per iteration after warm-up; NaN: not yet */
    double      eta_s;         /* seconds left; NaN when not known (shown for a
                                  counted run; a timed one shows elapsed_s) */
    bool        stopping;      /* asked to stop early (Ctrl-C): ending at the next sample */
} drip_progress;

#endif /* DRIP_RESULTS_PROGRESS_H */
