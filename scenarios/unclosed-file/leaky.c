/* leaky.c - unclosed-file, leaky: on a parse error, return early and
 * forget the open file. */
#include "config.h"

static int load(drip_ctx *ctx, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (config_parse(ctx, f) != 0)
        return -1;                              /* f is never closed */
    fclose(f);
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return configs_setup(ctx, state, load);
}

const drip_workload drip_builtin_unclosed_file_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "unclosed-file-leaky",
    .summary = "config loader returns early on a parse error without closing the file (leaks an fd)",
    .setup = setup,
    .iterate = configs_iterate,
    .teardown = configs_teardown,
};
