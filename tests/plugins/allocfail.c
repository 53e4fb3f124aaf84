/* allocfail.c - test plugin: three allocations per iteration (32, 4096 and
 * 64 bytes), all freed; an iteration fails (returns -1) when any of them
 * came back NULL.  Leak-free on every path, so its heap must stay flat
 * however many allocations the `alloc` fault point makes fail. */
#include "test_plugin.h"
#include <errno.h>
#include <stdlib.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    void *a = malloc(32), *b = malloc(4096), *c = malloc(64);
    int rc = (a && b && c) ? 0 : -1;
    if (rc && errno != ENOMEM)
        rc = -2;                      /* a failure must look like glibc's */
    free(a);
    free(b);
    free(c);
    return rc;
}

DRIP_TEST_PLUGIN("allocfail", "three allocations per iteration, all freed", .iterate = iterate);
