/* vgkill.c - test plugin: runs quietly, except under valgrind, where at
 * iteration 10 it kills itself with SIGKILL (how: kill) or stops forever
 * (how: hang), so that the runner's budget kills valgrind from outside and
 * the XML is cut off.  Either way the valgrind pass must not pass. */
#include "test_plugin.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    if (!RUNNING_ON_VALGRIND || drip_iteration(ctx) != 10)
        return 0;
    if (strcmp(drip_param_str(ctx, "how", "kill"), "hang") == 0)
        for (;;)
            pause();
    raise(SIGKILL);
    return 0;
}

DRIP_TEST_PLUGIN("vgkill", "under valgrind: SIGKILL (how: kill) or hang (how: hang) at iteration 10",
                 .iterate = iterate);
