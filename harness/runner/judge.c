/* judge.c - from samples to fits, expectations, status and reason. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "util/util.h"

/* One failed expectation as a phrase: "heap_bytes: slope +310 B/iter >
 * max_slope 16 B/iter" or "threads: verdict growing, expected flat". */
static void describe_failure(strbuf *sb, const drip_result *r, const drip_expect_result *e,
                             const drip_fit *fit)
{
    const drip_metric_info *info = drip_result_metric_info(r, e->metric);
    const char *metric = info->name;
    char a[64], l[64];
    switch (e->rule) {
    case DRIP_RULE_MAX_SLOPE:
    case DRIP_RULE_MIN_SLOPE:
        drip_metric_info_fmt_slope(info, e->actual, a, sizeof a);
        drip_metric_info_fmt_slope(info, e->limit, l, sizeof l);
        sb_appendf(sb, "%s: slope %s %s %s %s", metric, a,
                   e->rule == DRIP_RULE_MAX_SLOPE ? ">" : "<", drip_rule_name(e->rule), l);
        break;
    case DRIP_RULE_MAX_AFTER_TEARDOWN:
        sb_appendf(sb, "%s: %.0f left after teardown > max_after_teardown %g", metric,
                   e->actual, e->limit);
        break;
    case DRIP_RULE_VERDICT:
        sb_appendf(sb, "%s: %s, expected %s", metric, drip_verdict_name(fit->verdict),
                   e->want == DRIP_VERDICT_BOUNDED ? "flat or bounded"
                                                   : drip_verdict_name(e->want));
        if (fit->verdict == DRIP_VERDICT_GROWING || fit->verdict == DRIP_VERDICT_BOUNDED) {
            drip_metric_info_fmt_slope(info, fit->all.slope, a, sizeof a);
            sb_appendf(sb, " (%s)", a);
        }
        break;
    }
}

/* Wall-clock nanoseconds per iteration over the samples the slopes are
 * fitted on (after warm-up, the same window as drip_fit_series): the time
 * between the window's first and last samples over the iterations between
 * them.  With N threads it is the time per iteration of the whole process,
 * not of one call.  NaN with fewer than two samples in the window. */
static double ns_per_iter(const drip_result *r)
{
    size_t n = r->nsamples, ws = 0;
    if (r->warmup > 0)
        ws = r->warmup >= 1 ? n : (size_t)floor(r->warmup * (double)n);
    if (n < 2 || ws > n - 2)
        return NAN;
    const drip_sample *a = &r->samples[ws], *b = &r->samples[n - 1];
    double iters = b->v[DRIP_COL_ITER] - a->v[DRIP_COL_ITER];
    double secs = b->v[DRIP_COL_TIME] - a->v[DRIP_COL_TIME];
    return iters > 0 && secs >= 0 ? secs * 1e9 / iters : NAN;
}

/* The expectations to check: the scenario's own; with no `expect:` the
 * default, a verdict rule "flat or bounded" on every measured gauge that
 * could be judged (running totals such as allocs always rise, and a
 * metric with too few samples is not judged by default); none with
 * `expect: none`.  Sets r->expect_mode.  Returns the list (sc's, or
 * malloc'd into *owned) and its length in *n. */
static const drip_expect *expectations(const drip_scenario *sc, drip_result *r, size_t *n,
                                       drip_expect **owned)
{
    *owned = NULL;
    *n = 0;
    if (sc->expect_none) {
        r->expect_mode = DRIP_EXPECT_NONE;
        return NULL;
    }
    if (sc->expect_given) {
        r->expect_mode = DRIP_EXPECT_RULES;
        *n = sc->nexpects;
        return sc->expects;
    }
    r->expect_mode = DRIP_EXPECT_DEFAULT;
    *owned = xcalloc(DRIP_M_COUNT, sizeof **owned);
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        const drip_metric_result *mr = &r->metrics[m];
        if (!mr->measured || drip_metrics[m].cumulative ||
            mr->fit.verdict == DRIP_VERDICT_UNKNOWN)
            continue;
        (*owned)[(*n)++] = (drip_expect){.metric = m, .rule = DRIP_RULE_VERDICT,
                                         .verdict = DRIP_VERDICT_BOUNDED};
    }
    return *owned;
}

/* Check expectation e against r's fits into er: a broken one is described
 * in *failures, one that cannot be judged (a metric not measured, nothing
 * after teardown, too few samples) in *unknown.  Can't fail. */
static void check_one(const drip_expect *e, const drip_result *r, drip_expect_result *er,
                      strbuf *failures, strbuf *unknown)
{
    const drip_metric_result *mr = &r->metrics[e->metric];
    er->metric = e->metric;
    er->rule = e->rule;
    er->limit = e->limit;
    er->want = e->verdict;
    er->actual = NAN;
    const char *name = drip_result_metric_info(r, e->metric)->name;
    if (!mr->measured && drip_metric_is_custom(e->metric)) {
        sb_appendf(failures, "%s%s: never reported by the workload (no drip_metric_add(ctx, "
                   "\"%s\", ...) in the whole run)", failures->len ? "; " : "", name, name);
        return;
    }
    if (!mr->measured) {
        sb_appendf(unknown, "%s%s is not measured (the counting allocator is off: "
                   "under valgrind, DRIP_ALLOC=off or a sanitizer build)",
                   unknown->len ? "; " : "", name);
        return;
    }
    if (e->rule == DRIP_RULE_MAX_AFTER_TEARDOWN) {
        if (!r->has_after_teardown) {
            sb_appendf(unknown, "%s%s was not measured after teardown (teardown did not "
                       "finish)", unknown->len ? "; " : "", name);
            return;
        }
        er->actual = r->after_teardown.v[DRIP_COL_METRIC(e->metric)];
        er->ok = er->actual <= e->limit;
    } else {
        er->ok = drip_expect_check(e->rule, e->limit, e->verdict, &mr->fit, &er->actual);
    }
    if (er->ok)
        return;
    if (e->rule != DRIP_RULE_MAX_AFTER_TEARDOWN && mr->fit.verdict == DRIP_VERDICT_UNKNOWN) {
        sb_appendf(unknown, "%snot enough samples after warm-up to judge %s (%zu samples)",
                   unknown->len ? "; " : "", name, r->nsamples);
        return;
    }
    if (failures->len)
        sb_append(failures, "; ");
    describe_failure(failures, r, er, &mr->fit);
}

void drip_judge(const drip_scenario *sc, drip_result *r)
{
    size_t n = r->nsamples;
    double *x = xcalloc(n + 1, sizeof *x), *y = xcalloc(n + 1, sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = r->samples[i].v[DRIP_COL_ITER];

    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        drip_metric_result *mr = &r->metrics[m];
        if (!mr->measured)
            continue;
        for (size_t i = 0; i < n; i++)
            y[i] = r->samples[i].v[DRIP_COL_METRIC(m)];
        drip_fit_series(x, y, n, r->warmup, drip_result_metric_info(r, m)->resolution,
                        &mr->fit);
    }
    r->ns_per_iter = ns_per_iter(r);
    /* Passing the ceiling is growth by definition, however few samples. */
    if (r->heap_ceiling_hit && r->metrics[DRIP_M_HEAP_BYTES].measured)
        r->metrics[DRIP_M_HEAP_BYTES].fit.verdict = DRIP_VERDICT_GROWING;

    drip_expect *owned;
    size_t nex;
    const drip_expect *ex = expectations(sc, r, &nex, &owned);
    free(r->expects);
    r->expects = xcalloc(nex + 1, sizeof *r->expects);
    r->nexpects = nex;
    strbuf failures = {0}, unknown = {0};
    for (size_t i = 0; i < nex; i++)
        check_one(&ex[i], r, &r->expects[i], &failures, &unknown);

    if (r->failed_iterations && r->failed_iterations == r->iterations)
        drip_result_add_warning(r, "every iteration failed (iterate returned non-zero)");

    if (r->status != DRIP_STATUS_ERROR) {
        strbuf reason = {0};
        if (r->heap_ceiling_hit) {
            char b[32];
            sb_appendf(&reason, "heap ceiling %s reached at iteration %llu",
                       drip_fmt_bytes((double)r->heap_ceiling, b, sizeof b),
                       (unsigned long long)r->iterations);
        }
        if (unknown.len) {
            r->status = DRIP_STATUS_ERROR;
            sb_appendf(&reason, "%s%s", reason.len ? "; " : "", unknown.buf);
        } else if (failures.len) {
            r->status = DRIP_STATUS_FAIL;
            sb_appendf(&reason, "%s%s%s", reason.len ? "; " : "",
                       r->expect_mode == DRIP_EXPECT_DEFAULT ? "expect: default (nothing grows): "
                                                             : "", failures.buf);
        } else {
            r->status = DRIP_STATUS_PASS;
        }
        free(r->reason);
        r->reason = reason.len ? sb_take(&reason) : NULL;
        sb_free(&reason);
    }
    sb_free(&failures);
    sb_free(&unknown);
    free(owned);
    free(x);
    free(y);
}

void drip__judge_strict(size_t unused, const char *first, drip_result *r)
{
    if (!unused || r->status != DRIP_STATUS_PASS)
        return;
    r->status = DRIP_STATUS_FAIL;
    free(r->reason);
    r->reason = unused == 1
        ? xasprintf("strict: %s", first)
        : xasprintf("strict: %s (and %zu more warnings about configuration the workload never "
                    "used)", first, unused - 1);
}
