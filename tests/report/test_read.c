/* test_read.c - reading a report back (harness/report/read.h).
 *
 * "core": a model holding every part a report can hold (read_fixtures.h:
 * samples, fits, every expectation rule, faults of every form, a valgrind
 * pass with its growth run, a sweep with findings, a classification, a
 * shard, text that needs escaping) is written with drip_report_write_dir,
 * read back and written again: every file must come out byte-identical.
 * "errors": a missing, garbled or foreign file, a key of the wrong type, a
 * seed too large (an older drip's) and a garbled CSV each give "FILE: what
 * is wrong" and leave the run empty.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "read_fixtures.h"
#include "report/read.h"
#include "report/report.h"
#include "util/util.h"

static char *tmp;

/* drip_report_write_dir into the directory at path (created if missing). */
static int write_report(const drip_run_results *run, const char *dir, char **err)
{
    int fd = drip_report_dir_open(dir, err);
    if (fd < 0)
        return -1;
    int rc = drip_report_write_dir(run, fd, dir, err);
    close(fd);
    return rc;
}

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    strbuf sb = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    return sb_take(&sb);
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    char tmpl[] = "/tmp/drip-test-read-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    tmp = xstrdup(tmpl);
}

static void teardown(void)
{
    char *cmd = xasprintf("rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(tmp);
}

static void assert_same_file(const char *a_dir, const char *b_dir, const char *name)
{
    char *a_path = xasprintf("%s/%s", a_dir, name), *b_path = xasprintf("%s/%s", b_dir, name);
    char *a = slurp_file(a_path), *b = slurp_file(b_path);
    size_t at = 0;
    while (a[at] && a[at] == b[at])
        at++;
    size_t from = at > 80 ? at - 80 : 0;
    ck_assert_msg(a[at] == b[at], "%s differs after a round trip at byte %zu:\n--- first\n%.160s"
                  "\n--- again\n%.160s", name, at, a + from, b + from);
    free(a);
    free(b);
    free(a_path);
    free(b_path);
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_round_trip)
{
    drip_run_results run = {0}, back = {0};
    char *err = NULL, *a = xasprintf("%s/a", tmp), *b = xasprintf("%s/b", tmp);
    size_t no_samples = 99;
    build_full_run(&run);
    ck_assert_int_eq(write_report(&run, a, &err), 0);

    ck_assert_msg(drip_results_read(a, &back, &no_samples, &err) == 0, "%s", err);
    ck_assert_uint_eq(no_samples, 0);
    ck_assert_uint_eq(back.count, 3);
    ck_assert_str_eq(back.isolation, "cgroup v2");
    ck_assert_uint_eq(back.shard_index, 2);
    ck_assert_uint_eq(back.shard_count, 3);
    ck_assert_uint_eq(back.nmissing_shards, 2);
    ck_assert_uint_eq(back.missing_shards[1], 3);
    ck_assert_uint_eq(back.missing_of, 3);
    ck_assert_uint_eq(back.scenarios[0].nsamples, 10);
    ck_assert(back.scenarios[0].metrics[DRIP_M_HEAP_BYTES].fit.all.low == 150.5);
    ck_assert(back.scenarios[0].metrics[DRIP_M_HEAP_BYTES].fit.change_at == 6000);
    ck_assert(back.scenarios[0].metrics[DRIP_M_HEAP_BYTES].fit.change.slope ==
              run.scenarios[0].metrics[DRIP_M_HEAP_BYTES].fit.all.slope * 1.5);
    ck_assert(isnan(back.scenarios[0].metrics[DRIP_M_HEAP_OBJECTS].fit.change_at));
    ck_assert_int_eq(back.scenarios[0].metrics[DRIP_M_HEAP_OBJECTS].fit.verdict,
                     DRIP_VERDICT_BOUNDED);
    ck_assert(!back.scenarios[0].metrics[DRIP_M_RSS].measured);
    const drip_result *r0 = &back.scenarios[0];                  /* the workload's own metrics */
    ck_assert_uint_eq(r0->ncustom, 2);
    ck_assert_str_eq(drip_result_metric_info(r0, DRIP_M_COUNT)->name, "cache.hits");
    ck_assert_str_eq(drip_result_metric_info(r0, DRIP_M_COUNT)->unit, "hits");
    ck_assert(drip_result_metric_info(r0, DRIP_M_COUNT)->cumulative);
    ck_assert(drip_result_metric_info(r0, DRIP_M_COUNT)->resolution == 4);
    ck_assert(drip_result_metric_info(r0, DRIP_M_COUNT + 1)->resolution == 1);
    ck_assert(r0->metrics[DRIP_M_COUNT].measured && !r0->metrics[DRIP_M_COUNT + 1].measured);
    ck_assert(r0->metrics[DRIP_M_COUNT].fit.all.slope == 0.5);
    ck_assert(r0->samples[9].v[DRIP_COL_METRIC(DRIP_M_COUNT)] == 5000);        /* from the CSV */
    ck_assert(r0->after_teardown.v[DRIP_COL_METRIC(DRIP_M_COUNT)] == 1.5 * (2 + DRIP_M_COUNT));
    ck_assert_int_eq(r0->expects[4].metric, DRIP_M_COUNT + 1);
    ck_assert_str_eq(drip_result_metric_info(r0, r0->expects[4].metric)->name, "cache.misses");
    ck_assert(isnan(back.scenarios[0].expects[2].actual));
    ck_assert_int_eq(back.scenarios[1].status, DRIP_STATUS_ERROR);
    ck_assert_str_eq(back.scenarios[1].sweep.findings[0].sites[0].stack, "iterate (sweepme.c:32)");
    ck_assert_str_eq(back.scenarios[1].crash_stack,
                     "free_job (my_fix.c:52) < iterate (my_fix.c:80)");
    ck_assert_ptr_null(back.scenarios[0].crash_stack);
    ck_assert_uint_eq(back.scenarios[0].repeat.runs, 4);
    ck_assert_uint_eq(back.scenarios[0].repeat.passed, 2);
    ck_assert_uint_eq(back.scenarios[0].repeat.nfailed, 2);
    ck_assert_uint_eq(back.scenarios[0].repeat.failed_seeds[1], 44);
    ck_assert_uint_eq(back.scenarios[1].repeat.runs, 0);
    ck_assert_uint_eq(back.scenarios[0].settle.samples, 201);
    ck_assert_uint_eq(back.scenarios[0].settle.unsettled, 3);
    ck_assert(back.scenarios[0].settle.total_s == 0.25 && back.scenarios[0].settle.max_s == 0.125);
    ck_assert_uint_eq(back.scenarios[1].settle.samples, 0);        /* null: not settled */
    ck_assert_int_eq(back.scenarios[0].expect_mode, DRIP_EXPECT_DEFAULT);
    ck_assert_int_eq(back.scenarios[1].expect_mode, DRIP_EXPECT_RULES);
    const drip_program_result *pg = &back.scenarios[1].program;      /* an external program */
    ck_assert(pg->ran && !back.scenarios[0].program.ran);
    ck_assert_uint_eq(pg->ncommand, 2);
    ck_assert_str_eq(pg->command[1], "--port");
    ck_assert_int_eq(pg->pid, 4242);
    ck_assert_str_eq(pg->exit_signal, "SIGSEGV");
    ck_assert_int_eq(pg->exit_status, -1);
    ck_assert(pg->ready_after_s == 0.125);
    ck_assert_uint_eq(pg->requests_ok, 19980);
    ck_assert_uint_eq(pg->requests_failed, 20);
    const drip_result *t = &back.scenarios[2];
    ck_assert(t->interrupted);
    ck_assert(t->duration_planned_s == 600);
    ck_assert(t->profile.ran && t->profile.read_back);          /* only the growing sites */
    ck_assert_uint_eq(t->profile.nsites, 1);                  /* the second one shrank */
    ck_assert_str_eq(t->profile.sites[0].frames[0].fn, "render");
    ck_assert_int_eq(t->profile.sites[0].frames[1].line, 80);
    ck_assert(t->profile.partial);                            /* the soak stopped early */
    ck_assert_str_eq(t->profile.sites[0].user.fn, "cache_iterate");
    ck_assert_int_eq(t->profile.sites[0].user.line, 80);

    ck_assert_int_eq(write_report(&back, b, &err), 0);
    assert_same_file(a, b, "results.json");
    assert_same_file(a, b, "junit.xml");
    assert_same_file(a, b, "leaky.csv");
    assert_same_file(a, b, "swept.csv");
    assert_same_file(a, b, "soaked.csv");
    /* the profile files are written from the full profile only, never again
     * from the growing sites a results.json keeps */
    char *pb = xasprintf("%s/soaked.heap.pb.gz", b);
    ck_assert_int_ne(access(pb, F_OK), 0);
    free(pb);

    /* a path to the file reads the same as its directory */
    drip_run_results again = {0};
    char *file = xasprintf("%s/results.json", a);
    ck_assert_msg(drip_results_read(file, &again, NULL, &err) == 0, "%s", err);
    ck_assert_uint_eq(again.count, 3);
    drip_run_results_free(&again);
    free(file);

    drip_run_results_free(&run);
    drip_run_results_free(&back);
    free(a);
    free(b);
}
END_TEST

/* Without its CSV a scenario keeps no samples and is counted; an older
 * report without the shard key reads as not sharded. */
START_TEST(test_missing_csv_and_old_report)
{
    drip_run_results run = {0}, back = {0};
    char *err = NULL, *a = xasprintf("%s/a", tmp);
    size_t no_samples = 0;
    build_full_run(&run);
    run.shard_index = run.shard_count = 0;
    ck_assert_int_eq(write_report(&run, a, &err), 0);
    char *csv = xasprintf("%s/leaky.csv", a);
    ck_assert_int_eq(unlink(csv), 0);
    ck_assert_msg(drip_results_read(a, &back, &no_samples, &err) == 0, "%s", err);
    ck_assert_uint_eq(no_samples, 1);
    ck_assert_uint_eq(back.scenarios[0].nsamples, 0);
    ck_assert_uint_eq(back.shard_count, 0);
    ck_assert_uint_eq(back.nmissing_shards, 2);
    ck_assert(back.scenarios[0].metrics[DRIP_M_HEAP_BYTES].fit.all.slope == 151.25);
    drip_run_results_free(&run);
    drip_run_results_free(&back);
    free(csv);
    free(a);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

/* Reading `text` as results.json fails with a message holding `want`. */
static void expect_error(const char *text, const char *want)
{
    char *path = xasprintf("%s/results.json", tmp);
    drip_run_results run = {0};
    char *err = NULL;
    if (text)
        spit(path, text);
    ck_assert_int_eq(drip_results_read(path, &run, NULL, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, path) == err, "the message does not start with the file: %s", err);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' not in: %s", want, err);
    ck_assert_uint_eq(run.count, 0);
    ck_assert_ptr_null(run.scenarios);
    free(err);
    free(path);
}

START_TEST(test_errors)
{
    expect_error(NULL, "cannot read: No such file or directory");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [", "not valid JSON");
    expect_error("[1, 2]", "not a drip results.json");
    expect_error("{\"name\": \"x\"}", "not a drip results.json");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", "
                 "\"metrics\": {\"heap_bytes\": {\"slope\": \"x\"}}}]}",
                 "scenarios[0].metrics.heap_bytes.slope: expected a number or null");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", "
                 "\"status\": \"meh\"}]}", "scenarios[0].status: unknown value 'meh'");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"status\": \"pass\"}]}",
                 "scenarios[0].name: missing");
    expect_error("{\"drip_version\": \"0.1.0\", \"shard\": {\"index\": 4, \"count\": 3}, "
                 "\"scenarios\": []}", "shard: index 4 is not within 1..3");
    expect_error("{\"drip_version\": \"0.1.0\", \"missing_shards\": {\"of\": 3, "
                 "\"shards\": [4]}, \"scenarios\": []}",
                 "missing_shards.shards: expected integers within 1..3");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", "
                 "\"seed\": -1}]}", "scenarios[0].seed: expected a non-negative integer");
}
END_TEST

/* drip before 0.2 wrote seeds up to 2^64 - 1, which no report holds now:
 * the reader names the seed rather than calling the file broken JSON. */
START_TEST(test_old_seed)
{
    expect_error("{\"drip_version\": \"0.1.0\", \"seed\": 18446744073709551615, "
                 "\"scenarios\": []}",
                 ": seed: 18446744073709551615 is larger than 9223372036854775807, the largest "
                 "seed a report can hold (reports of drip before 0.2 could hold it)");
    expect_error("{\"drip_version\": \"0.1.0\", \"seed\": null, \"scenarios\": [{\"name\": "
                 "\"a\", \"seed\": 9223372036854775808}]}",
                 ": scenarios[0].seed: 9223372036854775808 is larger than 9223372036854775807, "
                 "the largest seed a report can hold");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", "
                 "\"heap_ceiling\": 18446744073709551615}]}",
                 ": scenarios[0].heap_ceiling: 18446744073709551615 is larger than "
                 "9223372036854775807, the largest integer a report can hold");
}
END_TEST

START_TEST(test_bad_csv)
{
    drip_run_results run = {0};
    char *err = NULL, *dir = xasprintf("%s/d", tmp);
    build_full_run(&run);
    ck_assert_int_eq(write_report(&run, dir, &err), 0);
    drip_run_results_free(&run);

    char *csv = xasprintf("%s/leaky.csv", dir);
    spit(csv, "iteration,time_s,heap_bytes\n100,0.1,12\n200,0.2,1x3\n");
    ck_assert_int_eq(drip_results_read(dir, &run, NULL, &err), -1);
    ck_assert_msg(strstr(err, "leaky.csv:3: '1x3' is not a number"), "%s", err);
    free(err);

    spit(csv, "iteration,time_s,heap_bytes\n100,0.1\n");
    ck_assert_int_eq(drip_results_read(dir, &run, NULL, &err), -1);
    ck_assert_msg(strstr(err, "leaky.csv:2: 2 fields, the header has 3"), "%s", err);
    free(err);

    spit(csv, "iteration,time_s,heap_bytes\n100,0.1,5\n");   /* results.json says 10 */
    ck_assert_int_eq(drip_results_read(dir, &run, NULL, &err), -1);
    ck_assert_msg(strstr(err, "1 samples, but results.json says 10"), "%s", err);
    free(err);

    spit(csv, "hello\n");
    ck_assert_int_eq(drip_results_read(dir, &run, NULL, &err), -1);
    ck_assert_msg(strstr(err, "not a drip samples CSV"), "%s", err);
    ck_assert_uint_eq(run.count, 0);
    free(err);
    free(csv);
    free(dir);
}
END_TEST

static Suite *suite_read(void)
{
    Suite *s = suite_create("read");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_round_trip);
    tcase_add_test(core, test_missing_csv_and_old_report);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_errors);
    tcase_add_test(errors, test_old_seed);
    tcase_add_test(errors, test_bad_csv);
    suite_add_tcase(s, errors);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_read();
}
