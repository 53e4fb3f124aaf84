/* runner.h - run scenarios in isolated worker processes and judge them.
 *
 * The runner is the parent half of isolation.  For each scenario it starts
 * `drip worker` in a new process group, reads the worker's protocol lines,
 * enforces the timeout and the heap ceiling from outside, survives crashes,
 * and turns what it saw into a drip_result (see report/results.h).
 * Nothing a workload does can take the runner down.
 */
#ifndef DRIP_RUNNER_H
#define DRIP_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "results/progress.h"
#include "results/results.h"
#include "scenario/scenario.h"

typedef struct drip_runner_opts {
    const char *self_exe;        /* the drip executable to start as worker */
    const char *log_dir;         /* worker stdout/stderr go to LOG_DIR/NAME.log; NULL: inherit */
    bool        seed_set;        /* --seed given: overrides run.seed */
    uint64_t    seed;
    uint32_t    threads;         /* 0: the scenario's run.threads */
    uint64_t    iterations;      /* 0: the scenario's run.iterations */
    uint64_t    duration_ns;     /* 0: the scenario's; else a timed run (--duration) */
    bool        valgrind;        /* --valgrind: a valgrind pass for every scenario */
    drip_profile_mode profile;   /* --profile: DEFAULT keeps the scenario's */
    const char *plugin;          /* NULL, or a plugin (absolute path) that replaces every
                                    scenario's workload (`drip exercise`) */
    volatile sig_atomic_t *interrupted;   /* set by a signal handler: 1 asks the
                                             running scenario to end at its next
                                             epoch boundary and be judged (a
                                             sweep stops at once); 2 or more
                                             kills the worker now */
    /* Called about 4 times a second while a scenario runs (drip run only),
     * with a snapshot borrowed for the call; NULL: none.  The runner never
     * prints: showing it is the caller's business. */
    void (*progress)(void *arg, const drip_progress *p);
    void       *progress_arg;
} drip_runner_opts;

/* Apply the command-line overrides of `o` to a scenario's run spec (keeps
 * sample_every proportional when iterations change; --iterations makes a
 * timed run a counted one with about 200 samples, --duration the reverse,
 * see drip_run_spec_set_duration). */
void drip_runner_apply_overrides(const drip_runner_opts *o, drip_run_spec *run);

/* When o->plugin is set, make sc's workload that plugin (its workload name,
 * if any, is freed; the path is copied).  Both the runner and the worker
 * apply it, so results and the worker agree.  Cannot fail. */
void drip_runner_apply_plugin(const drip_runner_opts *o, drip_scenario *sc);

/* Run scenario sc (already validated) and fill r, which the caller added to
 * its run results.  Never fails as a function: every problem becomes r's
 * status and reason. */
void drip_runner_run_one(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r);

/* The valgrind pass for sc (see vgpass.c): run the worker under memcheck
 * with the pass's iteration count, parse the XML into r->valgrind, check
 * its limits and fold failures into r's status and reason.  Needs
 * o->log_dir (the XML is written there).  Never fails as a function. */
void drip_runner_valgrind(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r);

/* The failure sweep for sc (see sweep.c): trials in worker processes for
 * each mode of sc->sweep, findings into r->sweep, limits checked and
 * folded into r's status and reason.  Uses o->seed_set/seed, log_dir,
 * self_exe and interrupted.  Never fails as a function. */
void drip_runner_sweep(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r);
/* A scenario whose workload is a program (sc->external: issue 15), in
 * drip run and in drip sweep (program.c).  Until the runner starts
 * programs, both make r an error saying so.  Never fail as functions. */
void drip_runner_program(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r);
void drip_runner_program_sweep(const drip_runner_opts *o, const drip_scenario *sc,
                               drip_result *r);

/* Classify r's finding (handle leak, blocked tasks, lost memory, reachable
 * growth, heap growth, bounded, none: see classify.c) from its fitted
 * metrics and its valgrind section, into r->leak_class, r->class_why and
 * r->class_basis.  Call it once the run and the valgrind pass are done.
 * Leaves DRIP_CLASS_UNKNOWN when r has no verdict at all.  Cannot fail. */
void drip_classify(drip_result *r);

/* ---- shared by runner.c, sweep.c and vgpass.c ---- */

/* Wait (until deadline_ns, at most 100 ms) for the worker's protocol pipe
 * fd, read what is there and call line(arg, text) for each complete line
 * (text is NUL-terminated and may be modified), keeping a partial line in
 * *pending.  Returns 1 when it read something, 0 when nothing came (poll
 * again), -1 at EOF or on a read error: the worker has ended. */
struct strbuf;
int drip__read_lines(int fd, uint64_t deadline_ns, struct strbuf *pending,
                     void (*line)(void *arg, char *text), void *arg);

/* In a forked child about to exec a worker: make it a process-group leader,
 * send stdout and stderr to log_path (when not NULL), read stdin from
 * /dev/null, put proto_fd on the protocol fd (DRIP_WORKER_FD; -1: /dev/null)
 * and close every fd above it. */
void drip__child_setup(const char *log_path, int proto_fd);

/* Append "worker --index I [--seed S] [--threads T] [--iterations N |
 * --duration D] [--plugin P] [--profile MODE] -- FILE" to argv at *argc
 * (room for 18 more entries plus NULL), with the numbers formatted into buf
 * (at least 160 bytes, alive until exec).  seed and duration come from o
 * (duration only when iterations is 0); threads and iterations 0 are left
 * out. */
void drip__worker_args(const drip_runner_opts *o, const drip_scenario *sc, uint32_t threads,
                       uint64_t iterations, const char **argv, int *argc, char *buf);

/* Fill *p with what r's samples so far say (progress.c): iterations at the
 * last sample, the rate over the last few samples, the live heap, a
 * Theil-Sen slope of heap_bytes over at most 200 samples after warm-up,
 * and the ETA.  run is the run as overridden; since_first_s the seconds
 * since the first sample arrived (a timed run's clock).  Strings in *p
 * are borrowed from r.  Cannot fail: what is not known yet is NaN. */
void drip__progress_snapshot(const drip_result *r, const drip_run_spec *run,
                             double since_first_s, bool stopping, drip_progress *p);

/* Fit every measured metric, evaluate sc's expectations and set r's status
 * and reason from them (an error status already set is kept).  Pure: uses
 * only sc and r's samples; called by drip_runner_run_one. */
void drip_judge(const drip_scenario *sc, drip_result *r);

#endif /* DRIP_RUNNER_H */
