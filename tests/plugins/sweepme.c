/* sweepme.c - test plugin for the failure sweep.  Each iteration builds a
 * small record from four allocations (a name, a header, a body and a
 * trailer) and frees them all.  The param `bug` chooses an error-path
 * defect, so that one file gives the sweep something to find and its
 * clean twin:
 *
 *   bug: none    every failure path frees what it holds (sweeps clean)
 *   bug: leak    when the 2nd allocation fails, the 1st is not freed
 *                (the classic early `return -1` that forgets a free)
 *   bug: crash   the 3rd allocation is used without a NULL check
 *   bug: hang    when the 4th allocation fails, the iteration retries forever
 */
#include "test_plugin.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum bug { BUG_NONE, BUG_LEAK, BUG_CRASH, BUG_HANG };

/* DRIP_TEST_SLOW_LOAD_MS: a plugin slow to load (a big library, a loaded
 * machine), slower than the sweep's trial timeout: start-up is not a hang. */
__attribute__((constructor)) static void slow_load(void)
{
    const char *ms = getenv("DRIP_TEST_SLOW_LOAD_MS");
    if (ms)
        usleep((useconds_t)atoi(ms) * 1000);
}

static int setup(drip_ctx *ctx, void **state)
{
    static enum bug bug;
    const char *b = drip_param_str(ctx, "bug", "none");
    bug = strcmp(b, "leak") == 0 ? BUG_LEAK : strcmp(b, "crash") == 0 ? BUG_CRASH
        : strcmp(b, "hang") == 0 ? BUG_HANG : BUG_NONE;
    *state = &bug;
    return 0;
}

static char *make_name(void)
{
    char *name = malloc(48);                          /* allocation 1 */
    if (name)
        strcpy(name, "record");
    return name;
}

static int iterate(drip_ctx *ctx, void *state)
{
    enum bug bug = *(enum bug *)state;
    (void)ctx;
    char *name = make_name();
    if (!name)
        return -1;
    char *header = malloc(16);                        /* allocation 2 */
    if (!header) {
        if (bug != BUG_LEAK)
            free(name);
        return -1;
    }
    char *body = malloc(256);                         /* allocation 3 */
    if (bug == BUG_CRASH)
        *(volatile char *)body = 1;                   /* no NULL check */
    if (!body) {
        free(header);
        free(name);
        return -1;
    }
    char *trailer;
    while (!(trailer = malloc(8)) && bug == BUG_HANG) /* allocation 4 */
        usleep(1000);
    int rc = trailer ? 0 : -1;
    free(trailer);
    free(body);
    free(header);
    free(name);
    return rc;
}

DRIP_TEST_PLUGIN("sweepme", "four allocations per iteration; bug: none|leak|crash|hang on their failure paths",
                 .setup = setup, .iterate = iterate);
