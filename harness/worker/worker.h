/* worker.h - run one scenario in this process and report over a pipe.
 *
 * The worker is the child half of isolation: the runner starts
 * `drip worker ...` in a new process, which loads the scenario and calls
 * drip_worker_run.  Whatever the workload does (crash, hang, eat memory)
 * happens here, and the runner sees it from outside.
 */
#ifndef DRIP_WORKER_H
#define DRIP_WORKER_H

#include <stdint.h>

#include "scenario/scenario.h"

/* Run scenario sc with the given seed, writing protocol lines (protocol.h)
 * to out_fd.  Returns the exit status for the worker process: 0 when the
 * run completed (even if the workload reported failed iterations), 1 when it
 * could not (the reason was sent as an `error` line). */
int drip_worker_run(const drip_scenario *sc, uint64_t seed, int out_fd);

#endif /* DRIP_WORKER_H */
