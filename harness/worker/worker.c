/* worker.c - load the workload, run its iterations on N threads, sample.
 *
 * Threads take iteration numbers from one shared counter, so iteration i is
 * the same unit of work (and sees the same faults) whatever the thread
 * count.  Samples are quiescent: iterations come in epochs of sample_every,
 * an epoch starts only once the sample before it was taken, and the thread
 * that completes an epoch's last iteration takes the sample - so no
 * iteration is half done when a sample is taken, and with any number of
 * threads the heap holds exactly what whole iterations left behind.  A
 * timed run (run.duration) sizes each epoch when the sample before it is
 * taken (pace.h) and ends at the first boundary after the duration; a
 * SIGUSR1 from the runner (Ctrl-C) ends any run at its next boundary,
 * which is then reported with a `stopped` line.  Everything the harness does here runs with the
 * allocator's counting off; it is switched on only around the workload's
 * own calls (setup, iterate, teardown), so the series hold the workload's
 * memory and nothing else.
 */
#define _GNU_SOURCE
#include "worker.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "builtin.h"
#include "ctx.h"
#include "profile.h"
#include "pace.h"
#include "protocol.h"
#include "sampler.h"
#include "util/util.h"
#include "valgrind/vgmark.h"

typedef struct worker {
    const drip_scenario *sc;
    const drip_workload *wl;
    void                *state;
    int                  fd;
    uint64_t             t0;
    drip_worker_shared   sh;
    drip_ctx           **ctxs;
    atomic_uint_fast64_t next;         /* next iteration to hand out */
    atomic_uint_fast64_t completed;
    atomic_uint_fast64_t failed;
    atomic_bool          stop;
    pthread_mutex_t      send_lock;
    pthread_mutex_t      gate_lock;    /* iteration threads wait at the gate */
    pthread_cond_t       gate_cond;    /* until their epoch is released */
    atomic_uint_fast64_t open_until;   /* iterations below this may start: the
                                        * end of the current epoch */
    uint64_t             n;            /* iterations at most (a timed run: DRIP_PACE_MAX) */
    uint64_t             every;        /* the current epoch's size; with the two
                                        * below, touched only by the thread
                                        * ending an epoch (and main before) */
    uint64_t             epoch_t0;     /* when the last sample was taken */
    uint64_t             epochs;       /* epochs ended (samples after the first) */
    bool                 stopped;      /* ended early: the runner asked */
    uint64_t             profile_early_at;  /* counted run: iterations done when the
                                        * warm-up ends (a timed run: by time) */
} worker;

/* Set by SIGUSR1: the runner asks the run to end at the next epoch
 * boundary (a graceful Ctrl-C). */
static volatile sig_atomic_t stop_asked;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* ---- sending -------------------------------------------------------------- */

void drip__proto_vsend(int fd, const char *fmt, va_list ap)
{
    char buf[DRIP_PROTO_MAX_LINE + 2];
    int n = vsnprintf(buf, DRIP_PROTO_MAX_LINE, fmt, ap);
    if (n < 0)
        return;
    if (n >= DRIP_PROTO_MAX_LINE)
        n = DRIP_PROTO_MAX_LINE - 1;
    for (int i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\r')
            buf[i] = ' ';
    buf[n++] = '\n';
    for (const char *p = buf; n > 0;) {
        ssize_t k = write(fd, p, (size_t)n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(1);                         /* the runner is gone */
        p += k;
        n -= (int)k;
    }
}

/* Write one protocol line in a single write(); text is cut to fit. */
static void send_line(worker *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    drip__proto_vsend(w->fd, fmt, ap);
    va_end(ap);
}

static void send_sample(worker *w, uint64_t iter)
{
    drip_sample s;
    pthread_mutex_lock(&w->send_lock);
    drip_sampler_take(&s, iter, w->t0);
    char buf[DRIP_PROTO_MAX_LINE];
    int off = snprintf(buf, sizeof buf, "sample %.0f %.6f", s.v[0], s.v[1]);
    for (int m = 0; m < DRIP_M_COUNT; m++)
        off += snprintf(buf + off, sizeof buf - (size_t)off, " %.0f", s.v[DRIP_COL_METRIC(m)]);
    send_line(w, "%s", buf);
    pthread_mutex_unlock(&w->send_lock);
}

/* ---- loading the workload ------------------------------------------------- */

/* Resolve the scenario's workload: a built-in by name, or a plugin loaded
 * with dlopen (kept loaded for the life of the process).  On failure returns
 * NULL and sets *why to a malloc'd reason. */
const drip_workload *drip__worker_load(const drip_scenario *sc, char **why)
{
    if (sc->workload) {
        const drip_workload *wl = drip_builtin_find(sc->workload);
        if (!wl)
            *why = xasprintf("unknown built-in workload '%s'", sc->workload);
        return wl;
    }
    void *h = dlopen(sc->plugin, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        *why = xasprintf("plugin %s: cannot load: %s", sc->plugin, dlerror());
        return NULL;
    }
    const drip_workload *wl = dlsym(h, "drip_plugin");
    if (!wl) {
        *why = xasprintf("plugin %s: no symbol 'drip_plugin' (export `const drip_workload "
                         "drip_plugin`)", sc->plugin);
        return NULL;
    }
    if (wl->abi != DRIP_WORKLOAD_ABI) {
        *why = xasprintf("plugin %s: built for workload ABI %d, this drip supports %d",
                         sc->plugin, wl->abi, DRIP_WORKLOAD_ABI);
        return NULL;
    }
    if (!wl->iterate) {
        *why = xasprintf("plugin %s: drip_plugin.iterate is NULL", sc->plugin);
        return NULL;
    }
    return wl;
}

/* ---- threads -------------------------------------------------------------- */

/* Let iterations below `until` start: the next epoch's end. */
static void release(worker *w, uint64_t until)
{
    pthread_mutex_lock(&w->gate_lock);
    atomic_store(&w->open_until, until);
    pthread_cond_broadcast(&w->gate_cond);
    pthread_mutex_unlock(&w->gate_lock);
}

/* Ask every iteration thread to stop, waking those waiting at the gate. */
static void stop_all(worker *w)
{
    pthread_mutex_lock(&w->gate_lock);
    atomic_store(&w->stop, true);
    pthread_cond_broadcast(&w->gate_cond);
    pthread_mutex_unlock(&w->gate_lock);
}

/* Called by the thread that completed an epoch's last iteration (`done`
 * iterations in all): take the epoch's sample, then end the run (n
 * iterations done, a timed run's duration passed, or the runner asked) or
 * open the next epoch, sized by pace.h in a timed run. */
static void end_epoch(worker *w, uint64_t done)
{
    const drip_run_spec *run = &w->sc->run;
    send_sample(w, done);
    uint64_t now = drip_now_ns();
    /* The profile's early snapshot when the warm-up ends, while no
     * iteration runs (by iterations done, or for a timed run by time). */
    if (run->duration_ns ? (double)(now - w->t0) >= run->warmup * (double)run->duration_ns
                         : done >= w->profile_early_at)
        drip_profiler_early(done);
    bool end = done >= w->n;
    if (run->duration_ns) {
        end = end || now - w->t0 >= run->duration_ns;
        w->epochs++;
        w->every = drip_pace_next(w->every, now - w->epoch_t0,
                                  drip_pace_target(run->duration_ns, now - w->t0,
                                                   w->epochs + 1));
        w->epoch_t0 = now;
    }
    if (!end && stop_asked) {
        w->stopped = true;
        end = true;
    }
    if (end) {
        stop_all(w);
        return;
    }
    release(w, w->n - done > w->every ? done + w->every : w->n);
}

typedef struct thread_arg {
    worker   *w;
    drip_ctx *ctx;
} thread_arg;

static void *run_iterations(void *p)
{
    thread_arg *ta = p;
    worker *w = ta->w;
    drip_ctx *ctx = ta->ctx;
    const uint64_t n = w->n;

    drip_alloc_set_counting(false);
    while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
        uint64_t i = atomic_fetch_add(&w->next, 1);
        if (i >= n)
            break;
        if (atomic_load(&w->open_until) <= i) {          /* wait for this epoch */
            pthread_mutex_lock(&w->gate_lock);
            while (atomic_load(&w->open_until) <= i && !atomic_load(&w->stop))
                pthread_cond_wait(&w->gate_cond, &w->gate_lock);
            pthread_mutex_unlock(&w->gate_lock);
            if (atomic_load(&w->stop))
                break;
        }
        drip_ctx_begin(ctx, i);
        drip_alloc_set_counting(true);
        int rc = w->wl->iterate(ctx, w->state);
        drip_alloc_set_counting(false);
        drip_ctx_end(ctx);
        if (rc != 0)
            atomic_fetch_add_explicit(&w->failed, 1, memory_order_relaxed);
        if (atomic_load_explicit(&w->sh.param_error, memory_order_relaxed))
            stop_all(w);
        uint64_t done = atomic_fetch_add(&w->completed, 1) + 1;
        if (done == atomic_load(&w->open_until))
            end_epoch(w, done);                          /* the epoch is complete */
    }
    return NULL;
}

/* The heap-ceiling watchdog: polls the counters every few milliseconds and
 * ends the process when the live heap passes the ceiling, after sending a
 * last sample, so the runner judges the samples so far.  It is also the
 * one thread that takes SIGUSR1 (every other one blocks it: see
 * drip_worker_run), so a stop request never interrupts a workload's
 * system call. */
static void *ceiling_watch(void *p)
{
    worker *w = p;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    drip_alloc_set_counting(false);
    const struct timespec tick = {0, 2 * 1000 * 1000};
    while (!atomic_load(&w->stop)) {
        drip_alloc_stats st;
        drip_alloc_read(&st);
        if (st.live_bytes > 0 && (uint64_t)st.live_bytes > w->sc->run.heap_ceiling) {
            uint64_t done = atomic_load(&w->completed);
            send_sample(w, done);
            send_line(w, "ceiling %lld %llu", (long long)st.live_bytes,
                      (unsigned long long)done);
            _exit(0);
        }
        nanosleep(&tick, NULL);
    }
    return NULL;
}

/* ---- the run -------------------------------------------------------------- */

/* Warn about what the scenario configured but the run never used: params
 * never read, fault points never asked, and schedules that never fired
 * (with the reason when it is plain: too few iterations, too few asks). */
static void send_warnings(worker *w, drip_fault_result *faults)
{
    const drip_scenario *sc = w->sc;
    for (size_t i = 0; i < sc->nparams; i++)
        if (!atomic_load(&w->sh.param_used[i]))
            send_line(w, "warn param '%s' was never read by workload '%s'", sc->params[i].key,
                      w->wl->name);
    for (size_t i = 0; i < sc->nfaults; i++) {
        const drip_fault_spec *f = &sc->faults[i];
        uint64_t done = atomic_load(&w->completed);
        uint64_t most = drip_ctx_most_asks(w->ctxs, sc->run.threads, i);
        if (faults[i].asked == 0) {
            send_line(w, "warn fault point '%s' was never consulted by workload '%s'", f->point,
                      w->wl->name);
            continue;
        }
        if (faults[i].fired || (!f->every && !f->nnth))
            continue;                       /* a rate may never fire by chance */
        if (f->every > done)
            send_line(w, "warn fault point '%s' never fired: every: %llu is more than the %llu "
                      "iterations run", f->point, (unsigned long long)f->every,
                      (unsigned long long)done);
        else if (f->nnth && most < f->nth[0])
            send_line(w, "warn fault point '%s' never fired: nth starts at %llu, but no "
                      "iteration asked it more than %llu time%s", f->point,
                      (unsigned long long)f->nth[0], (unsigned long long)most,
                      most == 1 ? "" : "s");
        else
            send_line(w, "warn fault point '%s' never fired: the iterations its schedule "
                      "chose did not ask it that many times", f->point);
    }
}

int drip_worker_run(const drip_scenario *sc, uint64_t seed, int out_fd)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.sc = sc;
    w.fd = out_fd;
    pthread_mutex_init(&w.send_lock, NULL);
    pthread_mutex_init(&w.gate_lock, NULL);
    pthread_cond_init(&w.gate_cond, NULL);
    signal(SIGPIPE, SIG_IGN);
    drip_alloc_set_counting(false);
    {   /* SIGUSR1 asks for a graceful stop: blocked in every thread this
         * one starts (the workload's too), taken by ceiling_watch alone. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    }
    w.n = sc->run.duration_ns ? DRIP_PACE_MAX : sc->run.iterations;
    w.every = sc->run.duration_ns ? 1 : sc->run.sample_every;

    const unsigned nthreads = sc->run.threads;
    int rc = 1;
    char *why = NULL;
    pthread_t *tids = NULL, watch;
    thread_arg *args = NULL;
    bool watching = false, set_up = false;
    drip_fault_result *faults = NULL;

    {
        char buf[128];
        int off = snprintf(buf, sizeof buf, "measured");
        for (int m = 0; m < DRIP_M_COUNT; m++)
            off += snprintf(buf + off, sizeof buf - (size_t)off, " %d", drip_sampler_has(m));
        send_line(&w, "%s", buf);
    }

    w.wl = drip__worker_load(sc, &why);
    if (!w.wl) {
        send_line(&w, "error %s", why);
        goto cleanup;
    }

    drip_worker_shared_init(&w.sh, sc, seed);
    w.ctxs = xcalloc(nthreads, sizeof *w.ctxs);
    for (unsigned t = 0; t < nthreads; t++) {
        w.ctxs[t] = xmalloc(sizeof **w.ctxs);
        drip_ctx_init(w.ctxs[t], &w.sh);
    }

    drip_alloc_profile_seed(seed);   /* sampling replays with --seed (alloc.h) */
    drip_profiler_start(sc->profile.mode, sc->profile.rate);
    w.profile_early_at = (uint64_t)(sc->run.warmup * (double)sc->run.iterations);
    if (w.wl->setup) {
        drip_alloc_set_counting(true);
        int src = w.wl->setup(w.ctxs[0], &w.state);
        drip_alloc_set_counting(false);
        if (src != 0) {
            send_line(&w, "error setup of workload '%s' failed (returned %d)", w.wl->name, src);
            goto teardown;
        }
    }
    set_up = true;
    if (atomic_load(&w.sh.param_error)) {
        send_line(&w, "error %s", atomic_load(&w.sh.param_error));
        goto teardown;
    }

    if (w.sh.alloc_fault >= 0) {
        if (drip_alloc_active())
            drip_alloc_set_fail_hook(drip__ctx_alloc_hook);
        else
            send_line(&w, "warn the 'alloc' fault point needs Drip's counting allocator "
                          "(off under valgrind, DRIP_ALLOC=off or a sanitizer build): no "
                          "allocation was made to fail");
    }

    /* Start every harness thread first, so that the baseline sample sees
     * the same threads as every later one; then open the gate. */
    if (pthread_create(&watch, NULL, ceiling_watch, &w) == 0)
        watching = true;
    tids = xcalloc(nthreads, sizeof *tids);
    args = xcalloc(nthreads, sizeof *args);
    unsigned started = 0;
    for (unsigned t = 0; t < nthreads; t++) {
        args[t] = (thread_arg){&w, w.ctxs[t]};
        if (pthread_create(&tids[t], NULL, run_iterations, &args[t]) != 0)
            break;
        started++;
    }
    if (started < nthreads) {
        send_line(&w, "error could start only %u of %u iteration threads: %s", started,
                  nthreads, strerror(errno));
        stop_all(&w);
    } else {
        w.t0 = drip_now_ns();
        send_sample(&w, 0);
        w.epoch_t0 = drip_now_ns();
        if (w.profile_early_at == 0 && !sc->run.duration_ns)
            drip_profiler_early(0);
        release(&w, w.n > w.every ? w.every : w.n);      /* epoch 0 may start */
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    drip_alloc_set_fail_hook(NULL);
    if (started < nthreads)
        goto teardown;

    if (atomic_load(&w.sh.param_error)) {
        atomic_store(&w.stop, true);
        send_line(&w, "error %s", atomic_load(&w.sh.param_error));
        goto teardown;
    }
    rc = 0;

teardown:
    drip_alloc_set_fail_hook(NULL);            /* teardown's allocations never fail */
    atomic_store(&w.stop, true);
    if (watching)
        pthread_join(watch, NULL);
    if (rc == 0)                  /* under memcheck: what the iterations left, still held */
        drip_vg_mark_before_teardown();
    if (set_up)                   /* the late snapshot: all threads joined */
        drip_profiler_finish(atomic_load(&w.completed), w.fd);
    if (set_up && w.wl->teardown) {
        drip_alloc_set_counting(true);
        w.wl->teardown(w.ctxs[0], w.state);
        drip_alloc_set_counting(false);
    }
    if (set_up) {                 /* what the workload left behind */
        drip_sample s;
        drip_sampler_take(&s, atomic_load(&w.completed), w.t0);
        char buf[DRIP_PROTO_MAX_LINE];
        int off = snprintf(buf, sizeof buf, "teardown %.0f %.6f", s.v[0], s.v[1]);
        for (int m = 0; m < DRIP_M_COUNT; m++)
            off += snprintf(buf + off, sizeof buf - (size_t)off, " %.0f", s.v[DRIP_COL_METRIC(m)]);
        send_line(&w, "%s", buf);
    }
    faults = xcalloc(sc->nfaults + 1, sizeof *faults);
    drip_ctx_merge_faults(w.ctxs, nthreads, sc, faults);
    for (size_t f = 0; f < sc->nfaults; f++) {
        char buf[DRIP_PROTO_MAX_LINE];
        int off = snprintf(buf, sizeof buf, "fault %s %llu %llu", faults[f].point,
                           (unsigned long long)faults[f].asked,
                           (unsigned long long)faults[f].fired);
        for (size_t j = 0; j < faults[f].nfirst; j++)
            off += snprintf(buf + off, sizeof buf - (size_t)off, " %llu",
                            (unsigned long long)faults[f].first[j]);
        send_line(&w, "%s", buf);
    }
    if (rc == 0) {
        send_warnings(&w, faults);
        if (w.stopped)
            send_line(&w, "stopped %llu", (unsigned long long)atomic_load(&w.completed));
        send_line(&w, "done %llu %llu", (unsigned long long)atomic_load(&w.completed),
                  (unsigned long long)atomic_load(&w.failed));
    }
    for (size_t f = 0; f < sc->nfaults; f++)
        drip_fault_result_clear(&faults[f]);
    free(faults);
    for (unsigned t = 0; t < nthreads; t++) {
        drip_ctx_destroy(w.ctxs[t]);
        free(w.ctxs[t]);
    }
    free(w.ctxs);
    drip_worker_shared_destroy(&w.sh);
cleanup:
    free(tids);
    free(args);
    free(why);
    pthread_mutex_destroy(&w.send_lock);
    pthread_mutex_destroy(&w.gate_lock);
    pthread_cond_destroy(&w.gate_cond);
    return rc;
}
