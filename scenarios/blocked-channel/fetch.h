/* fetch.h - what both blocked-channel workloads share: a request that hands
 * its slow part to a worker task and waits for the answer with a timeout.
 *
 * The variants differ only in the capacity of the channel the worker
 * answers on (the setup in leaky.c and fixed.c).
 */
#ifndef BLOCKED_CHANNEL_FETCH_H
#define BLOCKED_CHANNEL_FETCH_H

#include <drip/workload.h>
#include <stddef.h>

typedef struct fetcher {
    size_t result_bytes;           /* size of the answer a worker computes */
    size_t capacity;               /* the variant: the answer channel's buffer */
} fetcher;

int  fetch_setup(drip_ctx *ctx, void **state, size_t capacity);
int  fetch_iterate(drip_ctx *ctx, void *state);
void fetch_teardown(drip_ctx *ctx, void *state);

#endif
