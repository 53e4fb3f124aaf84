/* test_read.c - reading a report back (harness/report/read.h).
 *
 * "core": a model holding every part a report can hold (samples, fits,
 * every expectation rule, faults of every form, a valgrind pass with its
 * growth run, a sweep with findings, a classification, a shard, text that
 * needs escaping) is written with drip_report_write_dir, read back and
 * written again: every file must come out byte-identical.
 * "errors": a missing, garbled or foreign file, a key of the wrong type and
 * a garbled CSV each give "FILE: what is wrong" and leave the run empty.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- the model ------------------------------------------------------------ */

static void fit(drip_result *r, int m, drip_verdict v, double slope, double low, double high)
{
    r->metrics[m].measured = true;
    r->metrics[m].fit = (drip_fit){.all = {slope, low, high, 10}, .tail = {slope * 1.01, 0, 0, 5},
                                   .growth = slope * 8000, .verdict = v,
                                   .window_start = (size_t)floor(r->warmup * 10)};
}

static void samples(drip_result *r)
{
    for (int i = 0; i < 10; i++) {
        drip_sample s;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            s.v[c] = NAN;
        s.v[DRIP_COL_ITER] = 1000.0 * (i + 1);
        s.v[DRIP_COL_TIME] = 0.0123456 * (i + 1);
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 100 + 151.25 * 1000 * (i + 1);
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = 3 + i / 3.0;
        s.v[DRIP_COL_METRIC(DRIP_M_THREADS)] = 2;
        drip_result_add_sample(r, &s);
    }
}

static void build(drip_run_results *run)
{
    static const uint64_t nth[] = {2, 5};
    run->drip_version = xstrdup("0.1.0");
    run->seed_set = true;
    run->seed = 42;
    run->started_at = xstrdup("2026-11-25T17:00:00Z");
    run->duration_s = 3.25;
    run->complete = true;
    run->shard_index = 2;
    run->shard_count = 3;
    run->missing_shards = xcalloc(2, sizeof *run->missing_shards);   /* as a merge says */
    run->missing_shards[0] = 1;
    run->missing_shards[1] = 3;
    run->nmissing_shards = 2;
    run->missing_of = 3;

    drip_result *r = drip_run_results_add(run);
    r->name = xstrdup("leaky");
    r->file = xstrdup("scenarios/x/leaky.yaml");
    r->workload = xstrdup("global-map-leaky");
    r->description = xstrdup("<script>alert(\"x\")</script> & \xc3\xa9\nline \x01 bad\xff");
    r->status = DRIP_STATUS_FAIL;
    r->reason = xstrdup("heap_bytes: slope +151 B/iter > max_slope 0 B/iter\nsecond");
    r->seed = 42;
    r->threads = 2;
    r->iterations = r->iterations_planned = 10000;
    r->failed_iterations = 7;
    r->duration_s = 1.5;
    r->ns_per_iter = 150.125;
    r->warmup = 0.2;
    r->heap_ceiling = 1 << 30;
    samples(r);
    fit(r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 151.25, 150.5, 152);
    fit(r, DRIP_M_HEAP_OBJECTS, DRIP_VERDICT_BOUNDED, 0.333333333333333, 0.1, 0.5);
    fit(r, DRIP_M_THREADS, DRIP_VERDICT_FLAT, 0, 0, 0);
    fit(r, DRIP_M_FDS, DRIP_VERDICT_UNKNOWN, NAN, NAN, NAN);
    r->has_after_teardown = true;
    for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
        r->after_teardown.v[c] = 1.5 * c;
    r->nexpects = 4;
    r->expects = xcalloc(4, sizeof *r->expects);
    r->expects[0] = (drip_expect_result){DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_SLOPE, 0,
                                         DRIP_VERDICT_UNKNOWN, 151.25, false};
    r->expects[1] = (drip_expect_result){DRIP_M_HEAP_OBJECTS, DRIP_RULE_MIN_SLOPE, 0.5,
                                         DRIP_VERDICT_UNKNOWN, 0.333333333333333, false};
    r->expects[2] = (drip_expect_result){DRIP_M_FDS, DRIP_RULE_VERDICT, 0, DRIP_VERDICT_BOUNDED,
                                         NAN, false};
    r->expects[3] = (drip_expect_result){DRIP_M_THREADS, DRIP_RULE_MAX_AFTER_TEARDOWN, 4, 0, 3,
                                         true};
    r->nfaults = 3;
    r->faults = xcalloc(3, sizeof *r->faults);
    r->faults[0] = (drip_fault_result){.point = xstrdup("cache.miss"), .rate = 0.25,
                                       .asked = 100, .fired = 26, .first = {1, 4}, .nfirst = 2};
    r->faults[1] = (drip_fault_result){.point = xstrdup("alloc"), .asked = 30, .fired = 3};
    drip_fault_result_set_schedule(&r->faults[1], 10, nth, 2);
    r->faults[2] = (drip_fault_result){.point = xstrdup("drop"), .asked = 5, .fired = 0};
    drip_fault_result_set_schedule(&r->faults[2], 0, nth + 1, 1);
    drip_result_add_warning(r, "every iteration failed");
    r->leak_class = DRIP_CLASS_REACHABLE;
    r->class_why = xstrdup("heap_bytes grows; valgrind: still reachable grows 80 B/iter");
    r->class_basis = xstrdup("counters and valgrind");

    drip_valgrind_result *v = &r->valgrind;
    v->ran = true;
    v->complete = true;
    v->xml_file = xstrdup("reports/x/leaky.valgrind.xml");
    v->iterations = 200;
    for (int k = 0; k < 4; k++) {
        v->bytes[k] = 100 * (uint64_t)k;
        v->blocks[k] = (uint64_t)k;
        v->before_bytes[k] = 1000 + (uint64_t)k;
        v->before_blocks[k] = 10 + (uint64_t)k;
    }
    v->has_before = true;
    v->errors = 1;
    v->first_error = xstrdup("InvalidRead: at f (x.c:3)");
    v->checked[0] = v->checked[4] = true;
    v->limit[4] = 0;
    v->actual[4] = 1;
    v->ok[0] = true;
    v->growth.ran = true;
    v->growth.iterations = 400;
    v->growth.xml_file = xstrdup("reports/x/leaky.valgrind-2n.xml");
    for (int k = 0; k < 4; k++) {
        v->growth.bytes[k] = 2000 + (uint64_t)k;
        v->growth.per_iteration[k] = k * 0.5;
        v->growth.growing[k] = k == 3;
    }
    v->growth.top_reachable = xstrdup("remember (grow.c:17)");

    drip_result *e = drip_run_results_add(run);         /* a sweep that crashed once */
    e->name = xstrdup("swept");
    e->file = xstrdup("s.yaml");
    e->workload = xstrdup("/p/libsweepme.so");
    e->status = DRIP_STATUS_ERROR;
    e->reason = xstrdup("crashed");
    e->crash_stack = xstrdup("free_job (my_fix.c:52) < iterate (my_fix.c:80)");
    e->duration_s = NAN;
    e->heap_ceiling = 1024;
    drip_sweep_result *sw = &e->sweep;
    sw->ran = true;
    sw->modes = 3;
    sw->warmup = 2;
    sw->trials[0] = 4;
    sw->trials[1] = 3;
    sw->clean[0] = 2;
    sw->complete[0] = sw->complete[1] = true;
    sw->allocations[0] = sw->allocations[1] = 4;
    sw->reference_bytes = 16;
    sw->reference_blocks = 1;
    sw->total[0] = 48;
    sw->total[1] = 1;
    sw->total[2] = 1;
    sw->ok[3] = true;
    sw->nfindings = 2;
    sw->findings = xcalloc(2, sizeof *sw->findings);
    sw->findings[0] = (drip_sweep_finding){.mode = 0, .k = 2, .outcome = DRIP_TRIAL_LEAK,
                                           .leaked_bytes = 48, .leaked_blocks = 1};
    sw->findings[0].nsites = 1;
    sw->findings[0].sites = xcalloc(1, sizeof *sw->findings[0].sites);
    sw->findings[0].sites[0] = (drip_sweep_site){48, 1, xstrdup("iterate (sweepme.c:32)")};
    sw->findings[1] = (drip_sweep_finding){.mode = 1, .k = 3, .outcome = DRIP_TRIAL_CRASH,
                                           .signal = 11, .detail = xstrdup("SIGSEGV")};

    drip_result *t = drip_run_results_add(run);         /* a soak stopped early, profiled */
    t->name = xstrdup("soaked");
    t->file = xstrdup("soak.yaml");
    t->workload = xstrdup("global-map-leaky");
    t->duration_s = 12.5;
    t->duration_planned_s = 600;
    t->interrupted = true;
    t->iterations = 123456;
    t->warmup = 0.2;
    drip_profile_result *p = &t->profile;
    p->ran = true;
    p->mode = xstrdup("sampled");
    p->rate = 524288;
    p->early_iteration = 24000;
    p->late_iteration = 123456;
    p->stacks = 7;
    p->dropped = 1;
    p->nsites = 2;
    p->sites = xcalloc(2, sizeof *p->sites);
    static const struct { const char *fn, *file; int line; } fr[3] = {
        {"render", "cache.c", 59}, {"cache_iterate", "cache.c", 80}, {"weird \"name\"", "", 0}};
    for (size_t i = 0; i < 2; i++) {
        drip_prof_site *site = &p->sites[i];
        site->early_bytes = 1048576.5 * (double)(i + 1);
        site->late_bytes = i ? site->early_bytes / 2 : 9437184.25;   /* the second shrank */
        site->late_objects = 32768.125;
        site->alloc_bytes = 1e9 + (double)i;
        site->nframes = 3 - i;
        site->frames = xcalloc(site->nframes, sizeof *site->frames);
        for (size_t f = 0; f < site->nframes; f++)
            site->frames[f] = (drip_prof_frame){xstrdup(fr[f].fn), xstrdup(fr[f].file),
                                                fr[f].line};
    }
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
    build(&run);
    ck_assert_int_eq(write_report(&run, a, &err), 0);

    ck_assert_msg(drip_results_read(a, &back, &no_samples, &err) == 0, "%s", err);
    ck_assert_uint_eq(no_samples, 0);
    ck_assert_uint_eq(back.count, 3);
    ck_assert_uint_eq(back.shard_index, 2);
    ck_assert_uint_eq(back.shard_count, 3);
    ck_assert_uint_eq(back.nmissing_shards, 2);
    ck_assert_uint_eq(back.missing_shards[1], 3);
    ck_assert_uint_eq(back.missing_of, 3);
    ck_assert_uint_eq(back.scenarios[0].nsamples, 10);
    ck_assert(back.scenarios[0].metrics[DRIP_M_HEAP_BYTES].fit.all.low == 150.5);
    ck_assert_int_eq(back.scenarios[0].metrics[DRIP_M_HEAP_OBJECTS].fit.verdict,
                     DRIP_VERDICT_BOUNDED);
    ck_assert(!back.scenarios[0].metrics[DRIP_M_RSS].measured);
    ck_assert(isnan(back.scenarios[0].expects[2].actual));
    ck_assert_int_eq(back.scenarios[1].status, DRIP_STATUS_ERROR);
    ck_assert_str_eq(back.scenarios[1].sweep.findings[0].sites[0].stack, "iterate (sweepme.c:32)");
    ck_assert_str_eq(back.scenarios[1].crash_stack,
                     "free_job (my_fix.c:52) < iterate (my_fix.c:80)");
    ck_assert_ptr_null(back.scenarios[0].crash_stack);
    const drip_result *t = &back.scenarios[2];
    ck_assert(t->interrupted);
    ck_assert(t->duration_planned_s == 600);
    ck_assert(t->profile.ran && t->profile.partial);          /* only the growing sites */
    ck_assert_uint_eq(t->profile.nsites, 1);                  /* the second one shrank */
    ck_assert_str_eq(t->profile.sites[0].frames[0].fn, "render");
    ck_assert_int_eq(t->profile.sites[0].frames[1].line, 80);

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
    build(&run);
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

START_TEST(test_bad_csv)
{
    drip_run_results run = {0};
    char *err = NULL, *dir = xasprintf("%s/d", tmp);
    build(&run);
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
    tcase_add_test(errors, test_bad_csv);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite_read());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
