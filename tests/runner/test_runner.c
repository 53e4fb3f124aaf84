/* test_runner.c - the runner's pure parts (harness/runner).
 *
 * "snapshot": what the runner reads from samples so far for the progress
 * line (runner/progress.c).  "overrides": the command line applied to a
 * scenario's run (runner.c).  "strict": configuration never used fails a
 * passing scenario, nothing else (judge.c).  "files": a repetition's files
 * tagged (spawn.c).  No process is started here: the runner's processes
 * are tested end to end (test_cli, test_hostile) and the worker-process
 * module in test_proc.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "runner/runner.h"

/* ---- snapshot ------------------------------------------------------------------ */

/* A result with n samples, 100 iterations and 0.01 s apart, heap_bytes
 * growing by `per_iter` a iteration. */
static void fill(drip_result *r, size_t n, double per_iter)
{
    memset(r, 0, sizeof *r);
    r->name = "s";
    r->warmup = 0.2;
    r->metrics[DRIP_M_HEAP_BYTES].measured = true;
    for (size_t i = 0; i < n; i++) {
        drip_sample s;
        memset(&s, 0, sizeof s);
        s.v[DRIP_COL_ITER] = 100.0 * (double)i;
        s.v[DRIP_COL_TIME] = 0.01 * (double)i;
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 1000 + per_iter * 100.0 * (double)i;
        drip_result_add_sample(r, &s);
    }
}

START_TEST(snapshot_of_a_counted_run)
{
    drip_result r;
    drip_run_spec run;
    drip_run_spec_defaults(&run);          /* 10000 iterations */
    drip_progress p;
    fill(&r, 51, 3.0);                     /* 5000 iterations in 0.5 s */
    drip__progress_snapshot(&r, &run, 0.7, false, &p);
    ck_assert_str_eq(p.name, "s");
    ck_assert_uint_eq(p.iterations, 5000);
    ck_assert_uint_eq(p.planned, 10000);
    ck_assert_double_eq_tol(p.rate, 10000, 1e-6);
    ck_assert_double_eq(p.heap_bytes, 1000 + 3.0 * 5000);
    ck_assert_double_eq_tol(p.slope, 3.0, 1e-9);
    ck_assert_double_eq_tol(p.eta_s, 0.5, 1e-9);   /* 5000 left at 10000/s */
    ck_assert(!p.stopping);
    free(r.samples);

    fill(&r, 5, 3.0);                      /* too few after warm-up for a slope */
    drip__progress_snapshot(&r, &run, 0, true, &p);
    ck_assert(isnan(p.slope));
    ck_assert(p.stopping);
    free(r.samples);

    fill(&r, 0, 0);                        /* nothing yet */
    drip__progress_snapshot(&r, &run, 0, false, &p);
    ck_assert_uint_eq(p.iterations, 0);
    ck_assert(isnan(p.rate) && isnan(p.heap_bytes) && isnan(p.slope) && isnan(p.eta_s));
}
END_TEST

START_TEST(snapshot_of_a_timed_run)
{
    drip_result r;
    drip_run_spec run;
    drip_run_spec_defaults(&run);
    drip_run_spec_set_duration(&run, 120000000000ULL);
    drip_progress p;
    fill(&r, 1000, -1.0);                  /* more than 200 samples: the slope uses 200 */
    r.metrics[DRIP_M_HEAP_BYTES].measured = false;
    drip__progress_snapshot(&r, &run, 30, false, &p);
    ck_assert(isnan(p.heap_bytes) && isnan(p.slope));   /* not measured: not shown */
    r.metrics[DRIP_M_HEAP_BYTES].measured = true;
    drip__progress_snapshot(&r, &run, 30, false, &p);
    ck_assert_uint_eq(p.planned, 0);
    ck_assert_double_eq(p.duration_s, 120);
    ck_assert_double_eq(p.elapsed_s, 30);
    ck_assert_double_eq_tol(p.eta_s, 90, 1e-9);
    ck_assert_double_eq_tol(p.slope, -1.0, 1e-9);
    drip__progress_snapshot(&r, &run, 130, false, &p);
    ck_assert_double_eq(p.eta_s, 0);        /* past the duration: the last epoch */
    free(r.samples);
}
END_TEST

/* ---- overrides ------------------------------------------------------------------ */

START_TEST(overrides)
{
    drip_run_spec run;
    drip_run_spec_defaults(&run);                       /* 10000 iterations, every 50 */
    drip_runner_opts o = {.report_fd = -1, .seed_set = true, .seed = 7, .threads = 3,
                          .iterations = 1000};
    uint64_t every = run.sample_every;
    drip_runner_apply_overrides(&o, &run);
    ck_assert_uint_eq(run.seed, 7);
    ck_assert_uint_eq(run.threads, 3);
    ck_assert_uint_eq(run.iterations, 1000);
    ck_assert_uint_eq(run.sample_every, every / 10);    /* as many samples as before */

    drip_run_spec_defaults(&run);                       /* --duration makes it timed */
    drip_runner_opts t = {.report_fd = -1, .duration_ns = 60000000000ULL};
    drip_runner_apply_overrides(&t, &run);
    ck_assert_uint_eq(run.duration_ns, 60000000000ULL);
    ck_assert_uint_eq(run.iterations, 0);

    drip_runner_opts c = {.report_fd = -1, .iterations = 4000};   /* and --iterations counted */
    drip_runner_apply_overrides(&c, &run);
    ck_assert_uint_eq(run.duration_ns, 0);
    ck_assert_uint_eq(run.iterations, 4000);
    ck_assert_uint_eq(run.sample_every, 20);            /* about 200 samples */
}
END_TEST

/* ---- strict ------------------------------------------------------------------------ */

START_TEST(strict)
{
    drip_result r = {.status = DRIP_STATUS_PASS};
    drip__judge_strict(0, NULL, &r);                    /* nothing unused: no change */
    ck_assert_int_eq(r.status, DRIP_STATUS_PASS);
    drip__judge_strict(1, "param 'x' was never read", &r);
    ck_assert_int_eq(r.status, DRIP_STATUS_FAIL);
    ck_assert_str_eq(r.reason, "strict: param 'x' was never read");
    free(r.reason);

    drip_result f = {.status = DRIP_STATUS_PASS};
    drip__judge_strict(3, "fault point 'y' was never consulted", &f);
    ck_assert_ptr_nonnull(strstr(f.reason, "(and 2 more warnings"));
    free(f.reason);

    drip_result e = {.status = DRIP_STATUS_ERROR, .reason = (char *)"crashed"};
    drip__judge_strict(2, "z", &e);                     /* an error stays what it is */
    ck_assert_int_eq(e.status, DRIP_STATUS_ERROR);
    ck_assert_str_eq(e.reason, "crashed");
}
END_TEST

/* ---- files -------------------------------------------------------------------------- */

START_TEST(files)
{
    drip_runner_opts o = {.report_fd = -1};
    char *a = drip__file_name(&o, "cache-leaky", ".log");
    ck_assert_str_eq(a, "cache-leaky.log");
    o.file_tag = ".seed7";
    char *b = drip__file_name(&o, "cache/leaky", ".valgrind.xml");
    ck_assert_str_eq(b, "cache_leaky.seed7.valgrind.xml");     /* never a path */
    ck_assert_ptr_null(drip__log_path(&o, "x", ".log"));    /* no report directory */
    o.log_dir = "out";
    char *c = drip__log_path(&o, "x", ".log");
    ck_assert_str_eq(c, "out/x.seed7.log");
    free(a);
    free(b);
    free(c);
}
END_TEST

static Suite *suite_runner(void)
{
    Suite *s = suite_create("runner");
    TCase *snap = tcase_create("snapshot");
    tcase_add_test(snap, snapshot_of_a_counted_run);
    tcase_add_test(snap, snapshot_of_a_timed_run);
    suite_add_tcase(s, snap);
    TCase *core = tcase_create("core");
    tcase_add_test(core, overrides);
    tcase_add_test(core, strict);
    tcase_add_test(core, files);
    suite_add_tcase(s, core);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_runner();
}
