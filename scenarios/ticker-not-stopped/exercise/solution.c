/* ticker-not-stopped solution: stop the ticker on every return path.
 *
 * The reference fix for exercise.c.  C's nearest thing to `defer`
 * is a cleanup attribute: the ticker is stopped and freed whichever
 * return the request takes (the error returns too).
 *
 * Build and grade:   drip exercise ticker-not-stopped solution.c
 * By hand:           cc -shared -fPIC -I include solution.c -o x.so
 */
#include <drip/chan.h>
#include <drip/timer.h>
#include <drip/workload.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define CHUNKS 4
#define PERIOD_NS 1000000000ULL          /* one second */

typedef struct worker {
    drip_chan       *done;               /* finished chunks (buffered) */
    _Atomic uint64_t reports;            /* progress reports sent */
} worker;

static int setup(drip_ctx *ctx, void **state)
{
    (void)ctx;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->done = drip_chan_new(sizeof(uint64_t), 256);
    if (!w->done) {
        free(w);
        return -1;
    }
    *state = w;
    return 0;
}

/* For the cleanup attribute: stop and free *t when it goes out of scope. */
static void ticker_stop(drip_ticker **t)
{
    drip_ticker_free(*t);                /* NULL is a no-op */
}

static int iterate(drip_ctx *ctx, void *state)
{
    worker *w = state;
    /* LESSON: defer ticker.Stop(): freed on every return below */
    __attribute__((cleanup(ticker_stop))) drip_ticker *ticker = drip_ticker_new(PERIOD_NS);
    if (!ticker)
        return -1;

    for (uint64_t i = 0; i < CHUNKS; i++) {
        uint64_t result = drip_iteration(ctx) * CHUNKS + i, got = 0;   /* process(c) */
        if (drip_chan_send(w->done, &result) != 0)
            return -1;
        for (;;) {
            drip_select_case cases[] = {
                {.chan = drip_ticker_chan(ticker), .op = DRIP_RECV},   /* case <-ticker.C */
                {.chan = w->done, .op = DRIP_RECV, .elem = &got},      /* case w.done <- ... */
            };
            int which = drip_select(cases, 2, DRIP_SELECT_FOREVER);
            if (which == 0) {
                atomic_fetch_add(&w->reports, 1);                      /* reportProgress() */
                continue;
            }
            if (which != 1)
                return -1;
            break;
        }
    }
    return 0;                            /* ticker_stop(&ticker) runs here */
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    worker *w = state;
    drip_chan_release(w->done);
    free(w);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "ticker-not-stopped-exercise",
    .summary = "ticker-not-stopped exercise: a progress ticker per request",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
