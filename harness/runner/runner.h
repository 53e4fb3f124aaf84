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

#include "proc/proc.h"
#include "results/progress.h"
#include "results/results.h"
#include "scenario/scenario.h"
#include "worker/protocol.h"

typedef struct drip_runner_opts {
    const char *self_exe;        /* the drip executable to start as worker */
    const char *log_dir;         /* the report directory, for messages and paths in results */
    int         report_fd;       /* the report directory, where workers' logs and valgrind's
                                    XML are created (drip_create_at); -1: none */
    bool        seed_set;        /* --seed given: overrides run.seed */
    uint64_t    seed;
    uint32_t    threads;         /* 0: the scenario's run.threads */
    uint64_t    iterations;      /* 0: the scenario's run.iterations */
    uint64_t    duration_ns;     /* 0: the scenario's; else a timed run (--duration) */
    bool        valgrind;        /* --valgrind: a valgrind pass for every scenario */
    bool        strict;          /* --strict: every scenario as if run.strict were true */
    const char *file_tag;        /* put between a scenario's name and the extension of the
                                    files a run makes (".seed7": NAME.seed7.log); NULL: none */
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
/* Is sc's program one of the Go originals that was not built (command[0]
 * from {go_bin}, and no such file)?  true with *why (malloc'd): such a
 * scenario is skipped, never run (docs/GO.md).  Cannot fail. */
bool drip_runner_program_unbuilt(const drip_runner_opts *o, const drip_scenario *sc,
                                 char **why);

/* Classify r's finding (handle leak, blocked tasks, lost memory, reachable
 * growth, heap growth, bounded, none: see classify.c) from its fitted
 * metrics and its valgrind section, into r->leak_class, r->class_why and
 * r->class_basis.  Call it once the run and the valgrind pass are done.
 * Leaves DRIP_CLASS_UNKNOWN when r has no verdict at all.  Cannot fail. */
void drip_classify(drip_result *r);

/* ---- shared by runner.c, sweep.c and vgpass.c (spawn.c) ---- */

/* Append "worker --index I [--seed S] [--threads T] [--iterations N |
 * --duration D] [--plugin P] [--profile MODE] [--control-fd 4]
 * [--scenario-fd 5] -- FILE"
 * to argv at *argc (room for 20 more entries plus NULL), with the numbers
 * formatted into buf
 * (at least 160 bytes, alive until the start).  seed and duration come
 * from o (duration only when iterations is 0); threads and iterations 0
 * are left out. */
void drip__worker_args(const drip_runner_opts *o, const drip_scenario *sc, uint32_t threads,
                       uint64_t iterations, bool control, const char **argv, int *argc,
                       char *buf);

/* The name of scenario `name`'s file with extension ext in the report
 * directory: NAME + o->file_tag + EXT (drip_results_file_name).  malloc'd. */
char *drip__file_name(const drip_runner_opts *o, const char *name, const char *ext);

/* The worker gets the scenario file's text as the CLI read it (once: a
 * pipe or /dev/stdin cannot be read again, and a file edited meanwhile
 * would not be the one judged) on this fd, a sealed memfd; FILE on its
 * command line names it in messages and anchors relative plugin paths.
 * (fd 3 is the protocol pipe, fd 4 valgrind's XML.) */
#define DRIP_WORKER_TEXT_FD 5
#define DRIP_WORKER_TEXT_FD_STR "5"

/* Append "--scenario-fd 5" to argv at *argc when sc has its text (a
 * scenario loaded from a file: sc->text); nothing otherwise (the worker
 * then reads sc->file). */
void drip__worker_text_args(const drip_scenario *sc, const char **argv, int *argc);

/* A memfd holding sc's text, positioned at its start and sealed, to be
 * passed to a worker as DRIP_WORKER_TEXT_FD (the caller closes it once the
 * worker started).  -1 when sc has no text; -2 with *why malloc'd when it
 * cannot be made. */
int drip__scenario_text_fd(const drip_scenario *sc, char **why);

/* Create the scenario's file NAME+EXT (e.g. ".log") fresh in the report
 * directory (drip_create_at: never through a link).  Returns the fd, or
 * -1 when there is no report directory or it cannot be created. */
int drip__open_log(const drip_runner_opts *o, const char *name, const char *ext);

/* "LOG_DIR/NAME+EXT" for messages (malloc'd), or NULL without a report
 * directory. */
char *drip__log_path(const drip_runner_opts *o, const char *name, const char *ext);

/* Start argv (argv[0] the executable) as a worker through the proc module,
 * its output to log_fd (-1: dropped), with a protocol pipe on fd 3 when
 * with_pipe (its read end, non-blocking, in *proto_rd; else fd 3 is
 * /dev/null and *proto_rd is -1), when control_wr is not NULL a control
 * pipe on fd 4 (its write end, non-blocking, in *control_wr: a byte there
 * asks the worker to stop), and sc's text on DRIP_WORKER_TEXT_FD (argv
 * says so: drip__worker_text_args).  Returns 0, or -1 with *why malloc'd
 * and nothing running. */
int drip__start_worker(const drip_runner_opts *o, const drip_scenario *sc,
                       const char *const *argv, int log_fd, bool with_pipe, drip_proc *p,
                       int *proto_rd, int *control_wr, char **why);

/* A crashed worker's stack as its handler sent it (crashsite.c). */
typedef struct drip__crash {
    bool                got;           /* a `crash` line came */
    int                 signo;
    uint64_t            pcs[DRIP_PROTO_CRASH_FRAMES];
    size_t              npcs;
    char              **paths;         /* the `crashmod` lines: files and load biases */
    unsigned long long *bias;
    size_t              nmods;
} drip__crash;

/* Take a CRASHMOD or CRASH line into c (the first crash only). */
void drip__crash_take(drip__crash *c, const drip_proto_msg *m);

/* The stack named, "fn (file:line) < caller (file:line) < ...", from the
 * faulting instruction outward (malloc'd), and in *site the place to
 * look (malloc'd): the first frame with a source line outside the system
 * libraries and Drip's runtime, else the first with a line, else the
 * first.
 * NULL (and *site NULL) when no crash line came or nothing unwound. */
char *drip__crash_stack(const drip__crash *c, char **site);
void drip__crash_free(drip__crash *c);

/* Following a worker: its process, its pipe and what to do with a line. */
typedef struct drip__watch {
    drip_proc        *proc;
    int               rd;            /* the protocol pipe's read end; -1 once closed */
    drip_proto_reader reader;
    void            (*on_msg)(void *arg, const drip_proto_msg *m);
    void            (*on_bad)(void *arg, const char *why);   /* a line that is not the
                                                                protocol; NULL: dropped */
    void             *arg;
} drip__watch;

/* One turn of following a worker: wait at most 100 ms (and not past
 * deadline_ns) for lines or its exit, and hand each complete line to
 * on_msg (or on_bad).  Returns 1 while the worker runs, 0 once it has
 * exited and what its pipe held then was read.  Never waits for the
 * pipe's end of file: a descendant holding the pipe open, or a worker that
 * closed it, changes nothing. */
int drip__watch_turn(drip__watch *w, uint64_t deadline_ns);

/* Close the watch's pipe (idempotent).  w->reader.len > 0 afterwards means
 * the last line was cut off. */
void drip__watch_close(drip__watch *w);

/* The last non-empty line of a worker's log (at most 200 bytes of it), or
 * NULL: shown in an error's reason so a crash explains itself. */
char *drip__log_last_line(const char *path);

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

/* Under run.strict or --strict: a scenario that passed but left `unused`
 * configuration warnings (first: the first one's text) fails, its reason
 * saying so.  Cannot fail. */
void drip__judge_strict(size_t unused, const char *first, drip_result *r);

#endif /* DRIP_RUNNER_H */
