/* exercise_verdict.c - what `drip exercise` tells the student.
 *
 *   not fixed yet: blocked-channel (my_fix.c)
 *
 *     threads: fixed (flat, as in the fixed code)
 *     tasks still grows: +0.100 tasks/iter; the fixed code allows at most +0.001 tasks/iter
 *       ▁▁▁▂▂▂▃▃▃▄▄▄▅▅▅▆▆▆▇▇▇███  3 -> 198 tasks, iterations 400 to 2000
 *     tasks after teardown: 199; the fixed code leaves at most 0
 *     heap_bytes still grows: +145 B/iter; ...
 *       grows at: drip_chan_new (chan.c:41) < ... < worker (my_fix.c:39)  +131 B/iter
 *
 *   where to look:
 *     my_fix.c:57: drip_chan *answer = drip_chan_new(...);  /+ LESSON: ... +/
 *     drip explain blocked-channel   (section "Why it leaks, and the fix")
 *     hints, gentle to explicit: .../scenarios/blocked-channel/exercise/HINTS.md
 *
 * A crash says where (the worker's stack, named by the runner), a hang
 * what timed out; both point at the hints, and exit 3 (drip_exercise_status).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docs.h"
#include "exercise.h"
#include "metrics/metrics.h"
#include "report/spark.h"
#include "util/util.h"

#define SPARK_WIDTH 40
#define SGR_RESET "\033[0m"
#define SGR_GREEN "\033[1;32m"
#define SGR_RED   "\033[1;31m"
#define SGR_DIM   "\033[2m"

/* Does the terminal's locale speak UTF-8? (for the chart's blocks) */
static bool utf8_locale(void)
{
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
    }
    return false;
}

/* A metric's value for people: "1.50 KiB", "198 tasks". */
static const char *fmt_value(const drip_metric_info *info, double v, char *buf, size_t n)
{
    char num[48];
    if (info->bytes)
        return drip_fmt_bytes(v, buf, n);
    snprintf(buf, n, "%s %s", drip_fmt_num(v, num, sizeof num), info->unit);
    return buf;
}

/* The chart of metric m over the fit window, and where it went. */
static void print_chart(const drip_result *r, int m, FILE *out)
{
    size_t from = r->metrics[m].fit.window_start;
    if (from >= r->nsamples || r->nsamples - from < 2)
        return;
    size_t n = r->nsamples - from;
    double *v = xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = r->samples[from + i].v[DRIP_COL_METRIC(m)];
    char *spark = drip_sparkline(v, n, SPARK_WIDTH, utf8_locale());
    char a[64], b[64];
    const drip_metric_info *info = drip_result_metric_info(r, m);
    fprintf(out, "      %s  %s -> %s, iterations %.0f to %.0f\n", spark,
            fmt_value(info, v[0], a, sizeof a), fmt_value(info, v[n - 1], b, sizeof b),
            r->samples[from].v[DRIP_COL_ITER], r->samples[r->nsamples - 1].v[DRIP_COL_ITER]);
    free(spark);
    free(v);
}

/* Does site have a frame in the student's file (by base name)? */
static bool in_file(const drip_prof_site *site, const char *student)
{
    const char *base = drip_path_base(student);
    for (size_t i = 0; i < site->nframes; i++)
        if (site->frames[i].file && strcmp(site->frames[i].file, base) == 0)
            return true;
    return false;
}

/* Where the heap grows most, "grows at: fn (file:line) < ... < user_fn
 * (file:line)  +X B/iter": the top growing site that passes through the
 * student's file, else the top one, as `drip run` prints it (its allocating
 * frame and user frame, drip_prof_site_where). */
static void print_top_site(const drip_result *r, const char *student, FILE *out)
{
    size_t n = 0, pick = 0;
    size_t *idx = drip_prof_growing(&r->profile, &n);
    for (size_t i = n; i-- > 0;)
        if (in_file(&r->profile.sites[idx[i]], student))
            pick = i;
    if (n) {
        const drip_prof_site *site = &r->profile.sites[idx[pick]];
        char *stack = drip_prof_site_where(site, 3), rate[64];
        fprintf(out, "      grows at: %s  %s\n", stack,
                drip_metric_fmt_slope(DRIP_M_HEAP_BYTES,
                                      drip_prof_site_growth(&r->profile, site), rate,
                                      sizeof rate));
        free(stack);
    }
    free(idx);
}

/* Does the scenario have a `rule` expectation on metric m?  (A min_slope
 * means the fixed code grows too, only slower.) */
static bool has_rule(const drip_result *r, int m, drip_rule rule)
{
    for (size_t i = 0; i < r->nexpects; i++)
        if (r->expects[i].metric == m && r->expects[i].rule == rule)
            return true;
    return false;
}

/* One line per broken expectation of metric m, then its chart, and for
 * the first heap metric that still grows (*site_shown false) where. */
static void print_metric(const drip_result *r, int m, const char *student, bool *site_shown,
                         FILE *out)
{
    const drip_fit *fit = &r->metrics[m].fit;
    const drip_metric_info *info = drip_result_metric_info(r, m);
    const char *name = info->name;
    char slope[64], lim[64];
    drip_metric_info_fmt_slope(info, fit->all.slope, slope, sizeof slope);
    bool chart = false, said_grows = false;
    for (size_t i = 0; i < r->nexpects; i++) {
        const drip_expect_result *e = &r->expects[i];
        if (e->ok || e->metric != m)
            continue;
        switch (e->rule) {
        case DRIP_RULE_VERDICT:
        case DRIP_RULE_MAX_SLOPE:
            if (said_grows)
                break;
            said_grows = true;
            chart = true;
            if (e->rule == DRIP_RULE_MAX_SLOPE)
                fprintf(out, "    %s %s: %s; the fixed code allows at most %s\n", name,
                        info->cumulative ? "per iteration is too high"   /* a rate */
                        : fit->verdict == DRIP_VERDICT_GROWING &&
                                  !has_rule(r, m, DRIP_RULE_MIN_SLOPE)
                            ? "still grows" : "grows too fast",
                        slope, drip_metric_info_fmt_slope(info, e->limit, lim, sizeof lim));
            else if (fit->verdict == DRIP_VERDICT_GROWING)
                fprintf(out, "    %s still grows: %s; the fixed code keeps it %s\n", name, slope,
                        drip_verdict_name(e->want));
            else
                fprintf(out, "    %s: %s (%s); the fixed code keeps it %s\n", name, slope,
                        fit->verdict == DRIP_VERDICT_BOUNDED ? "it grew, then stopped"
                                                             : drip_verdict_name(fit->verdict),
                        drip_verdict_name(e->want));
            break;
        case DRIP_RULE_MIN_SLOPE:
            chart = true;
            if (!r->metrics[m].measured)              /* a workload metric never reported */
                fprintf(out, "    %s: none at all: the code no longer reports it "
                        "(drip_metric_add); the fixed code does, at %s or more (did the fix "
                        "remove the work itself?)\n", name,
                        drip_metric_info_fmt_slope(info, e->limit, lim, sizeof lim));
            else
                fprintf(out, "    %s: %s: no longer what the fixed code delivers, %s or more "
                        "(did the fix remove the work itself?)\n", name, slope,
                        drip_metric_info_fmt_slope(info, e->limit, lim, sizeof lim));
            break;
        case DRIP_RULE_MAX_AFTER_TEARDOWN: {
            char act[64], want[64];
            fprintf(out, "    %s left after teardown: %s; the fixed code leaves at most %s\n",
                    name, fmt_value(info, e->actual, act, sizeof act),
                    fmt_value(info, e->limit, want, sizeof want));
            break;
        }
        }
    }
    if (chart)
        print_chart(r, m, out);
    if (said_grows && !*site_shown && (m == DRIP_M_HEAP_BYTES || m == DRIP_M_HEAP_OBJECTS)) {
        print_top_site(r, student, out);
        *site_shown = true;
    }
}

/* The heading of the pattern README's section on the fix: the first "## "
 * heading with "why" in it ("Why it leaks, and the fix"), else the first
 * with "fix"; NULL when there is none.  Returns a static buffer. */
static const char *fix_section(const char *pattern)
{
    static char title[128];
    for (size_t i = 0; drip_docs[i].pattern; i++) {
        if (strcmp(drip_docs[i].pattern, pattern) != 0)
            continue;
        const char *best = NULL;
        for (const char *line = drip_docs[i].text; line && *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            if (len > 3 && strncmp(line, "## ", 3) == 0 && len - 3 < sizeof title) {
                char h[sizeof title];
                memcpy(h, line + 3, len - 3);
                h[len - 3] = '\0';
                if (strcasestr(h, "why") || (!best && strcasestr(h, "fix"))) {
                    snprintf(title, sizeof title, "%s", h);
                    best = title;
                    if (strcasestr(h, "why"))
                        return best;
                }
            }
            line = end ? end + 1 : NULL;
        }
        return best;
    }
    return NULL;
}

/* The student's lines marked LESSON (in a comment opened on that line),
 * as FILE:LINE: text; at most 8. */
static void print_lessons(const char *file, FILE *out)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0, shown = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        /* a marker opens its comment on its line: not prose about markers */
        char *mark = strstr(line, "LESSON"), *open = strstr(line, "/*"), *slash = strstr(line, "//");
        if (!mark || shown >= 8 || !((open && open < mark) || (slash && slash < mark)))
            continue;
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        size_t n = strcspn(s, "\r\n");
        fprintf(out, "    %s:%u: %.*s%s\n", file, lineno, n > 110 ? 110 : (int)n, s,
                n > 110 ? "..." : "");
        shown++;
    }
    free(line);
    fclose(f);
}

static void print_pass(const drip_result *r, FILE *out)
{
    bool seen[DRIP_METRIC_SLOTS] = {false};
    for (size_t i = 0; i < r->nexpects; i++) {
        int m = r->expects[i].metric;
        const drip_metric_info *info = drip_result_metric_info(r, m);
        if (!info || seen[m])
            continue;
        seen[m] = true;
        char slope[64];
        fprintf(out, "    %-13s %s %s\n", info->name,
                drip_metric_info_fmt_slope(info, r->metrics[m].fit.all.slope, slope, sizeof slope),
                drip_verdict_name(r->metrics[m].fit.verdict));
    }
}

/* Did r end in a crash (a signal) or a hang (its timeout)?  The runner's
 * reasons start so (runner.c, conclude_trouble). */
static bool crashed(const drip_result *r)
{
    return r->status == DRIP_STATUS_ERROR && r->reason && strncmp(r->reason, "crashed:", 8) == 0;
}

static bool hung(const drip_result *r)
{
    return r->status == DRIP_STATUS_ERROR && r->reason &&
           strncmp(r->reason, "timeout after", 13) == 0;
}

int drip_exercise_status(const drip_result *r)
{
    if (r->status == DRIP_STATUS_PASS)
        return 0;
    return crashed(r) || hung(r) ? DRIP_EXIT_CRASHED : 1;
}

/* Where to read on: the C exercise's hints file, or for a Go fix the Go
 * original's README section and the reference (the -fixed variant). */
static void print_hints(const drip_exercise *ex, FILE *out, const char *indent)
{
    if (ex->go)
        fprintf(out, "%sthe Go original: drip explain %s (section \"The Go original under "
                "Drip\")\n%sits fixed variant (what -fixed selects): %s\n", indent, ex->pattern,
                indent, ex->solution);
    else
        fprintf(out, "%shints, gentle to explicit: %s\n", indent, ex->hints);
}

/* The crash's stack, one frame a line, innermost first (at most 12). */
static void print_stack(const char *stack, FILE *out)
{
    fprintf(out, "\n  the crashing thread's stack, innermost first:\n");
    const char *p = stack;
    for (int i = 0; p && *p && i < 12; i++) {
        const char *sep = strstr(p, " < ");
        size_t n = sep ? (size_t)(sep - p) : strlen(p);
        fprintf(out, "    %.*s\n", (int)n, p);
        p = sep ? sep + 3 : NULL;
    }
}

/* A fix that crashed, hung or could not run: what happened, where, how to
 * run it alone, and the hints. */
static void print_trouble(const drip_exercise *ex, const drip_result *r, FILE *out,
                          const char *red, const char *reset)
{
    const char *what = crashed(r) ? "crashed" : hung(r) ? "hung" : "could not grade";
    const char *why = r->reason ? r->reason : "the run failed";
    if (crashed(r))
        why += strlen("crashed: ");               /* "crashed: crashed: SIGSEGV" */
    fprintf(out, "%s%s%s: %s (%s): %s\n", red, what, reset, ex->pattern, ex->student, why);
    if (r->crash_stack)
        print_stack(r->crash_stack, out);
    else if (crashed(r))
        fprintf(out, "  (no stack: the crash came before drip could listen for it)\n");
    if (hung(r))
        fprintf(out, "\n  An iteration never returned: a task waiting for something that never "
                "comes,\n  a lock never unlocked, a loop that does not end?\n");
    if (ex->go)
        fprintf(out, "\n  run it alone (then GET http://127.0.0.1:8080/work?i=0):\n"
                "    %s -port 8080 -seed 1\n", ex->plugin);
    else
        fprintf(out, "\n  run it alone, e.g. under gdb:\n"
                "    drip worker --plugin %s -- %s 3>/dev/null\n", ex->plugin, ex->yaml);
    print_hints(ex, out, "  ");
}

/* "METRIC: fixed" for each metric whose expectations all hold: the part
 * of the fix that works. */
static void print_fixed(const drip_result *r, FILE *out, const char *green, const char *reset)
{
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        const drip_metric_info *info = drip_result_metric_info(r, m);
        bool any = false, ok = true;
        if (drip_metric_is_custom(m))
            continue;                     /* the workload's own work: not a leak fixed */
        for (size_t i = 0; i < r->nexpects; i++)
            if (r->expects[i].metric == m) {
                any = true;
                ok &= r->expects[i].ok;
            }
        if (!any || !ok)
            continue;
        drip_verdict v = r->metrics[m].fit.verdict;
        fprintf(out, "    %s%s: fixed%s (%s, %s)\n", green, info->name, reset,
                info->cumulative ? "at the fixed code's rate" : drip_verdict_name(v),
                info->cumulative ? "per iteration" : "as in the fixed code");
    }
}

int drip_exercise_verdict(const drip_exercise *ex, const drip_result *r, FILE *out, bool color)
{
    const char *green = color ? SGR_GREEN : "", *red = color ? SGR_RED : "";
    const char *dim = color ? SGR_DIM : "", *reset = color ? SGR_RESET : "";
    fputc('\n', out);
    if (r->status == DRIP_STATUS_PASS) {
        fprintf(out, "%sfixed%s: %s (%s) meets the fixed variant's expectations over %llu "
                "iterations:\n", green, reset, ex->pattern, ex->student,
                (unsigned long long)r->iterations);
        print_pass(r, out);
        fprintf(out, "\n  Compare with the reference fix: %s%s\n", ex->solution,
                ex->go ? " (the functions -fixed selects)" : "");
        return ferror(out) ? -1 : 0;
    }
    if (r->status == DRIP_STATUS_ERROR) {
        print_trouble(ex, r, out, red, reset);
        return ferror(out) ? -1 : 0;
    }

    fprintf(out, "%snot fixed yet%s: %s (%s)\n\n", red, reset, ex->pattern, ex->student);
    print_fixed(r, out, green, reset);
    bool any = false, site_shown = false;
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        bool broken = false;
        for (size_t i = 0; i < r->nexpects; i++)
            broken |= !r->expects[i].ok && r->expects[i].metric == m;
        if (broken) {
            print_metric(r, m, ex->student, &site_shown, out);
            any = true;
        }
    }
    /* What the expectations do not say: the ceiling, the valgrind pass
     * (which the judge's reason lists after the expectations). */
    if (r->heap_ceiling_hit) {
        char b[32];
        fprintf(out, "    the heap reached the scenario's ceiling, %s, at iteration %llu\n",
                drip_fmt_bytes((double)r->heap_ceiling, b, sizeof b),
                (unsigned long long)r->iterations);
        any = true;
    }
    const char *vg = r->reason ? strstr(r->reason, "valgrind") : NULL;
    if (vg) {
        fprintf(out, "    %s\n", vg);
        any = true;
    }
    if (!any)
        fprintf(out, "    %s\n", r->reason ? r->reason : "the run failed its expectations");

    fprintf(out, "\n  where to look:\n");
    print_lessons(ex->student, out);
    for (size_t i = 0; i < r->nwarnings; i++)          /* --go: the goroutine profile */
        if (strncmp(r->warnings[i], "goroutines parked:", 18) == 0)
            fprintf(out, "    %s\n", r->warnings[i]);
    const char *section = fix_section(ex->pattern);
    if (section)
        fprintf(out, "    drip explain %s   %s(section \"%s\")%s\n", ex->pattern, dim, section,
                reset);
    else
        fprintf(out, "    drip explain %s\n", ex->pattern);
    print_hints(ex, out, "    ");
    return ferror(out) ? -1 : 0;
}
