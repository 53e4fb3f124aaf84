/* program.c - external workloads (a program Drip starts: `workload: {
 * command: ... }`, issue 15) in drip run and drip sweep.
 *
 * The runner does not start programs yet: until it does, each such
 * scenario is an error of its own, saying so, and the run goes on with
 * the next scenario.  The parts the runner will use are ready and tested:
 * the model (scenario/external.h), the placeholders (scenario/template.h),
 * the metric readers (harness/scrape/) and the drivers and readiness
 * (harness/drive/).  docs/EXTERNAL.md says what remains.
 */
#include "runner.h"

#include <stdlib.h>

#include "scenario/external.h"
#include "util/util.h"

/* What a result says of the scenario whatever happens to it. */
static void describe(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    r->name = xstrdup(sc->name);
    r->file = xstrdup(sc->file);
    r->workload = xstrdup(sc->external->command[0]);
    r->description = xstrdup(sc->description);
    r->seed = o->seed_set ? o->seed : sc->run.seed;
    r->threads = 1;
    r->iterations_planned = sc->run.iterations;
    r->duration_planned_s = (double)sc->run.duration_ns / 1e9;
    r->heap_ceiling = sc->run.heap_ceiling;
    r->warmup = sc->run.warmup;
}

void drip_runner_program(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    describe(o, sc, r);
    r->status = DRIP_STATUS_ERROR;
    r->reason = xasprintf("external programs are not supported by this runner yet "
                          "(workload.command %s)", sc->external->command[0]);
}

void drip_runner_program_sweep(const drip_runner_opts *o, const drip_scenario *sc,
                               drip_result *r)
{
    describe(o, sc, r);
    r->iterations_planned = 0;
    r->duration_planned_s = 0;
    r->status = DRIP_STATUS_ERROR;
    r->reason = xstrdup("drip sweep does not run programs (workload.command): the failure "
                        "sweep is for plugins and built-in workloads; use drip run, with an "
                        "alloc fault for the program's allocations");
}
