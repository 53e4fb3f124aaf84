/* html_scenario.c - one scenario's section of report.html.
 *
 * Its status, description and reason; the class and why; a table of the
 * fitted slopes and verdicts; the expectations; a chart per measured
 * metric; the faults that fired; the valgrind pass and the failure sweep
 * when they ran; the warnings.  Text from the scenario file or a plugin is
 * escaped; numbers and the metric table's names are ours.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "report.h"
#include "util/util.h"

#define DASH "\xE2\x80\x93"

/* ---- heading and facts ------------------------------------------------------ */

static void meta_item(FILE *out, const char *key)
{
    fprintf(out, "<span>%s <b>", key);
}

static void facts(FILE *out, const drip_result *r)
{
    fputs("<div class=\"meta\">", out);
    meta_item(out, "file");
    drip__html_escape(out, r->file ? r->file : "?", false);
    fputs("</b></span>", out);
    meta_item(out, "workload");
    drip__html_escape(out, r->workload ? r->workload : "?", false);
    fputs("</b></span>", out);
    if (!r->sweep.ran) {
        meta_item(out, "iterations");
        fprintf(out, "%" PRIu64 "</b>", r->iterations);
        if (r->iterations_planned && r->iterations_planned != r->iterations)
            fprintf(out, " of %" PRIu64, r->iterations_planned);
        if (r->failed_iterations)
            fprintf(out, " (%" PRIu64 " returned an error)", r->failed_iterations);
        fputs("</span>", out);
    }
    meta_item(out, "time");
    drip__html_duration(out, r->duration_s);
    fputs("</b></span>", out);
    drip__html_speed(out, r, false);
    meta_item(out, "seed");
    fprintf(out, "%" PRIu64 "</b></span>", r->seed);
    meta_item(out, "threads");
    fprintf(out, "%u</b></span>", r->threads);
    if (!r->sweep.ran) {
        meta_item(out, "warm-up");
        fprintf(out, "%.0f%%</b> of the samples</span>", 100 * r->warmup);
        meta_item(out, "samples");
        fprintf(out, "%zu</b></span>", r->nsamples);
    }
    if (r->heap_ceiling_hit) {
        char buf[48];
        fprintf(out, "<span class=\"bad\">heap ceiling %s reached</span>",
                drip_fmt_bytes((double)r->heap_ceiling, buf, sizeof buf));
    }
    fputs("</div>\n", out);
}

static void classification(FILE *out, const drip_result *r)
{
    const char *cls = drip_class_name(r->leak_class);
    if (!cls)
        return;
    fprintf(out, "<p class=\"why\"><span class=\"cls\">%s</span> ", cls);
    drip__html_escape(out, r->class_why, false);
    if (r->class_basis) {
        fputs(" <span class=\"dim\">(from the ", out);
        drip__html_escape(out, r->class_basis, false);
        fputs(")</span>", out);
    }
    fputs("</p>\n", out);
}

/* ---- verdicts and expectations ---------------------------------------------- */

static double sample_at(const drip_result *r, size_t i, int m)
{
    return i < r->nsamples ? r->samples[i].v[DRIP_COL_METRIC(m)] : NAN;
}

/* "+164 B .. +184 B/iter", "+0.4333 .. +0.4909" (the unit is the slope's,
 * beside it). */
static void interval(FILE *out, const drip_metric_info *info, double low, double high)
{
    char a[48], b[48];
    if (!isfinite(low) || !isfinite(high)) {
        fputs(DASH, out);
    } else if (info->bytes) {
        fprintf(out, "%s%s .. %s%s/iter", low > 0 ? "+" : "", drip_fmt_bytes(low, a, sizeof a),
                high > 0 ? "+" : "", drip_fmt_bytes(high, b, sizeof b));
    } else {
        fprintf(out, "%s%s .. %s%s", low > 0 ? "+" : "", drip_fmt_num(low, a, sizeof a),
                high > 0 ? "+" : "", drip_fmt_num(high, b, sizeof b));
    }
}

static void verdicts(FILE *out, const drip_result *r)
{
    bool any = false;
    for (int m = 0; m < DRIP_M_COUNT; m++)
        any |= r->metrics[m].measured;
    if (!any)
        return;
    fputs("<h3>Verdicts</h3><div class=\"scroll\"><table class=\"full\"><thead><tr><th>metric</th><th class=\"n\">slope</th>"
          "<th class=\"n\">99.9% interval</th><th class=\"n\">tail slope</th>"
          "<th class=\"n\">growth</th><th class=\"n\">window first</th>"
          "<th class=\"n\">last</th><th class=\"n\">after teardown</th><th>verdict</th>"
          "</tr></thead><tbody>\n", out);
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        const drip_metric_result *mr = &r->metrics[m];
        if (!mr->measured)
            continue;
        fprintf(out, "<tr><td>%s</td><td class=\"n\">", drip_result_metric_info(r, m)->name);
        drip__html_slope(out, drip_result_metric_info(r, m), mr->fit.all.slope);
        fputs("</td><td class=\"n\">", out);
        interval(out, drip_result_metric_info(r, m), mr->fit.all.low, mr->fit.all.high);
        fputs("</td><td class=\"n\">", out);
        drip__html_slope(out, drip_result_metric_info(r, m), mr->fit.tail.slope);
        fputs("</td><td class=\"n\">", out);
        drip__html_value(out, drip_result_metric_info(r, m), mr->fit.growth);
        fputs("</td><td class=\"n\">", out);
        drip__html_value(out, drip_result_metric_info(r, m), sample_at(r, mr->fit.window_start, m));
        fputs("</td><td class=\"n\">", out);
        drip__html_value(out, drip_result_metric_info(r, m), r->nsamples ? sample_at(r, r->nsamples - 1, m) : NAN);
        fputs("</td><td class=\"n\">", out);
        drip__html_value(out, drip_result_metric_info(r, m), r->has_after_teardown
                                     ? r->after_teardown.v[DRIP_COL_METRIC(m)] : NAN);
        fputs("</td><td>", out);
        drip__html_metric_verdict(out, r, m);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

static void expectation_limit(FILE *out, const drip_result *r, const drip_expect_result *e,
                              bool actual)
{
    double v = actual ? e->actual : e->limit;
    if (e->rule == DRIP_RULE_VERDICT) {
        if (!actual)
            fputs(drip_verdict_name(e->want), out);
        else if (v >= DRIP_VERDICT_UNKNOWN && v <= DRIP_VERDICT_GROWING)  /* the rule's tone */
            fprintf(out, "<span class=\"v %s\">%s</span>", e->ok ? "held" : "bad",
                    drip_verdict_name((drip_verdict)(int)v));
        else
            fputs(DASH, out);
    } else if (e->rule == DRIP_RULE_MAX_AFTER_TEARDOWN) {
        drip__html_value(out, drip_result_metric_info(r, e->metric), v);
    } else {
        drip__html_slope(out, drip_result_metric_info(r, e->metric), v);
    }
}

static void expectations(FILE *out, const drip_result *r)
{
    if (r->expect_mode == DRIP_EXPECT_NONE)
        fputs("<h3>Expectations</h3><p>expect: none (nothing is checked)</p>\n", out);
    if (!r->nexpects)
        return;
    fputs("<h3>Expectations</h3>", out);
    if (r->expect_mode == DRIP_EXPECT_DEFAULT)
        fputs("<p>expect: default (nothing grows): the scenario has no <code>expect</code>, so "
              "every gauge must be flat or bounded</p>", out);
    fputs("<table><thead><tr><th>metric</th><th>rule</th>"
          "<th class=\"n\">limit</th><th class=\"n\">actual</th><th>result</th></tr></thead>"
          "<tbody>\n", out);
    for (size_t i = 0; i < r->nexpects; i++) {
        const drip_expect_result *e = &r->expects[i];
        const drip_metric_info *info = drip_result_metric_info(r, e->metric);
        fprintf(out, "<tr><td>%s</td><td>%s</td><td class=\"n\">",
                info ? info->name : "?", drip_rule_name(e->rule));
        expectation_limit(out, r, e, false);
        fputs("</td><td class=\"n\">", out);
        expectation_limit(out, r, e, true);
        fprintf(out, "</td><td>%s</td></tr>\n",
                e->ok ? "<span class=\"ok\">\xE2\x9C\x93 held</span>"
                      : "<span class=\"bad\">\xE2\x9C\x97 broken</span>");
    }
    fputs("</tbody></table>\n", out);
}

/* ---- charts ----------------------------------------------------------------- */

static const char legend[] =
    "<div class=\"legend\">"
    "<span><svg width=\"22\" height=\"10\"><line class=\"c-line\" x1=\"0\" y1=\"5\" x2=\"22\" "
    "y2=\"5\"/><circle class=\"c-dot\" cx=\"11\" cy=\"5\" r=\"2.2\"/></svg>samples</span>"
    "<span><svg width=\"22\" height=\"10\"><line class=\"c-fit\" x1=\"2\" y1=\"5\" x2=\"20\" "
    "y2=\"5\"/></svg>fitted slope</span>"
    "<span><svg width=\"14\" height=\"10\"><rect class=\"c-warmup\" width=\"14\" height=\"10\"/>"
    "</svg>warm-up (not fitted)</span>"
    "<span><svg width=\"22\" height=\"10\"><line class=\"c-limit\" x1=\"0\" y1=\"5\" x2=\"22\" "
    "y2=\"5\"/></svg>expected limit</span>"
    "<span><svg width=\"12\" height=\"12\"><path class=\"c-after\" d=\"M6 1l5 5l-5 5l-5 -5z\"/>"
    "</svg>after teardown</span>"
    "<span>x axis: iterations</span></div>\n";

static void chart(FILE *out, const drip_result *r, size_t index, int m,
                  const double *x, double *y)
{
    const drip_metric_result *mr = &r->metrics[m];
    const drip_metric_info *info = drip_result_metric_info(r, m);
    for (size_t i = 0; i < r->nsamples; i++)
        y[i] = r->samples[i].v[DRIP_COL_METRIC(m)];
    char id[96];
    snprintf(id, sizeof id, "s%zu-%s", index, info->name);
    drip_chart c = {
        .id = id, .title = info->name, .x = x, .y = y, .n = r->nsamples,
        .window_start = mr->fit.window_start, .slope = mr->fit.all.slope,
        .bytes = info->bytes, .unit = info->unit,
        .min_span = info->resolution,
        .max_slope = NAN, .min_slope = NAN, .max_after_teardown = NAN,
        .after_teardown = r->has_after_teardown ? r->after_teardown.v[DRIP_COL_METRIC(m)] : NAN,
    };
    for (size_t i = 0; i < r->nexpects; i++) {   /* the last rule of a kind wins */
        const drip_expect_result *e = &r->expects[i];
        if (e->metric != m)
            continue;
        if (e->rule == DRIP_RULE_MAX_SLOPE)
            c.max_slope = e->limit;
        else if (e->rule == DRIP_RULE_MIN_SLOPE)
            c.min_slope = e->limit;
        else if (e->rule == DRIP_RULE_MAX_AFTER_TEARDOWN)
            c.max_after_teardown = e->limit;
    }
    fprintf(out, "<figure><figcaption><span><span class=\"m\">%s</span> "
            "<span class=\"u\">%s</span></span><span>", info->name,
            info->bytes ? "bytes" : info->unit);
    drip__html_slope(out, drip_result_metric_info(r, m), mr->fit.all.slope);
    fputc(' ', out);
    drip__html_metric_verdict(out, r, m);
    fputs("</span></figcaption>", out);
    drip__svg_chart(out, &c);
    fputs("</figure>\n", out);
}

/* The metrics a workload never used (0 throughout): one line for all of
 * them ("tasks, timers, conns: 0 throughout") instead of empty charts. */
static void zero_metrics(FILE *out, const drip_result *r)
{
    int n = 0;
    for (int m = 0; m < drip_result_nmetrics(r); m++)
        if (drip__html_all_zero(r, m))
            fprintf(out, "%s%s", n++ ? ", " : "<p class=\"zero\">",
                    drip_result_metric_info(r, m)->name);
    if (n)
        fputs(": 0 throughout</p>\n", out);
}

static void charts(FILE *out, const drip_result *r, size_t index)
{
    bool any = false;
    for (int m = 0; m < DRIP_M_COUNT; m++)
        any |= r->metrics[m].measured;
    if (!any)
        return;
    double *x = xcalloc(r->nsamples + 1, sizeof *x), *y = xcalloc(r->nsamples + 1, sizeof *y);
    for (size_t i = 0; i < r->nsamples; i++)
        x[i] = r->samples[i].v[DRIP_COL_ITER];
    fputs("<h3>Charts</h3>", out);
    fputs(legend, out);
    fputs("<div class=\"charts\">\n", out);
    for (int m = 0; m < drip_result_nmetrics(r); m++)     /* Drip's, then the workload's */
        if (r->metrics[m].measured && !drip__html_all_zero(r, m))
            chart(out, r, index, m, x, y);
    fputs("</div>\n", out);
    zero_metrics(out, r);
    free(x);
    free(y);
}

/* ---- faults ------------------------------------------------------------------ */

static void fault_form(FILE *out, const drip_fault_result *f)
{
    if (!drip_fault_result_scheduled(f)) {
        fprintf(out, "rate %g", f->rate);
        return;
    }
    if (f->every)
        fprintf(out, "every %" PRIu64 "%s", f->every, f->nnth ? ", " : "");
    if (f->nnth) {
        fputs("nth [", out);
        for (size_t k = 0; k < f->nnth; k++)
            fprintf(out, "%s%" PRIu64, k ? ", " : "", f->nth[k]);
        fputc(']', out);
    }
}

static void faults(FILE *out, const drip_result *r)
{
    if (!r->nfaults)
        return;
    fputs("<h3>Faults</h3><table><thead><tr><th>point</th><th>form</th>"
          "<th class=\"n\">asked</th><th class=\"n\">fired</th><th>first iterations fired</th>"
          "</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < r->nfaults; i++) {
        const drip_fault_result *f = &r->faults[i];
        size_t nfirst = f->nfirst < DRIP_FAULT_FIRST_MAX ? f->nfirst : DRIP_FAULT_FIRST_MAX;
        fputs("<tr><td><code>", out);
        drip__html_escape(out, f->point ? f->point : "?", false);
        fputs("</code></td><td>", out);
        fault_form(out, f);
        fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"mono\">", f->asked, f->fired);
        for (size_t k = 0; k < nfirst; k++)
            fprintf(out, "%s%" PRIu64, k ? ", " : "", f->first[k]);
        if (!nfirst)
            fputs("never fired", out);
        else if (f->fired > nfirst)
            fputs(", \xE2\x80\xA6", out);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* ---- valgrind ----------------------------------------------------------------- */

static void bytes_blocks(FILE *out, uint64_t bytes, uint64_t blocks)
{
    char buf[48];
    fprintf(out, "%s <span class=\"dim\">in %" PRIu64 " block%s</span>",
            drip_fmt_bytes((double)bytes, buf, sizeof buf), blocks, blocks == 1 ? "" : "s");
}

/* "label: text" as a paragraph, when text is not NULL. */
static void note(FILE *out, const char *label, const char *text)
{
    if (!text)
        return;
    fprintf(out, "<p class=\"why\">%s <code>", label);
    drip__html_escape(out, text, false);
    fputs("</code></p>\n", out);
}

static void valgrind_kinds(FILE *out, const drip_valgrind_result *v)
{
    const drip_vg_growth *g = &v->growth;
    fprintf(out, "<table><thead><tr><th>kind</th><th class=\"n\">at exit (%" PRIu64
            " iterations)</th><th class=\"n\">before teardown</th>", v->iterations);
    if (g->ran)
        fprintf(out, "<th class=\"n\">%s (%" PRIu64 " iterations)</th><th class=\"n\">"
                "growth per iteration</th>", g->at_exit ? "at exit" : "before teardown",
                g->iterations);
    fputs("</tr></thead><tbody>\n", out);
    for (int k = 0; k < 4; k++) {
        fprintf(out, "<tr><td>%s</td><td class=\"n\">", drip_vg_check_labels[k]);
        bytes_blocks(out, v->bytes[k], v->blocks[k]);
        fputs("</td><td class=\"n\">", out);
        if (v->has_before)
            bytes_blocks(out, v->before_bytes[k], v->before_blocks[k]);
        else
            fputs(DASH, out);
        fputs("</td>", out);
        if (g->ran) {
            char buf[48];
            fprintf(out, "<td class=\"n\">%s</td><td class=\"n\"><span class=\"%s\">%s/iter"
                    "</span></td>", drip_fmt_bytes((double)g->bytes[k], buf, sizeof buf),
                    g->growing[k] ? "bad" : "ok", drip_fmt_bytes(g->per_iteration[k],
                                                                  (char[48]){0}, 48));
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void valgrind_checks(FILE *out, const drip_valgrind_result *v)
{
    bool any = false;
    for (int c = 0; c < DRIP_VG_CHECKS; c++)
        any |= v->checked[c];
    if (!any)
        return;
    fputs("<table class=\"gap\"><thead><tr><th>check</th><th class=\"n\">max</th>"
          "<th class=\"n\">actual</th><th>result</th></tr></thead><tbody>\n", out);
    for (int c = 0; c < DRIP_VG_CHECKS; c++) {
        if (!v->checked[c])
            continue;
        fprintf(out, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td>%s</td></tr>\n", drip_vg_check_names[c], v->limit[c], v->actual[c],
                v->skipped ? "<span class=\"skip\">skipped</span>"
                : v->ok[c] ? "<span class=\"ok\">\xE2\x9C\x93 held</span>"
                           : "<span class=\"bad\">\xE2\x9C\x97 broken</span>");
    }
    fputs("</tbody></table>\n", out);
}

static void valgrind(FILE *out, const drip_result *r)
{
    const drip_valgrind_result *v = &r->valgrind;
    if (!v->ran)
        return;
    fputs("<h3>Valgrind</h3>\n", out);
    if (v->skipped) {
        note(out, "skipped:", v->skipped);
        valgrind_checks(out, v);
        return;
    }
    valgrind_kinds(out, v);
    fprintf(out, "<p class=\"why\"><span class=\"%s\">%" PRIu64 " memory error%s</span></p>\n",
            v->errors ? "bad" : "ok", v->errors, v->errors == 1 ? "" : "s");
    note(out, "first error:", v->first_error);
    note(out, "biggest definitely lost:", v->top_leak);
    note(out, "lost growth from:", v->growth.top_lost);
    note(out, "reachable growth from:", v->growth.top_reachable);
    note(out, "incomplete:", v->problem);
    note(out, "growth not measured:", v->growth.problem);
    valgrind_checks(out, v);
}

/* ---- the failure sweep --------------------------------------------------------- */

static void sweep_findings(FILE *out, const drip_sweep_result *sw)
{
    if (!sw->nfindings) {
        fputs("<p class=\"why\"><span class=\"ok\">no finding</span>: every trial freed what "
              "it allocated, and none crashed or hung</p>\n", out);
        return;
    }
    fputs("<table class=\"gap\"><thead><tr><th>mode</th><th class=\"n\">k</th>"
          "<th>outcome</th><th class=\"n\">leaked</th><th>where</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < sw->nfindings; i++) {
        const drip_sweep_finding *f = &sw->findings[i];
        fprintf(out, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td><span class=\"bad\">"
                "%s</span></td><td class=\"n\">", drip_sweep_mode_name(f->mode), f->k,
                drip_trial_outcome_name(f->outcome));
        if (f->outcome == DRIP_TRIAL_LEAK)
            bytes_blocks(out, f->leaked_bytes, f->leaked_blocks);
        else
            fputs(DASH, out);
        fputs("</td><td class=\"mono\">", out);
        if (f->detail) {
            drip__html_escape(out, f->detail, false);
            fputs(f->nsites ? "<br/>" : "", out);
        }
        for (size_t k = 0; k < f->nsites; k++) {
            fprintf(out, "%s%" PRIu64 " B: ", k ? "<br/>" : "", f->sites[k].bytes);
            drip__html_escape(out, f->sites[k].stack, false);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void sweep(FILE *out, const drip_result *r)
{
    const drip_sweep_result *sw = &r->sweep;
    if (!sw->ran)
        return;
    fprintf(out, "<h3>Failure sweep</h3><table><thead><tr><th>mode</th>"
            "<th class=\"n\">allocations</th><th class=\"n\">trials</th><th class=\"n\">clean"
            "</th><th class=\"n\">iteration returned an error</th><th>complete</th></tr>"
            "</thead><tbody>\n");
    for (int m = 0; m < 2; m++)
        if (sw->modes & (1u << m))
            fprintf(out, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%"
                    PRIu64 "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                    "</td><td>%s</td></tr>\n", drip_sweep_mode_name(m), sw->allocations[m],
                    sw->trials[m], sw->clean[m], sw->failed[m], sw->complete[m] ? "yes" : "no");
    fputs("</tbody></table>\n<p class=\"why\">", out);
    fprintf(out, "%" PRIu64 " warm-up iteration%s before each trial; an iteration without "
            "faults leaves ", sw->warmup, sw->warmup == 1 ? "" : "s");
    bytes_blocks(out, sw->reference_bytes, sw->reference_blocks);
    fputs(" (not counted against the trials)</p>\n<table class=\"gap\"><thead><tr>"
          "<th>check</th><th class=\"n\">max</th><th class=\"n\">actual</th><th>result</th>"
          "</tr></thead><tbody>\n", out);
    for (int c = 0; c < DRIP_SWEEP_CHECKS; c++)
        fprintf(out, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td>%s</td></tr>\n", drip_sweep_check_names[c], sw->limit[c], sw->total[c],
                sw->ok[c] ? "<span class=\"ok\">\xE2\x9C\x93 held</span>"
                          : "<span class=\"bad\">\xE2\x9C\x97 broken</span>");
    fputs("</tbody></table>\n", out);
    sweep_findings(out, sw);
}

/* ---- where the heap grows (the site profile) ----------------------------------- */

static void growing_sites(FILE *out, const drip_result *r)
{
    const drip_profile_result *p = &r->profile;
    if (!p->ran)
        return;
    size_t n = 0;
    size_t *idx = drip_prof_growing(p, &n);
    fprintf(out, "<h3>Where the heap grows</h3><p class=\"why\">%s profile (",
            p->mode ? p->mode : "sampled");
    if (p->rate > 1)
        fprintf(out, "a sample every %" PRIu64 " bytes on average", p->rate);
    else
        fputs("every allocation", out);
    fprintf(out, "), live sampled blocks at iteration %" PRIu64 " and %" PRIu64 "%s; pprof: "
            "<span class=\"mono\">", p->early_iteration, p->late_iteration,
            p->partial ? " (partial: the run ended early)" : "");
    char *pb = drip_results_file_name(r->name, ".growth.pb.gz");
    drip__html_escape(out, pb, false);
    free(pb);
    fputs("</span></p>\n", out);
    if (!n) {
        fputs("<p class=\"why\"><span class=\"ok\">no site grew</span></p>\n", out);
        free(idx);
        return;
    }
    fputs("<table class=\"gap\"><thead><tr><th class=\"n\">per iteration</th>"
          "<th class=\"n\">live at the end</th><th>allocated at</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < n && i < 10; i++) {
        const drip_prof_site *s = &p->sites[idx[i]];
        char *stack = drip_prof_site_stack(s, 6), *where = drip_prof_site_where(s, 6);
        fputs("<tr><td class=\"n\">", out);
        drip__html_slope(out, &drip_metrics[DRIP_M_HEAP_BYTES], drip_prof_site_growth(p, s));
        double pm = drip_prof_site_growth_pm(p, s);
        if (isfinite(pm) && pm > 0) {           /* sampled: its 95 % interval */
            char buf[64];
            fputs(" <span class=\"dim\">\xC2\xB1", out);
            drip__html_escape(out, drip_metric_fmt_slope(DRIP_M_HEAP_BYTES, pm, buf, sizeof buf) + 1,
                              false);
            fputs("</span>", out);
        }
        fputs("</td><td class=\"n\">", out);
        drip__html_value(out, &drip_metrics[DRIP_M_HEAP_BYTES], s->late_bytes);
        fputs("</td><td class=\"mono\" title=\"", out);   /* the whole stack on hover */
        drip__html_escape(out, stack, true);
        fputs("\">", out);
        drip__html_escape(out, where, false);
        fputs("</td></tr>\n", out);
        free(where);
        free(stack);
    }
    fputs("</tbody></table>\n", out);
    free(idx);
}

/* ---- the section ---------------------------------------------------------------- */

static void warnings(FILE *out, const drip_result *r)
{
    if (!r->nwarnings)
        return;
    fputs("<h3>Warnings</h3><ul class=\"warn\">", out);
    for (size_t i = 0; i < r->nwarnings; i++) {
        fputs("<li>", out);
        drip__html_escape(out, r->warnings[i], false);
        fputs("</li>", out);
    }
    fputs("</ul>\n", out);
}

/* The reason; a list when it joins several parts with "; " (each broken
 * expectation, the worker's last words...), and the crash's stack. */
static void reason(FILE *out, const drip_result *r)
{
    if (!r->reason)
        return;
    if (!strstr(r->reason, "; ")) {
        fputs("<div class=\"reason\">", out);
        drip__html_escape(out, r->reason, false);
        fputs("</div>\n", out);
    } else {
        fputs("<ul class=\"reason\">", out);
        for (const char *p = r->reason; p;) {
            const char *sep = strstr(p, "; ");
            char *part = xstrndup(p, sep ? (size_t)(sep - p) : strlen(p));
            fputs("<li>", out);
            drip__html_escape(out, part, false);
            fputs("</li>", out);
            free(part);
            p = sep ? sep + 2 : NULL;
        }
        fputs("</ul>\n", out);
    }
    note(out, "crashed at:", r->crash_stack);
}

void drip__html_scenario(FILE *out, const drip_result *r, size_t index)
{
    fprintf(out, "<section class=\"card %s\" id=\"s%zu\"><h2>", drip_status_name(r->status),
            index);
    drip__html_status(out, r->status);
    fputs("<span>", out);
    drip__html_escape(out, r->name ? r->name : "?", false);
    fputs("</span>", out);
    const char *cls = drip_class_name(r->leak_class);
    if (cls)
        fprintf(out, "<span class=\"cls\">%s</span>", cls);
    fputs("<a class=\"top\" href=\"#top\">\xE2\x86\x91 summary</a></h2>\n", out);
    if (r->description) {
        fputs("<p class=\"desc\">", out);
        drip__html_escape(out, r->description, false);
        fputs("</p>\n", out);
    }
    facts(out, r);
    reason(out, r);
    classification(out, r);
    verdicts(out, r);
    expectations(out, r);
    charts(out, r, index);
    growing_sites(out, r);
    faults(out, r);
    valgrind(out, r);
    sweep(out, r);
    warnings(out, r);
    fputs("</section>\n", out);
}
