/* main.c - drip's entry point: the command table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;                 /* NULL: internal, not listed */
} commands[] = {
    {"run", cmd_run, "run scenarios and write a report"},
    {"sweep", cmd_sweep, "fail each allocation of an iteration in turn; report leaks and crashes"},
    {"validate", cmd_validate, "check scenario files without running them"},
    {"list", cmd_list, "list the built-in workloads (--metrics: what is measured)"},
    {"explain", cmd_explain, "explain a built-in leak pattern"},
    {"exercise", cmd_exercise, "grade a fix of a pattern's exercise (workshops)"},
    {"new", cmd_new, "write a workload plugin skeleton and its scenario"},
    {"diff", cmd_diff, "compare two runs' results; exit 1 on a regression (CI baselines)"},
    {"merge", cmd_merge, "combine shard reports (drip run --shard K/N) into one report"},
    {"worker", cmd_worker, NULL},
};

static void usage(FILE *out)
{
    fputs("usage: drip COMMAND [options] [args]\n\n"
          "Drip runs leak scenarios: workloads under stress, measured per iteration,\n"
          "judged by the slope of their memory, threads and file descriptors.\n\n"
          "commands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].help)
            fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
    fputs("\n`drip COMMAND --help` shows a command's options.\n", out);
}

int main(int argc, char **argv)
{
    drip_cli_set_self(argv[0]);
    if (argc < 2) {
        usage(stderr);
        return DRIP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return DRIP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("drip %s\n", DRIP_VERSION);
        return DRIP_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    drip_cli_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return DRIP_EXIT_USAGE;
}
