/* progress.h - what both ticker-not-stopped workloads share: a request
 * that works through a few chunks and reports its progress on a ticker.
 *
 * The variants differ only in what happens to the ticker when the request
 * returns (finish_ticker in leaky.c and fixed.c).
 */
#ifndef TICKER_NOT_STOPPED_PROGRESS_H
#define TICKER_NOT_STOPPED_PROGRESS_H

#include <drip/chan.h>
#include <drip/timer.h>
#include <drip/workload.h>
#include <stdatomic.h>
#include <stdint.h>

/* The variant's difference: the request is over, and so is its use of t. */
typedef void (*finish_ticker_fn)(drip_ticker *t);

typedef struct worker {
    finish_ticker_fn finish_ticker;
    drip_chan       *done;          /* finished chunks: buffered, one per chunk in flight */
    uint64_t         period_ns;     /* the progress ticker's period */
    uint64_t         chunks;        /* chunks per request */
    _Atomic uint64_t reports;       /* progress reports sent (a tick won the select) */
} worker;

int  progress_setup(drip_ctx *ctx, void **state, finish_ticker_fn finish);
int  progress_iterate(drip_ctx *ctx, void *state);
void progress_teardown(drip_ctx *ctx, void *state);

#endif
