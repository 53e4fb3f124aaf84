/* blocked-channel exercise: a worker nobody waits for.
 *
 * Each iteration is a request that hands its slow part to a worker task
 * (drip_go, the goroutine analog) and waits for the answer on a channel.
 * When the caller's timeout wins (the fault point recv.timeout), it returns
 * without receiving.  Go original:
 *
 *     ch := make(chan *Result)
 *     go func() { ch <- compute() }()
 *     select {
 *     case r := <-ch:              return r, nil
 *     case <-time.After(timeout):  return nil, ErrTimeout
 *     }
 *
 * Run `drip exercise blocked-channel exercise.c` on a copy of this file:
 * it reports what grows.  Fix it so the fixed variant's expectations hold
 * (no task left behind); the lines to think about are marked LESSON.
 * Build line (what drip exercise runs):  cc -g -shared -fPIC -I include exercise.c
 */
#include <drip/chan.h>
#include <drip/task.h>
#include <drip/workload.h>
#include <stdlib.h>
#include <string.h>

typedef struct fetcher {
    size_t result_bytes;           /* the size of the answer a worker computes */
} fetcher;

typedef struct job {
    drip_chan *answer;             /* the worker's reference to the channel */
    size_t     bytes;
} job;

/* The worker task: compute, deliver, go away.  It owns j. */
static void worker(void *arg)
{
    job *j = arg;
    char *result = malloc(j->bytes);
    if (result) {
        memset(result, 'r', j->bytes);
        drip_chan_send(j->answer, result);   /* LESSON: waits until someone receives */
        free(result);
    }
    drip_chan_release(j->answer);
    free(j);
}

static int setup(drip_ctx *ctx, void **state)
{
    fetcher *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->result_bytes = (size_t)drip_param_int(ctx, "result_bytes", 1024);
    if (f->result_bytes == 0 || f->result_bytes > 65536)
        f->result_bytes = 1024;
    *state = f;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    fetcher *f = state;
    drip_chan *answer = drip_chan_new(f->result_bytes, 0);   /* LESSON: make(chan *Result) */
    job *j = malloc(sizeof *j);
    if (!answer || !j) {
        drip_chan_release(answer);
        free(j);
        return -1;
    }
    j->answer = drip_chan_retain(answer);
    j->bytes = f->result_bytes;
    if (drip_go(worker, j) != 0) {
        drip_chan_release(answer);
        drip_chan_release(answer);
        free(j);
        return -1;
    }

    int rc = 0;
    if (drip_fault(ctx, "recv.timeout")) {
        rc = -1;   /* LESSON: timed out: we leave; who receives the answer now? */
    } else {
        char *result = malloc(f->result_bytes);
        drip_select_case cases[] = {{.chan = answer, .op = DRIP_RECV, .elem = result}};
        if (!result || drip_select(cases, 1, 10ULL * 1000000000ULL) != 0)
            rc = -1;
        free(result);
    }
    drip_chan_release(answer);     /* ours; the worker holds its own */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    drip_tasks_wait(0, 2ULL * 1000000000ULL);   /* workers that can finish do */
    free(state);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "blocked-channel-exercise",
    .summary = "a worker answers on a channel; the caller may time out first",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
