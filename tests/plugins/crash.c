/* crash.c - test plugin: dies with SIGSEGV at iteration `crash_at`. */
#include "test_plugin.h"
#include <signal.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    if (drip_iteration(ctx) == (uint64_t)drip_param_int(ctx, "crash_at", 50))
        raise(SIGSEGV);
    return 0;
}

DRIP_TEST_PLUGIN("crash", "crashes with SIGSEGV at iteration crash_at", .iterate = iterate);
