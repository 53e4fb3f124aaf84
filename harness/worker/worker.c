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
 * byte on the control pipe from the runner (Ctrl-C) ends any run at its
 * next boundary, which is then reported with a `stopped` line.  A pipe,
 * not a signal: a workload may ignore or block any signal, and never sees
 * a system call interrupted by a stop request.  Everything the harness does here runs with the
 * allocator's counting off; it is switched on only around the workload's
 * own calls (setup, iterate, teardown), so the series hold the workload's
 * memory and nothing else.
 */
#define _GNU_SOURCE
#include "worker.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drip/rt.h>
#include <drip/task.h>

#include "alloc.h"
#include "builtin.h"
#include "crash.h"
#include "ctx.h"
#include "profile.h"
#include "pace.h"
#include "protocol.h"
#include "send.h"
#include "sampler.h"
#include "util/util.h"
#include "valgrind/vgmark.h"
#include "wmetric.h"

typedef struct worker {
    const drip_scenario *sc;
    const drip_workload *wl;
    void                *state;
    int                  fd;
    int                  control_fd;   /* readable: the runner asks to stop; -1: none */
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
    atomic_bool          ceiling;      /* the watchdog saw the heap pass the ceiling */
    uint64_t             profile_early_at;  /* counted run: iterations done when the
                                        * warm-up ends (a timed run: by time) */
    drip_settle_stats    settle;       /* settling before samples (settle()) */
} worker;

/* Set by the watchdog when the runner asks the run to end at the next
 * epoch boundary (a graceful Ctrl-C). */
static atomic_bool stop_asked;

/* ---- sending -------------------------------------------------------------- */

/* Let the runtime settle before a sample: tasks the iterations started and
 * left runnable (a reporter handed its lock, a shipper whose channel was
 * closed) run until they return or park (drip_tasks_quiesce), so a sample
 * never catches them half done.  Bounded by DRIP_SETTLE_TIMEOUT_NS, and by
 * DRIP_SETTLE_QUIET_NS without progress (tasks that wait outside the
 * runtime); how long it took is counted in w->settle.  Runs on the thread
 * about to sample, with no iteration running. */
static void settle(worker *w)
{
    uint64_t t0 = drip_now_ns();
    int64_t running = drip_tasks_quiesce(DRIP_SETTLE_TIMEOUT_NS, DRIP_SETTLE_QUIET_NS);
    uint64_t took = drip_now_ns() - t0;

    w->settle.samples++;
    if (running > 0)
        w->settle.unsettled++;
    w->settle.total_ns += took;
    if (took > w->settle.max_ns)
        w->settle.max_ns = took;
}

/* A sample or teardown line with every metric now, the workload's own
 * after Drip's; before it, a `metric` line for each name reported since
 * the last, and a warning about the first name drip_metric_add ignored. */
static void send_values(worker *w, drip_proto_kind kind, uint64_t iter)
{
    drip_sample s;
    size_t k;
    const char *name;
    char text[160];

    while (drip_wmetric_next_announce(&k, &name)) {
        drip_proto_msg a = {.kind = DRIP_PROTO_METRIC};
        a.u.metric.k = k;
        a.u.metric.name = name;
        drip__worker_send(w->fd, &a);
    }
    if (drip_wmetric_take_ignored(text, sizeof text))
        drip__worker_say(w->fd, DRIP_PROTO_WARN, "%s", text);
    drip_sampler_take(&s, iter, w->t0);
    drip_proto_msg m = {.kind = kind};
    memcpy(m.u.sample, s.v, sizeof m.u.sample);
    m.ncustom = drip_wmetric_values(&m.u.sample[DRIP_PROTO_BASE_COLS]);
    drip__worker_send(w->fd, &m);
}

/* An epoch's (or the baseline's) sample, once the runtime settled. */
static void send_sample(worker *w, uint64_t iter)
{
    pthread_mutex_lock(&w->send_lock);
    settle(w);
    send_values(w, DRIP_PROTO_SAMPLE, iter);
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
    if (!sc->plugin) {                       /* a program (workload.command): the runner's */
        *why = xstrdup("the workload is a program (workload.command): a worker runs plugins "
                       "and built-in workloads only");
        return NULL;
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
    if (!wl->name) {                 /* every message names the workload */
        *why = xasprintf("plugin %s: drip_plugin.name is NULL (give the workload a name)",
                         sc->plugin);
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
    /* The profile's rate, when the scenario gave none, from the first
     * iterations.  A timed run expects as many more as its time left
     * allows at the last epoch's pace (the first iterations, cold, are
     * slower than the rest). */
    double planned = (double)w->n;
    if (run->duration_ns) {
        uint64_t left = run->duration_ns > now - w->t0 ? run->duration_ns - (now - w->t0) : 0;
        double per_ns = now > w->epoch_t0 ? (double)w->every / (double)(now - w->epoch_t0) : 0;
        planned = (double)done + per_ns * (double)left;
    }
    drip_profiler_choose(done, planned);
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
    if (!end && atomic_load(&stop_asked)) {
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
    void *altstack = drip_crash_thread();            /* a stack overflow is reported too */
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
    drip_crash_thread_end(altstack);
    return NULL;
}

/* The watchdog: every few milliseconds, ends the process when the live
 * heap passes the ceiling (after a last sample, so the runner judges the
 * samples so far), and notes a stop request on the control pipe. */
static void *watchdog(void *p)
{
    worker *w = p;
    drip_alloc_set_counting(false);
    while (!atomic_load(&w->stop)) {
        drip_alloc_stats st;
        drip_alloc_read(&st);
        if (st.live_bytes > 0 && (uint64_t)st.live_bytes > w->sc->run.heap_ceiling) {
            /* under the send lock to the end: no sample after this one,
             * and none with a later iteration before it */
            pthread_mutex_lock(&w->send_lock);
            uint64_t done = atomic_load(&w->completed);
            send_values(w, DRIP_PROTO_SAMPLE, done);
            /* the growth so far, partial; no iteration starts while the
             * stacks are named, so the heap stops growing (a thread ending
             * an epoch waits on the send lock) */
            atomic_store(&w->ceiling, true);
            stop_all(w);
            drip_profiler_finish(done, w->fd, true);
            drip_proto_msg m = {.kind = DRIP_PROTO_CEILING};
            m.u.ceiling.live_bytes = st.live_bytes;
            m.u.ceiling.iteration = done;
            drip__worker_send(w->fd, &m);
            _exit(0);
        }
        struct pollfd c = {w->control_fd, POLLIN, 0};
        if (poll(&c, w->control_fd >= 0 ? 1 : 0, 2) > 0 && (c.revents & (POLLIN | POLLHUP)))
            atomic_store(&stop_asked, true);   /* a byte, or the runner is gone */
    }
    return NULL;
}

/* ---- the run -------------------------------------------------------------- */

/* " (did you mean 'X'? the workload VERB it)" when a name the workload did
 * use is close to `name`, else " (it VERB: a, b)" when it used any,
 * else "".  malloc'd. */
static char *name_hint(const char *name, const char **used, const char *verb)
{
    if (!used[0])
        return xstrdup("");
    const char *near = drip_did_you_mean(name, used);
    if (near)
        return xasprintf(" (did you mean '%s'? the workload %s that one)", near, verb);
    strbuf sb = {0};
    sb_appendf(&sb, " (it %s: ", verb);
    for (size_t i = 0; used[i]; i++)
        sb_appendf(&sb, "%s%s", i ? ", " : "", used[i]);
    sb_append(&sb, ")");
    return sb_take(&sb);
}

/* An `unused` line for each expectation on a runtime gauge (tasks,
 * timers, conns) of which the workload never made one: it checks
 * nothing. */
static void unmoved_gauges(worker *w)
{
    static const struct { int metric; const char *what; } gauges[] = {
        {DRIP_M_TASKS, "task"}, {DRIP_M_TIMERS, "timer"}, {DRIP_M_CONNS, "connection"},
    };
    drip_rt_totals t;
    drip_rt_totals_read(&t);
    const uint64_t made[3] = {t.tasks, t.timers, t.conns};
    bool told[3] = {false, false, false};
    for (size_t i = 0; i < w->sc->nexpects; i++)
        for (int g = 0; g < 3; g++) {
            if (w->sc->expects[i].metric != gauges[g].metric || made[g] || told[g])
                continue;
            told[g] = true;
            strbuf used = {0};
            for (int o = 0; o < 3; o++)
                if (made[o])
                    sb_appendf(&used, "%s'%s'", used.len ? " or " : "",
                               drip_metrics[gauges[o].metric].name);
            drip__worker_say(w->fd, DRIP_PROTO_UNUSED,
                             "expect: '%s' never moved: workload '%s' made no %s, so "
                             "this expectation checks nothing%s%s%s",
                             drip_metrics[gauges[g].metric].name, w->wl->name, gauges[g].what,
                             used.len ? " (did you mean " : "", used.len ? used.buf : "",
                             used.len ? "? it moved)" : "");
            sb_free(&used);
        }
}

/* An `unused` line for each of the workload's own metrics that `expect`
 * names and the workload never reported (drip_metric_add): it checks
 * nothing. */
static void unreported_metrics(worker *w)
{
    for (size_t k = 0; k < w->sc->nwmetrics; k++)
        if (!drip_wmetric_reported(k))
            drip__worker_say(w->fd, DRIP_PROTO_UNUSED,
                             "expect: '%s' never moved: workload '%s' never reported "
                             "it (drip_metric_add), so this expectation checks nothing",
                             w->sc->wmetrics[k], w->wl->name);
}

/* Warn about what the scenario configured but the run never used: params
 * never read, fault points never asked, and schedules that never fired
 * (with the reason when it is plain: too few iterations, too few asks). */
static void send_warnings(worker *w, drip_fault_result *faults)
{
    const drip_scenario *sc = w->sc;
    const char **read = drip_asked_names(&w->sh.other_params);
    const char **asked = drip_asked_names(&w->sh.other_points);
    for (size_t i = 0; i < sc->nparams; i++) {
        if (atomic_load(&w->sh.param_used[i]))
            continue;
        char *hint = name_hint(sc->params[i].key, read, "read");
        drip__worker_say(w->fd, DRIP_PROTO_UNUSED, "param '%s' was never read by workload '%s'%s",
                         sc->params[i].key, w->wl->name, hint);
        free(hint);
    }
    for (size_t i = 0; i < sc->nfaults; i++) {
        if (faults[i].asked || strcmp(sc->faults[i].point, DRIP_FAULT_ALLOC) == 0)
            continue;
        char *hint = name_hint(sc->faults[i].point, asked, "asked");
        drip__worker_say(w->fd, DRIP_PROTO_UNUSED,
                         "fault point '%s' was never consulted by workload '%s'%s",
                         sc->faults[i].point, w->wl->name, hint);
        free(hint);
    }
    free(read);
    free(asked);
    unmoved_gauges(w);
    unreported_metrics(w);
    for (size_t i = 0; i < sc->nfaults; i++) {
        const drip_fault_spec *f = &sc->faults[i];
        uint64_t done = atomic_load(&w->completed);
        uint64_t most = drip_ctx_most_asks(w->ctxs, sc->run.threads, i);
        if (faults[i].asked == 0) {
            if (strcmp(f->point, DRIP_FAULT_ALLOC) == 0)
                drip__worker_say(w->fd, DRIP_PROTO_WARN,
                                 "fault point 'alloc' never fired: no allocation of "
                                 "its size range was made in an iteration");
            continue;
        }
        if (faults[i].fired || (!f->every && !f->nnth))
            continue;                       /* a rate may never fire by chance */
        if (f->every > done)
            drip__worker_say(w->fd, DRIP_PROTO_WARN,
                             "fault point '%s' never fired: every: %llu is more than the %llu "
                                   "iterations run", f->point, (unsigned long long)f->every,
                                   (unsigned long long)done);
        else if (f->nnth && most < f->nth[0])
            drip__worker_say(w->fd, DRIP_PROTO_WARN,
                             "fault point '%s' never fired: nth starts at %llu, but no "
                                   "iteration asked it more than %llu time%s", f->point,
                                   (unsigned long long)f->nth[0], (unsigned long long)most,
                                   most == 1 ? "" : "s");
        else
            drip__worker_say(w->fd, DRIP_PROTO_WARN,
                             "fault point '%s' never fired: the iterations its schedule "
                                   "chose did not ask it that many times", f->point);
    }
}

/* Load the workload, set up the contexts and the profiler, run setup.
 * Returns 0, or -1 after sending an `error` line; *set_up says whether
 * setup ran (and teardown is owed). */
static int begin(worker *w, uint64_t seed, bool *set_up)
{
    const drip_scenario *sc = w->sc;
    char *why = NULL;
    *set_up = false;
    w->wl = drip__worker_load(sc, &why);
    if (!w->wl) {
        drip__worker_say(w->fd, DRIP_PROTO_ERROR, "%s", why);
        free(why);
        return -1;
    }
    drip_crash_arm(w->fd);          /* a crash from here on sends its stack (crash.c) */
    drip_worker_shared_init(&w->sh, sc, seed);
    w->ctxs = xcalloc(sc->run.threads, sizeof *w->ctxs);
    for (unsigned t = 0; t < sc->run.threads; t++) {
        w->ctxs[t] = xmalloc(sizeof **w->ctxs);
        drip_ctx_init(w->ctxs[t], &w->sh);
    }
    drip_alloc_profile_seed(seed);   /* sampling replays with --seed (alloc.h) */
    drip_profiler_start(&sc->profile, (const void *)(uintptr_t)w->wl->iterate);
    w->profile_early_at = (uint64_t)(sc->run.warmup * (double)sc->run.iterations);
    if (w->wl->setup) {
        drip_alloc_set_counting(true);
        int src = w->wl->setup(w->ctxs[0], &w->state);
        drip_alloc_set_counting(false);
        if (src != 0) {
            drip__worker_say(w->fd, DRIP_PROTO_ERROR,
                             "setup of workload '%s' failed (returned %d)", w->wl->name,
                             src);
            return -1;
        }
    }
    *set_up = true;
    if (atomic_load(&w->sh.param_error)) {
        drip__worker_say(w->fd, DRIP_PROTO_ERROR, "%s", atomic_load(&w->sh.param_error));
        return -1;
    }
    if (w->sh.alloc_fault >= 0) {
        if (drip_alloc_active())
            drip_alloc_set_fail_hook(drip__ctx_alloc_hook);
        else
            drip__worker_say(w->fd, DRIP_PROTO_WARN,
                             "the 'alloc' fault point needs Drip's counting allocator "
                             "(off under valgrind, DRIP_ALLOC=off or a sanitizer build): "
                             "no allocation was made to fail");
    }
    return 0;
}

/* Run every iteration: the watchdog and the iteration threads first (so
 * the baseline sample sees the same threads as every later one), the
 * baseline sample, then the epochs.  Returns 0 when the iterations ran,
 * -1 after an `error` line. */
static int iterate_all(worker *w)
{
    const drip_scenario *sc = w->sc;
    const unsigned nthreads = sc->run.threads;
    pthread_t *tids = xcalloc(nthreads, sizeof *tids), watch;
    thread_arg *args = xcalloc(nthreads, sizeof *args);
    bool watching = pthread_create(&watch, NULL, watchdog, w) == 0;
    unsigned started = 0;
    for (; started < nthreads; started++) {
        args[started] = (thread_arg){w, w->ctxs[started]};
        if (pthread_create(&tids[started], NULL, run_iterations, &args[started]) != 0)
            break;
    }
    int rc = 0;
    if (started < nthreads) {
        drip__worker_say(w->fd, DRIP_PROTO_ERROR,
                         "could start only %u of %u iteration threads: %s", started,
                         nthreads, strerror(errno));
        stop_all(w);
        rc = -1;
    } else {
        w->t0 = drip_now_ns();
        send_sample(w, 0);
        w->epoch_t0 = drip_now_ns();
        if (w->profile_early_at == 0 && !sc->run.duration_ns)
            drip_profiler_early(0);
        release(w, w->n > w->every ? w->every : w->n);  /* epoch 0 may start */
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    drip_alloc_set_fail_hook(NULL);              /* teardown's allocations never fail */
    atomic_store(&w->stop, true);
    if (watching)
        pthread_join(watch, NULL);
    if (rc == 0 && atomic_load(&w->sh.param_error)) {
        drip__worker_say(w->fd, DRIP_PROTO_ERROR, "%s", atomic_load(&w->sh.param_error));
        rc = -1;
    }
    free(tids);
    free(args);
    return rc;
}

/* Send the fault counts, the warnings and, when the run completed, the
 * `stopped` and `done` lines. */
static void report_end(worker *w, bool completed)
{
    const drip_scenario *sc = w->sc;
    drip_fault_result *faults = xcalloc(sc->nfaults + 1, sizeof *faults);
    drip_ctx_merge_faults(w->ctxs, sc->run.threads, sc, faults);
    for (size_t f = 0; f < sc->nfaults; f++) {
        drip_proto_msg m = {.kind = DRIP_PROTO_FAULT};
        m.u.fault.point = faults[f].point;
        m.u.fault.asked = faults[f].asked;
        m.u.fault.fired = faults[f].fired;
        m.u.fault.nfirst = faults[f].nfirst;
        memcpy(m.u.fault.first, faults[f].first, faults[f].nfirst * sizeof faults[f].first[0]);
        drip__worker_send(w->fd, &m);
    }
    if (completed) {
        send_warnings(w, faults);
        drip_proto_msg m = {.kind = DRIP_PROTO_STOPPED};
        m.u.n = atomic_load(&w->completed);
        if (w->stopped)
            drip__worker_send(w->fd, &m);
        drip_proto_msg st = {.kind = DRIP_PROTO_SETTLE};
        st.u.settle = w->settle;
        drip__worker_send(w->fd, &st);
        m.kind = DRIP_PROTO_DONE;
        m.u.done.iterations = atomic_load(&w->completed);
        m.u.done.failed = atomic_load(&w->failed);
        drip__worker_send(w->fd, &m);
    }
    for (size_t f = 0; f < sc->nfaults; f++)
        drip_fault_result_clear(&faults[f]);
    free(faults);
}

/* After the iterations (or a failed setup): the profile's late snapshot,
 * teardown, what teardown left, and the closing lines. */
static void finish(worker *w, bool set_up, bool completed)
{
    if (completed)                /* under memcheck: what the iterations left, still held */
        drip_vg_mark_before_teardown();
    if (set_up)                   /* the late snapshot: all threads joined */
        drip_profiler_finish(atomic_load(&w->completed), w->fd,
                             w->stopped || atomic_load(&w->ceiling));
    if (set_up && w->wl->teardown) {
        drip_alloc_set_counting(true);
        w->wl->teardown(w->ctxs[0], w->state);
        drip_alloc_set_counting(false);
    }
    if (set_up)                   /* what the workload left behind */
        settle(w);
    if (set_up)
        send_values(w, DRIP_PROTO_TEARDOWN, atomic_load(&w->completed));
    if (w->ctxs)
        report_end(w, completed);
}

int drip_worker_run(const drip_scenario *sc, uint64_t seed, int out_fd, int control_fd)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.sc = sc;
    w.fd = out_fd;
    w.control_fd = control_fd;
    w.n = sc->run.duration_ns ? DRIP_PACE_MAX : sc->run.iterations;
    w.every = sc->run.duration_ns ? 1 : sc->run.sample_every;
    pthread_mutex_init(&w.send_lock, NULL);
    pthread_mutex_init(&w.gate_lock, NULL);
    pthread_cond_init(&w.gate_cond, NULL);
    signal(SIGPIPE, SIG_IGN);
    drip_alloc_set_counting(false);
    drip_wmetric_reset(sc->wmetrics, sc->nwmetrics);

    drip_proto_msg m = {.kind = DRIP_PROTO_MEASURED};
    for (int i = 0; i < DRIP_M_COUNT; i++)
        m.u.measured[i] = drip_sampler_has(i);
    drip__worker_send(w.fd, &m);

    bool set_up = false;
    int rc = begin(&w, seed, &set_up);
    if (rc == 0)
        rc = iterate_all(&w);
    drip_alloc_set_fail_hook(NULL);
    finish(&w, set_up, rc == 0);

    for (unsigned t = 0; w.ctxs && t < sc->run.threads; t++) {
        drip_ctx_destroy(w.ctxs[t]);
        free(w.ctxs[t]);
    }
    if (w.ctxs) {
        free(w.ctxs);
        drip_worker_shared_destroy(&w.sh);
    }
    pthread_mutex_destroy(&w.send_lock);
    pthread_mutex_destroy(&w.gate_lock);
    pthread_cond_destroy(&w.gate_cond);
    return rc == 0 ? 0 : 1;
}
