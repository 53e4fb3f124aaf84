/* yaml_schema.c - what the keys of a scenario document mean.
 *
 * Plain values (strings, names, integers, numbers, sizes, durations) are
 * rows in the field tables below and are read by the walker in
 * yaml_load.c; the functions here handle what a row cannot say: the two
 * forms of `workload`, free-form `params`, the `faults` sequence, the
 * metric-keyed `expect` mapping, and checks across keys.  The sections of
 * the extra passes (valgrind, sweep, profile) are in yaml_passes.c.  docs/SCENARIOS.md
 * is the user's view of the same schema; keep them in step.
 */
#include "yaml_walk.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "util/util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Make room for element n of an array that has no capacity field: the
 * capacity is implied as the next power of two, so growth stays amortized. */
void *drip__grow_to(void *items, size_t n, size_t size)
{
    if (n == 0 || (n & (n - 1)) == 0)
        items = xrealloc(items, (n ? 2 * n : 1) * size);
    return items;
}

/* ---- workload ---------------------------------------------------------------- */

/* A relative plugin (or suppression file) path names a file next to the
 * YAML file, whatever the working directory; the result always holds a '/', so dlopen() never
 * searches the library path for it.  A file under /dev/ or /proc/
 * (/dev/stdin, bash's <(...) as /dev/fd/63) has no directory of its own:
 * there the path is taken from the working directory.  Caller frees. */
char *drip__resolve_path(const char *file, const char *rel)
{
    const char *base = drip_path_base(file);   /* file's folder is file[0, base) */

    if (rel[0] == '/')
        return xstrdup(rel);
    if (strncmp(file, "/dev/", 5) == 0 || strncmp(file, "/proc/", 6) == 0)
        base = file;                         /* a stream: from the working directory */
    while (rel[0] == '.' && rel[1] == '/')  /* "./x.so": the directory is added anyway */
        for (rel += 2; *rel == '/'; rel++)
            ;
    if (base == file)                        /* no folder: the working directory */
        return xasprintf("./%s", rel);
    return xasprintf("%.*s%s", (int)(base - file), file, rel);   /* the folder's '/' kept */
}

/* `workload: NAME` (built-in), or a mapping: `{ plugin: PATH }` or a
 * program, `{ command: [...], ... }` (yaml_workload.c). */
static int set_workload(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = obj;
    char shown[DRIP__SHOWN];
    const char *text;

    sc->workload_pos = drip__pos(v);
    if (v->type == YAML_MAPPING_START_EVENT)
        return drip__workload_mapping(ld, v, path, sc);
    int r = drip__text(ld, v, path, "a workload name or a mapping with 'plugin'", &text);
    if (r <= 0)
        return r;
    if (!drip_valid_name(text)) {
        drip__problem(ld, drip__pos(v), "'%s' must match [A-Za-z0-9._-]+, got '%s'", path,
                      drip__shown(text, shown));
        return 0;
    }
    sc->workload = xstrdup(text);
    return 0;
}

/* ---- params -------------------------------------------------------------------- */

/* Any scalar, kept as written (without its quotes): the workload decides
 * what type it wants when it asks (drip_param_int and friends). */
static int param_entry(drip__loader *ld, void *ctx, const char *key,
                       const yaml_event_t *k, const yaml_event_t *v)
{
    drip_scenario *sc = ctx;
    char shown[DRIP__SHOWN], got[DRIP__SHOWN];
    (void)k;

    if (!v)
        return 0;
    if (v->type != YAML_SCALAR_EVENT) {
        drip__problem(ld, drip__pos(v),
                      "'params.%s' must be a scalar (a string or a number), got %s",
                      drip__shown(key, shown), drip__got(v, got));
        return drip__skip(ld, v);
    }
    if (memchr(v->data.scalar.value, '\0', v->data.scalar.length)) {
        drip__problem(ld, drip__pos(v), "'params.%s' must not contain NUL characters",
                      drip__shown(key, shown));
        return 0;
    }
    sc->params = drip__grow_to(sc->params, sc->nparams, sizeof *sc->params);
    sc->params[sc->nparams++] = (drip_param){
        .key = xstrdup(key),
        .value = xstrdup((const char *)v->data.scalar.value),
        .pos = drip__pos(v),
    };
    return 0;
}

static int set_params(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    return drip__walk_map(ld, param_entry, obj) < 0 ? -1 : 0;
}

/* ---- run ----------------------------------------------------------------------- */

enum { RUN_ITERATIONS, RUN_DURATION, RUN_THREADS, RUN_SAMPLE_EVERY, RUN_WARMUP, RUN_TIMEOUT,
       RUN_SEED, RUN_HEAP_CEILING, RUN_STRICT, RUN_NFIELDS };

/* run.strict: true or false (configuration the workload never used fails
 * the scenario). */
static int set_strict(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    return drip__bool(ld, v, path, &((drip_run_spec *)obj)->strict) < 0 ? -1 : 0;
}

#define RUN(m) .off = offsetof(drip_run_spec, m), .size = sizeof(((drip_run_spec *)0)->m)
static const drip__field run_fields[RUN_NFIELDS] = {
    [RUN_ITERATIONS]   = {.key = "iterations", .kind = DRIP__K_UINT, RUN(iterations),
                          .umin = 1, .umax = 1000000000000ULL,
                          .range = "an integer from 1 to 1000000000000"},
    [RUN_DURATION]     = {.key = "duration", .kind = DRIP__K_DUR, RUN(duration_ns),
                          .umin = DRIP_DURATION_MIN_NS, .umax = DRIP_DURATION_MAX_NS,
                          .range = "a duration from 1s to 8760h"},
    [RUN_THREADS]      = {.key = "threads", .kind = DRIP__K_UINT, RUN(threads),
                          .umin = 1, .umax = 256, .range = "an integer from 1 to 256"},
    [RUN_SAMPLE_EVERY] = {.key = "sample_every", .kind = DRIP__K_UINT, RUN(sample_every),
                          .umin = 1, .umax = UINT64_MAX,
                          .range = "an integer from 1 to run.iterations"},
    [RUN_WARMUP]       = {.key = "warmup", .kind = DRIP__K_NUM, RUN(warmup),
                          .dmin = 0, .dmax = 0.9, .range = "a number from 0 to 0.9"},
    [RUN_TIMEOUT]      = {.key = "timeout", .kind = DRIP__K_DUR, RUN(timeout_ns),
                          .umin = 1, .umax = UINT64_MAX, .range = "a duration longer than 0"},
    [RUN_SEED]         = {.key = "seed", .kind = DRIP__K_UINT, RUN(seed),
                          .umin = 0, .umax = DRIP_SEED_MAX,
                          .range = "an integer from 0 to 9223372036854775807"},
    [RUN_HEAP_CEILING] = {.key = "heap_ceiling", .kind = DRIP__K_SIZE, RUN(heap_ceiling),
                          .umin = 1ULL << 20, .umax = INT64_MAX,
                          .range = "a size from 1MiB to 8EiB"},
    [RUN_STRICT]       = {.key = "strict", .kind = DRIP__K_CUSTOM, .fn = set_strict},
};
#undef RUN

/* A timed run (`duration`): it excludes iterations and sample_every (the
 * worker sizes epochs from the rate it measures), and its timeout, unless
 * written, follows the duration.  A written timeout must leave room for
 * the duration, or the run could only time out.  Called once every run
 * value read was good. */
static void settle_duration(drip__loader *ld, drip_run_spec *run, const drip__seen *seen)
{
    char a[32], b[32];
    if (seen[RUN_ITERATIONS].key.line) {
        drip__problem(ld, seen[RUN_DURATION].key, "'run.duration' and 'run.iterations' "
                      "exclude each other (line %d): a run is timed or counted, give one",
                      seen[RUN_ITERATIONS].key.line);
        return;
    }
    if (seen[RUN_SAMPLE_EVERY].key.line) {
        drip__problem(ld, seen[RUN_SAMPLE_EVERY].key, "'run.sample_every' cannot be given with "
                      "'run.duration': a timed run sizes its epochs from the measured rate, "
                      "for about %d samples", DRIP_DURATION_SAMPLES);
        return;
    }
    if (seen[RUN_TIMEOUT].key.line && run->timeout_ns <= run->duration_ns) {
        snprintf(a, sizeof a, "%.6g s", (double)run->timeout_ns / 1e9);
        snprintf(b, sizeof b, "%.6g s", (double)run->duration_ns / 1e9);
        drip__problem(ld, seen[RUN_TIMEOUT].val, "'run.timeout' (%s) must be longer than "
                      "'run.duration' (%s), or the run always times out; leave it out for "
                      "the duration + 60 s + 10%%", a, b);
        return;
    }
    run->timeout_set = seen[RUN_TIMEOUT].key.line != 0;
    drip_run_spec_set_duration(run, run->duration_ns);
}

/* Read `run:`, then settle sample_every: its default follows iterations,
 * and a slope needs two fitted halves of DRIP_MIN_FIT_SAMPLES samples.  The
 * sample count is judged only when every run value was good, so a typo in
 * iterations does not also produce a complaint about samples.  A timed run
 * (`duration`) is settled by settle_duration instead. */
static int set_run(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = obj;
    drip_run_spec *run = &sc->run;
    drip__seen seen[RUN_NFIELDS];
    drip__mapwalk w = {run_fields, RUN_NFIELDS, path, "key", NULL, run, seen};
    size_t problems = ld->diags->count;
    int r;

    memset(seen, 0, sizeof seen);
    r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    if (drip__walk_fields(ld, v, &w) < 0)
        return -1;
    if (ld->diags->count != problems)
        return 0;
    run->timeout_set = seen[RUN_TIMEOUT].key.line != 0;
    if (seen[RUN_DURATION].key.line) {
        settle_duration(ld, run, seen);
        return 0;
    }
    if (!seen[RUN_SAMPLE_EVERY].key.line)
        run->sample_every = run->iterations / 200 > 1 ? run->iterations / 200 : 1;

    uint64_t samples = run->iterations / run->sample_every;
    if (samples < 2 * DRIP_MIN_FIT_SAMPLES) {
        drip_pos at = seen[RUN_SAMPLE_EVERY].key.line ? seen[RUN_SAMPLE_EVERY].val
                                                      : seen[RUN_ITERATIONS].val;
        drip__problem(ld, at, "run gives only %" PRIu64 " samples (iterations / sample_every = "
                      "%" PRIu64 " / %" PRIu64 "); at least %d are needed to fit a slope",
                      samples, run->iterations, run->sample_every, 2 * DRIP_MIN_FIT_SAMPLES);
    }
    return 0;
}

/* ---- faults ------------------------------------------------------------------- */

/* A fault entry fires by chance (`rate`) or on a schedule (`every` and/or
 * `nth`), never both: exactly one form per entry is checked in fault_item,
 * after the table has read whatever keys were given. */

#define FAULT_EVERY_MAX 1000000000000ULL     /* run.iterations' own maximum */
#define FAULT_NTH_VALUE_MAX 1000000000ULL

/* One `nth` entry, read as a mapping value would be. */
static const drip__field nth_value_field = {
    .key = "nth", .kind = DRIP__K_UINT, .off = 0, .size = sizeof(uint64_t), .umin = 1,
    .umax = FAULT_NTH_VALUE_MAX, .range = "an integer from 1 to 1000000000",
};

typedef struct nth_list {
    const char *path;                        /* "faults[0].nth" */
    uint64_t    value[DRIP_FAULT_NTH_MAX];
    drip_pos    at[DRIP_FAULT_NTH_MAX];
    size_t      n;
    bool        full;                        /* "too many" was reported */
} nth_list;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One item of `nth: [...]`: an integer from 1 up, not listed before, and
 * no more than DRIP_FAULT_NTH_MAX of them. */
static int nth_item(drip__loader *ld, void *ctx, size_t index, const yaml_event_t *v)
{
    nth_list *l = ctx;
    char *path = xasprintf("%s[%zu]", l->path, index);
    size_t problems = ld->diags->count;
    uint64_t k = 0;
    int rc = drip__read_field(ld, &nth_value_field, &k, v, path);

    if (rc < 0 || ld->diags->count != problems)
        goto cleanup;
    for (size_t j = 0; j < l->n; j++) {
        if (l->value[j] == k) {
            drip__problem(ld, drip__pos(v), "'%s' lists %llu twice (first at line %d, column %d)",
                          l->path, (unsigned long long)k, l->at[j].line, l->at[j].col);
            goto cleanup;
        }
    }
    if (l->n == DRIP_FAULT_NTH_MAX) {
        if (!l->full)
            drip__problem(ld, drip__pos(v), "'%s' lists more than %d asks", l->path,
                          DRIP_FAULT_NTH_MAX);
        l->full = true;
        goto cleanup;
    }
    l->value[l->n] = k;
    l->at[l->n++] = drip__pos(v);
cleanup:
    free(path);
    return rc;
}

/* `nth: [K, ...]`: which asks of an iteration fire (1-based), stored sorted
 * in the drip_fault_spec obj.  Nothing is stored when a problem was found. */
static int set_nth(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_fault_spec *f = obj;
    nth_list *l = NULL;
    size_t problems = ld->diags->count;
    char got[DRIP__SHOWN], shown[DRIP__SHOWN];
    int rc = 0;

    if (v->type != YAML_SEQUENCE_START_EVENT) {
        const char *text = v->type == YAML_SCALAR_EVENT ? (const char *)v->data.scalar.value : "";
        bool integer = drip__is_plain(v) && *text && strspn(text, "0123456789") == strlen(text);
        drip__problem(ld, drip__pos(v),
                      "'%s' must be a sequence of integers such as [2, 5], got %s%s%s%s", path,
                      drip__got(v, got), integer ? " (write [" : "",
                      integer ? drip__shown(text, shown) : "", integer ? "])" : "");
        return drip__skip(ld, v);
    }
    l = xcalloc(1, sizeof *l);
    l->path = path;
    if (drip__walk_seq(ld, nth_item, l) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (ld->diags->count != problems)
        goto cleanup;
    if (l->n == 0) {
        drip__problem(ld, drip__pos(v),
                      "'%s' must list at least one ask (1 is the first), got an empty sequence",
                      path);
        goto cleanup;
    }
    qsort(l->value, l->n, sizeof l->value[0], cmp_u64);
    free(f->nth);
    f->nth = xmalloc(l->n * sizeof *f->nth);
    memcpy(f->nth, l->value, l->n * sizeof *f->nth);
    f->nnth = l->n;
cleanup:
    free(l);
    return rc;
}

enum { FAULT_POINT, FAULT_RATE, FAULT_EVERY, FAULT_NTH, FAULT_MIN_SIZE, FAULT_MAX_SIZE,
       FAULT_NFIELDS };

static const drip__field fault_fields[FAULT_NFIELDS] = {
    [FAULT_POINT] = {.key = "point", .kind = DRIP__K_NAME, .required = true,
                     .off = offsetof(drip_fault_spec, point)},
    [FAULT_RATE]  = {.key = "rate", .kind = DRIP__K_NUM,
                     .off = offsetof(drip_fault_spec, rate), .dmin = 0, .dmax = 1,
                     .range = "a number from 0 to 1"},
    [FAULT_EVERY] = {.key = "every", .kind = DRIP__K_UINT,
                     .off = offsetof(drip_fault_spec, every), .size = sizeof(uint64_t),
                     .umin = 1, .umax = FAULT_EVERY_MAX,
                     .range = "an integer from 1 to 1000000000000"},
    [FAULT_NTH]   = {.key = "nth", .kind = DRIP__K_CUSTOM, .fn = set_nth},
    [FAULT_MIN_SIZE] = {.key = "min_size", .kind = DRIP__K_SIZE,
                        .off = offsetof(drip_fault_spec, min_size), .umin = 0,
                        .umax = UINT64_MAX, .range = "a size such as 1KiB"},
    [FAULT_MAX_SIZE] = {.key = "max_size", .kind = DRIP__K_SIZE,
                        .off = offsetof(drip_fault_spec, max_size), .umin = 0,
                        .umax = UINT64_MAX, .range = "a size such as 1MiB"},
};

typedef struct faults_ctx {
    drip_scenario *sc;
    drip__keyset   points;                  /* point -> line first given */
} faults_ctx;

/* Exactly one form: `rate`, or `every` and/or `nth`.  A mix is reported at
 * the schedule's key, a missing form where the item starts (as a missing
 * key would be). */
static void check_fault_form(drip__loader *ld, const drip__seen *seen, const char *path,
                             drip_pos item)
{
    bool rate = seen[FAULT_RATE].key.line, every = seen[FAULT_EVERY].key.line,
         nth = seen[FAULT_NTH].key.line;

    if (rate && (every || nth))
        drip__problem(ld, every ? seen[FAULT_EVERY].key : seen[FAULT_NTH].key,
                      "'%s' has both 'rate' and '%s': a fault fires either by chance (rate) "
                      "or on a schedule (every, nth), not both",
                      path, every ? "every" : "nth");
    else if (!rate && !every && !nth)
        drip__problem(ld, item, "%s: missing required key 'rate' (or 'every' and/or 'nth' "
                      "for a fault on a schedule)", path);
}

/* One `- { point: P, rate: R }` (or with every/nth).  Its position is the
 * item's.  A point named twice is reported at the second `point` value. */
static int fault_item(drip__loader *ld, void *ctx, size_t index, const yaml_event_t *v)
{
    faults_ctx *c = ctx;
    drip_scenario *sc = c->sc;
    drip_fault_spec f = {.pos = drip__pos(v), .max_size = UINT64_MAX};
    drip__seen seen[FAULT_NFIELDS];
    char path[48], got[DRIP__SHOWN];
    size_t problems = ld->diags->count;
    int rc = -1;

    memset(seen, 0, sizeof seen);
    snprintf(path, sizeof path, "faults[%zu]", index);
    if (v->type != YAML_MAPPING_START_EVENT) {
        drip__problem(ld, drip__pos(v), "'%s' must be a mapping with 'point' and 'rate', got %s",
                      path, drip__got(v, got));
        return drip__skip(ld, v);
    }
    drip__mapwalk w = {fault_fields, FAULT_NFIELDS, path, "key", NULL, &f, seen};
    if (drip__walk_fields(ld, v, &w) < 0)
        goto cleanup;
    check_fault_form(ld, seen, path, f.pos);
    if (f.point && strcmp(f.point, DRIP_FAULT_ALLOC) != 0 &&
        (seen[FAULT_MIN_SIZE].key.line || seen[FAULT_MAX_SIZE].key.line)) {
        drip__problem(ld, seen[FAULT_MIN_SIZE].key.line ? seen[FAULT_MIN_SIZE].key
                                                        : seen[FAULT_MAX_SIZE].key,
                      "'%s': min_size and max_size apply to the '%s' point only", path,
                      DRIP_FAULT_ALLOC);
    } else if (f.min_size > f.max_size) {
        drip__problem(ld, seen[FAULT_MIN_SIZE].val,
                      "'%s': min_size %llu is above max_size %llu, so nothing can fail", path,
                      (unsigned long long)f.min_size, (unsigned long long)f.max_size);
    }
    if (f.point) {
        int first = drip__keyset_add(&c->points, f.point, seen[FAULT_POINT].val.line);
        if (first)
            drip__problem(ld, seen[FAULT_POINT].val,
                          "duplicate fault point '%s' (first at line %d)", f.point, first);
    }
    if (ld->diags->count == problems) {
        sc->faults = drip__grow_to(sc->faults, sc->nfaults, sizeof *sc->faults);
        sc->faults[sc->nfaults++] = f;
        f.point = NULL;                      /* moved */
        f.nth = NULL;
    }
    rc = 0;
cleanup:
    free(f.point);
    free(f.nth);
    return rc;
}

static int set_faults(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    faults_ctx c = {obj, {0}};
    int r = drip__want(ld, v, path, YAML_SEQUENCE_START_EVENT);

    if (r <= 0)
        return r;
    r = drip__walk_seq(ld, fault_item, &c);
    drip__keyset_free(&c.points);
    return r;
}

/* ---- expect ------------------------------------------------------------------- */

typedef struct rules {
    double       max_slope, min_slope;      /* NaN: not given */
    double       max_after_teardown;        /* NaN: not given */
    drip_verdict verdict;                   /* UNKNOWN: not given */
    int          growing;                   /* -1: not given; 0 false; 1 true */
} rules;

/* `growing: false` (the lesson's "not growing": the verdict flat or bounded,
 * judged with the slopes' confidence intervals, no point slope involved)
 * or `growing: true`.  Each is a verdict rule: bounded, or growing. */
static int set_growing(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    bool growing;
    int t = drip__bool(ld, v, path, &growing);
    if (t == 1)
        ((rules *)obj)->growing = growing;
    return t < 0 ? -1 : 0;
}

static int set_verdict(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    rules *r = obj;
    char shown[DRIP__SHOWN];
    const char *text;
    int t = drip__text(ld, v, path, "one of flat, bounded, growing", &text);

    if (t <= 0)
        return t;
    if (drip_verdict_parse(text, &r->verdict) < 0)
        drip__problem(ld, drip__pos(v), "'%s' must be one of flat, bounded, growing, got '%s'",
                      path, drip__shown(text, shown));
    return 0;
}

enum { RULE_MAX_SLOPE, RULE_MIN_SLOPE, RULE_VERDICT, RULE_MAX_AFTER_TEARDOWN, RULE_GROWING,
       RULE_NFIELDS };

static const drip__field rule_fields[RULE_NFIELDS] = {
    [RULE_MAX_SLOPE] = {.key = "max_slope", .kind = DRIP__K_NUM, .off = offsetof(rules, max_slope),
                        .dmin = -DBL_MAX, .dmax = DBL_MAX, .range = "a number"},
    [RULE_MIN_SLOPE] = {.key = "min_slope", .kind = DRIP__K_NUM, .off = offsetof(rules, min_slope),
                        .dmin = -DBL_MAX, .dmax = DBL_MAX, .range = "a number"},
    [RULE_VERDICT]   = {.key = "verdict", .kind = DRIP__K_CUSTOM, .fn = set_verdict},
    [RULE_MAX_AFTER_TEARDOWN] = {.key = "max_after_teardown", .kind = DRIP__K_NUM,
                                 .off = offsetof(rules, max_after_teardown),
                                 .dmin = -DBL_MAX, .dmax = DBL_MAX, .range = "a number"},
    [RULE_GROWING]   = {.key = "growing", .kind = DRIP__K_CUSTOM, .fn = set_growing},
};

static void add_expect(drip_scenario *sc, int metric, drip_rule rule, double limit,
                       drip_verdict verdict, drip_pos pos)
{
    sc->expects = drip__grow_to(sc->expects, sc->nexpects, sizeof *sc->expects);
    sc->expects[sc->nexpects++] = (drip_expect){metric, rule, limit, verdict, pos};
}

/* `METRIC: { RULE: VALUE, ... }`: one drip_expect per rule, in the order
 * max_slope, min_slope, verdict, each at its key's position. */
static int expect_entry(drip__loader *ld, void *ctx, const char *key,
                        const yaml_event_t *k, const yaml_event_t *v)
{
    drip_scenario *sc = ctx;
    int metric = drip_metric_find(key);
    rules r = {NAN, NAN, NAN, DRIP_VERDICT_UNKNOWN, -1};
    drip__seen seen[RULE_NFIELDS];
    char got[DRIP__SHOWN];
    char *path = NULL, *where = NULL;
    size_t problems = ld->diags->count, first = sc->nexpects;
    bool later = false;                      /* maybe a program's metric: settled at the end */
    long n = 0;
    int rc = 0;

    memset(seen, 0, sizeof seen);
    if (metric < 0 && (metric = drip__expect_metric(ld, sc, key, drip__pos(k), &later)) < 0 &&
        !later)
        return v ? drip__skip(ld, v) : 0;
    if (!v)
        return 0;
    path = drip__path("expect", key);
    where = xasprintf("for '%s'", key);
    if (v->type == YAML_MAPPING_START_EVENT) {
        drip__mapwalk w = {rule_fields, RULE_NFIELDS, path, "rule", where, &r, seen};
        n = drip__walk_fields(ld, v, &w);
        if (n < 0) {
            rc = -1;
            goto cleanup;
        }
    } else if (!drip__is_null(v)) {
        drip__problem(ld, drip__pos(v), "'%s' must be a mapping of rules, got %s", path,
                      drip__got(v, got));
        rc = drip__skip(ld, v);
        goto cleanup;
    }
    if (n == 0) {
        drip__problem(ld, drip__pos(v), "'%s' has no rules (give max_slope, min_slope, verdict, "
                      "growing or max_after_teardown)",
                      path);
        goto cleanup;
    }
    if (ld->diags->count != problems)
        goto cleanup;
    if (r.min_slope > r.max_slope) {         /* false when either is NaN */
        drip__problem(ld, seen[RULE_MIN_SLOPE].val,
                      "'%s': min_slope %g is above max_slope %g, so no slope can pass", path,
                      r.min_slope, r.max_slope);
        goto cleanup;
    }
    if (!isnan(r.max_slope))
        add_expect(sc, metric, DRIP_RULE_MAX_SLOPE, r.max_slope, DRIP_VERDICT_UNKNOWN,
                   seen[RULE_MAX_SLOPE].key);
    if (!isnan(r.min_slope))
        add_expect(sc, metric, DRIP_RULE_MIN_SLOPE, r.min_slope, DRIP_VERDICT_UNKNOWN,
                   seen[RULE_MIN_SLOPE].key);
    if (r.verdict != DRIP_VERDICT_UNKNOWN)
        add_expect(sc, metric, DRIP_RULE_VERDICT, 0, r.verdict, seen[RULE_VERDICT].key);
    if (r.growing >= 0)
        add_expect(sc, metric, DRIP_RULE_VERDICT, 0,
                   r.growing ? DRIP_VERDICT_GROWING : DRIP_VERDICT_BOUNDED,
                   seen[RULE_GROWING].key);
    if (!isnan(r.max_after_teardown))
        add_expect(sc, metric, DRIP_RULE_MAX_AFTER_TEARDOWN, r.max_after_teardown,
                   DRIP_VERDICT_UNKNOWN, seen[RULE_MAX_AFTER_TEARDOWN].key);
cleanup:
    if (later)
        drip__later_add(ld, key, drip__pos(k), first, sc->nexpects - first);
    free(path);
    free(where);
    return rc;
}

/* `expect:` is a mapping of METRIC: { RULE: VALUE } or the word `none`
 * (nothing is checked).  Without the key, the runner checks that nothing
 * grows (drip_judge). */
static int set_expect(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path)
{
    drip_scenario *sc = obj;
    sc->expect_given = true;
    if (v->type == YAML_SCALAR_EVENT && drip__is_plain(v) &&
        strcmp((const char *)v->data.scalar.value, "none") == 0) {
        sc->expect_none = true;
        return 0;
    }
    if (v->type == YAML_SCALAR_EVENT && !drip__is_null(v)) {
        char got[DRIP__SHOWN];
        drip__problem(ld, drip__pos(v), "'%s' must be a mapping of metrics to rules, or none "
                      "(check nothing), got %s", path, drip__got(v, got));
        return 0;
    }
    int r = drip__want(ld, v, path, YAML_MAPPING_START_EVENT);
    if (r <= 0)
        return r;
    return drip__walk_map(ld, expect_entry, obj) < 0 ? -1 : 0;
}

/* ---- the document ------------------------------------------------------------- */


static const drip__field root_fields[] = {
    {.key = "name", .kind = DRIP__K_NAME, .required = true, .off = offsetof(drip_scenario, name)},
    {.key = "description", .kind = DRIP__K_STR, .off = offsetof(drip_scenario, description)},
    {.key = "workload", .kind = DRIP__K_CUSTOM, .required = true, .fn = set_workload},
    {.key = "params", .kind = DRIP__K_CUSTOM, .fn = set_params},
    {.key = "run", .kind = DRIP__K_CUSTOM, .fn = set_run},
    {.key = "faults", .kind = DRIP__K_CUSTOM, .fn = set_faults},
    {.key = "expect", .kind = DRIP__K_CUSTOM, .fn = set_expect},
    {.key = "valgrind", .kind = DRIP__K_CUSTOM, .fn = drip__set_valgrind},
    {.key = "sweep", .kind = DRIP__K_CUSTOM, .fn = drip__set_sweep},
    {.key = "profile", .kind = DRIP__K_CUSTOM, .fn = drip__set_profile},
};

int drip__scenario_document(drip__loader *ld, const yaml_event_t *root, drip_pos doc,
                            drip_scenario *sc)
{
    drip__seen seen[NELEM(root_fields)];
    char got[DRIP__SHOWN];

    memset(seen, 0, sizeof seen);
    if (root->type == YAML_MAPPING_START_EVENT) {
        drip__mapwalk w = {root_fields, NELEM(root_fields), "", "key", NULL, sc, seen};
        int rc = drip__walk_fields(ld, root, &w) < 0 ? -1 : 0;
        drip__scenario_settle(ld, sc);       /* checks across keys (yaml_workload.c) */
        return rc;
    }
    if (drip__is_null(root)) {
        drip__problem(ld, doc, "empty document: a scenario needs at least 'name' and 'workload'");
        return 0;
    }
    drip__problem(ld, drip__pos(root),
                  "a scenario must be a mapping with 'name' and 'workload', got %s",
                  drip__got(root, got));
    return drip__skip(ld, root);
}
