/* leaky.c - lock-wait, leaky: the error path returns with the job's lock
 * still held, so its reporter waits for it forever. */
#include "job.h"

static int handle(drip_ctx *ctx, job *j)
{
    drip_mutex_lock(&j->mu);
    if (job_start_reporter(j) != 0) {
        drip_mutex_unlock(&j->mu);
        return -1;
    }
    if (job_compute(ctx, j) != 0)
        return -1;                          /* returns with j->mu locked */
    drip_mutex_unlock(&j->mu);
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return jobs_setup(ctx, state, handle);
}

const drip_workload drip_builtin_lock_wait_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "lock-wait-leaky",
    .summary = "error path returns with a job's lock held; its reporter task waits forever",
    .setup = setup,
    .iterate = jobs_iterate,
    .teardown = jobs_teardown,
};
