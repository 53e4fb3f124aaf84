/* cmd_run.c - `drip run` and `drip sweep`: run scenarios (or sweep their
 * allocation failures), print verdicts, write the report.  The two share
 * everything but what is done to each scenario. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "report/progress.h"
#include "report/report.h"
#include "runner/runner.h"
#include "util/util.h"

static const char run_usage[] =
    "usage: drip run [options] FILE|DIR...\n"
    "\n"
    "Run every scenario in the given YAML files (directories are searched\n"
    "recursively for *.yaml and *.yml), each in its own worker process, print\n"
    "a verdict per scenario and write a report directory.\n"
    "\n"
    "  -o, --report-dir DIR   write the report here (default: reports/run-DATE-TIME;\n"
    "                         reports/latest points at the newest)\n"
    "      --seed N           use seed N for every scenario (replays a report's run)\n"
    "      --threads N        run every scenario on N threads\n"
    "      --iterations N     run every scenario for N iterations (samples scale along)\n"
    "      --profile MODE     allocation-site profile: off, sampled (default: every\n"
    "                         512 KiB on average) or precise (every allocation)\n"
    "      --duration D       run every scenario for D (30s, 10m, 2h: a soak), with\n"
    "                         about 200 samples; not with --iterations\n"
    "      --valgrind         also run every scenario's worker under valgrind memcheck\n"
    "                         (scenarios with a valgrind: section always get this pass)\n"
    "  -k, --filter GLOB      only scenarios whose name matches GLOB (repeatable)\n"
    "      --shard K/N        run only shard K of N: the filtered scenarios sorted by\n"
    "                         name, the i-th (from 0) in shard (i mod N) + 1; combine\n"
    "                         the shards' reports with drip merge (docs/CI.md)\n"
    "      --color, --no-color  force or disable colored output (default: on a TTY)\n"
    "  -q, --quiet            print only failures and the summary\n"
    "  -h, --help             show this help\n"
    "\n"
    "On a terminal a progress line shows the running scenario. Ctrl-C ends the\n"
    "running scenario at its next sample, judges what it measured and writes\n"
    "the report (no later scenario starts); a second Ctrl-C kills it at once.\n"
    "\n"
    "Exit status: 0 every scenario passed (or the shard has none), 1 a scenario\n"
    "failed or errored or the run was interrupted, 2 bad command line or\n"
    "invalid scenario file (nothing ran).\n";

static const char sweep_usage[] =
    "usage: drip sweep [options] FILE|DIR...\n"
    "\n"
    "The allocation-failure sweep: for every scenario, trial k runs setup, the\n"
    "sweep's warm-up iterations, ONE iteration in which the k-th allocation fails\n"
    "(transient mode; persistent mode: the k-th and every later one), then\n"
    "teardown, and reports blocks of that iteration still alive, with the stack\n"
    "that allocated them, or the crash or hang.  k goes 1, 2, ... until an\n"
    "iteration runs without a fault firing.  Each trial runs in a worker process:\n"
    "a crash at k=7 is recorded and the sweep goes on at k=8.  Limits and options\n"
    "come from the scenario's sweep: section (docs/SCENARIOS.md); by default any\n"
    "leak, crash or hang fails the scenario.\n"
    "\n"
    "  -o, --report-dir DIR   write the report here (default: reports/sweep-DATE-TIME;\n"
    "                         reports/latest points at the newest)\n"
    "      --seed N           use seed N for every scenario's named fault points\n"
    "      --mode MODE        transient, persistent or both (default: the scenario's)\n"
    "  -k, --filter GLOB      only scenarios whose name matches GLOB (repeatable)\n"
    "      --shard K/N        sweep only shard K of N (as drip run --shard)\n"
    "      --color, --no-color  force or disable colored output (default: on a TTY)\n"
    "  -q, --quiet            print only failures and the summary\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 every sweep was clean within its limits, 1 a finding broke a\n"
    "limit or a sweep could not run, 2 bad command line or invalid scenario file.\n";

static volatile sig_atomic_t interrupted;

/* The first Ctrl-C (or SIGTERM) asks the running scenario to stop early
 * and be judged; the second kills it (runner.h). */
static void on_signal(int sig)
{
    (void)sig;
    interrupted = interrupted ? 2 : 1;
}

/* The progress callback on a TTY: rewrite the current line in place. */
static void show_progress(void *arg, const drip_progress *p)
{
    (void)arg;
    struct winsize ws;
    int width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
    char line[512];
    printf("\r\033[K%s", drip_progress_format(p, width, line, sizeof line));
    fflush(stdout);
}

/* A fresh directory reports/KIND-YYYYmmdd-HHMMSS[-N]; returns it malloc'd. */
static char *default_report_dir(const char *kind)
{
    char stamp[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int i = 1;; i++) {
        char *dir = i == 1 ? xasprintf("reports/%s-%s", kind, stamp)
                           : xasprintf("reports/%s-%s-%d", kind, stamp, i);
        struct stat st;
        if (stat(dir, &st) < 0)
            return dir;
        free(dir);
    }
}

static bool matches(char **filters, size_t nfilters, const char *name)
{
    if (nfilters == 0)
        return true;
    for (size_t i = 0; i < nfilters; i++)
        if (fnmatch(filters[i], name, 0) == 0)
            return true;
    return false;
}

static char *iso_now(void)
{
    char buf[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

/* `drip run` (sweep false) and `drip sweep` (sweep true). */
static int run_command(int argc, char **argv, bool sweep)
{
    static const struct option longopts[] = {
        {"report-dir", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 'T'},
        {"iterations", required_argument, NULL, 'N'},
        {"duration", required_argument, NULL, 'U'},
        {"filter", required_argument, NULL, 'k'},
        {"valgrind", no_argument, NULL, 'V'},
        {"mode", required_argument, NULL, 'm'},
        {"profile", required_argument, NULL, 'P'},
        {"shard", required_argument, NULL, 'H'},
        {"color", no_argument, NULL, 'C'},
        {"no-color", no_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    drip_runner_opts o = {.self_exe = drip_self_exe, .report_fd = -1, .interrupted = &interrupted};
    char *report_dir = NULL;
    char **filters = NULL;
    size_t nfilters = 0, fcap = 0;
    int color = -1;
    unsigned modes = 0, shard_k = 0, shard_n = 0;
    bool *selected = NULL;
    bool quiet = false, default_dir = false;
    const char *usage = sweep ? sweep_usage : run_usage;
    int rc = DRIP_EXIT_USAGE, opt;
    unsigned long long v;
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    drip_run_results run = {0};

    while ((opt = getopt_long(argc, argv, "+o:k:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': free(report_dir); report_dir = xstrdup(optarg); break;
        case 'S':
            if (!drip_cli_parse_u64("--seed", optarg, 0, UINT64_MAX, &v))
                goto cleanup;
            o.seed_set = true;
            o.seed = v;
            break;
        case 'T':
            if (!drip_cli_parse_u64("--threads", optarg, 1, 256, &v))
                goto cleanup;
            o.threads = (uint32_t)v;
            break;
        case 'N':
            if (!drip_cli_parse_u64("--iterations", optarg, 1, 1000000000000ULL, &v))
                goto cleanup;
            o.iterations = v;
            break;
        case 'U': {
            uint64_t ns;
            if (drip_parse_duration(optarg, &ns) < 0 || ns < DRIP_DURATION_MIN_NS ||
                ns > DRIP_DURATION_MAX_NS) {
                drip_cli_error("--duration must be a duration from 1s to 8760h, such as 30s, "
                               "10m or 2h, not '%s'", optarg);
                goto cleanup;
            }
            o.duration_ns = ns;
            break;
        }
        case 'k':
            XGROW(filters, fcap, nfilters);
            filters[nfilters++] = optarg;
            break;
        case 'V': o.valgrind = true; break;
        case 'P':
            if (!drip_cli_parse_profile(optarg, &o.profile))
                goto cleanup;
            break;
        case 'm':
            if (strcmp(optarg, "transient") == 0) {
                modes = DRIP_SWEEP_TRANSIENT;
            } else if (strcmp(optarg, "persistent") == 0) {
                modes = DRIP_SWEEP_PERSISTENT;
            } else if (strcmp(optarg, "both") == 0) {
                modes = DRIP_SWEEP_TRANSIENT | DRIP_SWEEP_PERSISTENT;
            } else {
                drip_cli_error("--mode must be transient, persistent or both, not '%s'", optarg);
                goto cleanup;
            }
            break;
        case 'H':
            if (!drip_cli_parse_shard(optarg, &shard_k, &shard_n))
                goto cleanup;
            break;
        case 'C': color = 1; break;
        case 'c': color = 0; break;
        case 'q': quiet = true; break;
        case 'h': fputs(usage, stdout); rc = DRIP_EXIT_OK; goto cleanup;
        default: fputs(usage, stderr); goto cleanup;
        }
    }
    if (sweep && (o.threads || o.iterations || o.duration_ns || o.valgrind || o.profile)) {
        drip_cli_error("sweep: --threads, --iterations, --duration, --valgrind and --profile are "
                       "for drip run (a sweep runs one iteration per trial on one thread)");
        goto cleanup;
    }
    if (o.iterations && o.duration_ns) {
        drip_cli_error("--iterations and --duration exclude each other: a run is counted "
                       "or timed");
        goto cleanup;
    }
    if (!sweep && modes) {
        drip_cli_error("--mode is for drip sweep");
        goto cleanup;
    }
    if (optind >= argc) {
        drip_cli_error("no scenario files given");
        fputs(usage, stderr);
        goto cleanup;
    }
    if (color < 0)
        color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    /* The line rewritten in place only on a terminal: CI logs get one line
     * per scenario. */
    bool live = isatty(STDOUT_FILENO) && !quiet;
    if (live && !sweep)
        o.progress = show_progress;

    if (drip_cli_load(argv + optind, (size_t)(argc - optind), &list, &diags) > 0) {
        drip_diags_print(&diags, stderr);
        fprintf(stderr, "drip: %zu problem%s found; nothing was run\n", diags.count,
                diags.count == 1 ? "" : "s");
        goto cleanup;
    }

    /* selected[i]: the filters pass scenario i, and --shard gives it to us */
    selected = xcalloc(list.count + 1, sizeof *selected);
    size_t matched = 0;
    for (size_t i = 0; i < list.count; i++)
        matched += selected[i] = matches(filters, nfilters, list.items[i].name);
    if (matched == 0) {
        drip_cli_error("no scenario matches the filter");
        goto cleanup;
    }
    if (shard_n) {
        const char **names = xcalloc(list.count, sizeof *names);
        bool *candidate = xcalloc(list.count, sizeof *candidate);
        for (size_t i = 0; i < list.count; i++) {
            names[i] = list.items[i].name;
            candidate[i] = selected[i];
        }
        drip_cli_shard_select(names, candidate, list.count, shard_k, shard_n, selected);
        free(candidate);
        free(names);
    }
    for (size_t i = 0; i < list.count; i++)
        run.planned += selected[i];
    if (shard_n && !quiet)
        printf("shard %u/%u: %zu of %zu scenario%s\n", shard_k, shard_n, run.planned, matched,
               matched == 1 ? "" : "s");

    if (!report_dir) {
        report_dir = default_report_dir(sweep ? "sweep" : "run");
        default_dir = true;
    }
    if (drip_mkdir_p(report_dir) < 0) {
        drip_cli_error("cannot create report directory %s: %s", report_dir, strerror(errno));
        goto cleanup;
    }
    o.log_dir = report_dir;
    o.report_fd = open(report_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o.report_fd < 0) {
        drip_cli_error("cannot open report directory %s: %s", report_dir, strerror(errno));
        goto cleanup;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    run.drip_version = xstrdup(DRIP_VERSION);
    run.seed_set = o.seed_set;
    run.seed = o.seed;
    run.started_at = iso_now();
    run.complete = true;
    run.shard_index = shard_k;
    run.shard_count = shard_n;
    uint64_t t0 = drip_now_ns();
    for (size_t i = 0; i < list.count; i++) {
        const drip_scenario *sc = &list.items[i];
        if (!selected[i])
            continue;
        if (interrupted) {
            run.complete = false;
            break;
        }
        if (live) {
            printf("  ...  %s", sc->name);
            fflush(stdout);
        }
        drip_result *r = drip_run_results_add(&run);
        if (sweep) {
            drip_scenario swept = *sc;          /* shallow: only sweep.modes differs */
            if (modes)
                swept.sweep.modes = modes;
            drip_runner_sweep(&o, &swept, r);
        } else {
            drip_runner_run_one(&o, sc, r);
            if ((o.valgrind || sc->valgrind.present) && r->status != DRIP_STATUS_ERROR &&
                !interrupted)
                drip_runner_valgrind(&o, sc, r);
            drip_classify(r);
        }
        if (live)
            printf("\r\033[K");
        if (!quiet || r->status != DRIP_STATUS_PASS)
            drip_report_terminal_line(r, stdout, color);
        fflush(stdout);
        if (interrupted)
            run.complete = false;
    }
    run.duration_s = (double)(drip_now_ns() - t0) / 1e9;

    char *err = NULL;
    if (drip_report_write_dir(&run, o.report_fd, report_dir, &err) < 0) {
        drip_cli_error("%s", err);
        free(err);
        rc = DRIP_EXIT_FAILED;
        goto cleanup;
    }
    if (default_dir) {
        /* reports/latest is a convenience: failing to update it is harmless. */
        unlink("reports/latest");
        (void)!symlink(report_dir + strlen("reports/"), "reports/latest");
    }
    printf("\n");
    drip_report_terminal_summary(&run, report_dir, stdout, color);
    drip_run_counts counts = drip_run_results_count(&run);
    rc = (counts.fail || counts.error || !run.complete) ? DRIP_EXIT_FAILED : DRIP_EXIT_OK;

cleanup:
    drip_run_results_free(&run);
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    free(filters);
    free(selected);
    if (o.report_fd >= 0)
        close(o.report_fd);
    free(report_dir);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    return run_command(argc, argv, false);
}

int cmd_sweep(int argc, char **argv)
{
    return run_command(argc, argv, true);
}
