/* sweep.c - drive the failure sweep from outside (`drip sweep`).
 *
 * For each mode the scenario asks for, a worker runs trials k = 1, 2, ...
 * (harness/worker/sweep.c) and reports each one.  When a trial crashes or
 * hangs, the worker is gone: the finding is recorded with its k and a new
 * worker carries on at k + 1, so one bad k never hides the next.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"
#include "worker/protocol.h"

/* What one worker said, and what became of it. */
typedef struct sweep_watch {
    drip_result *r;
    int          mode;            /* 0 or 1 */
    uint64_t     current_k;       /* the trial in progress, 0 before the first */
    bool         current_done;    /* its result line arrived */
    bool         ended, limited;
    char        *error;
    bool         trial_started;   /* a trial line since the last poll: reset the deadline */
    bool         started;         /* the worker has begun its first trial */
} sweep_watch;

static drip_sweep_finding *add_finding(drip_sweep_result *sw, int mode, uint64_t k,
                                       drip_trial_outcome outcome)
{
    sw->findings = xrealloc(sw->findings, (sw->nfindings + 1) * sizeof *sw->findings);
    drip_sweep_finding *f = &sw->findings[sw->nfindings++];
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->k = k;
    f->outcome = outcome;
    return f;
}

static void on_msg(void *arg, const drip_proto_msg *m)
{
    sweep_watch *w = arg;
    drip_sweep_result *sw = &w->r->sweep;
    switch (m->kind) {
    case DRIP_PROTO_TRIAL:
        w->current_k = m->u.n;
        w->current_done = false;
        w->trial_started = w->started = true;
        break;
    case DRIP_PROTO_RESULT:
        w->current_done = true;
        sw->trials[w->mode]++;
        if (m->u.result.rc != 0)
            sw->failed[w->mode]++;
        if (m->u.result.blocks == 0) {
            sw->clean[w->mode]++;
        } else {
            drip_sweep_finding *f = add_finding(sw, w->mode, m->u.result.k, DRIP_TRIAL_LEAK);
            f->leaked_bytes = m->u.result.bytes;
            f->leaked_blocks = m->u.result.blocks;
        }
        break;
    case DRIP_PROTO_SITE: {
        drip_sweep_finding *f = sw->nfindings ? &sw->findings[sw->nfindings - 1] : NULL;
        if (!f || f->k != m->u.site.k || f->mode != w->mode || f->nsites >= DRIP_SWEEP_SITES_MAX)
            break;
        f->sites = xrealloc(f->sites, (f->nsites + 1) * sizeof *f->sites);
        drip_sweep_site *s = &f->sites[f->nsites++];
        s->bytes = m->u.site.bytes;
        s->blocks = m->u.site.blocks;
        s->stack = xstrdup(m->u.site.stack);
        break;
    }
    case DRIP_PROTO_REFERENCE:
        if (!sw->allocations[w->mode]) {
            sw->reference_bytes = m->u.reference.bytes;
            sw->reference_blocks = m->u.reference.blocks;
            sw->allocations[w->mode] = m->u.reference.allocs;
        }
        break;
    case DRIP_PROTO_END:
        w->ended = true;
        sw->complete[w->mode] = true;
        break;
    case DRIP_PROTO_LIMIT:
        w->ended = w->limited = true;
        break;
    case DRIP_PROTO_WARN:
        for (size_t i = 0; i < w->r->nwarnings; i++)
            if (strcmp(w->r->warnings[i], m->u.text) == 0)
                return;                               /* every worker says it again */
        drip_result_add_warning(w->r, "%s", m->u.text);
        break;
    case DRIP_PROTO_ERROR:
        if (!w->error)
            w->error = xstrdup(m->u.text);
        break;
    default:
        if (!w->error)
            w->error = xasprintf("protocol violation: '%s' is not a sweep worker's line",
                                 drip_proto_kind_name(m->kind));
    }
}

static void on_bad(void *arg, const char *why)
{
    sweep_watch *w = arg;
    if (!w->error)
        w->error = xasprintf("protocol violation: %s", why);
}

enum ended { ENDED_EXIT, ENDED_HANG, ENDED_INTERRUPTED };

/* Start one worker at from_k and follow it to its end; every worker of
 * the sweep shares the log log_fd.  Returns how it ended; *status is its
 * wait status.  -1 when it could not start (reason in w->error). */
static int run_worker(const drip_runner_opts *o, const drip_scenario *sc, sweep_watch *w,
                      uint64_t from_k, int log_fd, int *status)
{
    char idx[32], seed[32], from[32];
    const char *argv[18];
    int a = 0;
    snprintf(idx, sizeof idx, "%zu", sc->doc_index);
    snprintf(from, sizeof from, "%llu", (unsigned long long)from_k);
    argv[a++] = o->self_exe;
    argv[a++] = "worker";
    argv[a++] = "--index";
    argv[a++] = idx;
    if (o->seed_set) {
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
        argv[a++] = "--seed";
        argv[a++] = seed;
    }
    argv[a++] = "--sweep";
    argv[a++] = drip_sweep_mode_name(w->mode);
    argv[a++] = "--from";
    argv[a++] = from;
    drip__worker_text_args(sc, argv, &a);
    argv[a++] = "--";
    argv[a++] = sc->file;
    argv[a] = NULL;
    drip_proc proc;
    int rd;
    char *why = NULL;
    if (drip__start_worker(o, sc, argv, log_fd, true, &proc, &rd, NULL, &why) < 0) {
        w->error = why;
        return -1;
    }
    drip__watch watch = {.proc = &proc, .rd = rd, .on_msg = on_msg, .on_bad = on_bad, .arg = w};

    /* Starting the worker (exec, loading the plugin, symbols) gets the
     * run's timeout, not the sweep's: on a loaded machine a start-up can
     * take longer than a trial's budget without anything hanging.  The
     * reference trial (k = 0) and every later trial, each announced by a
     * trial line, get the sweep's timeout. */
    enum ended how = ENDED_EXIT;
    w->started = false;
    uint64_t deadline = drip_now_ns() + sc->run.timeout_ns;
    for (;;) {
        if (o->interrupted && *o->interrupted) {
            how = ENDED_INTERRUPTED;
            break;
        }
        if (drip_now_ns() >= deadline) {
            how = ENDED_HANG;
            break;
        }
        w->trial_started = false;
        if (drip__watch_turn(&watch, deadline) == 0 || w->error)
            break;                           /* the worker has ended, or lied */
        if (w->trial_started)
            deadline = drip_now_ns() + sc->sweep.timeout_ns;
    }
    drip_proc_end(&proc);                    /* the worker and what the workload left */
    drip__watch_close(&watch);
    *status = proc.status;
    return (int)how;
}

/* Sweep one mode: workers until the mode ends, one per crash or hang. */
static void sweep_mode(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r,
                       int mode, int log_fd)
{
    sweep_watch w = {.r = r, .mode = mode};
    uint64_t from_k = 1;
    char sec[32];
    for (;;) {
        int status = 0;
        w.current_k = 0;
        w.current_done = false;
        int how = run_worker(o, sc, &w, from_k, log_fd, &status);
        if (how < 0 || w.error)
            break;
        if (how == ENDED_INTERRUPTED) {
            w.error = xstrdup("interrupted");
            break;
        }
        if (w.ended)
            break;
        bool died = how == ENDED_HANG || WIFSIGNALED(status);
        if (!died) {
            w.error = WIFEXITED(status) && WEXITSTATUS(status) != 0
                ? xasprintf("%s sweep: worker exited with status %d at k=%llu",
                            drip_sweep_mode_name(mode), WEXITSTATUS(status),
                            (unsigned long long)w.current_k)
                : xasprintf("%s sweep: worker ended without finishing (k=%llu)",
                            drip_sweep_mode_name(mode), (unsigned long long)w.current_k);
            break;
        }
        if (how == ENDED_HANG && !w.started) {
            w.error = xasprintf("%s sweep: the worker did not start within run.timeout (%s s)",
                                drip_sweep_mode_name(mode),
                                drip_fmt_num((double)sc->run.timeout_ns / 1e9, sec, sizeof sec));
            break;
        }
        if (w.current_k == 0 || w.current_done) {
            /* Not inside a trial: the reference run (no fault at all) or
             * the harness between trials.  Nothing to blame on a k. */
            w.error = how == ENDED_HANG
                ? xasprintf("%s sweep: the run without faults passed the sweep timeout of %s s",
                            drip_sweep_mode_name(mode),
                            drip_fmt_num((double)sc->sweep.timeout_ns / 1e9, sec, sizeof sec))
                : xasprintf("%s sweep: crashed (SIG%s) outside any trial",
                            drip_sweep_mode_name(mode), sigabbrev_np(WTERMSIG(status)));
            break;
        }
        drip_sweep_finding *f;
        if (how == ENDED_HANG) {
            f = add_finding(&r->sweep, mode, w.current_k, DRIP_TRIAL_HANG);
            f->detail = xasprintf("no end after %s s",
                                  drip_fmt_num((double)sc->sweep.timeout_ns / 1e9, sec,
                                               sizeof sec));
        } else {
            int sig = WTERMSIG(status);
            f = add_finding(&r->sweep, mode, w.current_k, DRIP_TRIAL_CRASH);
            f->signal = sig;
            f->detail = xasprintf("SIG%s (%s)", sigabbrev_np(sig), strsignal(sig));
        }
        r->sweep.trials[mode]++;
        from_k = w.current_k + 1;
        if (from_k > sc->sweep.max_k) {
            w.limited = true;
            break;
        }
    }
    if (w.limited)
        drip_result_add_warning(r, "%s sweep stopped at max_k = %llu before an iteration ran "
                                "without a fault: raise sweep.max_k to go on",
                                drip_sweep_mode_name(mode), (unsigned long long)sc->sweep.max_k);
    if (w.error && r->status != DRIP_STATUS_ERROR) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = w.error;
        w.error = NULL;
    }
    free(w.error);
}

/* Totals, limits and the verdict. */
static void judge_sweep(const drip_scenario *sc, drip_result *r)
{
    drip_sweep_result *sw = &r->sweep;
    for (size_t i = 0; i < sw->nfindings; i++) {
        const drip_sweep_finding *f = &sw->findings[i];
        sw->total[DRIP_SWC_LEAKED_BYTES] += f->leaked_bytes;
        sw->total[DRIP_SWC_LEAKED_BLOCKS] += f->leaked_blocks;
        sw->total[DRIP_SWC_CRASHES] += f->outcome == DRIP_TRIAL_CRASH;
        sw->total[DRIP_SWC_HANGS] += f->outcome == DRIP_TRIAL_HANG;
    }
    bool all_ok = true;
    for (int c = 0; c < DRIP_SWC_COUNT; c++) {
        sw->limit[c] = sc->sweep.max[c];
        sw->ok[c] = sw->total[c] <= sw->limit[c];
        all_ok = all_ok && sw->ok[c];
    }
    if (r->status == DRIP_STATUS_ERROR || all_ok)
        return;
    r->status = DRIP_STATUS_FAIL;
    const drip_sweep_finding *f = &sw->findings[0];
    for (size_t i = 0; i < sw->nfindings; i++)     /* the first that breaks a limit */
        if ((!sw->ok[DRIP_SWC_CRASHES] && sw->findings[i].outcome == DRIP_TRIAL_CRASH) ||
            (!sw->ok[DRIP_SWC_HANGS] && sw->findings[i].outcome == DRIP_TRIAL_HANG) ||
            ((!sw->ok[DRIP_SWC_LEAKED_BYTES] || !sw->ok[DRIP_SWC_LEAKED_BLOCKS]) &&
             sw->findings[i].outcome == DRIP_TRIAL_LEAK)) {
            f = &sw->findings[i];
            break;
        }
    strbuf sb = {0};
    sb_appendf(&sb, "sweep: %zu finding%s; first: %s k=%llu ", sw->nfindings,
               sw->nfindings == 1 ? "" : "s", drip_sweep_mode_name(f->mode),
               (unsigned long long)f->k);
    if (f->outcome == DRIP_TRIAL_LEAK)
        sb_appendf(&sb, "leaked %llu B in %llu block%s%s%s", (unsigned long long)f->leaked_bytes,
                   (unsigned long long)f->leaked_blocks, f->leaked_blocks == 1 ? "" : "s",
                   f->nsites ? " at " : "", f->nsites ? f->sites[0].stack : "");
    else
        sb_appendf(&sb, "%s: %s", drip_trial_outcome_name(f->outcome),
                   f->detail ? f->detail : "");
    r->reason = sb_take(&sb);
}

void drip_runner_sweep(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    r->name = xstrdup(sc->name);
    r->file = xstrdup(sc->file);
    r->workload = xstrdup(sc->workload ? sc->workload : sc->plugin);
    r->description = xstrdup(sc->description);
    r->seed = o->seed_set ? o->seed : sc->run.seed;
    r->threads = 1;
    r->sweep.ran = true;
    r->sweep.modes = sc->sweep.modes;
    r->sweep.warmup = sc->sweep.warmup;
    int log_fd = drip__open_log(o, sc->name, ".sweep.log");   /* shared by its workers */
    uint64_t t0 = drip_now_ns();
    for (int m = 0; m < 2 && r->status != DRIP_STATUS_ERROR; m++)
        if (sc->sweep.modes & (m == 0 ? DRIP_SWEEP_TRANSIENT : DRIP_SWEEP_PERSISTENT))
            sweep_mode(o, sc, r, m, log_fd);
    r->duration_s = (double)(drip_now_ns() - t0) / 1e9;
    if (log_fd >= 0)
        close(log_fd);
    judge_sweep(sc, r);
}
