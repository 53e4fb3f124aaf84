/* json_keys.c - every key of results.json, once: the table the writer and
 * the reader both follow (json_keys.h says how a row reads).
 *
 * ADDING A FIELD TO results.json: add the field to the model (results.h)
 * and ONE row here, in the table of the struct that holds it, at the place
 * its key goes in the object.  The writer writes it, the reader reads it
 * back (a report of an older drip, without the key, leaves the field at
 * its zero value: give the table's init hook a default when zero is
 * wrong), `drip merge` carries it over and `drip diff` sees it.  Then list
 * the key in docs/REPORTS.md and give it a value in the round-trip model
 * of tests/test_read.c.  Keys are a contract that CI scripts read: never
 * rename or remove one.  A hook (put/get) is for a value derived from
 * others (written, not read: computed again) or stored in a shape of its
 * own; most fields need none.
 */
#include "json_keys.h"
#include "json_rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(drip_status) == sizeof(int) && sizeof(drip_verdict) == sizeof(int) &&
               sizeof(drip_rule) == sizeof(int) && sizeof(drip_trial_outcome) == sizeof(int) &&
               sizeof(drip_leak_class) == sizeof(int) &&
               sizeof(drip_expect_mode) == sizeof(int), "ENUM rows hold int-sized enums");

/* ---- the names of enums ------------------------------------------------------ */

static const char *status_name(int v)  { return drip_status_name((drip_status)v); }
static const char *verdict_name(int v) { return drip_verdict_name((drip_verdict)v); }
static const char *rule_name(int v)    { return drip_rule_name((drip_rule)v); }
static const char *class_name(int v)   { return drip_class_name((drip_leak_class)v); }
static const char *expect_mode_name(int v) { return drip_expect_mode_name((drip_expect_mode)v); }
/* The result whose "metrics" were written or read last on this thread:
 * its custom metrics name the custom slots of its "expectations" (which
 * come after "metrics" in the table). */
static _Thread_local const drip_result *metrics_of;

static const char *metric_name(int v)
{
    const drip_metric_info *info = metrics_of ? drip_result_metric_info(metrics_of, v)
                                 : v >= 0 && v < DRIP_M_COUNT ? &drip_metrics[v] : NULL;
    return info ? info->name : NULL;
}

static const drip_jenum statuses = {status_name, DRIP_STATUS_ERROR + 1};
static const drip_jenum verdicts = {verdict_name, DRIP_VERDICT_GROWING + 1};
static const drip_jenum rules = {rule_name, DRIP_RULE_MAX_AFTER_TEARDOWN + 1};
static const drip_jenum classes = {class_name, DRIP_CLASS_RSS + 1};
static const drip_jenum expect_modes = {expect_mode_name, DRIP_EXPECT_NONE + 1};
static const drip_jenum metrics = {metric_name, DRIP_METRIC_SLOTS};

/* ---- a metric: "metrics": {"heap_bytes": {...}, ...} --------------------------- */

#define T drip_metric_result
static const drip_jrow metric_rows[] = {   /* between "unit" and "first", "last" */
    NUM("slope", fit.all.slope),
    NUM("slope_low", fit.all.low),
    NUM("slope_high", fit.all.high),
    ENUM("verdict", fit.verdict, &verdicts),
    NUM("tail_slope", fit.tail.slope),
    NUM("growth", fit.growth),
    NUM("change_at", fit.change_at),
    NUM("change_slope", fit.change.slope),
};
#undef T

static void metric_init(void *base)
{
    drip_metric_result *mr = base;
    drip_fit *f = &mr->fit;
    mr->measured = true;
    f->all.slope = f->all.low = f->all.high = NAN;
    f->tail.slope = f->tail.low = f->tail.high = NAN;
    f->growth = f->noise = NAN;
    f->change_at = NAN;
    f->change.slope = f->change.low = f->change.high = NAN;
}

static const drip_jtable metric_table = DRIP_JTABLE(metric_rows, metric_init, NULL);

/* A metric's value at sample i, NaN when there is no such sample. */
static double sample_value(const drip_result *r, size_t i, int m)
{
    return i < r->nsamples ? r->samples[i].v[DRIP_COL_METRIC(m)] : NAN;
}

/* Each measured metric, in table order, then the custom ones: its unit,
 * its fit, and its first (the window's first sample) and last values,
 * taken from the samples.  A custom metric says so ("custom": true,
 * "cumulative", and "resolution" when not 1), and is written even when
 * never measured ("measured": false) so that its expectations can name
 * it. */
static json_t *put_metrics(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_result *r = base;
    json_t *obj = drip__jnew(json_object());
    metrics_of = r;
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        const drip_metric_result *mr = &r->metrics[m];
        const drip_metric_info *info = drip_result_metric_info(r, m);
        bool custom = drip_metric_is_custom(m);
        if (!mr->measured && !custom)
            continue;
        json_t *mo = drip__jnew(json_object());
        drip__jset(mo, "unit", drip__jstring(info->unit));
        if (custom) {
            drip__jset(mo, "custom", json_true());
            drip__jset(mo, "cumulative", json_boolean(info->cumulative));
            if (info->resolution != 1.0)             /* a program's long map form */
                drip__jset(mo, "resolution", drip__jnumber(info->resolution));
            if (!mr->measured) {                 /* nothing more to say */
                drip__jset(mo, "measured", json_false());
                drip__jset(obj, info->name, mo);
                continue;
            }
        }
        drip__jput_rows(mo, &metric_table, mr, 0);
        drip__jset(mo, "first", drip__jnumber(sample_value(r, mr->fit.window_start, m)));
        drip__jset(mo, "last", drip__jnumber(r->nsamples ? sample_value(r, r->nsamples - 1, m)
                                                          : NAN));
        drip__jset(obj, info->name, mo);
    }
    return obj;
}

/* The index of metric `name` read from entry m: Drip's, or a custom one
 * ("custom": true) added to r's table; -1 for a metric of a newer drip. */
static int metric_of_entry(drip_result *r, const char *name, json_t *m)
{
    if (!json_is_true(json_object_get(m, "custom")))
        return drip_metric_find(name);
    json_t *unit = json_object_get(m, "unit"), *cum = json_object_get(m, "cumulative");
    json_t *res = json_object_get(m, "resolution");
    if (drip_metric_find(name) >= 0 || !drip_valid_name(name))
        return -1;
    int k = drip_result_custom_add(r, name, json_is_string(unit) ? json_string_value(unit) : NULL,
                                   !cum || json_is_true(cum));
    if (k >= 0 && json_is_number(res) && json_number_value(res) > 0)
        r->custom[k - DRIP_M_COUNT].resolution = json_number_value(res);
    return k;
}

/* A metric of a newer drip is skipped: not ours to judge. */
static bool get_metrics(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    drip_result *r = base;
    json_t *v = json_object_get(obj, row->key), *m;
    const char *name;
    metrics_of = r;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_object(v))
        return drip__jfail(rd, row->key, "expected an object or null");
    size_t len = drip__jpush(rd, row->key, -1);
    json_object_foreach(v, name, m) {
        int id = json_is_object(m) ? metric_of_entry(r, name, m) : drip_metric_find(name);
        if (id >= 0 && !drip__jget_object(rd, m, &metric_table, &r->metrics[id], 0, name, -1))
            return false;
        if (id >= 0 && json_is_false(json_object_get(m, "measured")))
            r->metrics[id].measured = false;
    }
    drip__jpop(rd, len);
    return true;
}

/* "after_teardown": each measured metric's value once teardown returned. */
static json_t *put_after_teardown(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_result *r = base;
    json_t *obj = drip__jnew(json_object());
    for (int m = 0; m < drip_result_nmetrics(r); m++)
        if (r->metrics[m].measured)
            drip__jset(obj, drip_result_metric_info(r, m)->name,
                       drip__jnumber(r->after_teardown.v[DRIP_COL_METRIC(m)]));
    return obj;
}

static bool get_after_teardown(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base,
                               int k)
{
    (void)k;
    drip_result *r = base;
    json_t *v = json_object_get(obj, row->key);
    if (!v)
        return true;
    if (!json_is_object(v))
        return drip__jfail(rd, row->key, "expected an object or null");
    for (int col = 0; col < DRIP_SAMPLE_COLS; col++)
        r->after_teardown.v[col] = NAN;
    size_t len = drip__jpush(rd, row->key, -1);
    for (int m = 0; m < drip_result_nmetrics(r); m++) {
        drip_jrow at = {.key = drip_result_metric_info(r, m)->name, .kind = DRIP_J_NUM,
                        .off = offsetof(drip_result, after_teardown.v) +
                               DRIP_COL_METRIC(m) * sizeof(double)};
        if (!drip__jget_row(rd, v, &at, r, 0))
            return false;
    }
    drip__jpop(rd, len);
    return true;
}

/* ---- an expectation: limit and actual are verdicts for the verdict rule ---------- */

#define T drip_expect_result
static const drip_jrow limit_number = NUM("limit", limit);
static const drip_jrow limit_verdict = ENUM("limit", want, &verdicts);
static const drip_jrow actual_number = NUM("actual", actual);
#undef T

static json_t *put_limit(const drip_jrow *row, const void *base, int k)
{
    (void)row;
    const drip_expect_result *e = base;
    return drip__jput_value(e->rule == DRIP_RULE_VERDICT ? &limit_verdict : &limit_number, e, k);
}

static bool get_limit(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)row;
    const drip_expect_result *e = base;
    return drip__jget_row(rd, obj, e->rule == DRIP_RULE_VERDICT ? &limit_verdict : &limit_number,
                          base, k);
}

/* The verdict rule's actual verdict is stored as a number; null when none. */
static json_t *put_actual(const drip_jrow *row, const void *base, int k)
{
    (void)row;
    const drip_expect_result *e = base;
    if (e->rule != DRIP_RULE_VERDICT)
        return drip__jput_value(&actual_number, e, k);
    bool known = e->actual >= DRIP_VERDICT_UNKNOWN && e->actual <= DRIP_VERDICT_GROWING;
    return drip__jstring(known ? drip_verdict_name((drip_verdict)(int)e->actual) : NULL);
}

static bool get_actual(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)row;
    drip_expect_result *e = base;
    if (e->rule != DRIP_RULE_VERDICT)
        return drip__jget_row(rd, obj, &actual_number, base, k);
    struct { int got; } got = {-1};
    drip_jrow verdict = {.key = "actual", .kind = DRIP_J_ENUM, .off = 0, .names = &verdicts};
    if (!drip__jget_row(rd, obj, &verdict, &got, 0))
        return false;
    e->actual = got.got < 0 ? NAN : got.got;
    return true;
}

#define T drip_expect_result
static const drip_jrow expect_rows[] = {
    ENUM("metric", metric, &metrics),
    ENUM("rule", rule, &rules),
    CUSTOM("limit", put_limit, get_limit),     /* after rule: it depends on it */
    CUSTOM("actual", put_actual, get_actual),
    BOOL("ok", ok),
};
#undef T

static void expect_init(void *base)
{
    drip_expect_result *e = base;
    e->metric = -1;
    e->rule = DRIP_RULE_MAX_SLOPE;
    e->limit = e->actual = NAN;
}

static bool expect_check(drip_jreader *rd, void *base)
{
    return ((drip_expect_result *)base)->metric >= 0 || drip__jfail(rd, "metric", "missing");
}

static const drip_jtable expect_table = DRIP_JTABLE(expect_rows, expect_init, expect_check);

/* ---- classification ------------------------------------------------------------ */

static bool classified(const void *base, int k)
{
    (void)k;
    return drip_class_name(((const drip_result *)base)->leak_class) != NULL;
}

#define T drip_result
static const drip_jrow class_rows[] = {
    ENUM("class", leak_class, &classes),
    STR("why", class_why),
    STR("basis", class_basis),
};
#undef T
static const drip_jtable class_table = DRIP_JTABLE(class_rows, NULL, NULL);

/* ---- faults ----------------------------------------------------------------------- */

static bool by_chance(const void *base, int k)
{
    (void)k;
    return !drip_fault_result_scheduled(base);
}

static bool has_every(const void *base, int k)
{
    (void)k;
    return ((const drip_fault_result *)base)->every != 0;
}

static bool has_nth(const void *base, int k)
{
    (void)k;
    return ((const drip_fault_result *)base)->nnth != 0;
}

static json_t *u64_array(const uint64_t *v, size_t n)
{
    json_t *a = drip__jnew(json_array());
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(a, drip__juint(v[i])))
            drip__jnew(NULL);
    return a;
}

/* The integers of the array obj[key] (missing or null: none) into out[0..),
 * at most max of them (the rest are checked, not kept), each >= min;
 * *n receives how many were kept.  false after an error. */
static bool get_u64_array(drip_jreader *rd, json_t *obj, const char *key, uint64_t min,
                          uint64_t *out, size_t max, size_t *n)
{
    json_t *arr = json_object_get(obj, key), *x;
    size_t i;
    *n = 0;
    if (arr && !json_is_null(arr) && !json_is_array(arr))
        return drip__jfail(rd, key, "expected an array or null");
    json_array_foreach(arr, i, x) {
        if (!json_is_integer(x) || json_integer_value(x) < (json_int_t)min)
            return drip__jfail(rd, key, min ? "expected positive integers"
                                            : "expected non-negative integers");
        if (*n < max)
            out[(*n)++] = (uint64_t)json_integer_value(x);
    }
    return true;
}

static json_t *put_nth(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_fault_result *f = base;
    return u64_array(f->nth, f->nnth);
}

static bool get_nth(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    drip_fault_result *f = base;
    size_t n = json_array_size(json_object_get(obj, row->key));
    uint64_t *nth = xcalloc(n + 1, sizeof *nth);
    bool ok = get_u64_array(rd, obj, row->key, 1, nth, n, &n);
    if (ok)
        drip_fault_result_set_schedule(f, f->every, nth, n);
    free(nth);
    return ok;
}

static json_t *put_first(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_fault_result *f = base;
    return u64_array(f->first, f->nfirst < DRIP_FAULT_FIRST_MAX ? f->nfirst
                                                                : DRIP_FAULT_FIRST_MAX);
}

static bool get_first(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    drip_fault_result *f = base;
    return get_u64_array(rd, obj, row->key, 0, f->first, DRIP_FAULT_FIRST_MAX, &f->nfirst);
}

#define T drip_fault_result
static const drip_jrow fault_rows[] = {
    STR("point", point),
    NUM("rate", rate, .present = by_chance, .omit = true),
    U64("every", every, .present = has_every, .omit = true),     /* before nth */
    CUSTOM("nth", put_nth, get_nth, .present = has_nth, .omit = true),
    U64("asked", asked),
    U64("fired", fired),
    CUSTOM("first_iterations", put_first, get_first),
};
#undef T
static const drip_jtable fault_table = DRIP_JTABLE(fault_rows, NULL, NULL);

/* ---- a scenario --------------------------------------------------------------------- */

static bool counted(const void *base, int k)
{
    (void)k;
    return !(((const drip_result *)base)->duration_planned_s > 0);
}

static bool timed(const void *base, int k)
{
    return !counted(base, k);
}

/* "samples": how many rows the scenario's CSV holds (the reader checks) */
static json_t *put_samples(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    return drip__juint(((const drip_result *)base)->nsamples);
}

static bool get_samples(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    size_t i = (size_t)((drip_result *)base - rd->run->scenarios);
    drip_jrow count = {.key = row->key, .kind = DRIP_J_U64, .off = 0};
    return drip__jget_row(rd, obj, &count, &rd->nsamples[i], 0);
}

static json_t *put_warnings(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_result *r = base;
    json_t *a = drip__jnew(json_array());
    for (size_t i = 0; i < r->nwarnings; i++)
        if (json_array_append_new(a, drip__jstring(r->warnings[i])))
            drip__jnew(NULL);
    return a;
}

static bool get_warnings(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    json_t *arr = json_object_get(obj, row->key), *x;
    size_t i;
    if (arr && !json_is_null(arr) && !json_is_array(arr))
        return drip__jfail(rd, row->key, "expected an array or null");
    json_array_foreach(arr, i, x) {
        if (!json_is_string(x))
            return drip__jfail(rd, row->key, "expected strings");
        drip_result_add_warning(base, "%s", json_string_value(x));
    }
    return true;
}

static void scenario_init(void *base)
{
    drip_result *r = base;
    r->duration_s = r->warmup = r->ns_per_iter = NAN;
    r->status = DRIP_STATUS_ERROR;
}

static bool scenario_check(drip_jreader *rd, void *base)
{
    return ((drip_result *)base)->name ||
           drip__jfail(rd, "name", "missing: every scenario has a name");
}

/* "repeat": {runs, passed, failed_seeds} under `drip run --repeat N`,
 * null otherwise. */
static bool repeated(const void *base, int k)
{
    (void)k;
    return ((const drip_result *)base)->repeat.runs != 0;
}

static json_t *put_failed_seeds(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_repeat_result *rp = base;
    return u64_array(rp->failed_seeds, rp->nfailed);
}

static bool get_failed_seeds(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base,
                             int k)
{
    (void)k;
    drip_repeat_result *rp = base;
    json_t *arr = json_object_get(obj, row->key);
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    rp->failed_seeds = xcalloc(n + 1, sizeof *rp->failed_seeds);
    return get_u64_array(rd, obj, row->key, 0, rp->failed_seeds, n, &rp->nfailed);
}

static bool repeat_check(drip_jreader *rd, void *base)
{
    const drip_repeat_result *rp = base;
    if (rp->passed > rp->runs || rp->passed + rp->nfailed != rp->runs)
        return drip__jfail(rd, NULL, "%llu passed and %zu failed seeds of %llu runs",
                           (unsigned long long)rp->passed, rp->nfailed,
                           (unsigned long long)rp->runs);
    return true;
}

#define T drip_repeat_result
static const drip_jrow repeat_rows[] = {
    U64("runs", runs),
    U64("passed", passed),
    CUSTOM("failed_seeds", put_failed_seeds, get_failed_seeds),
};
#undef T
static const drip_jtable repeat_table = DRIP_JTABLE(repeat_rows, NULL, repeat_check);

/* "settle": {samples, unsettled, total_s, max_s} when the worker settled
 * the runtime before its samples, null otherwise (a program workload). */
static bool settled(const void *base, int k)
{
    (void)k;
    return ((const drip_result *)base)->settle.samples != 0;
}

static bool settle_check(drip_jreader *rd, void *base)
{
    const drip_settle_result *st = base;
    if (st->unsettled > st->samples || !(st->max_s <= st->total_s + 1e-9) || !(st->max_s >= 0))
        return drip__jfail(rd, NULL, "%llu unsettled of %llu samples, longest %g s of %g s",
                           (unsigned long long)st->unsettled, (unsigned long long)st->samples,
                           st->max_s, st->total_s);
    return true;
}

#define T drip_settle_result
static const drip_jrow settle_rows[] = {
    U64("samples", samples),
    U64("unsettled", unsettled),
    NUM("total_s", total_s),
    NUM("max_s", max_s),
};
#undef T
static const drip_jtable settle_table = DRIP_JTABLE(settle_rows, NULL, settle_check);
/* "program": an external workload's program (docs/EXTERNAL.md), null for
 * plugins: {command, pid, exit: {status, signal}, ready_after_s,
 * requests: {ok, failed}}. */
static json_t *put_command(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_program_result *p = base;
    json_t *a = drip__jnew(json_array());
    for (size_t i = 0; i < p->ncommand; i++)
        if (json_array_append_new(a, drip__jstring(p->command[i])))
            drip__jnew(NULL);
    return a;
}

static bool get_command(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    drip_program_result *p = base;
    json_t *arr = json_object_get(obj, row->key), *x;
    size_t i;
    if (arr && !json_is_null(arr) && !json_is_array(arr))
        return drip__jfail(rd, row->key, "expected an array or null");
    p->command = xcalloc(json_array_size(arr) + 1, sizeof *p->command);
    json_array_foreach(arr, i, x) {
        if (!json_is_string(x))
            return drip__jfail(rd, row->key, "expected strings");
        p->command[p->ncommand++] = xstrdup(json_string_value(x));
    }
    return true;
}

static bool exited_with_status(const void *base, int k)
{
    (void)k;
    const drip_program_result *p = base;
    return !p->exit_signal && p->exit_status >= 0;
}

static void program_init(void *base)
{
    drip_program_result *p = base;
    p->exit_status = -1;
    p->ready_after_s = NAN;
}

#define T drip_program_result
static const drip_jrow program_exit_rows[] = {
    INT("status", exit_status, .present = exited_with_status),   /* null: a signal */
    STR("signal", exit_signal),
};
static const drip_jtable program_exit_table = DRIP_JTABLE(program_exit_rows, NULL, NULL);
static const drip_jrow program_requests_rows[] = {
    U64("ok", requests_ok),
    U64("failed", requests_failed),
};
static const drip_jtable program_requests_table = DRIP_JTABLE(program_requests_rows, NULL, NULL);
static const drip_jrow program_rows[] = {
    CUSTOM("command", put_command, get_command),
    INT("pid", pid),
    GROUP("exit", &program_exit_table),
    NUM("ready_after_s", ready_after_s),
    GROUP("requests", &program_requests_table),
};
#undef T
static const drip_jtable program_table = DRIP_JTABLE(program_rows, program_init, NULL);

#define T drip_result
static const drip_jrow scenario_rows[] = {
    STR("name", name),
    STR("file", file),
    STR("workload", workload),
    STR("description", description),
    ENUM("status", status, &statuses),
    STR("reason", reason),
    STR("crash_stack", crash_stack),     /* the worker died of a signal: its stack, named */
    ROW(SEED, "seed", seed),
    OBJECT("repeat", repeat, &repeat_table, .present = repeated),   /* --repeat N */
    UINT("threads", threads),
    U64("iterations", iterations),
    U64("iterations_planned", iterations_planned, .present = counted),   /* null: timed */
    NUM("duration_planned_s", duration_planned_s, .present = timed),     /* null: counted */
    U64("failed_iterations", failed_iterations),
    NUM("duration_s", duration_s),
    NUM("ns_per_iter", ns_per_iter),
    OBJECT("settle", settle, &settle_table, .present = settled),    /* tasks settled before samples */
    NUM("warmup", warmup),
    U64("heap_ceiling", heap_ceiling),
    BOOL("heap_ceiling_hit", heap_ceiling_hit),
    CUSTOM("samples", put_samples, get_samples),
    CUSTOM("metrics", put_metrics, get_metrics),
    CUSTOM("after_teardown", put_after_teardown, get_after_teardown, FLAG(has_after_teardown)),
    ENUM("expect", expect_mode, &expect_modes),   /* rules, default (nothing grows), none */
    ARRAY("expectations", expects, nexpects, drip_expect_result, &expect_table),
    GROUP("classification", &class_table, .present = classified),
    OBJECT("valgrind", valgrind, &drip__j_valgrind, FLAG(valgrind.ran)),
    OBJECT("sweep", sweep, &drip__j_sweep, FLAG(sweep.ran)),
    OBJECT("profile", profile, &drip__j_profile, FLAG(profile.ran)),
    ARRAY("faults", faults, nfaults, drip_fault_result, &fault_table),
    CUSTOM("warnings", put_warnings, get_warnings),
    BOOL("interrupted", interrupted),
    OBJECT("program", program, &program_table, FLAG(program.ran)),   /* external workloads */
};
#undef T
static const drip_jtable scenario_table = DRIP_JTABLE(scenario_rows, scenario_init,
                                                      scenario_check);

/* ---- the run ------------------------------------------------------------------------- */

static bool sharded(const void *base, int k)
{
    (void)k;
    return ((const drip_run_results *)base)->shard_count != 0;
}

static bool shard_check(drip_jreader *rd, void *base)
{
    const drip_run_results *run = base;
    if (run->shard_index < 1 || run->shard_index > run->shard_count)
        return drip__jfail(rd, NULL, "index %u is not within 1..%u", run->shard_index,
                           run->shard_count);
    return true;
}

#define T drip_run_results
static const drip_jrow shard_rows[] = {
    UINT("index", shard_index),
    UINT("count", shard_count),
};
#undef T
static const drip_jtable shard_table = DRIP_JTABLE(shard_rows, NULL, shard_check);

/* "missing_shards": {of: N, shards: [K, ...]} when `drip merge` had not
 * every shard of a split, null otherwise. */
static bool missing(const void *base, int k)
{
    (void)k;
    return ((const drip_run_results *)base)->nmissing_shards != 0;
}

static json_t *put_missing(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_run_results *run = base;
    json_t *obj = drip__jnew(json_object()), *ks = drip__jnew(json_array());
    drip__jset(obj, "of", drip__juint(run->missing_of));
    for (size_t i = 0; i < run->nmissing_shards; i++)
        if (json_array_append_new(ks, drip__juint(run->missing_shards[i])))
            drip__jnew(NULL);
    drip__jset(obj, "shards", ks);
    return obj;
}

static bool get_missing(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    drip_run_results *run = base;
    json_t *m = json_object_get(obj, row->key);
    if (!m || json_is_null(m))
        return true;
    json_t *of = json_object_get(m, "of"), *ks = json_object_get(m, "shards"), *x;
    if (!json_is_object(m) || !json_is_integer(of) || json_integer_value(of) < 1 ||
        json_integer_value(of) > UINT32_MAX || !json_is_array(ks))
        return drip__jfail(rd, row->key, "expected {\"of\": N, \"shards\": [K, ...]} or null");
    run->missing_of = (unsigned)json_integer_value(of);
    run->missing_shards = xcalloc(json_array_size(ks) + 1, sizeof *run->missing_shards);
    size_t i, at = drip__jpush(rd, row->key, -1);
    json_array_foreach(ks, i, x) {
        if (!json_is_integer(x) || json_integer_value(x) < 1 ||
            json_integer_value(x) > (json_int_t)run->missing_of)
            return drip__jfail(rd, "shards", "expected integers within 1..%u", run->missing_of);
        run->missing_shards[run->nmissing_shards++] = (unsigned)json_integer_value(x);
    }
    drip__jpop(rd, at);
    return true;
}

/* "summary": the counts, computed (and computed again after a merge) */
static json_t *put_summary(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_run_results *run = base;
    drip_run_counts c = drip_run_results_count(run);
    json_t *obj = drip__jnew(json_object());
    drip__jset(obj, "total", drip__juint(run->count));
    drip__jset(obj, "pass", drip__juint(c.pass));
    drip__jset(obj, "fail", drip__juint(c.fail));
    drip__jset(obj, "error", drip__juint(c.error));
    return obj;
}

/* The scenarios, added to the run as drip_run_results_add does; each
 * one's `samples` into rd->nsamples. */
static bool get_scenarios(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base,
                          int k)
{
    (void)k;
    drip_run_results *run = base;
    json_t *arr = json_object_get(obj, row->key), *s;
    size_t i;
    rd->nsamples = xcalloc(json_array_size(arr) + 1, sizeof *rd->nsamples);
    json_array_foreach(arr, i, s)
        if (!drip__jget_object(rd, s, &scenario_table, drip_run_results_add(run), 0, row->key,
                               (long)i))
            return false;
    return true;
}

static void run_init(void *base)
{
    drip_run_results *run = base;
    run->duration_s = NAN;
    run->complete = true;
}

static bool run_check(drip_jreader *rd, void *base)
{
    (void)rd;
    drip_run_results *run = base;
    run->planned = run->count;        /* not in results.json: what was read */
    return true;
}

static bool isolated(const void *base, int k)
{
    (void)k;
    return ((const drip_run_results *)base)->isolation != NULL;
}

#define T drip_run_results
static const drip_jrow run_rows[] = {
    STR("drip_version", drip_version),
    ROW(SEED, "seed", seed, FLAG(seed_set)),     /* null: no --seed */
    STR("started_at", started_at),
    NUM("duration_s", duration_s),
    BOOL("complete", complete),
    STR("isolation", isolation, .present = isolated, .omit = true),   /* absent: not said */
    GROUP("shard", &shard_table, .present = sharded),
    CUSTOM("missing_shards", put_missing, get_missing, .present = missing),
    CUSTOM("summary", put_summary, NULL),
    ARRAY("scenarios", scenarios, count, drip_result, &scenario_table, .get = get_scenarios),
};
#undef T
const drip_jtable drip__j_run = DRIP_JTABLE(run_rows, run_init, run_check);
