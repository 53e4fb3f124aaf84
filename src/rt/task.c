/* task.c - tasks, the goroutine analog (see drip/task.h).
 *
 * A task is a detached pthread with a small stack.  The start record (fn,
 * arg) is the only thing the runtime allocates for it, and the new thread
 * frees it before calling fn: a task blocked forever holds its thread and
 * stack and whatever fn references, nothing of the runtime's.  Threads are
 * detached and never joined, so the process can exit while tasks are blocked
 * forever (exit() simply ends them).
 *
 * The `tasks` gauge goes up before the thread is created (so a reader never
 * sees a running task uncounted; undone if creation fails) and down when fn
 * returns.  Decrements happen under g_wait_mu and broadcast g_wait_cond,
 * which is what drip_tasks_wait sleeps on; increments need no lock, because
 * a waiter only waits for the count to go down.
 */
#include "drip/task.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "gauges.h"
#include "park.h"

/* The allocator's switch, when Drip's counting allocator is in the process
 * (a weak reference: the runtime never needs it).  Thread creation runs
 * with counting off: glibc's own setup of a new thread (its DTV, TLS
 * blocks, kept with the cached stack) is the runtime's, not the workload's,
 * and counting it would make the heap follow how many threads happened to
 * exist at once. */
extern bool drip_alloc_set_counting(bool on) __attribute__((weak));

_Atomic int64_t drip__parked;
_Thread_local bool drip__t_task;

typedef struct task_start {
    void (*fn)(void *arg);
    void *arg;
} task_start;

static pthread_mutex_t g_wait_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  g_wait_cond;            /* on CLOCK_MONOTONIC */
static pthread_once_t  g_wait_once = PTHREAD_ONCE_INIT;
static bool            g_wait_cond_ok;         /* false: drip_tasks_wait polls */

/* pthread_once body: the condition variable drip_tasks_wait sleeps on.
 * pthread_cond_init does not allocate in glibc, but if it fails anyway the
 * waiter falls back to polling, so nothing here can fail visibly. */
static void wait_init(void)
{
    pthread_condattr_t attr;

    if (pthread_condattr_init(&attr) != 0)
        return;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
        pthread_cond_init(&g_wait_cond, &attr) == 0)
        g_wait_cond_ok = true;
    pthread_condattr_destroy(&attr);
}

/* One task fewer: drop the gauge and wake drip_tasks_wait.  Can't fail. */
static void task_gone(void)
{
    pthread_once(&g_wait_once, wait_init);
    pthread_mutex_lock(&g_wait_mu);
    drip__gauge_add(&drip__gauge_tasks, -1);
    if (g_wait_cond_ok)
        pthread_cond_broadcast(&g_wait_cond);
    pthread_mutex_unlock(&g_wait_mu);
}

/* The thread body: take fn and arg out of the start record, free it, run
 * fn, count the task gone. */
static void *task_main(void *p)
{
    task_start s = *(task_start *)p;

    free(p);
    drip__t_task = true;           /* its waits in the runtime count as parked */
    s.fn(s.arg);
    task_gone();
    return NULL;
}

/* The stack size to ask for: at least the system minimum, a whole number of
 * pages (some pthread implementations insist).  Can't fail. */
static size_t stack_size(size_t want)
{
    long min = sysconf(_SC_THREAD_STACK_MIN);
    long page = sysconf(_SC_PAGESIZE);
    size_t lo = min > 0 ? (size_t)min : (size_t)PTHREAD_STACK_MIN;
    size_t pg = page > 0 ? (size_t)page : 4096;

    if (want < lo)
        want = lo;
    if (want > SIZE_MAX - pg)
        return want;               /* absurd; pthread_attr_setstacksize decides */
    return (want + pg - 1) / pg * pg;
}

/* Start fn(arg) on a detached thread with a stack of stack_bytes (rounded
 * up).  The start record is malloc'd here and freed by the new thread.
 * Returns 0; DRIP_EINVAL for a NULL fn or a stack size pthreads refuses;
 * DRIP_ENOMEM when memory or threads run out.  On failure nothing is left
 * allocated, the gauge is back where it was, and arg still belongs to the
 * caller. */
int drip_go_stack(void (*fn)(void *arg), void *arg, size_t stack_bytes)
{
    pthread_attr_t attr;
    bool attr_ok = false;
    task_start *s = NULL;
    pthread_t tid;
    int rc, err = 0;

    if (!fn)
        return DRIP_EINVAL;
    s = malloc(sizeof *s);
    if (!s) {
        err = DRIP_ENOMEM;
        goto cleanup;
    }
    s->fn = fn;
    s->arg = arg;
    rc = pthread_attr_init(&attr);
    if (rc != 0) {
        err = rc == ENOMEM ? DRIP_ENOMEM : DRIP_EINVAL;
        goto cleanup;
    }
    attr_ok = true;
    if (pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
        pthread_attr_setstacksize(&attr, stack_size(stack_bytes)) != 0) {
        err = DRIP_EINVAL;
        goto cleanup;
    }

    drip__gauge_add(&drip__gauge_tasks, 1);     /* before the task can run */
    drip__total_add(&drip__total_tasks);
    bool was = drip_alloc_set_counting ? drip_alloc_set_counting(false) : false;
    rc = pthread_create(&tid, &attr, task_main, s);
    if (drip_alloc_set_counting)
        drip_alloc_set_counting(was);
    if (rc != 0) {
        task_gone();                            /* undo, and wake waiters */
        err = rc == EINVAL ? DRIP_EINVAL : DRIP_ENOMEM;   /* EAGAIN: out of resources */
        goto cleanup;
    }
    s = NULL;                                   /* the thread owns it now */

cleanup:
    if (attr_ok)
        pthread_attr_destroy(&attr);
    free(s);
    return err;
}

/* drip_go_stack with DRIP_TASK_STACK_DEFAULT; same contract. */
int drip_go(void (*fn)(void *arg), void *arg)
{
    return drip_go_stack(fn, arg, DRIP_TASK_STACK_DEFAULT);
}

/* The `tasks` gauge: a relaxed read, exact but possibly stale by the time
 * the caller looks.  Can't fail. */
int64_t drip_tasks_live(void)
{
    return atomic_load_explicit(&drip__gauge_tasks, memory_order_relaxed);
}

/* Sleep on g_wait_cond until live <= n or the monotonic deadline passes (a
 * deadline of UINT64_MAX never passes).  Without the condition variable,
 * polls every millisecond.  Returns the live count when it stops.  Never
 * allocates; can't fail. */
int64_t drip_tasks_wait(int64_t n, uint64_t timeout_ns)
{
    uint64_t now = drip_rt_now();
    uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    int64_t live;

    pthread_once(&g_wait_once, wait_init);
    pthread_mutex_lock(&g_wait_mu);
    while ((live = drip_tasks_live()) > n) {
        if (deadline == UINT64_MAX && g_wait_cond_ok) {
            pthread_cond_wait(&g_wait_cond, &g_wait_mu);
            continue;
        }
        now = drip_rt_now();
        if (now >= deadline)
            break;
        if (g_wait_cond_ok) {
            struct timespec ts = {
                .tv_sec = (time_t)(deadline / 1000000000u),
                .tv_nsec = (long)(deadline % 1000000000u),
            };
            pthread_cond_timedwait(&g_wait_cond, &g_wait_mu, &ts);
        } else {
            struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };
            pthread_mutex_unlock(&g_wait_mu);
            nanosleep(&ms, NULL);
            pthread_mutex_lock(&g_wait_mu);
        }
    }
    pthread_mutex_unlock(&g_wait_mu);
    return live;
}

/* drip_tasks_wait one task at a time: each wait asks for one task fewer than
 * are live and gives up after quiet_ns, so the call returns at n or after
 * the first quiet_ns in which no task finished (tasks started meanwhile
 * count too: the count must drop below what it was).  Can't fail. */
int64_t drip_tasks_settle(int64_t n, uint64_t quiet_ns)
{
    int64_t live = drip_tasks_live();

    while (live > n) {
        int64_t now_live = drip_tasks_wait(live - 1, quiet_ns);
        if (now_live >= live)
            break;                 /* quiet for quiet_ns: the rest are stuck */
        live = now_live;
    }
    return live;
}

/* Live tasks that are not parked (park.h), read consistently: the live
 * count is read again and the pair retried if a task started or ended in
 * between.  Can't fail. */
static int64_t tasks_running(void)
{
    for (;;) {
        int64_t live = drip_tasks_live();
        int64_t parked = atomic_load_explicit(&drip__parked, memory_order_acquire);
        if (drip_tasks_live() == live)
            return live > parked ? live - parked : 0;
    }
}

/* Wait until every live task is parked in the runtime or gone, polling
 * (20 us doubling to 1 ms).  Stops early when quiet_ns pass with no task
 * parking, waking or ending (what still runs waits outside the runtime, or
 * spins), and at timeout_ns in any case.  Returns the tasks still running
 * then (0: quiescent).  Never allocates; can't fail. */
int64_t drip_tasks_quiesce(uint64_t timeout_ns, uint64_t quiet_ns)
{
    uint64_t start = drip_rt_now(), changed = start;
    int64_t running = tasks_running();
    int64_t seen_live = drip_tasks_live();
    int64_t seen_parked = atomic_load(&drip__parked);
    long nap = 20000;

    while (running > 0) {
        struct timespec ts = { .tv_sec = 0, .tv_nsec = nap };
        nanosleep(&ts, NULL);
        nap = nap < 1000000 ? nap * 2 : 1000000;
        uint64_t now = drip_rt_now();
        int64_t live = drip_tasks_live(), parked = atomic_load(&drip__parked);
        if (live != seen_live || parked != seen_parked) {
            seen_live = live;
            seen_parked = parked;
            changed = now;
            nap = 20000;
        }
        running = tasks_running();
        if (running > 0 && (now - start >= timeout_ns || now - changed >= quiet_ns))
            break;
    }
    return running;
}
