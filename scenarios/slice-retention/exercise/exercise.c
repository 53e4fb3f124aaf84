/* slice-retention exercise: two records that pin a whole batch.
 *
 * Each iteration reads a batch of `batch_bytes` of 8-byte records.  When
 * the fault point batch.keep fires, the batch holds something worth
 * remembering: its last two records go into a list that lives as long as
 * the process.  Slices (<drip/slice.h>) work as Go's do: drip_sub is a
 * view sharing the backing array.  Go original:
 *
 *     var kept [][]uint64
 *
 *     func handle() {
 *         batch := readBatch()
 *         if interesting(batch) {
 *             kept = append(kept, batch[len(batch)-2:])
 *         }
 *     }
 *
 * Run `drip exercise slice-retention exercise.c` on a copy of this file: it
 * reports what grows.  Fix it so the fixed variant's expectations hold (the
 * list itself may grow: remembering records is the program's job); the
 * lines to think about carry a LESSON comment.
 */
#include <drip/slice.h>
#include <drip/workload.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct history {
    pthread_mutex_t lock;
    drip_slice      kept;          /* []drip_slice: the kept record pairs */
    size_t          batch_bytes;
} history;

/* The two records to keep from a batch, as a slice the caller owns. */
static drip_slice keep_tail(drip_slice batch)
{
    return drip_sub(batch, batch.len - 2, batch.len);   /* LESSON: batch[len-2:], a view */
}

static int setup(drip_ctx *ctx, void **state)
{
    history *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
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

static int iterate(drip_ctx *ctx, void *state)
{
    history *h = state;
    drip_slice batch = read_batch(drip_iteration(ctx), h->batch_bytes);
    if (!batch.arr)
        return -1;
    int rc = 0;
    if (drip_fault(ctx, "batch.keep")) {
        drip_slice tail = keep_tail(batch);
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
    drip_slice_release(&batch);    /* LESSON: our view; does the batch go away now? */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    history *h = state;
    for (size_t i = 0; i < h->kept.len; i++)
        drip_slice_release(drip_slice_at(h->kept, i));
    drip_slice_release(&h->kept);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "slice-retention-exercise",
    .summary = "keeps the last two records of each interesting batch",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
