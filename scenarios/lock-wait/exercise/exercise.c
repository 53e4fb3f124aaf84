/* exercise.c - lock-wait: make every reporter task run.
 *
 * Each request locks its job, starts a reporter that waits for the lock,
 * computes the result under the lock, and unlocks.  About one request in
 * ten fails (the fault point compute.error).  Run it and Drip shows 0.1
 * task (and thread, and 143 B of heap) more per request.  Fix it, then
 * grade your fix:
 *
 *     drip exercise lock-wait exercise.c
 *
 * The lines that carry the lesson are marked LESSON.  HINTS.md has hints.
 */
#include <drip/task.h>
#include <drip/workload.h>
#include <drip/mutex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    _Atomic int     refs;          /* the request's and the reporter's */
    drip_mutex mu;
    char           *request;
    size_t          bytes;
    uint64_t        result;
} job;

static _Atomic uint64_t g_reported;

/* Drop one reference; the last frees the job.  NULL is a no-op. */
static void job_release(job *j)
{
    if (!j || atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    free(j->request);
    free(j);
}

/* The reporter: wait for the lock, report, unlock. */
static void reporter(void *arg)
{
    job *j = arg;

    drip_mutex_lock(&j->mu);   /* LESSON: waits until the request unlocks */
    atomic_fetch_add(&g_reported, j->result);
    drip_mutex_unlock(&j->mu);
    job_release(j);
}

static int compute(drip_ctx *ctx, job *j)
{
    if (drip_fault(ctx, "compute.error"))
        return -1;
    uint64_t sum = 0;
    for (size_t i = 0; i < j->bytes; i++)
        sum += (unsigned char)j->request[i];
    j->result = sum;
    return 0;
}

static int handle(drip_ctx *ctx, job *j)
{
    drip_mutex_lock(&j->mu);
    atomic_fetch_add(&j->refs, 1);                  /* the reporter's */
    if (drip_go(reporter, j) != 0) {
        atomic_fetch_sub(&j->refs, 1);
        drip_mutex_unlock(&j->mu);
        return -1;
    }
    if (compute(ctx, j) != 0)
        return -1;                /* LESSON: an early return, with the lock held */
    drip_mutex_unlock(&j->mu); /* LESSON: the only unlock, reached on success only */
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    job *j = calloc(1, sizeof *j);

    if (!j)
        return -1;
    j->request = malloc(1024);
    if (!j->request) {
        free(j->request);
        free(j);
        return -1;
    }
    atomic_init(&j->refs, 1);
    j->bytes = 1024;
    memset(j->request, 'q', j->bytes);
    int rc = handle(ctx, j);
    job_release(j);                                 /* ours */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    drip_tasks_settle(0, 500ULL * 1000000ULL);      /* reporters that can finish do */
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "lock-wait-exercise",
    .summary = "exercise: an error path that returns with a lock held",
    .iterate = iterate,
    .teardown = teardown,
};
