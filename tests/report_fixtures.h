/* report_fixtures.h - the hand-built results model the report suites
 * write: one scenario of each status (pass, fail, error), NaN slopes, an
 * unmeasured metric, and a description and reason full of characters
 * that JSON and XML must escape (markup, quotes, a newline, a control
 * character, invalid UTF-8); the Check fixture builds and frees it.  One
 * copy per suite (static). */
#ifndef DRIP_TEST_REPORT_FIXTURES_H
#define DRIP_TEST_REPORT_FIXTURES_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/util.h"

/* ---- the model ----------------------------------------------------------- */

#define NASTY_DESC "<script>alert(\"x\")</script> & 'q'\nline2\x01 bad\xff\xfe end \xc3\xa9"
/* what NASTY_DESC must read as after a JSON round trip */
#define NASTY_DESC_JSON "<script>alert(\"x\")</script> & 'q'\nline2\x01 bad\xef\xbf\xbd\xef\xbf\xbd end \xc3\xa9"
/* ... and after an XML round trip (the control character is dropped) */
#define NASTY_DESC_XML "<script>alert(\"x\")</script> & 'q'\nline2 bad\xef\xbf\xbd\xef\xbf\xbd end \xc3\xa9"

/* overlong '/', a lone surrogate, a valid emoji, a sequence cut short */
#define UTF8_EDGES "a\xc0\xaf" "b\xed\xa0\x80" "c\xf0\x9f\x98\x80" "d\xe2\x82"
#define UTF8_EDGES_FIXED "a\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" \
                         "c\xf0\x9f\x98\x80" "d\xef\xbf\xbd\xef\xbf\xbd"

static drip_run_results run;

static inline void set_fit(drip_result *r, int m, drip_verdict v, double slope, double low,
                    double high, double tail, double growth, size_t window_start)
{
    r->metrics[m].measured = true;
    r->metrics[m].fit = (drip_fit){
        .all = {slope, low, high, 100}, .tail = {tail, NAN, NAN, 50},
        .growth = growth, .window_start = window_start, .verdict = v,
        .change_at = v == DRIP_VERDICT_GROWING ? 2000.0 * (double)(window_start + 1) : NAN,
        .change = {v == DRIP_VERDICT_GROWING ? tail : NAN, NAN, NAN, 0},
    };
}

/* 10 samples, every 2000 iterations; fds is never measured (NaN). */
static inline void add_samples(drip_result *r, double bytes_per_iter)
{
    for (int i = 0; i < 10; i++) {
        drip_sample s;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            s.v[c] = 0;                        /* tasks, timers, conns */
        double it = 2000.0 * (i + 1);
        s.v[DRIP_COL_ITER] = it;
        s.v[DRIP_COL_TIME] = 0.12 * (i + 1);
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 1234 + bytes_per_iter * it;
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = 10 + it;
        s.v[DRIP_COL_METRIC(DRIP_M_ALLOCS)] = 2 * it + 0.5;
        s.v[DRIP_COL_METRIC(DRIP_M_RSS)] = 4096.0 * 1024;
        s.v[DRIP_COL_METRIC(DRIP_M_THREADS)] = 1;
        s.v[DRIP_COL_METRIC(DRIP_M_FDS)] = NAN;
        drip_result_add_sample(r, &s);
    }
}

static inline void build_pass(drip_result *r)
{
    r->name = xstrdup("global-map-leaky");
    r->file = xstrdup("scenarios/global-map/leaky.yaml");
    r->workload = xstrdup("global-map-leaky");
    r->status = DRIP_STATUS_PASS;
    r->seed = 1;
    r->threads = 1;
    r->iterations = r->iterations_planned = 20000;
    r->duration_s = 1.2;
    r->ns_per_iter = 60.25;
    r->warmup = 0.2;
    r->heap_ceiling = 1073741824;
    add_samples(r, 310);
    set_fit(r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 310.2, 300.1, 320.5, 309, 4963200, 2);
    set_fit(r, DRIP_M_HEAP_OBJECTS, DRIP_VERDICT_GROWING, 1, 1, 1, 1, 16000, 2);
    set_fit(r, DRIP_M_ALLOCS, DRIP_VERDICT_UNKNOWN, NAN, NAN, NAN, NAN, NAN, 2);
    set_fit(r, DRIP_M_RSS, DRIP_VERDICT_FLAT, 0, -1, 1, 0, 0, 2);
    set_fit(r, DRIP_M_THREADS, DRIP_VERDICT_FLAT, 0, 0, 0, 0, 0, 2);
    r->nexpects = 1;
    r->expects = xcalloc(1, sizeof *r->expects);
    r->expects[0] = (drip_expect_result){DRIP_M_THREADS, DRIP_RULE_VERDICT, 0,
                                         DRIP_VERDICT_FLAT, DRIP_VERDICT_FLAT, true};
    r->nfaults = 1;
    r->faults = xcalloc(1, sizeof *r->faults);
    r->faults[0] = (drip_fault_result){.point = xstrdup("cache.miss"), .rate = 0.25,
                                       .asked = 20000, .fired = 5012, .first = {3, 7, 8},
                                       .nfirst = 3};
    drip_result_add_warning(r, "sampler fell behind by %d ms", 12);
    drip_result_add_warning(r, "%s", UTF8_EDGES);
}

static inline void build_fail(drip_result *r)
{
    r->name = xstrdup("global-map-lru");
    r->file = xstrdup("./scenarios/global-map/lru.yaml");
    r->workload = xstrdup("/opt/plugins/lru.so");
    r->description = xstrdup(NASTY_DESC);
    r->status = DRIP_STATUS_FAIL;
    r->reason = xstrdup("heap_bytes grew <fast> & \"loud\"\nsecond line");
    r->seed = 7;
    r->threads = 4;
    r->iterations = r->iterations_planned = 5000;
    r->failed_iterations = 3;
    r->duration_s = 0.5;
    r->warmup = 0.25;
    r->heap_ceiling = 1 << 20;
    r->heap_ceiling_hit = true;
    add_samples(r, 12.5);
    set_fit(r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 12.5, 12, 13, 12.5, 62500, 3);
    r->nexpects = 2;
    r->expects = xcalloc(2, sizeof *r->expects);
    r->expects[0] = (drip_expect_result){DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_SLOPE, 0,
                                         DRIP_VERDICT_UNKNOWN, 12.5, false};
    r->expects[1] = (drip_expect_result){DRIP_M_FDS, DRIP_RULE_MIN_SLOPE, 0.5,
                                         DRIP_VERDICT_UNKNOWN, NAN, false};
    /* the scheduled forms: every with nth, every alone, nth alone */
    static const uint64_t nth[] = {3, 5};
    r->nfaults = 3;
    r->faults = xcalloc(3, sizeof *r->faults);
    r->faults[0] = (drip_fault_result){.point = xstrdup("alloc"), .asked = 15000, .fired = 100,
                                       .first = {99, 199}, .nfirst = 2};
    drip_fault_result_set_schedule(&r->faults[0], 100, nth, 2);
    r->faults[1] = (drip_fault_result){.point = xstrdup("read.timeout"), .asked = 5000,
                                       .fired = 500, .first = {9}, .nfirst = 1};
    drip_fault_result_set_schedule(&r->faults[1], 10, NULL, 0);
    r->faults[2] = (drip_fault_result){.point = xstrdup("drop"), .asked = 5000, .fired = 0};
    drip_fault_result_set_schedule(&r->faults[2], 0, nth + 1, 1);
}

static inline void build_error(drip_result *r)
{
    r->name = xstrdup("crashy");
    r->file = xstrdup("../x/crashy.yml");
    r->workload = xstrdup("crashy");
    r->status = DRIP_STATUS_ERROR;
    r->reason = xstrdup("crashed: SIGSEGV (Segmentation fault) at iteration ~412\nbacktrace: ...");
    r->seed = 1;
    r->threads = 1;
    r->iterations_planned = 1000;
    r->iterations = 412;
    r->duration_s = NAN;
    r->heap_ceiling = 1073741824;
}

static inline void setup(void)
{
    memset(&run, 0, sizeof run);
    run.drip_version = xstrdup("0.1.0");
    run.seed_set = true;
    run.seed = 1;
    run.started_at = xstrdup("2026-11-25T17:00:00Z");
    run.duration_s = 12.5;
    run.complete = true;
    build_pass(drip_run_results_add(&run));
    build_fail(drip_run_results_add(&run));
    build_error(drip_run_results_add(&run));
}

static inline void teardown(void)
{
    drip_run_results_free(&run);
}

/* Run a writer into memory; returns the text (caller frees). */
#define CAPTURE(call_with_f) ({                                   \
    char *buf_ = NULL; size_t len_ = 0;                           \
    FILE *f = open_memstream(&buf_, &len_);                       \
    ck_assert_ptr_nonnull(f);                                     \
    ck_assert_int_eq((call_with_f), 0);                           \
    ck_assert_int_eq(fclose(f), 0);                               \
    buf_; })

#endif /* DRIP_TEST_REPORT_FIXTURES_H */
