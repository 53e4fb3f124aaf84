/* yaml_workload.c - the mapping form of `workload:`: a plugin
 * (`{ plugin: PATH }`) or a program (`{ command: [...], env, cwd, ready,
 * preload, drive, metrics, stop }`), and the checks across keys that a
 * program's scenario needs once its document is read.
 *
 * The program's sections (ready, drive, metrics) are in yaml_external.c;
 * external.h is the model, docs/EXTERNAL.md the user's view.
 */
#define _GNU_SOURCE
#include "yaml_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "util/util.h"
#include "external.h"
#include "template.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What the workload mapping's fields read into. */
typedef struct wl_ctx {
    drip_scenario      *sc;
    drip_external_spec *ext;
} wl_ctx;

/* ---- strings and paths ------------------------------------------------------------ */

int drip__template_text(drip__loader *ld, const yaml_event_t *v, const char *path,
                        const char *want, unsigned allowed, const char **text)
{
    char *why = NULL;
    size_t off = 0;

    if (v->type == YAML_MAPPING_START_EVENT) {       /* `--port, {port}` unquoted */
        drip__problem(ld, drip__pos(v), "'%s' must be %s, got a mapping (quote placeholders: "
                      "\"{port}\")", path, want);
        return drip__skip(ld, v) < 0 ? -1 : 0;
    }
    int r = drip__text(ld, v, path, want, text);
    if (r <= 0)
        return r;
    if (drip_template_check(*text, allowed, NULL, &off, &why) < 0) {
        drip__problem(ld, drip__pos(v), "'%s': %s", path, why);
        free(why);
        return 0;
    }
    return 1;
}

/* rel (a path from the scenario file) made absolute: from the file's
 * folder, and that from the working directory when it is relative.  A
 * program runs in its own cwd, so nothing may stay relative.  Caller
 * frees. */
/* Drop "." components ("/a/./b/." is "/a/b"), in place; ".." stays (it
 * may cross a symlink).  Returns p. */
static char *tidy_path(char *p)
{
    char *out = p;
    for (const char *in = p; *in;) {
        if (in[0] == '/' && in[1] == '.' && (in[2] == '/' || in[2] == '\0') && in != p) {
            in += 2;                               /* skip "/." */
            continue;
        }
        *out++ = *in++;
    }
    *out = '\0';
    return p;
}

static char *absolute_from_file(const char *file, const char *rel)
{
    char *path = drip__resolve_path(file, rel), *cwd, *abs;

    if (path[0] == '/')
        return tidy_path(path);
    cwd = getcwd(NULL, 0);
    if (!cwd)                                      /* cwd removed: leave it relative */
        return path;
    const char *tail = strncmp(path, "./", 2) == 0 ? path + 2 : path;
    abs = xasprintf("%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", tail);
    free(cwd);
    free(path);
    return tidy_path(abs);
}

typedef struct argv_ctx {
    const char *path;
    unsigned    allowed;
    char      **argv;
    size_t      n;
} argv_ctx;

static int argv_item(drip__loader *ld, void *ctx, size_t index, const yaml_event_t *v)
{
    argv_ctx *a = ctx;
    char *path = xasprintf("%s[%zu]", a->path, index);
    const char *text;
    int r = drip__template_text(ld, v, path, "a string", a->allowed, &text);

    free(path);
    if (r <= 0)
        return r;
    a->argv = drip__grow_to(a->argv, a->n, sizeof *a->argv);
    a->argv[a->n++] = xstrdup(text);
    return 0;
}

/* Is argument i of an argv a path to take from the scenario's folder? */
static bool is_relative_path(const char *arg, size_t i)
{
    if (arg[0] == '/' || arg[0] == '{')            /* absolute, or {bin}/, {go_bin}/... */
        return false;
    if (i == 0)
        return strchr(arg, '/') != NULL;           /* a bare name is looked up on PATH */
    return strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0;
}

int drip__read_argv(drip__loader *ld, const yaml_event_t *v, const char *path, unsigned allowed,
                    char ***argv, size_t *n)
{
    argv_ctx a = {path, allowed, NULL, 0};
    size_t problems = ld->diags->count;
    char got[DRIP__SHOWN];
    int rc = 0;

    if (v->type != YAML_SEQUENCE_START_EVENT) {
        drip__problem(ld, drip__pos(v), "'%s' must be a sequence (the program and its "
                      "arguments) such as [./server, --port, \"{port}\"], got %s", path,
                      drip__got(v, got));
        return drip__skip(ld, v);
    }
    if (drip__walk_seq(ld, argv_item, &a) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (ld->diags->count != problems)
        goto cleanup;
    if (a.n == 0) {
        drip__problem(ld, drip__pos(v), "'%s' must name a program, got an empty sequence", path);
        goto cleanup;
    }
    if (!*a.argv[0]) {
        drip__problem(ld, drip__pos(v), "'%s[0]' must name a program, got an empty string", path);
        goto cleanup;
    }
    for (size_t i = 0; i < a.n; i++) {
        if (is_relative_path(a.argv[i], i)) {
            char *abs = absolute_from_file(ld->file, a.argv[i]);
            free(a.argv[i]);
            a.argv[i] = abs;
        }
    }
    a.argv = drip__grow_to(a.argv, a.n, sizeof *a.argv);
    a.argv[a.n] = NULL;
    *argv = a.argv;
    *n = a.n;
    a.argv = NULL;
    a.n = 0;
cleanup:
    for (size_t i = 0; i < a.n; i++)
        free(a.argv[i]);
    free(a.argv);
    return rc;
}

/* ---- the workload mapping's keys ------------------------------------------------ */

/* A path at v, WHAT ("a path to a folder"), that is not empty, into *out
 * (malloc'd, the old one freed) as resolve makes it from the scenario
 * file's.  0 (a null, or a problem reported, leaves *out), or -1 after a
 * syntax error. */
static int set_path(drip__loader *ld, const yaml_event_t *v, const char *path, const char *what,
                    char *(*resolve)(const char *file, const char *rel), char **out)
{
    const char *text;
    int r = drip__path_text(ld, v, path, what, what, &text);
    if (r <= 0)
        return r;
    free(*out);
    *out = resolve(ld->file, text);
    return 0;
}

/* `plugin: PATH`, resolved against the YAML file's folder (always with a
 * '/', so dlopen() never searches the library path for it). */
static int set_plugin(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = ((wl_ctx *)obj)->sc;
    return set_path(ld, v, path, "a path to a shared object", drip__resolve_path, &sc->plugin);
}

static int set_command(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_external_spec *ext = ((wl_ctx *)obj)->ext;
    return drip__read_argv(ld, v, path,
                           DRIP_TPL_PORT | DRIP_TPL_SEED | DRIP_TPL_BIN | DRIP_TPL_GO_BIN,
                           &ext->command, &ext->ncommand);
}

static bool env_name_ok(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static int env_entry(drip__loader *ld, void *ctx, const char *key, const yaml_event_t *k,
                     const yaml_event_t *v)
{
    drip_external_spec *ext = ctx;
    char shown[DRIP__SHOWN], *path;
    const char *text = "";
    int r = 1;

    if (!env_name_ok(key)) {
        drip__problem(ld, drip__pos(k), "'workload.env': '%s' is not a variable name "
                      "([A-Za-z_][A-Za-z0-9_]*)", drip__shown(key, shown));
        return v ? drip__skip(ld, v) : 0;
    }
    if (!v)
        return 0;
    path = xasprintf("workload.env.%s", key);
    if (!drip__is_null(v))                          /* `NAME:` sets it empty */
        r = drip__template_text(ld, v, path, "a string",
                                DRIP_TPL_PORT | DRIP_TPL_SEED | DRIP_TPL_BIN |
                                    DRIP_TPL_GO_BIN, &text);
    free(path);
    if (r <= 0)
        return r;
    ext->env = drip__grow_to(ext->env, ext->nenv, sizeof *ext->env);
    ext->env[ext->nenv++] = (drip_env_var){xstrdup(key), xstrdup(text)};
    return 0;
}

static int set_env(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    return drip__walk_map(ld, env_entry, ((wl_ctx *)obj)->ext) < 0 ? -1 : 0;
}

/* `cwd: DIR`, from the scenario file's folder; no placeholders. */
static int set_cwd(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_external_spec *ext = ((wl_ctx *)obj)->ext;
    return set_path(ld, v, path, "a path to a folder", absolute_from_file, &ext->cwd);
}

static int set_preload(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    return drip__bool(ld, v, path, &((wl_ctx *)obj)->ext->preload) < 0 ? -1 : 0;
}

static int set_stop_signal(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_external_spec *ext = obj;
    char shown[DRIP__SHOWN];
    const char *text;
    int r = drip__text(ld, v, path, "a signal name such as TERM", &text);

    if (r <= 0)
        return r;
    int sig = drip_stop_signal_parse(text);
    if (!sig)
        drip__problem(ld, drip__pos(v), "'%s' must be one of TERM, INT, HUP, QUIT, KILL, USR1, "
                      "USR2, got '%s'", path, drip__shown(text, shown));
    else
        ext->stop_signal = sig;
    return 0;
}

static const drip__field stop_fields[] = {
    {.key = "signal", .kind = DRIP__K_CUSTOM, .fn = set_stop_signal},
    {.key = "grace", .kind = DRIP__K_DUR, .off = offsetof(drip_external_spec, stop_grace_ns),
     .size = sizeof(uint64_t), .umin = 0, .umax = 3600ULL * 1000000000ULL,
     .range = "a duration from 0s to 1h"},
};

static int set_stop(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);

    if (r <= 0)
        return r;
    return drip__walk_section(ld, v, path, stop_fields, NELEM(stop_fields), ((wl_ctx *)obj)->ext);
}

/* The program's sections take the spec itself. */
static int set_ready(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    return drip__set_ready(ld, ((wl_ctx *)obj)->ext, v, path);
}

static int set_drive(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    return drip__set_drive(ld, ((wl_ctx *)obj)->ext, v, path);
}

static int set_metrics(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    return drip__set_metrics(ld, ((wl_ctx *)obj)->ext, v, path);
}

enum { W_PLUGIN, W_COMMAND, W_ENV, W_CWD, W_READY, W_PRELOAD, W_DRIVE, W_METRICS, W_STOP,
       W_NFIELDS };

static const drip__field workload_fields[W_NFIELDS] = {
    [W_PLUGIN]  = {.key = "plugin", .kind = DRIP__K_CUSTOM, .fn = set_plugin},
    [W_COMMAND] = {.key = "command", .kind = DRIP__K_CUSTOM, .fn = set_command},
    [W_ENV]     = {.key = "env", .kind = DRIP__K_CUSTOM, .fn = set_env},
    [W_CWD]     = {.key = "cwd", .kind = DRIP__K_CUSTOM, .fn = set_cwd},
    [W_READY]   = {.key = "ready", .kind = DRIP__K_CUSTOM, .fn = set_ready},
    [W_PRELOAD] = {.key = "preload", .kind = DRIP__K_CUSTOM, .fn = set_preload},
    [W_DRIVE]   = {.key = "drive", .kind = DRIP__K_CUSTOM, .fn = set_drive},
    [W_METRICS] = {.key = "metrics", .kind = DRIP__K_CUSTOM, .fn = set_metrics},
    [W_STOP]    = {.key = "stop", .kind = DRIP__K_CUSTOM, .fn = set_stop},
};

/* One of plugin and command, and the program's keys only with command. */
static void check_workload_form(drip__loader *ld, const yaml_event_t *v, const drip__seen *seen)
{
    bool plugin = seen[W_PLUGIN].key.line, command = seen[W_COMMAND].key.line;

    if (!plugin && !command) {
        drip__problem(ld, drip__pos(v), "workload: missing required key 'plugin' (or "
                      "'command' for a program)");
        return;
    }
    if (plugin && command) {
        drip__problem(ld, seen[W_COMMAND].key, "'workload.command' and 'workload.plugin' "
                      "exclude each other (line %d): a workload is a plugin or a program",
                      seen[W_PLUGIN].key.line);
        return;
    }
    if (plugin) {
        for (int i = W_ENV; i < W_NFIELDS; i++)
            if (seen[i].key.line)
                drip__problem(ld, seen[i].key, "'workload.%s' is for a program "
                              "(workload.command), not a plugin", workload_fields[i].key);
        return;
    }
    if (!seen[W_DRIVE].key.line)
        drip__problem(ld, drip__pos(v), "workload: missing required key 'drive' (what one "
                      "iteration is: http, command or interval)");
}

/* Absolute folder of the scenario file: a program's default cwd. */
static char *file_folder(const char *file)
{
    char *dir = drip_path_dir(file);
    char *abs = dir[0] == '/' ? xstrdup(dir) : absolute_from_file(file, ".");
    free(dir);
    return abs;
}

int drip__workload_mapping(drip__loader *ld, const yaml_event_t *v, const char *path,
                           drip_scenario *sc)
{
    drip__seen seen[W_NFIELDS];
    wl_ctx c = {sc, drip_external_spec_new()};
    drip__mapwalk w = {workload_fields, W_NFIELDS, path, "key", NULL, &c, seen};

    memset(seen, 0, sizeof seen);
    c.ext->pos = drip__pos(v);
    if (drip__walk_fields(ld, v, &w) < 0) {
        drip_external_spec_free(c.ext);
        return -1;
    }
    check_workload_form(ld, v, seen);
    if (!seen[W_COMMAND].key.line || seen[W_PLUGIN].key.line) {
        drip_external_spec_free(c.ext);
        return 0;
    }
    if (!c.ext->cwd)
        c.ext->cwd = file_folder(ld->file);
    /* Kept even with problems: expect keys read later look up its
     * metrics.map (the document is not kept anyway). */
    drip_external_spec_free(sc->external);
    sc->external = c.ext;
    return 0;
}

/* ---- metrics named by expect, and checks across keys ------------------------------ */

/* The custom metric of ext called name, or -1. */
static int custom_metric(const drip_external_spec *ext, const char *name)
{
    for (size_t i = 0; ext && i < ext->metrics.nmap; i++)
        if (drip_metric_is_custom(ext->metrics.map[i].metric) &&
            strcmp(ext->metrics.map[i].name, name) == 0)
            return ext->metrics.map[i].metric;
    return -1;
}

/* "unknown metric 'x' (did you mean 'y'?)", suggesting Drip's metrics and
 * the program's custom ones. */
static void unknown_metric(drip__loader *ld, const drip_external_spec *ext, const char *key,
                           drip_pos at)
{
    const char *names[DRIP_M_COUNT + DRIP_METRIC_CUSTOM_MAX + 1];
    size_t n = 0;
    char shown[DRIP__SHOWN];

    for (const char *const *m = drip_metric_names(); *m; m++)
        names[n++] = *m;
    for (size_t i = 0; ext && i < ext->metrics.nmap && n + 1 < NELEM(names); i++)
        if (drip_metric_is_custom(ext->metrics.map[i].metric))
            names[n++] = ext->metrics.map[i].name;
    names[n] = NULL;
    const char *hint = drip_did_you_mean(key, names);
    drip__problem(ld, at, "unknown metric '%s'%s%s%s", drip__shown(key, shown),
                  hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
}

/* The workload's own metric (drip_metric_add) called name for a plugin or
 * built-in workload: its slot, added to sc->wmetrics the first time; -1
 * when the name cannot be one (a Drip metric's name or within edit
 * distance 2 of one, not [A-Za-z0-9._-]+, 64 bytes or more) or every slot
 * is taken (a problem said at `at`). */
static int workload_metric(drip__loader *ld, drip_scenario *sc, const char *name, drip_pos at)
{
    if (sc->external || !drip_valid_name(name) || strlen(name) >= DRIP_WMETRIC_NAME_MAX ||
        drip_metric_name_reserved(name))
        return -1;
    for (size_t k = 0; k < sc->nwmetrics; k++)
        if (strcmp(sc->wmetrics[k], name) == 0)
            return DRIP_M_COUNT + (int)k;
    if (sc->nwmetrics == DRIP_METRIC_CUSTOM_MAX) {
        drip__problem(ld, at, "'expect.%s': at most %d workload metrics per scenario", name,
                      DRIP_METRIC_CUSTOM_MAX);
        return -2;
    }
    sc->wmetrics[sc->nwmetrics] = xstrdup(name);
    return DRIP_M_COUNT + (int)sc->nwmetrics++;
}

int drip__expect_metric(drip__loader *ld, drip_scenario *sc, const char *key,
                        drip_pos at, bool *later)
{
    int m = custom_metric(sc->external, key);

    *later = false;
    if (m >= 0)
        return m;
    if (!sc->workload_pos.line && drip_valid_name(key)) {
        *later = true;                           /* workload: comes after expect: */
        return -1;
    }
    m = workload_metric(ld, sc, key, at);
    if (m >= 0 || m == -2)
        return m < 0 ? -1 : m;
    unknown_metric(ld, sc->external, key, at);
    return -1;
}

void drip__later_add(drip__loader *ld, const char *name, drip_pos at, size_t first,
                     size_t count)
{
    ld->later = drip__grow_to(ld->later, ld->nlater, sizeof *ld->later);
    ld->later[ld->nlater++] = (drip__later){xstrdup(name), at, first, count};
}

/* Settle the expect keys read before the workload: a custom metric of
 * the program, or unknown after all. */
static void settle_later(drip__loader *ld, drip_scenario *sc)
{
    for (size_t i = 0; i < ld->nlater; i++) {
        const drip__later *l = &ld->later[i];
        int m = custom_metric(sc->external, l->name);
        if (m < 0)
            m = workload_metric(ld, sc, l->name, l->at);
        if (m == -1)
            unknown_metric(ld, sc->external, l->name, l->at);
        for (size_t j = l->first; m >= 0 && j < l->first + l->count && j < sc->nexpects; j++)
            sc->expects[j].metric = m;
    }
}

/* Expectations on a Drip metric nothing measures for this program: the
 * heap counters without the preload, the plugin runtime's gauges
 * without a map entry.  Once per metric, at its first rule. */
static void check_measured(drip__loader *ld, const drip_scenario *sc)
{
    bool told[DRIP_M_COUNT] = {false};

    for (size_t i = 0; i < sc->nexpects; i++) {
        int m = sc->expects[i].metric;
        if (m < 0 || m >= DRIP_M_COUNT || told[m] || drip_external_measures(sc->external, m))
            continue;
        told[m] = true;
        if (m == DRIP_M_HEAP_BYTES || m == DRIP_M_HEAP_OBJECTS || m == DRIP_M_ALLOCS)
            drip__problem(ld, sc->expects[i].pos, "'expect.%s': nothing measures %s for this "
                          "program: 'workload.preload' is false (map it from the program's "
                          "own metrics in 'workload.metrics.map')", drip_metrics[m].name,
                          drip_metrics[m].name);
        else
            drip__problem(ld, sc->expects[i].pos, "'expect.%s': nothing measures %s for a "
                          "program (it is a gauge of Drip's plugin runtime): map it from the "
                          "program's own metrics in 'workload.metrics.map', e.g. tasks: "
                          "go_goroutines", drip_metrics[m].name, drip_metrics[m].name);
    }
}

/* What a program's scenario may not hold, each at its own position. */
static void check_program(drip__loader *ld, const drip_scenario *sc)
{
    const drip_external_spec *ext = sc->external;

    if (sc->nparams)
        drip__problem(ld, sc->params[0].pos, "'params' are for plugins and built-in workloads: "
                      "pass values to a program in 'workload.command' or 'workload.env'");
    if (sc->run.threads != 1)
        drip__problem(ld, ext->pos, "'run.threads' (%u) is for plugins and built-in workloads: "
                      "a program's load runs in parallel through "
                      "'workload.drive.http.concurrency'", sc->run.threads);
    for (size_t i = 0; i < sc->nfaults; i++) {
        if (strcmp(sc->faults[i].point, DRIP_FAULT_ALLOC) != 0)
            drip__problem(ld, sc->faults[i].pos, "fault point '%s': a program asks no named "
                          "fault points; only '%s' (its allocations, through the preload) "
                          "applies", sc->faults[i].point, DRIP_FAULT_ALLOC);
        else if (!ext->preload)
            drip__problem(ld, sc->faults[i].pos, "fault point '%s' fails a program's "
                          "allocations through the preload: it needs 'workload.preload: true'",
                          DRIP_FAULT_ALLOC);
    }
    if (sc->sweep.present)
        drip__problem(ld, sc->sweep.pos, "'sweep' is for plugins and built-in workloads: "
                      "drip sweep does not run programs");
    check_measured(ld, sc);
}

void drip__scenario_settle(drip__loader *ld, drip_scenario *sc)
{
    if (!ld->fatal) {
        settle_later(ld, sc);
        if (sc->external)
            check_program(ld, sc);
    }
    for (size_t i = 0; i < ld->nlater; i++)
        free(ld->later[i].name);
    free(ld->later);
    ld->later = NULL;
    ld->nlater = 0;
}
