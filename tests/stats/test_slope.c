/* test_slope.c - Check suite for harness/stats' core: Theil-Sen slopes,
 * their intervals (with the autocorrelation correction) and the normal
 * quantile.  Series are synthetic; random ones come from a seeded
 * splitmix64 (stats_fixtures.h), so a failure names the seed that
 * reproduces it.  The verdicts built on these are in test_verdicts.c.
 */
#include "check_main.h"
#include "stats_fixtures.h"

/* ---- core: Theil-Sen and the normal quantile -------------------------------- */

/* The module's one median, and the Theil-Sen intercept built on it (the
 * line report.html draws). */
START_TEST(median_and_intercept)
{
    double v[] = {5, 1, 4, 2, 3};
    ck_assert(drip_median(v, 5) == 3);
    double w[] = {8, 2, 6, 4};
    ck_assert(drip_median(w, 4) == 5);                     /* the two middle values' mean */
    ck_assert(isnan(drip_median(w, 0)));

    double x[4] = {3, 4, 5, 6}, y[4] = {7, 9, 11, 13};     /* 1 + 2x */
    ck_assert_double_eq_tol(drip_line_intercept(x, y, 4, 2), 1, 1e-12);
    y[2] = NAN;                                            /* a NaN sample is skipped */
    ck_assert_double_eq_tol(drip_line_intercept(x, y, 4, 2), 1, 1e-12);
    ck_assert(isnan(drip_line_intercept(x, y, 4, NAN)));
    ck_assert(isnan(drip_line_intercept(x, y, 0, 2)));
}
END_TEST

START_TEST(ts_exact_line)
{
    double x[10], y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = i;
        y[i] = 3 * i + 7;
    }
    drip_slope s;
    ck_assert_int_eq(drip_theil_sen(x, y, 10, 0.95, &s), 0);
    ck_assert_near(s.slope, 3, 1e-12);
    ck_assert_near(s.low, 3, 1e-12);
    ck_assert_near(s.high, 3, 1e-12);
    ck_assert_uint_eq(s.n, 10);
}
END_TEST

/* Five points; the ten pair slopes, sorted:
 *   -1, -1, 1/2, 2/3, 1, 3/2, 3/2, 5/3, 2, 4        (N = 10, n = 5)
 * median = (1 + 3/2) / 2 = 1.25.  C = z * sqrt(5*4*15/18) = z * 4.0825:
 *   conf 0.5: z = 0.6745, C = 2.754, ranks floor(3.62) = 3, ceil(6.38) = 7
 *             -> [2/3, 5/3]
 *   conf 0.8: z = 1.2816, C = 5.232, ranks floor(2.38) = 2, ceil(7.62) = 8
 *             -> [1/2, 2]
 *   conf 0.95: C = 8.002, ranks floor(0.999) = 0, ceil(9.0008) = 10 -> 9
 *             -> [-1, 4], the full range */
START_TEST(ts_hand_example)
{
    const double x[] = {1, 2, 3, 4, 5}, y[] = {1, 3, 2, 6, 5};
    drip_slope s;

    ck_assert_int_eq(drip_theil_sen(x, y, 5, 0.5, &s), 0);
    ck_assert_near(s.slope, 1.25, 1e-12);
    ck_assert_near(s.low, 2.0 / 3, 1e-12);
    ck_assert_near(s.high, 5.0 / 3, 1e-12);

    ck_assert_int_eq(drip_theil_sen(x, y, 5, 0.8, &s), 0);
    ck_assert_near(s.low, 0.5, 1e-12);
    ck_assert_near(s.high, 2, 1e-12);

    ck_assert_int_eq(drip_theil_sen(x, y, 5, 0.95, &s), 0);
    ck_assert_near(s.low, -1, 1e-12);
    ck_assert_near(s.high, 4, 1e-12);

    /* Odd N: three points, slopes 2, 3/2, 1 -> median 3/2. */
    const double x3[] = {0, 1, 2}, y3[] = {0, 2, 3};
    ck_assert_int_eq(drip_theil_sen(x3, y3, 3, 0.95, &s), 0);
    ck_assert_near(s.slope, 1.5, 1e-12);
    ck_assert(s.low <= s.slope && s.slope <= s.high);
}
END_TEST

/* 20% of the points replaced by wild values: the slope does not move. */
START_TEST(ts_outliers)
{
    double x[100], y[100];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        rng r;
        rng_seed(&r, seed, S_OUTLIER);
        for (int i = 0; i < 100; i++) {
            x[i] = i;
            y[i] = 2 * i + 5;
        }
        for (int k = 0; k < 20; k++) {
            int i = (int)(rng_unit(&r) * 100);
            y[i] = rng_pm(&r, 1e6);        /* may hit the same index twice: fine */
        }
        drip_slope s;
        ck_assert_int_eq(drip_theil_sen(x, y, 100, DRIP_CONFIDENCE, &s), 0);
        ck_assert_msg(fabs(s.slope - 2) < 1e-9, "seed %llu: slope %g",
                      (unsigned long long)seed, s.slope);
        ck_assert(s.low <= 2 && 2 <= s.high);
    }
}
END_TEST

/* A noisy line: the 99% interval holds the true slope in about 99% of runs,
 * and always brackets the estimate. */
START_TEST(ts_ci_coverage)
{
    double x[100], y[100];
    int covered = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        rng r;
        rng_seed(&r, seed, S_NOISY);
        for (int i = 0; i < 100; i++) {
            x[i] = 10.0 * i;
            y[i] = 0.5 * x[i] + 40 * rng_gauss(&r);
        }
        drip_slope s;
        ck_assert_int_eq(drip_theil_sen(x, y, 100, 0.99, &s), 0);
        ck_assert(s.low <= s.slope && s.slope <= s.high);
        ck_assert(s.low < s.high);
        covered += s.low <= 0.5 && 0.5 <= s.high;
    }
    ck_assert_msg(covered >= 194, "99%% interval covered the slope in %d/200 runs", covered);

    /* A wider confidence gives a wider interval around the same slope. */
    for (int i = 0; i < 100; i++)
        y[i] = 0.5 * x[i] + ((i * 37) % 11 - 5) * 8.0;
    drip_slope a, b;
    drip_theil_sen(x, y, 100, 0.9, &a);
    drip_theil_sen(x, y, 100, 0.999, &b);
    ck_assert(a.slope == b.slope);
    ck_assert(b.low <= a.low && a.high <= b.high);
}
END_TEST

/* Pairs with equal x are skipped; the remaining twelve slopes are
 * -2, -2, 0, 2, 2, 2, 2, 2, 2, 4, 6, 6 -> median 2. */
START_TEST(ts_equal_x)
{
    const double x[] = {1, 1, 2, 2, 3, 3}, y[] = {1, 5, 3, 7, 5, 9};
    drip_slope s;
    ck_assert_int_eq(drip_theil_sen(x, y, 6, 0.5, &s), 0);
    ck_assert_near(s.slope, 2, 1e-12);
    ck_assert_uint_eq(s.n, 6);

    const double same[] = {4, 4, 4, 4}, ys[] = {1, 2, 3, 4};
    ck_assert_int_eq(drip_theil_sen(same, ys, 4, 0.5, &s), -1);
    assert_nan_slope(&s);
}
END_TEST

START_TEST(ts_too_few)
{
    const double x[] = {1, 2}, y[] = {5, 7};
    drip_slope s;
    ck_assert_int_eq(drip_theil_sen(x, y, 0, 0.95, &s), -1);
    assert_nan_slope(&s);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_int_eq(drip_theil_sen(x, y, 1, 0.95, &s), -1);
    assert_nan_slope(&s);
    ck_assert_int_eq(drip_theil_sen(NULL, NULL, 0, 0.95, &s), -1);
    assert_nan_slope(&s);

    /* Two points are enough: one pair, slope 2, interval just that. */
    ck_assert_int_eq(drip_theil_sen(x, y, 2, 0.95, &s), 0);
    ck_assert_near(s.slope, 2, 0);
    ck_assert_near(s.low, 2, 0);
    ck_assert_near(s.high, 2, 0);
}
END_TEST

/* Points with NaN or infinite coordinates are dropped, not propagated. */
START_TEST(ts_nonfinite_points)
{
    double x[20], y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i;
        y[i] = -4.0 * i + 1;
    }
    y[3] = NAN;
    y[8] = INFINITY;
    x[12] = NAN;
    drip_slope s;
    ck_assert_int_eq(drip_theil_sen(x, y, 20, 0.99, &s), 0);
    ck_assert_near(s.slope, -4, 1e-12);
    ck_assert_uint_eq(s.n, 17);

    const double nx[] = {NAN, 1, 2}, ny[] = {1, NAN, 3};
    ck_assert_int_eq(drip_theil_sen(nx, ny, 3, 0.99, &s), -1);  /* one usable point */
    assert_nan_slope(&s);
}
END_TEST

/* Longer than 600 points: fitted over 600 bin medians, same answer on a line,
 * n still counts every point given. */
START_TEST(ts_long_series)
{
    const size_t sizes[] = {601, 1200, 5000, 100000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        ck_assert(x && y);
        for (size_t i = 0; i < n; i++) {
            x[i] = 50.0 * (double)i;
            y[i] = 0.25 * x[i] + 3;
        }
        drip_slope s;
        ck_assert_int_eq(drip_theil_sen(x, y, n, 0.99, &s), 0);
        ck_assert_near(s.slope, 0.25, 1e-12);
        ck_assert_near(s.low, 0.25, 1e-12);
        ck_assert_near(s.high, 0.25, 1e-12);
        ck_assert_uint_eq(s.n, n);

        /* With noise and outliers the binned fit still finds the slope. */
        rng r;
        rng_seed(&r, k + 1, S_LONG);
        for (size_t i = 0; i < n; i++)
            y[i] = 0.25 * x[i] + 1000 * rng_gauss(&r) + (rng_unit(&r) < 0.05 ? 1e7 : 0);
        ck_assert_int_eq(drip_theil_sen(x, y, n, 0.99, &s), 0);
        ck_assert_msg(fabs(s.slope - 0.25) < 0.02, "n=%zu slope %g", n, s.slope);
        ck_assert(s.low <= s.slope && s.slope <= s.high);
        free(x);
        free(y);
    }
}
END_TEST

/* Confidence at the edges: 1 (or nonsense) gives the full range of pair
 * slopes, 0 shrinks the interval onto the median. */
START_TEST(ts_confidence_edges)
{
    const double x[] = {1, 2, 3, 4, 5}, y[] = {1, 3, 2, 6, 5};
    drip_slope s;
    ck_assert_int_eq(drip_theil_sen(x, y, 5, 1, &s), 0);
    ck_assert_near(s.low, -1, 0);
    ck_assert_near(s.high, 4, 0);
    ck_assert_int_eq(drip_theil_sen(x, y, 5, NAN, &s), 0);
    ck_assert_near(s.low, -1, 0);
    ck_assert_near(s.high, 4, 0);
    ck_assert_int_eq(drip_theil_sen(x, y, 5, 0, &s), 0);
    ck_assert_near(s.slope, 1.25, 1e-12);
    ck_assert_near(s.low, 1, 0);       /* the two middle slopes */
    ck_assert_near(s.high, 1.5, 0);
}
END_TEST

START_TEST(normal_quantile)
{
    ck_assert_near(drip_normal_quantile((1 + 0.95) / 2), 1.959963985, 1e-6);
    ck_assert_near(drip_normal_quantile((1 + 0.99) / 2), 2.575829304, 1e-6);
    ck_assert_near(drip_normal_quantile(0.975), 1.959963984540054, 1e-12);
    ck_assert_near(drip_normal_quantile(0.995), 2.5758293035489, 1e-12);
    ck_assert_near(drip_normal_quantile(0.5), 0, 1e-15);
    ck_assert_near(drip_normal_quantile(0.01), -2.326347874040841, 1e-12);
    ck_assert_near(drip_normal_quantile(1e-10), -6.361340902404056, 1e-9);
    ck_assert_near(drip_normal_quantile(0.3), -0.5244005127080407, 1e-12);
    ck_assert_near(drip_normal_quantile(0.7), 0.5244005127080407, 1e-12);
    ck_assert(isinf(drip_normal_quantile(0)) && drip_normal_quantile(0) < 0);
    ck_assert(isinf(drip_normal_quantile(1)) && drip_normal_quantile(1) > 0);
    ck_assert(isnan(drip_normal_quantile(-0.1)));
    ck_assert(isnan(drip_normal_quantile(1.5)));
    ck_assert(isnan(drip_normal_quantile(NAN)));
}
END_TEST

/* The autocorrelation-corrected interval (Hamed & Rao) has the same slope as
 * the plain one and is never narrower: the correction only moves the
 * interval's ranks outwards. */
static void assert_same_slope_wider(const drip_slope *plain, const drip_slope *ac,
                                    const char *what, uint64_t seed)
{
    ck_assert_msg(ac->slope == plain->slope, "%s seed %llu: slope %.17g vs %.17g", what,
                  (unsigned long long)seed, ac->slope, plain->slope);
    ck_assert_msg(ac->low <= plain->low && plain->high <= ac->high,
                  "%s seed %llu: [%g, %g] not around [%g, %g]", what,
                  (unsigned long long)seed, ac->low, ac->high, plain->low, plain->high);
    ck_assert_uint_eq(ac->n, plain->n);
}

START_TEST(ts_autocorr)
{
    drip_slope p, a;

    /* A perfect line: nothing to correct, the same (degenerate) interval. */
    double x[NS], y[NS];
    x_every(x, NS);
    for (int i = 0; i < NS; i++)
        y[i] = 0.25 * x[i] + 3;
    ck_assert_int_eq(drip_theil_sen(x, y, NS, DRIP_CONFIDENCE, &p), 0);
    ck_assert_int_eq(drip_theil_sen_autocorr(x, y, NS, DRIP_CONFIDENCE, &a), 0);
    ck_assert(a.slope == 0.25 && a.low == p.low && a.high == p.high && a.n == NS);
    ck_assert(a.low == 0.25 && a.high == 0.25);

    /* Fewer than 8 points: no correction at all (the hand example above). */
    const double hx[] = {1, 2, 3, 4, 5}, hy[] = {1, 3, 2, 6, 5};
    ck_assert_int_eq(drip_theil_sen_autocorr(hx, hy, 5, 0.5, &a), 0);
    ck_assert_near(a.slope, 1.25, 1e-12);
    ck_assert_near(a.low, 2.0 / 3, 1e-12);
    ck_assert_near(a.high, 5.0 / 3, 1e-12);

    /* The same failures as drip_theil_sen. */
    ck_assert_int_eq(drip_theil_sen_autocorr(hx, hy, 1, 0.95, &a), -1);
    assert_nan_slope(&a);
    ck_assert_uint_eq(a.n, 0);
    ck_assert_int_eq(drip_theil_sen_autocorr(NULL, NULL, 0, 0.95, &a), -1);
    assert_nan_slope(&a);

    /* Independent noise: same slope, never narrower, and in most runs
     * exactly the plain interval.  Not in all: some lag's autocorrelation
     * passes the 95% test by chance, and the interval differed in 28% of
     * 5,000 runs (by at most 1.6 times its width). */
    int equal = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        rng r;
        rng_seed(&r, seed, S_AUTOCORR);
        ar_line(&r, x, y, NS, 0.5, 0, 1000);
        drip_theil_sen(x, y, NS, DRIP_CONFIDENCE, &p);
        drip_theil_sen_autocorr(x, y, NS, DRIP_CONFIDENCE, &a);
        assert_same_slope_wider(&p, &a, "independent", seed);
        equal += a.low == p.low && a.high == p.high;
    }
    ck_assert_msg(equal >= 20, "independent noise: only %d/50 intervals unchanged", equal);

    /* Strongly autocorrelated noise, AR(0.95): clearly wider (measured over
     * 5,000 runs: median 3.0 times as wide, under 1.5 times in about 3%). */
    int wide = 0;
    double ratio_sum = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        rng r;
        rng_seed(&r, seed, S_AUTOCORR);
        ar_line(&r, x, y, NS, 0.5, 0.95, 1000);
        drip_theil_sen(x, y, NS, DRIP_CONFIDENCE, &p);
        drip_theil_sen_autocorr(x, y, NS, DRIP_CONFIDENCE, &a);
        assert_same_slope_wider(&p, &a, "AR(0.95)", seed);
        double ratio = (a.high - a.low) / (p.high - p.low);
        wide += ratio >= 1.5;
        ratio_sum += ratio;
    }
    ck_assert_msg(wide >= 40, "AR(0.95): only %d/50 intervals 1.5 times as wide", wide);
    ck_assert_msg(ratio_sum / 50 >= 2, "AR(0.95): mean width ratio %g", ratio_sum / 50);

    /* Non-finite points are dropped first, and a long series is binned,
     * exactly as in drip_theil_sen. */
    y[10] = NAN;
    y[20] = INFINITY;
    drip_theil_sen(x, y, NS, DRIP_CONFIDENCE, &p);
    ck_assert_int_eq(drip_theil_sen_autocorr(x, y, NS, DRIP_CONFIDENCE, &a), 0);
    assert_same_slope_wider(&p, &a, "non-finite", 0);
    ck_assert_uint_eq(a.n, NS - 2);

    size_t n = 1500;
    double *lx = malloc(n * sizeof *lx), *ly = malloc(n * sizeof *ly);
    ck_assert(lx && ly);
    x_every(lx, n);
    rng r;
    rng_seed(&r, 1, S_AUTOCORR);
    ar_line(&r, lx, ly, n, 0.5, 0.95, 1000);
    ck_assert_int_eq(drip_theil_sen(lx, ly, n, DRIP_CONFIDENCE, &p), 0);
    ck_assert_int_eq(drip_theil_sen_autocorr(lx, ly, n, DRIP_CONFIDENCE, &a), 0);
    assert_same_slope_wider(&p, &a, "long", 1);
    ck_assert(a.high - a.low > p.high - p.low);
    ck_assert_uint_eq(a.n, n);
    free(lx);
    free(ly);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static Suite *suite_slope(void)
{
    Suite *s = suite_create("slope");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, median_and_intercept);
    tcase_add_test(tc, ts_exact_line);
    tcase_add_test(tc, ts_hand_example);
    tcase_add_test(tc, ts_outliers);
    tcase_add_test(tc, ts_ci_coverage);
    tcase_add_test(tc, ts_equal_x);
    tcase_add_test(tc, ts_too_few);
    tcase_add_test(tc, ts_nonfinite_points);
    tcase_add_test(tc, ts_long_series);
    tcase_add_test(tc, ts_confidence_edges);
    tcase_add_test(tc, normal_quantile);
    tcase_add_test(tc, ts_autocorr);
    suite_add_tcase(s, tc);

    return s;
}

Suite *drip_test_suite(void)
{
    return suite_slope();
}
