/* job.c - the request shared by the lock-wait workloads.
 *
 * Go original:
 *
 *     func handle(req *Request) error {
 *         j := &job{}
 *         j.mu.Lock()
 *         go func() {                // the reporter waits for the result
 *             j.mu.Lock()
 *             defer j.mu.Unlock()
 *             report(j.result)
 *         }()
 *         res, err := compute(req)
 *         if err != nil {
 *             return err             // j.mu stays locked
 *         }
 *         j.result = res
 *         j.mu.Unlock()
 *         return nil
 *     }
 *
 * The early return leaves the mutex locked, and nothing will ever unlock
 * it: the reporter waits in Lock forever, holding the job.
 *
 * Whether a computation fails is decided by the fault point
 * `compute.error`, so the leak rate is the fault rate, the same for every
 * seed and thread count.
 */
#include "job.h"

#include <drip/task.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t g_reported;  /* keeps the reporter's work real */

/* Drop one reference; the last destroys the (unlocked) mutex and frees the
 * job.  NULL is a no-op. */
static void job_release(job *j)
{
    if (!j || atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    free(j->request);
    free(j);
}

/* The reporter task: wait for the lock, report, unlock, drop the job.  One
 * waiting on a lock nobody will release keeps its job forever. */
static void reporter(void *arg)
{
    job *j = arg;

    drip_mutex_lock(&j->mu);              /* waits for the request */
    atomic_fetch_add(&g_reported, j->result);
    drip_mutex_unlock(&j->mu);
    job_release(j);
}

int job_start_reporter(job *j)
{
    atomic_fetch_add(&j->refs, 1);           /* the reporter's */
    if (drip_go(reporter, j) != 0) {
        atomic_fetch_sub(&j->refs, 1);
        return -1;
    }
    return 0;
}

int job_compute(drip_ctx *ctx, job *j)
{
    if (drip_fault(ctx, "compute.error"))
        return -1;
    uint64_t sum = 0;
    for (size_t i = 0; i < j->bytes; i++)
        sum += (unsigned char)j->request[i];
    j->result = sum;
    return 0;
}

/* A job with its payload and one reference (the request's), or NULL. */
static job *job_new(size_t bytes, uint64_t id)
{
    job *j = calloc(1, sizeof *j);

    if (!j)
        return NULL;
    j->request = malloc(bytes);
    if (!j->request) {
        free(j->request);
        free(j);
        return NULL;
    }
    atomic_init(&j->refs, 1);
    j->bytes = bytes;
    memset(j->request, (int)(id & 0x7f), bytes);
    return j;
}

int jobs_setup(drip_ctx *ctx, void **state, handle_fn handle)
{
    jobs *js = calloc(1, sizeof *js);
    if (!js)
        return -1;
    js->handle = handle;
    js->request_bytes = (size_t)drip_param_int(ctx, "request_bytes", 1024);
    if (js->request_bytes == 0)
        js->request_bytes = 1024;
    *state = js;
    return 0;
}

/* One request: a job, the variant's handler, our reference dropped. */
int jobs_iterate(drip_ctx *ctx, void *state)
{
    jobs *js = state;
    job *j = job_new(js->request_bytes, drip_iteration(ctx));

    if (!j)
        return -1;
    int rc = js->handle(ctx, j);
    job_release(j);                  /* ours; a waiting reporter keeps its own */
    return rc;
}

void jobs_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    /* Reporters whose lock was released finish at once; the leaky
     * variant's stranded ones never will.  Wait for the first, not for the
     * second (the report counts them after teardown). */
    drip_tasks_settle(0, 500ULL * 1000000ULL);
    free(state);
}
