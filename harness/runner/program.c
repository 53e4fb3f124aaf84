/* program.c - external workloads (a program Drip starts: `workload: {
 * command: ... }`, issue 15) in drip run and drip sweep.
 *
 * drip run: the program is prepared and started (program_start.c), waited
 * for until ready, driven in batches of sample_every units (drive/drive.h)
 * with a quiescent sample after each batch (program_sample.c), stopped
 * (stop.signal, its grace, then the whole tree killed), and judged as a
 * plugin's run is (judge.c), into an ordinary drip_result; custom
 * metrics (metrics.map names that are not Drip's) in the result's slots
 * after Drip's.  With the preload, the program's allocation sites are
 * snapshot at the warm-up's end and after the last unit
 * (program_profile.c) into the result's profile.
 * With --valgrind (or a `valgrind:` section) the program is then run
 * again under memcheck by the valgrind pass (vgpass.c, program_vg.c).
 * drip sweep: an error of its own.  docs/EXTERNAL.md is the user's view.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "drive/drive.h"
#include "drive/ready.h"
#include "program.h"
#include "scenario/external.h"
#include "util/util.h"

/* Units run between two looks at the program (its exit, its output):
 * a batch of sample_every units is run in chunks of this many (more with
 * a high concurrency) so that a chatty program never blocks on a full
 * pipe for long. */
#define CHUNK 32

#define PROGRESS_EVERY_NS 250000000ULL
#define NOTE_MAX 4200                      /* " (its output: PATH)" */

/* What a result says of the scenario whatever happens to it. */
static void describe(const drip_scenario *sc, const drip_run_spec *run, drip_result *r)
{
    r->name = xstrdup(sc->name);
    r->file = xstrdup(sc->file);
    r->workload = xstrdup(sc->external->command[0]);
    r->description = xstrdup(sc->description);
    r->seed = run->seed;
    r->threads = 1;
    r->iterations_planned = run->iterations;
    r->duration_planned_s = (double)run->duration_ns / 1e9;
    r->heap_ceiling = run->heap_ceiling;
    r->warmup = run->warmup;
}

/* How a run ended. */
enum outcome { DONE, TIMED_OUT, EXITED, STOPPED, FAILED, CEILING };

/* One scenario's run: the program, its driver, what they did. */
typedef struct prun {
    const drip_runner_opts *o;
    const drip_run_spec    *run;
    drip__program          *p;
    drip_driver            *d;
    drip_result            *r;
    drip_drive_counts       c;
    uint64_t                it;            /* units issued and ended */
    uint64_t                t0, deadline;  /* start of the sampling, and run.timeout */
    uint64_t                next_progress;
    char                   *why;           /* FAILED: the reason */
} prun;

/* A snapshot of the program's allocation sites into *s (the profile's
 * early or late one); on failure the profile is given up, with a
 * warning. */
static void snapshot(prun *x, drip__psnap *s)
{
    char *why = NULL;
    if (drip__program_snapshot(x->p, x->it, s, &why) < 0) {
        drip_result_add_warning(x->r, "no allocation-site profile: %s", why);
        x->p->prof_rate = 0;
    }
    free(why);
}

/* Has the warm-up ended at t seconds (the profile's early snapshot)? */
static bool warmed_up(const prun *x, double t)
{
    const drip_run_spec *run = x->run;
    return run->duration_ns ? t >= run->warmup * (double)run->duration_ns / 1e9
                            : (double)x->it >= run->warmup * (double)run->iterations;
}

/* Take a sample at the current iteration.  FAILED with why, or DONE. */
static enum outcome sample(prun *x)
{
    drip_sample s;
    double t = (double)(drip_now_ns() - x->t0) / 1e9;
    if (drip__program_sample(x->p, x->it, t, &s, &x->why) < 0)
        return FAILED;
    drip_result_add_sample(x->r, &s);
    if (x->p->prof_rate && x->p->heap_measured && !x->p->early.taken && warmed_up(x, t))
        snapshot(x, &x->p->early);
    if (x->o->progress && drip_now_ns() >= x->next_progress) {
        drip_progress pr;
        x->next_progress = drip_now_ns() + PROGRESS_EVERY_NS;
        drip__progress_snapshot(x->r, x->run, t, false, &pr);
        x->o->progress(x->o->progress_arg, &pr);
    }
    if (x->p->heap_measured &&
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] > (double)x->run->heap_ceiling)
        return CEILING;
    return DONE;
}

/* Run n units in chunks, looking at the program between chunks. */
static enum outcome batch(prun *x, uint64_t n)
{
    uint64_t chunk = CHUNK, done = 0;
    if (x->p->spec->drive.kind == DRIP_DRIVE_HTTP && 4 * x->p->spec->drive.concurrency > chunk)
        chunk = 4 * x->p->spec->drive.concurrency;
    while (done < n) {
        uint64_t k = n - done < chunk ? n - done : chunk;
        uint64_t before = x->c.ok + x->c.failed;
        int rc = drip_driver_run(x->d, x->it, k, x->deadline, &x->c, &x->why);
        x->it += x->c.ok + x->c.failed - before;
        done += k;
        if (!drip__program_alive(x->p))
            return EXITED;
        if (rc < 0)
            return FAILED;
        if (rc == DRIP_DRIVE_DEADLINE)
            return TIMED_OUT;
        if (rc == DRIP_DRIVE_STOPPED)
            return STOPPED;
    }
    return DONE;
}

/* Units in the next batch: sample_every (the rest of the plan at the
 * end), or for a timed run about a 200th of the duration at the rate so
 * far; 0 when the run is over. */
static uint64_t next_batch(const prun *x)
{
    const drip_run_spec *run = x->run;
    if (!run->duration_ns) {
        uint64_t left = run->iterations - x->it, every = run->sample_every ? run->sample_every : 1;
        return left < every ? left : every;
    }
    uint64_t el = drip_now_ns() - x->t0;
    if (el >= run->duration_ns)
        return 0;
    double rate = x->it ? (double)x->it / ((double)el / 1e9) : 0;
    double n = rate * ((double)run->duration_ns / 1e9) / DRIP_DURATION_SAMPLES;
    return n < 1 ? 1 : (uint64_t)n;
}

/* Sample, then batches and samples until the plan is done or something
 * ends it. */
static enum outcome drive_loop(prun *x)
{
    x->t0 = drip_now_ns();
    enum outcome out = sample(x);
    for (uint64_t n; out == DONE && (n = next_batch(x)) > 0;) {
        out = batch(x, n);
        if (out == DONE || out == STOPPED) {
            enum outcome s = sample(x);
            out = s == DONE ? out : s;
            if (out == STOPPED)
                break;
        }
    }
    return out;
}

/* The driver for x's program.  FAILED with why, or DONE. */
static enum outcome make_driver(prun *x)
{
    drip__program *p = x->p;
    drip_drive_opts d = {.spec = &p->spec->drive, .vars = p->vars, .cwd = p->spec->cwd,
                         .envp = p->drive_envp, .log_fd = p->log_fd,
                         .stop = x->o->interrupted};
    char *err = NULL;
    x->d = drip_driver_new(&d, &err);
    if (x->d)
        return DONE;
    x->why = xasprintf("cannot set up the driver: %s", err);
    free(err);
    return FAILED;
}

/* " (log: PATH)" or "" - where the program's output is. */
static const char *log_note(const drip__program *p, char *buf, size_t len)
{
    if (!p->log_path)
        return "";
    snprintf(buf, len, " (its output: %s)", p->log_path);
    return buf;
}

/* r's status and reason (and warnings) from how the run ended. */
static void conclude(prun *x, enum outcome out, bool stopped_clean)
{
    drip_result *r = x->r;
    drip__program *p = x->p;
    char ex[96], lg[NOTE_MAX], sec[32];
    unsigned long long at = (unsigned long long)x->it;
    r->iterations = x->c.ok + x->c.failed;
    r->failed_iterations = x->c.failed;
    if (x->c.failed)
        drip_result_add_warning(r, "%llu of %llu iterations failed; the last: %s",
                                (unsigned long long)x->c.failed,
                                (unsigned long long)r->iterations,
                                drip_driver_last_error(x->d) ? drip_driver_last_error(x->d)
                                                             : "?");
    if (!stopped_clean)
        drip_result_add_warning(r, "the program did not exit within the %g s grace after "
                                "SIG%s, and was killed",
                                (double)p->spec->stop_grace_ns / 1e9,
                                drip_stop_signal_name(p->spec->stop_signal));
    switch (out) {
    case DONE: break;
    case CEILING:
        r->heap_ceiling_hit = true;
        break;
    case STOPPED:
        r->interrupted = true;
        drip_result_add_warning(r, "stopped early by interrupt at iteration %llu", at);
        break;
    case TIMED_OUT:
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("timeout after %s s (iteration %llu of %llu)",
                              drip_fmt_num((double)x->run->timeout_ns / 1e9, sec, sizeof sec),
                              at, (unsigned long long)x->run->iterations);
        break;
    case EXITED:
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("the program %s before the end, at iteration %llu: %s%s",
                              WIFSIGNALED(p->exit_status) ? "was killed" : "exited", at,
                              drip__program_exit_text(p->exit_status, ex, sizeof ex),
                              log_note(p, lg, sizeof lg));
        break;
    case FAILED:
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("%s (iteration %llu)%s", x->why, at, log_note(p, lg, sizeof lg));
        break;
    }
}

/* Start the program and wait until it is ready: 0, or -1 with r's status
 * and reason set. */
static int start(prun *x)
{
    drip__program *p = x->p;
    drip_result *r = x->r;
    char *why = NULL, ex[96], lg[NOTE_MAX], sec[32];
    int rc = drip__program_start(p, x->deadline, &why);
    if (rc == DRIP_READY_OK)
        return 0;
    r->status = DRIP_STATUS_ERROR;
    if (rc < 0)
        r->reason = why;
    else if (rc == DRIP_READY_EXITED)
        r->reason = xasprintf("the program %s before it was ready: %s%s",
                              WIFSIGNALED(p->proc.status) ? "was killed" : "exited",
                              drip__program_exit_text(p->proc.status, ex, sizeof ex),
                              log_note(p, lg, sizeof lg));
    else
        r->reason = xasprintf("timeout after %s s: the program was not ready (ready: %s)%s",
                              drip_fmt_num((double)x->run->timeout_ns / 1e9, sec, sizeof sec),
                              p->spec->ready.kind == DRIP_READY_TCP ? "tcp"
                              : p->spec->ready.kind == DRIP_READY_LOG ? "log" : "delay",
                              log_note(p, lg, sizeof lg));
    return -1;
}

/* The alloc fault's result: the preload's counts. */
static void take_faults(const drip_scenario *sc, const drip__program *p, drip_result *r)
{
    uint64_t allocs, fired;
    if (!drip__program_counts(p, &allocs, &fired))
        return;
    for (size_t i = 0; i < sc->nfaults; i++) {
        if (strcmp(sc->faults[i].point, "alloc") != 0)
            continue;
        r->faults = xrealloc(r->faults, (r->nfaults + 1) * sizeof *r->faults);
        drip_fault_result *f = &r->faults[r->nfaults++];
        memset(f, 0, sizeof *f);
        f->point = xstrdup("alloc");
        f->rate = sc->faults[i].rate;
        f->asked = allocs;
        f->fired = fired;
    }
}

/* r->program: the command as run, its pid, how it ended, readiness and
 * the units driven. */
static void take_program(const prun *x, drip_result *r)
{
    const drip__program *p = x->p;
    drip_program_result *pr = &r->program;
    pr->ran = true;
    pr->ready_after_s = NAN;
    pr->exit_status = -1;
    size_t n = 0;
    while (p->argv && p->argv[n])
        n++;
    pr->command = xcalloc(n + 1, sizeof *pr->command);
    for (size_t i = 0; i < n; i++)
        pr->command[i] = xstrdup(p->argv[i]);
    pr->ncommand = n;
    pr->pid = (int)p->pid;
    if (!p->pid)
        return;
    if (p->ready)
        pr->ready_after_s = p->ready_after_s;
    if (WIFSIGNALED(p->exit_status))
        pr->exit_signal = xasprintf("SIG%s", sigabbrev_np(WTERMSIG(p->exit_status))
                                                 ? sigabbrev_np(WTERMSIG(p->exit_status))
                                                 : "?");
    else
        pr->exit_status = WEXITSTATUS(p->exit_status);
    pr->requests_ok = x->c.ok;
    pr->requests_failed = x->c.failed;
}

void drip_runner_program(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    drip_run_spec run = sc->run;
    drip_runner_apply_overrides(o, &run);
    describe(sc, &run, r);
    drip__program p;
    prun x = {.o = o, .run = &run, .p = &p, .r = r, .t0 = drip_now_ns()};
    x.deadline = x.t0 + run.timeout_ns < x.t0 ? UINT64_MAX : x.t0 + run.timeout_ns;
    char *why = NULL;
    if (drip__program_prepare(o, sc, run.seed, ".program.log", &p, &why) < 0) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = why;
        goto judge;
    }
    if (start(&x) < 0)
        goto end;
    if (sc->external->preload && !drip__program_preload_took(&p)) {
        p.heap_measured = false;
        drip_result_add_warning(r, "the program did not load libdrip_preload.so (a static "
                                "binary, its own allocator, or LD_PRELOAD cleared): heap "
                                "metrics are not measured");
    }
    drip__program_measured(&p, r);
    enum outcome out = make_driver(&x);
    if (out == DONE)
        out = drive_loop(&x);
    bool ended_well = out == DONE || out == STOPPED || out == CEILING;
    if (ended_well && p.prof_rate && p.early.taken) {
        snapshot(&x, &p.late);                     /* quiescent: after the last sample */
        drip__program_maps(&p);
    }
    take_faults(sc, &p, r);
    if (ended_well)
        drip__program_goroutines(&p, r);
    bool clean = drip__program_stop(&p);
    r->duration_s = (double)(drip_now_ns() - x.t0) / 1e9;
    conclude(&x, out, clean);
    goto judge;
end:
    drip__program_stop(&p);
judge:
    drip__program_profile(&p, x.run->iterations && x.it < x.run->iterations, r);
    take_program(&x, r);
    drip__program_judge(sc, &p, r);
    if (o->strict || run.strict)
        drip__judge_strict(0, NULL, r);
    drip_driver_free(x.d);
    x.d = NULL;
    drip__program_release(&p);                    /* its port and files, before the pass */
    if ((o->valgrind || sc->valgrind.present) && r->status != DRIP_STATUS_ERROR &&
        !(o->interrupted && *o->interrupted))
        drip_runner_valgrind(o, sc, r);           /* under memcheck (program_vg.c) */
    drip_classify(r);
    free(x.why);
}

void drip_runner_program_sweep(const drip_runner_opts *o, const drip_scenario *sc,
                               drip_result *r)
{
    drip_run_spec run = sc->run;
    drip_runner_apply_overrides(o, &run);
    describe(sc, &run, r);
    r->iterations_planned = 0;
    r->duration_planned_s = 0;
    r->status = DRIP_STATUS_ERROR;
    r->reason = xstrdup("drip sweep does not run programs (workload.command): the failure "
                        "sweep is for plugins and built-in workloads; use drip run, with an "
                        "alloc fault for the program's allocations");
}
