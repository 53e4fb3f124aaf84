/* cmd_validate.c - `drip validate`: check scenario files without running. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/util.h"

static const char validate_usage[] =
    "usage: drip validate [--timeout] FILE|DIR|PATTERN...\n"
    "\n"
    "Check scenario files without running them: YAML syntax, keys, types,\n"
    "ranges, unique names, built-in workloads and plugin files.  Problems are\n"
    "printed as FILE:LINE:COL: error: MESSAGE.  A built-in pattern's name\n"
    "(global-map) stands for its installed scenarios when no file of that name\n"
    "exists here.  Exit status 0 when every file is valid, 2 otherwise.\n"
    "\n"
    "      --timeout          print only the sum of the scenarios' run.timeout, in\n"
    "                         whole seconds rounded up (what a test runner should\n"
    "                         allow `drip run` on these files, before any margin)\n"
    "  -h, --help             show this help\n";

/* The sum of run.timeout over the list, in whole seconds rounded up. */
static unsigned long long timeout_sum_s(const drip_scenario_list *list)
{
    unsigned long long ns = 0;
    for (size_t i = 0; i < list->count; i++)
        ns += list->items[i].run.timeout_ns;
    return (ns + 999999999ULL) / 1000000000ULL;
}

int cmd_validate(int argc, char **argv)
{
    bool timeout = false;
    const drip_cli_flag flags[] = {{"timeout", &timeout}, {NULL, NULL}};
    int status = drip_cli_flags(argc, argv, flags, validate_usage, validate_usage);
    if (status >= 0)
        return status;
    if (optind >= argc) {
        drip_cli_error("no scenario files given");
        fputs(validate_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    char **files = drip_cli_pattern_args(argv + optind, (size_t)(argc - optind));
    int problems = drip_cli_load(files, (size_t)(argc - optind), &list, &diags);
    int rc = DRIP_EXIT_OK;
    if (problems > 0) {
        drip_diags_print(&diags, stderr);
        fprintf(stderr, "drip: %zu problem%s found\n", diags.count, diags.count == 1 ? "" : "s");
        rc = DRIP_EXIT_USAGE;
    } else if (timeout) {
        printf("%llu\n", timeout_sum_s(&list));
    } else {
        printf("ok: %zu scenario%s\n", list.count, list.count == 1 ? "" : "s");
    }
    drip_cli_pattern_args_free(files, (size_t)(argc - optind));
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return rc;
}
