/* drip/workload.h - the contract between Drip and a workload.
 *
 * A workload is a piece of code Drip runs many times ("iterations") while it
 * measures the process.  Built-in workloads and plugins use exactly this
 * contract.  A plugin is a shared object that exports
 *
 *     const drip_workload drip_plugin = { DRIP_WORKLOAD_ABI, "name", ... };
 *
 * and is built with nothing more than
 *
 *     cc -g -O2 -fno-omit-frame-pointer -shared -fPIC -I include mine.c -o libmine.so
 *
 * (-g: the profile names the file and line a leak grows at;
 * -fno-omit-frame-pointer: its stacks are walked whole and cheaply;
 * -O2: measure the code as it ships.  Without them it still works.)
 *
 * The drip_* functions below are provided by the drip executable that loads
 * the plugin; a plugin does not link against anything to get them.
 *
 * Threads: setup and teardown run once, on one thread.  iterate runs
 * concurrently on `run.threads` threads, each with its own drip_ctx, and
 * shares the state pointer setup produced.  A drip_ctx must only be used
 * by the thread it was passed to.
 */
#ifndef DRIP_WORKLOAD_H
#define DRIP_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIP_WORKLOAD_ABI 1

typedef struct drip_ctx drip_ctx;          /* opaque; one per worker thread */

typedef struct drip_workload {
    int abi;                                /* DRIP_WORKLOAD_ABI */
    const char *name;
    const char *summary;                    /* one line, shown by `drip list` */
    int  (*setup)(drip_ctx *ctx, void **state);   /* optional; 0 = ok */
    int  (*iterate)(drip_ctx *ctx, void *state);  /* required; non-zero = failed iteration (counted, not fatal) */
    void (*teardown)(drip_ctx *ctx, void *state); /* optional */
} drip_workload;

/* Scenario parameters (the YAML `params:` map).
 *
 * Each returns `fallback` when the scenario does not set `name`.  When it is
 * set but does not parse as the asked type (integers may carry a binary size
 * suffix: 64KiB, 1MiB), the fallback is returned and the scenario ends as an
 * error naming the parameter, so a typo never runs silently with a default.
 * drip_param_str's result is owned by Drip and valid until teardown returns.
 * All three are safe to call from any thread, in setup, iterate or teardown. */
int64_t     drip_param_int(drip_ctx *ctx, const char *name, int64_t fallback);
double      drip_param_double(drip_ctx *ctx, const char *name, double fallback);
const char *drip_param_str(drip_ctx *ctx, const char *name, const char *fallback);

/* The 0-based index of the iteration in progress on this ctx.  In setup and
 * teardown it is 0. */
uint64_t    drip_iteration(const drip_ctx *ctx);

/* Does the named fault point fire now?
 *
 * The answer depends only on (seed, point, iteration, how many times this
 * point was already asked in this iteration), never on thread timing: the
 * same seed gives the same faults with 1 or 8 threads.  A point the scenario
 * does not list never fires.  In setup and teardown nothing fires.  Every
 * call is counted (asked / fired) and shown in the report. */
bool        drip_fault(drip_ctx *ctx, const char *point);

/* Add delta to the workload's own metric `name` (created at 0 the first
 * time), a running total that Drip samples with its own metrics: its slope
 * is per iteration.  `expect:` may check it by name
 * (`cache.hits: { min_slope: 0.5 }`); reports list it after Drip's
 * metrics.  Names are [A-Za-z0-9._-], shorter than 64 bytes, and neither
 * a Drip metric's name nor within two edits of one; at most 16 per run.
 * A name that breaks these rules is ignored, with one warning in the
 * report.  Safe from any thread, in setup, iterate or teardown; it never
 * allocates.  A non-finite delta is ignored. */
void        drip_metric_add(drip_ctx *ctx, const char *name, double delta);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_WORKLOAD_H */
