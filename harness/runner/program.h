/* program.h - private to harness/runner: an external workload's program
 * as the runner runs it (program.c orchestrates, program_start.c starts
 * it and waits until it is ready, program_sample.c reads its metrics).
 * docs/EXTERNAL.md is the user's view.
 *
 * Ownership: a drip__program owns every string, array, fd and mapping in
 * it; drip__program_release ends the program (and every process it
 * started) and frees it all.  The spec and the options are borrowed.
 */
#ifndef DRIP_RUNNER_PROGRAM_H
#define DRIP_RUNNER_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "proc/proc.h"
#include "results/results.h"
#include "runner.h"
#include "scenario/external.h"
#include "scenario/template.h"
#include "scrape/prom.h"

/* One snapshot of the preload's allocation sites (program_profile.c). */
typedef struct drip__psnap {
    drip_alloc_site *sites;         /* stacks of several threads summed */
    size_t    n;
    uint64_t  dropped;              /* samples the preload had no room for */
    uint64_t  iteration;            /* the units driven when it was taken */
    bool      taken;
} drip__psnap;

typedef struct drip__program {
    const drip_external_spec *spec;
    drip_template_vars vars;        /* port, seed, bin (vars.bin: the field below) */
    char     *bin;                  /* {bin}: the folder of Drip's own programs */
    char     *go_bin;               /* {go_bin}: the Go originals' (docs/GO.md) */
    char    **argv;                 /* command, expanded; NULL-terminated */
    char    **envp;                 /* the program's environment; NULL-terminated */
    char    **drive_envp;           /* a drive.command's: envp without the preload */
    char     *shm_path;             /* the preload's counters file (unlinked at release) */
    void     *shm;                  /* ... mapped read-only, or NULL */
    bool      heap_measured;        /* the preload's counters are read */
    char     *metrics_url;          /* expanded, or NULL */
    drip_prom_selector *sels;       /* per map entry (Prometheus), parsed once */
    int       log_fd;               /* NAME.program.log (the valgrind pass: NAME.valgrind.log),
                                       or -1 */
    int       xml_fd;               /* the valgrind pass: its XML, passed as fd 4; else -1
                                       (borrowed) */
    char     *log_path;             /* for messages, or NULL */
    drip_proc proc;                 /* proc.pid 0 once ended (drip__program_stop) */
    pid_t     pid;                  /* the program's pid, kept for the results */
    int       exit_status;          /* its wait status once stopped */
    bool      ready;                /* it became ready */
    double    ready_after_s;
    /* the allocation-site profile through the preload (program_profile.c) */
    uint64_t  prof_rate;            /* mean sampling interval in bytes; 0: no profile */
    char     *prof_prefix;          /* DRIP_PRELOAD_PROFILE: snapshots at PREFIX.N */
    uint64_t  prof_req;             /* snapshots asked so far */
    drip__psnap early, late;        /* at the warm-up's end, after the last unit */
    char    **maps;                 /* the program's mapped files (at the late snapshot) */
    unsigned long long *bias;       /* ... and their load biases */
    size_t    nmaps;
} drip__program;

/* Fill p for sc (and o: seed, report directory, self_exe): port, {bin},
 * argv, environment (with LD_PRELOAD and the counters file when preload is
 * on, and the alloc fault's rate and seed), the metrics URL and
 * selectors, the log (NAME + log_ext in the report directory).  Returns
 * 0, or -1 with *why (malloc'd).  Starts nothing; p needs
 * drip__program_release either way. */
int drip__program_prepare(const drip_runner_opts *o, const drip_scenario *sc, uint64_t seed,
                          const char *log_ext, drip__program *p, char **why);

/* The valgrind pass of a program (program_vg.c): run sc's program as
 * vg_argv (valgrind and its options, NULL-terminated, borrowed) followed
 * by its command, without the preload, its XML to xml_fd (as fd 4), its
 * output to NAME.valgrind.log; wait until it is ready, drive `iterations`
 * units, send the stop signal and wait for memcheck to write its XML, all
 * before deadline_ns (then it is killed and *timed_out set).  *status is
 * its wait status.  Returns 0; or -1 with *why (malloc'd) and *started
 * false when valgrind could not be started at all, *started true when the
 * run went wrong (not ready, exited before the stop, a driver that cannot
 * be set up): *why says how. */
int drip__program_valgrind(const drip_runner_opts *o, const drip_scenario *sc,
                           char *const *vg_argv, int xml_fd, uint64_t iterations,
                           uint64_t deadline_ns, int *status, bool *timed_out, bool *started,
                           char **why);

/* Start the program and wait until it is ready (its `ready:`), or the
 * deadline, or its end.  Returns DRIP_READY_OK, DRIP_READY_TIMEOUT or
 * DRIP_READY_EXITED (drive/ready.h), or -1 with *why (malloc'd) when it
 * cannot be started at all. */
int drip__program_start(drip__program *p, uint64_t deadline_ns, char **why);

/* Copy what the program wrote so far into its log, and reap it when it has
 * exited.  Returns true while it runs. */
bool drip__program_alive(drip__program *p);

/* Ask the program to stop (stop.signal), wait for it at most its grace
 * (the output drained meanwhile).  Returns true when it exited within the
 * grace, false when it had to be killed.  Then ends every process it
 * started (drip_proc_end). */
bool drip__program_stop(drip__program *p);

/* Take one sample into *s (iteration it, time t): the preload's counters,
 * /proc/PID, the published metrics (custom ones into the result's slots
 * after Drip's, drip__program_custom).  Returns
 * 0, or -1 with *why (malloc'd) when the published page cannot be read or
 * a mapped value is missing. */
int drip__program_sample(drip__program *p, uint64_t it, double t, drip_sample *s, char **why);

/* Did the program claim the preload's counters file (a static binary, or
 * one that clears LD_PRELOAD, does not)? */
bool drip__program_preload_took(const drip__program *p);

/* The preload's allocations asked so far and alloc faults fired: true,
 * or false when its counters are not read. */
bool drip__program_counts(const drip__program *p, uint64_t *allocs, uint64_t *fired);

/* Judge r with judge.c's drip_judge, custom metrics included (their
 * slots named first: drip__program_custom).  p may be unstarted. */
void drip__program_judge(const drip_scenario *sc, const drip__program *p, drip_result *r);

/* metrics.goroutine_profile: GET /debug/pprof/goroutine?debug=1 from the
 * metrics URL's host and list the top parked stacks (of 2 goroutines or
 * more: one is the program's own listener or signal loop) in r's warnings
 * ("goroutines parked: 512 at main.fetch.func1 (main.go:46)"); a page
 * that cannot be read is a warning too.  Never fails. */
void drip__program_goroutines(drip__program *p, drip_result *r);
/* Name r's custom slots after the program's custom metrics (metrics.map
 * entries that are not Drip's, gauges, in map order: the slots the
 * scenario numbered them with), with the long form's unit and resolution.
 * Idempotent; spec may be NULL. */
void drip__program_custom(const drip_external_spec *spec, drip_result *r);

/* Which Drip metrics a program's samples hold (r->metrics[].measured). */
void drip__program_measured(const drip__program *p, drip_result *r);

/* "exit status 3" or "SIGSEGV (Segmentation fault)" for a wait status,
 * into buf. */
const char *drip__program_exit_text(int status, char *buf, size_t len);

/* Ask the preload for a snapshot of the program's allocation sites (at
 * units driven `it`) and read it into *s (p->prof_rate must be set and the
 * preload taken).  Returns 0, or -1 with *why (malloc'd) when the program
 * does not answer within 3 s or the file cannot be read. */
int drip__program_snapshot(drip__program *p, uint64_t it, drip__psnap *s, char **why);
void drip__psnap_free(drip__psnap *s);

/* Record the files the program has mapped and their load biases
 * (/proc/PID/maps), to name its addresses once it is gone.  Never fails. */
void drip__program_maps(drip__program *p);

/* r->profile from p's two snapshots (nothing when one is missing): the
 * sites, most grown first (at most 300), named against p's maps; partial
 * when the run ended early.  Never fails. */
void drip__program_profile(drip__program *p, bool partial, drip_result *r);

/* End the program and everything it started (if still running), unlink
 * the counters file, free everything.  Idempotent on a zeroed p. */
void drip__program_release(drip__program *p);

#endif /* DRIP_RUNNER_PROGRAM_H */
