/* batch.h - what both slice-retention workloads share: a long-lived list
 * of small records taken from large batches.
 *
 * Each iteration reads a batch of `batch_bytes` of 8-byte records.  When
 * the fault point `batch.keep` fires, the batch holds something worth
 * remembering: its last two records are kept in a list that lives as long
 * as the process.  The variants differ only in how the two records are
 * taken (keep_tail in leaky.c and fixed.c).
 */
#ifndef SLICE_RETENTION_BATCH_H
#define SLICE_RETENTION_BATCH_H

#include <drip/slice.h>
#include <drip/workload.h>
#include <pthread.h>

typedef struct history {
    pthread_mutex_t lock;
    drip_slice      kept;          /* []drip_slice: the kept record pairs */
    size_t          batch_bytes;
    drip_slice    (*keep_tail)(drip_slice batch);   /* the variant */
} history;

/* Set up the shared state; keep_tail is the variant's one difference: the
 * two records to keep from a batch, as a slice the caller owns. */
int  history_setup(drip_ctx *ctx, void **state, drip_slice (*keep_tail)(drip_slice batch));
int  history_iterate(drip_ctx *ctx, void *state);
void history_teardown(drip_ctx *ctx, void *state);

#endif
