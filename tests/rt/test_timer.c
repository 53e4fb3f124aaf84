/* test_timer.c - Check suite for the runtime's timers (src/rt/timer.c).
 *
 * Timing: no test asserts a tight bound.  A value is checked "not before
 * its deadline" and "within a few seconds" (valgrind and sanitizers are
 * slow), every sleep is at most 100 ms, and waits for an event are bounded
 * waits that return as soon as it happens.
 *
 * Like test_slice.c, this file interposes malloc, calloc, realloc and free
 * (tests/oom_malloc.h) for the whole process (so it must NOT be linked with Drip's counting
 * allocator, src/alloc, which defines the same names): the wrappers count
 * live blocks and can fail the Nth allocation of the thread that armed the
 * countdown.  The "oom" case fails the 1st, 2nd, ... allocation of each
 * constructor until one runs clean (SQLite-style) and checks after each
 * failure: NULL with ENOMEM, no live block gained, no timer armed.  The
 * fixture warms the runtime up first (starts the timer thread, allocates
 * the heap array), whose blocks then live for the rest of the process.
 *
 * Should valgrind replace malloc in the executable too (see oom_malloc.h),
 * these wrappers never run and main() turns the live-block and oom checks
 * off (valgrind's leak check still covers the rest).  Run valgrind with
 * --soname-synonyms=somalloc=nouserintercepts to keep them on.
 *
 * Timers armed far in the future (the drip_after(1 hour) test) stay armed
 * until exit, as the runtime promises; tests compare the `timers` gauge
 * with its value at their start.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drip/timer.h>

Suite *suite_timer(void);

/* Internal to the runtime (src/rt/timer.c): join the timer thread so that
 * valgrind does not see its TLS block "possibly lost" at exit. */
void drip__timer_shutdown(void);

/* ---- the interposed allocator: oom_malloc.h (see there) ------------------ */

#define OOM_TRACK_ALL 1     /* oom_live() counts every block, not just armed ones */
#include "check_main.h"
#include "oom_malloc.h"

static bool interposed;     /* false when valgrind bypasses the wrappers: see main() */

/* The live-block count is `n` (checked only when malloc is interposed). */
#define ck_assert_live(n) do {                                              \
        if (interposed)                                                     \
            ck_assert_int_eq(oom_live(), (n));                              \
    } while (0)


/* ---- helpers --------------------------------------------------------------- */

#define MS  1000000ull
#define SEC 1000000000ull
#define SLOW (5 * SEC)      /* "it happened": a generous upper bound */

/* Report failures only: ck_assert marks every passing check (a pipe write
 * per call in fork mode), too slow for loops over a thousand timers. */
#define expect(cond) do {                                                   \
        if (!(cond))                                                        \
            ck_abort_msg("expectation failed: %s", #cond);                  \
    } while (0)

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };

    ck_assert_uint_le(ms, 100);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Receive a fire time from ch within `timeout_ns`; false when none came. */
static bool recv_within(drip_chan *ch, uint64_t *v, uint64_t timeout_ns)
{
    drip_select_case c = { .chan = ch, .op = DRIP_RECV, .elem = v };

    return drip_select(&c, 1, timeout_ns) == 0 && c.ok;
}

/* Poll (1 ms naps) until pred(arg) holds or SLOW passes; returns pred. */
static bool wait_until(bool (*pred)(void *), void *arg)
{
    uint64_t end = drip_rt_now() + SLOW;

    while (!pred(arg) && drip_rt_now() < end)
        sleep_ms(1);
    return pred(arg);
}

static bool live_is(void *want)
{
    return !interposed || oom_live() == *(long *)want;
}

/* Blocks come back asynchronously (the timer thread frees a drip_after's
 * timer after it sent): wait for the count to settle at `want`. */
static void wait_live(long want)
{
    ck_assert_msg(wait_until(live_is, &want), "live blocks %ld, want %ld", oom_live(), want);
}

static int64_t gauge(void)
{
    drip_rt_gauges g;

    drip_rt_gauges_read(&g);
    ck_assert_int_eq(g.timers, drip_timers_pending());
    return g.timers;
}

static int64_t base_timers;
static long    base_live;

static _Atomic int warm_calls;

static void warm_fn(void *arg)
{
    (void)arg;
    atomic_fetch_add(&warm_calls, 1);
}

static bool warmed(void *arg)
{
    (void)arg;
    return atomic_load(&warm_calls) > 0;
}

/* Start the timer thread and allocate the heap array (both live for the
 * rest of the process) before taking the baselines; wait until the thread
 * ran a function, so that its start-up (ASan's allocates and frees
 * asynchronously) is over. */
static void setup(void)
{
    drip_timer *t = drip_timer_func(0, warm_fn, NULL);

    ck_assert_ptr_nonnull(t);
    ck_assert(wait_until(warmed, NULL));
    drip_timer_free(t);
    base_timers = drip_timers_pending();
    base_live = oom_live();
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_after_fires)
{
    uint64_t t0 = drip_rt_now(), v = 0;
    drip_chan *ch = drip_after(20 * MS);

    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(drip_chan_cap(ch), 1);
    ck_assert(recv_within(ch, &v, SLOW));
    ck_assert_uint_ge(v, t0 + 20 * MS);            /* not before the deadline */
    ck_assert_uint_le(v, drip_rt_now());
    ck_assert_int_eq(gauge(), base_timers);        /* disarmed before it sent */
    ck_assert_uint_eq(drip_chan_len(ch), 0);       /* fires once */
    ck_assert(!recv_within(ch, &v, 30 * MS));
    drip_chan_release(ch);
    wait_live(base_live);                          /* the timer freed itself */

    t0 = drip_rt_now();
    ch = drip_after(0);                            /* due at once */
    ck_assert(recv_within(ch, &v, SLOW));
    ck_assert_uint_ge(v, t0);
    drip_chan_release(ch);
    wait_live(base_live);
}
END_TEST

/* The leak drip_after demonstrates: dropping the channel does not free the
 * armed timer; its memory stays until the deadline. */
START_TEST(test_after_holds_memory)
{
    drip_chan *ch;
    long before = oom_live();

    ch = drip_after(3600 * SEC);
    ck_assert_ptr_nonnull(ch);
    drip_chan_release(ch);                          /* the caller is done */
    sleep_ms(50);
    ck_assert_int_eq(gauge(), base_timers + 1);     /* still armed ... */
    if (interposed)
        ck_assert_int_ge(oom_live(), before + 2);       /* ... holding timer and channel */
}
END_TEST

typedef struct fired {
    uint64_t lo, hi;      /* the deadline lies in [lo, hi] */
    uint64_t when;        /* fire time received */
    drip_chan *ch;
} fired;

#define NAFTER 1000

START_TEST(test_many_afters_in_order)
{
    static fired f[NAFTER];
    uint64_t seed = 12345;

    for (size_t i = 0; i < NAFTER; i++) {          /* deadlines 5..104 ms, shuffled */
        uint64_t d;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        d = 5 * MS + (seed >> 33) % (100 * MS);
        f[i].lo = drip_rt_now() + d;
        f[i].ch = drip_after(d);
        f[i].hi = drip_rt_now() + d;
        expect(f[i].ch != NULL);
    }
    for (size_t i = 0; i < NAFTER; i++) {
        expect(recv_within(f[i].ch, &f[i].when, SLOW));
        expect(f[i].when >= f[i].lo);               /* not early */
        expect(f[i].when <= f[i].hi + SLOW);
        drip_chan_release(f[i].ch);
    }
    /* One thread fires in heap order and stamps each value when it sends
     * it: a timer whose deadline was surely earlier got an earlier stamp. */
    for (size_t i = 0; i < NAFTER; i++)
        for (size_t j = 0; j < NAFTER; j++)
            if (f[i].hi < f[j].lo)
                expect(f[i].when <= f[j].when);
    ck_assert_int_eq(gauge(), base_timers);
    wait_live(base_live);
}
END_TEST

START_TEST(test_gauge_exact)
{
    drip_timer *t[100];
    drip_chan *ch;

    for (size_t i = 0; i < 100; i++) {
        t[i] = drip_timer_new(3600 * SEC);
        ck_assert_ptr_nonnull(t[i]);
    }
    ck_assert_int_eq(gauge(), base_timers + 100);
    for (size_t i = 0; i < 50; i++)
        ck_assert(drip_timer_stop(t[i]));
    ck_assert_int_eq(gauge(), base_timers + 50);
    for (size_t i = 0; i < 25; i++)
        ck_assert(!drip_timer_reset(t[i], 3600 * SEC));  /* was stopped; re-armed */
    ck_assert_int_eq(gauge(), base_timers + 75);
    for (size_t i = 0; i < 100; i++)
        drip_timer_free(t[i]);                      /* armed or not */
    ck_assert_int_eq(gauge(), base_timers);
    wait_live(base_live);

    ch = drip_after(3600 * SEC);                    /* stays armed */
    ck_assert_ptr_nonnull(ch);
    sleep_ms(50);
    ck_assert_int_eq(gauge(), base_timers + 1);
    drip_chan_release(ch);
    ck_assert_int_eq(gauge(), base_timers + 1);
}
END_TEST

static bool chan_nonempty(void *ch)
{
    return drip_chan_len(ch) > 0;
}

START_TEST(test_stop)
{
    drip_timer *t = drip_timer_new(3600 * SEC), *u;
    uint64_t v;

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(drip_timer_chan(t));
    ck_assert(drip_timer_stop(t));                  /* armed: stopped */
    ck_assert_int_eq(gauge(), base_timers);
    ck_assert(!drip_timer_stop(t));                 /* already stopped */

    /* A short one: whichever way the race goes, stop's answer and the
     * channel agree (no timing assumption). */
    ck_assert(!drip_timer_reset(t, 20 * MS));
    if (drip_timer_stop(t)) {
        sleep_ms(60);
        ck_assert_uint_eq(drip_chan_len(drip_timer_chan(t)), 0);   /* never fired */
    } else {
        ck_assert_uint_eq(drip_chan_len(drip_timer_chan(t)), 1);   /* it already had */
    }
    ck_assert_int_eq(gauge(), base_timers);

    u = drip_timer_new(1 * MS);
    ck_assert(wait_until(chan_nonempty, drip_timer_chan(u)));
    ck_assert_int_eq(gauge(), base_timers);
    ck_assert(!drip_timer_stop(u));                 /* fired: false */
    ck_assert(recv_within(drip_timer_chan(u), &v, 0));   /* it is there */
    drip_timer_free(u);
    drip_timer_free(t);
}
END_TEST

START_TEST(test_reset)
{
    drip_timer *t = drip_timer_new(3600 * SEC);
    uint64_t t0, v = 0;

    ck_assert_ptr_nonnull(t);
    t0 = drip_rt_now();
    ck_assert(drip_timer_reset(t, 10 * MS));        /* was armed */
    ck_assert(recv_within(drip_timer_chan(t), &v, SLOW));
    ck_assert_uint_ge(v, t0 + 10 * MS);
    ck_assert_int_eq(gauge(), base_timers);

    t0 = drip_rt_now();
    ck_assert(!drip_timer_reset(t, 10 * MS));       /* had fired: re-armed anyway */
    ck_assert(recv_within(drip_timer_chan(t), &v, SLOW));
    ck_assert_uint_ge(v, t0 + 10 * MS);

    ck_assert(!drip_timer_reset(t, 3600 * SEC));    /* and a stop after reset works */
    ck_assert(drip_timer_stop(t));
    drip_timer_free(t);
    ck_assert_int_eq(gauge(), base_timers);
}
END_TEST

START_TEST(test_ticker)
{
    const uint64_t period = 20 * MS;
    uint64_t t0 = drip_rt_now(), prev = 0, v;
    drip_ticker *tk = drip_ticker_new(period);
    drip_chan *ch;

    ck_assert_ptr_nonnull(tk);
    ch = drip_ticker_chan(tk);
    ck_assert_ptr_nonnull(ch);
    for (int k = 1; k <= 3; k++) {                  /* three ticks, in order */
        ck_assert(recv_within(ch, &v, SLOW));
        ck_assert_uint_ge(v, t0 + (uint64_t)k * period);
        ck_assert_uint_gt(v, prev);
        prev = v;
    }
    ck_assert_int_eq(gauge(), base_timers + 1);     /* one armed timer throughout */
    ck_assert(wait_until(chan_nonempty, ch));
    sleep_ms(100);                                  /* nobody reads: ticks dropped */
    ck_assert_uint_eq(drip_chan_len(ch), 1);
    ck_assert_int_eq(gauge(), base_timers + 1);

    drip_ticker_stop(tk);
    ck_assert_int_eq(gauge(), base_timers);
    (void)recv_within(ch, &v, 0);                   /* drain */
    sleep_ms(3 * 20);
    ck_assert_uint_eq(drip_chan_len(ch), 0);        /* no tick after stop */
    drip_ticker_stop(tk);                           /* twice is fine */
    drip_ticker_free(tk);
    ck_assert_int_eq(gauge(), base_timers);
}
END_TEST

typedef struct fn_probe {
    _Atomic int calls;
    pthread_t   thread;
    drip_timer *self;         /* for fn_free_self */
    _Atomic int stage;        /* for fn_slow: 1 running, 2 done */
} fn_probe;

static void fn_record(void *arg)
{
    fn_probe *p = arg;

    p->thread = pthread_self();
    atomic_fetch_add(&p->calls, 1);
}

static bool called(void *arg)
{
    return atomic_load(&((fn_probe *)arg)->calls) > 0;
}

static bool called_twice(void *arg)
{
    return atomic_load(&((fn_probe *)arg)->calls) == 2;
}

START_TEST(test_func_timer)
{
    fn_probe a = { 0 }, b = { 0 };
    drip_timer *ta = drip_timer_func(5 * MS, fn_record, &a);
    drip_timer *tb = drip_timer_func(10 * MS, fn_record, &b);

    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tb);
    ck_assert_ptr_null(drip_timer_chan(ta));
    ck_assert(wait_until(called, &a));
    ck_assert(wait_until(called, &b));
    ck_assert(!pthread_equal(a.thread, pthread_self()));   /* the timer thread ... */
    ck_assert(pthread_equal(a.thread, b.thread));          /* ... one for all */
    ck_assert(!drip_timer_stop(ta));                /* fired */
    ck_assert_int_eq(gauge(), base_timers);
    ck_assert(!drip_timer_reset(ta, 1 * MS));       /* again */
    ck_assert(wait_until(called_twice, &a));
    drip_timer_free(ta);
    drip_timer_free(tb);
    ck_assert_int_eq(atomic_load(&b.calls), 1);
}
END_TEST

static void fn_free_self(void *arg)
{
    fn_probe *p = arg;

    drip_timer_free(p->self);                       /* must not wait for itself */
    atomic_fetch_add(&p->calls, 1);
}

static void fn_slow(void *arg)
{
    fn_probe *p = arg;

    atomic_store(&p->stage, 1);
    sleep_ms(50);
    atomic_store(&p->stage, 2);
}

static bool running(void *arg)
{
    return atomic_load(&((fn_probe *)arg)->stage) >= 1;
}

START_TEST(test_func_free)
{
    fn_probe p = { 0 }, q = { 0 };
    drip_timer *t;

    p.self = drip_timer_func(3600 * SEC, fn_free_self, &p);
    ck_assert_ptr_nonnull(p.self);
    drip_timer_reset(p.self, 1 * MS);               /* p.self is set: now let it fire */
    ck_assert(wait_until(called, &p));

    t = drip_timer_func(1 * MS, fn_slow, &q);       /* free waits for a running fn */
    ck_assert(wait_until(running, &q));
    drip_timer_free(t);
    ck_assert_int_eq(atomic_load(&q.stage), 2);
    ck_assert_int_eq(gauge(), base_timers);
    wait_live(base_live);
}
END_TEST

/* A ticker held up behind a slow function (the one thread is busy) fires
 * once it can, re-arms past the ticks it missed, and keeps ticking. */
START_TEST(test_ticker_catches_up)
{
    fn_probe q = { 0 };
    drip_ticker *tk = drip_ticker_new(5 * MS);
    drip_timer *slow = drip_timer_func(1 * MS, fn_slow, &q);
    uint64_t prev = 0, v;

    ck_assert_ptr_nonnull(tk);
    ck_assert_ptr_nonnull(slow);
    ck_assert(wait_until(running, &q));             /* the thread is blocked ~50 ms */
    for (int k = 0; k < 3; k++) {
        ck_assert(recv_within(drip_ticker_chan(tk), &v, SLOW));
        ck_assert_uint_gt(v, prev);
        prev = v;
    }
    ck_assert_int_eq(atomic_load(&q.stage), 2);
    ck_assert_int_eq(gauge(), base_timers + 1);
    drip_ticker_free(tk);
    drip_timer_free(slow);
    ck_assert_int_eq(gauge(), base_timers);
}
END_TEST

/* Freeing an armed timer disarms it: it never fires into freed memory
 * (valgrind or ASan would see it) and the gauge drops. */
START_TEST(test_free_armed)
{
    fn_probe p = { 0 };
    drip_timer *t = drip_timer_new(3600 * SEC);
    drip_timer *f = drip_timer_func(3600 * SEC, fn_record, &p);
    drip_ticker *tk = drip_ticker_new(3600 * SEC);

    ck_assert_int_eq(gauge(), base_timers + 3);
    drip_timer_free(t);
    drip_timer_free(f);
    drip_ticker_free(tk);
    ck_assert_int_eq(gauge(), base_timers);

    /* Short ones freed while they fall due: some fire first, some do not;
     * either way nothing is touched after the free. */
    for (int i = 0; i < 100; i++) {
        uint64_t d = (uint64_t)(i % 3) * 100000;    /* 0, 0.1, 0.2 ms */
        t = drip_timer_new(d);
        f = drip_timer_func(d, fn_record, &p);
        tk = drip_ticker_new(d + 20000);
        ck_assert(t && f && tk);
        if (i % 2)
            sleep_ms(1);
        drip_timer_free(t);
        drip_timer_free(f);
        drip_ticker_free(tk);
    }
    sleep_ms(20);
    ck_assert_int_eq(gauge(), base_timers);
    wait_live(base_live);
}
END_TEST

/* A ticker with a period shorter than a fire takes keeps the timer thread
 * busy forever; API calls must still get through (the thread hands the
 * lock over between fires). */
START_TEST(test_fast_ticker_no_starvation)
{
    drip_ticker *tk = drip_ticker_new(1);
    uint64_t v;

    ck_assert_ptr_nonnull(tk);
    ck_assert(recv_within(drip_ticker_chan(tk), &v, SLOW));
    for (int i = 0; i < 10; i++) {                  /* each call waits one fire at most */
        drip_timer *t = drip_timer_new(3600 * SEC);
        ck_assert_ptr_nonnull(t);
        ck_assert(drip_timer_stop(t));
        ck_assert(!drip_timer_reset(t, 3600 * SEC));
        drip_timer_free(t);
    }
    ck_assert_int_eq(gauge(), base_timers + 1);
    drip_ticker_free(tk);
    ck_assert_int_eq(gauge(), base_timers);
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

START_TEST(test_errors)
{
    errno = 0;
    ck_assert_ptr_null(drip_ticker_new(0));         /* Go panics */
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(drip_timer_func(MS, NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(!drip_timer_stop(NULL));
    ck_assert(!drip_timer_reset(NULL, MS));
    ck_assert_ptr_null(drip_timer_chan(NULL));
    ck_assert_ptr_null(drip_ticker_chan(NULL));
    drip_timer_free(NULL);
    drip_ticker_stop(NULL);
    drip_ticker_free(NULL);
    ck_assert_int_eq(gauge(), base_timers);
    ck_assert_int_eq(oom_live(), base_live);
}
END_TEST

/* A far deadline saturates instead of wrapping around into the past. */
START_TEST(test_far_deadline)
{
    drip_timer *t = drip_timer_new(UINT64_MAX);
    drip_ticker *tk = drip_ticker_new(UINT64_MAX / 2);

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(tk);
    sleep_ms(30);
    ck_assert_uint_eq(drip_chan_len(drip_timer_chan(t)), 0);
    ck_assert_uint_eq(drip_chan_len(drip_ticker_chan(tk)), 0);
    ck_assert(drip_timer_stop(t));
    drip_timer_free(t);
    drip_ticker_free(tk);
    ck_assert_int_eq(gauge(), base_timers);
}
END_TEST

/* ---- oom ------------------------------------------------------------------- */

/* Fail the 1st, 2nd, ... allocation of `call` (an expression yielding a
 * pointer into `out`) until it succeeds untouched; after each failure check
 * NULL with ENOMEM, no live block gained, no timer armed.  Sets `nallocs`
 * to the allocations the successful call made. */
#define OOM_LOOP(nallocs, out, call) do {                                   \
        for (long n_ = 1;; n_++) {                                          \
            long before_ = oom_live();                                      \
            int64_t armed_ = drip_timers_pending();                         \
            int err_;                                                       \
            bool fired_;                                                    \
            errno = 0;                                                      \
            oom_arm(n_);                                                   \
            out = (call);                                                   \
            err_ = errno;                                                   \
            fired_ = oom_disarm();                                         \
            if (!fired_) {                                                  \
                ck_assert_ptr_nonnull(out);                                 \
                (nallocs) = n_ - 1;                                         \
                break;                                                      \
            }                                                               \
            ck_assert_ptr_null(out);                                        \
            ck_assert_int_eq(err_, ENOMEM);                                 \
            ck_assert_int_eq(oom_live(), before_);                          \
            ck_assert_int_eq(drip_timers_pending(), armed_);                \
            ck_assert_int_lt(n_, 50);                                       \
        }                                                                   \
    } while (0)

static void noop(void *arg)
{
    (void)arg;
}

START_TEST(test_oom_constructors)
{
    drip_timer *t;
    drip_ticker *tk;
    drip_chan *ch;
    uint64_t v;
    long n;

    if (!interposed)
        return;
    OOM_LOOP(n, t, drip_timer_new(3600 * SEC));
    ck_assert_int_eq(n, 2);                         /* timer, channel */
    drip_timer_free(t);
    OOM_LOOP(n, t, drip_timer_func(3600 * SEC, noop, NULL));
    ck_assert_int_eq(n, 1);
    drip_timer_free(t);
    OOM_LOOP(n, tk, drip_ticker_new(3600 * SEC));
    ck_assert_int_eq(n, 2);
    drip_ticker_free(tk);
    OOM_LOOP(n, ch, drip_after(1 * MS));
    ck_assert_int_eq(n, 2);
    ck_assert(recv_within(ch, &v, SLOW));
    drip_chan_release(ch);
    wait_live(base_live);
    ck_assert_int_eq(gauge(), base_timers);
}
END_TEST

/* Make 70 timers, failing the 1st, 2nd, ... allocation of each: on the way
 * the heap array fills up (whatever its size, from 16 slots) and some
 * constructor must grow it; a failed growth leaves the timer unarmed and
 * nothing allocated. */
START_TEST(test_oom_heap_growth)
{
    drip_timer *t[70];
    long allocs, grew = 0;

    if (!interposed)
        return;
    for (size_t i = 0; i < 70; i++) {
        OOM_LOOP(allocs, t[i], drip_timer_new(3600 * SEC));
        ck_assert_int_ge(allocs, 2);                /* timer, channel, */
        ck_assert_int_le(allocs, 3);                /* and maybe the heap */
        grew += allocs == 3;
    }
    ck_assert_int_ge(grew, 1);
    ck_assert_int_eq(gauge(), base_timers + 70);
    for (size_t i = 0; i < 70; i++)
        drip_timer_free(t[i]);
    ck_assert_int_eq(gauge(), base_timers);
    wait_live(base_live);
}
END_TEST

Suite *suite_timer(void)
{
    Suite *s = suite_create("timer");
    TCase *tc;

    tc = drip_tcase(s, "core", test_after_fires, test_after_holds_memory, test_many_afters_in_order,
            test_gauge_exact, test_stop, test_reset, test_ticker, test_ticker_catches_up,
            test_func_timer, test_func_free, test_free_armed, test_fast_ticker_no_starvation, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);

    tc = drip_tcase(s, "errors", test_errors, test_far_deadline, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);

    tc = drip_tcase(s, "oom", test_oom_constructors, test_oom_heap_growth, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_timer();
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    interposed = oom_probe();
    if (!interposed)
        fputs("test_timer: malloc is not interposed (valgrind?): live-block and oom "
              "checks are off\n", stderr);
    return -1;
}

int drip_test_after(void)
{
    drip__timer_shutdown();
    return 0;
}
