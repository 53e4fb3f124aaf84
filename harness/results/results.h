/* results.h - the results model: what a run measured and concluded.
 *
 * Plain structs, filled by the runner and read by every report format.
 * Reports never see the runner's internals: a new format reads this and
 * nothing else.  All strings and arrays are owned by the model;
 * drip_run_results_free releases everything.
 */
#ifndef DRIP_RESULTS_H
#define DRIP_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/metrics.h"
#include "names.h"
#include "stats/stats.h"

/* The largest integer results.json holds exactly: 2^63 - 1, what jansson
 * (and most JSON readers) keep in a signed 64-bit integer.  Seeds are
 * limited to it (DRIP_SEED_MAX, scenario.h). */
#define DRIP_RESULTS_INT_MAX 9223372036854775807ULL

typedef enum drip_status {
    DRIP_STATUS_PASS,
    DRIP_STATUS_FAIL,      /* ran, but an expectation did not hold */
    DRIP_STATUS_ERROR,     /* could not be judged: crash, timeout, bad plugin... */
} drip_status;

/* "pass", "fail", "error". */
const char *drip_status_name(drip_status s);

/* Where a scenario's expectations came from.  RULES: its `expect:` block
 * (and every report older than the key); DEFAULT: it had no `expect:`, so
 * nothing may be growing (docs/SCENARIOS.md); NONE: `expect: none`,
 * nothing is checked. */
typedef enum drip_expect_mode {
    DRIP_EXPECT_RULES,
    DRIP_EXPECT_DEFAULT,
    DRIP_EXPECT_NONE,
} drip_expect_mode;

/* "rules", "default", "none". */
const char *drip_expect_mode_name(drip_expect_mode m);

/* Samples: row i is (iteration, time_s, value of metric 0 ..
 * DRIP_METRIC_SLOTS-1): Drip's metrics, then the custom slots (the
 * result's `custom` table names them; unused slots hold 0). */
#define DRIP_SAMPLE_COLS (2 + DRIP_METRIC_SLOTS)
typedef struct drip_sample {
    double v[DRIP_SAMPLE_COLS];
} drip_sample;
#define DRIP_COL_ITER 0
#define DRIP_COL_TIME 1
#define DRIP_COL_METRIC(m) (2 + (m))

typedef struct drip_metric_result {
    bool     measured;     /* false when the metric was not available */
    drip_fit fit;
} drip_metric_result;

typedef struct drip_expect_result {
    int          metric;
    drip_rule    rule;
    double       limit;    /* slope rules */
    drip_verdict want;     /* verdict rule */
    double       actual;   /* slope, or the verdict as a number */
    bool         ok;
} drip_expect_result;

/* A fault point: its form as configured (by chance: `rate`; on a schedule:
 * `every` and/or `nth`, when every or nnth is non-zero) and what happened. */
#define DRIP_FAULT_FIRST_MAX 10
typedef struct drip_fault_result {
    char     *point;
    double    rate;           /* the chance form only */
    uint64_t  every;          /* schedule: every N-th iteration; 0 when not given */
    uint64_t *nth;            /* schedule: 1-based asks, sorted; NULL when not given */
    size_t    nnth;
    uint64_t  asked, fired;
    uint64_t  first[DRIP_FAULT_FIRST_MAX];  /* first iterations where it fired */
    size_t    nfirst;
} drip_fault_result;

/* Is r a scheduled fault (every / nth) rather than one by chance (rate)? */
static inline bool drip_fault_result_scheduled(const drip_fault_result *r)
{
    return r->every || r->nnth;
}

/* Record a fault's schedule in r: every, and a copy of nth[0..nnth) (nth
 * may be NULL when nnth is 0), replacing what r held. */
void drip_fault_result_set_schedule(drip_fault_result *r, uint64_t every, const uint64_t *nth,
                                    size_t nnth);
/* Free what r owns (point, nth) and set those to NULL; r itself is the
 * caller's. */
void drip_fault_result_clear(drip_fault_result *r);
/* Growth per valgrind: the pass run again at twice the iterations, and the
 * leak search before teardown compared between the two runs (vgpass.c). */
typedef struct drip_vg_growth {
    bool     ran;                /* the 2N run ran and its XML was whole */
    char    *problem;            /* why growth could not be measured, or NULL */
    char    *xml_file;
    uint64_t iterations;         /* 2N */
    bool     at_exit;            /* compared at exit: no search before teardown found */
    uint64_t bytes[4];           /* the 2N run's bytes per kind, in the compared search */
    double   per_iteration[4];   /* (bytes at 2N - bytes at N) / N */
    bool     growing[4];         /* per_iteration >= DRIP_VG_GROWTH_MIN */
    char    *top_lost;           /* biggest definitely-lost site in the 2N run, or NULL */
    char    *top_reachable;      /* biggest still-reachable site in the 2N run, or NULL */
} drip_vg_growth;

/* Bytes per iteration from which a kind counts as growing between N and 2N:
 * a one-off loss adds nothing, a loss of one block per iteration at least
 * the block's size. */
#define DRIP_VG_GROWTH_MIN 1.0

/* The valgrind pass, when one was asked for.  Checks follow the order of
 * drip_vg_check_names (names.h): four leak kinds in bytes, then errors.
 * Totals are the N run's, at exit (valgrind's own search) and before
 * teardown (the worker's: vgmark.h).  Sweep checks follow the order of
 * drip_sweep_check_names (names.h). */
typedef struct drip_valgrind_result {
    bool     ran;                /* a pass was asked for (flag or section) */
    char    *skipped;            /* why it could not run, or NULL */
    bool     complete;           /* the XML ended properly */
    char    *problem;            /* why the XML is incomplete or unreadable, or NULL */
    char    *xml_file;
    uint64_t iterations;
    uint64_t bytes[4], blocks[4];/* at exit: definitely, indirectly, possibly lost, still reachable */
    bool     has_before;         /* the search before teardown was found */
    uint64_t before_bytes[4], before_blocks[4];   /* before teardown, same kinds */
    drip_vg_growth growth;
    uint64_t errors;             /* memory errors (invalid reads, uninitialised values...) */
    char    *first_error;        /* "InvalidRead: ... at fn (file:line)", or NULL */
    char    *top_leak;           /* the biggest definitely-lost record's site, or NULL */
    bool     checked[DRIP_VG_CHECKS];
    uint64_t limit[DRIP_VG_CHECKS];
    uint64_t actual[DRIP_VG_CHECKS];
    bool     ok[DRIP_VG_CHECKS];
} drip_valgrind_result;

/* The failure sweep (`drip sweep`): one finding per trial that leaked,
 * crashed or hung.  Modes are indexed 0 = transient, 1 = persistent. */
typedef enum drip_trial_outcome {
    DRIP_TRIAL_LEAK,         /* blocks of the trial's iteration outlived teardown */
    DRIP_TRIAL_CRASH,        /* the worker died of a signal */
    DRIP_TRIAL_HANG,         /* the trial passed its timeout */
    DRIP_TRIAL_ERROR,        /* setup failed, the worker exited... */
} drip_trial_outcome;

/* "leak", "crash", "hang", "error". */
const char *drip_trial_outcome_name(drip_trial_outcome o);

#define DRIP_SWEEP_SITES_MAX 8
typedef struct drip_sweep_site {
    uint64_t bytes, blocks;
    char    *stack;          /* "fn (file:line) < caller (file:line) < ..." */
} drip_sweep_site;

typedef struct drip_sweep_finding {
    int      mode;           /* 0 transient, 1 persistent */
    uint64_t k;              /* the k-th allocation of the iteration failed first */
    drip_trial_outcome outcome;
    int      signal;         /* CRASH */
    uint64_t leaked_bytes, leaked_blocks;
    char    *detail;         /* "SIGSEGV (Segmentation fault)", an error's reason; or NULL */
    drip_sweep_site *sites;  size_t nsites;   /* LEAK: biggest first */
} drip_sweep_finding;

typedef struct drip_sweep_result {
    bool     ran;
    unsigned modes;                  /* DRIP_SWEEP_* bits (scenario.h) */
    uint64_t warmup;
    uint64_t trials[2];              /* trials in which a fault fired */
    uint64_t clean[2];               /* ... of them without a finding */
    uint64_t failed[2];              /* ... whose iteration returned non-zero (expected errors) */
    bool     complete[2];            /* reached a k at which no fault fired */
    uint64_t allocations[2];         /* allocations in the iteration without faults */
    uint64_t reference_bytes, reference_blocks;  /* left by the unfaulted iteration */
    uint64_t total[DRIP_SWEEP_CHECKS];           /* leaked bytes, blocks, crashes, hangs */
    uint64_t limit[DRIP_SWEEP_CHECKS];
    bool     ok[DRIP_SWEEP_CHECKS];
    drip_sweep_finding *findings; size_t nfindings;
} drip_sweep_result;
/* What kind of leak a scenario shows, from the counters and valgrind
 * together (runner/classify.c; docs/VALGRIND.md).  In priority order, the
 * highest that applies wins. */
typedef enum drip_leak_class {
    DRIP_CLASS_UNKNOWN = 0,      /* not classified (the run errored) */
    DRIP_CLASS_NONE,             /* nothing grows */
    DRIP_CLASS_BOUNDED,          /* grew, then stopped */
    DRIP_CLASS_HEAP_GROWTH,      /* the heap grows; no valgrind pass to say how */
    DRIP_CLASS_REACHABLE,        /* reachable growth: a logical leak */
    DRIP_CLASS_LOST,             /* lost memory: definitely lost grows */
    DRIP_CLASS_BLOCKED,          /* blocked tasks */
    DRIP_CLASS_HANDLE,           /* handle leak: fds or connections grow */
    DRIP_CLASS_RSS,              /* unaccounted RSS growth: RSS grows, the heap does not
                                    (appended: its priority is just above "bounded") */
} drip_leak_class;

/* "none", "bounded", "heap growth", "reachable growth", "lost memory",
 * "blocked tasks", "handle leak", "unaccounted RSS growth"; NULL for
 * DRIP_CLASS_UNKNOWN. */
const char *drip_class_name(drip_leak_class c);

/* Allocation-site profile (profile.c in the worker): per stack, the
 * estimated live bytes and objects when the warm-up ended (early) and
 * after the last iteration (late), and what it allocated in all. */
typedef struct drip_prof_frame {
    char *fn, *file;         /* "" when unknown */
    int   line;              /* 0 when unknown */
} drip_prof_frame;

typedef struct drip_prof_site {
    drip_prof_frame *frames; size_t nframes;   /* allocation first, callers after */
    drip_prof_frame user;    /* the first frame in the workload's own code past its
                              * allocation wrappers; fn NULL when none */
    double early_bytes, early_objects;
    double late_bytes, late_objects;
    double alloc_bytes, alloc_objects;
} drip_prof_site;

typedef struct drip_profile_result {
    bool     ran;
    bool     partial;                /* the run ended early (heap ceiling, stop asked):
                                      * the late snapshot is of then */
    bool     read_back;              /* read back from results.json: only the growing
                                      * sites; the profile files are not rewritten */
    char    *mode;                   /* "sampled" or "precise" */
    uint64_t rate;                   /* mean sampling interval in bytes; 1 = precise */
    uint64_t early_iteration, late_iteration;
    size_t   stacks;                 /* stacks seen (more than the sites kept) */
    uint64_t dropped;                /* samples the allocator had no room for */
    drip_prof_site *sites; size_t nsites;
} drip_profile_result;

/* Growth of a site per iteration between the snapshots (bytes), or NAN when
 * the snapshots are the same iteration. */
double drip_prof_site_growth(const drip_profile_result *p, const drip_prof_site *s);

/* The half-width of a 95 % interval around drip_prof_site_growth: 0 for
 * a precise profile (rate 1), NAN when the growth is.  Each sampled block
 * of size s (the site's mean, late_bytes / late_objects) stands for s/p
 * bytes, p = 1 - exp(-s/rate), so an estimate of B bytes has variance
 * B s (1-p)/p; the early and late estimates' are added (an upper bound:
 * blocks live at both snapshots cancel out of the growth). */
double drip_prof_site_growth_pm(const drip_profile_result *p, const drip_prof_site *s);

/* "fn (file:line) < caller (file:line) < ..." for at most depth frames,
 * malloc'd. */
char *drip_prof_site_stack(const drip_prof_site *s, size_t depth);

/* The site as a person reads it: the allocating frame and, when it is
 * not the same, the user frame - "xnew (util.c:14) from load (cfg.c:80)";
 * without a user frame, the first depth frames as drip_prof_site_stack.
 * malloc'd. */
char *drip_prof_site_where(const drip_prof_site *s, size_t depth);

/* Indices of the sites sorted by growth, biggest first, only those that
 * grew (malloc'd, *n of them). */
size_t *drip_prof_growing(const drip_profile_result *p, size_t *n);

/* `drip run --repeat N`: the scenario ran N times, with seeds S, S+1, ...
 * S+N-1; the rest of its result is the first failing repetition's (the
 * first one's when every one passed).  runs 0: not repeated. */
typedef struct drip_repeat_result {
    uint64_t  runs, passed;
    uint64_t *failed_seeds;   size_t nfailed;
} drip_repeat_result;

/* How the worker let the runtime settle before its samples: tasks an
 * iteration left runnable finish or park first (drip_tasks_quiesce).
 * samples 0: nothing settled (a program workload, an older report). */
typedef struct drip_settle_result {
    uint64_t samples;      /* samples taken after settling */
    uint64_t unsettled;    /* of them, taken with tasks still running (it gave up) */
    double   total_s;      /* seconds spent settling, in all */
    double   max_s;        /* and the longest */
} drip_settle_result;
/* An external workload's program (`workload: { command: ... }`,
 * docs/EXTERNAL.md): what ran and how it ended.  ran is false for plugins
 * and built-in workloads. */
typedef struct drip_program_result {
    bool      ran;
    char    **command;  size_t ncommand;   /* argv after substitution */
    int       pid;                         /* 0 when it never started */
    int       exit_status;                 /* its exit code; -1: killed by a signal or
                                              never started */
    char     *exit_signal;                 /* "SIGSEGV" when killed by a signal, or NULL */
    double    ready_after_s;               /* from its start to ready; NaN when never */
    uint64_t  requests_ok, requests_failed;/* units of drive: requests, command runs or
                                              intervals */
} drip_program_result;

typedef struct drip_result {
    char       *name;
    char       *file;
    char       *workload;        /* built-in name or plugin path */
    char       *description;     /* may be NULL */
    drip_status status;
    char       *reason;          /* why not pass; NULL when pass */
    char       *crash_stack;     /* the worker crashed (a signal) and sent its stack:
                                    "fn (file:line) < caller (file:line) < ...", from
                                    the faulting instruction outward; else NULL */

    uint64_t    seed;
    unsigned    threads;
    uint64_t    iterations_planned;   /* 0 for a timed run */
    double      duration_planned_s;   /* a timed run's duration; 0 for a counted run */
    bool        interrupted;          /* stopped early by Ctrl-C / SIGTERM, judged on
                                         what was measured */
    uint64_t    iterations;       /* completed */
    uint64_t    failed_iterations;/* iterate() returned non-zero */
    double      duration_s;
    double      ns_per_iter;      /* wall-clock ns per iteration over the fit window; NaN if unknown */
    bool        heap_ceiling_hit;
    uint64_t    heap_ceiling;
    double      warmup;

    drip_sample *samples;    size_t nsamples, samples_cap;
    bool        has_after_teardown;
    drip_sample after_teardown;   /* measured once teardown returned */
    drip_metric_result metrics[DRIP_METRIC_SLOTS];   /* Drip's, then the custom slots */
    drip_metric_info custom[DRIP_METRIC_CUSTOM_MAX];  /* custom slot k: name, unit, flags
                                                         (name and unit owned); the first
                                                         ncustom are in use */
    size_t      ncustom;
    drip_expect_result *expects; size_t nexpects;
    drip_fault_result  *faults;  size_t nfaults;
    char              **warnings; size_t nwarnings;
    drip_valgrind_result valgrind;
    drip_sweep_result    sweep;
    drip_profile_result  profile;
    drip_leak_class leak_class;  /* set by drip_classify() */
    char       *class_why;       /* one line of explanation, or NULL */
    char       *class_basis;     /* "counters" or "counters and valgrind", or NULL */
    drip_repeat_result repeat;   /* --repeat N */
    drip_settle_result settle;   /* settling before samples */
    drip_expect_mode expect_mode;   /* where `expects` came from */
    drip_program_result program; /* an external workload's program */
} drip_result;

typedef struct drip_run_results {
    char       *drip_version;
    bool        seed_set;        /* --seed given: every scenario ran with `seed` */
    uint64_t    seed;
    char       *started_at;      /* ISO 8601 UTC */
    double      duration_s;
    bool        complete;        /* false when the run was interrupted */
    char       *isolation;       /* how workers' descendants were contained: "cgroup v2"
                                    or "process group + subreaper"; NULL: not said */
    size_t      planned;         /* scenarios the run set out to run; 0 if not known */
    unsigned    shard_index;     /* `--shard K/N`: K (1-based) ...          */
    unsigned    shard_count;     /* ... and N; both 0 when the run was not sharded */
    unsigned   *missing_shards;  /* `drip merge` of a split in missing_of shards: the K's
                                    no report was given for, ascending; NULL when none */
    size_t      nmissing_shards;
    unsigned    missing_of;      /* that split's N; 0 when no shard is missing */
    drip_result *scenarios;  size_t count, cap;
} drip_run_results;

/* Append a zeroed result to the run and return it (owned by the run). */
drip_result *drip_run_results_add(drip_run_results *run);
void drip_result_add_warning(drip_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void drip_result_add_sample(drip_result *r, const drip_sample *s);
void drip_run_results_free(drip_run_results *run);

/* Free what r owns and zero it (r itself is the caller's). */
void drip_result_free(drip_result *r);

/* Name, unit and flags of metric m for r: Drip's table row, or r's custom
 * slot; NULL for an index r does not use.  Borrowed from r (or static). */
const drip_metric_info *drip_result_metric_info(const drip_result *r, int m);

/* The metrics r uses: DRIP_M_COUNT + r->ncustom (loop m below it). */
int drip_result_nmetrics(const drip_result *r);

/* The index of the metric called name in r (Drip's or a custom one), or -1. */
int drip_result_metric_find(const drip_result *r, const char *name);

/* Add a custom metric called name (unit NULL: "units"; a running total
 * when cumulative) in r's next slot and return its index, or the index
 * it has already; -1 when every slot is taken.  Copies the strings. */
int drip_result_custom_add(drip_result *r, const char *name, const char *unit,
                           bool cumulative);

/* Is metric m worth a glance in a one-line summary of r?  Every metric an
 * expectation of the scenario's own names (the default expectations name
 * every gauge, so they don't count), and any gauge that grew (growing or bounded; a
 * running total such as allocs always grows, so only when asked for).
 * The terminal line and report.html's summary pick metrics by this. */
bool drip_result_metric_shown(const drip_result *r, int m);

/* Where metric m's growth starts when it starts late: its fit's change_at
 * when the metric is measured, growing, and change_at is after the
 * window's first sample; NaN otherwise (a steady growth, or none). */
double drip_result_late_start(const drip_result *r, int m);

/* "missing shard 2 of 4", "missing shards 2, 3 of 4" into buf (always
 * terminated): what a merged run lacks; "" when no shard is missing. */
const char *drip_run_results_missing(const drip_run_results *run, char *buf, size_t len);

/* Counts over the run. */
typedef struct drip_run_counts { size_t pass, fail, error; } drip_run_counts;
drip_run_counts drip_run_results_count(const drip_run_results *run);

/* The file in a report folder for scenario `name` with extension ext
 * (".csv", ".heap.pb.gz"...).  Loaded names are [A-Za-z0-9._-]+ already;
 * anything else (a '/' above all) becomes '_' so a file never lands
 * outside the folder.  Caller frees. */
char *drip_results_file_name(const char *name, const char *ext);

#endif /* DRIP_RESULTS_H */
