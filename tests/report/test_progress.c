/* test_progress.c - the progress line (report/progress.c).
 *
 * "format": given numbers, the exact line, cut to the terminal's width.
 * Pure functions: no clock, no terminal.  (The runner's snapshot is in
 * test_runner.c, a timed run's pace in test_worker.c.)
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "report/progress.h"

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

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("progress");
    drip_tcase(s, "format", line_of_a_counted_run, line_of_a_timed_run,
            line_before_the_first_samples, line_is_cut_to_the_width, counts_and_clocks, NULL);
    return s;
}
