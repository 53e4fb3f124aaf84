/* churn.c - test plugin: a small leak under heavy retained churn.
 *
 * Each iteration adds one block of a random size in [0, 40 KiB) to a batch,
 * and the whole batch is freed when the fault point `flush` fires (the
 * scenario gives it rate 0.125: a batch lives about 8 iterations), so about
 * 140 KiB of randomly sized blocks are live on average, spread like an
 * exponential.  Under it, `leak_bytes` (default 48) per iteration go to a
 * list that only grows (reachable, freed by teardown).  The sizes come from
 * ten asks of the fault point `bit` (rate 0.5), so they follow the seed.
 * One thread only (the batch is not locked). */
#include <drip/workload.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
} block;

static block *batch;                      /* the churn, freed in bursts */
static block *kept;                       /* the leak: grows, freed at teardown */

static void free_list(block **l)
{
    while (*l) {
        block *next = (*l)->next;
        free(*l);
        *l = next;
    }
}

static int push(block **l, size_t n)
{
    block *b = malloc(n < sizeof *b ? sizeof *b : n);
    if (!b)
        return -1;
    memset(b, 0, n < sizeof *b ? sizeof *b : n);
    b->next = *l;
    *l = b;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    size_t size = 0;
    for (int i = 0; i < 10; i++)
        size = size << 1 | drip_fault(ctx, "bit");
    if (push(&batch, size * 40) != 0)
        return -1;
    if (drip_fault(ctx, "flush"))
        free_list(&batch);
    return push(&kept, (size_t)drip_param_int(ctx, "leak_bytes", 48));
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    free_list(&batch);
    free_list(&kept);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-churn",
    .summary = "leak_bytes per iteration under ~140 KiB of retained random churn",
    .iterate = iterate,
    .teardown = teardown,
};
