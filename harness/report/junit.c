/* junit.xml - one <testsuite name="drip">, one <testcase> per scenario.
 *
 * The subset of the JUnit XML format that GitLab, Jenkins and GitHub's test
 * reporters all read: counts and times on <testsuites> and <testsuite>,
 * <failure> or <error> with a one-line message attribute and the full story
 * as text, and the fitted slopes in <system-out>.
 */
#include "report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util/util.h"

/* ---- XML text: escape.h's XML 1.0 flavours -------------------------------- */

/* name="value" with the value escaped, after a space. */
static void xml_attr(FILE *out, const char *name, const char *value)
{
    fprintf(out, " %s=\"", name);
    drip__escape(out, value, DRIP_ESC_XML_ATTR);
    fputc('"', out);
}

/* JUnit times are seconds with three decimals; nothing negative or NaN. */
static void xml_time_attr(FILE *out, double s)
{
    fprintf(out, " time=\"%.3f\"", isfinite(s) && s > 0 ? s : 0.0);
}

/* ---- names --------------------------------------------------------------- */

/* "drip." + the scenario file's path without its extension, '/' turned into
 * '.', with empty, "." and ".." components dropped:
 * "./scenarios/global-map/leaky.yaml" -> "drip.scenarios.global-map.leaky".
 * Falls back to "drip." + name when there is no file.  Caller frees. */
static char *junit_classname(const drip_result *r)
{
    strbuf sb = {0};
    sb_append(&sb, "drip");
    size_t base = sb.len;
    const char *p = r->file ? r->file : "";
    while (*p) {
        size_t n = strcspn(p, "/");
        bool last = p[n] == '\0';
        size_t keep = n;
        if (last) {                           /* strip the extension */
            const char *dot = strrchr(p, '.');
            if (dot && dot > p)
                keep = (size_t)(dot - p);
        }
        bool skip = n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
        if (!skip && keep > 0) {
            sb_append(&sb, ".");
            sb_appendn(&sb, p, keep);
        }
        p += n + !last;
    }
    if (sb.len == base) {
        sb_append(&sb, ".");
        sb_append(&sb, r->name ? r->name : "scenario");
    }
    return sb_take(&sb);
}

/* The first line of s (NULL-safe) as a new string. */
static char *first_line(const char *s)
{
    s = s ? s : "";
    return xstrndup(s, strcspn(s, "\r\n"));
}

/* ---- the story of one scenario ------------------------------------------- */

static void describe_expectation(strbuf *sb, const drip_expect_result *e)
{
    char lim[64], act[64];
    bool known = e->metric >= 0 && e->metric < DRIP_M_COUNT;
    const char *name = known ? drip_metrics[e->metric].name : "?";
    if (e->rule == DRIP_RULE_VERDICT) {
        bool valid = e->actual >= DRIP_VERDICT_UNKNOWN && e->actual <= DRIP_VERDICT_GROWING;
        snprintf(lim, sizeof lim, "%s", drip_verdict_name(e->want));
        snprintf(act, sizeof act, "%s",
                 valid ? drip_verdict_name((drip_verdict)(int)e->actual) : "n/a");
    } else if (e->rule == DRIP_RULE_MAX_AFTER_TEARDOWN) {
        snprintf(lim, sizeof lim, "%g", e->limit);
        snprintf(act, sizeof act, "%g", e->actual);
    } else if (known) {
        drip_metric_fmt_slope(e->metric, e->limit, lim, sizeof lim);
        drip_metric_fmt_slope(e->metric, e->actual, act, sizeof act);
    } else {
        snprintf(lim, sizeof lim, "%g", e->limit);
        snprintf(act, sizeof act, "%g", e->actual);
    }
    sb_appendf(sb, "%s %s: limit %s, actual %s: %s\n", name, drip_rule_name(e->rule),
               lim, act, e->ok ? "ok" : "FAILED");
}

/* "heap_bytes: +310.2 B/iter (interval +300.1 B/iter .. +320.5 B/iter),
 *  tail +309.0 B/iter, growth 4.73 MiB: growing" for each measured metric. */
static void describe_slopes(strbuf *sb, const drip_result *r)
{
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        const drip_fit *f = &r->metrics[m].fit;
        char s[64], lo[64], hi[64], tail[64], growth[64];
        if (!r->metrics[m].measured)
            continue;
        if (isnan(f->all.slope)) {
            sb_appendf(sb, "%s: no slope: %s\n", drip_metrics[m].name,
                       drip_verdict_name(f->verdict));
            continue;
        }
        if (drip_metrics[m].bytes) {
            drip_fmt_bytes(f->growth, growth, sizeof growth);
        } else {
            char num[48];
            snprintf(growth, sizeof growth, "%s %s", drip_fmt_num(f->growth, num, sizeof num),
                     drip_metrics[m].unit);
        }
        sb_appendf(sb, "%s: %s (interval %s .. %s), tail %s, growth %s: %s\n",
                   drip_metrics[m].name,
                   drip_metric_fmt_slope(m, f->all.slope, s, sizeof s),
                   drip_metric_fmt_slope(m, f->all.low, lo, sizeof lo),
                   drip_metric_fmt_slope(m, f->all.high, hi, sizeof hi),
                   drip_metric_fmt_slope(m, f->tail.slope, tail, sizeof tail),
                   isnan(f->growth) ? "n/a" : growth,
                   drip_verdict_name(f->verdict));
    }
}

/* The sweep: trials per mode, then one line per finding with its sites. */
static void describe_sweep(strbuf *sb, const drip_result *r)
{
    const drip_sweep_result *sw = &r->sweep;
    for (int m = 0; m < 2; m++)
        if (sw->modes & (1u << m))
            sb_appendf(sb, "sweep %s: %llu trials (%llu clean, %llu expected errors) over "
                       "%llu allocations%s\n", drip_sweep_mode_name(m),
                       (unsigned long long)sw->trials[m], (unsigned long long)sw->clean[m],
                       (unsigned long long)sw->failed[m],
                       (unsigned long long)sw->allocations[m],
                       sw->complete[m] ? "" : ", incomplete");
    sb_appendf(sb, "an iteration without faults leaves %llu B in %llu blocks after teardown\n",
               (unsigned long long)sw->reference_bytes, (unsigned long long)sw->reference_blocks);
    for (size_t i = 0; i < sw->nfindings; i++) {
        const drip_sweep_finding *f = &sw->findings[i];
        sb_appendf(sb, "%s k=%llu: %s", drip_sweep_mode_name(f->mode), (unsigned long long)f->k,
                   drip_trial_outcome_name(f->outcome));
        if (f->outcome == DRIP_TRIAL_LEAK)
            sb_appendf(sb, ", %llu B in %llu blocks", (unsigned long long)f->leaked_bytes,
                       (unsigned long long)f->leaked_blocks);
        if (f->detail)
            sb_appendf(sb, ", %s", f->detail);
        sb_append(sb, "\n");
        for (size_t j = 0; j < f->nsites; j++)
            sb_appendf(sb, "    %llu B in %llu blocks at %s\n",
                       (unsigned long long)f->sites[j].bytes,
                       (unsigned long long)f->sites[j].blocks, f->sites[j].stack);
    }
}

/* "valgrind (200 iterations): definitely lost 0 B in 0 blocks, ..." and the
 * growth line, when a pass was asked for. */
static void describe_valgrind(strbuf *sb, const drip_valgrind_result *v)
{
    char b[48];
    if (!v->ran)
        return;
    if (v->skipped) {
        sb_appendf(sb, "valgrind: skipped, not passed: %s\n", v->skipped);
        return;
    }
    sb_appendf(sb, "valgrind (%llu iterations, at exit):", (unsigned long long)v->iterations);
    for (int k = 0; k < 4; k++)
        sb_appendf(sb, "%s %s %s in %llu blocks", k ? "," : "", drip_vg_check_labels[k],
                   drip_fmt_bytes((double)v->bytes[k], b, sizeof b),
                   (unsigned long long)v->blocks[k]);
    sb_appendf(sb, "; %llu memory error%s%s\n", (unsigned long long)v->errors,
               v->errors == 1 ? "" : "s", v->complete ? "" : " (XML incomplete)");
    if (v->problem)
        sb_appendf(sb, "valgrind problem: %s\n", v->problem);
    const drip_vg_growth *g = &v->growth;
    if (g->problem)
        sb_appendf(sb, "valgrind growth (%llu iterations): %s\n",
                   (unsigned long long)g->iterations, g->problem);
    if (!g->ran)
        return;
    sb_appendf(sb, "valgrind growth %llu -> %llu iterations (%s):", (unsigned long long)v->iterations,
               (unsigned long long)g->iterations, g->at_exit ? "at exit" : "before teardown");
    for (int k = 0; k < 4; k++)
        sb_appendf(sb, "%s %s %s/iter%s", k ? "," : "", drip_vg_check_labels[k],
                   drip_fmt_bytes(g->per_iteration[k], b, sizeof b),
                   g->growing[k] ? " growing" : "");
    sb_append(sb, "\n");
}

static bool any_measured(const drip_result *r)
{
    for (int m = 0; m < DRIP_M_COUNT; m++)
        if (r->metrics[m].measured)
            return true;
    return false;
}

static void junit_problem(FILE *out, const drip_result *r)
{
    bool error = r->status == DRIP_STATUS_ERROR;
    strbuf text = {0};
    char *message;

    if (r->reason) {
        message = first_line(r->reason);
        sb_appendf(&text, "%s\n", r->reason);
    } else {
        message = xstrdup(error ? "error" : "an expectation did not hold");
    }
    if (r->expect_mode != DRIP_EXPECT_RULES)
        sb_appendf(&text, "%s%s\n", text.len ? "\n" : "", r->expect_mode == DRIP_EXPECT_NONE
                   ? "expect: none" : "expect: default (nothing grows)");
    if (r->nexpects) {
        sb_append(&text, text.len ? "\nexpectations:\n" : "expectations:\n");
        for (size_t i = 0; i < r->nexpects; i++)
            describe_expectation(&text, &r->expects[i]);
    }
    if (any_measured(r)) {
        sb_append(&text, text.len ? "\nfitted slopes:\n" : "fitted slopes:\n");
        describe_slopes(&text, r);
    }
    if (r->sweep.ran) {
        sb_append(&text, text.len ? "\n" : "");
        describe_sweep(&text, r);
    }

    fprintf(out, "      <%s", error ? "error" : "failure");
    xml_attr(out, "message", message);
    xml_attr(out, "type", error ? "error" : "expectation");
    fputs(">", out);
    drip__escape(out, text.buf, DRIP_ESC_XML_TEXT);
    fprintf(out, "</%s>\n", error ? "error" : "failure");

    free(message);
    sb_free(&text);
}

static void junit_system_out(FILE *out, const drip_result *r)
{
    strbuf text = {0};
    if (r->description)
        sb_appendf(&text, "%s\n", r->description);
    if (r->sweep.ran)
        sb_append(&text, "failure sweep");
    else if (r->duration_planned_s > 0)
        sb_appendf(&text, "%llu iterations in a timed run of %g s (%llu failed)",
                   (unsigned long long)r->iterations, r->duration_planned_s,
                   (unsigned long long)r->failed_iterations);
    else
        sb_appendf(&text, "%llu of %llu iterations (%llu failed)",
                   (unsigned long long)r->iterations, (unsigned long long)r->iterations_planned,
                   (unsigned long long)r->failed_iterations);
    if (isfinite(r->duration_s))
        sb_appendf(&text, " in %.3f s", r->duration_s);
    sb_appendf(&text, ", seed %llu, %u thread%s\n", (unsigned long long)r->seed, r->threads,
               r->threads == 1 ? "" : "s");
    if (r->heap_ceiling_hit)
        sb_appendf(&text, "heap ceiling of %llu bytes hit\n", (unsigned long long)r->heap_ceiling);
    describe_slopes(&text, r);
    if (r->sweep.ran)
        describe_sweep(&text, r);
    if (drip_class_name(r->leak_class))
        sb_appendf(&text, "class: %s: %s\n", drip_class_name(r->leak_class),
                   r->class_why ? r->class_why : "");
    describe_valgrind(&text, &r->valgrind);
    for (size_t i = 0; i < r->nwarnings; i++)
        sb_appendf(&text, "warning: %s\n", r->warnings[i]);

    fputs("      <system-out>", out);
    drip__escape(out, text.buf, DRIP_ESC_XML_TEXT);
    fputs("</system-out>\n", out);
    sb_free(&text);
}

static void junit_testcase(FILE *out, const drip_result *r)
{
    char *classname = junit_classname(r);
    fputs("    <testcase", out);
    xml_attr(out, "name", r->name ? r->name : "");
    xml_attr(out, "classname", classname);
    if (r->file)
        xml_attr(out, "file", r->file);
    xml_time_attr(out, r->duration_s);
    fputs(">\n", out);
    if (r->status != DRIP_STATUS_PASS)
        junit_problem(out, r);
    junit_system_out(out, r);
    fputs("    </testcase>\n", out);
    free(classname);
}

int drip_report_junit(const drip_run_results *run, FILE *out)
{
    drip_run_counts c = drip_run_results_count(run);
    char counts[128];
    snprintf(counts, sizeof counts, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"",
             run->count, c.fail, c.error);

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"drip\"%s", counts);
    xml_time_attr(out, run->duration_s);
    fputs(">\n", out);

    fprintf(out, "  <testsuite name=\"drip\"%s skipped=\"0\"", counts);
    xml_time_attr(out, run->duration_s);
    if (run->started_at) {
        /* JUnit's timestamp has no zone: "2026-11-25T17:00:00Z" loses the Z */
        char *ts = xstrndup(run->started_at, strcspn(run->started_at, "Z+"));
        xml_attr(out, "timestamp", ts);
        free(ts);
    }
    fputs(">\n", out);
    for (size_t i = 0; i < run->count; i++)
        junit_testcase(out, &run->scenarios[i]);
    fputs("  </testsuite>\n</testsuites>\n", out);

    return ferror(out) ? -1 : 0;
}
