/* yaml_external.c - a program's sections of the workload mapping: `ready`
 * (when it has started), `drive` (what one iteration is) and `metrics`
 * (what it publishes about itself).  yaml_workload.c reads the mapping
 * around them; external.h is the model.
 */
#define _GNU_SOURCE
#include "yaml_walk.h"

#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "scrape/expvar.h"
#include "scrape/prom.h"
#include "util/util.h"
#include "external.h"
#include "template.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MS 1000000ULL
#define HOUR (3600ULL * 1000000000ULL)

/* The first two keys given among seen[0..n), by position in the file, or
 * -1; for "X and Y exclude each other". */
static int first_given(const drip__seen *seen, int n, int after)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!seen[i].key.line || i == after)
            continue;
        if (after >= 0 && (seen[i].key.line < seen[after].key.line ||
                           (seen[i].key.line == seen[after].key.line &&
                            seen[i].key.col < seen[after].key.col)))
            continue;
        if (best < 0 || seen[i].key.line < seen[best].key.line ||
            (seen[i].key.line == seen[best].key.line && seen[i].key.col < seen[best].key.col))
            best = i;
    }
    return best;
}

/* Exactly one of the n keys of fields[] (WANT says them) given: its index,
 * or -1 with the problem reported. */
static int one_of(drip__loader *ld, const yaml_event_t *v, const char *path,
                  const drip__field *fields, const drip__seen *seen, int n, const char *want)
{
    int a = first_given(seen, n, -1);
    if (a < 0) {
        drip__problem(ld, drip__pos(v), "'%s' must give one of %s", path, want);
        return -1;
    }
    int b = first_given(seen, n, a);
    if (b >= 0) {
        drip__problem(ld, seen[b].key, "'%s.%s' and '%s.%s' exclude each other (line %d): "
                      "give one of %s", path, fields[b].key, path, fields[a].key,
                      seen[a].key.line, want);
        return -1;
    }
    return a;
}

/* A URL template (allowed placeholders) that must expand to an http://
 * URL on loopback; 1 and *text, else 0 (reported) or -1. */
static int url_text(drip__loader *ld, const yaml_event_t *v, const char *path, unsigned allowed,
                    const char **text)
{
    drip_template_vars dummy = {.port = 1, .iteration = 0, .seed = 0, .bin = "/"};
    char *why = NULL;
    int r = drip__template_text(ld, v, path, "an http:// URL on 127.0.0.1", allowed, text);

    if (r <= 0)
        return r;
    char *url = drip_template_expand(*text, &dummy);
    if (!url || drip_url_check_loopback(url, &why) < 0) {
        drip__problem(ld, drip__pos(v), "'%s': %s", path, why ? why : "malformed URL");
        r = 0;
    }
    free(why);
    free(url);
    return r;
}

/* ---- ready ------------------------------------------------------------------------ */

/* `tcp: "{port}"` or `tcp: 8080`. */
static int set_ready_tcp(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_ready_spec *rd = obj;
    char shown[DRIP__SHOWN];
    const char *text;
    uint64_t port = 0;
    int r = drip__template_text(ld, v, path, "a port: \"{port}\" or a number", DRIP_TPL_PORT,
                                &text);

    if (r <= 0)
        return r;
    if (strcmp(text, "{port}") != 0 &&
        (drip_parse_u64(text, &port) < 0 || port < 1 || port > 65535)) {
        drip__problem(ld, drip__pos(v), "'%s' must be \"{port}\" or a port from 1 to 65535, "
                      "got '%s'", path, drip__shown(text, shown));
        return 0;
    }
    free(rd->tcp);
    rd->tcp = xstrdup(text);
    return 0;
}

/* How big glibc's regcomp makes `re`, roughly: every atom counts 1, and a
 * repetition copies what it repeats ("x+" is "xx*", "x{3,5}" five x's),
 * so stacked or nested repetitions multiply ("a++++..." doubles per '+':
 * 60 of them took regcomp forever).  Saturates at limit + 1; so does
 * nesting deeper than 32 groups.  Used to refuse such patterns before
 * compiling them. */
static size_t regex_size(const char *re, size_t limit)
{
    size_t saved[32], depth = 0, cur = 0, last = 0;
#define ADD(a, b) ((a) + (b) > limit ? limit + 1 : (a) + (b))
#define MUL(a, k) ((k) && (a) > limit / (k) ? limit + 1 : (a) * (k))
    for (const char *p = re; *p && cur <= limit; p++) {
        if (*p == '(') {
            if (depth == 32)
                return limit + 1;
            saved[depth++] = cur;
            cur = 0;
        } else if (*p == ')' && depth) {
            size_t before = saved[--depth];
            last = cur;
            cur = ADD(before, cur);
        } else if (*p == '+') {
            cur = ADD(cur, last);
            last = MUL(last, 2);
        } else if (*p == '{') {
            char *end;
            unsigned long n = strtoul(p + 1, &end, 10), m = n;
            if (*end == ',')
                m = end[1] == '}' ? n + 1 : strtoul(end + 1, &end, 10);
            size_t k = m > n ? m : n;
            k = k > limit ? limit + 1 : k;
            cur = ADD(cur, MUL(last, k));
            last = MUL(last, k);
            p = strchr(p, '}') ? strchr(p, '}') : p + strlen(p) - 1;
        } else if (*p != '*' && *p != '?' && *p != '|' && *p != '^' && *p != '$') {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '[')                   /* a bracket expression is one atom */
                for (p += p[1] == '^' ? 2 : 1, p += *p == ']'; *p && *p != ']'; p++)
                    if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=') &&
                        strchr(p + 2, ']'))
                        p = strchr(p + 2, ']');
            if (!*p)
                break;
            cur = ADD(cur, 1);
            last = 1;
        }
    }
#undef ADD
#undef MUL
    return cur;
}

#define REGEX_MAX_SIZE 10000

/* `log: REGEX`: POSIX extended, compiled here once to be sure it is one. */
static int set_ready_log(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_ready_spec *rd = obj;
    const char *text;
    regex_t re;
    char msg[128];
    int r = drip__text(ld, v, path, "a regular expression", &text);

    if (r <= 0)
        return r;
    if (!*text) {
        drip__problem(ld, drip__pos(v), "'%s' must be a regular expression, got an empty "
                      "string", path);
        return 0;
    }
    if (regex_size(text, REGEX_MAX_SIZE) > REGEX_MAX_SIZE) {
        drip__problem(ld, drip__pos(v), "'%s' is a regular expression too large once its "
                      "repetitions are expanded (more than %d atoms): '%s'", path,
                      REGEX_MAX_SIZE, drip__shown(text, msg));
        return 0;
    }
    int rc = regcomp(&re, text, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &re, msg, sizeof msg);
        drip__problem(ld, drip__pos(v), "'%s' is not a POSIX extended regular expression: %s",
                      path, msg);
        return 0;
    }
    regfree(&re);
    free(rd->log);
    rd->log = xstrdup(text);
    return 0;
}

enum { R_TCP, R_LOG, R_DELAY, R_NFIELDS };

static const drip__field ready_fields[R_NFIELDS] = {
    [R_TCP]   = {.key = "tcp", .kind = DRIP__K_CUSTOM, .fn = set_ready_tcp},
    [R_LOG]   = {.key = "log", .kind = DRIP__K_CUSTOM, .fn = set_ready_log},
    [R_DELAY] = {.key = "delay", .kind = DRIP__K_DUR, .off = offsetof(drip_ready_spec, delay_ns),
                 .size = sizeof(uint64_t), .umin = 1 * MS, .umax = HOUR,
                 .range = "a duration from 1ms to 1h"},
};

int drip__set_ready(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_external_spec *ext = obj;
    drip__seen seen[R_NFIELDS];
    size_t problems = ld->diags->count;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);

    if (r <= 0)
        return r;
    memset(seen, 0, sizeof seen);
    ext->ready.pos = drip__pos(v);
    drip__mapwalk w = {ready_fields, R_NFIELDS, path, "key", NULL, &ext->ready, seen};
    if (drip__walk_fields(ld, v, &w) < 0)
        return -1;
    if (ld->diags->count != problems)
        return 0;
    int which = one_of(ld, v, path, ready_fields, seen, R_NFIELDS, "tcp, log or delay");
    static const drip_ready_kind kinds[R_NFIELDS] = {DRIP_READY_TCP, DRIP_READY_LOG,
                                                     DRIP_READY_DELAY};
    if (which >= 0)
        ext->ready.kind = kinds[which];
    return 0;
}

/* ---- drive ------------------------------------------------------------------------ */

static int set_http_url(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_drive_spec *d = obj;
    const char *text;
    int r = url_text(ld, v, path, DRIP_TPL_PORT | DRIP_TPL_ITERATION | DRIP_TPL_SEED, &text);

    if (r <= 0)
        return r;
    free(d->url);
    d->url = xstrdup(text);
    return 0;
}

static int set_http_method(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE"};
    drip_drive_spec *d = obj;
    int i = 0;
    int r = drip__choice(ld, v, path, "GET, HEAD, POST, PUT or DELETE", methods, 5, &i);

    if (r > 0) {
        free(d->method);
        d->method = xstrdup(methods[i]);
    }
    return r < 0 ? -1 : 0;
}

static const drip__field http_fields[] = {
    {.key = "url", .kind = DRIP__K_CUSTOM, .required = true, .fn = set_http_url},
    {.key = "method", .kind = DRIP__K_CUSTOM, .fn = set_http_method},
    {.key = "concurrency", .kind = DRIP__K_UINT, .off = offsetof(drip_drive_spec, concurrency),
     .size = sizeof(uint32_t), .umin = 1, .umax = 256, .range = "an integer from 1 to 256"},
};

static int set_drive_http(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_drive_spec *d = obj;
    drip__seen seen[NELEM(http_fields)];
    char got[DRIP__SHOWN];

    if (v->type != YAML_MAPPING_START_EVENT) {
        drip__problem(ld, drip__pos(v), "'%s' must be a mapping with 'url' (and 'method', "
                      "'concurrency'), got %s", path, drip__got(v, got));
        return drip__skip(ld, v);
    }
    memset(seen, 0, sizeof seen);
    drip__mapwalk w = {http_fields, NELEM(http_fields), path, "key", NULL, d, seen};
    return drip__walk_fields(ld, v, &w) < 0 ? -1 : 0;
}

static int set_drive_command(drip__loader *ld, void *obj, const yaml_event_t *v,
                             const char *path)
{
    drip_drive_spec *d = obj;
    return drip__read_argv(ld, v, path,
                           DRIP_TPL_PORT | DRIP_TPL_ITERATION | DRIP_TPL_SEED | DRIP_TPL_BIN |
                               DRIP_TPL_GO_BIN,
                           &d->command, &d->ncommand);
}

enum { D_HTTP, D_COMMAND, D_INTERVAL, D_TIMEOUT, D_NFIELDS };

#define DRIVE(m) .off = offsetof(drip_drive_spec, m), .size = sizeof(uint64_t)
static const drip__field drive_fields[D_NFIELDS] = {
    [D_HTTP]     = {.key = "http", .kind = DRIP__K_CUSTOM, .fn = set_drive_http},
    [D_COMMAND]  = {.key = "command", .kind = DRIP__K_CUSTOM, .fn = set_drive_command},
    [D_INTERVAL] = {.key = "interval", .kind = DRIP__K_DUR, DRIVE(interval_ns),
                    .umin = 1 * MS, .umax = HOUR, .range = "a duration from 1ms to 1h"},
    [D_TIMEOUT]  = {.key = "timeout", .kind = DRIP__K_DUR, DRIVE(timeout_ns),
                    .umin = 1 * MS, .umax = HOUR, .range = "a duration from 1ms to 1h"},
};
#undef DRIVE

int drip__set_drive(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_external_spec *ext = obj;
    drip__seen seen[D_NFIELDS];
    size_t problems = ld->diags->count;
    char got[DRIP__SHOWN];

    if (v->type != YAML_MAPPING_START_EVENT) {
        drip__problem(ld, drip__pos(v), "'%s' must be a mapping with one of http, command or "
                      "interval, got %s", path, drip__got(v, got));
        return drip__skip(ld, v);
    }
    memset(seen, 0, sizeof seen);
    ext->drive.pos = drip__pos(v);
    drip__mapwalk w = {drive_fields, D_NFIELDS, path, "key", NULL, &ext->drive, seen};
    if (drip__walk_fields(ld, v, &w) < 0)
        return -1;
    if (ld->diags->count != problems)
        return 0;
    int which = one_of(ld, v, path, drive_fields, seen, D_TIMEOUT, "http, command or interval");
    static const drip_drive_kind kinds[] = {DRIP_DRIVE_HTTP, DRIP_DRIVE_COMMAND,
                                            DRIP_DRIVE_INTERVAL};
    if (which < 0)
        return 0;
    ext->drive.kind = kinds[which];
    if (which == D_INTERVAL && seen[D_TIMEOUT].key.line)
        drip__problem(ld, seen[D_TIMEOUT].key, "'%s.timeout' limits one HTTP request or "
                      "command run: an interval has none", path);
    return 0;
}

/* ---- metrics ---------------------------------------------------------------------- */

typedef struct map_ctx {
    drip_metrics_spec *m;
    drip_pos           at[DRIP_M_COUNT + DRIP_METRIC_CUSTOM_MAX];   /* values, by entry */
} map_ctx;

/* A custom metric's name: a scenario name's characters, not a CSV column
 * Drip already writes. */
static bool custom_name_ok(const char *s)
{
    return drip_valid_name(s) && strlen(s) <= 64 && strcmp(s, "iteration") != 0 &&
           strcmp(s, "time_s") != 0;
}

/* The long form of a map entry, `{ name: SOURCE, unit: U, resolution: R }`. */
typedef struct long_entry {
    char  *name;
    char  *unit;
    double resolution;
} long_entry;

enum { L_NAME, L_UNIT, L_RESOLUTION, L_NFIELDS };

static const drip__field long_fields[L_NFIELDS] = {
    [L_NAME]       = {.key = "name", .kind = DRIP__K_STR, .required = true,
                      .off = offsetof(long_entry, name)},
    [L_UNIT]       = {.key = "unit", .kind = DRIP__K_NAME, .off = offsetof(long_entry, unit)},
    [L_RESOLUTION] = {.key = "resolution", .kind = DRIP__K_NUM,
                      .off = offsetof(long_entry, resolution), .dmin = 1e-9, .dmax = 1e15,
                      .range = "a number above 0 (at most 1e15)"},
};

/* Read an entry's value v (a source, or the long form's mapping) into *e;
 * *at: where the source is.  1 when e->name is set, 0 when a problem was
 * reported, -1 after a syntax error.  e's strings are the caller's. */
static int entry_value(drip__loader *ld, const char *key, bool custom, const yaml_event_t *v,
                       long_entry *e, drip_pos *at)
{
    char *path = xasprintf("workload.metrics.map.%s", key);
    const char *text;
    int r;

    *at = drip__pos(v);
    if (v->type != YAML_MAPPING_START_EVENT) {
        r = drip__text(ld, v, path, "a metric name or a dotted path, or a mapping with "
                       "'name' (and 'unit', 'resolution')", &text);
        if (r > 0)
            e->name = xstrdup(text);
        goto cleanup;
    }
    drip__seen seen[L_NFIELDS];
    memset(seen, 0, sizeof seen);
    drip__mapwalk w = {long_fields, L_NFIELDS, path, "key", NULL, e, seen};
    r = drip__walk_fields(ld, v, &w) < 0 ? -1 : 1;
    for (int f = L_UNIT; r > 0 && !custom && f < L_NFIELDS; f++)
        if (seen[f].key.line)
            drip__problem(ld, seen[f].key, "'%s.%s': '%s' is Drip's metric, with Drip's %s",
                          path, long_fields[f].key, key, long_fields[f].key);
    *at = seen[L_NAME].val;
    if (r > 0 && !e->name)
        r = 0;                                   /* missing: reported by the walk */
cleanup:
    free(path);
    return r;
}

/* `NAME: SOURCE` or `NAME: { name: SOURCE, unit: U, resolution: R }`: NAME
 * is Drip's metric (replaced) or a new custom one (unit and resolution for
 * a custom one only). */
static int map_entry(drip__loader *ld, void *ctx, const char *key, const yaml_event_t *k,
                     const yaml_event_t *v)
{
    map_ctx *c = ctx;
    drip_metrics_spec *m = c->m;
    char shown[DRIP__SHOWN];
    int metric = drip_metric_find(key);
    long_entry e = {0};
    drip_pos at;

    if (metric < 0 && !custom_name_ok(key)) {
        drip__problem(ld, drip__pos(k), "'workload.metrics.map': '%s' is not a metric name "
                      "([A-Za-z0-9._-]+, at most 64, not iteration or time_s)",
                      drip__shown(key, shown));
        return v ? drip__skip(ld, v) : 0;
    }
    if (metric < 0 && m->ncustom == DRIP_METRIC_CUSTOM_MAX) {
        drip__problem(ld, drip__pos(k), "'workload.metrics.map' names more than %d metrics of "
                      "the program's own", DRIP_METRIC_CUSTOM_MAX);
        return v ? drip__skip(ld, v) : 0;
    }
    if (!v)
        return 0;
    int r = entry_value(ld, key, metric < 0, v, &e, &at);
    if (r <= 0) {
        free(e.name);
        free(e.unit);
        return r;
    }
    if (metric < 0)
        metric = DRIP_M_COUNT + (int)m->ncustom++;
    c->at[m->nmap] = at;
    m->map = drip__grow_to(m->map, m->nmap, sizeof *m->map);
    m->map[m->nmap++] = (drip_metric_source){xstrdup(key), metric, e.name, e.unit, e.resolution,
                                             drip__pos(k)};
    return 0;
}

static int set_metrics_map(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    map_ctx *c = obj;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);

    if (r <= 0) {
        if (r == 0 && drip__is_null(v))
            drip__problem(ld, drip__pos(v), "'%s' must name at least one metric", path);
        return r;
    }
    long n = drip__walk_map(ld, map_entry, c);
    if (n == 0)
        drip__problem(ld, drip__pos(v), "'%s' must name at least one metric", path);
    return n < 0 ? -1 : 0;
}

static int set_metrics_url(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_metrics_spec *m = ((map_ctx *)obj)->m;
    const char *text;
    int r = url_text(ld, v, path, DRIP_TPL_PORT | DRIP_TPL_SEED, &text);

    if (r <= 0)
        return r;
    free(m->url);
    m->url = xstrdup(text);
    return 0;
}

/* goroutine_profile: true or false (issue 16: the parked stacks of a Go
 * program, fetched at the end of the run). */
static int set_goroutine_profile(drip__loader *ld, void *obj, const yaml_event_t *v,
                                 const char *path)
{
    return drip__bool(ld, v, path, &((map_ctx *)obj)->m->goroutine_profile) < 0 ? -1 : 0;
}

enum { M_PROMETHEUS, M_EXPVAR, M_MAP, M_GOROUTINES, M_NFIELDS };

static const drip__field metrics_fields[M_NFIELDS] = {
    [M_PROMETHEUS] = {.key = "prometheus", .kind = DRIP__K_CUSTOM, .fn = set_metrics_url},
    [M_EXPVAR]     = {.key = "expvar", .kind = DRIP__K_CUSTOM, .fn = set_metrics_url},
    [M_MAP]        = {.key = "map", .kind = DRIP__K_CUSTOM, .required = true,
                      .fn = set_metrics_map},
    [M_GOROUTINES] = {.key = "goroutine_profile", .kind = DRIP__K_CUSTOM,
                      .fn = set_goroutine_profile},
};

/* Each source must be what the format reads: a selector or a path. */
static void check_sources(drip__loader *ld, const map_ctx *c)
{
    const drip_metrics_spec *m = c->m;

    for (size_t i = 0; i < m->nmap; i++) {
        char *why = NULL;
        int bad;
        if (m->kind == DRIP_SCRAPE_PROMETHEUS) {
            drip_prom_selector sel = {0};
            bad = drip_prom_selector_parse(m->map[i].source, &sel, &why) < 0;
            drip_prom_selector_free(&sel);
        } else {
            bad = drip_expvar_path_check(m->map[i].source, &why) < 0;
        }
        if (bad)
            drip__problem(ld, c->at[i], "'workload.metrics.map.%s' is not %s: %s",
                          m->map[i].name, m->kind == DRIP_SCRAPE_PROMETHEUS
                              ? "a Prometheus selector (name or name{label=\"v\"})"
                              : "an expvar path (such as memstats.HeapInuse)",
                          why ? why : "out of memory");
        free(why);
    }
}

int drip__set_metrics(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_external_spec *ext = obj;
    map_ctx *c = xcalloc(1, sizeof *c);
    drip__seen seen[M_NFIELDS];
    size_t problems = ld->diags->count;
    int rc = -1;

    c->m = &ext->metrics;
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0) {
        rc = r;
        goto cleanup;
    }
    memset(seen, 0, sizeof seen);
    ext->metrics.pos = drip__pos(v);
    drip__mapwalk w = {metrics_fields, M_NFIELDS, path, "key", NULL, c, seen};
    if (drip__walk_fields(ld, v, &w) < 0)
        goto cleanup;
    rc = 0;
    if (ld->diags->count != problems)
        goto cleanup;
    int which = one_of(ld, v, path, metrics_fields, seen, M_MAP,
                       "prometheus or expvar (the URL where the program publishes them)");
    if (which < 0)
        goto cleanup;
    ext->metrics.kind = which == M_PROMETHEUS ? DRIP_SCRAPE_PROMETHEUS : DRIP_SCRAPE_EXPVAR;
    check_sources(ld, c);
cleanup:
    free(c);
    return rc;
}
