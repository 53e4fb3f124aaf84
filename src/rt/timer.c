/* timer.c - timers, time.After and tickers over one timer thread
 * (drip/timer.h).
 *
 * The heap.  Armed timers sit in a binary min-heap on their deadline: an
 * array of pointers, each timer keeping its own index so that stop and
 * reset are O(log n).  Every timer OBJECT (armed or not) reserves one slot
 * of the array when it is created, so arming (reset, a ticker's re-arm)
 * never allocates and never fails: the only place the array can fail to
 * grow is a constructor, which then returns NULL with ENOMEM and arms
 * nothing.  The array shrinks by half when a quarter of it is reserved.
 *
 * The thread.  One runtime thread, started by the first constructor and
 * running for the life of the process (drip__timer_shutdown, for leak
 * checkers, is the only way out), sleeps on a condition variable (on
 * CLOCK_MONOTONIC, the clock of drip_rt_now) until the earliest deadline,
 * then fires what is due:
 *   - a channel timer sends the fire time with a non-blocking send (a select
 *     with one SEND case and timeout 0): the channel has a buffer of 1 and
 *     a value nobody took is dropped, as in Go.  A ticker is then re-armed
 *     at deadline + period, skipping ticks it missed.  A drip_after timer
 *     is freed with its channel reference: nothing else knows about it.
 *   - a function timer is disarmed and its function called WITHOUT the
 *     heap lock; drip_timer_free waits for a running function to return
 *     (unless called from that function).
 * A constructor whose thread cannot be started fails with ENOMEM and the
 * next one tries again (not pthread_once for the start: pthread_create
 * allocates, and a process whose malloc fails on purpose must not lose its
 * timers for good; pthread_once only sets up the condition variable).
 *
 * Locking.  One mutex guards the heap, the reservation count and every
 * timer's fields.  Channel sends happen under it, so the lock order is
 * timer_mu, then the channel lock: channel code must never call into
 * timers while holding its own lock.  A stop that returns false therefore
 * comes after the fire value is in the channel.  Between two fires the
 * thread hands the lock to an API call waiting for it (timer_lock,
 * timer_yield): a ticker with a period shorter than a fire keeps the thread
 * busy, as in Go, but cannot starve stop or free (glibc mutexes are unfair).
 *
 * The gauge.  drip__gauge_timers moves under the lock with the heap size:
 * +1 when a timer is armed, -1 when it fires (one-shot) or is stopped.  A
 * ticker's re-arm moves it by nothing, so it is always exactly the number of
 * armed timers.
 */
#include "drip/timer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "gauges.h"

#define NOT_ARMED     SIZE_MAX
#define HEAP_MIN      16                            /* first array, in slots */
#define MAX_SLEEP_NS  (3600ull * 1000000000ull)     /* re-check at least hourly */

struct drip_timer {
    uint64_t   when;             /* deadline, drip_rt_now() nanoseconds */
    uint64_t   period;           /* tickers: re-arm interval; 0: one-shot */
    size_t     idx;              /* heap index, or NOT_ARMED */
    drip_chan *ch;               /* channel timers: one reference; else NULL */
    void     (*fn)(void *arg);   /* function timers */
    void      *arg;
    bool       after;            /* drip_after's: freed by the thread after firing */
};

struct drip_ticker {
    drip_timer timer;            /* a periodic channel timer */
};

static pthread_mutex_t timer_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  timer_wake;                       /* the thread sleeps here */
static pthread_cond_t  timer_idle = PTHREAD_COND_INITIALIZER;  /* fn returned */
static pthread_once_t  timer_once = PTHREAD_ONCE_INIT;
static bool            timer_started;
static bool            timer_quit;                       /* drip__timer_shutdown asks */
static drip_timer     *timer_running;                    /* function timer whose fn runs */
static pthread_t       timer_tid;                        /* valid once started */
static _Atomic int     timer_callers;                    /* API calls waiting for timer_mu */
static uint64_t        timer_handoffs;                   /* API calls that got it */
static pthread_cond_t  timer_turn = PTHREAD_COND_INITIALIZER;  /* one got it */

static drip_timer    **heap;
static size_t          heap_len;                         /* armed timers */
static size_t          heap_cap;                         /* slots allocated */
static size_t          heap_reserved;                    /* timer objects alive */

/* Take timer_mu for an API call, counting as a waiter meanwhile so that
 * the thread, between two fires, lets one such call in (timer_yield): a
 * ticker too fast to keep up with cannot starve stop or free. */
static void timer_lock(void)
{
    atomic_fetch_add_explicit(&timer_callers, 1, memory_order_relaxed);
    pthread_mutex_lock(&timer_mu);
    atomic_fetch_sub_explicit(&timer_callers, 1, memory_order_relaxed);
    timer_handoffs++;
    pthread_cond_signal(&timer_turn);
}

/* An API call's wait on `cond` (it holds timer_mu): getting the lock back
 * counts as waiting for it, like timer_lock. */
static void timer_wait(pthread_cond_t *cond)
{
    atomic_fetch_add_explicit(&timer_callers, 1, memory_order_relaxed);
    pthread_cond_wait(cond, &timer_mu);
    atomic_fetch_sub_explicit(&timer_callers, 1, memory_order_relaxed);
    timer_handoffs++;
    pthread_cond_signal(&timer_turn);
}

/* On the thread, under timer_mu: if API calls wait, let one in. */
static void timer_yield(void)
{
    uint64_t seen = timer_handoffs;

    while (atomic_load_explicit(&timer_callers, memory_order_relaxed) > 0
           && timer_handoffs == seen)
        pthread_cond_wait(&timer_turn, &timer_mu);
}

/* ---- the heap (all under timer_mu) -------------------------------------- */

/* Put t at slot i and let it know.  Can't fail (nor can the sifts). */
static void heap_set(size_t i, drip_timer *t)
{
    heap[i] = t;
    t->idx = i;
}

/* Move the timer at i up past every later parent. */
static void heap_sift_up(size_t i)
{
    drip_timer *t = heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap[parent]->when <= t->when)
            break;
        heap_set(i, heap[parent]);
        i = parent;
    }
    heap_set(i, t);
}

/* Move the timer at i down past every earlier child. */
static void heap_sift_down(size_t i)
{
    drip_timer *t = heap[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= heap_len)
            break;
        if (c + 1 < heap_len && heap[c + 1]->when < heap[c]->when)
            c++;                                   /* the earlier child */
        if (t->when <= heap[c]->when)
            break;
        heap_set(i, heap[c]);
        i = c;
    }
    heap_set(i, t);
}

/* Reserve a slot for one more timer object, growing the array if needed.
 * 0, or -1 with errno ENOMEM (then nothing changed). */
static int heap_reserve(void)
{
    drip_timer **grown;
    size_t cap;

    if (heap_reserved < heap_cap) {
        heap_reserved++;
        return 0;
    }
    cap = heap_cap ? 2 * heap_cap : HEAP_MIN;
    if (cap > SIZE_MAX / 2 / sizeof *heap) {
        errno = ENOMEM;
        return -1;
    }
    grown = realloc(heap, cap * sizeof *heap);
    if (!grown) {
        errno = ENOMEM;
        return -1;
    }
    heap = grown;
    heap_cap = cap;
    heap_reserved++;
    return 0;
}

/* Give a timer object's slot back; halve the array when a quarter of it is
 * reserved (a failed shrink is harmless).  Can't fail. */
static void heap_unreserve(void)
{
    drip_timer **shrunk;

    heap_reserved--;
    if (heap_cap > HEAP_MIN && heap_reserved <= heap_cap / 4) {
        shrunk = realloc(heap, heap_cap / 2 * sizeof *heap);
        if (shrunk) {
            heap = shrunk;
            heap_cap /= 2;
        }
    }
}

/* Arm an unarmed t for `when` (its slot is reserved, so this can't fail)
 * and wake the thread if t is now the earliest. */
static void timer_arm(drip_timer *t, uint64_t when)
{
    t->when = when;
    heap_set(heap_len++, t);
    heap_sift_up(t->idx);
    drip__gauge_add(&drip__gauge_timers, 1);
    drip__total_add(&drip__total_timers);
    if (t->idx == 0)
        pthread_cond_signal(&timer_wake);
}

/* Take t out of the heap; false when it was not armed.  Can't fail. */
static bool timer_disarm(drip_timer *t)
{
    size_t i = t->idx;
    drip_timer *last;

    if (i == NOT_ARMED)
        return false;
    last = heap[--heap_len];
    t->idx = NOT_ARMED;
    if (i < heap_len) {                            /* move the last into the hole */
        heap_set(i, last);
        heap_sift_down(i);
        heap_sift_up(last->idx);
    }
    drip__gauge_add(&drip__gauge_timers, -1);
    return true;
}

/* now + d, saturating (a far deadline never wraps into the past). */
static uint64_t deadline_in(uint64_t d_ns)
{
    uint64_t now = drip_rt_now();

    return d_ns > UINT64_MAX - now ? UINT64_MAX : now + d_ns;
}

/* ---- the timer thread ---------------------------------------------------- */

/* Fire the due heap root `t` at `now` (under timer_mu, which a function
 * timer's call and an after's release drop for a while). */
static void timer_fire(drip_timer *t, uint64_t now)
{
    void (*fn)(void *);
    void *arg;

    if (t->ch) {
        uint64_t value = now;
        drip_select_case send = { .chan = t->ch, .op = DRIP_SEND, .elem = &value };

        if (t->period) {                           /* ticker: next tick after now */
            uint64_t skip = (now - t->when) / t->period + 1;
            t->when = skip > (UINT64_MAX - t->when) / t->period
                      ? UINT64_MAX : t->when + skip * t->period;
            heap_sift_down(0);
        } else {
            timer_disarm(t);                       /* before a receiver can look */
        }
        (void)drip_select(&send, 1, 0);            /* full (or closed): dropped */
        if (t->after) {                            /* nobody else knows t */
            heap_unreserve();
            pthread_mutex_unlock(&timer_mu);
            drip_chan_release(t->ch);
            free(t);
            pthread_mutex_lock(&timer_mu);
        }
        return;
    }
    timer_disarm(t);
    fn = t->fn;
    arg = t->arg;
    timer_running = t;
    pthread_mutex_unlock(&timer_mu);
    fn(arg);                                       /* may stop, reset or free t */
    pthread_mutex_lock(&timer_mu);
    timer_running = NULL;
    pthread_cond_broadcast(&timer_idle);
}

/* The thread: fire what is due, sleep until the next deadline, until
 * drip__timer_shutdown (normally forever). */
static void *timer_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&timer_mu);
    while (!timer_quit) {
        uint64_t now = drip_rt_now(), until;
        struct timespec ts;

        if (heap_len == 0) {
            pthread_cond_wait(&timer_wake, &timer_mu);
            continue;
        }
        if (heap[0]->when <= now) {
            timer_fire(heap[0], now);
            timer_yield();
            continue;
        }
        until = heap[0]->when - now > MAX_SLEEP_NS ? now + MAX_SLEEP_NS : heap[0]->when;
        ts.tv_sec = (time_t)(until / 1000000000u);
        ts.tv_nsec = (long)(until % 1000000000u);
        pthread_cond_timedwait(&timer_wake, &timer_mu, &ts);
    }
    pthread_mutex_unlock(&timer_mu);
    return NULL;
}

/* The wake-up condition variable runs on CLOCK_MONOTONIC. */
static void timer_init_once(void)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&timer_wake, &attr);
    pthread_condattr_destroy(&attr);
}

/* Start the thread unless it runs (under timer_mu).  It is joinable only
 * for drip__timer_shutdown, and inherits a fully blocked signal mask:
 * signals are for the workload's threads.  0, or -1
 * with errno ENOMEM when it cannot be created (a later call retries). */
static int timer_start(void)
{
    sigset_t all, old;
    pthread_attr_t attr;
    pthread_t tid;
    int err;

    pthread_once(&timer_once, timer_init_once);
    if (timer_started)
        return 0;
    if (pthread_attr_init(&attr) != 0) {
        errno = ENOMEM;
        return -1;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&tid, &attr, timer_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        errno = ENOMEM;
        return -1;
    }
    timer_tid = tid;
    timer_started = true;
    return 0;
}

/* ---- construction -------------------------------------------------------- */

/* A timer of `size` bytes (a drip_timer or a drip_ticker), with a channel
 * of its own when `with_chan`, armed d_ns from now; the thread is started
 * and a heap slot reserved first.  With `after_ch` it is a drip_after
 * timer: *after_ch gets a second reference to the channel, and the thread
 * frees the timer when it fires (so the caller must not touch the result,
 * only test it for NULL).  NULL with errno ENOMEM, nothing left behind and
 * nothing armed, when any of that fails. */
static drip_timer *timer_make(size_t size, bool with_chan, uint64_t d_ns, uint64_t period,
                              void (*fn)(void *), void *arg, drip_chan **after_ch)
{
    drip_timer *t = calloc(1, size);
    drip_chan *ch = NULL;

    if (!t)
        goto fail;
    if (with_chan && !(ch = drip_chan_new(sizeof(uint64_t), 1)))
        goto fail;
    timer_lock();
    if (timer_start() != 0 || heap_reserve() != 0) {
        pthread_mutex_unlock(&timer_mu);
        goto fail;
    }
    t->idx = NOT_ARMED;
    t->period = period;
    t->ch = ch;
    t->fn = fn;
    t->arg = arg;
    if (after_ch) {
        t->after = true;
        *after_ch = drip_chan_retain(ch);      /* before arming: it may fire at once */
    }
    timer_arm(t, deadline_in(d_ns));
    pthread_mutex_unlock(&timer_mu);
    return t;

fail:
    drip_chan_release(ch);
    free(t);
    errno = ENOMEM;
    return NULL;
}

/* time.After: the caller gets one channel reference, the armed timer holds
 * another (and itself) until it fires, when the thread frees both.  There
 * is no handle: the memory stays until the deadline, the leak to show.
 * NULL + ENOMEM with nothing allocated. */
drip_chan *drip_after(uint64_t d_ns)
{
    drip_chan *ch = NULL;

    if (!timer_make(sizeof(drip_timer), true, d_ns, 0, NULL, NULL, &ch))
        return NULL;
    return ch;
}

/* time.NewTimer: a timer with its own channel (cap 1), armed.  Freed with
 * drip_timer_free.  NULL + ENOMEM. */
drip_timer *drip_timer_new(uint64_t d_ns)
{
    return timer_make(sizeof(drip_timer), true, d_ns, 0, NULL, NULL, NULL);
}

/* time.AfterFunc: fn(arg) on the timer thread after d_ns.  Freed with
 * drip_timer_free.  NULL + EINVAL (fn NULL) or ENOMEM. */
drip_timer *drip_timer_func(uint64_t d_ns, void (*fn)(void *arg), void *arg)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    return timer_make(sizeof(drip_timer), false, d_ns, 0, fn, arg, NULL);
}

/* time.NewTicker: fires every period_ns (first one period from now).  Freed
 * with drip_ticker_free.  NULL + EINVAL (period 0, Go panics) or ENOMEM. */
drip_ticker *drip_ticker_new(uint64_t period_ns)
{
    if (period_ns == 0) {
        errno = EINVAL;
        return NULL;
    }
    return (drip_ticker *)timer_make(sizeof(drip_ticker), true, period_ns,
                                     period_ns, NULL, NULL, NULL);
}

/* ---- control ------------------------------------------------------------- */

/* Borrowed; NULL for function timers (and for NULL). */
drip_chan *drip_timer_chan(drip_timer *t)
{
    return t ? t->ch : NULL;
}

/* Disarm: true when t was armed.  Never drains the channel.  Can't fail. */
bool drip_timer_stop(drip_timer *t)
{
    bool was;

    if (!t)
        return false;
    timer_lock();
    was = timer_disarm(t);
    pthread_mutex_unlock(&timer_mu);
    return was;
}

/* Stop, then arm for d_ns from now; true when it was armed.  Can't fail:
 * the slot was reserved when t was made. */
bool drip_timer_reset(drip_timer *t, uint64_t d_ns)
{
    bool was;

    if (!t)
        return false;
    timer_lock();
    was = timer_disarm(t);
    timer_arm(t, deadline_in(d_ns));
    pthread_mutex_unlock(&timer_mu);
    return was;
}

/* Disarm t, wait for its function if it is running on the timer thread
 * (not when called from that function), give its slot back, then release
 * its channel and free it.  NULL is a no-op. */
void drip_timer_free(drip_timer *t)
{
    if (!t)
        return;
    timer_lock();
    timer_disarm(t);
    while (timer_running == t && !pthread_equal(pthread_self(), timer_tid))
        timer_wait(&timer_idle);
    heap_unreserve();
    pthread_mutex_unlock(&timer_mu);
    drip_chan_release(t->ch);
    free(t);
}

/* Borrowed; NULL for NULL. */
drip_chan *drip_ticker_chan(drip_ticker *t)
{
    return t ? t->timer.ch : NULL;
}

/* Stop ticking (ticks already buffered stay).  NULL is a no-op. */
void drip_ticker_stop(drip_ticker *t)
{
    if (t)
        drip_timer_stop(&t->timer);
}

/* Stop and free, releasing the ticker's channel reference.  NULL no-op. */
void drip_ticker_free(drip_ticker *t)
{
    if (t)
        drip_timer_free(&t->timer);
}

/* The `timers` gauge: armed timers right now. */
int64_t drip_timers_pending(void)
{
    return atomic_load_explicit(&drip__gauge_timers, memory_order_relaxed);
}

/* Stop and join the timer thread, for leak checkers: a thread still running
 * at exit leaves its glibc TLS block "possibly lost" to valgrind.  Armed
 * timers stay armed and fire once a later constructor restarts the thread.
 * Must not be called from a timer function or concurrently with itself.
 * Internal (tests call it before exiting); not part of drip/timer.h. */
void drip__timer_shutdown(void);
void drip__timer_shutdown(void)
{
    pthread_t tid;

    timer_lock();
    if (!timer_started || pthread_equal(pthread_self(), timer_tid)) {
        pthread_mutex_unlock(&timer_mu);
        return;
    }
    timer_quit = true;
    tid = timer_tid;
    pthread_cond_signal(&timer_wake);
    pthread_mutex_unlock(&timer_mu);
    pthread_join(tid, NULL);
    pthread_mutex_lock(&timer_mu);
    timer_started = false;
    timer_quit = false;
    pthread_mutex_unlock(&timer_mu);
}
