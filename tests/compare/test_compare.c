/* test_compare.c - the comparison behind `drip diff` (harness/compare),
 * over hand-built results models with synthetic fits: every rule that makes
 * a regression, each just inside and just beyond its threshold, and the
 * tolerance syntax; a workload's own metrics matched by name (hand-built,
 * and from the results.json fixtures in fixtures/). */
#define _GNU_SOURCE                    /* open_memstream */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "compare/compare.h"
#include "report/read.h"
#include "util/util.h"

#define FIXTURE(f) DRIP_SOURCE_DIR "/tests/compare/fixtures/" f

static drip_cmp_tolerance tol;

static void setup(void)
{
    drip_cmp_tolerance_default(&tol);
}

/* A scenario with every metric measured flat at 0 [0, 0]. */
static drip_result *add(drip_run_results *run, const char *name, drip_status st)
{
    drip_result *r = drip_run_results_add(run);
    r->name = xstrdup(name);
    r->status = st;
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        r->metrics[m].measured = true;
        r->metrics[m].fit = (drip_fit){.all = {0, 0, 0, 40}, .verdict = DRIP_VERDICT_FLAT};
    }
    return r;
}

static void set(drip_result *r, int m, drip_verdict v, double slope, double low, double high)
{
    r->metrics[m].fit.all = (drip_slope){slope, low, high, 40};
    r->metrics[m].fit.verdict = v;
}

/* Compare and return the first scenario's row (the comparison is in *c). */
static const drip_cmp_scenario *cmp(drip_run_results *b, drip_run_results *n, drip_comparison *c)
{
    drip_compare(b, n, &tol, c);
    ck_assert_uint_ge(c->count, 1);
    return &c->scenarios[0];
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_same_runs_pass)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    set(add(&b, "a", DRIP_STATUS_PASS), DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 151, 148, 154);
    set(add(&n, "a", DRIP_STATUS_PASS), DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 152, 149, 155);
    add(&b, "b", DRIP_STATUS_FAIL);
    add(&n, "b", DRIP_STATUS_FAIL);
    ck_assert(!drip_compare(&b, &n, &tol, &c));
    ck_assert_uint_eq(c.compared, 2);
    ck_assert_uint_eq(c.regressed + c.improved + c.added + c.removed, 0);
    ck_assert_uint_eq(c.scenarios[0].regressed, 0);
    ck_assert_double_eq_tol(c.scenarios[0].metrics[DRIP_M_HEAP_BYTES].margin, 149 - 154, 1e-12);
    drip_comparison_free(&c);
    drip_comparison_free(&c);                 /* twice is harmless */
    drip_comparison_free(NULL);
    drip_run_results_free(&b);
    drip_run_results_free(&n);
}
END_TEST

START_TEST(test_status)
{
    static const struct { drip_status from, to; bool worse, better; } cases[] = {
        {DRIP_STATUS_PASS, DRIP_STATUS_FAIL, true, false},
        {DRIP_STATUS_PASS, DRIP_STATUS_ERROR, true, false},
        {DRIP_STATUS_FAIL, DRIP_STATUS_ERROR, true, false},
        {DRIP_STATUS_ERROR, DRIP_STATUS_PASS, false, true},
        {DRIP_STATUS_FAIL, DRIP_STATUS_FAIL, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        drip_run_results b = {0}, n = {0};
        drip_comparison c;
        add(&b, "a", cases[i].from);
        add(&n, "a", cases[i].to);
        const drip_cmp_scenario *s = cmp(&b, &n, &c);
        ck_assert_msg((s->regressed == DRIP_CMP_STATUS) == cases[i].worse, "case %zu", i);
        ck_assert_msg(s->improved == cases[i].better, "case %zu", i);
        ck_assert_uint_eq(c.regressed, cases[i].worse);
        drip_comparison_free(&c);
        drip_run_results_free(&b);
        drip_run_results_free(&n);
    }
}
END_TEST

START_TEST(test_verdict)
{
    static const struct { drip_verdict from, to; bool worse, better; } cases[] = {
        {DRIP_VERDICT_FLAT, DRIP_VERDICT_GROWING, true, false},
        {DRIP_VERDICT_BOUNDED, DRIP_VERDICT_GROWING, true, false},
        {DRIP_VERDICT_UNKNOWN, DRIP_VERDICT_GROWING, false, false},   /* nothing to compare */
        {DRIP_VERDICT_FLAT, DRIP_VERDICT_BOUNDED, false, false},
        {DRIP_VERDICT_GROWING, DRIP_VERDICT_FLAT, false, true},
        {DRIP_VERDICT_GROWING, DRIP_VERDICT_GROWING, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        drip_run_results b = {0}, n = {0};
        drip_comparison c;
        /* equal slopes, so only the verdict differs */
        set(add(&b, "a", DRIP_STATUS_PASS), DRIP_M_THREADS, cases[i].from, 0.01, 0, 0.02);
        set(add(&n, "a", DRIP_STATUS_PASS), DRIP_M_THREADS, cases[i].to, 0.01, 0, 0.02);
        const drip_cmp_scenario *s = cmp(&b, &n, &c);
        ck_assert_msg((s->metrics[DRIP_M_THREADS].regressed == DRIP_CMP_VERDICT) ==
                      cases[i].worse, "case %zu", i);
        ck_assert_msg(s->improved == cases[i].better, "case %zu", i);
        drip_comparison_free(&c);
        drip_run_results_free(&b);
        drip_run_results_free(&n);
    }
}
END_TEST

/* Slope rule: new.low - base.high against max(absolute, relative * |base|). */
static unsigned slope_case(int m, double bs, double bl, double bh, double ns, double nl, double nh,
                           double *margin)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    set(add(&b, "a", DRIP_STATUS_PASS), m, DRIP_VERDICT_GROWING, bs, bl, bh);
    set(add(&n, "a", DRIP_STATUS_PASS), m, DRIP_VERDICT_GROWING, ns, nl, nh);
    unsigned bits = cmp(&b, &n, &c)->metrics[m].regressed;
    if (margin)
        *margin = c.scenarios[0].metrics[m].margin;
    drip_comparison_free(&c);
    drip_run_results_free(&b);
    drip_run_results_free(&n);
    return bits;
}

START_TEST(test_slope)
{
    const int H = DRIP_M_HEAP_BYTES;
    double margin;
    /* relative 10% of 100 = 10: a margin of 9 passes, 11 regresses */
    ck_assert_uint_eq(slope_case(H, 100, 99, 101, 111, 110, 112, &margin), 0);
    ck_assert_double_eq_tol(margin, 9, 1e-12);
    ck_assert_uint_eq(slope_case(H, 100, 99, 101, 113, 112, 114, NULL), DRIP_CMP_SLOPE);
    /* overlapping intervals never regress, however far the slopes */
    ck_assert_uint_eq(slope_case(H, 100, 50, 200, 190, 150, 300, NULL), 0);
    /* from 0: the absolute tolerance (0.064 B/iter for heap_bytes) decides */
    ck_assert_uint_eq(slope_case(H, 0, 0, 0, 0.06, 0.05, 0.07, NULL), 0);
    ck_assert_uint_eq(slope_case(H, 0, 0, 0, 0.2, 0.1, 0.3, NULL), DRIP_CMP_SLOPE);
    /* a running total compares per iteration: allocs 8/iter against 0 */
    ck_assert_uint_eq(slope_case(DRIP_M_ALLOCS, 0, 0, 0, 8, 8, 8, NULL), DRIP_CMP_SLOPE);
    ck_assert_uint_eq(slope_case(DRIP_M_ALLOCS, 8, 8, 8, 8, 8, 8, NULL), 0);
    /* a slope that fell is no regression */
    ck_assert_uint_eq(slope_case(H, 100, 99, 101, 0, -1, 1, NULL), 0);
    /* NaN (too few samples) on either side: no slope rule */
    ck_assert_uint_eq(slope_case(H, NAN, NAN, NAN, 100, 99, 101, &margin), 0);
    ck_assert(isnan(margin));
    ck_assert_uint_eq(slope_case(H, 0, 0, 0, NAN, NAN, NAN, NULL), 0);

    /* tolerances from the command line */
    char *err;
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "heap_bytes=20", &err), 0);
    ck_assert_uint_eq(slope_case(H, 100, 99, 101, 120, 119, 121, NULL), 0);   /* 18 <= 20 */
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "30%", &err), 0);
    ck_assert_uint_eq(slope_case(H, 100, 99, 101, 130, 129, 131, NULL), 0);   /* 28 <= 30 */
    ck_assert_uint_eq(slope_case(H, 100, 99, 101, 133, 132, 134, NULL), DRIP_CMP_SLOPE);
}
END_TEST

/* Issue 11, item 5: a move between flat and bounded is never a regression
 * by itself, however far apart the intervals: two runs of the same code
 * gave heap_bytes flat -0.16 [-1.72, 0.53] and bounded +9.07 [2.81, 16.7],
 * which the slope rule flagged.  The same slopes with the new run growing
 * still regress. */
START_TEST(test_flat_bounded_never_regress)
{
    static const drip_verdict from[] = {DRIP_VERDICT_FLAT, DRIP_VERDICT_BOUNDED,
                                        DRIP_VERDICT_FLAT, DRIP_VERDICT_BOUNDED};
    static const drip_verdict to[] = {DRIP_VERDICT_BOUNDED, DRIP_VERDICT_FLAT,
                                      DRIP_VERDICT_FLAT, DRIP_VERDICT_BOUNDED};
    for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
        drip_run_results b = {0}, n = {0};
        drip_comparison c;
        set(add(&b, "a", DRIP_STATUS_PASS), DRIP_M_HEAP_BYTES, from[i], -0.16, -1.72, 0.53);
        set(add(&n, "a", DRIP_STATUS_PASS), DRIP_M_HEAP_BYTES, to[i], 9.07, 2.81, 16.7);
        const drip_cmp_scenario *s = cmp(&b, &n, &c);
        ck_assert_msg(s->regressed == 0, "case %zu: regressed %u", i, s->regressed);
        ck_assert_uint_eq(c.regressed, 0);
        drip_comparison_free(&c);
        drip_run_results_free(&b);
        drip_run_results_free(&n);
    }
    ck_assert_uint_eq(slope_case(DRIP_M_HEAP_BYTES, -0.16, -1.72, 0.53, 9.07, 2.81, 16.7, NULL),
                      DRIP_CMP_SLOPE);                    /* growing -> growing, faster */
}
END_TEST

START_TEST(test_added_removed_unmeasured)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    add(&b, "gone", DRIP_STATUS_PASS);
    drip_result *kb = add(&b, "kept", DRIP_STATUS_PASS);
    drip_result *kn = add(&n, "kept", DRIP_STATUS_PASS);
    add(&n, "new", DRIP_STATUS_ERROR);         /* an added error is listed, no regression */
    kb->metrics[DRIP_M_FDS].measured = false;  /* measured on one side only: nothing to compare */
    set(kn, DRIP_M_FDS, DRIP_VERDICT_GROWING, 1, 1, 1);
    ck_assert(!drip_compare(&b, &n, &tol, &c));
    ck_assert_uint_eq(c.count, 3);
    ck_assert_str_eq(c.scenarios[0].name, "gone");
    ck_assert_int_eq(c.scenarios[0].presence, DRIP_CMP_REMOVED);
    ck_assert_ptr_null(c.scenarios[0].new);
    ck_assert_str_eq(c.scenarios[1].name, "kept");
    ck_assert_int_eq(c.scenarios[1].presence, DRIP_CMP_BOTH);
    ck_assert(!c.scenarios[1].metrics[DRIP_M_FDS].base_measured);
    ck_assert_str_eq(c.scenarios[2].name, "new");
    ck_assert_int_eq(c.scenarios[2].presence, DRIP_CMP_ADDED);
    ck_assert_uint_eq(c.compared, 1);
    ck_assert_uint_eq(c.added, 1);
    ck_assert_uint_eq(c.removed, 1);
    drip_comparison_free(&c);
    drip_run_results_free(&b);
    drip_run_results_free(&n);

    drip_run_results empty = {0};              /* two empty runs (an empty shard) */
    ck_assert(!drip_compare(&empty, &empty, &tol, &c));
    ck_assert_uint_eq(c.count, 0);
    drip_comparison_free(&c);
}
END_TEST

/* ---- custom metrics ---------------------------------------------------------- */

/* Give r a custom metric called name (its next slot), measured with the
 * fit (v, slope [low, high]); returns its index. */
static int custom(drip_result *r, const char *name, drip_verdict v, double slope, double low,
                  double high)
{
    int m = drip_result_custom_add(r, name, "items", false);
    ck_assert_int_ge(m, DRIP_M_COUNT);
    r->metrics[m].measured = true;
    set(r, m, v, slope, low, high);
    return m;
}

/* The row of s's custom metric called name; fails the test when absent. */
static const drip_cmp_custom *custom_row(const drip_cmp_scenario *s, const char *name)
{
    for (size_t k = 0; k < s->ncustom; k++)
        if (strcmp(s->customs[k].name, name) == 0)
            return &s->customs[k];
    ck_abort_msg("no custom metric '%s' in the comparison", name);
    return NULL;
}

/* Custom metrics sit in per-result slots: the same names in another order
 * are the same metrics.  Matched by slot, `queue` growing would be
 * compared with `idle` flat (a regression) and the reverse (better). */
START_TEST(test_custom_matched_by_name)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    drip_result *rb = add(&b, "a", DRIP_STATUS_PASS), *rn = add(&n, "a", DRIP_STATUS_PASS);
    custom(rb, "queue", DRIP_VERDICT_GROWING, 3, 2.9, 3.1);
    custom(rb, "idle", DRIP_VERDICT_FLAT, 0, -0.01, 0.01);
    custom(rn, "idle", DRIP_VERDICT_FLAT, 0, -0.01, 0.01);
    custom(rn, "queue", DRIP_VERDICT_GROWING, 3.05, 2.95, 3.15);
    const drip_cmp_scenario *s = cmp(&b, &n, &c);
    ck_assert_uint_eq(s->ncustom, 2);
    ck_assert_int_eq(s->regressed, 0);
    ck_assert(!s->improved);
    const drip_cmp_custom *q = custom_row(s, "queue");
    ck_assert_int_eq(q->presence, DRIP_CMP_BOTH);
    ck_assert_str_eq(q->info->unit, "items");
    ck_assert(q->cmp.base_measured && q->cmp.new_measured);
    ck_assert_double_eq_tol(q->cmp.base.all.slope, 3, 1e-12);
    ck_assert_double_eq_tol(q->cmp.new.all.slope, 3.05, 1e-12);
    ck_assert_double_eq_tol(q->cmp.margin, 2.95 - 3.1, 1e-12);
    ck_assert_uint_eq(c.customs_added + c.customs_removed, 0);
    drip_comparison_free(&c);
    drip_run_results_free(&b);
    drip_run_results_free(&n);
}
END_TEST

/* Drip's rules, on a workload's own metric: the verdict rule (flat or
 * bounded -> growing), the slope rule with the custom tolerance (default
 * max(0.001 per iteration, 10%)), improvements; the N and N% forms of
 * --tolerance reach custom metrics. */
static unsigned custom_case(drip_verdict bv, double bs, double bl, double bh, drip_verdict nv,
                            double ns, double nl, double nh, bool *improved)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    custom(add(&b, "a", DRIP_STATUS_PASS), "sessions", bv, bs, bl, bh);
    custom(add(&n, "a", DRIP_STATUS_PASS), "sessions", nv, ns, nl, nh);
    bool any = drip_compare(&b, &n, &tol, &c);
    const drip_cmp_scenario *s = &c.scenarios[0];
    unsigned bits = custom_row(s, "sessions")->cmp.regressed;
    ck_assert(any == (bits != 0) && s->regressed == bits);
    if (improved)
        *improved = s->improved;
    drip_comparison_free(&c);
    drip_run_results_free(&b);
    drip_run_results_free(&n);
    return bits;
}

START_TEST(test_custom_rules)
{
    const drip_verdict F = DRIP_VERDICT_FLAT, B = DRIP_VERDICT_BOUNDED, G = DRIP_VERDICT_GROWING;
    bool better;
    ck_assert_uint_eq(custom_case(F, 0, 0, 0, G, 0.5, 0.45, 0.55, NULL),
                      DRIP_CMP_VERDICT | DRIP_CMP_SLOPE);
    ck_assert_uint_eq(custom_case(B, 0.5, 0.45, 0.55, G, 0.5, 0.45, 0.55, NULL),
                      DRIP_CMP_VERDICT);
    ck_assert_uint_eq(custom_case(F, 0, -1, 1, B, 9, 3, 16, NULL), 0);   /* flat -> bounded */
    /* growing in both: 10% of 100 = 10; a margin of 9 passes, 11 regresses */
    ck_assert_uint_eq(custom_case(G, 100, 99, 101, G, 111, 110, 112, NULL), 0);
    ck_assert_uint_eq(custom_case(G, 100, 99, 101, G, 113, 112, 114, NULL), DRIP_CMP_SLOPE);
    /* from 0: the absolute tolerance, 0.001 per iteration */
    ck_assert_uint_eq(custom_case(G, 0, 0, 0, G, 0.0015, 0.0008, 0.002, NULL), 0);
    ck_assert_uint_eq(custom_case(G, 0, 0, 0, G, 0.003, 0.002, 0.004, NULL), DRIP_CMP_SLOPE);
    ck_assert_uint_eq(custom_case(G, 2, 1.9, 2.1, F, 0, -0.1, 0.1, &better), 0);
    ck_assert(better);

    char *err;
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "30%", &err), 0);
    ck_assert_uint_eq(custom_case(G, 100, 99, 101, G, 130, 129, 131, NULL), 0);   /* 28 <= 30 */
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "50", &err), 0);
    ck_assert_uint_eq(custom_case(G, 100, 99, 101, G, 145, 144, 146, NULL), 0);   /* 43 <= 50 */
    ck_assert_uint_eq(custom_case(G, 100, 99, 101, G, 155, 154, 156, NULL), DRIP_CMP_SLOPE);
}
END_TEST

/* A custom metric in one run only is listed (added or removed), even when
 * growing, and is no regression; the table and the JSON say so. */
START_TEST(test_custom_added_removed)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    drip_result *rb = add(&b, "a", DRIP_STATUS_PASS), *rn = add(&n, "a", DRIP_STATUS_PASS);
    custom(rb, "old_gauge", DRIP_VERDICT_FLAT, 0, -0.01, 0.01);
    custom(rn, "new_gauge", DRIP_VERDICT_GROWING, 4, 3.9, 4.1);
    ck_assert(!drip_compare(&b, &n, &tol, &c));
    const drip_cmp_scenario *s = &c.scenarios[0];
    ck_assert_int_eq(custom_row(s, "old_gauge")->presence, DRIP_CMP_REMOVED);
    ck_assert_int_eq(custom_row(s, "new_gauge")->presence, DRIP_CMP_ADDED);
    ck_assert(custom_row(s, "new_gauge")->cmp.new_measured);
    ck_assert_uint_eq(s->customs_added, 1);
    ck_assert_uint_eq(s->customs_removed, 1);
    ck_assert_uint_eq(c.customs_added, 1);
    ck_assert_uint_eq(c.customs_removed, 1);
    ck_assert(s->regressed == 0 && !s->improved);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(drip_comparison_print(&c, "B", "N", false, false, f), 0);
    fclose(f);
    ck_assert_msg(strstr(text, "old_gauge     0 items/iter [-0.0100, 0.0100] flat  ->  absent"
                               "  (metric gone)\n"), "%s", text);
    ck_assert_msg(strstr(text, "new_gauge     absent  ->  +4 items/iter [3.90, 4.10] growing"
                               "  (new metric)\n"), "%s", text);
    ck_assert_msg(strstr(text, "custom metrics: 1 added, 1 removed (not a regression)\n"
                               "no regression\n"), "%s", text);
    free(text);

    f = open_memstream(&text, &len);
    ck_assert_int_eq(drip_comparison_json(&c, &tol, "B", "N", f), 0);
    fclose(f);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr), *metrics;
    ck_assert_ptr_nonnull(root);
    metrics = json_object_get(json_array_get(json_object_get(root, "scenarios"), 0), "metrics");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(metrics, "new_gauge"),
                                                       "presence")), "added");
    ck_assert(json_is_true(json_object_get(json_object_get(metrics, "old_gauge"), "custom")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"),
                                                        "custom_metrics_removed")), 1);
    json_decref(root);
    free(text);
    drip_comparison_free(&c);
    drip_run_results_free(&b);
    drip_run_results_free(&n);
}
END_TEST

/* The fixtures tests/compare/fixtures/custom-{base,new}.json through the
 * results.json reader: `svc`'s `sessions` went flat -> growing (its slot
 * moved), `sockets` is unchanged in another slot, `old_gauge` is gone and
 * `new_gauge` is new; `steady` swapped two unchanged metrics. */
START_TEST(test_custom_fixtures)
{
    drip_run_results b = {0}, n = {0};
    drip_comparison c;
    char *err = NULL;
    ck_assert_int_eq(drip_results_read(FIXTURE("custom-base.json"), &b, NULL, &err), 0);
    ck_assert_int_eq(drip_results_read(FIXTURE("custom-new.json"), &n, NULL, &err), 0);
    ck_assert(drip_compare(&b, &n, &tol, &c));
    ck_assert_uint_eq(c.compared, 2);
    ck_assert_uint_eq(c.regressed, 1);
    const drip_cmp_scenario *svc = &c.scenarios[0], *steady = &c.scenarios[1];
    ck_assert_uint_eq(svc->regressed, DRIP_CMP_VERDICT | DRIP_CMP_SLOPE);
    ck_assert_uint_eq(custom_row(svc, "sessions")->cmp.regressed,
                      DRIP_CMP_VERDICT | DRIP_CMP_SLOPE);
    ck_assert_str_eq(custom_row(svc, "sessions")->info->unit, "sessions");
    ck_assert_uint_eq(custom_row(svc, "sockets")->cmp.regressed, 0);
    ck_assert(!custom_row(svc, "sockets")->cmp.improved);
    ck_assert_int_eq(custom_row(svc, "old_gauge")->presence, DRIP_CMP_REMOVED);
    ck_assert_int_eq(custom_row(svc, "new_gauge")->presence, DRIP_CMP_ADDED);
    ck_assert_uint_eq(steady->regressed, 0);
    ck_assert(!steady->improved);
    ck_assert_uint_eq(c.customs_added, 1);
    ck_assert_uint_eq(c.customs_removed, 1);
    drip_comparison_free(&c);
    drip_run_results_free(&b);
    drip_run_results_free(&n);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_tolerance_syntax)
{
    char *err = NULL;
    ck_assert_double_eq_tol(tol.custom_absolute, 0.001, 1e-15);   /* the default */
    ck_assert_double_eq_tol(tol.custom_relative, 0.10, 1e-15);
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "5", &err), 0);
    ck_assert(tol.absolute[DRIP_M_FDS] == 5 && tol.absolute[DRIP_M_HEAP_BYTES] == 5);
    ck_assert(tol.custom_absolute == 5);
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "2.5%", &err), 0);
    ck_assert_double_eq_tol(tol.relative[DRIP_M_RSS], 0.025, 1e-15);
    ck_assert_double_eq_tol(tol.custom_relative, 0.025, 1e-15);
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "rss=4096", &err), 0);
    ck_assert(tol.absolute[DRIP_M_RSS] == 4096 && tol.absolute[DRIP_M_FDS] == 5);
    ck_assert(tol.custom_absolute == 5);                  /* one metric's: not the customs' */
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "fds=0%", &err), 0);
    ck_assert(tol.relative[DRIP_M_FDS] == 0);
    ck_assert_double_eq_tol(tol.custom_relative, 0.025, 1e-15);

    static const char *const bad[] = {"", "%", "x", "-1", "1e999", "nan", "5%%", "fds=",
                                      "=3", "heap_bytes=-2%"};
    drip_cmp_tolerance before = tol;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(drip_cmp_tolerance_parse(&tol, bad[i], &err) == -1, "'%s' accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "--tolerance"));
        free(err);
    }
    ck_assert_int_eq(drip_cmp_tolerance_parse(&tol, "heap_byte=3", &err), -1);
    ck_assert_str_eq(err, "--tolerance: unknown metric 'heap_byte' (did you mean 'heap_bytes'?)");
    free(err);
    ck_assert_mem_eq(&before, &tol, sizeof tol);   /* a rejected spec changes nothing */
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *core = drip_tcase(s, "core", test_same_runs_pass, test_status, test_verdict, test_slope,
            test_flat_bounded_never_regress, test_added_removed_unmeasured, NULL);
    tcase_add_checked_fixture(core, setup, NULL);
    TCase *custom = drip_tcase(s, "custom", test_custom_matched_by_name, test_custom_rules,
                               test_custom_added_removed, test_custom_fixtures, NULL);
    tcase_add_checked_fixture(custom, setup, NULL);
    TCase *errors = drip_tcase(s, "errors", test_tolerance_syntax, NULL);
    tcase_add_checked_fixture(errors, setup, NULL);
    return s;
}
