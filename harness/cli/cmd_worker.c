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

int cmd_worker(int argc, char **argv)
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
    drip_runner_opts o = {.report_fd = -1};
    unsigned long long index = 0, fd = DRIP_WORKER_FD, from_k = 1, control_fd = 0;
    bool control = false;
    long long text_fd = -1;          /* --scenario-fd: read FILE's text from here instead */
    unsigned sweep = 0;
    int opt, mode;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int taken = drip_cli_run_option(opt, optarg, &o);
        if (taken < 0)
            return DRIP_EXIT_USAGE;
        if (taken)
            continue;
        switch (opt) {
        case 'i': if (!drip_cli_parse_u64("--index", optarg, 0, 1000000, &index)) return 2; break;
        case 'p': o.plugin = optarg; break;
        case 'f': if (!drip_cli_parse_u64("--fd", optarg, 0, 1 << 20, &fd)) return 2; break;
        case 'c':
            if (!drip_cli_parse_u64("--control-fd", optarg, 0, 1 << 20, &control_fd))
                return DRIP_EXIT_USAGE;
            control = true;
            break;
        case 'w':
            mode = drip_names_find(&drip_sweep_mode_names, optarg);
            if (mode >= 0) {
                sweep = 1u << mode;             /* DRIP_SWEEP_TRANSIENT or _PERSISTENT */
            } else {
                drip_cli_error("worker: --sweep must be transient or persistent");
                return DRIP_EXIT_USAGE;
            }
            break;
        case 'k':
            if (!drip_cli_parse_u64("--from", optarg, 1, UINT64_MAX, &from_k))
                return DRIP_EXIT_USAGE;
            break;
        case 'F': {
            unsigned long long v;
            if (!drip_cli_parse_u64("--scenario-fd", optarg, 0, 1 << 20, &v))
                return DRIP_EXIT_USAGE;
            text_fd = (long long)v;
            break;
        }
        default:
            fputs("usage: drip worker [--index I] [--seed S] [--threads N] [--iterations N] "
                  "[--duration D] [--fd FD] [--control-fd FD] [--plugin SO] [--profile MODE] "
                  "[--sweep transient|persistent [--from K]] [--scenario-fd FD] -- FILE\n",
                  stderr);
            return DRIP_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        drip_cli_error("worker: exactly one scenario file expected");
        return DRIP_EXIT_USAGE;
    }
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    int rc = DRIP_EXIT_USAGE;
    /* With --scenario-fd, FILE names the text (messages, relative plugin
     * paths) that the runner read once and passes on that fd. */
    int problems = text_fd >= 0
        ? drip_scenario_load_fd(argv[optind], (int)text_fd, &list, &diags)
        : drip_scenario_load_file(argv[optind], &list, &diags);
    if (text_fd >= 0)
        close((int)text_fd);         /* not the workload's */
    if (problems > 0) {
        drip_diags_print(&diags, stderr);
        goto cleanup;
    }
    drip_scenario *sc = NULL;
    for (size_t i = 0; i < list.count; i++)
        if (list.items[i].doc_index == index)
            sc = &list.items[i];
    if (!sc) {
        drip_cli_error("worker: %s has no scenario at index %llu", argv[optind], index);
        goto cleanup;
    }
    drip_runner_apply_overrides(&o, &sc->run);
    drip_runner_apply_plugin(&o, sc);
    if (o.profile != DRIP_PROFILE_DEFAULT)
        sc->profile.mode = o.profile;
    if (sweep)
        rc = drip_worker_sweep(sc, sc->run.seed, sweep, from_k, (int)fd);
    else
        rc = drip_worker_run(sc, sc->run.seed, (int)fd, control ? (int)control_fd : -1);
    fflush(NULL);
    /* Leave without exit handlers: a leaky workload may still have threads
     * blocked forever, and that is exactly what it was asked to show. */
    _exit(rc);

cleanup:
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return rc;
}
