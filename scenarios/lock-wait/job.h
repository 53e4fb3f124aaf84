/* job.h - what both lock-wait workloads share: a request that holds a
 * job's lock while it computes the result a reporter task waits for.
 *
 * The variants differ only in the handler (leaky.c and fixed.c): whether
 * the lock is released on the error path too.
 */
#ifndef LOCK_WAIT_JOB_H
#define LOCK_WAIT_JOB_H

#include <drip/workload.h>
#include <drip/mutex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A job, shared by its request and its reporter task: each holds a
 * reference, and the last release frees it. */
typedef struct job {
    _Atomic int     refs;
    drip_mutex mu;            /* held by the request while it computes */
    char           *request;       /* the request's payload */
    size_t          bytes;
    uint64_t        result;        /* written under mu */
} job;

/* The variant's difference: lock j, start its reporter, compute, unlock.
 * 0, or -1 when the computation fails (a failed request, counted). */
typedef int (*handle_fn)(drip_ctx *ctx, job *j);

typedef struct jobs {
    handle_fn handle;              /* the variant */
    size_t    request_bytes;
} jobs;

/* Start j's reporter task: it takes j's lock, reports the result, unlocks
 * and drops the reference it gets here.  0, or -1 (no task started). */
int job_start_reporter(job *j);

/* The work done under the lock: sums the payload into j->result.  Fails
 * (-1) when the fault point `compute.error` fires. */
int job_compute(drip_ctx *ctx, job *j);

int  jobs_setup(drip_ctx *ctx, void **state, handle_fn handle);
int  jobs_iterate(drip_ctx *ctx, void *state);
void jobs_teardown(drip_ctx *ctx, void *state);

#endif
