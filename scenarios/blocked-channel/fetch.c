/* fetch.c - the request shared by the blocked-channel workloads.
 *
 * Go original:
 *
 *     func fetch() (*Result, error) {
 *         ch := make(chan *Result)          // unbuffered
 *         go func() { ch <- compute() }()    // blocks until someone receives
 *         select {
 *         case r := <-ch:
 *             return r, nil
 *         case <-time.After(timeout):
 *             return nil, ErrTimeout         // nobody will ever receive
 *         }
 *     }
 *
 * When the timeout wins, the worker's send on the unbuffered channel can
 * never complete: the goroutine, its stack, the channel and the result
 * stay for the life of the process.
 *
 * Which case wins the race is decided by the fault point `recv.timeout`:
 * when it fires, the caller's timer has already expired when it looks, and
 * it returns without receiving.  So the leak rate is the fault rate, the
 * same for every seed and thread count.
 */
#include "fetch.h"

#include <drip/chan.h>
#include <drip/task.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    drip_chan *answer;             /* the worker's reference */
    size_t     bytes;
} job;

/* The worker task: compute, deliver (the channel copies the result), go
 * away.  It owns `j`; a worker stranded in the send keeps j, its result
 * and its reference to the channel. */
static void worker(void *arg)
{
    job *j = arg;
    char *result = malloc(j->bytes);
    if (result) {
        memset(result, 'r', j->bytes);
        drip_chan_send(j->answer, result);   /* blocks until received or buffered */
        free(result);
    }
    drip_chan_release(j->answer);
    free(j);
}

int fetch_setup(drip_ctx *ctx, void **state, size_t capacity)
{
    fetcher *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->capacity = capacity;
    f->result_bytes = (size_t)drip_param_int(ctx, "result_bytes", 1024);
    if (f->result_bytes == 0 || f->result_bytes > 65536)
        f->result_bytes = 1024;                /* a channel element's size limit */
    *state = f;
    return 0;
}

int fetch_iterate(drip_ctx *ctx, void *state)
{
    fetcher *f = state;
    drip_chan *answer = drip_chan_new(f->result_bytes, f->capacity);
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
        rc = -1;                               /* timed out: return ErrTimeout */
    } else {
        char *result = malloc(f->result_bytes);
        drip_select_case cases[] = {{.chan = answer, .op = DRIP_RECV, .elem = result}};
        if (!result || drip_select(cases, 1, 10ULL * 1000000000ULL) != 0)   /* 10 s: never, here */
            rc = -1;
        free(result);                          /* used */
    }
    drip_chan_release(answer);                 /* ours; a blocked worker keeps its own */
    return rc;
}

void fetch_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    /* Workers that can still finish do so quickly; blocked ones never will
     * (that is the leak, and the report counts them after teardown). */
    drip_tasks_wait(0, 2ULL * 1000000000ULL);
    free(state);
}
