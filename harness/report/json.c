/* json.c - results.json.
 *
 * A small streaming JSON emitter (pretty-printed, 2-space indent) and the
 * report on top of it.  The keys are a contract that CI scripts read:
 * docs/REPORTS.md lists them, and a key is never renamed or removed.
 */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/util.h"

/* ---- the emitter --------------------------------------------------------- */

#define JW_MAX_DEPTH 16

typedef struct jw {
    FILE *out;
    int   depth;
    bool  first[JW_MAX_DEPTH];    /* nothing written yet in this container */
    bool  oneline[JW_MAX_DEPTH];  /* container printed on one line: [3, 7, 8] */
} jw;


/* A JSON string literal: quotes and backslashes escaped, control characters
 * as \n, \r, \t or \u00XX, valid UTF-8 passed through, every byte of invalid
 * UTF-8 replaced by U+FFFD. */
static void jw_quote(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            p++;
        } else if (c < 0x20) {
            if (c == '\n')      fputs("\\n", out);
            else if (c == '\r') fputs("\\r", out);
            else if (c == '\t') fputs("\\t", out);
            else                fprintf(out, "\\u%04x", c);
            p++;
        } else {
            uint32_t cp;
            size_t n = drip_utf8_decode(p, &cp);
            if (n) {
                fwrite(p, 1, n, out);
                p += n;
            } else {
                fputs("\xEF\xBF\xBD", out);
                p++;
            }
        }
    }
    fputc('"', out);
}

/* Before a value: the comma, the line break and indent, and `"key": ` when
 * inside an object (key is NULL inside arrays and for the root). */
static void jw_begin_value(jw *w, const char *key)
{
    if (w->depth > 0) {
        bool first = w->first[w->depth];
        if (!first)
            fputc(',', w->out);
        if (w->oneline[w->depth]) {
            if (!first)
                fputc(' ', w->out);
        } else {
            fprintf(w->out, "\n%*s", 2 * w->depth, "");
        }
        w->first[w->depth] = false;
    }
    if (key) {
        jw_quote(w->out, key);
        fputs(": ", w->out);
    }
}

static void jw_open(jw *w, const char *key, char bracket, bool oneline)
{
    jw_begin_value(w, key);
    fputc(bracket, w->out);
    if (w->depth + 1 >= JW_MAX_DEPTH)     /* a bug in this file, not bad data */
        abort();
    w->depth++;
    w->first[w->depth] = true;
    w->oneline[w->depth] = oneline || w->oneline[w->depth - 1];
}

static void jw_close(jw *w, char bracket)
{
    if (!w->first[w->depth] && !w->oneline[w->depth])
        fprintf(w->out, "\n%*s", 2 * (w->depth - 1), "");
    w->depth--;
    fputc(bracket, w->out);
}

static void jw_object(jw *w, const char *key)       { jw_open(w, key, '{', false); }
static void jw_array(jw *w, const char *key)        { jw_open(w, key, '[', false); }
static void jw_array_inline(jw *w, const char *key) { jw_open(w, key, '[', true); }
static void jw_end_object(jw *w)                    { jw_close(w, '}'); }
static void jw_end_array(jw *w)                     { jw_close(w, ']'); }

static void jw_null(jw *w, const char *key)
{
    jw_begin_value(w, key);
    fputs("null", w->out);
}

/* NULL is written as null. */
static void jw_str(jw *w, const char *key, const char *s)
{
    if (!s) {
        jw_null(w, key);
        return;
    }
    jw_begin_value(w, key);
    jw_quote(w->out, s);
}

static void jw_u64(jw *w, const char *key, uint64_t v)
{
    jw_begin_value(w, key);
    fprintf(w->out, "%" PRIu64, v);
}

static void jw_bool(jw *w, const char *key, bool v)
{
    jw_begin_value(w, key);
    fputs(v ? "true" : "false", w->out);
}

/* NaN and infinities have no JSON form: null.  %.15g keeps every digit a
 * double reliably holds and prints integral values without a fraction. */
static void jw_num(jw *w, const char *key, double v)
{
    if (!isfinite(v)) {
        jw_null(w, key);
        return;
    }
    jw_begin_value(w, key);
    fprintf(w->out, "%.15g", v);
}

/* ---- the report ---------------------------------------------------------- */

static const char *metric_name(int m)
{
    return m >= 0 && m < DRIP_M_COUNT ? drip_metrics[m].name : NULL;
}

/* A verdict stored as a number (drip_expect_result.actual), or NULL. */
static const char *verdict_from_number(double v)
{
    if (!(v >= DRIP_VERDICT_UNKNOWN && v <= DRIP_VERDICT_GROWING))   /* NaN too */
        return NULL;
    return drip_verdict_name((drip_verdict)(int)v);
}

/* A metric's value at sample i, NaN when there is no such sample. */
static double sample_value(const drip_result *r, size_t i, int m)
{
    return i < r->nsamples ? r->samples[i].v[DRIP_COL_METRIC(m)] : NAN;
}

static void json_metrics(jw *w, const drip_result *r)
{
    jw_object(w, "metrics");
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        const drip_metric_result *mr = &r->metrics[m];
        if (!mr->measured)
            continue;
        jw_object(w, drip_metrics[m].name);
        jw_str(w, "unit", drip_metrics[m].unit);
        jw_num(w, "slope", mr->fit.all.slope);
        jw_num(w, "slope_low", mr->fit.all.low);
        jw_num(w, "slope_high", mr->fit.all.high);
        jw_str(w, "verdict", drip_verdict_name(mr->fit.verdict));
        jw_num(w, "tail_slope", mr->fit.tail.slope);
        jw_num(w, "growth", mr->fit.growth);
        jw_num(w, "first", sample_value(r, mr->fit.window_start, m));
        jw_num(w, "last", r->nsamples ? sample_value(r, r->nsamples - 1, m) : NAN);
        jw_end_object(w);
    }
    jw_end_object(w);
}

static void json_expectations(jw *w, const drip_result *r)
{
    jw_array(w, "expectations");
    for (size_t i = 0; i < r->nexpects; i++) {
        const drip_expect_result *e = &r->expects[i];
        jw_object(w, NULL);
        jw_str(w, "metric", metric_name(e->metric));
        jw_str(w, "rule", drip_rule_name(e->rule));
        if (e->rule == DRIP_RULE_VERDICT) {
            jw_str(w, "limit", drip_verdict_name(e->want));
            jw_str(w, "actual", verdict_from_number(e->actual));
        } else {
            jw_num(w, "limit", e->limit);
            jw_num(w, "actual", e->actual);
        }
        jw_bool(w, "ok", e->ok);
        jw_end_object(w);
    }
    jw_end_array(w);
}

/* "growth": the 2N run against the N run, or null when it did not run. */
static void json_vg_growth(jw *w, const drip_valgrind_result *v)
{
    static const char *const kinds[] = {"definitely_lost", "indirectly_lost", "possibly_lost",
                                        "still_reachable"};
    const drip_vg_growth *g = &v->growth;
    if (!g->iterations) {
        jw_null(w, "growth");
        return;
    }
    jw_object(w, "growth");
    jw_array_inline(w, "iterations");
    jw_u64(w, NULL, v->iterations);
    jw_u64(w, NULL, g->iterations);
    jw_end_array(w);
    jw_str(w, "compared", g->ran ? (g->at_exit ? "at_exit" : "before_teardown") : NULL);
    jw_str(w, "problem", g->problem);
    jw_str(w, "xml_file", g->xml_file);
    if (g->ran) {
        for (int k = 0; k < 4; k++) {
            jw_object(w, kinds[k]);
            jw_u64(w, "bytes_n", g->at_exit ? v->bytes[k] : v->before_bytes[k]);
            jw_u64(w, "bytes_2n", g->bytes[k]);
            jw_num(w, "per_iteration", g->per_iteration[k]);
            jw_bool(w, "growing", g->growing[k]);
            jw_end_object(w);
        }
    }
    jw_str(w, "top_lost", g->top_lost);
    jw_str(w, "top_reachable", g->top_reachable);
    jw_end_object(w);
}

/* "classification": {class, why, basis}, or null when not classified. */
static void json_classification(jw *w, const drip_result *r)
{
    const char *name = drip_class_name(r->leak_class);
    if (!name) {
        jw_null(w, "classification");
        return;
    }
    jw_object(w, "classification");
    jw_str(w, "class", name);
    jw_str(w, "why", r->class_why);
    jw_str(w, "basis", r->class_basis);
    jw_end_object(w);
}

/* "valgrind": null when no pass ran, else its totals, errors and checks. */
static void json_valgrind(jw *w, const drip_result *r)
{
    static const char *const kinds[] = {"definitely_lost", "indirectly_lost", "possibly_lost",
                                        "still_reachable", "errors"};
    const drip_valgrind_result *v = &r->valgrind;
    if (!v->ran) {
        jw_null(w, "valgrind");
        return;
    }
    jw_object(w, "valgrind");
    jw_u64(w, "iterations", v->iterations);
    jw_str(w, "skipped", v->skipped);
    jw_bool(w, "complete", v->complete);
    jw_str(w, "problem", v->problem);
    jw_str(w, "xml_file", v->xml_file);
    for (int k = 0; k < 4; k++) {
        jw_object(w, kinds[k]);
        jw_u64(w, "bytes", v->bytes[k]);
        jw_u64(w, "blocks", v->blocks[k]);
        jw_end_object(w);
    }
    if (v->has_before) {               /* the worker's search before teardown */
        jw_object(w, "before_teardown");
        for (int k = 0; k < 4; k++) {
            jw_object(w, kinds[k]);
            jw_u64(w, "bytes", v->before_bytes[k]);
            jw_u64(w, "blocks", v->before_blocks[k]);
            jw_end_object(w);
        }
        jw_end_object(w);
    } else {
        jw_null(w, "before_teardown");
    }
    jw_u64(w, "errors", v->errors);
    jw_str(w, "first_error", v->first_error);
    jw_str(w, "top_leak", v->top_leak);
    json_vg_growth(w, v);
    jw_array(w, "checks");
    for (int c = 0; c < DRIP_VG_CHECKS; c++) {
        if (!v->checked[c])
            continue;
        jw_object(w, NULL);
        jw_str(w, "check", kinds[c]);
        jw_u64(w, "max", v->limit[c]);
        jw_u64(w, "actual", v->actual[c]);
        if (v->skipped)
            jw_str(w, "ok", "skipped");
        else
            jw_bool(w, "ok", v->ok[c]);
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_end_object(w);
}

/* "sweep": null unless `drip sweep` made this result; else the trials per
 * mode, the reference residue, the totals against their limits and every
 * finding with its sites. */
static void json_sweep(jw *w, const drip_result *r)
{
    static const char *const modes[2] = {"transient", "persistent"};
    static const char *const checks[DRIP_SWEEP_CHECKS] = {"leaked_bytes", "leaked_blocks",
                                                          "crashes", "hangs"};
    const drip_sweep_result *sw = &r->sweep;
    if (!sw->ran) {
        jw_null(w, "sweep");
        return;
    }
    jw_object(w, "sweep");
    jw_u64(w, "warmup", sw->warmup);
    jw_object(w, "reference");
    jw_u64(w, "bytes", sw->reference_bytes);
    jw_u64(w, "blocks", sw->reference_blocks);
    jw_end_object(w);
    jw_array(w, "modes");
    for (int m = 0; m < 2; m++) {
        if (!(sw->modes & (1u << m)))
            continue;
        jw_object(w, NULL);
        jw_str(w, "mode", modes[m]);
        jw_u64(w, "allocations", sw->allocations[m]);
        jw_u64(w, "trials", sw->trials[m]);
        jw_u64(w, "clean", sw->clean[m]);
        jw_u64(w, "failed_iterations", sw->failed[m]);
        jw_bool(w, "complete", sw->complete[m]);
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_array(w, "checks");
    for (int c = 0; c < DRIP_SWEEP_CHECKS; c++) {
        jw_object(w, NULL);
        jw_str(w, "check", checks[c]);
        jw_u64(w, "max", sw->limit[c]);
        jw_u64(w, "actual", sw->total[c]);
        jw_bool(w, "ok", sw->ok[c]);
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_array(w, "findings");
    for (size_t i = 0; i < sw->nfindings; i++) {
        const drip_sweep_finding *f = &sw->findings[i];
        jw_object(w, NULL);
        jw_str(w, "mode", modes[f->mode & 1]);
        jw_u64(w, "k", f->k);
        jw_str(w, "outcome", drip_trial_outcome_name(f->outcome));
        if (f->outcome == DRIP_TRIAL_CRASH)
            jw_u64(w, "signal", (uint64_t)f->signal);
        jw_str(w, "detail", f->detail);
        jw_u64(w, "leaked_bytes", f->leaked_bytes);
        jw_u64(w, "leaked_blocks", f->leaked_blocks);
        jw_array(w, "sites");
        for (size_t j = 0; j < f->nsites; j++) {
            jw_object(w, NULL);
            jw_u64(w, "bytes", f->sites[j].bytes);
            jw_u64(w, "blocks", f->sites[j].blocks);
            jw_str(w, "stack", f->sites[j].stack);
            jw_end_object(w);
        }
        jw_end_array(w);
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_end_object(w);
}

/* "profile": null when no site profile was taken; else how it was taken
 * and the sites whose live bytes grew most between the snapshots. */
static void json_profile(jw *w, const drip_result *r)
{
    const drip_profile_result *p = &r->profile;
    if (!p->ran) {
        jw_null(w, "profile");
        return;
    }
    jw_object(w, "profile");
    jw_str(w, "mode", p->mode);
    jw_u64(w, "rate", p->rate);
    jw_u64(w, "early_iteration", p->early_iteration);
    jw_u64(w, "late_iteration", p->late_iteration);
    jw_u64(w, "stacks", p->stacks);
    jw_u64(w, "dropped_samples", p->dropped);
    size_t n = 0;
    size_t *idx = drip_prof_growing(p, &n);
    jw_array(w, "growing_sites");
    for (size_t i = 0; i < n && i < 10; i++) {
        const drip_prof_site *s = &p->sites[idx[i]];
        char *stack = drip_prof_site_stack(s, 6);
        jw_object(w, NULL);
        jw_str(w, "stack", stack);
        jw_num(w, "bytes_per_iteration", drip_prof_site_growth(p, s));
        jw_num(w, "early_bytes", s->early_bytes);
        jw_num(w, "late_bytes", s->late_bytes);
        jw_num(w, "late_objects", s->late_objects);
        jw_num(w, "allocated_bytes", s->alloc_bytes);
        jw_array(w, "frames");
        for (size_t f = 0; f < s->nframes; f++) {
            jw_object(w, NULL);
            jw_str(w, "function", s->frames[f].fn);
            jw_str(w, "file", s->frames[f].file);
            jw_u64(w, "line", (uint64_t)s->frames[f].line);
            jw_end_object(w);
        }
        jw_end_array(w);
        jw_end_object(w);
        free(stack);
    }
    jw_end_array(w);
    free(idx);
    jw_end_object(w);
}

static void json_faults(jw *w, const drip_result *r)
{
    jw_array(w, "faults");
    for (size_t i = 0; i < r->nfaults; i++) {
        const drip_fault_result *f = &r->faults[i];
        size_t nfirst = f->nfirst < DRIP_FAULT_FIRST_MAX ? f->nfirst : DRIP_FAULT_FIRST_MAX;
        jw_object(w, NULL);
        jw_str(w, "point", f->point);
        if (!drip_fault_result_scheduled(f))
            jw_num(w, "rate", f->rate);
        if (f->every)
            jw_u64(w, "every", f->every);
        if (f->nnth) {
            jw_array_inline(w, "nth");
            for (size_t k = 0; k < f->nnth; k++)
                jw_u64(w, NULL, f->nth[k]);
            jw_end_array(w);
        }
        jw_u64(w, "asked", f->asked);
        jw_u64(w, "fired", f->fired);
        jw_array_inline(w, "first_iterations");
        for (size_t k = 0; k < nfirst; k++)
            jw_u64(w, NULL, f->first[k]);
        jw_end_array(w);
        jw_end_object(w);
    }
    jw_end_array(w);
}

static void json_scenario(jw *w, const drip_result *r)
{
    jw_object(w, NULL);
    jw_str(w, "name", r->name);
    jw_str(w, "file", r->file);
    jw_str(w, "workload", r->workload);
    jw_str(w, "description", r->description);
    jw_str(w, "status", drip_status_name(r->status));
    jw_str(w, "reason", r->reason);
    jw_str(w, "crash_stack", r->crash_stack);       /* issue 17: where a crash was */
    jw_u64(w, "seed", r->seed);
    jw_u64(w, "threads", r->threads);
    jw_u64(w, "iterations", r->iterations);
    if (r->duration_planned_s > 0) {          /* a timed run: no iteration plan */
        jw_null(w, "iterations_planned");
        jw_num(w, "duration_planned_s", r->duration_planned_s);
    } else {
        jw_u64(w, "iterations_planned", r->iterations_planned);
        jw_null(w, "duration_planned_s");
    }
    jw_u64(w, "failed_iterations", r->failed_iterations);
    jw_num(w, "duration_s", r->duration_s);
    jw_num(w, "ns_per_iter", r->ns_per_iter);
    jw_num(w, "warmup", r->warmup);
    jw_u64(w, "heap_ceiling", r->heap_ceiling);
    jw_bool(w, "heap_ceiling_hit", r->heap_ceiling_hit);
    jw_u64(w, "samples", r->nsamples);
    json_metrics(w, r);
    if (r->has_after_teardown) {       /* what the workload left behind */
        jw_object(w, "after_teardown");
        for (int m = 0; m < DRIP_M_COUNT; m++)
            if (r->metrics[m].measured)
                jw_num(w, drip_metrics[m].name, r->after_teardown.v[DRIP_COL_METRIC(m)]);
        jw_end_object(w);
    } else {
        jw_null(w, "after_teardown");
    }
    json_expectations(w, r);
    json_classification(w, r);
    json_valgrind(w, r);
    json_sweep(w, r);
    json_profile(w, r);
    json_faults(w, r);
    jw_array(w, "warnings");
    for (size_t i = 0; i < r->nwarnings; i++)
        jw_str(w, NULL, r->warnings[i]);
    jw_end_array(w);
    jw_bool(w, "interrupted", r->interrupted);
    jw_end_object(w);
}

int drip_report_json(const drip_run_results *run, FILE *out)
{
    jw w = {.out = out};
    drip_run_counts c = drip_run_results_count(run);

    jw_object(&w, NULL);
    jw_str(&w, "drip_version", run->drip_version);
    if (run->seed_set)
        jw_u64(&w, "seed", run->seed);
    else
        jw_null(&w, "seed");
    jw_str(&w, "started_at", run->started_at);
    jw_num(&w, "duration_s", run->duration_s);
    jw_bool(&w, "complete", run->complete);
    if (run->shard_count) {            /* `drip run --shard K/N` */
        jw_object(&w, "shard");
        jw_u64(&w, "index", run->shard_index);
        jw_u64(&w, "count", run->shard_count);
        jw_end_object(&w);
    } else {
        jw_null(&w, "shard");
    }
    if (run->nmissing_shards) {        /* issue 17: `drip merge` without every shard */
        jw_object(&w, "missing_shards");
        jw_u64(&w, "of", run->missing_of);
        jw_array_inline(&w, "shards");
        for (size_t k = 0; k < run->nmissing_shards; k++)
            jw_u64(&w, NULL, run->missing_shards[k]);
        jw_end_array(&w);
        jw_end_object(&w);
    } else {
        jw_null(&w, "missing_shards");
    }

    jw_object(&w, "summary");
    jw_u64(&w, "total", run->count);
    jw_u64(&w, "pass", c.pass);
    jw_u64(&w, "fail", c.fail);
    jw_u64(&w, "error", c.error);
    jw_end_object(&w);

    jw_array(&w, "scenarios");
    for (size_t i = 0; i < run->count; i++)
        json_scenario(&w, &run->scenarios[i]);
    jw_end_array(&w);
    jw_end_object(&w);
    fputc('\n', out);

    return ferror(out) ? -1 : 0;
}
