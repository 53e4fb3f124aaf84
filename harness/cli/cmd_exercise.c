/* cmd_exercise.c - `drip exercise PATTERN FILE.c`: grade a student's fix.
 *
 * The student's file is compiled exactly as a plugin author builds one
 * ($CC -shared -fPIC -I INCLUDE FILE.c -o X.so), then the pattern's
 * exercise scenario (scenarios/PATTERN/exercise/exercise.yaml, the fixed
 * variant's expectations) runs with that plugin in place of its workload:
 * the same runner, worker and isolation as `drip run`.  The verdict
 * (exercise_verdict.c) says what still grows and where to look.
 *
 * `drip exercise --go PATTERN main.go` grades a fix of the Go original
 * the same way: main.go is built (exercise_build.c) and the pattern's
 * go-fixed.yaml runs it as an external program, without `-fixed`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "exercise.h"
#include "report/report.h"
#include "runner/runner.h"
#include "util/util.h"

static const char exercise_usage[] =
    "usage: drip exercise [options] PATTERN FILE.c\n"
    "       drip exercise [options] --go PATTERN main.go\n"
    "       drip exercise [--go]          (list the patterns that have an exercise)\n"
    "\n"
    "Grade a fix: compile FILE.c as a workload plugin, with the line a plugin\n"
    "author uses plus -g ($CC -g -shared -fPIC -I INCLUDE FILE.c; CC defaults to\n"
    "cc), and run the pattern's exercise scenario - the fixed variant's\n"
    "expectations - against it, profiling every allocation.  Start from the\n"
    "pattern's exercise.c (the leaky code, its lesson's lines marked LESSON)\n"
    "next to exercise.yaml and HINTS.md.  Not fixed yet: each metric is named,\n"
    "fixed or still growing (with where the heap grows).  A crash names the\n"
    "line it happened at.\n"
    "\n"
    "  -o, --report-dir DIR   keep the run's report here (default: none kept)\n"
    "      --go               FILE is a fix of the pattern's Go original, go/main.go:\n"
    "                         build it offline (${GO:-go} build, with the pattern's\n"
    "                         go.mod) and grade it with go-fixed.yaml, started\n"
    "                         without -fixed\n"
    "      --seed N           use seed N (the fault decisions)\n"
    "      --threads N        run the iterations on N threads\n"
    "      --color, --no-color  force or disable colored output (default: on a TTY)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 fixed, 1 not fixed yet (or the run failed otherwise), 2 bad\n"
    "command line, unknown pattern, a file that does not compile or no Go\n"
    "toolchain (--go), 3 the fix crashed or hung.\n";

/* ---- finding the exercise --------------------------------------------------- */

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The exercise file of a pattern: the C exercise's, or (go) the Go
 * original's fixed scenario. */
static const char *exercise_file(bool go)
{
    return go ? "go-fixed.yaml" : "exercise/exercise.yaml";
}

/* The patterns under `scenarios` that have an exercise file (exercise/
 * exercise.yaml, or go-fixed.yaml when go), sorted, NULL-terminated,
 * malloc'd (free with free_names).  Never NULL. */
static char **exercise_names(const char *scenarios, bool go)
{
    char **names = xcalloc(1, sizeof *names);
    size_t n = 0, cap = 1;
    struct dirent **ents;
    int k = scenarios ? scandir(scenarios, &ents, NULL, alphasort) : -1;
    for (int i = 0; i < k; i++) {
        char *yaml = xasprintf("%s/%s/%s", scenarios, ents[i]->d_name, exercise_file(go));
        if (ents[i]->d_name[0] != '.' && readable(yaml)) {
            XGROW(names, cap, n + 1);
            names[n++] = xstrdup(ents[i]->d_name);
            names[n] = NULL;
        }
        free(yaml);
        free(ents[i]);
    }
    if (k >= 0)
        free(ents);
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

static void exercise_free(drip_exercise *ex)
{
    free(ex->dir);
    free(ex->yaml);
    free(ex->hints);
    free(ex->solution);
}

/* Fill ex for `pattern` (ex->go chosen); on an unknown pattern print why
 * (with a did-you-mean) and return -1. */
static int exercise_find(const char *scenarios, const char *pattern, drip_exercise *ex)
{
    ex->pattern = pattern;
    if (ex->go) {
        ex->dir = xasprintf("%s/%s", scenarios, pattern);
        ex->solution = xasprintf("%s/go/main.go", ex->dir);
    } else {
        ex->dir = xasprintf("%s/%s/exercise", scenarios, pattern);
        ex->hints = xasprintf("%s/HINTS.md", ex->dir);
        ex->solution = xasprintf("%s/solution.c", ex->dir);
    }
    ex->yaml = xasprintf("%s/%s/%s", scenarios, pattern, exercise_file(ex->go));
    if (drip_valid_name(pattern) && readable(ex->yaml))
        return 0;
    char **names = exercise_names(scenarios, ex->go);
    const char *near = drip_did_you_mean(pattern, (const char *const *)names);
    if (near)
        drip_cli_error("no %sexercise for pattern '%s' (did you mean '%s'?)",
                       ex->go ? "Go " : "", pattern, near);
    else
        drip_cli_error("no %sexercise for pattern '%s' (`drip exercise%s` lists them; looked "
                       "in %s)", ex->go ? "Go " : "", pattern, ex->go ? " --go" : "", scenarios);
    free_names(names);
    return -1;
}

/* ---- the temporary directory ------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? -1 : 0;
}

/* A fresh directory $TMPDIR/drip-exercise-XXXXXX (absolute), malloc'd, or
 * NULL after saying why. */
static char *make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/drip-exercise-XXXXXX", base && *base ? base : "/tmp");
    char abs[PATH_MAX];
    if (!mkdtemp(tmpl) || !realpath(tmpl, abs)) {
        drip_cli_error("cannot create a temporary directory %s: %s", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    free(tmpl);
    return xstrdup(abs);
}

/* ---- the command ---------------------------------------------------------------- */

static int list_exercises(bool go)
{
    char *scenarios = drip_cli_scenarios_dir();
    char **names = exercise_names(scenarios, go);
    if (!names[0])
        drip_cli_error("no exercises found (looked in %s)", scenarios ? scenarios : "nowhere");
    for (size_t i = 0; names[i]; i++)
        printf("%s\n", names[i]);
    int rc = names[0] ? DRIP_EXIT_OK : DRIP_EXIT_FAILED;
    free_names(names);
    free(scenarios);
    return rc;
}

/* Run every scenario of the exercise file (one, by contract) with the
 * student's plugin; fill run.  Returns the exit status: the worst of the
 * scenarios' (drip_exercise_status), DRIP_EXIT_FAILED when interrupted. */
static int grade(drip_runner_opts *o, const drip_exercise *ex, drip_run_results *run, bool color)
{
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    char *yaml = ex->yaml;
    int rc = DRIP_EXIT_USAGE;
    if (drip_cli_load(&yaml, 1, &list, &diags) > 0) {
        drip_diags_print(&diags, stderr);
        drip_cli_error("the exercise file %s is invalid", ex->yaml);
        goto cleanup;
    }
    rc = DRIP_EXIT_OK;
    for (size_t i = 0; i < list.count && !drip_cli_interrupted; i++) {
        drip_scenario *sc = &list.items[i];
        if (ex->go)
            drip_exercise_go_command(sc, ex->plugin);
        else
            drip_runner_apply_plugin(o, sc);
        char sec[32];
        fprintf(stderr, "drip: grading %s against %s's fixed expectations "
                "(%llu iterations, up to %s s)...\n", ex->student, ex->pattern,
                (unsigned long long)(o->iterations ? o->iterations : sc->run.iterations),
                drip_fmt_num((double)sc->run.timeout_ns / 1e9, sec, sizeof sec));
        drip_result *r = drip_run_results_add(run);
        if (sc->external)
            drip_runner_program(o, sc, r);      /* --go: the student's program */
        else
            drip_runner_run_one(o, sc, r);
        if (sc->valgrind.present && r->status != DRIP_STATUS_ERROR && !drip_cli_interrupted)
            drip_runner_valgrind(o, sc, r);
        drip_exercise_verdict(ex, r, stdout, color);
        int st = drip_exercise_status(r);
        rc = st == DRIP_EXIT_CRASHED || rc == DRIP_EXIT_CRASHED ? DRIP_EXIT_CRASHED
             : st > rc ? st : rc;
    }
    if (drip_cli_interrupted) {
        run->complete = false;
        rc = DRIP_EXIT_FAILED;
    }
cleanup:
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return rc;
}

/* One `drip exercise PATTERN FILE.c`: what it was given and what it made. */
typedef struct exercise_cmd {
    drip_runner_opts o;
    drip_exercise    ex;
    drip_run_results run;
    const char      *report_dir;       /* -o, or NULL */
    char            *scenarios, *include, *tmp, *so, *logs;
    int              color;            /* -1 until decided */
    bool             keep_tmp;
} exercise_cmd;

/* Parse the command line into c.  Returns -1 to go on, or an exit status
 * (after the usage, the list of exercises, or an error). */
static int parse_args(exercise_cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"report-dir", required_argument, NULL, 'o'},
        {"go", no_argument, NULL, 'g'},
        {"seed", required_argument, NULL, DRIP_OPT_SEED},
        {"threads", required_argument, NULL, DRIP_OPT_THREADS},
        DRIP_COLOR_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int opt, status;
    optind = 1;
    while ((opt = drip_cli_next_option(argc, argv, "o:h", longopts, &c->o)) != -1) {
        if (opt == DRIP_OPT_BAD_VALUE)
            return DRIP_EXIT_USAGE;
        if (opt == 'o')
            c->report_dir = optarg;
        else if (opt == 'g')
            c->ex.go = true;
        else if ((status = drip_cli_shared_option(opt, &c->color, exercise_usage)) >= 0)
            return status;
    }
    if (optind == argc)
        return list_exercises(c->ex.go);
    if (argc - optind != 2) {
        drip_cli_error(c->ex.go ? "expected a pattern and one Go file (main.go)"
                                : "expected a pattern and one C file");
        fputs(exercise_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    if (c->color < 0)
        c->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    return -1;
}

/* Find the exercise and drip's headers, check the student's file, compile
 * it into a fresh temporary directory.  0, or -1 after saying why (a bad
 * pattern or file, or a file that does not compile: exit status 2). */
static int prepare(exercise_cmd *c, const char *pattern, const char *student)
{
    c->scenarios = drip_cli_scenarios_dir();
    c->include = drip_cli_include_dir();
    if (!c->scenarios || !c->include) {
        drip_cli_error("cannot find drip's %s (not installed next to %s, and its source "
                       "tree is gone)", c->scenarios ? "public headers" : "pattern files",
                       drip_self_exe);
        return -1;
    }
    if (exercise_find(c->scenarios, pattern, &c->ex) < 0)
        return -1;
    c->ex.student = student;
    if (!readable(student)) {
        drip_cli_error("cannot read %s: %s (start from a copy of %s/%s)", student,
                       strerror(errno), c->ex.dir, c->ex.go ? "go/main.go" : "exercise.c");
        return -1;
    }
    if (!(c->tmp = make_tmpdir()))
        return -1;
    if (c->ex.go) {
        char *godir = xasprintf("%s/go", c->ex.dir), *work = xasprintf("%s/go", c->tmp);
        c->so = xasprintf("%s/%s-exercise", c->tmp, c->ex.pattern);
        c->ex.plugin = c->so;
        int rc = drip_exercise_build_go(godir, student, work, c->so);
        free(godir);
        free(work);
        return rc;
    }
    c->so = xasprintf("%s/%s-exercise.so", c->tmp, c->ex.pattern);
    c->ex.plugin = c->so;
    return drip_exercise_compile_c(c->include, student, c->so);
}

/* Grade the compiled fix, keep the report when asked (and the worker's log
 * when the fix crashed or hung).  Returns the exit status. */
static int run_grade(exercise_cmd *c)
{
    bool made_default;
    c->logs = xstrdup(c->report_dir ? c->report_dir : c->tmp);
    c->o.report_fd = drip_cli_open_report_dir(&c->logs, "exercise", &made_default);
    if (c->o.report_fd < 0)
        return DRIP_EXIT_USAGE;
    c->o.log_dir = c->logs;
    if (!c->ex.go) {
        c->o.plugin = c->so;
        c->o.profile = DRIP_PROFILE_PRECISE; /* every allocation: where the heap grows */
    }
    drip_cli_catch_signals();

    c->run.drip_version = xstrdup(DRIP_VERSION);
    c->run.seed_set = c->o.seed_set;
    c->run.seed = c->o.seed;
    c->run.planned = 1;
    uint64_t t0 = drip_now_ns();
    int rc = grade(&c->o, &c->ex, &c->run, c->color);
    c->run.duration_s = (double)(drip_now_ns() - t0) / 1e9;
    for (size_t i = 0; i < c->run.count; i++)       /* a crash's log is worth keeping */
        c->keep_tmp |= c->run.scenarios[i].status == DRIP_STATUS_ERROR && !c->report_dir;
    if (c->report_dir && c->run.count) {
        char *err = NULL;
        if (drip_report_write_dir(&c->run, c->o.report_fd, c->report_dir, &err) < 0) {
            drip_cli_error("%s", err);
            free(err);
            rc = DRIP_EXIT_FAILED;
        } else {
            printf("report: %s\n", c->report_dir);
        }
    }
    if (c->keep_tmp)
        fprintf(stderr, "drip: the worker's log is kept in %s\n", c->tmp);
    return rc;
}

static void exercise_cmd_free(exercise_cmd *c)
{
    if (c->tmp && !c->keep_tmp && nftw(c->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        fprintf(stderr, "drip: warning: could not remove %s: %s\n", c->tmp, strerror(errno));
    drip_run_results_free(&c->run);
    exercise_free(&c->ex);
    free(c->scenarios);
    free(c->include);
    free(c->tmp);
    free(c->so);
    if (c->o.report_fd >= 0)
        close(c->o.report_fd);
    free(c->logs);
}

int cmd_exercise(int argc, char **argv)
{
    exercise_cmd c = {
        .o = {.self_exe = drip_self_exe, .report_fd = -1, .interrupted = &drip_cli_interrupted},
        .run = {.complete = true},
        .color = -1,
    };
    int rc = parse_args(&c, argc, argv);
    if (rc < 0)
        rc = prepare(&c, argv[optind], argv[optind + 1]) < 0 ? DRIP_EXIT_USAGE : run_grade(&c);
    exercise_cmd_free(&c);
    return rc;
}
