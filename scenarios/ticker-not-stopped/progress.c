/* progress.c - the request shared by the ticker-not-stopped workloads.
 *
 * Go original:
 *
 *     func (w *Worker) handle(job Job) error {
 *         ticker := time.NewTicker(time.Second)    // progress, every second
 *         for _, c := range job.Chunks {
 *             select {
 *             case <-ticker.C:
 *                 w.reportProgress(job)
 *             case w.done <- process(c):
 *             }
 *         }
 *         return nil                               // ticker.Stop() is missing
 *     }
 *
 * A ticker fires until it is stopped.  Before Go 1.23 the runtime kept
 * every unstopped ticker, and its channel, for the life of the process:
 * one per request.  Unlike time.After's timer, which goes away when it
 * fires, waiting does not help.
 *
 * Here each chunk's result is put on a buffered channel and taken back in
 * a select against the ticker, so the chunk always wins unless a tick is
 * waiting: the heap does not depend on when ticks come.
 */
#include "progress.h"

#include <stdlib.h>

int progress_setup(drip_ctx *ctx, void **state, finish_ticker_fn finish)
{
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->finish_ticker = finish;
    w->period_ns = (uint64_t)drip_param_int(ctx, "period_ms", 1000) * 1000000ULL;
    w->chunks = (uint64_t)drip_param_int(ctx, "chunks", 4);
    if (w->period_ns == 0)
        w->period_ns = 1000000ULL;
    w->done = drip_chan_new(sizeof(uint64_t), 256);   /* room for every thread's chunk */
    if (!w->done) {
        free(w);
        return -1;
    }
    *state = w;
    return 0;
}

int progress_iterate(drip_ctx *ctx, void *state)
{
    worker *w = state;
    drip_ticker *ticker = drip_ticker_new(w->period_ns);   /* time.NewTicker(period) */
    if (!ticker)
        return -1;

    int rc = 0;
    for (uint64_t i = 0; i < w->chunks && rc == 0; i++) {
        uint64_t result = drip_iteration(ctx) * w->chunks + i, got = 0;   /* process(c) */
        if (drip_chan_send(w->done, &result) != 0) {
            rc = -1;
            break;
        }
        for (;;) {
            drip_select_case cases[] = {
                {.chan = drip_ticker_chan(ticker), .op = DRIP_RECV},
                {.chan = w->done, .op = DRIP_RECV, .elem = &got},
            };
            int which = drip_select(cases, 2, DRIP_SELECT_FOREVER);
            if (which == 0) {
                atomic_fetch_add_explicit(&w->reports, 1, memory_order_relaxed);
                continue;                            /* reported; the chunk is still there */
            }
            if (which != 1)
                rc = -1;
            break;
        }
    }
    w->finish_ticker(ticker);                        /* the variant: stop it, or not */
    return rc;
}

void progress_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    worker *w = state;
    drip_chan_release(w->done);
    free(w);
}
