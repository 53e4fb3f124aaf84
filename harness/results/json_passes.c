/* json_passes.c - the keys of results.json for the passes beyond the
 * counted run: "valgrind" (the memcheck pass and its 2N growth run),
 * "sweep" (drip sweep's trials) and "profile" (allocation sites).  Part of
 * the key table of json_keys.c, whose rule holds here too: a field added
 * to one of these parts is one row in its table below.
 */
#include "json_keys.h"
#include "json_rows.h"

#include <stdlib.h>
#include <string.h>

static const char *outcome_name(int v) { return drip_trial_outcome_name((drip_trial_outcome)v); }
static const char *vg_check_name(int v)    { return drip_names_get(&drip_vg_check_table, v); }
static const char *sweep_check_name(int v) { return drip_names_get(&drip_sweep_check_table, v); }
static const drip_jenum outcomes = {outcome_name, DRIP_TRIAL_ERROR + 1};
static const drip_jenum sweep_modes = {drip_sweep_mode_name, DRIP_SWEEP_MODES};
static const drip_jenum vg_kinds = {vg_check_name, DRIP_VG_KINDS};
static const drip_jenum vg_checks = {vg_check_name, DRIP_VG_CHECKS};
static const drip_jenum sweep_checks = {sweep_check_name, DRIP_SWEEP_CHECKS};

/* ---- valgrind ------------------------------------------------------------------- */

#define T drip_valgrind_result
static const drip_jrow vg_kind_rows[] = {U64("bytes", bytes), U64("blocks", blocks)};
static const drip_jrow vg_before_kind_rows[] = {U64("bytes", before_bytes),
                                                U64("blocks", before_blocks)};
#undef T
static const drip_jtable vg_kind_table = DRIP_JTABLE(vg_kind_rows, NULL, NULL);
static const drip_jtable vg_before_kind_table = DRIP_JTABLE(vg_before_kind_rows, NULL, NULL);
static const drip_jrow vg_before_rows[] = {EACH(&vg_kinds, &vg_before_kind_table)};
static const drip_jtable vg_before_table = DRIP_JTABLE(vg_before_rows, NULL, NULL);

/* growth: "iterations": [N, 2N] */
static json_t *put_growth_iterations(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_valgrind_result *v = base;
    json_t *a = drip__jnew(json_array());
    if (json_array_append_new(a, drip__juint(v->iterations)) ||
        json_array_append_new(a, drip__juint(v->growth.iterations)))
        drip__jnew(NULL);
    return a;
}

static bool get_growth_iterations(drip_jreader *rd, json_t *obj, const drip_jrow *row,
                                  void *base, int k)
{
    (void)k;
    drip_valgrind_result *v = base;
    json_t *its = json_object_get(obj, row->key), *twice = json_array_get(its, 1);
    if (!json_is_array(its) || json_array_size(its) != 2 || !json_is_integer(twice) ||
        json_integer_value(twice) <= 0)
        return drip__jfail(rd, row->key, "expected [N, 2N]");
    v->growth.iterations = (uint64_t)json_integer_value(twice);
    return true;
}

/* growth: "compared": "at_exit", "before_teardown", or null when the 2N
 * run did not give a comparison */
static json_t *put_compared(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_vg_growth *g = &((const drip_valgrind_result *)base)->growth;
    return drip__jstring(g->ran ? (g->at_exit ? "at_exit" : "before_teardown") : NULL);
}

static bool get_compared(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    (void)k;
    drip_vg_growth *g = &((drip_valgrind_result *)base)->growth;
    json_t *v = json_object_get(obj, row->key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return drip__jfail(rd, row->key, "expected a string or null");
    const char *s = json_string_value(v);
    g->ran = true;
    g->at_exit = strcmp(s, "at_exit") == 0;
    if (!g->at_exit && strcmp(s, "before_teardown") != 0)
        return drip__jfail(rd, row->key, "unknown value '%s'", s);
    return true;
}

/* growth per kind: "bytes_n", the N run's bytes in the search compared */
static json_t *put_bytes_n(const drip_jrow *row, const void *base, int k)
{
    (void)row;
    const drip_valgrind_result *v = base;
    return drip__juint(v->growth.at_exit ? v->bytes[k] : v->before_bytes[k]);
}

static bool growth_ran(const void *base, int k)
{
    (void)k;
    return ((const drip_valgrind_result *)base)->growth.ran;
}

static bool growth_measured(const void *base, int k)
{
    (void)k;
    return ((const drip_valgrind_result *)base)->growth.iterations != 0;
}

#define T drip_valgrind_result
static const drip_jrow vg_growth_kind_rows[] = {
    CUSTOM("bytes_n", put_bytes_n, NULL),
    U64("bytes_2n", growth.bytes),
    NUM("per_iteration", growth.per_iteration),
    BOOL("growing", growth.growing),
};
static const drip_jtable vg_growth_kind_table = DRIP_JTABLE(vg_growth_kind_rows, NULL, NULL);
static const drip_jrow vg_growth_rows[] = {
    CUSTOM("iterations", put_growth_iterations, get_growth_iterations),
    CUSTOM("compared", put_compared, get_compared),
    STR("problem", growth.problem),
    STR("xml_file", growth.xml_file),
    EACH(&vg_kinds, &vg_growth_kind_table, .present = growth_ran, .omit = true),
    STR("top_lost", growth.top_lost),
    STR("top_reachable", growth.top_reachable),
};
#undef T
static const drip_jtable vg_growth_table = DRIP_JTABLE(vg_growth_rows, NULL, NULL);

/* checks: "ok" is "skipped" when the pass was skipped */
static json_t *put_check_ok(const drip_jrow *row, const void *base, int k)
{
    (void)row;
    const drip_valgrind_result *v = base;
    return drip__jnew(v->skipped ? json_string("skipped") : json_boolean(v->ok[k]));
}

static bool get_check_ok(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    drip_valgrind_result *v = base;
    json_t *ok = json_object_get(obj, row->key);
    if (json_is_string(ok) && strcmp(json_string_value(ok), "skipped") == 0) {
        v->ok[k] = false;                 /* the pass was skipped: `skipped` says why */
        return true;
    }
    drip_jrow plain = {.key = row->key, .kind = DRIP_J_BOOL,
                       .off = offsetof(drip_valgrind_result, ok)};
    return drip__jget_row(rd, obj, &plain, base, k);
}

static bool vg_checked(const void *base, int k)
{
    return ((const drip_valgrind_result *)base)->checked[k];
}

static void vg_mark(void *base, int k)
{
    ((drip_valgrind_result *)base)->checked[k] = true;
}

#define T drip_valgrind_result
static const drip_jrow vg_check_rows[] = {     /* after "check" */
    U64("max", limit),
    U64("actual", actual),
    CUSTOM("ok", put_check_ok, get_check_ok),
};
static const drip_jtable vg_check_table = DRIP_JTABLE(vg_check_rows, NULL, NULL);
static const drip_jrow vg_rows[] = {
    U64("iterations", iterations),
    STR("skipped", skipped),
    BOOL("complete", complete),
    STR("problem", problem),
    STR("xml_file", xml_file),
    EACH(&vg_kinds, &vg_kind_table),                   /* at exit, valgrind's own search */
    GROUP("before_teardown", &vg_before_table, FLAG(has_before)),   /* the worker's */
    U64("errors", errors),
    STR("first_error", first_error),
    STR("top_leak", top_leak),
    GROUP("growth", &vg_growth_table, .present = growth_measured),
    LIST("checks", "check", &vg_checks, &vg_check_table, .has = vg_checked, .mark = vg_mark),
};
#undef T
const drip_jtable drip__j_valgrind = DRIP_JTABLE(vg_rows, NULL, NULL);

/* ---- the failure sweep ------------------------------------------------------------ */

static bool sweep_mode_ran(const void *base, int m)
{
    return ((const drip_sweep_result *)base)->modes & (1u << m);
}

static void sweep_mode_mark(void *base, int m)
{
    ((drip_sweep_result *)base)->modes |= 1u << m;
}

static bool crashed(const void *base, int k)
{
    (void)k;
    return ((const drip_sweep_finding *)base)->outcome == DRIP_TRIAL_CRASH;
}

static void finding_init(void *base)
{
    ((drip_sweep_finding *)base)->outcome = DRIP_TRIAL_ERROR;
}

#define T drip_sweep_site
static const drip_jrow site_rows[] = {
    U64("bytes", bytes),
    U64("blocks", blocks),
    STR("stack", stack),
};
#undef T
static const drip_jtable site_table = DRIP_JTABLE(site_rows, NULL, NULL);

#define T drip_sweep_finding
static const drip_jrow finding_rows[] = {
    ENUM("mode", mode, &sweep_modes),
    U64("k", k),
    ENUM("outcome", outcome, &outcomes),
    INT("signal", signal, .present = crashed, .omit = true),
    STR("detail", detail),
    U64("leaked_bytes", leaked_bytes),
    U64("leaked_blocks", leaked_blocks),
    ARRAY("sites", sites, nsites, drip_sweep_site, &site_table),
};
#undef T
static const drip_jtable finding_table = DRIP_JTABLE(finding_rows, finding_init, NULL);

#define T drip_sweep_result
static const drip_jrow sweep_reference_rows[] = {
    U64("bytes", reference_bytes),
    U64("blocks", reference_blocks),
};
static const drip_jtable sweep_reference_table = DRIP_JTABLE(sweep_reference_rows, NULL, NULL);
static const drip_jrow sweep_mode_rows[] = {   /* after "mode" */
    U64("allocations", allocations),
    U64("trials", trials),
    U64("clean", clean),
    U64("failed_iterations", failed),
    BOOL("complete", complete),
};
static const drip_jtable sweep_mode_table = DRIP_JTABLE(sweep_mode_rows, NULL, NULL);
static const drip_jrow sweep_check_rows[] = {  /* after "check" */
    U64("max", limit),
    U64("actual", total),
    BOOL("ok", ok),
};
static const drip_jtable sweep_check_table = DRIP_JTABLE(sweep_check_rows, NULL, NULL);
static const drip_jrow sweep_rows[] = {
    U64("warmup", warmup),
    GROUP("reference", &sweep_reference_table),
    LIST("modes", "mode", &sweep_modes, &sweep_mode_table, .has = sweep_mode_ran,
         .mark = sweep_mode_mark),
    LIST("checks", "check", &sweep_checks, &sweep_check_table),
    ARRAY("findings", findings, nfindings, drip_sweep_finding, &finding_table),
};
#undef T
const drip_jtable drip__j_sweep = DRIP_JTABLE(sweep_rows, NULL, NULL);

/* ---- the allocation-site profile ---------------------------------------------------- */

static bool frame_check(drip_jreader *rd, void *base)
{
    (void)rd;
    drip_prof_frame *f = base;
    if (!f->fn)
        f->fn = xstrdup("");
    if (!f->file)
        f->file = xstrdup("");
    return true;
}

#define T drip_prof_frame
static const drip_jrow frame_rows[] = {
    STR("function", fn),
    STR("file", file),
    INT("line", line),
};
#undef T
static const drip_jtable frame_table = DRIP_JTABLE(frame_rows, NULL, frame_check);

/* null when no frame of the stack is in the workload's own code */
static bool has_user_frame(const void *base, int k)
{
    (void)k;
    return ((const drip_prof_site *)base)->user.fn != NULL;
}

#define T drip_prof_site
static const drip_jrow prof_site_rows[] = {    /* after "stack", "bytes_per_iteration" */
    NUM("early_bytes", early_bytes),
    NUM("late_bytes", late_bytes),
    NUM("late_objects", late_objects),
    NUM("allocated_bytes", alloc_bytes),
    ARRAY("frames", frames, nframes, drip_prof_frame, &frame_table),
    OBJECT("user_frame", user, &frame_table, .present = has_user_frame),
};
#undef T
static const drip_jtable prof_site_table = DRIP_JTABLE(prof_site_rows, NULL, NULL);

#define DRIP_PROF_JSON_SITES 10       /* growing sites kept in results.json */
#define DRIP_PROF_JSON_DEPTH 6        /* frames in a site's "stack" */

/* The sites that grew most, biggest first: their stack and growth per
 * iteration (derived), then what the site holds. */
static json_t *put_growing_sites(const drip_jrow *row, const void *base, int k)
{
    (void)row, (void)k;
    const drip_profile_result *p = base;
    size_t n = 0;
    size_t *idx = drip_prof_growing(p, &n);
    json_t *arr = drip__jnew(json_array());
    for (size_t i = 0; i < n && i < DRIP_PROF_JSON_SITES; i++) {
        const drip_prof_site *s = &p->sites[idx[i]];
        char *stack = drip_prof_site_stack(s, DRIP_PROF_JSON_DEPTH);
        json_t *so = drip__jnew(json_object());
        drip__jset(so, "stack", drip__jstring(stack));
        double g = drip_prof_site_growth(p, s), pm = drip_prof_site_growth_pm(p, s);
        drip__jset(so, "bytes_per_iteration", drip__jnumber(g));
        drip__jset(so, "bytes_per_iteration_low", drip__jnumber(g - pm));   /* 95 % */
        drip__jset(so, "bytes_per_iteration_high", drip__jnumber(g + pm));
        drip__jput_rows(so, &prof_site_table, s, 0);
        if (json_array_append_new(arr, so))
            drip__jnew(NULL);
        free(stack);
    }
    free(idx);
    return arr;
}

/* Read back as the profile's sites: only those, so the profile is partial. */
static bool get_growing_sites(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base,
                              int k)
{
#define T drip_profile_result
    static const drip_jrow sites = ARRAY(NULL, sites, nsites, drip_prof_site, &prof_site_table);
#undef T
    drip_jrow named = sites;
    named.key = row->key;
    return drip__jget_row(rd, obj, &named, base, k);
}

static void profile_init(void *base)
{
    ((drip_profile_result *)base)->read_back = true;   /* the profile files are not rewritten */
}

#define T drip_profile_result
static const drip_jrow profile_rows[] = {
    STR("mode", mode),
    U64("rate", rate),
    U64("early_iteration", early_iteration),
    U64("late_iteration", late_iteration),
    SIZE("stacks", stacks),
    U64("dropped_samples", dropped),
    BOOL("partial", partial),
    CUSTOM("growing_sites", put_growing_sites, get_growing_sites),
};
#undef T
const drip_jtable drip__j_profile = DRIP_JTABLE(profile_rows, profile_init, NULL);
