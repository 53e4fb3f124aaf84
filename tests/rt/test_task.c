/* test_task.c - Check suite for tasks (src/rt/task.c).
 *
 * Cases:
 *   core   - 100 tasks move the gauge to 100 and back to 0; a task blocked
 *            forever on a channel keeps the gauge at 1 and the process can
 *            still exit (in a forked child); stack sizes; drip_tasks_wait's
 *            timeout; drip_tasks_quiesce with tasks parked on a drip_mutex
 *            and a channel (quiescent while they wait; a woken one has
 *            finished when it returns 0) and one waiting outside the
 *            runtime (counted running, given up on after the quiet time);
 *            drip_mutex's trylock and an unlock from another thread;
 *   errors - a NULL function, a stack nobody can map;
 *   oom    - drip_go with its 1st, 2nd, ... allocation failing, until one
 *            call runs clean (SQLite-style), checking that each failure
 *            returns DRIP_ENOMEM, runs nothing and leaks nothing.
 *
 * Tasks never call ck_assert (Check's failure reporting belongs to the test
 * thread): they record what they saw in atomics the test then checks.  Each
 * test leaves no task behind, so the gauge starts at 0 in every test even
 * with CK_FORK=no; the one task blocked forever on purpose lives in a
 * forked child.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "drip/chan.h"
#include "drip/mutex.h"
#include "drip/rt.h"
#include "drip/task.h"

Suite *suite_task(void);

#define MS          1000000ull
#define SEC         1000000000ull
#define WAIT_LONG   (10 * SEC)     /* generous: only slow machines get near it */

/* ---- allocation failure injection: oom_malloc.h (see there) -------------- */

#include "oom_malloc.h"

/* ---- helpers ---------------------------------------------------------------- */

/* A gate tasks wait at until the test opens it. */
static pthread_mutex_t g_gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  g_gate_cond = PTHREAD_COND_INITIALIZER;
static bool            g_gate_open;
static _Atomic int     g_ran;        /* tasks that ran */

static void gate_close(void)
{
    pthread_mutex_lock(&g_gate_mu);
    g_gate_open = false;
    pthread_mutex_unlock(&g_gate_mu);
}

static void gate_open(void)
{
    pthread_mutex_lock(&g_gate_mu);
    g_gate_open = true;
    pthread_cond_broadcast(&g_gate_cond);
    pthread_mutex_unlock(&g_gate_mu);
}

static void wait_at_gate(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_gate_mu);
    while (!g_gate_open)
        pthread_cond_wait(&g_gate_cond, &g_gate_mu);
    pthread_mutex_unlock(&g_gate_mu);
    atomic_fetch_add(&g_ran, 1);
}

static void count_run(void *arg)
{
    (void)arg;
    atomic_fetch_add(&g_ran, 1);
}

static void setup(void)
{
    gate_close();
    atomic_store(&g_ran, 0);
    ck_assert_int_eq(drip_tasks_live(), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
}

/* ---- core ------------------------------------------------------------------- */

START_TEST(test_hundred_tasks)
{
    drip_rt_gauges g;

    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(drip_go(wait_at_gate, NULL), 0);
    /* none can return before the gate opens, and each counted before it ran */
    ck_assert_int_eq(drip_tasks_live(), 100);
    drip_rt_gauges_read(&g);
    ck_assert_int_eq(g.tasks, 100);
    ck_assert_int_eq(drip_tasks_wait(100, 0), 100);
    gate_open();
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 100);
    drip_rt_gauges_read(&g);
    ck_assert_int_eq(g.tasks, 0);
}
END_TEST

START_TEST(test_wait_partial_and_timeout)
{
    uint64_t t0;

    ck_assert_int_eq(drip_go(wait_at_gate, NULL), 0);
    ck_assert_int_eq(drip_go(count_run, NULL), 0);
    ck_assert_int_eq(drip_tasks_wait(1, WAIT_LONG), 1);     /* count_run is done */
    t0 = drip_rt_now();
    ck_assert_int_eq(drip_tasks_wait(0, 50 * MS), 1);       /* the gated one is not */
    ck_assert_uint_ge(drip_rt_now() - t0, 50 * MS);
    gate_open();
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 2);
}
END_TEST

/* Two tasks wait at the closed gate, five can finish: settle returns with
 * the two still live (it does not wait for them), then 0 once the gate is
 * open.  With nothing live it returns 0 at once. */
START_TEST(test_settle)
{
    ck_assert_int_eq(drip_tasks_settle(0, 0), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(drip_go(wait_at_gate, NULL), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(drip_go(count_run, NULL), 0);
    ck_assert_int_eq(drip_tasks_settle(0, SEC), 2);   /* quiet for 1 s: generous */
    ck_assert_int_eq(atomic_load(&g_ran), 5);
    ck_assert_int_eq(drip_tasks_settle(2, WAIT_LONG), 2);  /* at n already */
    gate_open();
    ck_assert_int_eq(drip_tasks_settle(0, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 7);
}
END_TEST

static drip_mutex g_mu = DRIP_MUTEX_INIT;

/* Take g_mu (parked while the test holds it), count, let it go. */
static void lock_and_count(void *arg)
{
    (void)arg;
    drip_mutex_lock(&g_mu);
    atomic_fetch_add(&g_ran, 1);
    drip_mutex_unlock(&g_mu);
}

/* Receive one element from the channel (parked until it comes), count. */
static void recv_and_count(void *arg)
{
    int v = 0;
    drip_chan_recv(arg, &v, NULL);
    atomic_fetch_add(&g_ran, v);
    drip_chan_release(arg);
}

/* Parked tasks make the runtime quiescent at once, however long they wait;
 * a task woken by an unlock or a send has run to its end when quiesce
 * returns 0 (the waker, not the sleeper, ends the parked state, so there is
 * no moment where it looks parked but can run).  A task waiting on a
 * pthread condition is running to the runtime: quiesce gives up after the
 * quiet time and says so. */
START_TEST(test_quiesce)
{
    drip_chan *c = drip_chan_new(sizeof(int), 0);
    int one = 1;

    ck_assert_int_eq(drip_tasks_quiesce(WAIT_LONG, WAIT_LONG), 0);
    drip_mutex_lock(&g_mu);
    ck_assert_int_eq(drip_go(lock_and_count, NULL), 0);
    ck_assert_int_eq(drip_go(recv_and_count, drip_chan_retain(c)), 0);
    ck_assert_int_eq(drip_tasks_quiesce(WAIT_LONG, WAIT_LONG), 0);
    ck_assert_int_eq(drip_tasks_live(), 2);                  /* both parked */
    ck_assert_int_eq(atomic_load(&g_ran), 0);
    drip_mutex_unlock(&g_mu);                                /* hands g_mu over */
    ck_assert_int_eq(drip_tasks_quiesce(WAIT_LONG, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 1);                /* it ran to its end */
    ck_assert_int_eq(drip_chan_send(c, &one), 0);
    ck_assert_int_eq(drip_tasks_quiesce(WAIT_LONG, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 2);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);

    ck_assert_int_eq(drip_go(wait_at_gate, NULL), 0);       /* waits outside the runtime */
    ck_assert_int_eq(drip_tasks_quiesce(WAIT_LONG, 50 * MS), 1);
    gate_open();
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 3);
    drip_chan_release(c);
}
END_TEST

/* Unlock g_mu from a task: a drip_mutex, like sync.Mutex, may be unlocked
 * by a thread that did not lock it. */
static void unlock_it(void *arg)
{
    (void)arg;
    drip_mutex_unlock(&g_mu);
    atomic_fetch_add(&g_ran, 1);
}

/* trylock takes a free mutex and refuses a held one; another thread's
 * unlock frees it; unlocking a free mutex does nothing. */
START_TEST(test_mutex_basics)
{
    drip_mutex m;

    drip_mutex_init(&m);
    ck_assert(drip_mutex_trylock(&m));
    ck_assert(!drip_mutex_trylock(&m));
    drip_mutex_unlock(&m);
    drip_mutex_unlock(&m);                       /* already free: a no-op */
    ck_assert(drip_mutex_trylock(&m));
    drip_mutex_unlock(&m);

    drip_mutex_lock(&g_mu);
    ck_assert_int_eq(drip_go(unlock_it, NULL), 0);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 1);
    ck_assert(drip_mutex_trylock(&g_mu));       /* the task's unlock freed it */
    drip_mutex_unlock(&g_mu);
}
END_TEST

/* Uses most of a 64 KiB stack: the default must really be usable. */
static void deep_stack(void *arg)
{
    volatile char buf[40 * 1024];

    memset((char *)buf, 1, sizeof buf);
    atomic_fetch_add(&g_ran, buf[sizeof buf - 1] + (arg != NULL));
}

START_TEST(test_stack_sizes)
{
    ck_assert_int_eq(drip_go(deep_stack, NULL), 0);
    ck_assert_int_eq(drip_go_stack(count_run, NULL, 0), 0);           /* rounded up */
    ck_assert_int_eq(drip_go_stack(count_run, NULL, 1), 0);
    ck_assert_int_eq(drip_go_stack(deep_stack, &g_ran, 1 << 20), 0);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 1 + 1 + 1 + 2);
}
END_TEST

static void block_forever(void *arg)
{
    drip_chan *c = arg;     /* the task's own reference, never released */
    int v;

    drip_chan_recv(c, &v, NULL);                /* nobody ever sends */
    abort();
}

/* The forked child: one task blocked forever on a channel; the gauge says 1
 * and stays there.  Returns its verdict (0: all as expected), which the
 * caller writes to the parent before exiting with the task still blocked. */
static char blocked_child(void)
{
    struct timespec ms50 = { 0, 50 * 1000000 };
    drip_chan *c = drip_chan_new(sizeof(int), 0);
    drip_rt_gauges g;

    if (!c)
        return 2;
    if (drip_go(block_forever, drip_chan_retain(c)) != 0)
        return 3;
    if (drip_tasks_live() != 1)
        return 4;
    nanosleep(&ms50, NULL);
    drip_rt_gauges_read(&g);
    if (g.tasks != 1 || drip_tasks_wait(0, 20 * MS) != 1)
        return 5;
    drip_chan_release(c);       /* the task still holds the channel */
    return 0;
}

#if defined(__SANITIZE_THREAD__)
/* TSan refuses thread creation in the child of a multi-threaded fork (its
 * own background thread counts) unless told otherwise; the child here
 * only starts one task and exits. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "die_after_fork=0";
}
#endif

/* The verdict travels through a pipe rather than the exit status: under
 * valgrind --error-exitcode the child's status also reflects glibc's
 * per-thread blocks (thread descriptors, cached stacks) that a process
 * exiting with a live thread reports as "possibly lost".  The status must
 * still say "exited", within a generous bound. */
START_TEST(test_blocked_forever_exits)
{
    uint64_t t0 = drip_rt_now();
    int status = -1, fds[2];
    char verdict = 1;
    pid_t pid, got;

    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        verdict = blocked_child();
        if (write(fds[1], &verdict, 1) != 1)
            _exit(99);
        exit(0);                                /* exit(), atexit handlers and all */
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &verdict, 1), 1);
    close(fds[0]);
    ck_assert_msg(verdict == 0, "child check %d failed", verdict);
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && drip_rt_now() - t0 < 30 * SEC) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ck_abort_msg("the process did not exit with a task blocked forever");
    }
    ck_assert_int_eq(got, pid);
    ck_assert_msg(WIFEXITED(status), "child died: status %#x", status);
    ck_assert_int_eq(drip_tasks_live(), 0);     /* the child's task was the child's */
}
END_TEST

/* ---- errors ----------------------------------------------------------------- */

START_TEST(test_null_fn)
{
    ck_assert_int_eq(drip_go(NULL, NULL), DRIP_EINVAL);
    ck_assert_int_eq(drip_go_stack(NULL, NULL, 0), DRIP_EINVAL);
    ck_assert_int_eq(drip_tasks_live(), 0);
}
END_TEST

START_TEST(test_stack_too_big)
{
    int rc = drip_go_stack(count_run, NULL, SIZE_MAX / 4);  /* no mmap can give that */

    ck_assert(rc == DRIP_ENOMEM || rc == DRIP_EINVAL);
    ck_assert_int_eq(drip_tasks_live(), 0);
    ck_assert_int_eq(atomic_load(&g_ran), 0);
}
END_TEST

/* ---- oom -------------------------------------------------------------------- */

START_TEST(test_oom_go)
{
    long n;

    if (!oom_active())
        return;
    /* warm up: first-use work (the wait condition, glibc's thread setup) */
    ck_assert_int_eq(drip_go(count_run, NULL), 0);
    ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
    atomic_store(&g_ran, 0);

    for (n = 1; n < 100; n++) {
        int rc;
        bool failed;

        oom_arm(n);
        rc = drip_go(count_run, NULL);
        failed = oom_disarm();
        ck_assert_int_eq(drip_tasks_wait(0, WAIT_LONG), 0);
        if (!failed) {
            ck_assert_int_eq(rc, 0);
            break;
        }
        ck_assert_msg(rc == DRIP_ENOMEM, "allocation %ld failed: rc %d", n, rc);
        ck_assert_int_eq(atomic_load(&g_ran), 0);
        ck_assert_msg(oom_live() == 0, "allocation %ld failed: %ld blocks leaked", n, oom_live());
    }
    ck_assert_int_lt(n, 100);
    ck_assert_int_eq(atomic_load(&g_ran), 1);
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

Suite *suite_task(void)
{
    Suite *s = suite_create("task");
    TCase *tc;

    tc = drip_tcase(s, "core", test_hundred_tasks, test_wait_partial_and_timeout, test_settle,
            test_quiesce, test_mutex_basics, test_stack_sizes, test_blocked_forever_exits, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);

    tc = drip_tcase(s, "errors", test_null_fn, test_stack_too_big, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "oom", test_oom_go, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_task();
}
