/* test_expect.c - Check suite for harness/stats: expectations on a fit
 * (drip_expect_check's rules) and the fit's answers on short, degenerate
 * and odd input.  The verdicts themselves are tested in test_verdicts.c.
 */
#include "check_main.h"
#include "stats_fixtures.h"

/* ---- expectations ---------------------------------------------------------------- */

static drip_fit mkfit(drip_verdict v, double slope)
{
    drip_fit f = {
        .all = {slope, slope - 1, slope + 1, 100},
        .tail = {slope, slope - 1, slope + 1, 50},
        .growth = slope * 1000,
        .window_start = 20,
        .verdict = v,
    };
    return f;
}

START_TEST(expect_verdict_matrix)
{
    /* ok[want][got], verdicts in enum order: unknown, flat, bounded, growing. */
    static const bool ok[4][4] = {
        [DRIP_VERDICT_UNKNOWN] = {false, false, false, false},
        [DRIP_VERDICT_FLAT]    = {false, true,  false, false},
        [DRIP_VERDICT_BOUNDED] = {false, true,  true,  false},
        [DRIP_VERDICT_GROWING] = {false, false, false, true},
    };
    for (int want = 0; want < 4; want++) {
        for (int got = 0; got < 4; got++) {
            drip_fit f = mkfit((drip_verdict)got, got == 0 ? NAN : 1.5);
            double actual = -99;
            bool r = drip_expect_check(DRIP_RULE_VERDICT, NAN, (drip_verdict)want, &f, &actual);
            ck_assert_msg(r == ok[want][got], "want %s got %s: %d",
                          drip_verdict_name((drip_verdict)want),
                          drip_verdict_name((drip_verdict)got), r);
            ck_assert(actual == (double)got);
        }
    }
    /* The verdict rule looks only at the verdict, not at the slope. */
    drip_fit f = mkfit(DRIP_VERDICT_FLAT, NAN);
    ck_assert(drip_expect_check(DRIP_RULE_VERDICT, 0, DRIP_VERDICT_FLAT, &f, NULL));
}
END_TEST

/* A slope rule checked against f; `want` is ignored by slope rules. */
static bool slope_ok(drip_rule rule, double limit, const drip_fit *f, double *actual)
{
    return drip_expect_check(rule, limit, DRIP_VERDICT_UNKNOWN, f, actual);
}

START_TEST(expect_slope_rules)
{
    const drip_rule MAX = DRIP_RULE_MAX_SLOPE, MIN = DRIP_RULE_MIN_SLOPE;
    double actual;
    for (int v = DRIP_VERDICT_FLAT; v <= DRIP_VERDICT_GROWING; v++) {
        drip_fit f = mkfit((drip_verdict)v, 5);
        ck_assert(slope_ok(MAX, 5, &f, &actual));          /* limits are inclusive */
        ck_assert(actual == 5);
        ck_assert(slope_ok(MAX, 6, &f, &actual));
        ck_assert(!slope_ok(MAX, 4.99, &f, &actual));
        ck_assert(actual == 5);
        ck_assert(slope_ok(MIN, 5, &f, &actual));
        ck_assert(slope_ok(MIN, -1, &f, &actual));
        ck_assert(!slope_ok(MIN, 5.01, &f, &actual));
        ck_assert(!slope_ok(MAX, NAN, &f, &actual));
        ck_assert(!slope_ok(MIN, NAN, &f, &actual));
        ck_assert(slope_ok(MAX, INFINITY, &f, NULL));
        ck_assert(drip_expect_check(MAX, 5, DRIP_VERDICT_GROWING, &f, NULL));

        /* A NaN slope never satisfies a rule, whatever the limit. */
        f = mkfit((drip_verdict)v, NAN);
        ck_assert(!slope_ok(MAX, INFINITY, &f, &actual));
        ck_assert(isnan(actual));
        ck_assert(!slope_ok(MIN, -INFINITY, &f, &actual));
        ck_assert(isnan(actual));
    }
    /* An unknown verdict fails slope rules even with a finite slope. */
    drip_fit f = mkfit(DRIP_VERDICT_UNKNOWN, 0);
    ck_assert(!slope_ok(MAX, 10, &f, &actual));
    ck_assert(actual == 0);
    ck_assert(!slope_ok(MIN, -10, &f, &actual));
}
END_TEST

START_TEST(expect_bad_input)
{
    double actual = 0;
    ck_assert(!drip_expect_check(DRIP_RULE_VERDICT, 0, DRIP_VERDICT_FLAT, NULL, &actual));
    ck_assert(isnan(actual));
    actual = 0;
    ck_assert(!drip_expect_check(DRIP_RULE_MAX_SLOPE, 1e9, DRIP_VERDICT_FLAT, NULL, &actual));
    ck_assert(isnan(actual));
    drip_fit f = mkfit(DRIP_VERDICT_FLAT, 0);
    actual = 0;
    ck_assert(!drip_expect_check((drip_rule)42, 1e9, DRIP_VERDICT_FLAT, &f, &actual));
    ck_assert(isnan(actual));
    ck_assert(!drip_expect_check(DRIP_RULE_VERDICT, 0, (drip_verdict)42, &f, &actual));
}
END_TEST

/* An end-to-end check: a real fit judged by each rule. */
START_TEST(expect_on_real_fit)
{
    double x[NS], y[NS];
    x_every(x, NS);
    for (int i = 0; i < NS; i++)
        y[i] = 64 * x[i];
    drip_fit f = fit(x, y, NS, 0.2, 64);
    double actual;
    ck_assert(drip_expect_check(DRIP_RULE_VERDICT, 0, DRIP_VERDICT_GROWING, &f, &actual));
    ck_assert(actual == DRIP_VERDICT_GROWING);
    ck_assert(!drip_expect_check(DRIP_RULE_VERDICT, 0, DRIP_VERDICT_BOUNDED, &f, NULL));
    ck_assert(drip_expect_check(DRIP_RULE_MIN_SLOPE, 60, DRIP_VERDICT_UNKNOWN, &f, &actual));
    ck_assert_near(actual, 64, 1e-9);
    ck_assert(!drip_expect_check(DRIP_RULE_MAX_SLOPE, 63, DRIP_VERDICT_UNKNOWN, &f, NULL));
}
END_TEST

/* ---- edge: short, degenerate and odd input ------------------------------------------ */

static void assert_unknown(const drip_fit *f)
{
    ck_assert_int_eq(f->verdict, DRIP_VERDICT_UNKNOWN);
    assert_nan_slope(&f->all);
    assert_nan_slope(&f->tail);
    ck_assert(isnan(f->growth));
    ck_assert(isnan(f->noise));
}

START_TEST(short_series_unknown)
{
    double x[NS], y[NS];
    drip_fit f;
    x_every(x, NS);
    for (int i = 0; i < NS; i++)
        y[i] = i;
    for (size_t n = 0; n < 7; n++) {           /* warmup 0: tail < 4 until n = 7 */
        ck_assert_int_eq(drip_fit_series(x, y, n, 0, 0, &f), -1);
        assert_unknown(&f);
        ck_assert_uint_eq(f.window_start, 0);
    }
    ck_assert_int_eq(drip_fit_series(x, y, 7, 0, 0, &f), 0);
    ck_assert_int_ne(f.verdict, DRIP_VERDICT_UNKNOWN);
    ck_assert_uint_eq(f.all.n, 7);
    ck_assert_uint_eq(f.tail.n, 4);

    ck_assert_int_eq(drip_fit_series(NULL, NULL, 0, 0.2, 64, &f), -1);
    assert_unknown(&f);
}
END_TEST

/* Window long enough (5 points), its tail not (3): unknown. */
START_TEST(short_tail_unknown)
{
    double x[10], y[10];
    drip_fit f;
    x_every(x, 10);
    for (int i = 0; i < 10; i++)
        y[i] = 100.0 * i;
    ck_assert_int_eq(drip_fit_series(x, y, 10, 0.5, 0, &f), -1);
    assert_unknown(&f);
    ck_assert_uint_eq(f.window_start, 5);
    ck_assert_int_eq(drip_fit_series(x, y, 10, 0.2, 0, &f), 0);   /* window 8, tail 4 */
    ck_assert_int_eq(f.verdict, DRIP_VERDICT_GROWING);
}
END_TEST

START_TEST(warmup_range)
{
    double x[NS], y[NS];
    drip_fit f;
    x_every(x, NS);
    for (int i = 0; i < NS; i++)
        y[i] = 7;
    ck_assert_int_eq(drip_fit_series(x, y, NS, 1, 0, &f), -1);
    assert_unknown(&f);
    ck_assert_int_eq(drip_fit_series(x, y, NS, 5, 0, &f), -1);
    ck_assert_int_eq(drip_fit_series(x, y, NS, 0.99, 0, &f), -1);   /* 2 points left */
    ck_assert_int_eq(drip_fit_series(x, y, NS, -0.5, 0, &f), 0);
    ck_assert_uint_eq(f.window_start, 0);
    ck_assert_int_eq(drip_fit_series(x, y, NS, NAN, 0, &f), 0);
    ck_assert_uint_eq(f.window_start, 0);
    ck_assert_int_eq(drip_fit_series(x, y, NS, 0.333, 0, &f), 0);
    ck_assert_uint_eq(f.window_start, 66);                           /* floor(66.6) */
    ck_assert_uint_eq(f.all.n, NS - 66);
    ck_assert_uint_eq(f.tail.n, NS - (66 + (NS - 66) / 2));
}
END_TEST

/* Samples that all share one x cannot give a slope: unknown. */
START_TEST(degenerate_x_unknown)
{
    double x[20], y[20];
    drip_fit f;
    for (int i = 0; i < 20; i++) {
        x[i] = i < 10 ? i : 10;                  /* the tail is one x */
        y[i] = i;
    }
    ck_assert_int_eq(drip_fit_series(x, y, 20, 0, 0, &f), -1);
    assert_unknown(&f);
}
END_TEST

/* NaN samples (a gauge that could not be read once) are skipped. */
START_TEST(nan_samples_skipped)
{
    double x[NS], y[NS];
    drip_fit f;
    x_every(x, NS);
    for (int i = 0; i < NS; i++)
        y[i] = i % 17 == 0 ? NAN : 2 * x[i];
    ck_assert_int_eq(drip_fit_series(x, y, NS, 0.2, 64, &f), 0);
    ck_assert_int_eq(f.verdict, DRIP_VERDICT_GROWING);
    ck_assert_near(f.all.slope, 2, 1e-12);
    ck_assert(f.all.n < NS - 40);

    /* A window of NaN: too few points to fit. */
    for (int i = 0; i < NS; i++)
        y[i] = i < 100 ? 1 : NAN;
    ck_assert_int_eq(drip_fit_series(x, y, NS, 0.2, 64, &f), -1);
    assert_unknown(&f);
}
END_TEST

START_TEST(names_and_parse)
{
    ck_assert_str_eq(drip_verdict_name(DRIP_VERDICT_UNKNOWN), "unknown");
    ck_assert_str_eq(drip_verdict_name(DRIP_VERDICT_FLAT), "flat");
    ck_assert_str_eq(drip_verdict_name(DRIP_VERDICT_BOUNDED), "bounded");
    ck_assert_str_eq(drip_verdict_name(DRIP_VERDICT_GROWING), "growing");
    ck_assert_str_eq(drip_verdict_name((drip_verdict)17), "unknown");
    ck_assert_str_eq(drip_rule_name(DRIP_RULE_MAX_SLOPE), "max_slope");
    ck_assert_str_eq(drip_rule_name(DRIP_RULE_MIN_SLOPE), "min_slope");
    ck_assert_str_eq(drip_rule_name(DRIP_RULE_VERDICT), "verdict");
    ck_assert_str_eq(drip_rule_name((drip_rule)17), "unknown");

    drip_verdict v = DRIP_VERDICT_UNKNOWN;
    ck_assert_int_eq(drip_verdict_parse("flat", &v), 0);
    ck_assert_int_eq(v, DRIP_VERDICT_FLAT);
    ck_assert_int_eq(drip_verdict_parse("bounded", &v), 0);
    ck_assert_int_eq(v, DRIP_VERDICT_BOUNDED);
    ck_assert_int_eq(drip_verdict_parse("growing", &v), 0);
    ck_assert_int_eq(v, DRIP_VERDICT_GROWING);
    const char *bad[] = {"unknown", "Flat", "", "grow", "growing ", " flat"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(drip_verdict_parse(bad[i], &v), -1);
        ck_assert_int_eq(v, DRIP_VERDICT_GROWING);   /* untouched */
    }
    ck_assert_int_eq(drip_verdict_parse(NULL, &v), -1);
    for (int i = DRIP_VERDICT_FLAT; i <= DRIP_VERDICT_GROWING; i++) {   /* round trip */
        ck_assert_int_eq(drip_verdict_parse(drip_verdict_name((drip_verdict)i), &v), 0);
        ck_assert_int_eq(v, i);
    }
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("expect");
    TCase *tc = drip_tcase(s, "expect", expect_verdict_matrix, expect_slope_rules,
                           expect_bad_input, expect_on_real_fit, NULL);
    tcase_set_timeout(tc, 60);
    tc = drip_tcase(s, "edge", short_series_unknown, short_tail_unknown, warmup_range,
                    degenerate_x_unknown, nan_samples_skipped, names_and_parse, NULL);
    tcase_set_timeout(tc, 60);
    return s;
}
