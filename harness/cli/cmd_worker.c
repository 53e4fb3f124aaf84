/* cmd_worker.c - `drip worker`: the child side of `drip run` (internal).
 *
 * Started by the runner in a new process with the protocol pipe on fd 3.
 * It reloads the scenario file, picks the document by index, applies the
 * same command-line overrides as the runner and runs it.  Not meant for
 * users, but safe to run by hand (`drip worker -- FILE 3>&1`) to debug a
 * workload, e.g. under gdb or valgrind.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "results/names.h"
#include "runner/runner.h"
#include "util/util.h"
#include "worker/protocol.h"
#include "worker/worker.h"

/* What drip worker's command line asks for. */
typedef struct worker_args {
    drip_runner_opts   o;
    unsigned long long index, fd, from_k, control_fd;
    bool               control;
    long long          text_fd;   /* --scenario-fd: read FILE's text from here instead */
    unsigned           sweep;     /* 0 or 1 << drip_sweep_mode */
} worker_args;

static const char usage_text[] =
    "usage: drip worker [--index I] [--seed S] [--threads N] [--iterations N] "
    "[--duration D] [--fd FD] [--control-fd FD] [--plugin SO] [--profile MODE] "
    "[--sweep transient|persistent [--from K]] [--scenario-fd FD] -- FILE\n";

/* One worker-only option (opt, its argument arg) into a.  Returns false
 * after printing why when it is malformed or unknown. */
static bool worker_option(int opt, const char *arg, worker_args *a)
{
    unsigned long long v;
    int mode;
    switch (opt) {
    case 'i': return drip_cli_parse_u64("--index", arg, 0, 1000000, &a->index);
    case 'p': a->o.plugin = arg; return true;
    case 'f': return drip_cli_parse_u64("--fd", arg, 0, 1 << 20, &a->fd);
    case 'c':
        a->control = true;
        return drip_cli_parse_u64("--control-fd", arg, 0, 1 << 20, &a->control_fd);
    case 'w':
        mode = drip_names_find(&drip_sweep_mode_names, arg);
        if (mode < 0) {
            drip_cli_error("worker: --sweep must be transient or persistent");
            return false;
        }
        a->sweep = 1u << mode;             /* DRIP_SWEEP_TRANSIENT or _PERSISTENT */
        return true;
    case 'k': return drip_cli_parse_u64("--from", arg, 1, UINT64_MAX, &a->from_k);
    case 'F':
        if (!drip_cli_parse_u64("--scenario-fd", arg, 0, 1 << 20, &v))
            return false;
        a->text_fd = (long long)v;
        return true;
    default:
        fputs(usage_text, stderr);
        return false;
    }
}

/* Parse argv into a; the scenario file is argv[optind] afterwards.
 * Returns 0, or DRIP_EXIT_USAGE after printing why. */
static int parse_args(int argc, char **argv, worker_args *a)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        DRIP_RUN_LONGOPTS,
        {"fd", required_argument, NULL, 'f'},
        {"control-fd", required_argument, NULL, 'c'},
        {"sweep", required_argument, NULL, 'w'},
        {"from", required_argument, NULL, 'k'},
        {"plugin", required_argument, NULL, 'p'},
        {"scenario-fd", required_argument, NULL, 'F'},   /* the file's text, from the runner */
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = drip_cli_next_option(argc, argv, "", longopts, &a->o)) != -1)
        if (opt == DRIP_OPT_BAD_VALUE || !worker_option(opt, optarg, a))
            return DRIP_EXIT_USAGE;
    if (optind != argc - 1) {
        drip_cli_error("worker: exactly one scenario file expected");
        return DRIP_EXIT_USAGE;
    }
    return 0;
}

int cmd_worker(int argc, char **argv)
{
    worker_args a = {.o = {.report_fd = -1}, .fd = DRIP_WORKER_FD, .from_k = 1, .text_fd = -1};
    if (parse_args(argc, argv, &a) != 0)
        return DRIP_EXIT_USAGE;
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    int rc = DRIP_EXIT_USAGE;
    /* With --scenario-fd, FILE names the text (messages, relative plugin
     * paths) that the runner read once and passes on that fd. */
    int problems = a.text_fd >= 0
        ? drip_scenario_load_fd(argv[optind], (int)a.text_fd, &list, &diags)
        : drip_scenario_load_file(argv[optind], &list, &diags);
    if (a.text_fd >= 0)
        close((int)a.text_fd);       /* not the workload's */
    if (problems > 0) {
        drip_diags_print(&diags, stderr);
        goto cleanup;
    }
    drip_scenario *sc = NULL;
    for (size_t i = 0; i < list.count; i++)
        if (list.items[i].doc_index == a.index)
            sc = &list.items[i];
    if (!sc) {
        drip_cli_error("worker: %s has no scenario at index %llu", argv[optind], a.index);
        goto cleanup;
    }
    drip_runner_apply_overrides(&a.o, &sc->run);
    drip_runner_apply_plugin(&a.o, sc);
    if (a.o.profile != DRIP_PROFILE_DEFAULT)
        sc->profile.mode = a.o.profile;
    if (a.sweep)
        rc = drip_worker_sweep(sc, sc->run.seed, a.sweep, a.from_k, (int)a.fd);
    else
        rc = drip_worker_run(sc, sc->run.seed, (int)a.fd, a.control ? (int)a.control_fd : -1);
    fflush(NULL);
    /* Leave without exit handlers: a leaky workload may still have threads
     * blocked forever, and that is exactly what it was asked to show. */
    _exit(rc);

cleanup:
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return rc;
}
