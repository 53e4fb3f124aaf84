/* program_judge.c - an external workload's run judged: Drip's metrics by
 * drip_judge (judge.c), custom metrics (metrics.map names that are not
 * Drip's) here, from the rows program_sample.c kept beside the samples
 * (program.h).  The results model has no slot for custom metrics yet
 * (docs/EXTERNAL.md, "Custom metrics in the results model"): their
 * expectations are judged and a failure is in the reason; r->expects
 * lists Drip's metrics only. */
#include <stdlib.h>

#include "program.h"
#include "util/util.h"

/* Fit custom slot k over r's samples (x) into *fit. */
static void fit_custom(const drip__program *p, const drip_result *r, size_t k, const double *x,
                       drip_fit *fit)
{
    size_t n = r->nsamples, nc = p->spec->metrics.ncustom;
    double *y = xcalloc(n + 1, sizeof *y);
    for (size_t i = 0; i < n; i++)
        y[i] = p->custom[i * nc + k];
    drip_fit_series(x, y, n, r->warmup, 1.0, fit);
    free(y);
}

/* One failed expectation on custom metric `name` into sb. */
static void describe(strbuf *sb, const char *name, const drip_expect *e, const drip_fit *fit,
                     double actual)
{
    if (sb->len)
        sb_append(sb, "; ");
    if (e->rule == DRIP_RULE_VERDICT)
        sb_appendf(sb, "%s: %s, expected %s (%+g/iter)", name, drip_verdict_name(fit->verdict),
                   e->verdict == DRIP_VERDICT_BOUNDED ? "flat or bounded"
                                                      : drip_verdict_name(e->verdict),
                   fit->all.slope);
    else
        sb_appendf(sb, "%s: slope %+g/iter %s %s %g/iter", name, actual,
                   e->rule == DRIP_RULE_MAX_SLOPE ? ">" : "<", drip_rule_name(e->rule),
                   e->limit);
}

/* The custom expectations of sc on p's rows: failures and unknowns. */
static void judge_custom(const drip_scenario *sc, const drip__program *p,
                         const drip_result *r, strbuf *failures, strbuf *unknown)
{
    double *x = xcalloc(r->nsamples + 1, sizeof *x);
    for (size_t i = 0; i < r->nsamples; i++)
        x[i] = r->samples[i].v[DRIP_COL_ITER];
    for (size_t i = 0; i < sc->nexpects; i++) {
        const drip_expect *e = &sc->expects[i];
        if (!drip_metric_is_custom(e->metric))
            continue;
        const char *name = drip_external_metric_name(p->spec, e->metric);
        drip_fit fit;
        double actual = 0;
        fit_custom(p, r, (size_t)(e->metric - DRIP_M_COUNT), x, &fit);
        if (drip_expect_check(e->rule, e->limit, e->verdict, &fit, &actual))
            continue;
        if (fit.verdict == DRIP_VERDICT_UNKNOWN)
            sb_appendf(unknown, "%snot enough samples after warm-up to judge %s (%zu samples)",
                       unknown->len ? "; " : "", name, r->nsamples);
        else
            describe(failures, name, e, &fit, actual);
    }
    free(x);
}

void drip__program_judge(const drip_scenario *sc, const drip__program *p, drip_result *r)
{
    drip_scenario judged = *sc;                 /* shallow: only expects differ */
    judged.expects = xcalloc(sc->nexpects + 1, sizeof *judged.expects);
    judged.nexpects = 0;
    for (size_t i = 0; i < sc->nexpects; i++)
        if (!drip_metric_is_custom(sc->expects[i].metric))
            judged.expects[judged.nexpects++] = sc->expects[i];
    drip_judge(&judged, r);
    free(judged.expects);
    if (r->status == DRIP_STATUS_ERROR || !p->spec || p->ncustom_rows != r->nsamples)
        return;
    strbuf failures = {0}, unknown = {0};
    judge_custom(sc, p, r, &failures, &unknown);
    strbuf *add = unknown.len ? &unknown : failures.len ? &failures : NULL;
    if (add) {
        char *reason = r->reason ? xasprintf("%s; %s", r->reason, add->buf) : sb_take(add);
        free(r->reason);
        r->reason = reason;
        r->status = unknown.len ? DRIP_STATUS_ERROR : DRIP_STATUS_FAIL;
    }
    sb_free(&failures);
    sb_free(&unknown);
}
