/* batch.c - the request loop shared by the slice-retention workloads.
 *
 * Go original:
 *
 *     var kept [][]uint64
 *
 *     func handle() {
 *         batch := readBatch()                       // 1 MiB of records
 *         if interesting(batch) {
 *             kept = append(kept, batch[len(batch)-2:])   // pins the whole batch
 *         }
 *     }
 */
#include "batch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int history_setup(drip_ctx *ctx, void **state, drip_slice (*keep_tail)(drip_slice batch))
{
    history *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->keep_tail = keep_tail;
    h->batch_bytes = (size_t)drip_param_int(ctx, "batch_bytes", 1 << 20);
    if (h->batch_bytes < 2 * sizeof(uint64_t))
        h->batch_bytes = 2 * sizeof(uint64_t);
    h->kept = drip_make(sizeof(drip_slice), 0, 0);
    if (!h->kept.arr) {
        free(h);
        return -1;
    }
    pthread_mutex_init(&h->lock, NULL);
    *state = h;
    return 0;
}

/* Read one batch: records numbered from the iteration. */
static drip_slice read_batch(uint64_t iter, size_t bytes)
{
    size_t n = bytes / sizeof(uint64_t);
    drip_slice b = drip_make(sizeof(uint64_t), n, n);
    for (size_t i = 0; b.arr && i < n; i++)
        *(uint64_t *)drip_slice_at(b, i) = iter * n + i;
    return b;
}

int history_iterate(drip_ctx *ctx, void *state)
{
    history *h = state;
    drip_slice batch = read_batch(drip_iteration(ctx), h->batch_bytes);
    if (!batch.arr)
        return -1;
    int rc = 0;
    if (drip_fault(ctx, "batch.keep")) {
        drip_slice tail = h->keep_tail(batch);
        if (!tail.arr) {
            rc = -1;
        } else {
            pthread_mutex_lock(&h->lock);
            drip_slice grown = drip_append(h->kept, &tail, 1);   /* the list owns tail now */
            if (grown.arr)
                h->kept = grown;
            pthread_mutex_unlock(&h->lock);
            if (!grown.arr) {
                drip_slice_release(&tail);
                rc = -1;
            }
        }
    }
    drip_slice_release(&batch);     /* our view; what `tail` shares stays alive */
    return rc;
}

void history_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    history *h = state;
    for (size_t i = 0; i < h->kept.len; i++)
        drip_slice_release(drip_slice_at(h->kept, i));
    drip_slice_release(&h->kept);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
