/* compare.c - the comparison itself: pure, no I/O (compare.h). */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void drip_cmp_tolerance_default(drip_cmp_tolerance *t)
{
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        t->absolute[m] = drip_metrics[m].resolution / DRIP_CMP_RESOLUTION_ITERS;
        t->relative[m] = DRIP_CMP_DEFAULT_RELATIVE;
    }
    t->custom_absolute = DRIP_CUSTOM_RESOLUTION / DRIP_CMP_RESOLUTION_ITERS;
    t->custom_relative = DRIP_CMP_DEFAULT_RELATIVE;
}

int drip_cmp_tolerance_parse(drip_cmp_tolerance *t, const char *spec, char **err)
{
    const char *eq = strchr(spec, '=');
    const char *num = eq ? eq + 1 : spec;
    int metric = -1;
    *err = NULL;
    if (eq) {
        char *name = xstrndup(spec, (size_t)(eq - spec));
        metric = drip_metric_find(name);
        if (metric < 0) {
            const char *near = drip_did_you_mean(name, drip_metric_names());
            *err = xasprintf("--tolerance: unknown metric '%s'%s%s%s", name,
                             near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        }
        free(name);
        if (metric < 0)
            return -1;
    }
    size_t len = strlen(num);
    bool relative = len > 0 && num[len - 1] == '%';
    char *digits = xstrndup(num, relative ? len - 1 : len);
    double v;
    int rc = drip_parse_double(digits, &v);
    free(digits);
    if (rc != 0 || !(v >= 0)) {
        *err = xasprintf("--tolerance: '%s' is not N, N%%, METRIC=N or METRIC=N%% "
                         "with N a number >= 0", spec);
        return -1;
    }
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        if (metric >= 0 && m != metric)
            continue;
        if (relative)
            t->relative[m] = v / 100;
        else
            t->absolute[m] = v;
    }
    if (metric < 0 && relative)
        t->custom_relative = v / 100;
    else if (metric < 0)
        t->custom_absolute = v;
    return 0;
}

static bool settled(drip_verdict v)
{
    return v == DRIP_VERDICT_FLAT || v == DRIP_VERDICT_BOUNDED;
}

/* One metric's results in base (b) and the new run (n) into *out (zeroed
 * by the caller), with the slope rule's tolerances abs and rel: the
 * verdict rule, then the slope rule when both intervals are known.  The
 * slope rule flags only a metric still growing in the new run: the slope
 * of a metric that is flat or bounded there is the shape of a fill, a step
 * or noise (two runs of the same code moved between flat [-1.7, 0.5] and
 * bounded [2.8, 16.7] B/iter), so a move between flat and bounded is never
 * a regression by itself.  Cannot fail. */
static void compare_metric(const drip_metric_result *bm, const drip_metric_result *nm,
                           double abs, double rel, drip_cmp_metric *out)
{
    out->base_measured = bm->measured;
    out->new_measured = nm->measured;
    out->margin = NAN;
    out->tolerance = NAN;
    if (out->base_measured)
        out->base = bm->fit;
    if (out->new_measured)
        out->new = nm->fit;
    if (!out->base_measured || !out->new_measured)
        return;
    const drip_fit *b = &out->base, *n = &out->new;

    if (settled(b->verdict) && n->verdict == DRIP_VERDICT_GROWING)
        out->regressed |= DRIP_CMP_VERDICT;
    else if (b->verdict == DRIP_VERDICT_GROWING && settled(n->verdict))
        out->improved = true;

    if (isfinite(b->all.slope) && isfinite(b->all.low) && isfinite(b->all.high) &&
        isfinite(n->all.low) && isfinite(n->all.high)) {
        double tol = rel * fabs(b->all.slope);
        if (abs > tol)
            tol = abs;
        out->tolerance = tol;
        out->margin = n->all.low - b->all.high;
        if (out->margin > tol && n->verdict == DRIP_VERDICT_GROWING)
            out->regressed |= DRIP_CMP_SLOPE;
        else if (b->all.low - n->all.high > tol)
            out->improved = true;
    }
}

/* Slot of the custom metric called name in r, or -1. */
static int custom_slot(const drip_result *r, const char *name)
{
    for (size_t k = 0; k < r->ncustom; k++)
        if (r->custom[k].name && strcmp(r->custom[k].name, name) == 0)
            return DRIP_M_COUNT + (int)k;
    return -1;
}

/* A row for one custom metric of s (room is guaranteed: at most every
 * slot of both runs).  Cannot fail. */
static drip_cmp_custom *custom_row(drip_cmp_scenario *s, const drip_metric_info *info,
                                   drip_cmp_presence presence)
{
    drip_cmp_custom *c = &s->customs[s->ncustom++];
    c->name = info->name;
    c->info = info;
    c->presence = presence;
    c->cmp.margin = NAN;
    c->cmp.tolerance = NAN;
    return c;
}

/* The custom metrics of a matched pair, by name: the base's in its order
 * (compared, or REMOVED), then the new run's the base lacks (ADDED).
 * Cannot fail. */
static void compare_customs(drip_cmp_scenario *s, const drip_cmp_tolerance *t)
{
    for (size_t k = 0; k < s->base->ncustom; k++) {
        const drip_metric_info *bi = &s->base->custom[k];
        int nm = bi->name ? custom_slot(s->new, bi->name) : -1;
        if (!bi->name)
            continue;
        if (nm < 0) {
            drip_cmp_custom *c = custom_row(s, bi, DRIP_CMP_REMOVED);
            c->cmp.base_measured = s->base->metrics[DRIP_M_COUNT + k].measured;
            if (c->cmp.base_measured)
                c->cmp.base = s->base->metrics[DRIP_M_COUNT + k].fit;
            s->customs_removed++;
            continue;
        }
        drip_cmp_custom *c = custom_row(s, &s->new->custom[nm - DRIP_M_COUNT], DRIP_CMP_BOTH);
        compare_metric(&s->base->metrics[DRIP_M_COUNT + k], &s->new->metrics[nm],
                       t->custom_absolute, t->custom_relative, &c->cmp);
    }
    for (size_t k = 0; k < s->new->ncustom; k++) {
        const drip_metric_info *ni = &s->new->custom[k];
        if (!ni->name || custom_slot(s->base, ni->name) >= 0)
            continue;
        drip_cmp_custom *c = custom_row(s, ni, DRIP_CMP_ADDED);
        c->cmp.new_measured = s->new->metrics[DRIP_M_COUNT + k].measured;
        if (c->cmp.new_measured)
            c->cmp.new = s->new->metrics[DRIP_M_COUNT + k].fit;
        s->customs_added++;
    }
}

/* A matched pair: the status rule, every metric, and the totals of the row. */
static void compare_scenario(drip_cmp_scenario *s, const drip_cmp_tolerance *t)
{
    bool better = false;
    if (s->new->status > s->base->status)
        s->regressed |= DRIP_CMP_STATUS;
    else if (s->new->status < s->base->status)
        better = true;
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        compare_metric(&s->base->metrics[m], &s->new->metrics[m], t->absolute[m],
                       t->relative[m], &s->metrics[m]);
        s->regressed |= s->metrics[m].regressed;
        better = better || s->metrics[m].improved;
    }
    compare_customs(s, t);
    for (size_t k = 0; k < s->ncustom; k++) {
        s->regressed |= s->customs[k].cmp.regressed;
        better = better || s->customs[k].cmp.improved;
    }
    s->improved = better && !s->regressed;
}

static const drip_result *find(const drip_run_results *run, const char *name)
{
    for (size_t i = 0; i < run->count; i++)
        if (run->scenarios[i].name && strcmp(run->scenarios[i].name, name) == 0)
            return &run->scenarios[i];
    return NULL;
}

bool drip_compare(const drip_run_results *base, const drip_run_results *nw,
                  const drip_cmp_tolerance *t, drip_comparison *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = base->count + nw->count;
    out->scenarios = cap ? xcalloc(cap, sizeof *out->scenarios) : NULL;

    for (size_t i = 0; i < base->count; i++) {
        const drip_result *b = &base->scenarios[i];
        if (!b->name)
            continue;
        drip_cmp_scenario *s = &out->scenarios[out->count++];
        s->name = b->name;
        s->base = b;
        s->new = find(nw, b->name);
        if (!s->new) {
            s->presence = DRIP_CMP_REMOVED;
            out->removed++;
            continue;
        }
        s->presence = DRIP_CMP_BOTH;
        out->compared++;
        compare_scenario(s, t);
        out->regressed += s->regressed != 0;
        out->improved += s->improved;
        out->customs_added += s->customs_added;
        out->customs_removed += s->customs_removed;
    }
    for (size_t i = 0; i < nw->count; i++) {
        const drip_result *n = &nw->scenarios[i];
        if (!n->name || find(base, n->name))
            continue;
        drip_cmp_scenario *s = &out->scenarios[out->count++];
        s->name = n->name;
        s->new = n;
        s->presence = DRIP_CMP_ADDED;
        out->added++;
    }
    return out->regressed > 0;
}

void drip_comparison_free(drip_comparison *c)
{
    if (!c)
        return;
    free(c->scenarios);
    memset(c, 0, sizeof *c);
}
