/* eat.c - test plugin: keeps `chunk` bytes per iteration, touched, forever. */
#include "test_plugin.h"
#include <stdlib.h>
#include <string.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    size_t n = (size_t)drip_param_int(ctx, "chunk", 1 << 20);
    char *p = malloc(n);
    if (!p)
        return -1;
    memset(p, 1, n);                   /* resident, not just reserved */
    return 0;                          /* and never freed */
}

DRIP_TEST_PLUGIN("eat", "keeps chunk bytes per iteration", .iterate = iterate);
