/* scenario.h - the scenario model and its YAML loader.
 *
 * A scenario file holds one or more YAML documents ("---" separated), each
 * one scenario.  The loader walks libyaml's event stream against a table of
 * known keys, so every problem carries the file, line and column where it
 * was found (1-based, as editors count).  It reports every problem it can
 * find, not just the first.
 *
 * Ownership: drip_scenario_list owns its scenarios and every string in them;
 * drip_scenario_list_free releases it all.  drip_diags likewise.
 */
#ifndef DRIP_SCENARIO_H
#define DRIP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/results.h"   /* names.h: the valgrind and sweep checks; the seed limit */
#include "stats/stats.h"

/* ---- diagnostics ---------------------------------------------------------- */

typedef struct drip_diag {
    char *file;
    int   line, col;        /* 1-based; 0 when the problem has no position */
    char *message;
} drip_diag;

typedef struct drip_diags {
    drip_diag *items;
    size_t     count, cap;
} drip_diags;

/* Append "file:line:col: message".  Copies file and the formatted message. */
void drip_diags_add(drip_diags *d, const char *file, int line, int col,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Print each as "FILE:LINE:COL: error: MESSAGE\n" (or "FILE: error: ..."). */
void drip_diags_print(const drip_diags *d, void *stream /* FILE* */);
void drip_diags_free(drip_diags *d);

/* ---- model ---------------------------------------------------------------- */

typedef struct drip_pos { int line, col; } drip_pos;

typedef struct drip_param {
    char    *key;
    char    *value;          /* the scalar as written (unquoted) */
    drip_pos pos;
} drip_param;

/* The fault point that makes the workload's allocations fail. */
#define DRIP_FAULT_ALLOC "alloc"

/* At most this many entries in a fault's `nth:` list. */
#define DRIP_FAULT_NTH_MAX 64

/* One `faults:` entry, in one of two forms: by chance (`rate`), or on a
 * schedule (`every` and/or `nth`), counted per iteration so that the same
 * faults fire whatever the thread count.  The scheduled form is in use
 * when every or nnth is non-zero; rate is then 0 and unused. */
typedef struct drip_fault_spec {
    char     *point;
    double    rate;          /* probability per ask, 0..1 */
    uint64_t  every;         /* fire only in iterations i with (i + 1) % every == 0;
                                0 when not given (every iteration) */
    uint64_t *nth;           /* 1-based asks within an iteration that fire, sorted
                                ascending, unique; NULL when not given (the first) */
    size_t    nnth;          /* entries in nth, 0..DRIP_FAULT_NTH_MAX */
    uint64_t  min_size;      /* alloc only: sizes outside [min, max] never fail */
    uint64_t  max_size;      /* UINT64_MAX when not given */
    drip_pos  pos;
} drip_fault_spec;

typedef struct drip_expect {
    int          metric;     /* index into drip_metrics, or a custom slot
                                (drip_metric_is_custom): the program's map entry or
                                the workload's metric wmetrics[metric - DRIP_M_COUNT] */
    drip_rule    rule;
    double       limit;      /* slope rules */
    drip_verdict verdict;    /* DRIP_RULE_VERDICT */
    drip_pos     pos;
} drip_expect;

/* A run is counted in iterations, or timed (`duration`, a soak): then
 * iterations and sample_every are 0, the run ends at the first epoch
 * boundary after duration_ns, and the worker sizes its epochs from the
 * measured rate for about DRIP_DURATION_SAMPLES samples (worker/pace.h). */
#define DRIP_DURATION_SAMPLES 200
#define DRIP_DURATION_MIN_NS  1000000000ULL              /* 1 s */
#define DRIP_DURATION_MAX_NS  (8760ULL * 3600 * 1000000000ULL)   /* a year */

/* The largest seed: reports store it as a JSON integer, which readers
 * (jansson, and most JSON libraries) hold as a signed 64-bit number. */
#define DRIP_SEED_MAX 9223372036854775807ULL
_Static_assert(DRIP_SEED_MAX == DRIP_RESULTS_INT_MAX, "a seed fits in results.json");

typedef struct drip_run_spec {
    uint64_t iterations;     /* default 10000; 0 with a duration */
    uint64_t duration_ns;    /* 0: counted in iterations; else a timed run */
    uint32_t threads;        /* default 1; 1..256 */
    uint64_t sample_every;   /* default max(1, iterations / 200); 0 with a duration */
    double   warmup;         /* default 0.2; [0, 0.9] */
    uint64_t timeout_ns;     /* default 60 s; with a duration, drip_duration_timeout() */
    bool     timeout_set;    /* timeout was written in the file */
    uint64_t seed;           /* default 1 */
    uint64_t heap_ceiling;   /* default 1 GiB */
    bool     strict;         /* configuration never used (a fault point never asked, a
                                param never read, an expected gauge never moved) fails
                                the scenario; default false (--strict sets it) */
} drip_run_spec;

/* The valgrind pass (`valgrind:`): the worker again, under memcheck, with
 * its own iteration count, and limits per leak kind (bytes) and on errors.
 * Checks are in the order of drip_vg_kind (harness/valgrind/vgxml.h), then
 * errors. */
enum { DRIP_VGC_DEFINITELY, DRIP_VGC_INDIRECTLY, DRIP_VGC_POSSIBLY, DRIP_VGC_REACHABLE,
       DRIP_VGC_ERRORS, DRIP_VGC_COUNT };
/* their keys: drip_vg_check_names (results/names.h), "definitely_lost", ... */
_Static_assert(DRIP_VGC_COUNT == DRIP_VG_CHECKS, "one valgrind check per name");

typedef struct drip_valgrind_spec {
    bool     present;                /* the scenario has a valgrind: section */
    uint64_t iterations;             /* default 200 */
    uint64_t timeout_ns;             /* the pass's budget; 0: 50 x run.timeout */
    bool     has_max[DRIP_VGC_COUNT];
    uint64_t max[DRIP_VGC_COUNT];    /* bytes for leak kinds, a count for errors */
    char   **suppressions;           /* valgrind suppression files, resolved against
                                        the YAML file's directory */
    size_t   nsuppressions;
    drip_pos pos;
} drip_valgrind_spec;

/* Allocation-site profiling (`profile:`): which sites the live heap grows
 * at.  Sampled by bytes (mean `rate`, as Go's MemProfileRate) or precise
 * (every allocation).  Without a `rate` the worker chooses: it measures
 * the first iterations precisely and keeps every allocation when the run
 * is small enough, else the rate that gives a fixed budget of samples
 * (worker/profile.c).  `skip` names the workload's own allocation
 * wrappers, which a site's user frame passes over. */
typedef enum drip_profile_mode {
    DRIP_PROFILE_DEFAULT = 0,        /* not given: sampled */
    DRIP_PROFILE_OFF,
    DRIP_PROFILE_SAMPLED,
    DRIP_PROFILE_PRECISE,
} drip_profile_mode;

typedef struct drip_profile_spec {
    drip_profile_mode mode;
    uint64_t rate;                   /* bytes; 0 (default): chosen by the worker */
    char   **skip;                   /* function names: allocation wrappers */
    size_t   nskip;
    drip_pos pos;
} drip_profile_spec;

/* "off", "sampled", "precise" (DEFAULT reads "sampled"). */
const char *drip_profile_mode_name(drip_profile_mode m);

/* The failure sweep (`sweep:`, run by `drip sweep`): trial k runs one
 * iteration, after setup and `warmup` iterations, with the k-th allocation
 * failing (transient) or the k-th and every later one (persistent), then
 * teardown, and looks for blocks of that iteration still alive.  Limits
 * are in the order of drip_sweep_check_names; every one defaults to 0. */
enum { DRIP_SWEEP_TRANSIENT = 1, DRIP_SWEEP_PERSISTENT = 2 };
enum { DRIP_SWC_LEAKED_BYTES, DRIP_SWC_LEAKED_BLOCKS, DRIP_SWC_CRASHES, DRIP_SWC_HANGS,
       DRIP_SWC_COUNT };
/* their keys: drip_sweep_check_names (results/names.h), "leaked_bytes", ... */
_Static_assert(DRIP_SWC_COUNT == DRIP_SWEEP_CHECKS, "one sweep check per name");

typedef struct drip_sweep_spec {
    bool     present;                /* the scenario has a sweep: section */
    unsigned modes;                  /* DRIP_SWEEP_* bits; default both */
    uint64_t warmup;                 /* iterations before the trial; default 2 */
    uint64_t max_k;                  /* give up after this many trials per mode; 10000 */
    uint64_t timeout_ns;             /* one trial, setup to teardown; default 10 s */
    uint64_t max[DRIP_SWC_COUNT];    /* default 0 each */
    drip_pos pos;
} drip_sweep_spec;

/* Fill *sw with the defaults listed in drip_sweep_spec (present = false). */
void drip_sweep_spec_defaults(drip_sweep_spec *sw);

/* An external workload, a program Drip starts (external.h). */
struct drip_external_spec;

/* A name (`name`, a fault `point`) is 1 to DRIP_NAME_MAX bytes of
 * [A-Za-z0-9._-]: report files are named after scenarios. */
#define DRIP_NAME_MAX 128

typedef struct drip_scenario {
    char *name;
    char *description;       /* may be NULL */
    char *file;              /* path of the YAML file, as given */
    const char *text;        /* the whole file as it was read (NUL-terminated, text_len
                                bytes), shared by its documents and owned by the list;
                                the runner hands it to the worker, so a file is read
                                once (a pipe, /dev/stdin could not be read again) */
    size_t text_len;
    size_t doc_index;        /* 0-based document index within the file */
    drip_pos pos;            /* where the document starts */

    char *workload;          /* built-in workload name, or NULL for a plugin */
    char *plugin;            /* plugin path resolved against the file's directory */
    struct drip_external_spec *external;   /* `workload: { command: ... }`, a program;
                                              then workload and plugin are NULL */
    drip_pos workload_pos;

    drip_param *params;      size_t nparams;
    drip_run_spec run;
    drip_fault_spec *faults; size_t nfaults;
    drip_expect *expects;    size_t nexpects;
    char *wmetrics[DRIP_METRIC_CUSTOM_MAX];   /* a plugin's or built-in's own metrics
                                                 (drip_metric_add) that expect names:
                                                 wmetrics[k] is metric DRIP_M_COUNT + k */
    size_t nwmetrics;
    bool expect_given;       /* the document has `expect:` (a mapping or `none`) */
    bool expect_none;        /* `expect: none`: nothing is checked */
    drip_valgrind_spec valgrind;
    drip_sweep_spec sweep;
    drip_profile_spec profile;
} drip_scenario;

typedef struct drip_scenario_list {
    drip_scenario *items;
    size_t count, cap;
    char **texts;            /* the loaded files' text, which the items' `text` borrow */
    size_t ntexts;
} drip_scenario_list;

/* Load every scenario in `path` and append them to *list.
 * Problems go to *diags; a document with problems is not appended.
 * Returns the number of problems found (0 = everything loaded). */
int drip_scenario_load_file(const char *path, drip_scenario_list *list, drip_diags *diags);

/* The same for YAML text in memory; `path` is used for messages and to
 * resolve plugin paths (relative to its directory; for a name under /dev/
 * or /proc/, such as /dev/stdin or /dev/fd/63, to the working directory).
 * The text is copied into the list when a scenario of it is appended. */
int drip_scenario_load_string(const char *path, const char *text, size_t len,
                              drip_scenario_list *list, drip_diags *diags);

/* The same for the file open on fd (read from where it stands to its end,
 * once: a pipe works; not closed), named `path` in messages and for
 * resolving plugin paths.  A read error or more than 16 MiB is one
 * problem without a position ("cannot read file: ..."). */
int drip_scenario_load_fd(const char *path, int fd, drip_scenario_list *list, drip_diags *diags);

/* Report scenarios that share a name (the second and later ones, each with
 * the position of the first).  Returns the number of problems added. */
int drip_scenario_check_unique(const drip_scenario_list *list, drip_diags *diags);

/* Fill *run with the defaults listed in drip_run_spec. */
void drip_run_spec_defaults(drip_run_spec *run);

/* The timeout a timed run gets when none is written: the duration, plus
 * the default 60 s for setup, teardown and the epoch that crosses the
 * end, plus a tenth of the duration for iterations that slow down as the
 * heap grows.  Saturates instead of overflowing.  Cannot fail. */
uint64_t drip_duration_timeout(uint64_t duration_ns);

/* Make *run a timed run of duration_ns (iterations and sample_every 0)
 * with the timeout drip_duration_timeout() gives, or the one written in
 * the file when that is longer.  For `--duration`; cannot fail. */
void drip_run_spec_set_duration(drip_run_spec *run, uint64_t duration_ns);

/* The scenario's value for a param, or NULL. */
const drip_param *drip_scenario_param(const drip_scenario *s, const char *key);

void drip_scenario_list_free(drip_scenario_list *list);

#endif /* DRIP_SCENARIO_H */
