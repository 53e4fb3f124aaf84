/* test_judge.c - numbers the runner derives from a result after a run:
 * the time per iteration (drip_judge) and the leak class from counters
 * and valgrind together (drip_classify), on hand-built results.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "results/results.h"
#include "runner/runner.h"
#include "report_fixtures.h"        /* set_fit */

/* ---- time per iteration (the judge fills it) ----------------------------- */

START_TEST(test_ns_per_iter)
{
    drip_scenario sc = {0};
    drip_result r = {0};

    r.warmup = 0.2;                          /* window: samples 2..9 */
    for (int i = 0; i < 10; i++) {
        drip_sample s = {{0}};
        s.v[DRIP_COL_ITER] = 100.0 * i;
        s.v[DRIP_COL_TIME] = i < 2 ? 0.5 * i : 1.0 + (i - 2) * 40e-6;   /* a slow warm-up */
        drip_result_add_sample(&r, &s);
    }
    drip_judge(&sc, &r);
    ck_assert_double_eq_tol(r.ns_per_iter, 400.0, 1e-6);   /* 280 us over 700 iterations */
    free(r.reason);

    drip_result few = {0};                   /* one sample after warm-up: unknown */
    few.warmup = 0.5;
    drip_sample s = {{0}};
    drip_result_add_sample(&few, &s);
    s.v[DRIP_COL_ITER] = 100;
    drip_result_add_sample(&few, &s);
    drip_judge(&sc, &few);
    ck_assert(isnan(few.ns_per_iter));
    free(r.samples);
    free(r.expects);
    free(few.samples);
    free(few.expects);
    free(few.reason);
}
END_TEST

/* ---- classification -------------------------------------------------------- */

/* A result with every gauge flat, and a valgrind pass (N 200, 2N 400)
 * whose growth per iteration per kind is given. */
static void flat_result(drip_result *r, bool with_valgrind, double lost, double reach)
{
    memset(r, 0, sizeof *r);
    static const int gauges[] = {DRIP_M_HEAP_BYTES, DRIP_M_HEAP_OBJECTS, DRIP_M_THREADS,
                                 DRIP_M_FDS, DRIP_M_TASKS, DRIP_M_TIMERS, DRIP_M_CONNS};
    for (size_t i = 0; i < sizeof gauges / sizeof *gauges; i++)
        set_fit(r, gauges[i], DRIP_VERDICT_FLAT, 0, 0, 0, 0, 0, 0);
    if (!with_valgrind)
        return;
    drip_valgrind_result *v = &r->valgrind;
    v->ran = v->complete = v->has_before = true;
    v->iterations = 200;
    v->growth.ran = true;
    v->growth.iterations = 400;
    v->growth.per_iteration[0] = lost;
    v->growth.per_iteration[3] = reach;
    v->growth.growing[0] = lost >= DRIP_VG_GROWTH_MIN;
    v->growth.growing[3] = reach >= DRIP_VG_GROWTH_MIN;
}

static drip_leak_class classify(drip_result *r)
{
    drip_classify(r);
    ck_assert_ptr_nonnull(r->class_why);
    drip_leak_class c = r->leak_class;
    free(r->class_why);
    free(r->class_basis);
    r->class_why = r->class_basis = NULL;
    return c;
}

/* Issue 11, item 6: classes that follow the evidence. */
START_TEST(test_classify_evidence)
{
    drip_result r;
    /* A slow lost leak (0.8 B/iter, valgrind's definitely lost grew from 152
     * to 312 B) is lost memory, though under DRIP_VG_GROWTH_MIN (it was
     * "reachable growth"). */
    flat_result(&r, true, 0.8, 0);
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 0.8, 0.7, 0.9, 0.8, 12800, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_LOST);

    /* A leak that starts at iteration 16,000, after valgrind's 200 and 400
     * iterations: valgrind saw nothing, and the class does not guess
     * "reachable growth"; the why says the runs ended before the growth. */
    flat_result(&r, true, 0, 0);
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 0, 0, 0, 0, 64, 0);
    r.metrics[DRIP_M_HEAP_BYTES].fit.change_at = 16000;
    r.metrics[DRIP_M_HEAP_BYTES].fit.change = (drip_slope){64, 63, 65, 40};
    drip_sample smp = {{0}};
    for (int i = 0; i < 200; i++) {
        smp.v[DRIP_COL_ITER] = 100.0 * i;
        drip_result_add_sample(&r, &smp);
    }
    drip_classify(&r);
    ck_assert_int_eq(r.leak_class, DRIP_CLASS_HEAP_GROWTH);
    ck_assert_msg(strstr(r.class_why, "ended before the growth started at iteration 16000"),
                  "%s", r.class_why);
    free(r.class_why);
    free(r.class_basis);
    r.class_why = r.class_basis = NULL;
    r.metrics[DRIP_M_HEAP_BYTES].fit.change_at = 0;      /* a steady growth valgrind missed */
    drip_classify(&r);
    ck_assert_int_eq(r.leak_class, DRIP_CLASS_HEAP_GROWTH);
    ck_assert_msg(strstr(r.class_why, "saw neither lost nor reachable"), "%s", r.class_why);
    free(r.class_why);
    free(r.class_basis);
    free(r.samples);

    /* RSS grows 4 KiB/iter while the heap is flat: unaccounted RSS growth
     * (it was "none: nothing grows"), with or without valgrind. */
    for (int vg = 0; vg < 2; vg++) {
        flat_result(&r, vg, 0, 0);
        set_fit(&r, DRIP_M_RSS, DRIP_VERDICT_GROWING, 4096, 4000, 4200, 4096, 8e7, 0);
        drip_classify(&r);
        ck_assert_int_eq(r.leak_class, DRIP_CLASS_RSS);
        ck_assert_str_eq(drip_class_name(r.leak_class), "unaccounted RSS growth");
        ck_assert_msg(strstr(r.class_why, "rss") && strstr(r.class_why, "mmap"), "%s",
                      r.class_why);
        free(r.class_why);
        free(r.class_basis);
    }
    flat_result(&r, false, 0, 0);           /* the heap growing too: the heap's class */
    set_fit(&r, DRIP_M_RSS, DRIP_VERDICT_GROWING, 4096, 4000, 4200, 4096, 8e7, 0);
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 48, 47, 49, 48, 1e5, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_HEAP_GROWTH);
}
END_TEST

START_TEST(test_classify_priority)
{
    drip_result r;
    flat_result(&r, true, 0, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_NONE);

    flat_result(&r, true, 0, 0);            /* the counters' bounded wins over valgrind's */
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_BOUNDED, 1, 0, 2, 0, 10, 0);
    r.valgrind.growth.per_iteration[3] = 80;
    r.valgrind.growth.growing[3] = true;
    ck_assert_int_eq(classify(&r), DRIP_CLASS_BOUNDED);

    flat_result(&r, true, 0, 48);           /* heap grows, nothing lost */
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 48, 47, 49, 48, 1e5, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_REACHABLE);

    flat_result(&r, false, 0, 0);           /* the same without valgrind: cannot tell */
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 48, 47, 49, 48, 1e5, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_HEAP_GROWTH);

    flat_result(&r, true, 24, 0);           /* lost grows */
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 24, 23, 25, 24, 1e5, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_LOST);
    flat_result(&r, true, 0, 0);            /* a one-off loss: nothing more at 2N */
    r.valgrind.bytes[0] = r.valgrind.growth.bytes[0] = 64;
    ck_assert_int_eq(classify(&r), DRIP_CLASS_NONE);

    flat_result(&r, true, 24, 0);           /* tasks outrank lost memory */
    set_fit(&r, DRIP_M_TASKS, DRIP_VERDICT_GROWING, 0.1, 0.09, 0.11, 0.1, 500, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_BLOCKED);
    set_fit(&r, DRIP_M_CONNS, DRIP_VERDICT_GROWING, 0.1, 0.09, 0.11, 0.1, 500, 0);
    ck_assert_int_eq(classify(&r), DRIP_CLASS_HANDLE);   /* and handles outrank tasks */

    flat_result(&r, true, 0, 0);            /* a broken valgrind pass is not used */
    set_fit(&r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 48, 47, 49, 48, 1e5, 0);
    r.valgrind.problem = (char *)"valgrind XML ends early";
    drip_classify(&r);
    ck_assert_int_eq(r.leak_class, DRIP_CLASS_HEAP_GROWTH);
    ck_assert_str_eq(r.class_basis, "counters");
    ck_assert_ptr_nonnull(strstr(r.class_why, "valgrind pass broken"));
    free(r.class_why);
    free(r.class_basis);

    memset(&r, 0, sizeof r);                /* nothing measured: not classified */
    drip_classify(&r);
    ck_assert_int_eq(r.leak_class, DRIP_CLASS_UNKNOWN);
    ck_assert_ptr_null(r.class_why);
    ck_assert_ptr_null(drip_class_name(DRIP_CLASS_UNKNOWN));
    ck_assert_str_eq(drip_class_name(DRIP_CLASS_REACHABLE), "reachable growth");
}
END_TEST

static Suite *suite_judge(void)
{
    Suite *s = suite_create("judge");
    TCase *tc = tcase_create("judge");
    tcase_add_test(tc, test_ns_per_iter);
    tcase_add_test(tc, test_classify_priority);
    tcase_add_test(tc, test_classify_evidence);
    suite_add_tcase(s, tc);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_judge();
}
