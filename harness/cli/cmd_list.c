/* cmd_list.c - `drip list`: the built-in workloads (and the metrics). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metrics/metrics.h"
#include "worker/builtin.h"

int cmd_list(int argc, char **argv)
{
    bool metrics = argc > 1 && strcmp(argv[1], "--metrics") == 0;
    if (argc > 1 && !metrics) {
        if (strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--help") != 0) {
            drip_cli_error("unknown option '%s'", argv[1]);
            fputs("usage: drip list [--metrics]\n", stderr);
            return DRIP_EXIT_USAGE;
        }
        fputs("usage: drip list [--metrics]\n\nList the built-in workloads, or with --metrics "
              "what Drip measures.\n", stdout);
        return DRIP_EXIT_OK;
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
