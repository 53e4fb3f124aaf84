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

static const char *const mode_names[2] = {"transient", "persistent"};

/* What one worker said, and what became of it. */
typedef struct sweep_watch {
    drip_result *r;
    int          mode;            /* 0 or 1 */
    uint64_t     current_k;       /* the trial in progress, 0 before the first */
    bool         current_done;    /* its result line arrived */
    bool         ended, limited;
    char        *error;
    strbuf       pending;
    bool         trial_started;   /* a trial line since the last poll: reset the deadline */
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

static void parse_line(void *arg, char *line)
{
    sweep_watch *w = arg;
    drip_sweep_result *sw = &w->r->sweep;
    char *rest = strchr(line, ' ');
    if (rest)
        *rest++ = '\0';
    else
        rest = line + strlen(line);

    if (strcmp(line, "trial") == 0) {
        w->current_k = strtoull(rest, NULL, 10);
        w->current_done = false;
        w->trial_started = true;
    } else if (strcmp(line, "result") == 0) {
        uint64_t k = strtoull(rest, &rest, 10);
        strtoull(rest, &rest, 10);                    /* faults fired */
        long rc = strtol(rest, &rest, 10);
        uint64_t bytes = strtoull(rest, &rest, 10);
        uint64_t blocks = strtoull(rest, &rest, 10);
        w->current_done = true;
        sw->trials[w->mode]++;
        if (rc != 0)
            sw->failed[w->mode]++;
        if (blocks == 0) {
            sw->clean[w->mode]++;
        } else {
            drip_sweep_finding *f = add_finding(sw, w->mode, k, DRIP_TRIAL_LEAK);
            f->leaked_bytes = bytes;
            f->leaked_blocks = blocks;
        }
    } else if (strcmp(line, "site") == 0) {
        uint64_t k = strtoull(rest, &rest, 10);
        drip_sweep_finding *f = sw->nfindings ? &sw->findings[sw->nfindings - 1] : NULL;
        if (!f || f->k != k || f->mode != w->mode || f->nsites >= DRIP_SWEEP_SITES_MAX)
            return;
        f->sites = xrealloc(f->sites, (f->nsites + 1) * sizeof *f->sites);
        drip_sweep_site *s = &f->sites[f->nsites++];
        s->bytes = strtoull(rest, &rest, 10);
        s->blocks = strtoull(rest, &rest, 10);
        s->stack = xstrdup(*rest == ' ' ? rest + 1 : rest);
    } else if (strcmp(line, "reference") == 0) {
        uint64_t bytes = strtoull(rest, &rest, 10);
        uint64_t blocks = strtoull(rest, &rest, 10);
        uint64_t allocs = strtoull(rest, &rest, 10);
        if (!sw->allocations[w->mode]) {
            sw->reference_bytes = bytes;
            sw->reference_blocks = blocks;
            sw->allocations[w->mode] = allocs;
        }
    } else if (strcmp(line, "end") == 0) {
        w->ended = true;
        sw->complete[w->mode] = true;
    } else if (strcmp(line, "limit") == 0) {
        w->ended = w->limited = true;
    } else if (strcmp(line, "warn") == 0) {
        for (size_t i = 0; i < w->r->nwarnings; i++)
            if (strcmp(w->r->warnings[i], rest) == 0)
                return;                               /* every worker says it again */
        drip_result_add_warning(w->r, "%s", rest);
    } else if (strcmp(line, "error") == 0) {
        if (!w->error)
            w->error = xstrdup(rest);
    }
}

/* In the child: log (appended: every worker of the sweep shares it), fds,
 * exec `drip worker --sweep MODE --from K`.  Never returns. */
static void exec_sweep_worker(const drip_runner_opts *o, const drip_scenario *sc, int mode,
                              uint64_t from_k, int wfd)
{
    if (o->log_dir) {
        char *log = xasprintf("%s/%s.sweep.log", o->log_dir, sc->name);
        int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (lfd >= 0) {
            dup2(lfd, STDOUT_FILENO);
            dup2(lfd, STDERR_FILENO);
        }
    }
    drip__child_setup(NULL, wfd);
    char idx[32], seed[32], from[32];
    const char *argv[16];
    int a = 0;
    snprintf(idx, sizeof idx, "%zu", sc->doc_index);
    snprintf(from, sizeof from, "%llu", (unsigned long long)from_k);
    argv[a++] = "drip";
    argv[a++] = "worker";
    argv[a++] = "--index";
    argv[a++] = idx;
    if (o->seed_set) {
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
        argv[a++] = "--seed";
        argv[a++] = seed;
    }
    argv[a++] = "--sweep";
    argv[a++] = mode_names[mode];
    argv[a++] = "--from";
    argv[a++] = from;
    argv[a++] = "--";
    argv[a++] = sc->file;
    argv[a] = NULL;
    execv(o->self_exe, (char *const *)argv);
    fprintf(stderr, "drip: error: cannot start worker %s: %s\n", o->self_exe, strerror(errno));
    _exit(127);
}

enum ended { ENDED_EXIT, ENDED_HANG, ENDED_INTERRUPTED };

/* Start one worker at from_k and follow it to its end.  Returns how it
 * ended; *status is its wait status.  -1 when it could not start (reason
 * in w->error). */
static int run_worker(const drip_runner_opts *o, const drip_scenario *sc, sweep_watch *w,
                      uint64_t from_k, int *status)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        w->error = xasprintf("cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        w->error = xasprintf("cannot fork a worker: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        exec_sweep_worker(o, sc, w->mode, from_k, pfd[1]);
    setpgid(pid, pid);
    close(pfd[1]);

    /* The reference trial and every later trial each get the timeout. */
    enum ended how = ENDED_EXIT;
    uint64_t deadline = drip_now_ns() + sc->sweep.timeout_ns;
    for (;;) {
        if (o->interrupted && *o->interrupted) {
            how = ENDED_INTERRUPTED;
            break;
        }
        uint64_t now = drip_now_ns();
        if (now >= deadline) {
            how = ENDED_HANG;
            break;
        }
        w->trial_started = false;
        if (drip__read_lines(pfd[0], deadline, &w->pending, parse_line, w) < 0)
            break;                           /* EOF: the worker has ended */
        if (w->trial_started)
            deadline = drip_now_ns() + sc->sweep.timeout_ns;
    }
    if (how != ENDED_EXIT)
        kill(-pid, SIGKILL);
    close(pfd[0]);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL);                 /* tasks the workload left behind */
    return (int)how;
}

/* Sweep one mode: workers until the mode ends, one per crash or hang. */
static void sweep_mode(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r,
                       int mode)
{
    sweep_watch w = {.r = r, .mode = mode};
    uint64_t from_k = 1;
    char sec[32];
    for (;;) {
        int status = 0;
        w.current_k = 0;
        w.current_done = false;
        int how = run_worker(o, sc, &w, from_k, &status);
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
                            mode_names[mode], WEXITSTATUS(status),
                            (unsigned long long)w.current_k)
                : xasprintf("%s sweep: worker ended without finishing (k=%llu)",
                            mode_names[mode], (unsigned long long)w.current_k);
            break;
        }
        if (w.current_k == 0 || w.current_done) {
            /* Not inside a trial: the reference run (no fault at all) or
             * the harness between trials.  Nothing to blame on a k. */
            w.error = how == ENDED_HANG
                ? xasprintf("%s sweep: the run without faults passed the sweep timeout of %s s",
                            mode_names[mode],
                            drip_fmt_num((double)sc->sweep.timeout_ns / 1e9, sec, sizeof sec))
                : xasprintf("%s sweep: crashed (SIG%s) outside any trial", mode_names[mode],
                            sigabbrev_np(WTERMSIG(status)));
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
                                mode_names[mode], (unsigned long long)sc->sweep.max_k);
    if (w.error && r->status != DRIP_STATUS_ERROR) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = w.error;
        w.error = NULL;
    }
    free(w.error);
    sb_free(&w.pending);
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
               sw->nfindings == 1 ? "" : "s", mode_names[f->mode], (unsigned long long)f->k);
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
    if (o->log_dir) {                     /* a fresh log for this sweep's workers */
        char *log = xasprintf("%s/%s.sweep.log", o->log_dir, sc->name);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        free(log);
    }
    uint64_t t0 = drip_now_ns();
    for (int m = 0; m < 2 && r->status != DRIP_STATUS_ERROR; m++)
        if (sc->sweep.modes & (m == 0 ? DRIP_SWEEP_TRANSIENT : DRIP_SWEEP_PERSISTENT))
            sweep_mode(o, sc, r, m);
    r->duration_s = (double)(drip_now_ns() - t0) / 1e9;
    judge_sweep(sc, r);
}
