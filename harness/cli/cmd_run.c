/* cmd_run.c - `drip run` and `drip sweep`: run scenarios (or sweep their
 * allocation failures), print verdicts, write the report.  The two share
 * everything but what is done to each scenario. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "proc/proc.h"
#include "report/progress.h"
#include "report/report.h"
#include "results/names.h"
#include "runner/runner.h"
#include "util/util.h"

static const char run_usage[] =
    "usage: drip run [options] FILE|DIR|PATTERN...\n"
    "\n"
    "Run every scenario in the given YAML files (directories are searched\n"
    "recursively for *.yaml and *.yml), each in its own worker process, print\n"
    "a verdict per scenario and write a report directory.  A built-in pattern's\n"
    "name (global-map) runs that pattern's scenarios, wherever drip is installed,\n"
    "when no file of that name exists here.\n"
    "\n"
    "  -o, --report-dir DIR   write the report here (default: reports/run-DATE-TIME;\n"
    "                         reports/latest points at the newest)\n"
    "      --seed N           use seed N for every scenario (replays a report's run)\n"
    "      --threads N        run every scenario on N threads\n"
    "      --iterations N     run every scenario for N iterations (samples scale along)\n"
    "      --profile MODE     allocation-site profile: off, sampled (at the scenario's\n"
    "                         rate, or one chosen from the run's allocations) or\n"
    "                         precise (every allocation); default: precise for a\n"
    "                         small run, else sampled\n"
    "      --duration D       run every scenario for D (30s, 10m, 2h: a soak), with\n"
    "                         about 200 samples; not with --iterations\n"
    "      --valgrind         also run every scenario's worker (or program) under valgrind\n"
    "                         memcheck (scenarios with a valgrind: section always get\n"
    "                         this pass)\n"
    "      --repeat N         run every scenario N times, with seeds S, S+1, ... S+N-1\n"
    "                         (S: --seed or the file's); it passes only if every\n"
    "                         repetition passes (is it stable enough for CI?)\n"
    "      --strict           fail a scenario that configures what its workload never\n"
    "                         uses: a fault point never asked, a param never read, an\n"
    "                         expected runtime gauge that never moved (run.strict: true)\n"
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
    "usage: drip sweep [options] FILE|DIR|PATTERN...\n"
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

/* One `drip run` or `drip sweep`: its options, its scenarios, its results. */
typedef struct run_cmd {
    bool                sweep;
    const char         *usage;
    drip_runner_opts    o;
    char               *report_dir;
    bool                default_dir;
    char              **filters;
    size_t              nfilters, fcap;
    int                 color;          /* -1 until decided */
    bool                quiet, live;
    uint64_t            repeat;         /* --repeat N: 0 or 1 runs each scenario once */
    unsigned            modes, shard_k, shard_n;
    int                 first_file;     /* argv index of the first scenario file */
    drip_scenario_list  list;
    drip_diags          diags;
    bool               *selected;       /* per scenario: filters pass it, shard runs it */
    drip_run_results    run;
} run_cmd;

/* Parse the command line into c.  Returns -1 to go on, or an exit status
 * (after printing the usage, or the error). */
static int parse_options(run_cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"report-dir", required_argument, NULL, 'o'},
        DRIP_RUN_LONGOPTS,
        {"filter", required_argument, NULL, 'k'},
        {"valgrind", no_argument, NULL, 'V'},
        {"strict", no_argument, NULL, 'Z'},
        {"repeat", required_argument, NULL, 'R'},
        {"mode", required_argument, NULL, 'm'},
        {"shard", required_argument, NULL, 'H'},
        {"quiet", no_argument, NULL, 'q'},
        DRIP_COLOR_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int opt, mode;
    while ((opt = drip_cli_next_option(argc, argv, "o:k:qh", longopts, &c->o)) != -1) {
        switch (opt) {
        case DRIP_OPT_BAD_VALUE: return DRIP_EXIT_USAGE;
        case 'o': free(c->report_dir); c->report_dir = xstrdup(optarg); break;
        case 'k':
            XGROW(c->filters, c->fcap, c->nfilters);
            c->filters[c->nfilters++] = optarg;
            break;
        case 'V': c->o.valgrind = true; break;
        case 'Z': c->o.strict = true; break;
        case 'R': {
            unsigned long long v;
            if (!drip_cli_parse_u64("--repeat", optarg, 1, 10000, &v))
                return DRIP_EXIT_USAGE;
            c->repeat = v;
            break;
        }
        case 'm':
            mode = drip_names_find(&drip_sweep_mode_names, optarg);
            if (mode >= 0) {
                c->modes = 1u << mode;          /* DRIP_SWEEP_TRANSIENT or _PERSISTENT */
            } else if (strcmp(optarg, "both") == 0) {
                c->modes = DRIP_SWEEP_TRANSIENT | DRIP_SWEEP_PERSISTENT;
            } else {
                drip_cli_error("--mode must be transient, persistent or both, not '%s'", optarg);
                return DRIP_EXIT_USAGE;
            }
            break;
        case 'H':
            if (!drip_cli_parse_shard(optarg, &c->shard_k, &c->shard_n))
                return DRIP_EXIT_USAGE;
            break;
        case 'q': c->quiet = true; break;
        default: {
            int status = drip_cli_shared_option(opt, &c->color, c->usage);
            if (status >= 0)
                return status;
        }
        }
    }
    c->first_file = optind;
    return -1;
}

/* The combinations parse_options cannot see one option at a time. */
static int check_options(const run_cmd *c, int argc)
{
    const drip_runner_opts *o = &c->o;
    if (c->sweep && (o->threads || o->iterations || o->duration_ns || o->valgrind ||
                     o->profile)) {
        drip_cli_error("sweep: --threads, --iterations, --duration, --valgrind and --profile are "
                       "for drip run (a sweep runs one iteration per trial on one thread)");
        return DRIP_EXIT_USAGE;
    }
    if (o->iterations && o->duration_ns) {
        drip_cli_error("--iterations and --duration exclude each other: a run is counted "
                       "or timed");
        return DRIP_EXIT_USAGE;
    }
    if (c->sweep && c->repeat) {
        drip_cli_error("--repeat is for drip run");
        return DRIP_EXIT_USAGE;
    }
    if (c->sweep && o->strict) {
        drip_cli_error("--strict is for drip run (a sweep's limits are in its sweep: section)");
        return DRIP_EXIT_USAGE;
    }
    if (!c->sweep && c->modes) {
        drip_cli_error("--mode is for drip sweep");
        return DRIP_EXIT_USAGE;
    }
    if (c->first_file >= argc) {
        drip_cli_error("no scenario files given");
        fputs(c->usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    return 0;
}

/* Why drip sweep leaves scenario i out: a program, when the sweep also
 * has plugins or built-in workloads to run (a sweep of programs alone
 * reports each as an error, drip_runner_program_sweep).  malloc'd, or
 * NULL. */
static char *sweep_skips(const run_cmd *c, size_t i)
{
    if (!c->sweep || !c->list.items[i].external)
        return NULL;
    for (size_t k = 0; k < c->list.count; k++)
        if (c->selected[k] && !c->list.items[k].external)
            return xstrdup("drip sweep does not run programs (workload.command)");
    return NULL;
}

/* Leave out the selected scenarios that cannot run here, saying so:
 * skipped, not run, never passed.  A program that was never built (the Go
 * originals without a Go toolchain, docs/GO.md); a program in a sweep
 * beside plugins. */
static void skip_unrunnable(run_cmd *c)
{
    size_t skipped = 0;
    char *first = NULL;
    bool *skip = xcalloc(c->list.count + 1, sizeof *skip);
    for (size_t i = 0; i < c->list.count; i++) {
        char *why = NULL;
        if (!c->selected[i] || !c->list.items[i].external)
            continue;
        if (!(why = sweep_skips(c, i)) &&
            !drip_runner_program_unbuilt(&c->o, &c->list.items[i], &why))
            continue;
        skip[i] = true;
        if (!skipped++)
            first = why;
        else
            free(why);
    }
    for (size_t i = 0; i < c->list.count; i++)
        c->selected[i] &= !skip[i];
    if (skipped)
        printf("skipped %zu scenario%s: %s%s\n", skipped, skipped == 1 ? "" : "s", first,
               skipped > 1 ? " (and others)" : "");
    free(first);
    free(skip);
}

/* Load the files and choose what runs: the filters, then the shard.
 * Returns 0, or an exit status after printing why. */
static int select_scenarios(run_cmd *c, char *const *args, size_t nfiles)
{
    char **files = drip_cli_pattern_args(args, nfiles);   /* `drip run global-map` */
    int problems = drip_cli_load(files, nfiles, &c->list, &c->diags);
    drip_cli_pattern_args_free(files, nfiles);
    if (problems > 0) {
        drip_diags_print(&c->diags, stderr);
        fprintf(stderr, "drip: %zu problem%s found; nothing was run\n", c->diags.count,
                c->diags.count == 1 ? "" : "s");
        return DRIP_EXIT_USAGE;
    }
    size_t n = c->list.count, matched = 0;
    c->selected = xcalloc(n + 1, sizeof *c->selected);
    for (size_t i = 0; i < n; i++)
        matched += c->selected[i] = matches(c->filters, c->nfilters, c->list.items[i].name);
    if (matched == 0) {
        drip_cli_error("no scenario matches the filter");
        return DRIP_EXIT_USAGE;
    }
    if (c->shard_n) {
        const char **names = xcalloc(n + 1, sizeof *names);
        bool *candidate = xcalloc(n + 1, sizeof *candidate);
        for (size_t i = 0; i < n; i++) {
            names[i] = c->list.items[i].name;
            candidate[i] = c->selected[i];
        }
        drip_cli_shard_select(names, candidate, n, c->shard_k, c->shard_n, c->selected);
        free(candidate);
        free(names);
    }
    skip_unrunnable(c);
    for (size_t i = 0; i < n; i++)
        c->run.planned += c->selected[i];
    if (c->shard_n && !c->quiet)
        printf("shard %u/%u: %zu of %zu scenario%s\n", c->shard_k, c->shard_n, c->run.planned,
               matched, matched == 1 ? "" : "s");
    return 0;
}

/* Run (or sweep) one scenario into r, with the options o. */
static void run_once(run_cmd *c, const drip_runner_opts *o, const drip_scenario *sc,
                     drip_result *r)
{
    if (sc->external) {                         /* a program, not a plugin (issue 15) */
        if (c->sweep)
            drip_runner_program_sweep(o, sc, r);
        else
            drip_runner_program(o, sc, r);
        return;
    }
    if (c->sweep) {
        drip_scenario swept = *sc;          /* shallow: only sweep.modes differs */
        if (c->modes)
            swept.sweep.modes = c->modes;
        drip_runner_sweep(o, &swept, r);
        return;
    }
    drip_runner_run_one(o, sc, r);
    if ((o->valgrind || sc->valgrind.present) && r->status != DRIP_STATUS_ERROR &&
        !drip_cli_interrupted)
        drip_runner_valgrind(o, sc, r);
    drip_classify(r);
}

/* --repeat N: run sc N times, with seeds S, S+1, ... (S: --seed or the
 * file's), each repetition's files tagged ".seedS" but the first's; keep
 * in r the first failing repetition (or the first), and the tally. */
static void run_repeated(run_cmd *c, const drip_scenario *sc, drip_result *r)
{
    uint64_t first = c->o.seed_set ? c->o.seed : sc->run.seed;
    drip_repeat_result tally = {0};
    bool kept_failing = false;
    for (uint64_t k = 0; k < c->repeat && !drip_cli_interrupted; k++) {
        uint64_t seed = first + k > DRIP_SEED_MAX ? k : first + k;
        char tag[40];
        snprintf(tag, sizeof tag, ".seed%llu", (unsigned long long)seed);
        drip_runner_opts o = c->o;
        o.seed_set = true;
        o.seed = seed;
        o.file_tag = k ? tag : NULL;
        drip_result one = {.ns_per_iter = NAN};
        run_once(c, &o, sc, &one);
        bool passed = one.status == DRIP_STATUS_PASS;
        tally.runs++;
        tally.passed += passed;
        if (!passed) {
            tally.failed_seeds = xrealloc(tally.failed_seeds,
                                          (tally.nfailed + 1) * sizeof *tally.failed_seeds);
            tally.failed_seeds[tally.nfailed++] = seed;
        }
        if (k == 0 || (!passed && !kept_failing)) {     /* the one the report shows */
            drip_result_free(r);
            *r = one;
            kept_failing = !passed;
        } else {
            drip_result_free(&one);
        }
    }
    r->repeat = tally;
}

static void run_scenario(run_cmd *c, const drip_scenario *sc, drip_result *r)
{
    if (c->repeat > 1)
        run_repeated(c, sc, r);
    else
        run_once(c, &c->o, sc, r);
}

/* Every selected scenario in turn, its line printed as it ends; none
 * starts after an interrupt. */
static void run_scenarios(run_cmd *c)
{
    c->run.drip_version = xstrdup(DRIP_VERSION);
    c->run.seed_set = c->o.seed_set;
    c->run.seed = c->o.seed;
    c->run.started_at = iso_now();
    c->run.complete = true;
    drip_proc_init();                    /* before saying how workers are contained */
    c->run.isolation = xstrdup(drip_proc_isolation());
    c->run.shard_index = c->shard_k;
    c->run.shard_count = c->shard_n;
    uint64_t t0 = drip_now_ns();
    for (size_t i = 0; i < c->list.count; i++) {
        const drip_scenario *sc = &c->list.items[i];
        if (!c->selected[i])
            continue;
        if (drip_cli_interrupted) {
            c->run.complete = false;
            break;
        }
        if (c->live) {
            printf("  ...  %s", sc->name);
            fflush(stdout);
        }
        drip_result *r = drip_run_results_add(&c->run);
        run_scenario(c, sc, r);
        if (c->live)
            printf("\r\033[K");
        if (!c->quiet || r->status != DRIP_STATUS_PASS)
            drip_report_terminal_line(r, stdout, c->color);
        fflush(stdout);
        if (drip_cli_interrupted)
            c->run.complete = false;
    }
    c->run.duration_s = (double)(drip_now_ns() - t0) / 1e9;
}

/* Write the report folder and print the summary.  Returns the exit status. */
static int write_report(run_cmd *c)
{
    char *err = NULL;
    if (drip_report_write_dir(&c->run, c->o.report_fd, c->report_dir, &err) < 0) {
        drip_cli_error("%s", err);
        free(err);
        return DRIP_EXIT_FAILED;
    }
    if (c->default_dir)
        drip_cli_link_latest(c->report_dir);
    printf("\n");
    drip_report_terminal_summary(&c->run, c->report_dir, stdout, c->color);
    fflush(stdout);
    drip_run_counts counts = drip_run_results_count(&c->run);
    return (counts.fail || counts.error || !c->run.complete) ? DRIP_EXIT_FAILED : DRIP_EXIT_OK;
}

static void run_cmd_free(run_cmd *c)
{
    drip_run_results_free(&c->run);
    drip_scenario_list_free(&c->list);
    drip_diags_free(&c->diags);
    free(c->filters);
    free(c->selected);
    free(c->report_dir);
    if (c->o.report_fd >= 0)
        close(c->o.report_fd);
}

/* `drip run` (sweep false) and `drip sweep` (sweep true). */
static int run_command(int argc, char **argv, bool sweep)
{
    run_cmd c = {
        .sweep = sweep, .usage = sweep ? sweep_usage : run_usage, .color = -1,
        .o = {.self_exe = drip_self_exe, .report_fd = -1, .interrupted = &drip_cli_interrupted},
    };
    int rc = parse_options(&c, argc, argv);
    if (rc >= 0)
        goto cleanup;
    if ((rc = check_options(&c, argc)) != 0 ||
        (rc = select_scenarios(&c, argv + c.first_file, (size_t)(argc - c.first_file))) != 0)
        goto cleanup;
    if (c.color < 0)
        c.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    /* the line rewritten in place only on a terminal: CI logs get one line
     * per scenario */
    c.live = isatty(STDOUT_FILENO) && !c.quiet;
    if (c.live && !sweep)
        c.o.progress = show_progress;
    c.o.report_fd = drip_cli_open_report_dir(&c.report_dir, sweep ? "sweep" : "run",
                                             &c.default_dir);
    if (c.o.report_fd < 0) {
        rc = DRIP_EXIT_USAGE;
        goto cleanup;
    }
    c.o.log_dir = c.report_dir;
    drip_cli_catch_signals();
    run_scenarios(&c);
    rc = write_report(&c);
cleanup:
    run_cmd_free(&c);
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
