/* runner.c - start a worker per scenario, watch it, collect what it says. */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "util/util.h"
#include "worker/protocol.h"

/* How far past the heap ceiling the worker's RSS may go before the runner
 * kills it from outside (the worker's own watchdog should stop it first;
 * this catches memory the counters do not see, such as raw mmap). */
#define RSS_SLACK (512ULL << 20)

void drip_runner_apply_overrides(const drip_runner_opts *o, drip_run_spec *run)
{
    if (o->seed_set)
        run->seed = o->seed;
    if (o->threads)
        run->threads = o->threads;
    if (o->iterations && run->duration_ns) {          /* a timed run made a counted one */
        run->duration_ns = 0;
        run->iterations = o->iterations;
        run->sample_every = o->iterations / 200 > 1 ? o->iterations / 200 : 1;
    } else if (o->iterations && o->iterations != run->iterations) {
        double samples = (double)run->iterations / (double)run->sample_every;
        uint64_t every = (uint64_t)((double)o->iterations / samples);
        run->iterations = o->iterations;
        run->sample_every = every ? every : 1;
    }
    if (o->duration_ns && !o->iterations)
        drip_run_spec_set_duration(run, o->duration_ns);
}

void drip_runner_apply_plugin(const drip_runner_opts *o, drip_scenario *sc)
{
    if (!o->plugin)
        return;
    free(sc->workload);
    sc->workload = NULL;
    free(sc->plugin);
    sc->plugin = xstrdup(o->plugin);
}

static uint64_t last_iteration(const drip_result *r)
{
    return r->nsamples ? (uint64_t)r->samples[r->nsamples - 1].v[DRIP_COL_ITER] : 0;
}

/* ---- one scenario ------------------------------------------------------------- */

#define PROGRESS_EVERY_NS 250000000ULL      /* the progress callback, 4 times a second */

/* Call o->progress with a snapshot of r, when it is time (*next_ns). */
static void report_progress(const drip_runner_opts *o, const drip_result *r,
                            const drip_run_spec *run, uint64_t first_ns, bool stopping,
                            uint64_t *next_ns)
{
    uint64_t now = drip_now_ns();
    if (!o->progress || now < *next_ns)
        return;
    *next_ns = now + PROGRESS_EVERY_NS;
    drip_progress p;
    drip__progress_snapshot(r, run, first_ns ? (double)(now - first_ns) / 1e9 : 0, stopping, &p);
    o->progress(o->progress_arg, &p);
}

/* The warning of a scenario the runner stopped early (Ctrl-C). */
static void add_stopped_warning(drip_result *r, const drip_run_spec *run)
{
    char a[32], b[32];
    if (run->duration_ns)
        drip_result_add_warning(r, "stopped early by interrupt at iteration %llu, after %s s "
                                "of a %s s run", (unsigned long long)r->iterations,
                                drip_fmt_num(r->nsamples ? r->samples[r->nsamples - 1]
                                             .v[DRIP_COL_TIME] : 0, a, sizeof a),
                                drip_fmt_num((double)run->duration_ns / 1e9, b, sizeof b));
    else
        drip_result_add_warning(r, "stopped early by interrupt at iteration %llu of %llu",
                                (unsigned long long)r->iterations,
                                (unsigned long long)run->iterations);
}


/* ---- what the worker says ----------------------------------------------------- */

/* A run's worker as the runner follows it. */
typedef struct run_watch {
    drip_result         *r;
    const drip_run_spec *run;
    uint64_t             max_samples;  /* more is a protocol violation */
    bool                 done, ceiling, stopped;
    uint64_t             ceiling_iter;
    char                *error;        /* the worker's first `error` line */
    size_t               unused;       /* `unused` lines: configuration never used */
    char                *first_unused;
    char                *violation;    /* the first protocol violation */
    drip__crash          crash;        /* its stack, when it crashed (crashsite.c) */
} run_watch;

static void violation(void *arg, const char *why)
{
    run_watch *w = arg;
    if (!w->violation)
        w->violation = xstrdup(why);
}

/* A `metric K NAME` line: the workload's own metric in custom slot K,
 * which is the next slot, or one the scenario placed already (its
 * `expect` names: start_result) under the same name. */
static void take_metric(run_watch *w, const drip_proto_msg *m)
{
    drip_result *r = w->r;
    size_t k = (size_t)m->u.metric.k;
    bool ok = k < r->ncustom ? strcmp(r->custom[k].name, m->u.metric.name) == 0
                             : k == r->ncustom && drip_valid_name(m->u.metric.name) &&
                               drip_result_metric_find(r, m->u.metric.name) < 0 &&
                               !drip_metric_name_reserved(m->u.metric.name);
    if (!ok) {
        char *why = xasprintf("metric slot %zu named '%.60s' (%zu slots named)", k,
                              m->u.metric.name, r->ncustom);
        violation(w, why);
        free(why);
        return;
    }
    if (k == r->ncustom)
        drip_result_custom_add(r, m->u.metric.name, NULL, true);
    r->metrics[DRIP_M_COUNT + k].measured = true;
}

/* A sample line's custom values: no more than the slots named so far. */
static bool custom_values_ok(run_watch *w, const drip_proto_msg *m)
{
    if (m->ncustom <= w->r->ncustom)
        return true;
    char *why = xasprintf("%zu custom values, %zu metrics named", m->ncustom, w->r->ncustom);
    violation(w, why);
    free(why);
    return false;
}

/* A sample line: well formed already; in order and within the plan? */
static void take_sample(run_watch *w, const double *v)
{
    drip_result *r = w->r;
    if (r->nsamples && v[DRIP_COL_ITER] < r->samples[r->nsamples - 1].v[DRIP_COL_ITER]) {
        char *why = xasprintf("sample at iteration %.0f after one at %.0f", v[DRIP_COL_ITER],
                              r->samples[r->nsamples - 1].v[DRIP_COL_ITER]);
        violation(w, why);
        free(why);
        return;
    }
    if (!w->run->duration_ns && v[DRIP_COL_ITER] > (double)w->run->iterations) {
        char *why = xasprintf("sample at iteration %.0f of a %llu-iteration run",
                              v[DRIP_COL_ITER], (unsigned long long)w->run->iterations);
        violation(w, why);
        free(why);
        return;
    }
    if (r->nsamples >= w->max_samples) {
        char *why = xasprintf("more than %llu samples", (unsigned long long)w->max_samples);
        violation(w, why);
        free(why);
        return;
    }
    drip_sample s;
    memcpy(s.v, v, sizeof s.v);
    drip_result_add_sample(r, &s);
}

static void take_fault(drip_result *r, const drip_proto_msg *m)
{
    r->faults = xrealloc(r->faults, (r->nfaults + 1) * sizeof *r->faults);
    drip_fault_result *f = &r->faults[r->nfaults++];
    memset(f, 0, sizeof *f);
    f->point = xstrdup(m->u.fault.point);
    f->asked = m->u.fault.asked;
    f->fired = m->u.fault.fired;
    f->nfirst = m->u.fault.nfirst < DRIP_FAULT_FIRST_MAX ? m->u.fault.nfirst
                                                         : DRIP_FAULT_FIRST_MAX;
    memcpy(f->first, m->u.fault.first, f->nfirst * sizeof f->first[0]);
}

static void take_profile(drip_profile_result *p, const drip_proto_msg *m)
{
    free(p->mode);
    p->mode = xstrdup(m->u.profile.mode);
    p->rate = m->u.profile.rate;
    p->early_iteration = m->u.profile.early_iteration;
    p->late_iteration = m->u.profile.late_iteration;
    p->stacks = m->u.profile.stacks;
    p->dropped = m->u.profile.dropped;
    p->partial = m->u.profile.partial;
    p->ran = true;
}

static void take_psite(drip_profile_result *p, const drip_proto_msg *m)
{
    p->sites = xrealloc(p->sites, (p->nsites + 1) * sizeof *p->sites);
    drip_prof_site *s = &p->sites[p->nsites++];
    memset(s, 0, sizeof *s);
    s->early_bytes = m->u.psite.early_bytes;
    s->early_objects = m->u.psite.early_objects;
    s->late_bytes = m->u.psite.late_bytes;
    s->late_objects = m->u.psite.late_objects;
    s->alloc_bytes = m->u.psite.alloc_bytes;
    s->alloc_objects = m->u.psite.alloc_objects;
    s->frames = xcalloc(m->u.psite.nframes + 1, sizeof *s->frames);
    for (size_t i = 0; i < m->u.psite.nframes; i++) {
        s->frames[i].fn = xstrdup(m->u.psite.frames[i].fn);
        s->frames[i].file = xstrdup(m->u.psite.frames[i].file);
        s->frames[i].line = m->u.psite.frames[i].line;
    }
    s->nframes = m->u.psite.nframes;
    if (m->u.psite.user >= 0 && (size_t)m->u.psite.user < s->nframes) {
        const drip_prof_frame *u = &s->frames[m->u.psite.user];
        s->user = (drip_prof_frame){xstrdup(u->fn), xstrdup(u->file), u->line};
    }
}

static void on_msg(void *arg, const drip_proto_msg *m)
{
    run_watch *w = arg;
    drip_result *r = w->r;
    if (w->violation)
        return;                            /* nothing after a violation is believed */
    switch (m->kind) {
    case DRIP_PROTO_MEASURED:
        for (int i = 0; i < DRIP_M_COUNT; i++)
            r->metrics[i].measured = m->u.measured[i];
        break;
    case DRIP_PROTO_METRIC:   take_metric(w, m); break;
    case DRIP_PROTO_SAMPLE:
        if (custom_values_ok(w, m))
            take_sample(w, m->u.sample);
        break;
    case DRIP_PROTO_TEARDOWN:
        if (!custom_values_ok(w, m))
            break;
        memcpy(r->after_teardown.v, m->u.sample, sizeof r->after_teardown.v);
        r->has_after_teardown = true;
        break;
    case DRIP_PROTO_FAULT:    take_fault(r, m); break;
    case DRIP_PROTO_PROFILE:  take_profile(&r->profile, m); break;
    case DRIP_PROTO_PSITE:    take_psite(&r->profile, m); break;
    case DRIP_PROTO_WARN:     drip_result_add_warning(r, "%s", m->u.text); break;
    case DRIP_PROTO_UNUSED:
        drip_result_add_warning(r, "%s", m->u.text);
        if (!w->unused++)
            w->first_unused = xstrdup(m->u.text);
        break;
    case DRIP_PROTO_ERROR:
        if (!w->error)
            w->error = xstrdup(m->u.text);
        break;
    case DRIP_PROTO_CEILING:
        w->ceiling = true;
        w->ceiling_iter = m->u.ceiling.iteration;
        break;
    case DRIP_PROTO_STOPPED:  w->stopped = true; break;
    case DRIP_PROTO_CRASHMOD:
    case DRIP_PROTO_CRASH:    drip__crash_take(&w->crash, m); break;
    case DRIP_PROTO_SETTLE:
        r->settle.samples = m->u.settle.samples;
        r->settle.unsettled = m->u.settle.unsettled;
        r->settle.total_s = (double)m->u.settle.total_ns / 1e9;
        r->settle.max_s = (double)m->u.settle.max_ns / 1e9;
        break;
    case DRIP_PROTO_DONE:
        if (!w->run->duration_ns && m->u.done.iterations > w->run->iterations) {
            violation(w, "done with more iterations than planned");
            break;
        }
        w->done = true;
        r->iterations = m->u.done.iterations;
        r->failed_iterations = m->u.done.failed;
        break;
    default: {
        char *why = xasprintf("'%s' is a sweep worker's line", drip_proto_kind_name(m->kind));
        violation(w, why);
        free(why);
    }
    }
}

/* Samples a worker may send for run: one before the first iteration, one
 * per epoch, one at the ceiling, and a timed run's ramp and catching up. */
static uint64_t max_samples(const drip_run_spec *run)
{
    if (run->duration_ns)
        return 5 * DRIP_DURATION_SAMPLES + 100;
    uint64_t every = run->sample_every ? run->sample_every : 1;
    return run->iterations / every + 4;
}

/* ---- one scenario ------------------------------------------------------------- */

enum killed_why { RUNNING, TIMED_OUT, RSS_KILLED, INTERRUPTED, STOP_IGNORED, VIOLATION };

/* The result's description of the scenario, before anything ran. */
static void start_result(const drip_scenario *sc, const drip_run_spec *run, drip_result *r)
{
    r->name = xstrdup(sc->name);
    r->file = xstrdup(sc->file);
    r->workload = xstrdup(sc->workload ? sc->workload : sc->plugin);
    r->description = xstrdup(sc->description);
    r->seed = run->seed;
    r->threads = run->threads;
    r->iterations_planned = run->iterations;
    r->duration_planned_s = (double)run->duration_ns / 1e9;
    r->heap_ceiling = run->heap_ceiling;
    r->warmup = run->warmup;
    for (size_t k = 0; k < sc->nwmetrics; k++)      /* not measured until reported */
        drip_result_custom_add(r, sc->wmetrics[k], NULL, true);
}

/* Start the worker for sc: its log, its command line, its pipes.  Returns
 * 0, or -1 with r's status and reason set. */
static int spawn(const drip_runner_opts *o, const drip_scenario *sc, drip_proc *p, int *rd,
                 int *control, int *log_fd, drip_result *r)
{
    const char *argv[26];
    char buf[160], *why = NULL;
    int a = 0;
    argv[a++] = o->self_exe;
    drip__worker_args(o, sc, o->threads, o->iterations, true, argv, &a, buf);
    *log_fd = drip__open_log(o, sc->name, ".log");
    if (drip__start_worker(o, sc, argv, *log_fd, true, p, rd, control, &why) == 0)
        return 0;
    r->status = DRIP_STATUS_ERROR;
    r->reason = xasprintf("cannot start the worker: %s", why);
    free(why);
    return -1;
}

/* How long a worker asked to stop may take to reach its next epoch
 * boundary: three of its epochs so far (the time between its last two
 * samples), and at least STOP_GRACE_MIN_NS. */
#define STOP_GRACE_MIN_NS (5ULL * 1000000000ULL)
static uint64_t stop_grace_ns(const drip_result *r)
{
    uint64_t grace = STOP_GRACE_MIN_NS;
    if (r->nsamples >= 2) {
        double epoch = r->samples[r->nsamples - 1].v[DRIP_COL_TIME] -
                       r->samples[r->nsamples - 2].v[DRIP_COL_TIME];
        if (3 * epoch * 1e9 > (double)grace)
            grace = (uint64_t)(3 * epoch * 1e9);
    }
    return grace;
}

/* Follow the worker until it ends, or end it: the deadline, the RSS
 * backstop, Ctrl-C (first: ask it to stop at its next boundary through
 * the control pipe, and kill it if it has not within the grace; second:
 * kill), a protocol violation.  Reports progress on the way. */
static enum killed_why follow(const drip_runner_opts *o, const drip_run_spec *run,
                              drip__watch *watch, run_watch *w, int control, uint64_t t0)
{
    uint64_t deadline = t0 + run->timeout_ns < t0 ? UINT64_MAX : t0 + run->timeout_ns;
    uint64_t first_ns = 0, next_progress = 0, stop_by = 0;
    for (;;) {
        if (w->violation)
            return VIOLATION;
        if (o->interrupted && *o->interrupted >= 2)
            return INTERRUPTED;
        if (o->interrupted && *o->interrupted && !stop_by && !w->done) {
            (void)!write(control, "s", 1);        /* end at the next epoch boundary */
            stop_by = drip_now_ns() + stop_grace_ns(w->r);
        }
        if (stop_by && drip_now_ns() >= stop_by && !w->done)
            return STOP_IGNORED;
        if (!first_ns && w->r->nsamples)
            first_ns = drip_now_ns();
        report_progress(o, w->r, run, first_ns, stop_by != 0, &next_progress);
        if (drip_now_ns() >= deadline)
            return TIMED_OUT;
        long rss = drip_procfs_rss_bytes(watch->proc->pid);
        if (rss > 0 && (uint64_t)rss > run->heap_ceiling + RSS_SLACK)
            return RSS_KILLED;
        if (drip__watch_turn(watch, stop_by && stop_by < deadline ? stop_by : deadline) == 0)
            return w->violation ? VIOLATION : RUNNING;     /* the worker has ended */
    }
}

/* r's status and reason when the run ended in trouble: how it was ended
 * (why), what the worker said, how it exited. */
static void conclude_trouble(const drip_run_spec *run, const run_watch *w, enum killed_why why,
                             int status, drip_result *r)
{
    char sec[32], dur[32];
    unsigned long long at = (unsigned long long)last_iteration(r);
    if (why == TIMED_OUT) {
        r->status = DRIP_STATUS_ERROR;
        drip_fmt_num((double)run->timeout_ns / 1e9, sec, sizeof sec);
        r->reason = run->duration_ns
            ? xasprintf("timeout after %s s (iteration %llu of a %s s timed run)", sec, at,
                        drip_fmt_num((double)run->duration_ns / 1e9, dur, sizeof dur))
            : xasprintf("timeout after %s s (iteration %llu of %llu)", sec, at,
                        (unsigned long long)run->iterations);
    } else if (why == INTERRUPTED) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xstrdup("interrupted");
        r->interrupted = true;
    } else if (why == STOP_IGNORED) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("interrupted: the worker did not stop at an epoch boundary "
                              "within the grace after the stop request, and was killed "
                              "(iteration %llu)", at);
        r->interrupted = true;
    } else if (why == VIOLATION) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("protocol violation: %s (the worker was stopped; something in "
                              "its process wrote to the runner's pipe)", w->violation);
    } else if (why == RSS_KILLED) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("killed: resident memory passed the heap ceiling + 512 MiB "
                              "(iteration %llu)", at);
    } else if (w->error) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xstrdup(w->error);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        char *site = NULL;                  /* where, when the worker sent its stack */
        r->crash_stack = drip__crash_stack(&w->crash, &site);
        r->status = DRIP_STATUS_ERROR;
        r->reason = r->nsamples
            ? xasprintf("crashed: SIG%s (%s) near iteration %llu%s%s", sigabbrev_np(sig),
                        strsignal(sig), at, site ? " at " : "", site ? site : "")
            : xasprintf("crashed: SIG%s (%s) before the first iteration%s%s",
                        sigabbrev_np(sig), strsignal(sig), site ? " at " : "",
                        site ? site : "");
        free(site);
    } else if (w->ceiling) {
        r->heap_ceiling_hit = true;
    } else if (!w->done) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = WIFEXITED(status) && WEXITSTATUS(status) != 0
            ? xasprintf("worker exited with status %d before finishing (iteration %llu)",
                        WEXITSTATUS(status), at)
            : xasprintf("worker exited before finishing (iteration %llu)", at);
    }
}

/* After the worker: the fault forms, iterations, a stop's warning, the
 * cut-off last line, trouble, and the worker's last words in an error. */
static void conclude(const drip_runner_opts *o, const drip_scenario *sc,
                     const drip_run_spec *run, run_watch *w, const drip__watch *watch,
                     enum killed_why why, drip_result *r)
{
    for (size_t i = 0; i < r->nfaults; i++)          /* the form is the scenario's */
        for (size_t j = 0; j < sc->nfaults; j++)
            if (strcmp(r->faults[i].point, sc->faults[j].point) == 0) {
                r->faults[i].rate = sc->faults[j].rate;
                drip_fault_result_set_schedule(&r->faults[i], sc->faults[j].every,
                                               sc->faults[j].nth, sc->faults[j].nnth);
            }
    if (!w->done)
        r->iterations = w->ceiling ? w->ceiling_iter : last_iteration(r);
    if (w->stopped && w->done) {
        r->interrupted = true;
        add_stopped_warning(r, run);
    }
    if (watch->reader.len && why == RUNNING && w->done && !w->violation) {
        w->violation = xasprintf("a last line without its newline ('%.40s')", watch->reader.buf);
        why = VIOLATION;
    }
    conclude_trouble(run, w, why, watch->proc->status, r);
    if (r->status == DRIP_STATUS_ERROR && o->log_dir) {
        char *log = drip__log_path(o, sc->name, ".log");
        char *last = drip__log_last_line(log);
        char *msg = last ? xasprintf("%s; worker said: %s (%s)", r->reason, last, log)
                         : xasprintf("%s (worker output: %s)", r->reason, log);
        free(last);
        free(log);
        free(r->reason);
        r->reason = msg;
    }
}

void drip_runner_run_one(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    drip_run_spec run = sc->run;
    drip_runner_apply_overrides(o, &run);
    start_result(sc, &run, r);

    uint64_t t0 = drip_now_ns();
    drip_proc proc;
    int rd = -1, log_fd = -1, control = -1;
    run_watch w = {.r = r, .run = &run, .max_samples = max_samples(&run)};
    if (spawn(o, sc, &proc, &rd, &control, &log_fd, r) < 0)
        goto out;
    drip__watch watch = {.proc = &proc, .rd = rd, .on_msg = on_msg, .on_bad = violation,
                         .arg = &w};
    enum killed_why why = follow(o, &run, &watch, &w, control, t0);
    drip_proc_end(&proc);                   /* the worker and all it started */
    drip__watch_close(&watch);
    r->duration_s = (double)(drip_now_ns() - t0) / 1e9;
    conclude(o, sc, &run, &w, &watch, why, r);
out:
    if (log_fd >= 0)
        close(log_fd);
    if (control >= 0)
        close(control);
    drip_judge(sc, r);
    if (o->strict || run.strict)          /* misconfiguration: warned about always */
        drip__judge_strict(w.unused, w.first_unused, r);
    free(w.error);
    free(w.violation);
    free(w.first_unused);
    drip__crash_free(&w.crash);
}
