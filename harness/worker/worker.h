/* worker.h - run one scenario in this process and report over a pipe.
 *
 * The worker is the child half of isolation: the runner starts
 * `drip worker ...` in a new process, which loads the scenario and calls
 * drip_worker_run.  Whatever the workload does (crash, hang, eat memory)
 * happens here, and the runner sees it from outside.
 */
#ifndef DRIP_WORKER_H
#define DRIP_WORKER_H

#include <stdarg.h>
#include <stdint.h>

#include <drip/workload.h>

#include "scenario/scenario.h"

/* Run scenario sc with the given seed, writing protocol lines (protocol.h)
 * to out_fd.  control_fd (-1: none) is the runner's control pipe: a byte
 * on it (or its end) asks the run to end at its next epoch boundary.
 * Returns the exit status for the worker process: 0 when the run
 * completed (even if the workload reported failed iterations), 1 when it
 * could not (the reason was sent as an `error` line). */
int drip_worker_run(const drip_scenario *sc, uint64_t seed, int out_fd, int control_fd);

/* The failure sweep in this process (see sweep.c): trials of `mode`
 * (DRIP_SWEEP_TRANSIENT or _PERSISTENT) from k = from_k on, writing
 * `trial`, `result`, `site`, `reference` and `end` lines (protocol.h) to
 * out_fd.  A crash or hang in trial k kills this process; the runner starts
 * another one from k + 1.  Returns the worker's exit status: 0 when the
 * sweep of this mode ended (no fault fired, or max_k was reached), 1 when
 * it could not run (an `error` line says why). */
int drip_worker_sweep(const drip_scenario *sc, uint64_t seed, unsigned mode, uint64_t from_k,
                      int out_fd);

/* ---- shared by worker.c and sweep.c ---- */

/* Resolve sc's workload: a built-in by name or a plugin (dlopen'd, kept
 * loaded).  NULL with *why set to a malloc'd reason on failure. */
const drip_workload *drip__worker_load(const drip_scenario *sc, char **why);

#endif /* DRIP_WORKER_H */
