/* cmd_list.c - `drip list`: the built-in workloads (and the metrics). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metrics/metrics.h"
#include "worker/builtin.h"

static const char list_usage[] =
    "usage: drip list [--metrics]\n\nList the built-in workloads, or with --metrics "
    "what Drip measures.\n";

int cmd_list(int argc, char **argv)
{
    bool metrics = false;
    const drip_cli_flag flags[] = {{"metrics", &metrics}, {NULL, NULL}};
    int status = drip_cli_flags(argc, argv, flags, list_usage, "usage: drip list [--metrics]\n");
    if (status >= 0)
        return status;
    if (optind < argc) {
        drip_cli_error("unexpected argument '%s'", argv[optind]);
        fputs("usage: drip list [--metrics]\n", stderr);
        return DRIP_EXIT_USAGE;
    }
    if (metrics) {
        for (int m = 0; m < DRIP_M_COUNT; m++)
            printf("%-14s %s\n", drip_metrics[m].name, drip_metrics[m].what);
        return DRIP_EXIT_OK;
    }
    size_t width = 0;
    for (size_t i = 0; drip_builtins[i]; i++)
        if (strlen(drip_builtins[i]->name) > width)
            width = strlen(drip_builtins[i]->name);
    for (size_t i = 0; drip_builtins[i]; i++)
        printf("%-*s  %s\n", (int)width, drip_builtins[i]->name,
               drip_builtins[i]->summary ? drip_builtins[i]->summary : "");
    return DRIP_EXIT_OK;
}
