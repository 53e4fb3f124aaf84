/* test_chan.c - Check suite for channels and select (src/rt/chan.c,
 * src/rt/select.c).
 *
 * Cases:
 *   core   - rendezvous, FIFO buffers, len/cap, close semantics, many
 *            producers and consumers, reference counting; select: default,
 *            timeout, ready cases, fairness, send cases, NULL cases, closed
 *            channels, wake-ups that leave no stale waiters behind;
 *   errors - bad arguments;
 *   oom    - drip_chan_new with each allocation failing in turn
 *            (SQLite-style), select's wait records (none up to 8 cases).
 *
 * Helper threads are tasks (drip_go).  They never call ck_assert: they
 * record results the test thread checks after drip_tasks_wait.  Timing is
 * asserted only as "at least the timeout" and a generous upper bound.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "drip/chan.h"
#include "drip/rt.h"
#include "drip/task.h"

Suite *suite_chan(void);

#define MS          1000000ull
#define SEC         1000000000ull
#define WAIT_LONG   (10 * SEC)     /* generous: only slow machines get near it */
#define NELEM(a)    (sizeof(a) / sizeof((a)[0]))

/* ---- allocation failure injection: oom_malloc.h (see there) -------------- */

#include "oom_malloc.h"

/* ---- helpers ---------------------------------------------------------------- */

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static void setup(void)
{
    ck_assert_int_eq(drip_tasks_live(), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
}

/* What a helper task does and what it saw.  The task owns a reference to
 * c and releases it when done. */
typedef struct job {
    drip_chan     *c;
    unsigned       delay_ms;    /* before acting */
    int            value;       /* to send, or received */
    bool           ok;
    int            rc;
    _Atomic bool   started;     /* just before the blocking call */
    _Atomic bool   done;
} job;

static void job_send(void *arg)
{
    job *j = arg;

    sleep_ms(j->delay_ms);
    atomic_store(&j->started, true);
    j->rc = drip_chan_send(j->c, &j->value);
    atomic_store(&j->done, true);
    drip_chan_release(j->c);
}

static void job_recv(void *arg)
{
    job *j = arg;

    sleep_ms(j->delay_ms);
    atomic_store(&j->started, true);
    j->value = -1;
    j->rc = drip_chan_recv(j->c, &j->value, &j->ok);
    atomic_store(&j->done, true);
    drip_chan_release(j->c);
}

static void start(void (*fn)(void *), job *j, drip_chan *c, unsigned delay_ms, int value)
{
    j->c = drip_chan_retain(c);
    j->delay_ms = delay_ms;
    j->value = value;
    j->ok = false;
    j->rc = 12345;
    atomic_store(&j->started, false);
    atomic_store(&j->done, false);
    ck_assert_int_eq(drip_go(fn, j), 0);
}

/* ---- core: channels ----------------------------------------------------------- */

START_TEST(test_unbuffered_rendezvous)
{
    drip_chan *c = drip_chan_new(sizeof(int), 0);
    job j;
    int v = 0;
    bool ok = false;

    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(drip_chan_cap(c), 0);

    /* sender first: its send returns only once the late receiver took it */
    start(job_recv, &j, c, 50, 0);
    v = 42;
    ck_assert_int_eq(drip_chan_send(c, &v), 0);
    ck_assert(atomic_load(&j.started));
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(j.rc, 0);
    ck_assert(j.ok);
    ck_assert_int_eq(j.value, 42);

    /* receiver first: the late sender's element arrives */
    start(job_send, &j, c, 50, 7);
    ck_assert_int_eq(drip_chan_recv(c, &v, &ok), 0);
    ck_assert(ok);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(j.rc, 0);
    ck_assert_uint_eq(drip_chan_len(c), 0);
    drip_chan_release(c);
}
END_TEST

START_TEST(test_buffered_fifo)
{
    drip_chan *c = drip_chan_new(sizeof(int), 5);
    int v, next_in = 0, next_out = 0;
    bool ok;

    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(drip_chan_cap(c), 5);
    for (v = 0; v < 5; v++)
        ck_assert_int_eq(drip_chan_send(c, &v), 0);     /* never blocks */
    ck_assert_uint_eq(drip_chan_len(c), 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(drip_chan_recv(c, &v, &ok), 0);
        ck_assert(ok);
        ck_assert_int_eq(v, i);
    }
    ck_assert_uint_eq(drip_chan_len(c), 0);

    /* wrap the ring many times with 0..5 elements in flight */
    for (int round = 0; round < 1000; round++) {
        int in = round % 6, out = (round * 7) % 6;
        for (int i = 0; i < in && drip_chan_len(c) < 5; i++, next_in++)
            ck_assert_int_eq(drip_chan_send(c, &next_in), 0);
        for (int i = 0; i < out && drip_chan_len(c) > 0; i++, next_out++) {
            ck_assert_int_eq(drip_chan_recv(c, &v, &ok), 0);
            ck_assert_int_eq(v, next_out);
        }
        ck_assert_uint_eq(drip_chan_len(c), (size_t)(next_in - next_out));
    }
    drip_chan_release(c);
}
END_TEST

START_TEST(test_buffered_full_blocks)
{
    drip_chan *c = drip_chan_new(sizeof(int), 2);
    job j;
    int v;
    bool ok;

    for (v = 0; v < 2; v++)
        ck_assert_int_eq(drip_chan_send(c, &v), 0);
    start(job_send, &j, c, 0, 2);
    while (!atomic_load(&j.started))
        sleep_ms(1);
    sleep_ms(20);
    ck_assert(!atomic_load(&j.done));           /* the buffer is full */
    ck_assert_uint_eq(drip_chan_len(c), 2);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(drip_chan_recv(c, &v, &ok), 0);
        ck_assert_int_eq(v, i);                 /* the blocked sender queued behind */
    }
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(j.rc, 0);
    drip_chan_release(c);
}
END_TEST

START_TEST(test_close_semantics)
{
    drip_chan *c = drip_chan_new(sizeof(int), 3);
    int v;
    bool ok;

    for (v = 1; v <= 2; v++)
        ck_assert_int_eq(drip_chan_send(c, &v), 0);
    ck_assert_int_eq(drip_chan_close(c), 0);
    ck_assert_int_eq(drip_chan_close(c), DRIP_ECLOSED);
    v = 3;
    ck_assert_int_eq(drip_chan_send(c, &v), DRIP_ECLOSED);
    ck_assert_uint_eq(drip_chan_len(c), 2);
    for (int i = 1; i <= 2; i++) {                      /* drain first */
        ck_assert_int_eq(drip_chan_recv(c, &v, &ok), 0);
        ck_assert(ok);
        ck_assert_int_eq(v, i);
    }
    for (int i = 0; i < 3; i++) {                       /* then zero, !ok, forever */
        v = -1;
        ok = true;
        ck_assert_int_eq(drip_chan_recv(c, &v, &ok), 0);
        ck_assert(!ok);
        ck_assert_int_eq(v, 0);
    }
    ck_assert_int_eq(drip_chan_recv(c, NULL, NULL), 0);
    drip_chan_release(c);
}
END_TEST

START_TEST(test_close_wakes_waiters)
{
    drip_chan *s = drip_chan_new(sizeof(int), 0);
    drip_chan *r = drip_chan_new(sizeof(int), 0);
    job snd[2], rcv[3];

    for (size_t i = 0; i < NELEM(snd); i++)
        start(job_send, &snd[i], s, 0, 5);
    for (size_t i = 0; i < NELEM(rcv); i++)
        start(job_recv, &rcv[i], r, 0, 0);
    for (size_t i = 0; i < NELEM(snd); i++)
        while (!atomic_load(&snd[i].started))
            sleep_ms(1);
    for (size_t i = 0; i < NELEM(rcv); i++)
        while (!atomic_load(&rcv[i].started))
            sleep_ms(1);
    sleep_ms(20);                               /* let them block */
    ck_assert_int_eq(drip_tasks_live(), 5);
    ck_assert_int_eq(drip_chan_close(s), 0);
    ck_assert_int_eq(drip_chan_close(r), 0);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    for (size_t i = 0; i < NELEM(snd); i++)
        ck_assert_int_eq(snd[i].rc, DRIP_ECLOSED);
    for (size_t i = 0; i < NELEM(rcv); i++) {
        ck_assert_int_eq(rcv[i].rc, 0);
        ck_assert(!rcv[i].ok);
        ck_assert_int_eq(rcv[i].value, 0);
    }
    drip_chan_release(s);
    drip_chan_release(r);
}
END_TEST

/* Many producers and consumers: every element arrives exactly once.  The
 * unbuffered run moves fewer elements: each one costs two context switches. */
#define MPMC_THREADS 4
#define MPMC_TOTAL   100000

typedef struct mpmc {
    drip_chan          *c;
    _Atomic int         producers_left;
    _Atomic int         next_producer;
    int                 total;          /* elements to move, <= MPMC_TOTAL */
    _Atomic unsigned char seen[MPMC_TOTAL];
    _Atomic long        bad;
} mpmc;

static void mpmc_produce(void *arg)
{
    mpmc *m = arg;
    int p = atomic_fetch_add(&m->next_producer, 1);
    int per = m->total / MPMC_THREADS;

    for (int i = p * per; i < (p + 1) * per; i++)
        if (drip_chan_send(m->c, &i) != 0)
            atomic_fetch_add(&m->bad, 1);
    if (atomic_fetch_sub(&m->producers_left, 1) == 1)
        drip_chan_close(m->c);                  /* the last producer closes */
}

static void mpmc_consume(void *arg)
{
    mpmc *m = arg;
    bool ok;
    int v;

    while (drip_chan_recv(m->c, &v, &ok) == 0 && ok) {
        if (v < 0 || v >= m->total)
            atomic_fetch_add(&m->bad, 1);
        else
            atomic_fetch_add(&m->seen[v], 1);
    }
}

static void mpmc_run(size_t cap, int total)
{
    mpmc *m = calloc(1, sizeof *m);

    ck_assert_ptr_nonnull(m);
    m->total = total;
    m->c = drip_chan_new(sizeof(int), cap);
    ck_assert_ptr_nonnull(m->c);
    atomic_store(&m->producers_left, MPMC_THREADS);
    for (int i = 0; i < MPMC_THREADS; i++) {
        ck_assert_int_eq(drip_go(mpmc_consume, m), 0);
        ck_assert_int_eq(drip_go(mpmc_produce, m), 0);
    }
    ck_assert_int_eq(drip_tasks_wait(0, 60 * SEC), 0);
    ck_assert_int_eq(atomic_load(&m->bad), 0);
    for (int i = 0; i < total; i++)
        if (atomic_load(&m->seen[i]) != 1)
            ck_abort_msg("element %d received %d times", i, (int)atomic_load(&m->seen[i]));
    ck_assert_uint_eq(drip_chan_len(m->c), 0);
    drip_chan_release(m->c);
    free(m);
}

START_TEST(test_mpmc_buffered)
{
    mpmc_run(64, MPMC_TOTAL);
}
END_TEST

START_TEST(test_mpmc_unbuffered)
{
    mpmc_run(0, MPMC_TOTAL / 5);
}
END_TEST

START_TEST(test_refcount)
{
    drip_chan *c;
    job j;
    long base = oom_live();
    bool counting = oom_active();

    oom_arm(0);                                 /* watch, never fail */
    c = drip_chan_new(8, 4);
    oom_disarm();
    ck_assert_ptr_nonnull(c);
    if (counting)
        ck_assert_int_eq(oom_live(), base + 1);
    ck_assert_ptr_eq(drip_chan_retain(c), c);
    ck_assert_ptr_eq(drip_chan_retain(c), c);
    drip_chan_release(c);
    drip_chan_release(c);
    if (counting)
        ck_assert_int_eq(oom_live(), base + 1); /* one reference left */
    start(job_recv, &j, c, 0, 0);               /* the task takes one too */
    drip_chan_close(c);                         /* wakes it with ok = false */
    drip_chan_release(c);                       /* ours; the task's may remain */
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert(!j.ok);
    if (counting)
        ck_assert_int_eq(oom_live(), base);     /* freed with the last release */
    ck_assert_ptr_null(drip_chan_retain(NULL));
    drip_chan_release(NULL);
}
END_TEST

/* ---- core: select ------------------------------------------------------------- */

START_TEST(test_select_default)
{
    drip_chan *a = drip_chan_new(sizeof(int), 0), *b = drip_chan_new(sizeof(int), 1);
    int x = 0, y = 1;
    drip_select_case cs[] = {
        { .chan = a, .op = DRIP_RECV, .elem = &x },
        { .chan = b, .op = DRIP_RECV, .elem = &x },
        { .chan = a, .op = DRIP_SEND, .elem = &y },     /* nobody receives */
    };

    ck_assert_int_eq(drip_select(cs, NELEM(cs), 0), DRIP_SELECT_DEFAULT);
    ck_assert_int_eq(drip_select(NULL, 0, 0), DRIP_SELECT_DEFAULT);
    drip_chan_release(a);
    drip_chan_release(b);
}
END_TEST

START_TEST(test_select_timeout)
{
    drip_chan *a = drip_chan_new(sizeof(int), 0);
    int x;
    drip_select_case cs[] = { { .chan = a, .op = DRIP_RECV, .elem = &x } };
    uint64_t t0 = drip_rt_now(), dt;

    ck_assert_int_eq(drip_select(cs, 1, 50 * MS), DRIP_SELECT_TIMEOUT);
    dt = drip_rt_now() - t0;
    ck_assert_uint_ge(dt, 50 * MS);
    ck_assert_uint_lt(dt, 5 * SEC);

    t0 = drip_rt_now();                                 /* no cases at all */
    ck_assert_int_eq(drip_select(NULL, 0, 20 * MS), DRIP_SELECT_TIMEOUT);
    ck_assert_uint_ge(drip_rt_now() - t0, 20 * MS);

    /* the timed-out waiter left no record behind: a send finds nobody */
    ck_assert_int_eq(drip_select(&(drip_select_case){ .chan = a, .op = DRIP_SEND, .elem = &x },
                                 1, 0), DRIP_SELECT_DEFAULT);
    drip_chan_release(a);
}
END_TEST

START_TEST(test_select_picks_ready)
{
    drip_chan *a = drip_chan_new(sizeof(int), 1), *b = drip_chan_new(sizeof(int), 1);
    int x = -1, y = -1, v = 9;
    drip_select_case cs[] = {
        { .chan = a, .op = DRIP_RECV, .elem = &x },
        { .chan = b, .op = DRIP_RECV, .elem = &y },
    };

    ck_assert_int_eq(drip_chan_send(b, &v), 0);
    for (int i = 0; i < 2; i++) {                       /* blocking or not */
        ck_assert_int_eq(drip_select(cs, 2, i ? DRIP_SELECT_FOREVER : 0), 1);
        ck_assert(cs[1].ok);
        ck_assert_int_eq(y, 9);
        ck_assert_int_eq(x, -1);
        ck_assert_int_eq(drip_chan_send(b, &v), 0);
        y = -1;
    }
    drip_chan_release(a);
    drip_chan_release(b);
}
END_TEST

START_TEST(test_select_fairness)
{
    drip_chan *a = drip_chan_new(sizeof(int), 1), *b = drip_chan_new(sizeof(int), 1);
    int x, v = 1, hits[2] = { 0, 0 };
    drip_select_case cs[] = {
        { .chan = a, .op = DRIP_RECV, .elem = &x },
        { .chan = b, .op = DRIP_RECV, .elem = &x },
    };

    drip_chan_send(a, &v);
    drip_chan_send(b, &v);
    for (int i = 0; i < 10000; i++) {
        int k = drip_select(cs, 2, 0);
        ck_assert(k == 0 || k == 1);
        hits[k]++;
        drip_chan_send(cs[k].chan, &v);                 /* both ready again */
    }
    ck_assert_msg(hits[0] >= 3000 && hits[0] <= 7000, "case 0 chosen %d of 10000", hits[0]);
    drip_chan_release(a);
    drip_chan_release(b);
}
END_TEST

START_TEST(test_select_send_cases)
{
    drip_chan *a = drip_chan_new(sizeof(int), 0), *b = drip_chan_new(sizeof(int), 1);
    int x = -1, one = 1, two = 2, v;
    bool ok;
    job j;
    drip_select_case cs[] = {
        { .chan = a, .op = DRIP_RECV, .elem = &x },
        { .chan = b, .op = DRIP_SEND, .elem = &two },
    };

    /* a buffered send with room is ready at once */
    ck_assert_int_eq(drip_select(cs, 2, 0), 1);
    ck_assert_uint_eq(drip_chan_len(b), 1);
    /* now b is full: block until a late receiver makes room */
    start(job_recv, &j, b, 30, 0);
    ck_assert_int_eq(drip_select(cs, 2, WAIT_LONG), 1);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(j.value, 2);
    ck_assert_int_eq(drip_chan_recv(b, &v, &ok), 0);
    ck_assert_int_eq(v, 2);

    /* an unbuffered send case meets a late receiver */
    cs[0] = (drip_select_case){ .chan = b, .op = DRIP_RECV, .elem = &x };   /* empty */
    cs[1] = (drip_select_case){ .chan = a, .op = DRIP_SEND, .elem = &one };
    start(job_recv, &j, a, 30, 0);
    ck_assert_int_eq(drip_select(cs, 2, WAIT_LONG), 1);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(j.value, 1);
    ck_assert(j.ok);
    /* ...and left no record on b's receive queue */
    ck_assert_int_eq(drip_chan_send(b, &one), 0);
    ck_assert_uint_eq(drip_chan_len(b), 1);
    drip_chan_release(a);
    drip_chan_release(b);
}
END_TEST

START_TEST(test_select_null_case)
{
    drip_chan *a = drip_chan_new(sizeof(int), 1);
    int x, v = 3;
    drip_select_case never[] = {
        { .chan = NULL, .op = DRIP_RECV, .elem = &x },
        { .chan = NULL, .op = DRIP_SEND, .elem = NULL },
    };
    drip_select_case mixed[] = {
        { .chan = NULL, .op = DRIP_RECV, .elem = &x },
        { .chan = a, .op = DRIP_RECV, .elem = &x },
        { .chan = NULL, .op = DRIP_SEND, .elem = &v },
    };

    ck_assert_int_eq(drip_select(never, 2, 0), DRIP_SELECT_DEFAULT);
    ck_assert_int_eq(drip_select(never, 2, 20 * MS), DRIP_SELECT_TIMEOUT);
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(drip_chan_send(a, &v), 0);
        ck_assert_int_eq(drip_select(mixed, NELEM(mixed), 0), 1);
    }
    drip_chan_release(a);
}
END_TEST

START_TEST(test_select_closed)
{
    drip_chan *a = drip_chan_new(sizeof(int), 0), *b = drip_chan_new(sizeof(int), 0);
    int x = -1, v = 1;
    drip_select_case rc[] = {
        { .chan = b, .op = DRIP_RECV, .elem = &x },
        { .chan = a, .op = DRIP_RECV, .elem = &x },
    };
    drip_select_case sc[] = { { .chan = a, .op = DRIP_SEND, .elem = &v } };

    ck_assert_int_eq(drip_chan_close(a), 0);
    rc[1].ok = true;
    ck_assert_int_eq(drip_select(rc, 2, 0), 1);
    ck_assert(!rc[1].ok);
    ck_assert_int_eq(x, 0);
    ck_assert_int_eq(drip_select(sc, 1, 0), DRIP_ECLOSED);
    ck_assert_int_eq(drip_select(sc, 1, DRIP_SELECT_FOREVER), DRIP_ECLOSED);
    drip_chan_release(a);
    drip_chan_release(b);
}
END_TEST

/* Blocked select woken by a close from another task. */
static void close_later(void *arg)
{
    drip_chan *c = arg;

    sleep_ms(30);
    drip_chan_close(c);
    drip_chan_release(c);
}

START_TEST(test_select_woken_by_close)
{
    drip_chan *a = drip_chan_new(sizeof(int), 0), *b = drip_chan_new(sizeof(int), 0);
    int x = -1, v = 1;
    drip_select_case cs[] = {
        { .chan = a, .op = DRIP_RECV, .elem = &x },
        { .chan = b, .op = DRIP_SEND, .elem = &v },
    };

    ck_assert_int_eq(drip_go(close_later, drip_chan_retain(a)), 0);
    cs[0].ok = true;
    ck_assert_int_eq(drip_select(cs, 2, WAIT_LONG), 0);
    ck_assert(!cs[0].ok);
    ck_assert_int_eq(x, 0);
    ck_assert_int_eq(drip_go(close_later, drip_chan_retain(b)), 0);
    cs[0].chan = NULL;
    ck_assert_int_eq(drip_select(cs, 2, WAIT_LONG), DRIP_ECLOSED);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    drip_chan_release(a);
    drip_chan_release(b);
}
END_TEST

/* More cases than fit on the stack; the one a task sends on fires. */
START_TEST(test_select_many_cases)
{
    drip_chan *ch[20];
    drip_select_case cs[20];
    int vals[20];
    job j;

    for (int i = 0; i < 20; i++) {
        ch[i] = drip_chan_new(sizeof(int), 0);
        vals[i] = -1;
        cs[i] = (drip_select_case){ .chan = ch[i], .op = DRIP_RECV, .elem = &vals[i] };
    }
    start(job_send, &j, ch[17], 20, 1717);
    ck_assert_int_eq(drip_select(cs, 20, WAIT_LONG), 17);
    ck_assert_int_eq(vals[17], 1717);
    ck_assert(cs[17].ok);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(drip_select(cs, 20, 10 * MS), DRIP_SELECT_TIMEOUT);
    for (int i = 0; i < 20; i++)                        /* no stale receivers */
        ck_assert_int_eq(drip_select(&(drip_select_case){ .chan = ch[i], .op = DRIP_SEND,
                                                          .elem = &i }, 1, 0),
                         DRIP_SELECT_DEFAULT);
    for (int i = 0; i < 20; i++)
        drip_chan_release(ch[i]);
}
END_TEST

/* Timeouts racing with sends must neither lose nor duplicate elements. */
#define RACE_N 5000

static void race_send(void *arg)
{
    drip_chan *c = arg;

    for (int i = 1; i <= RACE_N; i++)
        drip_chan_send(c, &i);
    drip_chan_close(c);
    drip_chan_release(c);
}

START_TEST(test_select_timeout_races)
{
    drip_chan *c = drip_chan_new(sizeof(int), 0);
    int v, expect = 1, timeouts = 0;
    drip_select_case cs[] = { { .chan = c, .op = DRIP_RECV, .elem = &v } };

    ck_assert_int_eq(drip_go(race_send, drip_chan_retain(c)), 0);
    for (;;) {
        int k = drip_select(cs, 1, (uint64_t)(expect % 3) * 1000);    /* 0, 1, 2 us */
        if (k == DRIP_SELECT_TIMEOUT || k == DRIP_SELECT_DEFAULT) {
            timeouts++;
            continue;
        }
        ck_assert_int_eq(k, 0);
        if (!cs[0].ok)
            break;
        if (v != expect)
            ck_abort_msg("got %d, expected %d", v, expect);
        expect++;
    }
    ck_assert_int_eq(expect, RACE_N + 1);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    drip_chan_release(c);
}
END_TEST

/* ---- errors ----------------------------------------------------------------- */

START_TEST(test_new_errors)
{
    drip_chan *c;

    errno = 0;
    ck_assert_ptr_null(drip_chan_new(0, 1));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(drip_chan_new(65537, 0));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(drip_chan_new(8, SIZE_MAX / 4));         /* size overflows */
    ck_assert_int_eq(errno, ENOMEM);
    c = drip_chan_new(65536, 0);
    ck_assert_ptr_nonnull(c);
    drip_chan_release(c);
}
END_TEST

START_TEST(test_null_and_bad_args)
{
    drip_chan *c = drip_chan_new(sizeof(int), 1);
    int v = 0;
    drip_select_case bad_op[] = { { .chan = c, .op = (drip_select_op)7, .elem = &v } };
    drip_select_case no_elem[] = { { .chan = c, .op = DRIP_SEND, .elem = NULL } };

    ck_assert_int_eq(drip_chan_send(NULL, &v), DRIP_EINVAL);
    ck_assert_int_eq(drip_chan_send(c, NULL), DRIP_EINVAL);
    ck_assert_int_eq(drip_chan_recv(NULL, &v, NULL), DRIP_EINVAL);
    ck_assert_int_eq(drip_chan_close(NULL), DRIP_EINVAL);
    ck_assert_uint_eq(drip_chan_len(NULL), 0);
    ck_assert_uint_eq(drip_chan_cap(NULL), 0);
    ck_assert_int_eq(drip_select(NULL, 1, 0), DRIP_EINVAL);
    ck_assert_int_eq(drip_select(bad_op, 1, 0), DRIP_EINVAL);
    ck_assert_int_eq(drip_select(no_elem, 1, 0), DRIP_EINVAL);
    ck_assert_uint_eq(drip_chan_len(c), 0);                     /* nothing happened */
    drip_chan_release(c);
}
END_TEST

/* ---- oom -------------------------------------------------------------------- */

START_TEST(test_oom_chan_new)
{
    long n;

    if (!oom_active())
        return;
    for (n = 1; n < 100; n++) {
        drip_chan *c;
        bool failed;

        oom_arm(n);
        errno = 0;
        c = drip_chan_new(sizeof(int), 16);
        failed = oom_disarm();
        if (!failed) {
            ck_assert_ptr_nonnull(c);
            drip_chan_release(c);
            ck_assert_int_eq(oom_live(), 0);
            break;
        }
        ck_assert_ptr_null(c);
        ck_assert_int_eq(errno, ENOMEM);
        ck_assert_msg(oom_live() == 0, "allocation %ld failed: %ld blocks leaked", n, oom_live());
    }
    ck_assert_int_lt(n, 100);
}
END_TEST

/* Up to 8 cases, even a blocking select allocates nothing; beyond, a
 * failed allocation is DRIP_ENOMEM with no case fired. */
START_TEST(test_oom_select)
{
    drip_chan *ch[9];
    drip_select_case cs[9];
    int v = 5, rc;
    bool failed;
    job j;

    if (!oom_active())
        return;
    for (int i = 0; i < 9; i++) {
        ch[i] = drip_chan_new(sizeof(int), 0);
        cs[i] = (drip_select_case){ .chan = ch[i], .op = DRIP_SEND, .elem = &v };
    }
    /* no ck_assert while armed: Check allocates to record passing checks */
    oom_arm(1);                                 /* the first allocation would fail */
    rc = drip_select(cs, 8, 5 * MS);
    failed = oom_disarm();
    ck_assert_int_eq(rc, DRIP_SELECT_TIMEOUT);
    ck_assert(!failed);                         /* nothing asked for memory */
    start(job_recv, &j, ch[0], 20, 0);
    oom_arm(1);
    rc = drip_chan_send(ch[0], &v);             /* blocks, then delivers */
    failed = oom_disarm();
    ck_assert_int_eq(rc, 0);
    ck_assert(!failed);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(j.value, 5);

    oom_arm(1);
    rc = drip_select(cs, 9, 5 * MS);
    failed = oom_disarm();
    ck_assert_int_eq(rc, DRIP_ENOMEM);
    ck_assert(failed);
    ck_assert_int_eq(oom_live(), 0);
    oom_arm(0);
    rc = drip_select(cs, 9, 5 * MS);
    oom_disarm();
    ck_assert_int_eq(rc, DRIP_SELECT_TIMEOUT);
    ck_assert_int_eq(oom_live(), 0);
    for (int i = 0; i < 9; i++)
        drip_chan_release(ch[i]);
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

Suite *suite_chan(void)
{
    Suite *s = suite_create("chan");
    TCase *tc;

    tc = drip_tcase(s, "core", test_unbuffered_rendezvous, test_buffered_fifo,
            test_buffered_full_blocks, test_close_semantics, test_close_wakes_waiters,
            test_mpmc_buffered, test_mpmc_unbuffered, test_refcount, test_select_default,
            test_select_timeout, test_select_picks_ready, test_select_fairness,
            test_select_send_cases, test_select_null_case, test_select_closed,
            test_select_woken_by_close, test_select_many_cases, test_select_timeout_races, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);

    tc = drip_tcase(s, "errors", test_new_errors, test_null_and_bad_args, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "oom", test_oom_chan_new, test_oom_select, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_chan();
}
