/* test_context.c - Check suite for contexts (src/rt/context.c).
 *
 * Cases:
 *   core   - cancel closes done and sets err; cancel cascades to children
 *            and grandchildren and not upwards; cancel is idempotent;
 *            deadlines fire with DRIP_EDEADLINE (own, inherited, already
 *            past); release before and after cancel; select on done; the
 *            background context; long chains; concurrent use;
 *   errors - NULL arguments;
 *   oom    - with_cancel / with_timeout with each allocation failing in
 *            turn (SQLite-style), checking NULL + ENOMEM and no leak.
 *
 * Deadlines need drip_timer_func / drip_timer_free (src/rt/timer.c, or any
 * stand-in with the same contract).  Helper threads are tasks and never
 * call ck_assert.  Timing is asserted only as "not before the deadline" and
 * a generous upper bound.
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
#include "drip/context.h"
#include "drip/rt.h"
#include "drip/task.h"
#include "drip/timer.h"

Suite *suite_context(void);

#define MS          1000000ull
#define SEC         1000000000ull
#define WAIT_LONG   (10 * SEC)     /* generous: only slow machines get near it */
#define NELEM(a)    (sizeof(a) / sizeof((a)[0]))

/* ---- allocation failure injection: oom_malloc.h (see there) -------------- */

#include "oom_malloc.h"

/* ---- helpers ---------------------------------------------------------------- */

static void setup(void)
{
    ck_assert_int_eq(drip_tasks_live(), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
}

/* true when c's done channel is closed (a receive does not block). */
static bool is_done(drip_context *c)
{
    drip_select_case cs = { .chan = drip_context_done(c), .op = DRIP_RECV };

    return drip_select(&cs, 1, 0) == 0 && !cs.ok;
}

/* Wait up to WAIT_LONG for c's done channel; true when it closed. */
static bool wait_done(drip_context *c)
{
    drip_select_case cs = { .chan = drip_context_done(c), .op = DRIP_RECV };

    return drip_select(&cs, 1, WAIT_LONG) == 0 && !cs.ok;
}

/* ---- core ------------------------------------------------------------------- */

START_TEST(test_cancel_closes_done)
{
    drip_context *c = drip_context_with_cancel(drip_context_background());
    bool ok = true;
    char v = 1;

    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(drip_context_done(c));
    ck_assert_int_eq(drip_context_err(c), 0);
    ck_assert(!is_done(c));
    drip_context_cancel(c);
    ck_assert_int_eq(drip_context_err(c), DRIP_ECANCELED);
    ck_assert_int_eq(drip_chan_recv(drip_context_done(c), &v, &ok), 0);
    ck_assert(!ok);
    ck_assert_int_eq(v, 0);
    ck_assert(is_done(c));
    drip_context_release(c);
}
END_TEST

START_TEST(test_cascade)
{
    drip_context *bg = drip_context_background();
    drip_context *p = drip_context_with_cancel(bg);
    drip_context *a = drip_context_with_cancel(p), *b = drip_context_with_cancel(p);
    drip_context *a1 = drip_context_with_cancel(a), *a2 = drip_context_with_timeout(a, 60 * SEC);
    drip_context *a11 = drip_context_with_cancel(a1);
    drip_context *all[] = { p, a, b, a1, a2, a11 };

    for (size_t i = 0; i < NELEM(all); i++)
        ck_assert_ptr_nonnull(all[i]);

    drip_context_cancel(a1);                    /* down, not up nor sideways */
    ck_assert_int_eq(drip_context_err(a1), DRIP_ECANCELED);
    ck_assert_int_eq(drip_context_err(a11), DRIP_ECANCELED);
    ck_assert(is_done(a11));
    ck_assert_int_eq(drip_context_err(a), 0);
    ck_assert_int_eq(drip_context_err(a2), 0);
    ck_assert_int_eq(drip_context_err(p), 0);
    ck_assert(!is_done(p));

    drip_context_cancel(p);                     /* the rest of the tree */
    for (size_t i = 0; i < NELEM(all); i++) {
        ck_assert_int_eq(drip_context_err(all[i]), DRIP_ECANCELED);
        ck_assert(is_done(all[i]));
    }
    for (size_t i = NELEM(all); i-- > 0;)
        drip_context_release(all[i]);
}
END_TEST

START_TEST(test_cancel_idempotent)
{
    drip_context *c = drip_context_with_cancel(drip_context_background());
    drip_context *d = drip_context_with_timeout(drip_context_background(), 1 * MS);

    drip_context_cancel(c);
    drip_context_cancel(c);
    ck_assert_int_eq(drip_context_err(c), DRIP_ECANCELED);
    ck_assert(is_done(c));

    ck_assert(wait_done(d));                    /* the deadline came first... */
    drip_context_cancel(d);                     /* ...and cancel changes nothing */
    ck_assert_int_eq(drip_context_err(d), DRIP_EDEADLINE);
    drip_context_release(c);
    drip_context_release(d);
}
END_TEST

START_TEST(test_deadline_fires)
{
    uint64_t t0 = drip_rt_now(), dt;
    drip_context *d = drip_context_with_timeout(drip_context_background(), 30 * MS);
    drip_context *child = drip_context_with_cancel(d);
    drip_context *later = drip_context_with_timeout(d, 60 * SEC);   /* inherits 30 ms */

    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(child);
    ck_assert_ptr_nonnull(later);
    ck_assert(drip_context_err(d) == 0 || drip_rt_now() - t0 >= 30 * MS);
    ck_assert(wait_done(d));
    dt = drip_rt_now() - t0;
    ck_assert_uint_ge(dt, 30 * MS);
    ck_assert_uint_lt(dt, 5 * SEC);
    ck_assert_int_eq(drip_context_err(d), DRIP_EDEADLINE);
    ck_assert(wait_done(child));
    ck_assert_int_eq(drip_context_err(child), DRIP_EDEADLINE);  /* the parent's reason */
    ck_assert(wait_done(later));
    ck_assert_int_eq(drip_context_err(later), DRIP_EDEADLINE);
    ck_assert_uint_lt(drip_rt_now() - t0, 5 * SEC);
    drip_context_release(later);
    drip_context_release(child);
    drip_context_release(d);
}
END_TEST

/* Canceling stops the timers of what it cancels (the `timers` gauge drops
 * at once, as in Go); so does releasing a live context. */
START_TEST(test_cancel_stops_timers)
{
    int64_t base = drip_timers_pending();
    drip_context *p = drip_context_with_cancel(drip_context_background());
    drip_context *a = drip_context_with_timeout(p, 60 * SEC);
    drip_context *b = drip_context_with_timeout(a, 30 * SEC);
    drip_context *c = drip_context_with_timeout(p, 60 * SEC);

    ck_assert_int_eq(drip_timers_pending(), base + 3);
    drip_context_release(c);                    /* released while live */
    ck_assert_int_eq(drip_timers_pending(), base + 2);
    drip_context_cancel(p);                     /* the cascade stops a's and b's */
    ck_assert_int_eq(drip_timers_pending(), base);
    ck_assert_int_eq(drip_context_err(b), DRIP_ECANCELED);
    drip_context_release(b);
    drip_context_release(a);
    drip_context_release(p);
}
END_TEST

START_TEST(test_deadline_past)
{
    drip_context *bg = drip_context_background();
    drip_context *a = drip_context_with_deadline(bg, drip_rt_now() - 1);
    drip_context *b = drip_context_with_deadline(bg, 0);
    drip_context *c = drip_context_with_timeout(bg, 0);

    ck_assert_int_eq(drip_context_err(a), DRIP_EDEADLINE);
    ck_assert_int_eq(drip_context_err(b), DRIP_EDEADLINE);
    ck_assert_int_eq(drip_context_err(c), DRIP_EDEADLINE);
    ck_assert(is_done(a) && is_done(b) && is_done(c));
    drip_context_release(a);
    drip_context_release(b);
    drip_context_release(c);
}
END_TEST

START_TEST(test_child_of_done_parent)
{
    drip_context *p = drip_context_with_cancel(drip_context_background());
    drip_context *c, *d;

    drip_context_cancel(p);
    c = drip_context_with_cancel(p);
    d = drip_context_with_timeout(p, 60 * SEC);
    ck_assert_int_eq(drip_context_err(c), DRIP_ECANCELED);
    ck_assert_int_eq(drip_context_err(d), DRIP_ECANCELED);
    ck_assert(is_done(c) && is_done(d));
    drip_context_release(d);
    drip_context_release(c);
    drip_context_release(p);
}
END_TEST

START_TEST(test_release_before_cancel)
{
    drip_context *p = drip_context_with_cancel(drip_context_background());
    drip_context *c = drip_context_with_cancel(p);
    drip_context *t = drip_context_with_timeout(p, 60 * SEC);
    drip_context *g = drip_context_with_cancel(c);

    drip_context_release(t);                    /* its timer goes with it */
    drip_context_release(g);
    drip_context_release(c);                    /* leaves p's list */
    drip_context_cancel(p);                     /* must not touch them */
    ck_assert_int_eq(drip_context_err(p), DRIP_ECANCELED);

    c = drip_context_with_cancel(p);
    drip_context_release(p);                    /* c keeps p alive */
    ck_assert_int_eq(drip_context_err(c), DRIP_ECANCELED);
    drip_context_release(c);                    /* and frees it */
}
END_TEST

START_TEST(test_release_after_cancel)
{
    drip_context *p = drip_context_with_cancel(drip_context_background());
    drip_context *c = drip_context_with_cancel(p);
    drip_context *t = drip_context_with_timeout(c, 60 * SEC);

    ck_assert_ptr_eq(drip_context_retain(c), c);
    drip_context_cancel(c);
    drip_context_release(c);                    /* one reference left */
    ck_assert(is_done(c));
    ck_assert(is_done(t));
    drip_context_cancel(p);
    drip_context_release(t);
    drip_context_release(c);
    drip_context_release(p);
}
END_TEST

/* The Go pattern: a worker selects on its work channel and ctx.Done(). */
typedef struct worker {
    drip_context *ctx;      /* the worker's reference */
    drip_chan    *work;     /* the worker's reference */
    int           done_index;
    int           handled;
} worker;

static void worker_main(void *arg)
{
    worker *w = arg;
    int item;
    drip_select_case cs[] = {
        { .chan = w->work, .op = DRIP_RECV, .elem = &item },
        { .chan = drip_context_done(w->ctx), .op = DRIP_RECV },
    };

    for (;;) {
        int k = drip_select(cs, NELEM(cs), DRIP_SELECT_FOREVER);
        if (k != 0) {
            w->done_index = k;
            break;
        }
        w->handled++;
    }
    drip_chan_release(w->work);
    drip_context_release(w->ctx);
}

START_TEST(test_select_on_done)
{
    drip_context *c = drip_context_with_cancel(drip_context_background());
    drip_chan *work = drip_chan_new(sizeof(int), 0);
    worker w = { .ctx = drip_context_retain(c), .work = drip_chan_retain(work), .done_index = -9 };

    ck_assert_int_eq(drip_go(worker_main, &w), 0);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(drip_chan_send(work, &i), 0);
    drip_context_cancel(c);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(w.done_index, 1);
    ck_assert_int_eq(w.handled, 10);
    drip_chan_release(work);
    drip_context_release(c);
}
END_TEST

START_TEST(test_background)
{
    drip_context *bg = drip_context_background();
    drip_select_case cs = { .chan = drip_context_done(bg), .op = DRIP_RECV };

    ck_assert_ptr_nonnull(bg);
    ck_assert_ptr_eq(drip_context_background(), bg);
    ck_assert_ptr_null(drip_context_done(bg));  /* never closes: a NULL case */
    ck_assert_int_eq(drip_select(&cs, 1, 0), DRIP_SELECT_DEFAULT);
    drip_context_cancel(bg);                    /* no-op */
    ck_assert_int_eq(drip_context_err(bg), 0);
    ck_assert_ptr_eq(drip_context_retain(bg), bg);
    drip_context_release(bg);
    drip_context_release(bg);
    ck_assert_int_eq(drip_context_err(bg), 0);
}
END_TEST

/* A long chain, canceled and freed from a task's small stack: neither the
 * cascade nor the chain of last releases may recurse. */
#define CHAIN 5000

static drip_context *g_chain[CHAIN];

static void chain_task(void *arg)
{
    (void)arg;
    drip_context_cancel(g_chain[0]);
    for (int i = 0; i < CHAIN - 1; i++)         /* only the children's refs remain */
        drip_context_release(g_chain[i]);
    drip_context_release(g_chain[CHAIN - 1]);   /* frees the whole chain */
}

START_TEST(test_long_chain)
{
    g_chain[0] = drip_context_with_cancel(drip_context_background());
    ck_assert_ptr_nonnull(g_chain[0]);
    for (int i = 1; i < CHAIN; i++) {
        g_chain[i] = drip_context_with_cancel(g_chain[i - 1]);
        ck_assert_ptr_nonnull(g_chain[i]);
    }
    ck_assert(!is_done(g_chain[CHAIN - 1]));
    drip_context_retain(g_chain[CHAIN - 1]);    /* to look at it afterwards */
    ck_assert_int_eq(drip_go(chain_task, NULL), 0);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(drip_context_err(g_chain[CHAIN - 1]), DRIP_ECANCELED);
    drip_context_release(g_chain[CHAIN - 1]);
}
END_TEST

/* Tasks create, cancel and release children of one parent while the test
 * cancels it: for the sanitizers. */
static void churn(void *arg)
{
    drip_context *p = arg;

    for (int i = 0; i < 300; i++) {
        drip_context *c = drip_context_with_cancel(p);
        drip_context *g = c ? drip_context_with_timeout(c, (i % 3) * MS) : NULL;
        if (i % 2)
            drip_context_cancel(c);
        drip_context_release(c);
        drip_context_release(g);
    }
    drip_context_release(p);
}

START_TEST(test_concurrent)
{
    drip_context *p = drip_context_with_cancel(drip_context_background());
    struct timespec ms5 = { 0, 5 * 1000000 };

    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(drip_go(churn, drip_context_retain(p)), 0);
    nanosleep(&ms5, NULL);                      /* cancel in the middle of the churn */
    drip_context_cancel(p);
    ck_assert_int_eq(drip_tasks_wait(0, 60 * SEC), 0);
    drip_context_release(p);
}
END_TEST

/* ---- errors ----------------------------------------------------------------- */

START_TEST(test_null_args)
{
    errno = 0;
    ck_assert_ptr_null(drip_context_with_cancel(NULL));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(drip_context_with_deadline(NULL, 1));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(drip_context_with_timeout(NULL, 1));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(drip_context_done(NULL));
    ck_assert_int_eq(drip_context_err(NULL), 0);
    ck_assert_ptr_null(drip_context_retain(NULL));
    drip_context_cancel(NULL);
    drip_context_release(NULL);
}
END_TEST

/* ---- oom -------------------------------------------------------------------- */

/* Make a child of parent with `make`, failing its 1st, 2nd, ... allocation
 * until a call runs clean; each failure must be NULL + ENOMEM and leave
 * nothing behind.  Returns the number of failure points seen. */
static long oom_steps(drip_context *(*make)(drip_context *), drip_context *parent)
{
    long n;

    drip_context_release(make(parent));         /* warm up first-use work */
    for (n = 1; n < 100; n++) {
        drip_context *c;
        bool failed;
        int err;

        oom_arm(n);
        errno = 0;
        c = make(parent);
        err = errno;
        failed = oom_disarm();
        if (!failed) {
            ck_assert_ptr_nonnull(c);
            drip_context_cancel(c);
            ck_assert(is_done(c));
            drip_context_release(c);
            break;
        }
        ck_assert_msg(c == NULL, "allocation %ld failed, yet a context was made", n);
        ck_assert_int_eq(err, ENOMEM);
        ck_assert_msg(oom_live() == 0, "allocation %ld failed: %ld blocks leaked", n, oom_live());
    }
    ck_assert_int_lt(n, 100);
    return n - 1;
}

static drip_context *make_cancel(drip_context *p)
{
    return drip_context_with_cancel(p);
}

static drip_context *make_timeout(drip_context *p)
{
    return drip_context_with_timeout(p, 60 * SEC);
}

START_TEST(test_oom_with_cancel)
{
    drip_context *p;

    if (!oom_active())
        return;
    ck_assert_int_ge(oom_steps(make_cancel, drip_context_background()), 2);
    p = drip_context_with_cancel(drip_context_background());
    ck_assert_int_ge(oom_steps(make_cancel, p), 2);
    drip_context_cancel(p);                     /* its list is intact */
    drip_context_release(p);
    ck_assert_int_eq(oom_live(), 0);
}
END_TEST

START_TEST(test_oom_with_timeout)
{
    drip_context *p;

    if (!oom_active())
        return;
    ck_assert_int_ge(oom_steps(make_timeout, drip_context_background()), 3);
    p = drip_context_with_cancel(drip_context_background());
    ck_assert_int_ge(oom_steps(make_timeout, p), 3);
    drip_context_cancel(p);
    drip_context_release(p);
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

Suite *suite_context(void)
{
    Suite *s = suite_create("context");
    TCase *tc;

    tc = drip_tcase(s, "core", test_cancel_closes_done, test_cascade, test_cancel_idempotent,
            test_deadline_fires, test_cancel_stops_timers, test_deadline_past,
            test_child_of_done_parent, test_release_before_cancel, test_release_after_cancel,
            test_select_on_done, test_background, test_long_chain, test_concurrent, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);

    tc = drip_tcase(s, "errors", test_null_args, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "oom", test_oom_with_cancel, test_oom_with_timeout, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    return s;
}

/* src/rt/timer.c's internal "stop the timer thread" for leak checkers (a
 * thread alive at exit leaves its TLS "possibly lost" to valgrind); weak,
 * so that a stand-in timer without it links too. */
void drip__timer_shutdown(void) __attribute__((weak));

Suite *drip_test_suite(void)
{
    return suite_context();
}

int drip_test_after(void)
{
    if (drip__timer_shutdown)
        drip__timer_shutdown();
    return 0;
}
