/* hang.c - test plugin: blocks forever at iteration `hang_at`. */
#include "test_plugin.h"
#include <unistd.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    if (drip_iteration(ctx) == (uint64_t)drip_param_int(ctx, "hang_at", 10))
        for (;;)
            pause();
    return 0;
}

DRIP_TEST_PLUGIN("hang", "blocks forever at iteration hang_at", .iterate = iterate);
