/* yaml_passes.c - the sections of a scenario for the passes beyond the
 * counted run: `valgrind:` (the memcheck pass), `sweep:` (drip sweep's
 * allocation-failure trials) and `profile:` (allocation-site sampling).
 * yaml_schema.c's root table points here; docs/SCENARIOS.md is the user's
 * view. */
#include "yaml_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- valgrind ------------------------------------------------------------------ */

static const drip__field limit_fields[] = {
    {.key = "max", .kind = DRIP__K_UINT, .required = true, .off = 0, .umin = 0,
     .umax = UINT64_MAX, .range = "an integer of 0 or more"},
};

/* Read `{ max: N }` (v is its first event) into *max; true when it was
 * given and good.  Problems are reported; -1 only after a syntax error. */
static int read_limit(drip__loader *ld, const yaml_event_t *v, const char *path, uint64_t *max,
                      bool *given)
{
    *given = false;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    drip__seen seen[1];
    size_t problems = ld->diags->count;
    memset(seen, 0, sizeof seen);
    drip__mapwalk w = {limit_fields, 1, path, "key", NULL, max, seen};
    if (drip__walk_fields(ld, v, &w) < 0)
        return -1;
    *given = ld->diags->count == problems && seen[0].key.line;
    return 0;
}

/* The index of the last component of path in names[0..n), or n. */
static int check_index(const char *path, const char *const *names, int n)
{
    const char *name = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
    int i = 0;
    while (i < n && strcmp(names[i], name) != 0)
        i++;
    return i;
}

/* `KIND: { max: N }`, the check named by the last component of path. */
static int set_vg_limit(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_valgrind_spec *vg = obj;
    int check = check_index(path, drip_vg_check_names, DRIP_VGC_COUNT);
    uint64_t max = 0;
    bool given;
    int r = read_limit(ld, v, path, &max, &given);
    if (r == 0 && given && check < DRIP_VGC_COUNT) {
        vg->has_max[check] = true;
        vg->max[check] = max;
    }
    return r;
}

/* One `- FILE` of `suppressions:`: a path relative to the YAML file. */
static int supp_item(drip__loader *ld, void *ctx, size_t index, const yaml_event_t *v)
{
    drip_valgrind_spec *vg = ctx;
    char path[48];
    const char *text;
    snprintf(path, sizeof path, "valgrind.suppressions[%zu]", index);
    int r = drip__path_text(ld, v, path, "a path to a valgrind suppression file",
                            "a path to a suppression file", &text);
    if (r <= 0)
        return r;
    vg->suppressions = drip__grow_to(vg->suppressions, vg->nsuppressions, sizeof *vg->suppressions);
    vg->suppressions[vg->nsuppressions++] = drip__resolve_path(ld->file, text);
    return 0;
}

static int set_vg_suppressions(drip__loader *ld, void *obj, const yaml_event_t *v,
                               const char *path)
{
    int r = drip__want(ld, v, path, YAML_SEQUENCE_START_EVENT);
    if (r <= 0)
        return r;
    return drip__walk_seq(ld, supp_item, obj);
}

#define VG(f) .off = offsetof(drip_valgrind_spec, f)
static const drip__field vg_fields[] = {
    {.key = "iterations", .kind = DRIP__K_UINT, VG(iterations), .umin = 1,
     .umax = 100000000, .range = "an integer from 1 to 100000000"},
    {.key = "timeout", .kind = DRIP__K_DUR, VG(timeout_ns), .umin = 1000000,
     .umax = 86400000000000ULL, .range = "a duration from 1ms to 24h"},
    {.key = "definitely_lost", .kind = DRIP__K_CUSTOM, .fn = set_vg_limit},
    {.key = "indirectly_lost", .kind = DRIP__K_CUSTOM, .fn = set_vg_limit},
    {.key = "possibly_lost", .kind = DRIP__K_CUSTOM, .fn = set_vg_limit},
    {.key = "still_reachable", .kind = DRIP__K_CUSTOM, .fn = set_vg_limit},
    {.key = "errors", .kind = DRIP__K_CUSTOM, .fn = set_vg_limit},
    {.key = "suppressions", .kind = DRIP__K_CUSTOM, .fn = set_vg_suppressions},
};
#undef VG

int drip__set_valgrind(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = obj;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    sc->valgrind.present = true;
    sc->valgrind.iterations = 200;
    sc->valgrind.pos = drip__pos(v);
    return drip__walk_section(ld, v, path, vg_fields, NELEM(vg_fields), &sc->valgrind);
}

/* ---- sweep ---------------------------------------------------------------------- */

/* `CHECK: { max: N }`, the check named by the last component of path. */
static int set_sweep_limit(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_sweep_spec *sw = obj;
    int check = check_index(path, drip_sweep_check_names, DRIP_SWC_COUNT);
    uint64_t max = 0;
    bool given;
    int r = read_limit(ld, v, path, &max, &given);
    if (r == 0 && given && check < DRIP_SWC_COUNT)
        sw->max[check] = max;
    return r;
}

/* `mode: transient | persistent | both`. */
static int set_sweep_mode(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    const char *const names[] = {drip_sweep_mode_name(0), drip_sweep_mode_name(1), "both"};
    static const unsigned modes[] = {DRIP_SWEEP_TRANSIENT, DRIP_SWEEP_PERSISTENT,
                                     DRIP_SWEEP_TRANSIENT | DRIP_SWEEP_PERSISTENT};
    int i, r = drip__choice(ld, v, path, "transient, persistent or both", names, 3, &i);
    if (r > 0)
        ((drip_sweep_spec *)obj)->modes = modes[i];
    return r < 0 ? -1 : 0;
}

#define SW(f) .off = offsetof(drip_sweep_spec, f), .size = sizeof(((drip_sweep_spec *)0)->f)
static const drip__field sweep_fields[] = {
    {.key = "mode", .kind = DRIP__K_CUSTOM, .fn = set_sweep_mode},
    {.key = "warmup", .kind = DRIP__K_UINT, SW(warmup), .umin = 0, .umax = 1000000,
     .range = "an integer from 0 to 1000000"},
    {.key = "max_k", .kind = DRIP__K_UINT, SW(max_k), .umin = 1, .umax = 100000000,
     .range = "an integer from 1 to 100000000"},
    {.key = "timeout", .kind = DRIP__K_DUR, SW(timeout_ns), .umin = 1000000,
     .umax = 86400ULL * 1000000000ULL, .range = "a duration from 1ms to 24h"},
    {.key = "leaked_bytes", .kind = DRIP__K_CUSTOM, .fn = set_sweep_limit},
    {.key = "leaked_blocks", .kind = DRIP__K_CUSTOM, .fn = set_sweep_limit},
    {.key = "crashes", .kind = DRIP__K_CUSTOM, .fn = set_sweep_limit},
    {.key = "hangs", .kind = DRIP__K_CUSTOM, .fn = set_sweep_limit},
};
#undef SW

int drip__set_sweep(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = obj;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    sc->sweep.present = true;
    sc->sweep.pos = drip__pos(v);
    return drip__walk_section(ld, v, path, sweep_fields, NELEM(sweep_fields), &sc->sweep);
}

/* ---- profile -------------------------------------------------------------------- */

/* `mode: off | sampled | precise`. */
static int set_profile_mode(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    static const char *const names[] = {"off", "sampled", "precise"};
    static const drip_profile_mode modes[] = {DRIP_PROFILE_OFF, DRIP_PROFILE_SAMPLED,
                                              DRIP_PROFILE_PRECISE};
    int i, r = drip__choice(ld, v, path, "off, sampled or precise", names, 3, &i);
    if (r > 0)
        ((drip_profile_spec *)obj)->mode = modes[i];
    return r < 0 ? -1 : 0;
}

/* One `- NAME` of `skip:`: a function the user frame passes over. */
static int skip_item(drip__loader *ld, void *ctx, size_t index, const yaml_event_t *v)
{
    drip_profile_spec *ps = ctx;
    char path[40];
    const char *text;
    snprintf(path, sizeof path, "profile.skip[%zu]", index);
    int r = drip__text(ld, v, path, "a function name", &text);
    if (r <= 0)
        return r;
    if (!*text || strchr(text, ' ')) {
        drip__problem(ld, drip__pos(v), "'%s' must be a function name, got '%s'", path, text);
        return 0;
    }
    ps->skip = drip__grow_to(ps->skip, ps->nskip, sizeof *ps->skip);
    ps->skip[ps->nskip++] = xstrdup(text);
    return 0;
}

static int set_profile_skip(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    int r = drip__want(ld, v, path, YAML_SEQUENCE_START_EVENT);
    if (r <= 0)
        return r;
    return drip__walk_seq(ld, skip_item, obj);
}

static const drip__field profile_fields[] = {
    {.key = "mode", .kind = DRIP__K_CUSTOM, .fn = set_profile_mode},
    {.key = "skip", .kind = DRIP__K_CUSTOM, .fn = set_profile_skip},
    {.key = "rate", .kind = DRIP__K_SIZE, .off = offsetof(drip_profile_spec, rate),
     .size = sizeof(uint64_t), .umin = 1, .umax = 1ULL << 40,
     .range = "a size from 1 byte to 1TiB"},
};

int drip__set_profile(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = obj;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    sc->profile.pos = drip__pos(v);
    return drip__walk_section(ld, v, path, profile_fields, NELEM(profile_fields), &sc->profile);
}
