/* test_progress.c - the progress line, its snapshot, and a timed run's pace.
 *
 * "format": given numbers, the exact line (report/progress.c), cut to the
 * terminal's width.  "snapshot": what the runner reads from samples so
 * far (runner/progress.c).  "pace": the epoch sizes of a timed run
 * (worker/pace.c).  All pure functions: no clock, no terminal.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/progress.h"
#include "runner/runner.h"
#include "worker/pace.h"

/* ---- format ------------------------------------------------------------------ */

static drip_progress counted(void)
{
    return (drip_progress){.name = "global-map-leaky", .iterations = 12345, .planned = 20000,
                           .rate = 8123, .heap_bytes = 2.4 * 1024 * 1024, .slope = 310.2,
                           .eta_s = 0.94};
}

START_TEST(line_of_a_counted_run)
{
    char buf[256];
    drip_progress p = counted();
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf),
                     "  ...  global-map-leaky  12.3k/20.0k it  8.12k it/s  heap 2.40 MiB "
                     "+310 B/iter  ETA 0:00");
    p.eta_s = 3725;
    p.slope = -0.5;
    p.heap_bytes = 512;
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf),
                     "  ...  global-map-leaky  12.3k/20.0k it  8.12k it/s  heap 512 B "
                     "-0.50 B/iter  ETA 1:02:05");
}
END_TEST

START_TEST(line_of_a_timed_run)
{
    char buf[256];
    drip_progress p = {.name = "soak", .iterations = 1234567, .elapsed_s = 32.9,
                       .duration_s = 120, .rate = 37512, .heap_bytes = 12.3 * 1024 * 1024,
                       .slope = 48.04, .eta_s = 87.1};
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf),
                     "  ...  soak  1.23M it  0:32/2:00  37.5k it/s  heap 12.3 MiB +48.0 B/iter");
    p.stopping = true;
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf),
                     "  ...  soak  1.23M it  0:32/2:00  37.5k it/s  heap 12.3 MiB +48.0 B/iter"
                     "  stopping at the next sample...");
}
END_TEST

/* Nothing known yet: only what is. */
START_TEST(line_before_the_first_samples)
{
    char buf[256];
    drip_progress p = {.name = "x", .planned = 10000, .rate = NAN, .heap_bytes = NAN,
                       .slope = NAN, .eta_s = NAN};
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf), "  ...  x  0/10.0k it");
    p.heap_bytes = 1000;               /* measured, no slope yet */
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf),
                     "  ...  x  0/10.0k it  heap 0.98 KiB");
    p.heap_bytes = NAN;                /* a slope without a heap (not measured) is not shown */
    p.slope = 5;
    ck_assert_str_eq(drip_progress_format(&p, 0, buf, sizeof buf), "  ...  x  0/10.0k it");
}
END_TEST

/* Never wraps: cut to width - 1 columns, and to the buffer. */
START_TEST(line_is_cut_to_the_width)
{
    char buf[256], small[12];
    drip_progress p = counted();
    ck_assert_str_eq(drip_progress_format(&p, 30, buf, sizeof buf),
                     "  ...  global-map-leaky  12.3");
    ck_assert_uint_eq(strlen(buf), 29);
    ck_assert_str_eq(drip_progress_format(&p, 1, buf, sizeof buf), "");
    ck_assert_str_eq(drip_progress_format(&p, 0, small, sizeof small), "  ...  glob");
    ck_assert_str_eq(drip_progress_format(&p, 0, small, 0), "  ...  glob");   /* untouched */
}
END_TEST

START_TEST(counts_and_clocks)
{
    char b[32];
    ck_assert_str_eq(drip_fmt_count(0, b, sizeof b), "0");
    ck_assert_str_eq(drip_fmt_count(999, b, sizeof b), "999");
    ck_assert_str_eq(drip_fmt_count(999.6, b, sizeof b), "1.00k");
    ck_assert_str_eq(drip_fmt_count(1000, b, sizeof b), "1.00k");
    ck_assert_str_eq(drip_fmt_count(9996, b, sizeof b), "10.0k");
    ck_assert_str_eq(drip_fmt_count(12345, b, sizeof b), "12.3k");
    ck_assert_str_eq(drip_fmt_count(99960, b, sizeof b), "100k");
    ck_assert_str_eq(drip_fmt_count(999499, b, sizeof b), "999k");
    ck_assert_str_eq(drip_fmt_count(999500, b, sizeof b), "1.00M");
    ck_assert_str_eq(drip_fmt_count(45.6e9, b, sizeof b), "45.6G");
    ck_assert_str_eq(drip_fmt_count(2e18, b, sizeof b), "2000P");
    ck_assert_str_eq(drip_fmt_count(NAN, b, sizeof b), "?");
    ck_assert_str_eq(drip_fmt_count(-1, b, sizeof b), "?");

    ck_assert_str_eq(drip_fmt_clock(0, b, sizeof b), "0:00");
    ck_assert_str_eq(drip_fmt_clock(59.99, b, sizeof b), "0:59");
    ck_assert_str_eq(drip_fmt_clock(600, b, sizeof b), "10:00");
    ck_assert_str_eq(drip_fmt_clock(3599, b, sizeof b), "59:59");
    ck_assert_str_eq(drip_fmt_clock(3600, b, sizeof b), "1:00:00");
    ck_assert_str_eq(drip_fmt_clock(90061, b, sizeof b), "25:01:01");
    ck_assert_str_eq(drip_fmt_clock(-5, b, sizeof b), "0:00");
    ck_assert_str_eq(drip_fmt_clock(NAN, b, sizeof b), "0:00");
}
END_TEST

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

/* ---- pace ------------------------------------------------------------------------ */

START_TEST(pace_ramps_up_then_follows_the_rate)
{
    const uint64_t ms = 1000000;
    /* the calibration ramp: an epoch at most doubles */
    ck_assert_uint_eq(drip_pace_next(1, 1000, 10 * ms), 2);
    ck_assert_uint_eq(drip_pace_next(1024, 1 * ms, 10 * ms), 2048);
    ck_assert_uint_eq(drip_pace_next(5, 0, 10 * ms), 10);            /* no time: double */
    /* then the rate: 1000 iterations took 20 ms, aim for 10 ms */
    ck_assert_uint_eq(drip_pace_next(1000, 20 * ms, 10 * ms), 500);
    ck_assert_uint_eq(drip_pace_next(1000, 8 * ms, 10 * ms), 1250);
    ck_assert_uint_eq(drip_pace_next(1, 50 * ms, 10 * ms), 1);        /* at least 1 */
    ck_assert_uint_eq(drip_pace_next(0, 50 * ms, 10 * ms), 1);
    ck_assert_uint_eq(drip_pace_next(DRIP_PACE_MAX, 1, 10 * ms), DRIP_PACE_MAX);
}
END_TEST

START_TEST(pace_target_shares_the_time_left)
{
    const uint64_t s = 1000000000ULL;
    ck_assert_uint_eq(drip_pace_target(200 * s, 0, 0), 1 * s);
    ck_assert_uint_eq(drip_pace_target(200 * s, 100 * s, 100), 1 * s);
    ck_assert_uint_eq(drip_pace_target(200 * s, 100 * s, 150), 2 * s);    /* ahead: longer */
    ck_assert_uint_eq(drip_pace_target(200 * s, 150 * s, 100), s / 2);    /* behind: shorter */
    ck_assert_uint_eq(drip_pace_target(200 * s, 10 * s, 250), 1 * s);     /* all taken */
    ck_assert_uint_eq(drip_pace_target(200 * s, 300 * s, 100), 1 * s);    /* past the end */
    ck_assert_uint_eq(drip_pace_target(100, 0, 0), 1);                    /* at least 1 ns */
}
END_TEST

static Suite *suite_progress(void)
{
    Suite *s = suite_create("progress");
    TCase *format = tcase_create("format");
    tcase_add_test(format, line_of_a_counted_run);
    tcase_add_test(format, line_of_a_timed_run);
    tcase_add_test(format, line_before_the_first_samples);
    tcase_add_test(format, line_is_cut_to_the_width);
    tcase_add_test(format, counts_and_clocks);
    suite_add_tcase(s, format);
    TCase *snap = tcase_create("snapshot");
    tcase_add_test(snap, snapshot_of_a_counted_run);
    tcase_add_test(snap, snapshot_of_a_timed_run);
    suite_add_tcase(s, snap);
    TCase *pace = tcase_create("pace");
    tcase_add_test(pace, pace_ramps_up_then_follows_the_rate);
    tcase_add_test(pace, pace_target_shares_the_time_left);
    suite_add_tcase(s, pace);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite_progress());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
