/* cmd_exercise.c - `drip exercise PATTERN FILE.c`: grade a student's fix.
 *
 * The student's file is compiled exactly as a plugin author builds one
 * ($CC -shared -fPIC -I INCLUDE FILE.c -o X.so), then the pattern's
 * exercise scenario (scenarios/PATTERN/exercise/exercise.yaml, the fixed
 * variant's expectations) runs with that plugin in place of its workload:
 * the same runner, worker and isolation as `drip run`.  The verdict
 * (exercise_verdict.c) says what still grows and where to look.
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
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "exercise.h"
#include "report/report.h"
#include "runner/runner.h"
#include "util/util.h"

static const char exercise_usage[] =
    "usage: drip exercise [options] PATTERN FILE.c\n"
    "       drip exercise                 (list the patterns that have an exercise)\n"
    "\n"
    "Grade a fix: compile FILE.c as a workload plugin, with the line a plugin\n"
    "author uses ($CC -shared -fPIC -I INCLUDE FILE.c; CC defaults to cc), and\n"
    "run the pattern's exercise scenario - the fixed variant's expectations -\n"
    "against it.  Start from the pattern's exercise.c (the leaky code, its\n"
    "lesson's lines marked LESSON) next to exercise.yaml and HINTS.md.\n"
    "\n"
    "  -o, --report-dir DIR   keep the run's report here (default: none kept)\n"
    "      --seed N           use seed N (the fault decisions)\n"
    "      --threads N        run the iterations on N threads\n"
    "      --color, --no-color  force or disable colored output (default: on a TTY)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 fixed, 1 not fixed yet (or the run failed), 2 bad command\n"
    "line, unknown pattern or a file that does not compile.\n";


/* ---- finding the exercise --------------------------------------------------- */

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The patterns under `scenarios` that have exercise/exercise.yaml, sorted,
 * NULL-terminated, malloc'd (free with free_names).  Never NULL. */
static char **exercise_names(const char *scenarios)
{
    char **names = xcalloc(1, sizeof *names);
    size_t n = 0, cap = 1;
    struct dirent **ents;
    int k = scenarios ? scandir(scenarios, &ents, NULL, alphasort) : -1;
    for (int i = 0; i < k; i++) {
        char *yaml = xasprintf("%s/%s/exercise/exercise.yaml", scenarios, ents[i]->d_name);
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

/* Fill ex for `pattern`; on an unknown pattern print why (with a
 * did-you-mean) and return -1. */
static int exercise_find(const char *scenarios, const char *pattern, drip_exercise *ex)
{
    ex->pattern = pattern;
    ex->dir = xasprintf("%s/%s/exercise", scenarios, pattern);
    ex->yaml = xasprintf("%s/exercise.yaml", ex->dir);
    ex->hints = xasprintf("%s/HINTS.md", ex->dir);
    ex->solution = xasprintf("%s/solution.c", ex->dir);
    if (drip_valid_name(pattern) && readable(ex->yaml))
        return 0;
    char **names = exercise_names(scenarios);
    const char *near = drip_did_you_mean(pattern, (const char *const *)names);
    if (near)
        drip_cli_error("no exercise for pattern '%s' (did you mean '%s'?)", pattern, near);
    else
        drip_cli_error("no exercise for pattern '%s' (`drip exercise` lists them; looked in %s)",
                       pattern, scenarios);
    free_names(names);
    return -1;
}

/* ---- compiling --------------------------------------------------------------- */

/* Run `${CC:-cc} -shared -fPIC -I include src -o so` through sh, so that a
 * CC with flags ("gcc -m64") works and no file name is ever parsed by the
 * shell.  The compiler's messages go to our stderr as they are.  Returns
 * 0 when it built, else -1 after saying why. */
static int compile(const char *include, const char *src, const char *so)
{
    const char *cc = getenv("CC");
    fprintf(stderr, "drip: compiling: %s -shared -fPIC -I %s %s -o %s\n",
            cc && *cc ? cc : "cc", include, src, so);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        drip_cli_error("cannot fork the compiler: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);  /* one stream of compiler output */
        execl("/bin/sh", "sh", "-c", "exec ${CC:-cc} -shared -fPIC -I \"$1\" \"$2\" -o \"$3\"",
              "drip-exercise-cc", include, src, so, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            drip_cli_error("waiting for the compiler: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        drip_cli_error("cannot run the compiler '%s' (set CC to a C compiler)",
                       cc && *cc ? cc : "cc");
    else
        drip_cli_error("%s does not compile (the compiler's messages are above)", src);
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

static int list_exercises(void)
{
    char *scenarios = drip_cli_scenarios_dir();
    char **names = exercise_names(scenarios);
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
 * student's plugin; fill run.  Returns the exit status. */
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
        drip_runner_apply_plugin(o, sc);
        char sec[32];
        fprintf(stderr, "drip: grading %s against %s's fixed expectations "
                "(%llu iterations, up to %s s)...\n", ex->student, ex->pattern,
                (unsigned long long)(o->iterations ? o->iterations : sc->run.iterations),
                drip_fmt_num((double)sc->run.timeout_ns / 1e9, sec, sizeof sec));
        drip_result *r = drip_run_results_add(run);
        drip_runner_run_one(o, sc, r);
        if (sc->valgrind.present && r->status != DRIP_STATUS_ERROR && !drip_cli_interrupted)
            drip_runner_valgrind(o, sc, r);
        drip_exercise_verdict(ex, r, stdout, color);
        if (r->status != DRIP_STATUS_PASS)
            rc = DRIP_EXIT_FAILED;
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

int cmd_exercise(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"report-dir", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, DRIP_OPT_SEED},
        {"threads", required_argument, NULL, DRIP_OPT_THREADS},
        {"color", no_argument, NULL, 'C'},
        {"no-color", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    drip_runner_opts o = {.self_exe = drip_self_exe, .report_fd = -1,
                          .interrupted = &drip_cli_interrupted};
    drip_exercise ex = {0};
    drip_run_results run = {.complete = true};
    const char *report_dir = NULL;
    char *scenarios = NULL, *include = NULL, *tmp = NULL, *so = NULL, *logs = NULL;
    int color = -1, rc = DRIP_EXIT_USAGE, opt;
    bool keep_tmp = false, made_default;

    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        int taken = drip_cli_run_option(opt, optarg, &o);
        if (taken < 0)
            goto cleanup;
        if (taken)
            continue;
        switch (opt) {
        case 'o': report_dir = optarg; break;
        case 'C': color = 1; break;
        case 'c': color = 0; break;
        case 'h': fputs(exercise_usage, stdout); rc = DRIP_EXIT_OK; goto cleanup;
        default: fputs(exercise_usage, stderr); goto cleanup;
        }
    }
    if (optind == argc) {
        rc = list_exercises();
        goto cleanup;
    }
    if (argc - optind != 2) {
        drip_cli_error("expected a pattern and one C file");
        fputs(exercise_usage, stderr);
        goto cleanup;
    }
    if (color < 0)
        color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

    scenarios = drip_cli_scenarios_dir();
    include = drip_cli_include_dir();
    if (!scenarios || !include) {
        drip_cli_error("cannot find drip's %s (not installed next to %s, and its source "
                       "tree is gone)", scenarios ? "public headers" : "pattern files",
                       drip_self_exe);
        goto cleanup;
    }
    if (exercise_find(scenarios, argv[optind], &ex) < 0)
        goto cleanup;
    ex.student = argv[optind + 1];
    if (!readable(ex.student)) {
        drip_cli_error("cannot read %s: %s (start from a copy of %s/exercise.c)", ex.student,
                       strerror(errno), ex.dir);
        goto cleanup;
    }

    if (!(tmp = make_tmpdir()))
        goto cleanup;
    so = xasprintf("%s/%s-exercise.so", tmp, ex.pattern);
    ex.plugin = so;
    if (compile(include, ex.student, so) < 0)
        goto cleanup;

    logs = xstrdup(report_dir ? report_dir : tmp);
    o.report_fd = drip_cli_open_report_dir(&logs, "exercise", &made_default);
    if (o.report_fd < 0)
        goto cleanup;
    o.log_dir = logs;
    o.plugin = so;
    drip_cli_catch_signals();

    run.drip_version = xstrdup(DRIP_VERSION);
    run.seed_set = o.seed_set;
    run.seed = o.seed;
    run.planned = 1;
    uint64_t t0 = drip_now_ns();
    rc = grade(&o, &ex, &run, color);
    run.duration_s = (double)(drip_now_ns() - t0) / 1e9;
    for (size_t i = 0; i < run.count; i++)       /* a crash's log is worth keeping */
        keep_tmp |= run.scenarios[i].status == DRIP_STATUS_ERROR && !report_dir;
    if (report_dir && run.count) {
        char *err = NULL;
        if (drip_report_write_dir(&run, o.report_fd, report_dir, &err) < 0) {
            drip_cli_error("%s", err);
            free(err);
            rc = DRIP_EXIT_FAILED;
        } else {
            printf("report: %s\n", report_dir);
        }
    }
    if (keep_tmp)
        fprintf(stderr, "drip: the worker's log is kept in %s\n", tmp);

cleanup:
    if (tmp && !keep_tmp && nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        fprintf(stderr, "drip: warning: could not remove %s: %s\n", tmp, strerror(errno));
    drip_run_results_free(&run);
    exercise_free(&ex);
    free(scenarios);
    free(include);
    free(tmp);
    free(so);
    if (o.report_fd >= 0)
        close(o.report_fd);
    free(logs);
    return rc;
}
