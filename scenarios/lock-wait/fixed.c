/* fixed.c - lock-wait, fixed: the lock is released on every path.
 * __attribute__((cleanup)) is C's nearest thing to Go's defer. */
#include "job.h"

static void unlock(drip_mutex **mu)
{
    drip_mutex_unlock(*mu);
}

static int handle(drip_ctx *ctx, job *j)
{
    drip_mutex_lock(&j->mu);
    drip_mutex *held __attribute__((cleanup(unlock))) = &j->mu;   /* defer Unlock */
    if (job_start_reporter(j) != 0)
        return -1;
    if (job_compute(ctx, j) != 0)
        return -1;                          /* unlocks on the way out */
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return jobs_setup(ctx, state, handle);
}

const drip_workload drip_builtin_lock_wait_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "lock-wait-fixed",
    .summary = "the job's lock is released on every path (a cleanup attribute as defer)",
    .setup = setup,
    .iterate = jobs_iterate,
    .teardown = jobs_teardown,
};
