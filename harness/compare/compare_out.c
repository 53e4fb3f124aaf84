/* compare_out.c - a comparison as a table and as JSON (compare.h).
 *
 *   REGRESSED  cache          pass -> fail
 *                heap_bytes   0 B/iter [-0.01, 0.01] flat  ->  +151 B/iter [150, 152] growing
 *                             (flat -> growing; the new interval is 150 B/iter above the base's,
 *                             tolerance 0.064 B/iter)
 *   same       other          pass
 *   added      newcomer       pass
 */
#include "compare.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

#define SGR_RESET "\033[0m"
#define SGR_RED   "\033[1;31m"
#define SGR_GREEN "\033[32m"
#define SGR_DIM   "\033[2m"

/* "+151 B/iter [150, 152] growing", or "not measured". */
static void fmt_fit(strbuf *sb, const drip_metric_info *info, bool measured, const drip_fit *f)
{
    char slope[64], lo[32], hi[32];
    if (!measured) {
        sb_append(sb, "not measured");
        return;
    }
    drip_metric_info_fmt_slope(info, f->all.slope, slope, sizeof slope);
    if (info->bytes) {
        drip_fmt_bytes(f->all.low, lo, sizeof lo);
        drip_fmt_bytes(f->all.high, hi, sizeof hi);
    } else {
        drip_fmt_num(f->all.low, lo, sizeof lo);
        drip_fmt_num(f->all.high, hi, sizeof hi);
    }
    if (isnan(f->all.low))
        sb_appendf(sb, "%s %s", slope, drip_verdict_name(f->verdict));
    else
        sb_appendf(sb, "%s [%s, %s] %s", slope, lo, hi, drip_verdict_name(f->verdict));
}

/* A value in the metric's unit per iteration: "150 B/iter", "0.50 fds/iter". */
static const char *fmt_rate(const drip_metric_info *info, double v, char *buf, size_t n)
{
    char num[32];
    if (info->bytes)
        snprintf(buf, n, "%s/iter", drip_fmt_bytes(v, num, sizeof num));
    else
        snprintf(buf, n, "%s %s/iter", drip_fmt_num(v, num, sizeof num), info->unit);
    return buf;
}

/* One side of a metric line: its fit, or "absent" for a custom metric the
 * run does not have. */
static void fmt_side(strbuf *sb, const drip_metric_info *info, bool present, bool measured,
                     const drip_fit *f)
{
    if (present)
        fmt_fit(sb, info, measured, f);
    else
        sb_append(sb, "absent");
}

/* The line (two with a regression's reasons) of one metric, Drip's or a
 * custom one (presence: in which runs it is).  Cannot fail. */
static void print_metric(FILE *out, const drip_metric_info *info, const drip_cmp_metric *cm,
                         drip_cmp_presence presence, bool color)
{
    strbuf sb = {0};
    char a[64], b[64];
    sb_appendf(&sb, "             %-13s ", info->name);
    fmt_side(&sb, info, presence != DRIP_CMP_ADDED, cm->base_measured, &cm->base);
    sb_append(&sb, "  ->  ");
    fmt_side(&sb, info, presence != DRIP_CMP_REMOVED, cm->new_measured, &cm->new);
    if (cm->regressed) {
        sb_append(&sb, "\n                           (");
        if (cm->regressed & DRIP_CMP_VERDICT)
            sb_appendf(&sb, "%s -> growing%s", drip_verdict_name(cm->base.verdict),
                       cm->regressed & DRIP_CMP_SLOPE ? "; " : "");
        if (cm->regressed & DRIP_CMP_SLOPE)
            sb_appendf(&sb, "the new interval is %s above the base's, tolerance %s",
                       fmt_rate(info, cm->margin, a, sizeof a),
                       fmt_rate(info, cm->tolerance, b, sizeof b));
        sb_append(&sb, ")");
    } else if (cm->improved) {
        sb_append(&sb, "  (better)");
    } else if (presence == DRIP_CMP_ADDED) {
        sb_append(&sb, "  (new metric)");
    } else if (presence == DRIP_CMP_REMOVED) {
        sb_append(&sb, "  (metric gone)");
    }
    bool dim = color && !cm->regressed;
    fprintf(out, "%s%s%s\n", dim ? SGR_DIM : "", sb.buf, dim ? SGR_RESET : "");
    sb_free(&sb);
}

/* Is the metric line worth a line without --verbose? */
static bool notable(const drip_cmp_metric *cm)
{
    return cm->regressed || cm->improved || cm->base_measured != cm->new_measured ||
           cm->base.verdict != cm->new.verdict;
}

int drip_comparison_print(const drip_comparison *c, const char *base_label,
                          const char *new_label, bool verbose, bool color, FILE *out)
{
    int width = 8;
    for (size_t i = 0; i < c->count; i++)
        if ((int)strlen(c->scenarios[i].name) > width)
            width = (int)strlen(c->scenarios[i].name);
    fprintf(out, "base: %s\nnew:  %s\n\n", base_label, new_label);

    for (size_t i = 0; i < c->count; i++) {
        const drip_cmp_scenario *s = &c->scenarios[i];
        const char *tag = "same", *sgr = "";
        if (s->presence == DRIP_CMP_ADDED) {
            tag = "added";
        } else if (s->presence == DRIP_CMP_REMOVED) {
            tag = "removed";
        } else if (s->regressed) {
            tag = "REGRESSED";
            sgr = SGR_RED;
        } else if (s->improved) {
            tag = "improved";
            sgr = SGR_GREEN;
        }
        fprintf(out, "%s%-10s%s %-*s  ", color ? sgr : "", tag, color && *sgr ? SGR_RESET : "",
                width, s->name);
        if (s->presence == DRIP_CMP_BOTH && s->base->status != s->new->status)
            fprintf(out, "%s -> %s\n", drip_status_name(s->base->status),
                    drip_status_name(s->new->status));
        else
            fprintf(out, "%s\n", drip_status_name((s->new ? s->new : s->base)->status));
        if (s->presence != DRIP_CMP_BOTH)
            continue;
        for (int m = 0; m < DRIP_M_COUNT; m++) {
            const drip_cmp_metric *cm = &s->metrics[m];
            if ((cm->base_measured || cm->new_measured) && (verbose || notable(cm)))
                print_metric(out, &drip_metrics[m], cm, DRIP_CMP_BOTH, color);
        }
        for (size_t k = 0; k < s->ncustom; k++) {
            const drip_cmp_custom *cc = &s->customs[k];
            if (cc->presence != DRIP_CMP_BOTH || verbose || notable(&cc->cmp))
                print_metric(out, cc->info, &cc->cmp, cc->presence, color);
        }
    }
    fprintf(out, "\n%zu scenario%s compared: %zu regressed, %zu improved; %zu added, "
            "%zu removed\n", c->compared, c->compared == 1 ? "" : "s", c->regressed,
            c->improved, c->added, c->removed);
    if (c->customs_added || c->customs_removed)
        fprintf(out, "custom metrics: %zu added, %zu removed (not a regression)\n",
                c->customs_added, c->customs_removed);
    if (c->regressed)
        fprintf(out, "%sregression%s: see the REGRESSED lines\n", color ? SGR_RED : "",
                color ? SGR_RESET : "");
    else
        fprintf(out, "no regression\n");
    return ferror(out) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------- */

/* A number, or null for NaN and infinities (no JSON form). */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jfit(bool measured, const drip_fit *f)
{
    if (!measured)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:s}", "slope", jnum(f->all.slope), "slope_low",
                     jnum(f->all.low), "slope_high", jnum(f->all.high), "verdict",
                     drip_verdict_name(f->verdict));
}

static json_t *jreasons(unsigned bits)
{
    json_t *a = json_array();
    if (bits & DRIP_CMP_STATUS)
        json_array_append_new(a, json_string("status"));
    if (bits & DRIP_CMP_VERDICT)
        json_array_append_new(a, json_string("verdict"));
    if (bits & DRIP_CMP_SLOPE)
        json_array_append_new(a, json_string("slope"));
    return a;
}

static const char *const presence_names[] = {"both", "added", "removed"};

/* One metric's comparison; a custom one also says "custom": true and its
 * "presence" (both, added, removed). */
static json_t *jmetric(const drip_cmp_metric *cm, const drip_cmp_custom *custom)
{
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:b, s:o, s:b}", "base",
                          jfit(cm->base_measured, &cm->base), "new",
                          jfit(cm->new_measured, &cm->new), "margin", jnum(cm->margin),
                          "tolerance", jnum(cm->tolerance), "regression", cm->regressed != 0,
                          "regressions", jreasons(cm->regressed), "improved", cm->improved);
    if (custom) {
        json_object_set_new(o, "custom", json_true());
        json_object_set_new(o, "presence", json_string(presence_names[custom->presence]));
    }
    return o;
}

static json_t *jscenario(const drip_cmp_scenario *s)
{
    const char *const *presence = presence_names;
    json_t *metrics = json_object();
    for (int m = 0; s->presence == DRIP_CMP_BOTH && m < DRIP_M_COUNT; m++) {
        const drip_cmp_metric *cm = &s->metrics[m];
        if (cm->base_measured || cm->new_measured)
            json_object_set_new(metrics, drip_metrics[m].name, jmetric(cm, NULL));
    }
    for (size_t k = 0; k < s->ncustom; k++)
        json_object_set_new(metrics, s->customs[k].name,
                            jmetric(&s->customs[k].cmp, &s->customs[k]));
    return json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:b, s:o}", "name", s->name, "presence",
                     presence[s->presence], "base_status",
                     s->base ? json_string(drip_status_name(s->base->status)) : json_null(),
                     "new_status",
                     s->new ? json_string(drip_status_name(s->new->status)) : json_null(),
                     "regression", s->regressed != 0, "regressions", jreasons(s->regressed),
                     "improved", s->improved, "metrics", metrics);
}

int drip_comparison_json(const drip_comparison *c, const drip_cmp_tolerance *t,
                         const char *base_label, const char *new_label, FILE *out)
{
    json_t *tol = json_object(), *arr = json_array();
    for (int m = 0; m < DRIP_M_COUNT; m++)
        json_object_set_new(tol, drip_metrics[m].name,
                            json_pack("{s:o, s:o}", "absolute", jnum(t->absolute[m]),
                                      "relative", jnum(t->relative[m])));
    for (size_t i = 0; i < c->count; i++)
        json_array_append_new(arr, jscenario(&c->scenarios[i]));
    json_t *root = json_pack("{s:s, s:s, s:b, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o}",
                             "base", base_label, "new", new_label, "regression",
                             c->regressed > 0, "summary", "compared", (json_int_t)c->compared,
                             "regressed", (json_int_t)c->regressed, "improved",
                             (json_int_t)c->improved, "added", (json_int_t)c->added,
                             "removed", (json_int_t)c->removed, "tolerance", tol,
                             "scenarios", arr);
    if (root) {
        json_t *summary = json_object_get(root, "summary");
        json_object_set_new(summary, "custom_metrics_added",
                            json_integer((json_int_t)c->customs_added));
        json_object_set_new(summary, "custom_metrics_removed",
                            json_integer((json_int_t)c->customs_removed));
        json_object_set_new(root, "custom_tolerance",
                            json_pack("{s:o, s:o}", "absolute", jnum(t->custom_absolute),
                                      "relative", jnum(t->custom_relative)));
    }
    if (!root)                      /* json_pack fails only on invalid UTF-8 in a label */
        return -1;
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    fputc('\n', out);
    json_decref(root);
    return rc != 0 || ferror(out) ? -1 : 0;
}
