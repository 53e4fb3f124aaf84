/* test_soak.c - end to end: timed runs (run.duration, --duration) and
 * Ctrl-C during a scenario.
 *
 * tests/plugins/soakme.c leaks exactly 4 B a iteration (64 B every 16th)
 * and creates a marker file at iteration 100000, by which time a timed
 * run, whose epochs start at one iteration and at most double, has taken
 * at least 17 samples.  The interrupt tests wait for the marker (polling
 * the file, never a fixed sleep), then signal `drip run`.  No assertion
 * depends on how fast the machine is: only on counts the pacing
 * guarantees and on the leak, which is exact.
 */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"

#define PLUGIN TST("plugins/libtest_soakme.so")

/* Write DIR/soak.yaml: the scenarios the tests run (marker in DIR). */
static char *write_scenarios(const char *dir)
{
    char *path = NULL, *marker = NULL;
    ck_assert(asprintf(&path, "%s/soak.yaml", dir) >= 0);
    ck_assert(asprintf(&marker, "%s/marker", dir) >= 0);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fprintf(f,
            "name: timed\n"
            "workload: { plugin: %s }\n"
            "run: { duration: 2s, threads: 2 }\n"
            "expect:\n"
            "  heap_bytes: { verdict: growing, min_slope: 3.5, max_slope: 4.5 }\n"
            "  threads: { verdict: flat }\n"
            "---\n"
            "name: counted\n"
            "workload: { plugin: %s }\n"
            "run: { iterations: 1000, threads: 2 }\n"
            "expect:\n"
            "  heap_bytes: { verdict: growing, min_slope: 3.5, max_slope: 4.5 }\n"
            "---\n"
            "name: soak\n"
            "workload: { plugin: %s }\n"
            "params: { marker: %s }\n"
            "run: { duration: 10m }\n"
            "expect:\n"
            "  heap_bytes: { verdict: growing, min_slope: 3.5, max_slope: 4.5 }\n"
            "---\n"
            "name: stuck\n"
            "workload: { plugin: %s }\n"
            "params: { marker: %s, block: 1 }\n"
            "run: { duration: 10m }\n"
            "---\n"
            "name: never-started\n"
            "workload: { plugin: %s }\n"
            "run: { duration: 10m }\n",
            PLUGIN, PLUGIN, PLUGIN, marker, PLUGIN, marker, PLUGIN);
    ck_assert_int_eq(fclose(f), 0);
    free(marker);
    return path;
}

static json_int_t int_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

static const char *verdict_of(json_t *sc, const char *metric)
{
    return str_at(json_object_get(json_object_get(sc, "metrics"), metric), "verdict");
}

static bool has_warning(json_t *sc, const char *sub)
{
    json_t *w;
    size_t i;
    json_array_foreach(json_object_get(sc, "warnings"), i, w)
        if (strstr(json_string_value(w), sub))
            return true;
    return false;
}

/* A finished timed or counted run, checked the same way. */
static void check_finished(json_t *root, const char *name, double duration_s)
{
    ck_assert(json_is_true(json_object_get(root, "complete")));
    json_t *sc = scenario(root, name);
    ck_assert_str_eq(str_at(sc, "status"), "pass");
    ck_assert_int_gt(int_at(sc, "iterations"), 0);
    ck_assert_int_ge(int_at(sc, "samples"), 50);
    ck_assert_str_eq(verdict_of(sc, "heap_bytes"), "growing");
    ck_assert_str_eq(verdict_of(sc, "threads"), "flat");
    ck_assert(json_is_null(json_object_get(sc, "iterations_planned")));
    ck_assert(json_number_value(json_object_get(sc, "duration_planned_s")) == duration_s);
    ck_assert(json_is_false(json_object_get(sc, "interrupted")));
    ck_assert(!has_warning(sc, "stopped early"));
}

/* run.duration in the file: about 200 samples over 2 s on 2 threads. */
START_TEST(timed_run_from_the_file)
{
    char *dir = tmpdir(), *yaml = write_scenarios(dir), *out = NULL;
    ck_assert(asprintf(&out, "%s/report", dir) >= 0);
    const char *args[] = {"run", "--no-color", "-k", "timed", "-o", out, yaml, NULL};
    proc p = run(args);
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    /* not a TTY: one line for the scenario, no progress line */
    ck_assert_ptr_null(strchr(p.out, '\r'));
    ck_assert_ptr_null(strstr(p.out, "\033[K"));
    ck_assert_ptr_nonnull(strstr(p.out, "PASS   timed"));
    json_t *root = load_results(out);
    check_finished(root, "timed", 2.0);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(out);
    free(yaml);
    free(dir);
}
END_TEST

/* --duration makes a counted scenario a timed one. */
START_TEST(duration_option_overrides_iterations)
{
    char *dir = tmpdir(), *yaml = write_scenarios(dir), *out = NULL;
    ck_assert(asprintf(&out, "%s/report", dir) >= 0);
    const char *args[] = {"run", "--no-color", "--duration", "2s", "-k", "counted", "-o", out,
                          yaml, NULL};
    proc p = run(args);
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(out);
    check_finished(root, "counted", 2.0);
    ck_assert_int_gt(int_at(scenario(root, "counted"), "iterations"), 1000);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(out);
    free(yaml);
    free(dir);
}
END_TEST

START_TEST(duration_option_errors)
{
    char *dir = tmpdir(), *yaml = write_scenarios(dir);
    const char *both[] = {"run", "--iterations", "100", "--duration", "2s", yaml, NULL};
    proc p = run(both);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--iterations and --duration exclude each other"));
    proc_free(&p);
    const char *bad[] = {"run", "--duration", "500ms", yaml, NULL};
    p = run(bad);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--duration must be a duration from 1s to 8760h"));
    proc_free(&p);
    const char *nounit[] = {"run", "--duration", "10", yaml, NULL};
    p = run(nounit);
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);
    const char *sweep[] = {"sweep", "--duration", "10s", yaml, NULL};
    p = run(sweep);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--duration"));
    proc_free(&p);
    rm_rf(dir);
    free(yaml);
    free(dir);
}
END_TEST

/* ---- Ctrl-C ------------------------------------------------------------------ */

typedef struct started {
    pid_t pid;
    char *out_file, *err_file;
} started;

/* Start `drip run --no-color -k NAME [-k NAME2] -o REPORT YAML` with its
 * output in files; return once DIR/marker exists (the scenario is under
 * way).  The test fails if drip ends first. */
static started start_and_wait(const char *dir, const char *yaml, const char *report,
                              const char *name, const char *name2)
{
    started s = {0};
    char *marker = NULL;
    ck_assert(asprintf(&marker, "%s/marker", dir) >= 0);
    ck_assert(asprintf(&s.out_file, "%s/stdout", dir) >= 0);
    ck_assert(asprintf(&s.err_file, "%s/stderr", dir) >= 0);
    s.pid = fork();
    ck_assert(s.pid >= 0);
    if (s.pid == 0) {
        if (!freopen(s.out_file, "w", stdout) || !freopen(s.err_file, "w", stderr))
            _exit(126);
        execl(DRIP_BIN, DRIP_BIN, "run", "--no-color", "-k", name, "-k", name2 ? name2 : name,
              "-o", report, yaml, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (;;) {                                  /* polled: no timing assumed */
        if (stat(marker, &st) == 0)
            break;
        int status;
        ck_assert_msg(waitpid(s.pid, &status, WNOHANG) == 0,
                      "drip ended before the marker appeared");
        usleep(10000);
    }
    free(marker);
    return s;
}

/* Is `sig` pending for process pid (ShdPnd in /proc/PID/status)? */
static bool pending(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    unsigned long long mask = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "ShdPnd: %llx", &mask) == 1)
            break;
    fclose(f);
    return mask & (1ULL << (sig - 1));
}

/* Send SIGINT and wait until it was delivered, so a second one is not
 * merged with it. */
static void interrupt(pid_t pid)
{
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    while (pending(pid, SIGINT))
        usleep(1000);
}

static int wait_exit(pid_t pid)
{
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "drip died of signal %d", WTERMSIG(status));
    return WEXITSTATUS(status);
}

/* One Ctrl-C: the scenario ends at its next sample, is judged on what it
 * measured (the leak is found), the report is written and says the run
 * is incomplete; no later scenario starts; exit 1. */
START_TEST(interrupt_judges_what_was_measured)
{
    char *dir = tmpdir(), *yaml = write_scenarios(dir), *report = NULL;
    ck_assert(asprintf(&report, "%s/report", dir) >= 0);
    started s = start_and_wait(dir, yaml, report, "soak", "never-started");
    interrupt(s.pid);
    int rc = wait_exit(s.pid);
    char *out = slurp(s.out_file);
    ck_assert_msg(rc == 1, "exit %d\n%s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "PASS   soak"));
    ck_assert_ptr_nonnull(strstr(out, "stopped early"));
    ck_assert_ptr_nonnull(strstr(out, "run interrupted: the report covers 1 of 2 scenarios"));

    json_t *root = load_results(report);
    ck_assert(json_is_false(json_object_get(root, "complete")));
    ck_assert_uint_eq(json_array_size(json_object_get(root, "scenarios")), 1);
    json_t *sc = scenario(root, "soak");
    ck_assert_str_eq(str_at(sc, "status"), "pass");
    ck_assert(json_is_true(json_object_get(sc, "interrupted")));
    ck_assert(has_warning(sc, "stopped early by interrupt at iteration "));
    ck_assert_int_ge(int_at(sc, "iterations"), 100000);   /* the marker's iteration */
    ck_assert_int_ge(int_at(sc, "samples"), 17);          /* the ramp: 1, 2, 4, ... */
    ck_assert_str_eq(verdict_of(sc, "heap_bytes"), "growing");
    ck_assert(json_is_object(json_object_get(sc, "after_teardown")));   /* torn down */
    json_t *prof = json_object_get(sc, "profile");                   /* of the iterations run */
    ck_assert_msg(json_is_object(prof), "no profile");
    ck_assert(json_is_true(json_object_get(prof, "partial")));
    json_t *top = json_array_get(json_object_get(prof, "growing_sites"), 0);
    ck_assert_msg(top != NULL, "no growing site");
    ck_assert_str_eq(str_at(json_object_get(top, "user_frame"), "function"), "iterate");

    char *csv = NULL;
    ck_assert(asprintf(&csv, "%s/soak.csv", report) >= 0);
    char *text = slurp(csv);
    ck_assert_ptr_nonnull(text);
    free(text);
    free(csv);
    json_decref(root);
    free(out);
    free(s.out_file);
    free(s.err_file);
    rm_rf(dir);
    free(report);
    free(yaml);
    free(dir);
}
END_TEST

/* A worker stuck in an iteration cannot reach its next sample: the second
 * Ctrl-C kills it, and the report is still written (status error). */
START_TEST(second_interrupt_kills)
{
    char *dir = tmpdir(), *yaml = write_scenarios(dir), *report = NULL;
    ck_assert(asprintf(&report, "%s/report", dir) >= 0);
    started s = start_and_wait(dir, yaml, report, "stuck", NULL);
    interrupt(s.pid);
    interrupt(s.pid);
    int rc = wait_exit(s.pid);
    ck_assert_int_eq(rc, 1);
    json_t *root = load_results(report);
    ck_assert(json_is_false(json_object_get(root, "complete")));
    json_t *sc = scenario(root, "stuck");
    ck_assert_str_eq(str_at(sc, "status"), "error");
    ck_assert(strncmp(str_at(sc, "reason"), "interrupted", 11) == 0);
    ck_assert(json_is_true(json_object_get(sc, "interrupted")));
    json_decref(root);
    free(s.out_file);
    free(s.err_file);
    rm_rf(dir);
    free(report);
    free(yaml);
    free(dir);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("soak");
    TCase *timed = drip_tcase(s, "timed", timed_run_from_the_file,
            duration_option_overrides_iterations, duration_option_errors, NULL);
    tcase_set_timeout(timed, 300);
    TCase *intr = drip_tcase(s, "interrupt", interrupt_judges_what_was_measured,
            second_interrupt_kills, NULL);
    tcase_set_timeout(intr, 300);
    return s;
}
