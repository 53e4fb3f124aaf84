/* test_cli.c - end to end: the drip executable on real scenario files.
 *
 * Isolation (crash, hang, heap ceiling, bad param, in one run with a good
 * scenario), exit codes, FILE:LINE:COL errors, a plugin built outside the
 * tree, fault replay across thread counts, faults on a schedule (every, nth)
 * with exact counts, and the results.json contract (the valgrind pass:
 * test_valgrind.c).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdbool.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"


/* ---- errors ------------------------------------------------------------------ */

START_TEST(validate_builtin_ok)
{
    proc p = run((const char *[]){"validate", SRC("scenarios"), NULL});
    ck_assert_msg(p.status == 0, "stderr: %s", p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "ok: "));
    proc_free(&p);
}
END_TEST

START_TEST(validate_unknown_key)
{
    proc p = run((const char *[]){"validate", SRC("tests/scenarios/bad/unknown-key.yaml"), NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "unknown-key.yaml:4:3: error: ") != NULL, "stderr: %s", p.err);
    ck_assert_msg(strstr(p.err, "did you mean 'iterations'") != NULL, "stderr: %s", p.err);
    proc_free(&p);
}
END_TEST

START_TEST(validate_unknown_workload)
{
    proc p = run((const char *[]){"validate", SRC("tests/scenarios/bad/bad-workload.yaml"), NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "bad-workload.yaml:2:11: error: unknown workload "
                                "'global-map-leakyy' (did you mean 'global-map-leaky'?)") != NULL,
                  "stderr: %s", p.err);
    proc_free(&p);
}
END_TEST

START_TEST(run_with_bad_file_runs_nothing)
{
    char *dir = tmpdir();
    char report[512];
    snprintf(report, sizeof report, "%s/report", dir);
    proc p = run((const char *[]){"run", "--no-color", "-o", report, SRC("scenarios"),
                                  SRC("tests/scenarios/bad/unknown-key.yaml"), NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_null(strstr(p.out, "PASS"));
    struct stat st;
    ck_assert_int_ne(stat(report, &st), 0);          /* no report pretending to be one */
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(bad_command_lines)
{
    const char *const *cases[] = {
        (const char *[]){"frobnicate", NULL},
        (const char *[]){"run", NULL},
        (const char *[]){"run", "--threads", "0", SRC("scenarios"), NULL},
        (const char *[]){"run", "--seed", "x", SRC("scenarios"), NULL},
        (const char *[]){"run", "--bogus", SRC("scenarios"), NULL},
        (const char *[]){"validate", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proc p = run(cases[i]);
        ck_assert_msg(p.status == 2, "case %zu: exit %d", i, p.status);
        proc_free(&p);
    }
}
END_TEST

START_TEST(list_and_explain)
{
    proc p = run((const char *[]){"list", NULL});
    ck_assert_int_eq(p.status, 0);
    ck_assert_ptr_nonnull(strstr(p.out, "global-map-leaky "));
    ck_assert_ptr_nonnull(strstr(p.out, "global-map-fixed "));
    proc_free(&p);
    p = run((const char *[]){"explain", "global-map", NULL});
    ck_assert_int_eq(p.status, 0);
    ck_assert_ptr_nonnull(strstr(p.out, "# global-map"));
    ck_assert_ptr_nonnull(strstr(p.out, "## Prediction"));
    proc_free(&p);
    p = run((const char *[]){"explain", "global-mop", NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "did you mean 'global-map'"));
    proc_free(&p);
}
END_TEST

/* ---- options anywhere, `--`, a pattern's name (issue 17) -------------------------- */

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Options after the files are options (getopt permutes); `--` ends them,
 * so a file may start with '-'. */
START_TEST(options_anywhere)
{
    char *dir = tmpdir(), out[600], weird[600];
    snprintf(out, sizeof out, "%s/out", dir);
    proc p = run_in(dir, (const char *[]){"run", SRC("scenarios/time-after/fixed.yaml"),
                                          "--no-color", "-o", out, "--iterations", "500",
                                          NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(out);                     /* -o was taken as -o */
    json_decref(root);
    proc_free(&p);

    snprintf(weird, sizeof weird, "%s/-weird-name.yaml", dir);
    char *text = slurp(SRC("scenarios/time-after/fixed.yaml"));
    spit(weird, text);
    free(text);
    p = run_in(dir, (const char *[]){"validate", "--", "-weird-name.yaml", NULL});
    ck_assert_msg(p.status == 0 && strstr(p.out, "ok: 1 scenario"), "exit %d\n%s%s",
                  p.status, p.out, p.err);
    proc_free(&p);
    p = run_in(dir, (const char *[]){"validate", "-weird-name.yaml", NULL});   /* options */
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);

    p = run((const char *[]){"validate", SRC("scenarios/time-after"), "--timeout", NULL});
    ck_assert_msg(p.status == 0 && strcmp(p.out, "420\n") == 0,    /* 3 files of 60 s, the
                                                                  two Go ones of 120 s */
                  "exit %d: '%s' %s", p.status, p.out, p.err);
    proc_free(&p);
    p = run((const char *[]){"list", "--metrics", NULL});
    ck_assert(p.status == 0 && strstr(p.out, "heap_bytes"));
    proc_free(&p);
    p = run((const char *[]){"list", "x", NULL});
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);
    p = run((const char *[]){"explain", "global-map", "--help", NULL});
    ck_assert(p.status == 0 && strstr(p.out, "usage: drip explain"));
    proc_free(&p);
    p = run((const char *[]){"explain", "--", "global-map", NULL});
    ck_assert(p.status == 0 && strstr(p.out, "# global-map"));
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* A pattern's name stands for its folder when no file of that name is
 * here; a file of that name wins. */
START_TEST(pattern_names)
{
    char *dir = tmpdir(), out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    proc p = run_in(dir, (const char *[]){"validate", "global-map", NULL});
    ck_assert_msg(p.status == 0 && strstr(p.out, "ok: 6 scenarios"), "exit %d\n%s%s",
                  p.status, p.out, p.err);
    proc_free(&p);
    p = run_in(dir, (const char *[]){"run", "--no-color", "-o", out, "-k", "*-fixed",
                                     "time-after", NULL});
    ck_assert_msg(p.status == 0 && strstr(p.out, "time-after-fixed"), "exit %d\n%s%s",
                  p.status, p.out, p.err);
    proc_free(&p);
    char here[600];
    snprintf(here, sizeof here, "%s/time-after", dir);
    spit(here, "name: [\n");                         /* a file of that name: it is read */
    p = run_in(dir, (const char *[]){"validate", "time-after", NULL});
    ck_assert_msg(p.status == 2 && strstr(p.err, "time-after:1:"), "%s", p.err);
    proc_free(&p);
    p = run_in(dir, (const char *[]){"validate", "no-such-pattern", NULL});
    ck_assert_msg(p.status == 2 && strstr(p.err, "no-such-pattern: error: cannot read"),
                  "%s", p.err);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* drip explain names where each file it cites is, and each exists. */
START_TEST(explain_cites_files)
{
    proc p = run((const char *[]){"explain", "blocked-channel", NULL});
    ck_assert_int_eq(p.status, 0);
    const char *list = strstr(p.out, "Files cited above");
    ck_assert_msg(list != NULL, "%s", p.out);
    const char *want[] = {"fetch.c", "leaky.c", "src/rt/chan_internal.h", "include/drip/chan.h"};
    for (size_t i = 0; i < 4; i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "\n  %s ", want[i]);
        const char *at = strstr(list, needle);
        ck_assert_msg(at != NULL, "%s not listed: %s", want[i], list);
        char path[600];
        const char *start = strchr(at + strlen(needle), '/');
        ck_assert_ptr_nonnull(start);
        snprintf(path, sizeof path, "%.*s", (int)strcspn(start, "\n"), start);
        ck_assert_msg(access(path, R_OK) == 0, "%s -> %s missing", want[i], path);
    }
    proc_free(&p);
}
END_TEST

/* ---- isolation ----------------------------------------------------------------- */

START_TEST(isolation_one_run)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir, TST("scenarios/isolation.yaml"),
                                  NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(dir);
    ck_assert_int_eq(json_array_size(json_object_get(root, "scenarios")), 5);
    ck_assert(json_is_true(json_object_get(root, "complete")));

    json_t *s = scenario(root, "iso-crash");
    ck_assert_str_eq(str_at(s, "status"), "error");
    ck_assert_msg(strstr(str_at(s, "reason"), "SIGSEGV"), "%s", str_at(s, "reason"));
    /* the worker sent its stack: the first frame outside libc in the reason,
     * the whole stack, from the faulting instruction, in crash_stack */
    ck_assert_msg(strstr(str_at(s, "reason"), "near iteration 50 at iterate (crash.c:9)"),
                  "%s", str_at(s, "reason"));
    ck_assert_msg(strstr(str_at(s, "crash_stack"), "raise") &&
                  strstr(str_at(s, "crash_stack"), " < iterate (crash.c:9)"), "%s",
                  str_at(s, "crash_stack"));

    s = scenario(root, "iso-hang");
    ck_assert_str_eq(str_at(s, "status"), "error");
    ck_assert_msg(strstr(str_at(s, "reason"), "timeout"), "%s", str_at(s, "reason"));
    ck_assert(json_is_null(json_object_get(s, "crash_stack")));

    s = scenario(root, "iso-eat");
    ck_assert_str_eq(str_at(s, "status"), "fail");
    ck_assert(json_is_true(json_object_get(s, "heap_ceiling_hit")));
    ck_assert_msg(strstr(str_at(s, "reason"), "heap ceiling"), "%s", str_at(s, "reason"));
    json_t *hb = json_object_get(json_object_get(s, "metrics"), "heap_bytes");
    ck_assert_str_eq(str_at(hb, "verdict"), "growing");
    /* the growth profile of the samples so far, marked partial (issue 13) */
    json_t *prof = json_object_get(s, "profile");
    ck_assert_msg(json_is_object(prof), "the heap ceiling dropped the profile");
    ck_assert(json_is_true(json_object_get(prof, "partial")));
    json_t *top = json_array_get(json_object_get(prof, "growing_sites"), 0);
    ck_assert_msg(top && strcmp(str_at(json_object_get(top, "user_frame"), "function"),
                                "iterate") == 0, "top site %s", top ? str_at(top, "stack") : "-");

    s = scenario(root, "iso-badparam");
    ck_assert_str_eq(str_at(s, "status"), "error");
    ck_assert_msg(strstr(str_at(s, "reason"), "param 'count'"), "%s", str_at(s, "reason"));
    ck_assert_msg(strstr(str_at(s, "reason"), "isolation.yaml:"), "%s", str_at(s, "reason"));

    s = scenario(root, "iso-fine");
    ck_assert_msg(strcmp(str_at(s, "status"), "pass") == 0, "iso-fine: %s", str_at(s, "reason"));

    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/junit.xml", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/iso-fine.csv", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* ---- plugins from outside the tree ------------------------------------------------ */

START_TEST(plugin_outside_tree)
{
    char *dir = tmpdir();
    char cmd[2048], yaml[512];
    snprintf(cmd, sizeof cmd, "cc -shared -fPIC -I %s/include %s/tests/plugins/drop.c -o %s/libmine.so",
             DRIP_SOURCE_DIR, DRIP_SOURCE_DIR, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(yaml, sizeof yaml, "%s/mine.yaml", dir);
    FILE *f = fopen(yaml, "w");
    fputs("name: mine\n"
          "workload: { plugin: ./libmine.so }\n"
          "params: { leak_bytes: 32 }\n"
          "run: { iterations: 4000, sample_every: 40 }\n"
          "faults: [ { point: drop, rate: 0.5 } ]\n"
          "expect:\n"
          "  heap_bytes: { verdict: growing, min_slope: 12, max_slope: 20 }\n", f);
    fclose(f);
    /* Run from another directory: the plugin path is relative to the YAML file. */
    proc p = run_in("/", (const char *[]){"run", "--no-color", "-o", dir, yaml, NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(dir);
    json_t *s = scenario(root, "mine");
    ck_assert_str_eq(str_at(s, "status"), "pass");
    const char *wl = str_at(s, "workload");
    ck_assert_msg(strstr(wl, "libmine.so") != NULL, "%s", wl);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* ---- replay ----------------------------------------------------------------------- */

static json_t *faults_of(const char *threads, const char *seed, char **dirp)
{
    *dirp = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "--seed", seed, "--threads", threads,
                                  "--iterations", "5000", "-o", *dirp,
                                  SRC("scenarios/global-map/leaky.yaml"), NULL});
    ck_assert_msg(p.status == 0 || p.status == 1, "exit %d: %s", p.status, p.err);
    proc_free(&p);
    json_t *root = load_results(*dirp);
    ck_assert(json_integer_value(json_object_get(root, "seed")) == atoll(seed));
    json_t *f = json_deep_copy(json_object_get(scenario(root, "global-map-leaky"), "faults"));
    json_decref(root);
    return f;
}

START_TEST(faults_replay_across_threads)
{
    char *d1, *d2, *d3, *d4;
    json_t *one = faults_of("1", "7", &d1), *two = faults_of("2", "7", &d2);
    json_t *four = faults_of("4", "7", &d4);
    json_t *other = faults_of("1", "8", &d3);
    ck_assert_int_eq(json_array_size(one), 1);
    json_t *f = json_array_get(one, 0);
    ck_assert_str_eq(str_at(f, "point"), "cache.miss");
    ck_assert_int_eq(json_integer_value(json_object_get(f, "asked")), 5000);
    ck_assert(json_integer_value(json_object_get(f, "fired")) > 1000);
    ck_assert_msg(json_equal(one, two), "fault logs differ between 1 and 2 threads:\n%s\n%s",
                  json_dumps(one, 0), json_dumps(two, 0));
    ck_assert_msg(json_equal(one, four), "fault logs differ between 1 and 4 threads:\n%s\n%s",
                  json_dumps(one, 0), json_dumps(four, 0));
    ck_assert(!json_equal(one, other));
    json_decref(one);
    json_decref(two);
    json_decref(four);
    rm_rf(d4);
    free(d4);
    json_decref(other);
    rm_rf(d1);
    rm_rf(d2);
    rm_rf(d3);
    free(d1);
    free(d2);
    free(d3);
}
END_TEST

/* ---- allocation failures ------------------------------------------------------------ */

static json_t *run_allocfail(const char *threads, char **dirp)
{
    *dirp = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "--seed", "5", "--threads", threads,
                                  "-o", *dirp, TST("scenarios/allocfail.yaml"), NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    proc_free(&p);
    return load_results(*dirp);
}

START_TEST(alloc_faults)
{
    char *d1, *d2;
    json_t *one = run_allocfail("1", &d1), *two = run_allocfail("2", &d2);
    json_t *all = scenario(one, "allocfail-all"), *large = scenario(one, "allocfail-large");
    json_t *f = json_array_get(json_object_get(all, "faults"), 0);
    ck_assert_str_eq(str_at(f, "point"), "alloc");
    /* exactly the workload's 3 allocations per iteration were asked: none of
     * the harness's, and the iterations still completed and were judged */
    ck_assert_int_eq(json_integer_value(json_object_get(f, "asked")), 6000);
    json_int_t fired = json_integer_value(json_object_get(f, "fired"));
    ck_assert_msg(fired > 450 && fired < 750, "fired %lld", (long long)fired);
    ck_assert(json_integer_value(json_object_get(all, "failed_iterations")) > 0);
    ck_assert_str_eq(str_at(all, "status"), "pass");              /* heap flat: no leak */
    /* min_size 1KiB: only the 4096-byte allocation is ever asked */
    f = json_array_get(json_object_get(large, "faults"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "asked")), 2000);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "fired")),
                     json_integer_value(json_object_get(large, "failed_iterations")));
    /* the same decisions with two threads */
    ck_assert(json_equal(json_object_get(all, "faults"),
                         json_object_get(scenario(two, "allocfail-all"), "faults")));
    ck_assert(json_equal(json_object_get(large, "faults"),
                         json_object_get(scenario(two, "allocfail-large"), "faults")));
    json_decref(one);
    json_decref(two);
    rm_rf(d1);
    rm_rf(d2);
    free(d1);
    free(d2);
}
END_TEST

/* ---- faults on a schedule (every, nth) ---------------------------------------------- */

/* ---- configuration never used -------------------------------------------------- */

/* A fault point with a typo and a param never read: the line says so with
 * a did-you-mean, the run passes; with --strict it fails naming the first. */
START_TEST(unused_configuration)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir, TST("scenarios/unused.yaml"),
                                  NULL});
    ck_assert_msg(p.status == 0, "exit %d: %s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "warning: expect: 'timers' never moved: workload 'test-drop' "
                                "made no timer, so this expectation checks nothing") != NULL,
                  "%s", p.out);
    const char *none = strstr(p.out, "PASS   unused-none  ");
    const char *gauge = strstr(p.out, "PASS   unused-gauge");
    ck_assert_msg(none && gauge && gauge > none, "%s", p.out);
    ck_assert_msg(memmem(none, (size_t)(gauge - none), "warning:", 8) == NULL,
                  "%s", p.out);                                  /* uses all it sets */
    ck_assert_msg(strstr(p.out, "warning: fault point 'dropp' was never consulted by workload "
                                "'test-drop' (did you mean 'drop'?") != NULL, "%s", p.out);
    ck_assert_msg(strstr(p.out, "warning: param 'leak_byte' was never read by workload "
                                "'test-drop' (did you mean 'leak_bytes'?") != NULL, "%s", p.out);
    proc_free(&p);

    p = run((const char *[]){"run", "--no-color", "--strict", "-o", dir,
                             TST("scenarios/unused.yaml"), NULL});
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.out, "FAIL   unused-point") != NULL, "%s", p.out);
    ck_assert_msg(strstr(p.out, "strict: fault point 'dropp' was never consulted") != NULL,
                  "%s", p.out);
    ck_assert_msg(strstr(p.out, "FAIL   unused-param") != NULL, "%s", p.out);
    ck_assert_msg(strstr(p.out, "PASS   unused-none") != NULL, "%s", p.out);
    ck_assert_msg(strstr(p.out, "FAIL   unused-gauge") != NULL, "%s", p.out);
    json_t *root = load_results(dir);
    ck_assert_str_eq(str_at(scenario(root, "unused-point"), "status"), "fail");
    ck_assert_str_eq(str_at(scenario(root, "unused-none"), "status"), "pass");
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* ---- default expectations ------------------------------------------------------ */

/* Without `expect`, a growing heap fails the scenario ("expect: default
 * (nothing grows)") and clean code passes; `expect: none` passes the same
 * leak; `growing: false` fails it and `growing: true` passes it.
 * results.json says where each scenario's expectations came from. */
START_TEST(default_expectations)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir,
                                  TST("scenarios/defaults.yaml"), NULL});
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.out, "FAIL   default-leak") != NULL, "%s", p.out);
    ck_assert_msg(strstr(p.out, "expect: default (nothing grows): heap_bytes: growing, expected "
                                "flat or bounded") != NULL, "%s", p.out);
    const char *clean = strstr(p.out, "PASS   default-clean");
    ck_assert_msg(clean && strstr(clean, "expect: default (nothing grows)"), "%s", p.out);
    const char *none = strstr(p.out, "PASS   none-leak");
    ck_assert_msg(none && strstr(none, "expect: none"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "FAIL   not-growing-leak") != NULL, "%s", p.out);
    ck_assert_msg(strstr(p.out, "PASS   growing-leak") != NULL, "%s", p.out);
    json_t *root = load_results(dir);
    ck_assert_str_eq(str_at(scenario(root, "default-leak"), "expect"), "default");
    ck_assert_str_eq(str_at(scenario(root, "default-leak"), "status"), "fail");
    ck_assert_str_eq(str_at(scenario(root, "none-leak"), "expect"), "none");
    ck_assert_str_eq(str_at(scenario(root, "none-leak"), "status"), "pass");
    ck_assert_str_eq(str_at(scenario(root, "growing-leak"), "expect"), "rules");
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* ---- --repeat ---------------------------------------------------------------- */

/* A workload that leaks on some seeds: --repeat 8 fails it, naming the
 * seeds that failed; the same seeds give the same tally every time, and a
 * single run at a passing seed passes. */
START_TEST(repeat_flaky)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "--repeat", "8", "-o", dir,
                                  TST("scenarios/flaky.yaml"), NULL});
    ck_assert_int_eq(p.status, 1);
    unsigned failed = 0, runs = 0;
    const char *line = strstr(p.out, "flaky: ");
    ck_assert_msg(line && sscanf(line, "flaky: %u of %u failed (seed", &failed, &runs) == 2,
                  "%s", p.out);
    ck_assert_uint_eq(runs, 8);
    ck_assert(failed > 0 && failed < 8);
    ck_assert_msg(strstr(p.out, "FAIL   flaky") != NULL, "%s", p.out);
    char *first = strndup(line, strcspn(line, "\n"));

    proc q = run((const char *[]){"run", "--no-color", "--repeat", "8", "-o", dir,
                                  TST("scenarios/flaky.yaml"), NULL});
    ck_assert_msg(strstr(q.out, first) != NULL, "not replayed: '%s' vs %s", first, q.out);
    proc_free(&q);
    free(first);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

static json_t *run_faultforms(const char *threads, const char *seed, char **dirp)
{
    *dirp = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "--seed", seed, "--threads", threads,
                                  "-o", *dirp, TST("scenarios/faultforms.yaml"), NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    proc_free(&p);
    return load_results(*dirp);
}

static json_int_t int_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

static json_t *fault_of(json_t *root, const char *name)
{
    json_t *faults = json_object_get(scenario(root, name), "faults");
    ck_assert_int_eq(json_array_size(faults), 1);
    return json_array_get(faults, 0);
}

/* The first iterations listed for fault f are first, first + step, ... */
static void assert_first_iterations(json_t *f, json_int_t first, json_int_t step)
{
    json_t *list = json_object_get(f, "first_iterations");
    ck_assert_int_eq(json_array_size(list), 10);
    for (size_t j = 0; j < 10; j++)
        ck_assert_int_eq(json_integer_value(json_array_get(list, j)),
                         first + (json_int_t)j * step);
}

START_TEST(scheduled_faults)
{
    static const char *const names[] = {"faultforms-nth2", "faultforms-every10",
                                        "faultforms-every4-large", "faultforms-nth-unreached",
                                        "faultforms-drop-every10"};
    static const char *const threads[] = {"2", "4"};
    char *d1, *dn, *ds;
    json_t *one = run_faultforms("1", "5", &d1);
    const json_int_t iters = 2000;

    /* nth: [2] -> the second of 3 allocations fails in every iteration */
    json_t *s = scenario(one, "faultforms-nth2"), *f = fault_of(one, "faultforms-nth2");
    ck_assert_str_eq(str_at(s, "status"), "pass");
    ck_assert_str_eq(str_at(f, "point"), "alloc");
    ck_assert_int_eq(int_of(f, "asked"), 3 * iters);
    ck_assert_int_eq(int_of(f, "fired"), iters);
    ck_assert_int_eq(int_of(s, "failed_iterations"), iters);
    ck_assert_int_eq(json_array_size(json_object_get(f, "nth")), 1);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(f, "nth"), 0)), 2);
    ck_assert_ptr_null(json_object_get(f, "rate"));       /* a schedule has no rate */
    ck_assert_ptr_null(json_object_get(f, "every"));
    assert_first_iterations(f, 0, 1);

    /* every: 10 -> the first allocation of every 10th iteration */
    s = scenario(one, "faultforms-every10");
    f = fault_of(one, "faultforms-every10");
    ck_assert_int_eq(int_of(f, "every"), 10);
    ck_assert_ptr_null(json_object_get(f, "nth"));
    ck_assert_int_eq(int_of(f, "asked"), 3 * iters);
    ck_assert_int_eq(int_of(f, "fired"), iters / 10);
    ck_assert_int_eq(int_of(s, "failed_iterations"), iters / 10);
    assert_first_iterations(f, 9, 10);

    /* every: 4, nth: [1], min_size: 1KiB -> only the 4096-byte allocation asks */
    s = scenario(one, "faultforms-every4-large");
    f = fault_of(one, "faultforms-every4-large");
    ck_assert_int_eq(int_of(f, "asked"), iters);
    ck_assert_int_eq(int_of(f, "fired"), iters / 4);
    ck_assert_int_eq(int_of(s, "failed_iterations"), iters / 4);
    assert_first_iterations(f, 3, 4);

    /* nth: [4, 7] with 3 allocations per iteration: asked, never fired, and
     * a warning says why */
    s = scenario(one, "faultforms-nth-unreached");
    f = fault_of(one, "faultforms-nth-unreached");
    ck_assert_int_eq(int_of(f, "asked"), 3 * iters);
    ck_assert_int_eq(int_of(f, "fired"), 0);
    ck_assert_int_eq(int_of(s, "failed_iterations"), 0);
    json_t *warns = json_object_get(s, "warnings");
    ck_assert_int_eq(json_array_size(warns), 1);
    ck_assert_str_eq(json_string_value(json_array_get(warns, 0)),
                     "fault point 'alloc' never fired: nth starts at 4, but no iteration asked "
                     "it more than 3 times");

    /* a named point: 32 bytes leaked every 10th iteration is seen as growth */
    s = scenario(one, "faultforms-drop-every10");
    f = fault_of(one, "faultforms-drop-every10");
    ck_assert_str_eq(str_at(s, "status"), "pass");
    ck_assert_int_eq(int_of(f, "asked"), iters);
    ck_assert_int_eq(int_of(f, "fired"), iters / 10);
    json_t *hb = json_object_get(json_object_get(s, "metrics"), "heap_bytes");
    ck_assert_str_eq(str_at(hb, "verdict"), "growing");

    /* identical fault logs with 2 and 4 threads, and with another seed (a
     * schedule does not depend on it) */
    for (size_t t = 0; t < 2; t++) {
        json_t *many = run_faultforms(threads[t], "5", &dn);
        for (size_t i = 0; i < 5; i++) {
            json_t *a = json_object_get(scenario(one, names[i]), "faults");
            json_t *b = json_object_get(scenario(many, names[i]), "faults");
            ck_assert_msg(json_equal(a, b), "%s: fault logs differ between 1 and %s threads:\n"
                          "%s\n%s", names[i], threads[t], json_dumps(a, 0), json_dumps(b, 0));
            ck_assert_int_eq(int_of(scenario(many, names[i]), "threads"), atoi(threads[t]));
        }
        json_decref(many);
        rm_rf(dn);
        free(dn);
    }
    json_t *other = run_faultforms("1", "6", &ds);
    for (size_t i = 0; i < 5; i++)
        ck_assert(json_equal(json_object_get(scenario(one, names[i]), "faults"),
                             json_object_get(scenario(other, names[i]), "faults")));
    json_decref(other);
    json_decref(one);
    rm_rf(d1);
    rm_rf(ds);
    free(d1);
    free(ds);
}
END_TEST

/* ---- verdicts and the results contract ---------------------------------------------- */

START_TEST(leak_turns_ci_red)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir,
                                  SRC("tests/scenarios/leaky-judged-fixed.yaml"), NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s", p.status, p.out);
    json_t *root = load_results(dir);
    json_t *s = scenario(root, "global-map-leaky-judged-as-fixed");
    ck_assert_str_eq(str_at(s, "status"), "fail");
    json_t *e = json_array_get(json_object_get(s, "expectations"), 0);
    ck_assert(json_is_false(json_object_get(e, "ok")));

    s = scenario(root, "blocked-channel-leaky-judged-as-fixed");
    ck_assert_str_eq(str_at(s, "status"), "fail");
    ck_assert_msg(strstr(str_at(s, "reason"), "left after teardown"), "%s", str_at(s, "reason"));
    e = json_array_get(json_object_get(s, "expectations"), 0);
    ck_assert_str_eq(str_at(e, "rule"), "max_after_teardown");
    ck_assert(json_number_value(json_object_get(e, "actual")) >= 50);  /* ~100 stranded */
    json_t *left = json_object_get(json_object_get(s, "after_teardown"), "tasks");
    ck_assert(json_number_value(left) == json_number_value(json_object_get(e, "actual")));
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(results_contract)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir,
                                  SRC("scenarios/global-map/leaky.yaml"), NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "B/iter"), "%s", p.out);
    json_t *root = load_results(dir);
    ck_assert(json_is_null(json_object_get(root, "seed")));   /* each scenario's own */
    json_t *s = scenario(root, "global-map-leaky");
    ck_assert_str_eq(str_at(s, "status"), "pass");
    ck_assert(json_is_null(json_object_get(s, "reason")));
    ck_assert_str_eq(str_at(s, "file"), SRC("scenarios/global-map/leaky.yaml"));
    ck_assert_int_eq(json_integer_value(json_object_get(s, "iterations")), 20000);
    json_t *hb = json_object_get(json_object_get(s, "metrics"), "heap_bytes");
    double slope = json_real_value(json_object_get(hb, "slope"));
    ck_assert(json_real_value(json_object_get(hb, "slope_low")) <= slope);
    ck_assert(json_real_value(json_object_get(hb, "slope_high")) >= slope);
    ck_assert_str_eq(str_at(hb, "verdict"), "growing");
    json_t *exps = json_object_get(s, "expectations"), *e;
    size_t i;
    ck_assert(json_array_size(exps) >= 4);
    json_array_foreach(exps, i, e) {
        ck_assert(json_is_string(json_object_get(e, "metric")));
        ck_assert(json_is_string(json_object_get(e, "rule")));
        ck_assert(json_object_get(e, "limit") != NULL);
        ck_assert(json_object_get(e, "actual") != NULL);
        ck_assert(json_is_true(json_object_get(e, "ok")));
    }
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

static Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, validate_builtin_ok);
    tcase_add_test(errors, validate_unknown_key);
    tcase_add_test(errors, validate_unknown_workload);
    tcase_add_test(errors, run_with_bad_file_runs_nothing);
    tcase_add_test(errors, bad_command_lines);
    tcase_add_test(errors, list_and_explain);
    suite_add_tcase(s, errors);

    TCase *args = tcase_create("args");
    tcase_set_timeout(args, 120);
    tcase_add_test(args, options_anywhere);
    tcase_add_test(args, pattern_names);
    tcase_add_test(args, explain_cites_files);
    suite_add_tcase(s, args);

    TCase *iso = tcase_create("isolation");
    tcase_set_timeout(iso, 240);
    tcase_add_test(iso, isolation_one_run);
    tcase_add_test(iso, plugin_outside_tree);
    suite_add_tcase(s, iso);

    TCase *verdicts = tcase_create("verdicts");
    tcase_set_timeout(verdicts, 240);
    tcase_add_test(verdicts, faults_replay_across_threads);
    tcase_add_test(verdicts, alloc_faults);
    tcase_add_test(verdicts, scheduled_faults);
    tcase_add_test(verdicts, unused_configuration);
    tcase_add_test(verdicts, repeat_flaky);
    tcase_add_test(verdicts, default_expectations);
    tcase_add_test(verdicts, leak_turns_ci_red);
    tcase_add_test(verdicts, results_contract);
    suite_add_tcase(s, verdicts);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_cli();
}
