/* html_metric.c - how report.html reads a scenario's metrics: the tone of a
 * verdict, metrics that stayed at zero, where the heap grows, the speed.
 *
 * A verdict is coloured by what it means for the scenario, not by its word
 * alone: `growing` is a warning (orange) only for a gauge nobody expected
 * to grow.  A running total such as allocs always grows (its slope is its
 * rate), and a metric whose expectations held is what the scenario asked
 * for (a leaky scenario expects `growing`): both read in plain ink.  A
 * metric whose expectation broke reads red.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util/util.h"

#define DASH "\xE2\x80\x93"

/* "bad", "held", "rate" or NULL (the verdict's own colour). */
static const char *tone(const drip_result *r, int m)
{
    bool any = false, broken = false;
    for (size_t i = 0; i < r->nexpects; i++)
        if (r->expects[i].metric == m) {
            any = true;
            broken |= !r->expects[i].ok;
        }
    if (broken)
        return "bad";
    if (any)
        return "held";
    const drip_metric_info *info = drip_result_metric_info(r, m);
    return info && info->cumulative ? "rate" : NULL;
}

void drip__html_metric_verdict(FILE *out, const drip_result *r, int m)
{
    drip_verdict v = r->metrics[m].fit.verdict;
    const char *t = v == DRIP_VERDICT_UNKNOWN ? NULL : tone(r, m);
    const char *name = drip_verdict_name(v);
    fprintf(out, "<span class=\"v %s\"%s>%s</span>", t ? t : name,
            t && !strcmp(t, "rate") ? " title=\"a running total: its slope is its rate\"" : "",
            name);
}

bool drip__html_all_zero(const drip_result *r, int m)
{
    if (!r->metrics[m].measured || !r->nsamples)
        return false;
    for (size_t i = 0; i < r->nsamples; i++)
        if (r->samples[i].v[DRIP_COL_METRIC(m)] != 0)
            return false;                 /* NaN too: not known to be zero */
    return !r->has_after_teardown || r->after_teardown.v[DRIP_COL_METRIC(m)] == 0;
}

void drip__html_top_site(FILE *out, const drip_result *r)
{
    size_t n = 0;
    size_t *idx = drip_prof_growing(&r->profile, &n);
    if (!n) {
        fputs(DASH, out);
        free(idx);
        return;
    }
    const drip_prof_site *s = &r->profile.sites[idx[0]];
    char *stack = drip_prof_site_where(s, 2);
    fputs("<span class=\"mono\">", out);
    drip__html_escape(out, stack, false);
    fputs("</span> <span class=\"dim\">", out);
    drip__html_slope(out, &drip_metrics[DRIP_M_HEAP_BYTES], drip_prof_site_growth(&r->profile, s));
    fputs("</span>", out);
    free(stack);
    free(idx);
}

/* Iterations per second: "812/s", "10.4k/s", "6.67M/s". */
static const char *per_second(double ns_per_iter, char *buf, size_t n)
{
    double r = 1e9 / ns_per_iter;
    if (r >= 1e6)
        snprintf(buf, n, "%.3gM/s", r / 1e6);
    else if (r >= 1e4)
        snprintf(buf, n, "%.3gk/s", r / 1e3);
    else
        snprintf(buf, n, "%.0f/s", r);
    return buf;
}

double drip__html_ceiling_s(const drip_result *r)
{
    const drip_metric_result *hb = &r->metrics[DRIP_M_HEAP_BYTES];
    if (!hb->measured || hb->fit.verdict != DRIP_VERDICT_GROWING || !(hb->fit.all.slope > 0) ||
        !isfinite(r->ns_per_iter) || !r->heap_ceiling || !r->nsamples)
        return NAN;
    double now = r->samples[r->nsamples - 1].v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)];
    double left = (double)r->heap_ceiling - now;
    if (!isfinite(left) || left <= 0)
        return 0;
    return left / hb->fit.all.slope * r->ns_per_iter / 1e9;
}

void drip__html_speed(FILE *out, const drip_result *r, bool brief)
{
    char buf[64];
    if (!isfinite(r->ns_per_iter) || r->ns_per_iter <= 0) {
        if (brief)
            fputs(DASH, out);
        return;
    }
    if (brief) {
        fprintf(out, "%.0f <span class=\"dim\">%s</span>", r->ns_per_iter,
                per_second(r->ns_per_iter, buf, sizeof buf));
        return;
    }
    fprintf(out, "<span>per iteration <b>%.0f ns</b>, <b>%s</b></span>", r->ns_per_iter,
            per_second(r->ns_per_iter, buf, sizeof buf));
    double t = drip__html_ceiling_s(r);
    if (isfinite(t)) {
        fprintf(out, "<span class=\"ceiling\">heap ceiling <b>%s</b> reached in <b>",
                drip_fmt_bytes((double)r->heap_ceiling, buf, sizeof buf));
        drip__html_duration(out, t);
        fputs("</b> at this slope</span>", out);
    }
}
