/* lateleak.c - test plugin: a leak that starts late.  Iterations before
 * `start_at` leak nothing; from `start_at` on each iteration loses
 * `leak_bytes` (default 64) for good (the pointer is dropped: valgrind sees
 * it definitely lost).  A steady malloc/free of 64-575 bytes runs on every
 * iteration, so the heap is busy but flat before the leak starts.  Models a
 * leak that begins after a cache fills or a timeout first fires. */
#include <drip/workload.h>
#include <stdlib.h>
#include <string.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    uint64_t it = drip_iteration(ctx);
    size_t n = 64 + it % 512;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    memset(tmp, 0, n);
    free(tmp);
    if (it >= (uint64_t)drip_param_int(ctx, "start_at", 0)) {
        char *lost = malloc((size_t)drip_param_int(ctx, "leak_bytes", 64));
        if (!lost)
            return -1;
        *(volatile char *)lost = 1;    /* never freed */
    }
    return 0;
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-lateleak",
    .summary = "loses leak_bytes per iteration from iteration start_at on",
    .iterate = iterate,
};
