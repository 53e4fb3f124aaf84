/* cmd_validate.c - `drip validate`: check scenario files without running. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char validate_usage[] =
    "usage: drip validate FILE|DIR...\n"
    "\n"
    "Check scenario files without running them: YAML syntax, keys, types,\n"
    "ranges, unique names, built-in workloads and plugin files.  Problems are\n"
    "printed as FILE:LINE:COL: error: MESSAGE.  Exit status 0 when every file\n"
    "is valid, 2 otherwise.\n";

int cmd_validate(int argc, char **argv)
{
    if (argc < 2) {
        drip_cli_error("no scenario files given");
        fputs(validate_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(validate_usage, stdout);
        return DRIP_EXIT_OK;
    }
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    int problems = drip_cli_load(argv + 1, (size_t)(argc - 1), &list, &diags);
    int rc = DRIP_EXIT_OK;
    if (problems > 0) {
        drip_diags_print(&diags, stderr);
        fprintf(stderr, "drip: %zu problem%s found\n", diags.count, diags.count == 1 ? "" : "s");
        rc = DRIP_EXIT_USAGE;
    } else {
        printf("ok: %zu scenario%s\n", list.count, list.count == 1 ? "" : "s");
    }
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return rc;
}
