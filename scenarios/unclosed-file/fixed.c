/* fixed.c - unclosed-file, fixed: the file is closed on every path.
 * __attribute__((cleanup)) is C's nearest thing to Go's defer. */
#include "config.h"

static void close_file(FILE **f)
{
    if (*f)
        fclose(*f);
}

static int load(drip_ctx *ctx, const char *path)
{
    FILE *f __attribute__((cleanup(close_file))) = fopen(path, "r");   /* defer f.Close() */
    if (!f)
        return -1;
    if (config_parse(ctx, f) != 0)
        return -1;                              /* closed on the way out */
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return configs_setup(ctx, state, load);
}

const drip_workload drip_builtin_unclosed_file_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "unclosed-file-fixed",
    .summary = "config loader closes the file on every path (a cleanup attribute as defer)",
    .setup = setup,
    .iterate = configs_iterate,
    .teardown = configs_teardown,
};
