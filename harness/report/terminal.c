/* terminal.c - the lines a person reads at the end of `drip run`.
 *
 *   PASS   global-map-leaky   heap_bytes +310.2 B/iter growing  [reachable growth]  (20000 iter, 1.20 s, 60 ns/iter)
 *   FAIL   global-map-lru     heap_bytes +12.50 B/iter growing  — heap_bytes: slope +12.50 B/iter > max 0 B/iter
 *   ERROR  crashy             crashed: SIGSEGV (Segmentation fault) at iteration ~412
 *   3 scenarios: 1 passed, 1 failed, 1 error (12.5 s)
 *
 * A line shows the metrics the scenario has expectations on plus any that
 * grew (verdict growing or bounded), in table order, then the scenario's
 * class in brackets (with valgrind's growth per iteration when its pass
 * ran; runner/classify.c).  A failing line then
 * gives the first line of the reason (the runner's account of what broke),
 * or, without one, the expectations that did not hold; an erroring line
 * gives the reason it could not be judged.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define NAME_WIDTH 24                   /* when a line is printed on its own */

#define SGR_RESET    "\033[0m"
#define SGR_GREEN    "\033[32m"
#define SGR_RED      "\033[31m"
#define SGR_BOLD_RED "\033[1;31m"
#define SGR_YELLOW   "\033[33m"
#define SGR_DIM      "\033[2m"

/* Append the first line of s with other control characters made visible as
 * '?': a reason may quote a plugin's message, which must not move the
 * cursor or change colours. */
static void append_one_line(strbuf *sb, const char *s)
{
    size_t n = strcspn(s, "\r\n");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char ch = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        sb_appendn(sb, &ch, 1);
    }
}

/* "heap_bytes +310.2 B/iter growing, heap_objects +1.00 objects/iter growing";
 * returns false when there is nothing to show. */
static bool append_metrics(strbuf *sb, const drip_result *r)
{
    bool any = false;
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        const drip_metric_result *mr = &r->metrics[m];
        const drip_metric_info *info = drip_result_metric_info(r, m);
        if (!drip_result_metric_shown(r, m))
            continue;
        sb_append(sb, any ? ", " : "");
        any = true;
        if (!mr->measured) {
            sb_appendf(sb, "%s not measured", info->name);
            continue;
        }
        char slope[64];
        sb_appendf(sb, "%s %s %s", info->name,
                   drip_metric_info_fmt_slope(info, mr->fit.all.slope, slope, sizeof slope),
                   drip_verdict_name(mr->fit.verdict));
        if (isfinite(drip_result_late_start(r, m)))
            sb_appendf(sb, " (%s from iteration %.0f)",             /* a late start */
                       drip_metric_fmt_slope(m, mr->fit.change.slope, slope, sizeof slope),
                       mr->fit.change_at);
    }
    return any;
}

/* "heap_bytes: slope +12.50 B/iter > max 0 B/iter" */
static void append_broken(strbuf *sb, const drip_result *r, const drip_expect_result *e)
{
    const drip_metric_info *info = drip_result_metric_info(r, e->metric);
    if (!info) {
        sb_appendf(sb, "%s on an unknown metric", drip_rule_name(e->rule));
        return;
    }
    const char *name = info->name;
    char act[64], lim[64];
    if (e->rule == DRIP_RULE_VERDICT) {
        bool valid = e->actual >= DRIP_VERDICT_UNKNOWN && e->actual <= DRIP_VERDICT_GROWING;
        sb_appendf(sb, "%s: verdict %s, expected %s", name,
                   valid ? drip_verdict_name((drip_verdict)(int)e->actual) : "unknown",
                   drip_verdict_name(e->want));
        return;
    }
    if (e->rule == DRIP_RULE_MAX_AFTER_TEARDOWN) {
        sb_appendf(sb, "%s: %g left after teardown > max %g", name, e->actual, e->limit);
        return;
    }
    bool max = e->rule == DRIP_RULE_MAX_SLOPE;
    drip_metric_info_fmt_slope(info, e->limit, lim, sizeof lim);
    if (isnan(e->actual))
        sb_appendf(sb, "%s: no slope to compare with %s %s", name, max ? "max" : "min", lim);
    else
        sb_appendf(sb, "%s: slope %s %s %s %s", name,
                   drip_metric_info_fmt_slope(info, e->actual, act, sizeof act),
                   max ? ">" : "<", max ? "max" : "min", lim);
}

/* "sweep: transient 4 trials, persistent 4 trials, 2 leaks, 1 crash" */
static void append_sweep(strbuf *sb, const drip_result *r)
{
    const drip_sweep_result *sw = &r->sweep;
    sb_append(sb, "sweep:");
    for (int m = 0; m < 2; m++)
        if (sw->modes & (1u << m))
            sb_appendf(sb, "%s %s %llu trial%s%s", m && (sw->modes & 1u) ? "," : "",
                       drip_sweep_mode_name(m), (unsigned long long)sw->trials[m],
                       sw->trials[m] == 1 ? "" : "s",
                       sw->complete[m] ? "" : " (incomplete)");
    size_t count[4] = {0};
    for (size_t i = 0; i < sw->nfindings; i++)
        count[sw->findings[i].outcome]++;
    bool any = false;
    for (int o = 0; o < 4; o++)
        if (count[o]) {
            sb_appendf(sb, ", %zu %s", count[o],
                       count[o] != 1 ? drip_outcome_plurals[o] : drip_trial_outcome_name(o));
            any = true;
        }
    if (!any)
        sb_append(sb, ", clean");
}

/* One indented line per finding, under the scenario's line. */
static void sweep_findings(const drip_result *r, FILE *out)
{
    const drip_sweep_result *sw = &r->sweep;
    for (size_t i = 0; i < sw->nfindings; i++) {
        const drip_sweep_finding *f = &sw->findings[i];
        strbuf sb = {0};
        sb_appendf(&sb, "         %-10s k=%-5llu %-5s ", drip_sweep_mode_name(f->mode),
                   (unsigned long long)f->k, drip_trial_outcome_name(f->outcome));
        if (f->outcome == DRIP_TRIAL_LEAK) {
            sb_appendf(&sb, "%llu B in %llu block%s", (unsigned long long)f->leaked_bytes,
                       (unsigned long long)f->leaked_blocks, f->leaked_blocks == 1 ? "" : "s");
            if (f->nsites) {
                sb_append(&sb, " at ");
                append_one_line(&sb, f->sites[0].stack);
            }
        } else if (f->detail) {
            append_one_line(&sb, f->detail);
        }
        sb_append(&sb, "\n");
        fputs(sb.buf, out);
        sb_free(&sb);
    }
}

/* "[reachable growth; valgrind lost +0 B/iter, reachable +95.2 B/iter, 0 errors]  "
 * when the scenario was classified; the valgrind part when its pass ran. */
static void append_class(strbuf *sb, const drip_result *r)
{
    const char *name = drip_class_name(r->leak_class);
    const drip_valgrind_result *v = &r->valgrind;
    if (!name)
        return;
    sb_appendf(sb, "[%s", name);
    if (v->ran && v->skipped) {
        sb_append(sb, "; valgrind skipped");
    } else if (v->ran && v->growth.ran) {
        char a[48], b[48];
        const drip_vg_growth *g = &v->growth;
        sb_appendf(sb, "; valgrind lost %s/iter, reachable %s/iter, %llu error%s",
                   drip_fmt_bytes(g->per_iteration[0] + g->per_iteration[1], a, sizeof a),
                   drip_fmt_bytes(g->per_iteration[2] + g->per_iteration[3], b, sizeof b),
                   (unsigned long long)v->errors, v->errors == 1 ? "" : "s");
    }
    sb_append(sb, "]  ");
}

static void append_status(strbuf *sb, drip_status s, bool color)
{
    const char *label = s == DRIP_STATUS_PASS ? "PASS" : s == DRIP_STATUS_FAIL ? "FAIL" : "ERROR";
    const char *sgr = s == DRIP_STATUS_PASS ? SGR_GREEN
                    : s == DRIP_STATUS_FAIL ? SGR_RED : SGR_BOLD_RED;
    if (color)
        sb_appendf(sb, "%s%s%s", sgr, label, SGR_RESET);
    else
        sb_append(sb, label);
    sb_appendf(sb, "%*s", (int)(7 - strlen(label)), "");
}

static int terminal_line(const drip_result *r, FILE *out, bool color, int width)
{
    strbuf sb = {0};
    const char *dim = color ? SGR_DIM : "", *reset = color ? SGR_RESET : "";

    append_status(&sb, r->status, color);
    sb_appendf(&sb, "%-*s  ", width, r->name ? r->name : "?");

    if (r->status == DRIP_STATUS_ERROR) {
        append_one_line(&sb, r->reason ? r->reason : "error");
    } else {
        strbuf metrics = {0};
        bool any = true;
        if (r->sweep.ran)
            append_sweep(&metrics, r);
        else
            any = append_metrics(&metrics, r);
        if (any)
            sb_appendf(&sb, "%s%s%s  ", dim, metrics.buf, reset);
        sb_free(&metrics);
        append_class(&sb, r);

        if (r->status == DRIP_STATUS_PASS) {
            char failed[48] = "";
            if (r->failed_iterations)          /* expected errors: counted, shown */
                snprintf(failed, sizeof failed, ", %llu failed",
                         (unsigned long long)r->failed_iterations);
            if (r->interrupted)                /* Ctrl-C: judged on what was measured */
                snprintf(failed + strlen(failed), sizeof failed - strlen(failed),
                         ", stopped early");
            char per_iter[48] = "";
            if (isfinite(r->ns_per_iter))       /* time per iteration, after warm-up */
                snprintf(per_iter, sizeof per_iter, ", %.0f ns/iter", r->ns_per_iter);
            if (r->expect_mode != DRIP_EXPECT_RULES)    /* what "pass" means here */
                sb_appendf(&sb, "%s%s%s  ", dim, r->expect_mode == DRIP_EXPECT_NONE
                           ? "expect: none" : "expect: default (nothing grows)", reset);
            if (r->sweep.ran)
                sb_appendf(&sb, "%s(%.2f s)%s", dim, r->duration_s, reset);
            else
                sb_appendf(&sb, "%s(%llu iter%s, %.2f s%s)%s", dim,
                           (unsigned long long)r->iterations, failed, r->duration_s, per_iter,
                           reset);
        } else if (r->reason) {             /* the judge's own words */
            sb_append(&sb, "— ");
            append_one_line(&sb, r->reason);
            if (r->interrupted)
                sb_appendf(&sb, "  %s(stopped early at iteration %llu)%s", dim,
                           (unsigned long long)r->iterations, reset);
        } else {
            bool first = true;
            sb_append(&sb, "— ");
            for (size_t i = 0; i < r->nexpects; i++) {
                if (r->expects[i].ok)
                    continue;
                sb_append(&sb, first ? "" : "; ");
                append_broken(&sb, r, &r->expects[i]);
                first = false;
            }
            if (first)
                sb_append(&sb, "failed");
        }
    }
    /* no trailing blanks when nothing followed the name */
    while (sb.len && sb.buf[sb.len - 1] == ' ')
        sb.buf[--sb.len] = '\0';
    sb_append(&sb, "\n");
    fputs(sb.buf, out);
    sb_free(&sb);
    return ferror(out) ? -1 : 0;
}

/* Under a scenario whose heap grows: where it grows most (the profile's
 * top site: its allocating frame and the first in the workload's own code,
 * drip_prof_site_where), "         grows at xnew (util.c:14) < ... < render
 * (cache.c:59)  +86.2 B/iter", "(partial)" when the run ended early. */
static void growing_site(const drip_result *r, FILE *out)
{
    const drip_metric_result *heap = &r->metrics[DRIP_M_HEAP_BYTES];
    if (!r->profile.ran || !heap->measured || (heap->fit.verdict != DRIP_VERDICT_GROWING &&
                                              !r->heap_ceiling_hit))
        return;
    size_t n = 0;
    size_t *idx = drip_prof_growing(&r->profile, &n);
    if (n) {
        const drip_prof_site *s = &r->profile.sites[idx[0]];
        char *stack = drip_prof_site_where(s, 3), slope[64];
        strbuf sb = {0};
        sb_append(&sb, "         grows at ");
        append_one_line(&sb, stack);
        double g = drip_prof_site_growth(&r->profile, s);
        if (isfinite(g))
            sb_appendf(&sb, "  %s", drip_metric_fmt_slope(DRIP_M_HEAP_BYTES, g, slope, sizeof slope));
        double pm = drip_prof_site_growth_pm(&r->profile, s);
        if (isfinite(g) && isfinite(pm) && pm > 0)      /* sampled: its 95 % interval */
            sb_appendf(&sb, " (\xC2\xB1%s)", drip_metric_fmt_slope(DRIP_M_HEAP_BYTES, pm, slope,
                                                                  sizeof slope) + 1);
        if (r->profile.partial)
            sb_append(&sb, "  (partial: the run ended early)");
        sb_append(&sb, "\n");
        fputs(sb.buf, out);
        sb_free(&sb);
        free(stack);
    }
    free(idx);
}

/* Every warning, one line each under the scenario's: what the run noticed
 * but did not fail on (a fault point never asked, a param never read...). */
static void warnings(const drip_result *r, FILE *out, bool color)
{
    for (size_t i = 0; i < r->nwarnings; i++) {
        strbuf sb = {0};
        sb_appendf(&sb, "         %swarning:%s ", color ? SGR_YELLOW : "", color ? SGR_RESET : "");
        append_one_line(&sb, r->warnings[i]);
        sb_append(&sb, "\n");
        fputs(sb.buf, out);
        sb_free(&sb);
    }
}

/* --repeat: "         flaky: 2 of 20 failed (seeds 4, 11)" when some but not
 * all repetitions failed; "... all 20 failed" / "all 20 passed" otherwise. */
static void repeat_line(const drip_result *r, FILE *out, bool color)
{
    const drip_repeat_result *rp = &r->repeat;
    if (rp->runs < 2)
        return;
    strbuf sb = {0};
    uint64_t failed = rp->runs - rp->passed;
    sb_append(&sb, "         ");
    if (failed && rp->passed)
        sb_appendf(&sb, "%sflaky:%s %llu of %llu failed", color ? SGR_YELLOW : "",
                   color ? SGR_RESET : "", (unsigned long long)failed,
                   (unsigned long long)rp->runs);
    else
        sb_appendf(&sb, "repeat: all %llu %s", (unsigned long long)rp->runs,
                   failed ? "failed" : "passed");
    for (size_t i = 0; i < rp->nfailed; i++)
        sb_appendf(&sb, "%s%llu", i ? ", " : rp->nfailed == 1 ? " (seed " : " (seeds ",
                   (unsigned long long)rp->failed_seeds[i]);
    if (rp->nfailed)
        sb_append(&sb, ")");
    sb_append(&sb, "\n");
    fputs(sb.buf, out);
    sb_free(&sb);
}

int drip_report_terminal_line(const drip_result *r, FILE *out, bool color)
{
    int rc = terminal_line(r, out, color, NAME_WIDTH);
    repeat_line(r, out, color);
    if (r->sweep.ran)
        sweep_findings(r, out);
    growing_site(r, out);
    warnings(r, out, color);
    return rc;
}

int drip_report_terminal_summary(const drip_run_results *run, const char *report_dir,
                                 FILE *out, bool color)
{
    int width = 0;
    for (size_t i = 0; i < run->count; i++) {
        const char *name = run->scenarios[i].name ? run->scenarios[i].name : "?";
        int len = (int)strlen(name);
        width = len > width ? len : width;
    }
    /* The per-scenario lines were printed as the run went; repeat only the
     * ones that did not pass, so they are not lost above a long log. */
    drip_run_counts c = drip_run_results_count(run);
    if ((c.fail || c.error) && run->count > 1) {
        fprintf(out, "not passed:\n");
        for (size_t i = 0; i < run->count; i++)
            if (run->scenarios[i].status != DRIP_STATUS_PASS)
                terminal_line(&run->scenarios[i], out, color, width);
    }
    bool bad = c.fail || c.error;
    fprintf(out, "%s%zu scenario%s: %zu passed, %zu failed, %zu error%s (%.1f s)%s\n",
            color ? (bad ? SGR_RED : SGR_GREEN) : "",
            run->count, run->count == 1 ? "" : "s", c.pass, c.fail,
            c.error, c.error == 1 ? "" : "s", isfinite(run->duration_s) ? run->duration_s : 0.0,
            color ? SGR_RESET : "");
    if (run->nmissing_shards) {            /* a merge without every shard */
        char missing[256];
        fprintf(out, "%s%s: the report covers %u of %u shards%s\n", color ? SGR_YELLOW : "",
                drip_run_results_missing(run, missing, sizeof missing),
                run->missing_of - (unsigned)run->nmissing_shards, run->missing_of,
                color ? SGR_RESET : "");
    } else if (!run->complete) {
        fprintf(out, "%s", color ? SGR_YELLOW : "");
        if (run->planned > run->count)
            fprintf(out, "run interrupted: the report covers %zu of %zu scenarios",
                    run->count, run->planned);
        else
            fprintf(out, "run interrupted: the report covers only the %zu scenario%s that finished",
                    run->count, run->count == 1 ? "" : "s");
        fprintf(out, "%s\n", color ? SGR_RESET : "");
    }
    if (report_dir) {
        size_t n = strlen(report_dir);
        const char *slash = n && report_dir[n - 1] == '/' ? "" : "/";
        fprintf(out, "report: %s%s\n", report_dir, slash);
        fprintf(out, "html:   %s%sreport.html\n", report_dir, slash);   /* write_dir wrote it */
    }
    return ferror(out) ? -1 : 0;
}
