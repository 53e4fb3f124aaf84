/* read_json.c - results.json back into the results model (jansson).
 *
 * The mirror of json.c, key by key.  A key that is missing takes its zero
 * value, so a report of an older drip (before a key was added) still reads;
 * a key of the wrong type is an error naming the key's path, such as
 * "r.json: scenarios[2].metrics.heap_bytes.slope: expected a number or
 * null".  The first error stops the read.
 */
#include "read.h"
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

/* Key paths in messages live in fixed buffers; a path longer than one (it
 * never is: scenario names are short) is cut, which only shortens the
 * message. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- typed getters -------------------------------------------------------- */

typedef struct rd {
    const char *file;
    char       *err;          /* the first error, malloc'd */
} rd;

/* Record "FILE: WHERE.KEY: message" unless an error is recorded already.
 * Returns false, so a getter can `return fail(...)`. */
static bool fail(rd *c, const char *where, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail(rd *c, const char *where, const char *key, const char *fmt, ...)
{
    if (c->err)
        return false;
    strbuf sb = {0};
    sb_appendf(&sb, "%s: %s%s%s: ", c->file, where, *where && key ? "." : "", key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    sb_vappendf(&sb, fmt, ap);
    va_end(ap);
    c->err = sb_take(&sb);
    return false;
}

/* A string or null into *out (malloc'd; NULL for null).  Missing: untouched. */
static bool get_str(rd *c, json_t *obj, const char *where, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return fail(c, where, key, "expected a string or null");
    free(*out);
    *out = xstrdup(json_string_value(v));
    return true;
}

/* A non-negative integer.  Missing: untouched. */
static bool get_u64(rd *c, json_t *obj, const char *where, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(c, where, key, "expected a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool get_uint(rd *c, json_t *obj, const char *where, const char *key, unsigned *out)
{
    uint64_t v = *out;
    if (!get_u64(c, obj, where, key, &v))
        return false;
    if (v > UINT32_MAX)
        return fail(c, where, key, "%llu is too large", (unsigned long long)v);
    *out = (unsigned)v;
    return true;
}

/* A number, or null for NaN.  Missing: untouched. */
static bool get_num(rd *c, json_t *obj, const char *where, const char *key, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (json_is_null(v))
        *out = NAN;
    else if (json_is_number(v))
        *out = json_number_value(v);
    else
        return fail(c, where, key, "expected a number or null");
    return true;
}

static bool get_bool(rd *c, json_t *obj, const char *where, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (!json_is_boolean(v))
        return fail(c, where, key, "expected true or false");
    *out = json_is_true(v);
    return true;
}

/* The member `key` when it is of the kind `want` (JSON_OBJECT, JSON_ARRAY);
 * NULL when missing or null (*ok stays true) or of another kind (*ok false,
 * error recorded). */
static json_t *get_kind(rd *c, json_t *obj, const char *where, const char *key, json_type want,
                        bool *ok)
{
    json_t *v = json_object_get(obj, key);
    *ok = true;
    if (!v || json_is_null(v))
        return NULL;
    if (json_typeof(v) != want) {
        *ok = fail(c, where, key, want == JSON_OBJECT ? "expected an object or null"
                                                      : "expected an array or null");
        return NULL;
    }
    return v;
}

/* A name among names[0..n) (NULL entries skipped) into *out. */
static bool get_enum(rd *c, json_t *obj, const char *where, const char *key,
                     const char *const *names, int n, int *out)
{
    char *s = NULL;
    if (!get_str(c, obj, where, key, &s))
        return false;
    if (!s)
        return true;
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0) {
            *out = i;
            free(s);
            return true;
        }
    fail(c, where, key, "unknown value '%s'", s);
    free(s);
    return false;
}

/* ---- names ------------------------------------------------------------------ */

static const char *const verdict_names[] = {"unknown", "flat", "bounded", "growing"};
static const char *const status_names[] = {"pass", "fail", "error"};
static const char *const vg_kinds[DRIP_VG_CHECKS] = {"definitely_lost", "indirectly_lost",
                                                     "possibly_lost", "still_reachable",
                                                     "errors"};
static const char *const sweep_modes[2] = {"transient", "persistent"};
static const char *const sweep_checks[DRIP_SWEEP_CHECKS] = {"leaked_bytes", "leaked_blocks",
                                                           "crashes", "hangs"};

/* ---- a scenario's parts -----------------------------------------------------
 * Each read_PART fills its part of r (which owns what it gets) from the
 * scenario object s, whose key path is `where`; it returns false after
 * recording the first error, leaving r partly filled for the caller to
 * free.  A part that is missing or null leaves r's part zeroed. */

static bool read_metrics(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    char w[256];
    json_t *metrics = get_kind(c, s, where, "metrics", JSON_OBJECT, &ok);
    if (!metrics)
        return ok;
    const char *name;
    json_t *m;
    json_object_foreach(metrics, name, m) {
        int id = drip_metric_find(name);
        if (id < 0)
            continue;                     /* a newer drip's metric: not ours to judge */
        snprintf(w, sizeof w, "%s.metrics.%s", where, name);
        if (!json_is_object(m))
            return fail(c, w, NULL, "expected an object");
        drip_metric_result *mr = &r->metrics[id];
        drip_fit *f = &mr->fit;
        int verdict = DRIP_VERDICT_UNKNOWN;
        mr->measured = true;
        f->all.slope = f->all.low = f->all.high = NAN;
        f->tail.slope = f->tail.low = f->tail.high = NAN;
        f->growth = f->noise = NAN;
        if (!get_num(c, m, w, "slope", &f->all.slope) ||
            !get_num(c, m, w, "slope_low", &f->all.low) ||
            !get_num(c, m, w, "slope_high", &f->all.high) ||
            !get_num(c, m, w, "tail_slope", &f->tail.slope) ||
            !get_num(c, m, w, "growth", &f->growth) ||
            !get_enum(c, m, w, "verdict", verdict_names, 4, &verdict))
            return false;
        f->verdict = (drip_verdict)verdict;
    }
    return true;
}

static bool read_after_teardown(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    char w[256];
    json_t *at = get_kind(c, s, where, "after_teardown", JSON_OBJECT, &ok);
    if (!at)
        return ok;
    snprintf(w, sizeof w, "%s.after_teardown", where);
    r->has_after_teardown = true;
    for (int col = 0; col < DRIP_SAMPLE_COLS; col++)
        r->after_teardown.v[col] = NAN;
    for (int m = 0; m < DRIP_M_COUNT; m++)
        if (!get_num(c, at, w, drip_metrics[m].name, &r->after_teardown.v[DRIP_COL_METRIC(m)]))
            return false;
    return true;
}

static bool read_expectations(rd *c, json_t *s, const char *where, drip_result *r)
{
    static const char *const rules[] = {
        [DRIP_RULE_MAX_SLOPE] = "max_slope", [DRIP_RULE_MIN_SLOPE] = "min_slope",
        [DRIP_RULE_VERDICT] = "verdict", [DRIP_RULE_MAX_AFTER_TEARDOWN] = "max_after_teardown",
    };
    bool ok;
    char w[256];
    json_t *arr = get_kind(c, s, where, "expectations", JSON_ARRAY, &ok);
    if (!arr || json_array_size(arr) == 0)
        return ok;
    r->expects = xcalloc(json_array_size(arr), sizeof *r->expects);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        snprintf(w, sizeof w, "%s.expectations[%zu]", where, i);
        if (!json_is_object(e))
            return fail(c, w, NULL, "expected an object");
        drip_expect_result *x = &r->expects[r->nexpects++];
        int metric = -1, rule = DRIP_RULE_MAX_SLOPE;
        x->limit = x->actual = NAN;
        if (!get_enum(c, e, w, "metric", drip_metric_names(), DRIP_M_COUNT, &metric) ||
            !get_enum(c, e, w, "rule", rules, 4, &rule) || !get_bool(c, e, w, "ok", &x->ok))
            return false;
        if (metric < 0)
            return fail(c, w, "metric", "missing");
        x->metric = metric;
        x->rule = (drip_rule)rule;
        if (x->rule == DRIP_RULE_VERDICT) {
            int want = DRIP_VERDICT_UNKNOWN, got = -1;
            if (!get_enum(c, e, w, "limit", verdict_names, 4, &want) ||
                !get_enum(c, e, w, "actual", verdict_names, 4, &got))
                return false;
            x->want = (drip_verdict)want;
            x->actual = got < 0 ? NAN : got;
        } else if (!get_num(c, e, w, "limit", &x->limit) ||
                   !get_num(c, e, w, "actual", &x->actual)) {
            return false;
        }
    }
    return true;
}

static bool read_classification(rd *c, json_t *s, const char *where, drip_result *r)
{
    static const char *const classes[] = {
        NULL, "none", "bounded", "heap growth", "reachable growth", "lost memory",
        "blocked tasks", "handle leak",
    };
    bool ok;
    char w[256];
    json_t *cl = get_kind(c, s, where, "classification", JSON_OBJECT, &ok);
    if (!cl)
        return ok;
    snprintf(w, sizeof w, "%s.classification", where);
    int k = DRIP_CLASS_UNKNOWN;
    if (!get_enum(c, cl, w, "class", classes, DRIP_CLASS_HANDLE + 1, &k) ||
        !get_str(c, cl, w, "why", &r->class_why) || !get_str(c, cl, w, "basis", &r->class_basis))
        return false;
    r->leak_class = (drip_leak_class)k;
    return true;
}

/* {bytes, blocks} per leak kind, from obj.KIND. */
static bool read_kinds(rd *c, json_t *obj, const char *where, uint64_t bytes[4],
                       uint64_t blocks[4])
{
    char w[256];
    for (int k = 0; k < 4; k++) {
        bool ok;
        json_t *kind = get_kind(c, obj, where, vg_kinds[k], JSON_OBJECT, &ok);
        if (!ok)
            return false;
        if (!kind)
            continue;
        snprintf(w, sizeof w, "%s.%s", where, vg_kinds[k]);
        if (!get_u64(c, kind, w, "bytes", &bytes[k]) || !get_u64(c, kind, w, "blocks", &blocks[k]))
            return false;
    }
    return true;
}

static bool read_vg_growth(rd *c, json_t *vgj, const char *where, drip_valgrind_result *v)
{
    bool ok;
    char w[256];
    drip_vg_growth *g = &v->growth;
    json_t *gj = get_kind(c, vgj, where, "growth", JSON_OBJECT, &ok);
    if (!gj)
        return ok;
    snprintf(w, sizeof w, "%s.growth", where);
    json_t *its = json_object_get(gj, "iterations");
    if (!json_is_array(its) || json_array_size(its) != 2 ||
        !json_is_integer(json_array_get(its, 1)) ||
        json_integer_value(json_array_get(its, 1)) <= 0)
        return fail(c, w, "iterations", "expected [N, 2N]");
    g->iterations = (uint64_t)json_integer_value(json_array_get(its, 1));
    char *compared = NULL;
    if (!get_str(c, gj, w, "compared", &compared))
        return false;
    g->ran = compared != NULL;
    g->at_exit = compared && strcmp(compared, "at_exit") == 0;
    bool known = !compared || g->at_exit || strcmp(compared, "before_teardown") == 0;
    if (!known)
        fail(c, w, "compared", "unknown value '%s'", compared);
    free(compared);
    if (!known || !get_str(c, gj, w, "problem", &g->problem) ||
        !get_str(c, gj, w, "xml_file", &g->xml_file) ||
        !get_str(c, gj, w, "top_lost", &g->top_lost) ||
        !get_str(c, gj, w, "top_reachable", &g->top_reachable))
        return false;
    for (int k = 0; g->ran && k < 4; k++) {
        char wk[300];
        json_t *kind = get_kind(c, gj, w, vg_kinds[k], JSON_OBJECT, &ok);
        if (!ok)
            return false;
        if (!kind)
            continue;
        snprintf(wk, sizeof wk, "%s.%s", w, vg_kinds[k]);
        if (!get_u64(c, kind, wk, "bytes_2n", &g->bytes[k]) ||
            !get_num(c, kind, wk, "per_iteration", &g->per_iteration[k]) ||
            !get_bool(c, kind, wk, "growing", &g->growing[k]))
            return false;
    }
    return true;
}

static bool read_vg_checks(rd *c, json_t *vgj, const char *where, drip_valgrind_result *v)
{
    bool ok;
    char w[256];
    json_t *arr = get_kind(c, vgj, where, "checks", JSON_ARRAY, &ok);
    size_t i;
    json_t *ch;
    json_array_foreach(arr, i, ch) {
        snprintf(w, sizeof w, "%s.checks[%zu]", where, i);
        int k = -1;
        if (!json_is_object(ch))
            return fail(c, w, NULL, "expected an object");
        if (!get_enum(c, ch, w, "check", vg_kinds, DRIP_VG_CHECKS, &k))
            return false;
        if (k < 0)
            return fail(c, w, "check", "missing");
        v->checked[k] = true;
        json_t *okj = json_object_get(ch, "ok");
        if (json_is_string(okj) && strcmp(json_string_value(okj), "skipped") == 0)
            v->ok[k] = false;             /* the pass was skipped: `skipped` says why */
        else if (!get_bool(c, ch, w, "ok", &v->ok[k]))
            return false;
        if (!get_u64(c, ch, w, "max", &v->limit[k]) || !get_u64(c, ch, w, "actual", &v->actual[k]))
            return false;
    }
    return ok;
}

static bool read_valgrind(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    char w[256];
    drip_valgrind_result *v = &r->valgrind;
    json_t *vgj = get_kind(c, s, where, "valgrind", JSON_OBJECT, &ok);
    if (!vgj)
        return ok;
    snprintf(w, sizeof w, "%s.valgrind", where);
    v->ran = true;
    if (!get_u64(c, vgj, w, "iterations", &v->iterations) ||
        !get_str(c, vgj, w, "skipped", &v->skipped) ||
        !get_bool(c, vgj, w, "complete", &v->complete) ||
        !get_str(c, vgj, w, "problem", &v->problem) ||
        !get_str(c, vgj, w, "xml_file", &v->xml_file) ||
        !read_kinds(c, vgj, w, v->bytes, v->blocks) ||
        !get_u64(c, vgj, w, "errors", &v->errors) ||
        !get_str(c, vgj, w, "first_error", &v->first_error) ||
        !get_str(c, vgj, w, "top_leak", &v->top_leak))
        return false;
    json_t *before = get_kind(c, vgj, w, "before_teardown", JSON_OBJECT, &ok);
    if (!ok)
        return false;
    if (before) {
        char wb[300];
        snprintf(wb, sizeof wb, "%s.before_teardown", w);
        v->has_before = true;
        if (!read_kinds(c, before, wb, v->before_bytes, v->before_blocks))
            return false;
    }
    return read_vg_growth(c, vgj, w, v) && read_vg_checks(c, vgj, w, v);
}

static bool read_finding(rd *c, json_t *fj, const char *w, drip_sweep_finding *f)
{
    int mode = 0, outcome = DRIP_TRIAL_ERROR;
    static const char *const outcomes[] = {"leak", "crash", "hang", "error"};
    uint64_t sig = 0;
    bool ok;
    if (!get_enum(c, fj, w, "mode", sweep_modes, 2, &mode) || !get_u64(c, fj, w, "k", &f->k) ||
        !get_enum(c, fj, w, "outcome", outcomes, 4, &outcome) ||
        !get_u64(c, fj, w, "signal", &sig) || !get_str(c, fj, w, "detail", &f->detail) ||
        !get_u64(c, fj, w, "leaked_bytes", &f->leaked_bytes) ||
        !get_u64(c, fj, w, "leaked_blocks", &f->leaked_blocks))
        return false;
    f->mode = mode;
    f->outcome = (drip_trial_outcome)outcome;
    f->signal = (int)sig;
    json_t *sites = get_kind(c, fj, w, "sites", JSON_ARRAY, &ok);
    if (!sites || json_array_size(sites) == 0)
        return ok;
    f->sites = xcalloc(json_array_size(sites), sizeof *f->sites);
    size_t j;
    json_t *sj;
    json_array_foreach(sites, j, sj) {
        char ws[300];
        snprintf(ws, sizeof ws, "%s.sites[%zu]", w, j);
        if (!json_is_object(sj))
            return fail(c, ws, NULL, "expected an object");
        drip_sweep_site *site = &f->sites[f->nsites++];
        if (!get_u64(c, sj, ws, "bytes", &site->bytes) ||
            !get_u64(c, sj, ws, "blocks", &site->blocks) ||
            !get_str(c, sj, ws, "stack", &site->stack))
            return false;
    }
    return true;
}

static bool read_sweep(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    char w[256], wi[300];
    drip_sweep_result *sw = &r->sweep;
    json_t *swj = get_kind(c, s, where, "sweep", JSON_OBJECT, &ok);
    if (!swj)
        return ok;
    snprintf(w, sizeof w, "%s.sweep", where);
    sw->ran = true;
    if (!get_u64(c, swj, w, "warmup", &sw->warmup))
        return false;
    json_t *ref = get_kind(c, swj, w, "reference", JSON_OBJECT, &ok);
    snprintf(wi, sizeof wi, "%s.reference", w);
    if (!ok || (ref && (!get_u64(c, ref, wi, "bytes", &sw->reference_bytes) ||
                        !get_u64(c, ref, wi, "blocks", &sw->reference_blocks))))
        return false;
    size_t i;
    json_t *e;
    json_t *modes = get_kind(c, swj, w, "modes", JSON_ARRAY, &ok);
    json_array_foreach(modes, i, e) {
        int m = -1;
        snprintf(wi, sizeof wi, "%s.modes[%zu]", w, i);
        if (!json_is_object(e))
            return fail(c, wi, NULL, "expected an object");
        if (!get_enum(c, e, wi, "mode", sweep_modes, 2, &m))
            return false;
        if (m < 0)
            return fail(c, wi, "mode", "missing");
        sw->modes |= 1u << m;
        if (!get_u64(c, e, wi, "allocations", &sw->allocations[m]) ||
            !get_u64(c, e, wi, "trials", &sw->trials[m]) ||
            !get_u64(c, e, wi, "clean", &sw->clean[m]) ||
            !get_u64(c, e, wi, "failed_iterations", &sw->failed[m]) ||
            !get_bool(c, e, wi, "complete", &sw->complete[m]))
            return false;
    }
    json_t *checks = ok ? get_kind(c, swj, w, "checks", JSON_ARRAY, &ok) : NULL;
    json_array_foreach(checks, i, e) {
        int k = -1;
        snprintf(wi, sizeof wi, "%s.checks[%zu]", w, i);
        if (!json_is_object(e))
            return fail(c, wi, NULL, "expected an object");
        if (!get_enum(c, e, wi, "check", sweep_checks, DRIP_SWEEP_CHECKS, &k))
            return false;
        if (k < 0)
            return fail(c, wi, "check", "missing");
        if (!get_u64(c, e, wi, "max", &sw->limit[k]) ||
            !get_u64(c, e, wi, "actual", &sw->total[k]) || !get_bool(c, e, wi, "ok", &sw->ok[k]))
            return false;
    }
    json_t *findings = ok ? get_kind(c, swj, w, "findings", JSON_ARRAY, &ok) : NULL;
    if (!ok)
        return false;
    if (findings && json_array_size(findings))
        sw->findings = xcalloc(json_array_size(findings), sizeof *sw->findings);
    json_array_foreach(findings, i, e) {
        snprintf(wi, sizeof wi, "%s.findings[%zu]", w, i);
        if (!json_is_object(e))
            return fail(c, wi, NULL, "expected an object");
        if (!read_finding(c, e, wi, &sw->findings[sw->nfindings++]))
            return false;
    }
    return true;
}

/* "profile": how it was taken and its growing sites.  results.json holds
 * only the sites that grew most, so the result is marked partial: the
 * profile files are not written again from it (drip merge copies the
 * shards' files instead). */
static bool read_profile(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    char w[256], wi[300], wf[340];
    drip_profile_result *p = &r->profile;
    json_t *pj = get_kind(c, s, where, "profile", JSON_OBJECT, &ok);
    if (!pj)
        return ok;
    snprintf(w, sizeof w, "%s.profile", where);
    p->ran = true;
    p->partial = true;
    if (!get_str(c, pj, w, "mode", &p->mode) || !get_u64(c, pj, w, "rate", &p->rate) ||
        !get_u64(c, pj, w, "early_iteration", &p->early_iteration) ||
        !get_u64(c, pj, w, "late_iteration", &p->late_iteration) ||
        !get_u64(c, pj, w, "dropped_samples", &p->dropped))
        return false;
    uint64_t stacks = 0;
    if (!get_u64(c, pj, w, "stacks", &stacks))
        return false;
    p->stacks = (size_t)stacks;
    json_t *sites = get_kind(c, pj, w, "growing_sites", JSON_ARRAY, &ok);
    if (!ok)
        return false;
    size_t i, j;
    json_t *e, *fe;
    if (sites && json_array_size(sites))
        p->sites = xcalloc(json_array_size(sites), sizeof *p->sites);
    json_array_foreach(sites, i, e) {
        snprintf(wi, sizeof wi, "%s.growing_sites[%zu]", w, i);
        if (!json_is_object(e))
            return fail(c, wi, NULL, "expected an object");
        drip_prof_site *site = &p->sites[p->nsites++];
        if (!get_num(c, e, wi, "early_bytes", &site->early_bytes) ||
            !get_num(c, e, wi, "late_bytes", &site->late_bytes) ||
            !get_num(c, e, wi, "late_objects", &site->late_objects) ||
            !get_num(c, e, wi, "allocated_bytes", &site->alloc_bytes))
            return false;
        json_t *frames = get_kind(c, e, wi, "frames", JSON_ARRAY, &ok);
        if (!ok)
            return false;
        if (frames && json_array_size(frames))
            site->frames = xcalloc(json_array_size(frames), sizeof *site->frames);
        json_array_foreach(frames, j, fe) {
            snprintf(wf, sizeof wf, "%s.frames[%zu]", wi, j);
            if (!json_is_object(fe))
                return fail(c, wf, NULL, "expected an object");
            drip_prof_frame *f = &site->frames[site->nframes++];
            uint64_t line = 0;
            if (!get_str(c, fe, wf, "function", &f->fn) || !get_str(c, fe, wf, "file", &f->file) ||
                !get_u64(c, fe, wf, "line", &line))
                return false;
            if (!f->fn)
                f->fn = xstrdup("");
            if (!f->file)
                f->file = xstrdup("");
            f->line = line > INT32_MAX ? 0 : (int)line;
        }
    }
    return true;
}

static bool read_faults(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    char w[256];
    json_t *arr = get_kind(c, s, where, "faults", JSON_ARRAY, &ok);
    if (!arr || json_array_size(arr) == 0)
        return ok;
    r->faults = xcalloc(json_array_size(arr), sizeof *r->faults);
    size_t i;
    json_t *fj;
    json_array_foreach(arr, i, fj) {
        snprintf(w, sizeof w, "%s.faults[%zu]", where, i);
        if (!json_is_object(fj))
            return fail(c, w, NULL, "expected an object");
        drip_fault_result *f = &r->faults[r->nfaults++];
        uint64_t every = 0;
        if (!get_str(c, fj, w, "point", &f->point) || !get_num(c, fj, w, "rate", &f->rate) ||
            !get_u64(c, fj, w, "every", &every) || !get_u64(c, fj, w, "asked", &f->asked) ||
            !get_u64(c, fj, w, "fired", &f->fired))
            return false;
        json_t *nth = get_kind(c, fj, w, "nth", JSON_ARRAY, &ok);
        json_t *first = ok ? get_kind(c, fj, w, "first_iterations", JSON_ARRAY, &ok) : NULL;
        if (!ok)
            return false;
        uint64_t *nv = json_array_size(nth) ? xcalloc(json_array_size(nth), sizeof *nv) : NULL;
        size_t k;
        json_t *x;
        json_array_foreach(nth, k, x) {
            if (!json_is_integer(x) || json_integer_value(x) <= 0) {
                free(nv);
                return fail(c, w, "nth", "expected positive integers");
            }
            nv[k] = (uint64_t)json_integer_value(x);
        }
        drip_fault_result_set_schedule(f, every, nv, json_array_size(nth));
        free(nv);
        json_array_foreach(first, k, x) {
            if (!json_is_integer(x) || json_integer_value(x) < 0)
                return fail(c, w, "first_iterations", "expected non-negative integers");
            if (f->nfirst < DRIP_FAULT_FIRST_MAX)
                f->first[f->nfirst++] = (uint64_t)json_integer_value(x);
        }
    }
    return true;
}

static bool read_warnings(rd *c, json_t *s, const char *where, drip_result *r)
{
    bool ok;
    json_t *arr = get_kind(c, s, where, "warnings", JSON_ARRAY, &ok);
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        if (!json_is_string(x))
            return fail(c, where, "warnings", "expected strings");
        drip_result_add_warning(r, "%s", json_string_value(x));
    }
    return ok;
}

/* One scenario; `*nsamples` receives its `samples` count. */
static bool read_scenario(rd *c, json_t *s, size_t index, drip_result *r, uint64_t *nsamples)
{
    char w[64];
    snprintf(w, sizeof w, "scenarios[%zu]", index);
    if (!json_is_object(s))
        return fail(c, w, NULL, "expected an object");
    int status = DRIP_STATUS_ERROR;
    uint64_t threads = 0;
    r->duration_s = r->warmup = NAN;
    if (!get_str(c, s, w, "name", &r->name) || !get_str(c, s, w, "file", &r->file) ||
        !get_str(c, s, w, "workload", &r->workload) ||
        !get_str(c, s, w, "description", &r->description) ||
        !get_enum(c, s, w, "status", status_names, 3, &status) ||
        !get_str(c, s, w, "reason", &r->reason) ||
        !get_str(c, s, w, "crash_stack", &r->crash_stack) ||      /* absent in older reports: NULL */
        !get_u64(c, s, w, "seed", &r->seed) ||
        !get_u64(c, s, w, "threads", &threads) ||
        !get_u64(c, s, w, "iterations", &r->iterations) ||
        (!json_is_null(json_object_get(s, "iterations_planned")) &&     /* null: timed */
         !get_u64(c, s, w, "iterations_planned", &r->iterations_planned)) ||
        !get_num(c, s, w, "duration_planned_s", &r->duration_planned_s) ||
        !get_bool(c, s, w, "interrupted", &r->interrupted) ||
        !get_u64(c, s, w, "failed_iterations", &r->failed_iterations) ||
        !get_num(c, s, w, "duration_s", &r->duration_s) ||
        !get_num(c, s, w, "ns_per_iter", &r->ns_per_iter) ||
        !get_num(c, s, w, "warmup", &r->warmup) ||
        !get_u64(c, s, w, "heap_ceiling", &r->heap_ceiling) ||
        !get_bool(c, s, w, "heap_ceiling_hit", &r->heap_ceiling_hit) ||
        !get_u64(c, s, w, "samples", nsamples))
        return false;
    if (!r->name)
        return fail(c, w, "name", "missing: every scenario has a name");
    if (isnan(r->duration_planned_s))           /* null: a counted run */
        r->duration_planned_s = 0;
    if (threads > UINT32_MAX)
        return fail(c, w, "threads", "too large");
    r->threads = (unsigned)threads;
    r->status = (drip_status)status;
    return read_metrics(c, s, w, r) && read_after_teardown(c, s, w, r) &&
           read_expectations(c, s, w, r) && read_classification(c, s, w, r) &&
           read_valgrind(c, s, w, r) && read_sweep(c, s, w, r) && read_profile(c, s, w, r) &&
           read_faults(c, s, w, r) &&
           read_warnings(c, s, w, r);
}

/* missing_shards: null, or {of: N, shards: [K, ...]} (absent in older
 * reports: none missing). */
static bool read_missing_shards(rd *c, json_t *root, drip_run_results *run)
{
    bool ok;
    json_t *m = get_kind(c, root, "", "missing_shards", JSON_OBJECT, &ok);
    if (!ok || !m)
        return ok;
    json_t *ks = get_kind(c, m, "missing_shards", "shards", JSON_ARRAY, &ok);
    if (!ok || !get_uint(c, m, "missing_shards", "of", &run->missing_of))
        return false;
    size_t i;
    json_t *x;
    run->missing_shards = xcalloc(json_array_size(ks) + 1, sizeof *run->missing_shards);
    json_array_foreach(ks, i, x) {
        if (!json_is_integer(x) || json_integer_value(x) < 1 ||
            json_integer_value(x) > (json_int_t)run->missing_of)
            return fail(c, "missing_shards", "shards", "expected integers within 1..%u",
                        run->missing_of);
        run->missing_shards[run->nmissing_shards++] = (unsigned)json_integer_value(x);
    }
    return true;
}

/* The top level, after drip_version and scenarios were checked. */
static bool read_run(rd *c, json_t *root, drip_run_results *run, uint64_t **nsamples)
{
    json_t *seed = json_object_get(root, "seed");
    if (seed && !json_is_null(seed)) {
        run->seed_set = true;
        if (!get_u64(c, root, "", "seed", &run->seed))
            return false;
    }
    run->duration_s = NAN;
    run->complete = true;
    if (!get_str(c, root, "", "drip_version", &run->drip_version) ||
        !get_str(c, root, "", "started_at", &run->started_at) ||
        !get_num(c, root, "", "duration_s", &run->duration_s) ||
        !get_bool(c, root, "", "complete", &run->complete))
        return false;
    bool ok;
    json_t *shard = get_kind(c, root, "", "shard", JSON_OBJECT, &ok);
    if (!ok)
        return false;
    if (shard) {
        if (!get_uint(c, shard, "shard", "index", &run->shard_index) ||
            !get_uint(c, shard, "shard", "count", &run->shard_count))
            return false;
        if (run->shard_index < 1 || run->shard_index > run->shard_count)
            return fail(c, "shard", NULL, "index %u is not within 1..%u", run->shard_index,
                        run->shard_count);
    }
    if (!read_missing_shards(c, root, run))
        return false;
    json_t *arr = json_object_get(root, "scenarios");
    *nsamples = xcalloc(json_array_size(arr) + 1, sizeof **nsamples);
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s)
        if (!read_scenario(c, s, i, drip_run_results_add(run), &(*nsamples)[i]))
            return false;
    run->planned = run->count;
    return true;
}

/* ---- the file --------------------------------------------------------------- */

char *drip_results_dir_of(const char *path, char **json_path)
{
    struct stat st;
    char *dir;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        dir = xstrdup(path);
        for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
            dir[n - 1] = '\0';            /* "reports/x/" is "reports/x" */
    } else {
        const char *slash = strrchr(path, '/');
        dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    }
    if (json_path)
        *json_path = (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                         ? xasprintf("%s/results.json", dir) : xstrdup(path);
    return dir;
}

/* Each scenario's CSV from dir, checked against the JSON's sample count. */
static int read_samples(const char *dir, drip_run_results *run, const uint64_t *nsamples,
                        size_t *no_samples, char **err)
{
    for (size_t i = 0; i < run->count; i++) {
        drip_result *r = &run->scenarios[i];
        char *name = drip_results_file_name(r->name, ".csv");
        char *path = xasprintf("%s/%s", dir, name);
        int rc = drip_results_read_csv(path, r, err);
        if (rc == 0 && r->nsamples != nsamples[i]) {
            *err = xasprintf("%s: %zu samples, but results.json says %llu", path, r->nsamples,
                             (unsigned long long)nsamples[i]);
            rc = -1;
        }
        free(path);
        free(name);
        if (rc < 0)
            return -1;
        if (rc == 1 && nsamples[i] && no_samples)
            (*no_samples)++;
        /* `first` is the window's first sample: the judge's window (stats.h) */
        size_t ws = r->warmup >= 1 ? r->nsamples
                    : r->warmup > 0 ? (size_t)floor(r->warmup * (double)r->nsamples) : 0;
        for (int m = 0; m < DRIP_M_COUNT; m++)
            r->metrics[m].fit.window_start = ws;
    }
    return 0;
}

int drip_results_read(const char *path, drip_run_results *run, size_t *no_samples, char **err)
{
    char *json_path = NULL;
    char *dir = drip_results_dir_of(path, &json_path);
    uint64_t *nsamples = NULL;
    rd c = {.file = json_path};
    json_error_t jerr;
    int rc = -1;

    *err = NULL;
    if (no_samples)
        *no_samples = 0;
    json_t *root = json_load_file(json_path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        FILE *probe = fopen(json_path, "r");
        if (!probe)
            c.err = xasprintf("%s: cannot read: %s", json_path, strerror(errno));
        else
            c.err = xasprintf("%s:%d:%d: not valid JSON: %s", json_path, jerr.line, jerr.column,
                              jerr.text);
        if (probe)
            fclose(probe);
        goto cleanup;
    }
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "drip_version")) ||
        !json_is_array(json_object_get(root, "scenarios"))) {
        c.err = xasprintf("%s: not a drip results.json (no drip_version and scenarios)",
                          json_path);
        goto cleanup;
    }
    if (!read_run(&c, root, run, &nsamples))
        goto cleanup;
    if (read_samples(dir, run, nsamples, no_samples, &c.err) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc != 0) {
        drip_run_results_free(run);
        *err = c.err;
    }
    json_decref(root);
    free(nsamples);
    free(json_path);
    free(dir);
    return rc;
}
