/* external.h - the scenario model of an external workload: a program that
 * Drip starts, waits for, drives and measures (`workload: { command: ... }`).
 *
 * docs/EXTERNAL.md is the user's view.  The loader (yaml_external.c) fills
 * these structs; every string that may hold placeholders ({port},
 * {iteration}, {seed}, {bin}: template.h) is kept as written and was
 * checked at load, so the runner expands it with drip_template_expand.
 * Paths are resolved at load: a relative command[0], a relative argument
 * starting "./" or "../" and cwd are made absolute from the scenario
 * file's folder; a command[0] without a '/' is left as is, to be looked up
 * on PATH when the program starts.
 *
 * Ownership: a drip_external_spec owns every string and array in it;
 * drip_external_spec_free releases it all (and the struct).
 */
#ifndef DRIP_EXTERNAL_H
#define DRIP_EXTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/metrics.h"
#include "scenario.h"

/* Custom metrics (DRIP_METRIC_CUSTOM_MAX, drip_metric_is_custom: metrics.h)
 * of a program are numbered in the order the map gives them. */

typedef struct drip_env_var {
    char *name;                  /* [A-Za-z_][A-Za-z0-9_]* */
    char *value;                 /* template: {port}, {seed}, {bin} */
} drip_env_var;

/* `ready:`: when the program counts as started.  Waiting counts against
 * run.timeout. */
typedef enum drip_ready_kind {
    DRIP_READY_NONE = 0,         /* not given: as soon as it is started */
    DRIP_READY_TCP,              /* a TCP connect to 127.0.0.1:PORT succeeds */
    DRIP_READY_LOG,              /* a line of its stdout/stderr matches a regex */
    DRIP_READY_DELAY,            /* a fixed time after the start */
} drip_ready_kind;

typedef struct drip_ready_spec {
    drip_ready_kind kind;
    char    *tcp;                /* template of a port: "{port}" or "8080" */
    char    *log;                /* POSIX extended regex (checked with regcomp) */
    uint64_t delay_ns;
    drip_pos pos;                /* where `ready:`'s value is */
} drip_ready_spec;

/* `drive:`: what one iteration is. */
typedef enum drip_drive_kind {
    DRIP_DRIVE_HTTP = 1,         /* one HTTP request */
    DRIP_DRIVE_COMMAND,          /* one run of a client command */
    DRIP_DRIVE_INTERVAL,         /* one interval of the program running by itself */
} drip_drive_kind;

typedef struct drip_drive_spec {
    drip_drive_kind kind;
    char    *url;                /* HTTP: template ({port}, {iteration}, {seed});
                                    http:// on a loopback host only */
    char    *method;             /* HTTP: GET (default), HEAD, POST, PUT, DELETE */
    uint32_t concurrency;        /* HTTP: connections in parallel, default 1, 1..256 */
    char   **command;            /* COMMAND: argv templates, NULL-terminated */
    size_t   ncommand;
    uint64_t interval_ns;        /* INTERVAL */
    uint64_t timeout_ns;         /* one request or command run; default 10 s */
    drip_pos pos;
} drip_drive_spec;

/* `metrics:`: what the program publishes about itself. */
typedef enum drip_scrape_kind {
    DRIP_SCRAPE_NONE = 0,
    DRIP_SCRAPE_PROMETHEUS,      /* text exposition format 0.0.4 */
    DRIP_SCRAPE_EXPVAR,          /* Go's expvar JSON */
} drip_scrape_kind;

/* One `map:` entry: the metric `name` is read from `source`. */
typedef struct drip_metric_source {
    char *name;                  /* a Drip metric's name, or a custom metric's */
    int   metric;                /* its index: < DRIP_M_COUNT a Drip metric (replaced),
                                    else a custom slot (drip_metric_is_custom) */
    char *source;                /* Prometheus: name or name{label="v",...};
                                    expvar: a dotted path such as memstats.HeapInuse */
    char *unit;                  /* the long form's `unit`, or NULL ("units");
                                    custom metrics only */
    double resolution;           /* the long form's `resolution`, or 0 (1); custom only */
    drip_pos pos;                /* of the entry's key */
} drip_metric_source;

typedef struct drip_metrics_spec {
    drip_scrape_kind kind;
    char    *url;                /* template: {port}, {seed}; loopback only */
    drip_metric_source *map;
    size_t   nmap;
    size_t   ncustom;            /* entries of map that are custom metrics */
    bool     goroutine_profile;  /* at the end, GET /debug/pprof/goroutine?debug=1 on the
                                    metrics URL's host and list the parked stacks */
    drip_pos pos;
} drip_metrics_spec;

typedef struct drip_external_spec {
    char   **command;            /* argv templates ({port}, {seed}, {bin}), NULL-terminated */
    size_t   ncommand;
    drip_env_var *env;           /* added to Drip's environment */
    size_t   nenv;
    char    *cwd;                /* absolute; default the scenario file's folder */
    drip_ready_spec   ready;
    bool     preload;            /* default true: the counting allocator by LD_PRELOAD */
    drip_drive_spec   drive;
    drip_metrics_spec metrics;
    int      stop_signal;        /* default SIGTERM */
    uint64_t stop_grace_ns;      /* default 5 s */
    drip_pos pos;                /* where the workload mapping starts */
} drip_external_spec;

/* A spec with every default in place (preload on, SIGTERM after 5 s, a
 * 10 s request timeout, concurrency 1, method GET) and nothing else.
 * Aborts when memory runs out (as the loader's other allocations). */
drip_external_spec *drip_external_spec_new(void);

/* Release spec and everything in it.  NULL is a no-op. */
void drip_external_spec_free(drip_external_spec *spec);

/* "TERM" for SIGTERM, ... (the names `stop.signal` accepts); NULL for a
 * signal it does not accept. */
const char *drip_stop_signal_name(int sig);

/* The signal for "TERM" or "SIGTERM" (INT, HUP, QUIT, KILL, USR1, USR2,
 * TERM), or 0. */
int drip_stop_signal_parse(const char *s);

/* The name of metric m for a scenario whose program has `spec` (NULL: a
 * plugin or built-in workload): Drip's table for m < DRIP_M_COUNT, the
 * map's name for a custom slot, NULL for anything else.  Borrowed. */
const char *drip_external_metric_name(const drip_external_spec *spec, int m);

/* Is a Drip metric measured for this program?  rss, threads and fds come
 * from /proc, heap_bytes, heap_objects and allocs from the preload (when
 * it is on), tasks, timers and conns (the plugin runtime's gauges) only
 * when metrics.map gives them; a mapped metric always is. */
bool drip_external_measures(const drip_external_spec *spec, int m);

#endif /* DRIP_EXTERNAL_H */
