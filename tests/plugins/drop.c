/* drop.c - test plugin: a steady workload that leaks `leak_bytes` bytes on
 * every iteration where the fault point `drop` fires (rate 1: every one).
 * With leak_bytes 1 it is the smallest leak Drip must see. */
#include "test_plugin.h"
#include <stdlib.h>
#include <string.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    /* Steady churn that must not look like growth. */
    size_t n = 64 + drip_iteration(ctx) % 512;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    memset(tmp, 0, n);
    free(tmp);
    if (drip_fault(ctx, "drop")) {
        char *lost = malloc((size_t)drip_param_int(ctx, "leak_bytes", 1));
        if (!lost)
            return -1;
        *(volatile char *)lost = 1;    /* never freed */
    }
    return 0;
}

DRIP_TEST_PLUGIN("drop", "leaks leak_bytes when the fault point drop fires", .iterate = iterate);
