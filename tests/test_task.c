/* test_task.c - Check suite for tasks (src/rt/task.c).
 *
 * Cases:
 *   core   - 100 tasks move the gauge to 100 and back to 0; a task blocked
 *            forever on a channel keeps the gauge at 1 and the process can
 *            still exit (in a forked child); stack sizes; drip_tasks_wait's
 *            timeout;
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

#include "drip/chan.h"
#include "drip/rt.h"
#include "drip/task.h"

Suite *suite_task(void);

#define MS          1000000ull
#define SEC         1000000000ull
#define WAIT_LONG   (10 * SEC)     /* generous: only slow machines get near it */

/* ---- allocation failure injection ------------------------------------------
 *
 * This file defines malloc, calloc, realloc and free itself, forwarding to
 * glibc's __libc_* entry points: the executable's definitions take the place
 * of libc's for the whole process, the runtime's calls included.  A thread
 * that arms the injector has its allocations counted in a small table of
 * live blocks (frees of those blocks from any thread take them out), and its
 * Nth allocation fails.  Nothing else changes behaviour.
 *
 * The definitions are weak: linked with Drip's counting allocator (which
 * defines the malloc family too) those win and ours never run; the same
 * happens under valgrind run with --soname-synonyms=somalloc=NONE (by
 * default valgrind replaces libc's functions underneath ours, and ours stay
 * in charge).  oom_active() probes which is the case, and the "oom" tests
 * say so on stderr and pass vacuously when the injector is not in charge.
 * Under ASan and TSan it is compiled out: their runtimes must own every
 * block.  While armed, call nothing that allocates besides the code under
 * test: ck_assert allocates to record a passing check. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OOM_INJECT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OOM_INJECT 0
#endif
#endif
#ifndef OOM_INJECT
#define OOM_INJECT 1
#endif

#define OOM_TABLE 4096

static __thread bool t_armed;       /* this thread's allocations are watched */
static __thread long t_countdown;   /* > 0: the allocation that brings it to 0 fails */
static __thread bool t_failed;      /* an injected failure happened */
static _Atomic long    g_oom_live;  /* watched blocks not yet freed */
static bool            g_oom_overflow;

#if OOM_INJECT
static atomic_flag     g_oom_lock = ATOMIC_FLAG_INIT;
static void           *g_oom_table[OOM_TABLE];

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void  __libc_free(void *p);

static void oom_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&g_oom_lock, memory_order_acquire))
        ;
}

static void oom_unlock(void)
{
    atomic_flag_clear_explicit(&g_oom_lock, memory_order_release);
}

static void oom_track(void *p)
{
    long n;

    oom_lock();
    n = atomic_load_explicit(&g_oom_live, memory_order_relaxed);
    if (n < OOM_TABLE) {
        g_oom_table[n] = p;
        atomic_store_explicit(&g_oom_live, n + 1, memory_order_relaxed);
    } else {
        g_oom_overflow = true;
    }
    oom_unlock();
}

/* true when p was watched (it no longer is). */
static bool oom_untrack(void *p)
{
    bool found = false;
    long n;

    if (!p || atomic_load_explicit(&g_oom_live, memory_order_relaxed) == 0)
        return false;
    oom_lock();
    n = atomic_load_explicit(&g_oom_live, memory_order_relaxed);
    for (long i = 0; i < n; i++) {
        if (g_oom_table[i] == p) {
            g_oom_table[i] = g_oom_table[n - 1];
            atomic_store_explicit(&g_oom_live, n - 1, memory_order_relaxed);
            found = true;
            break;
        }
    }
    oom_unlock();
    return found;
}

/* true when this allocation must fail. */
static bool oom_fail_now(void)
{
    if (!t_armed || t_countdown <= 0 || --t_countdown > 0)
        return false;
    t_failed = true;
    return true;
}

static void *oom_malloc(size_t size)
{
    void *p;

    if (oom_fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    p = __libc_malloc(size);
    if (p && t_armed)
        oom_track(p);
    return p;
}

static void *oom_calloc(size_t n, size_t size)
{
    void *p;

    if (oom_fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    p = __libc_calloc(n, size);
    if (p && t_armed)
        oom_track(p);
    return p;
}

static void *oom_realloc(void *p, size_t size)
{
    void *q;

    if (oom_fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    q = __libc_realloc(p, size);
    if (!q) {
        if (p && size == 0)                     /* glibc freed it */
            oom_untrack(p);
        return NULL;
    }
    if ((p && oom_untrack(p)) || t_armed)       /* a watched block stays watched */
        oom_track(q);
    return q;
}

static void oom_free(void *p)
{
    oom_untrack(p);
    __libc_free(p);
}

void *malloc(size_t size) __attribute__((weak, alias("oom_malloc")));
void *calloc(size_t n, size_t size) __attribute__((weak, alias("oom_calloc")));
void *realloc(void *p, size_t size) __attribute__((weak, alias("oom_realloc")));
void  free(void *p) __attribute__((weak, alias("oom_free")));
#endif /* OOM_INJECT */

/* Watch this thread's allocations from now on; the nth fails (0: none). */
static void oom_arm(long nth)
{
    t_failed = false;
    t_countdown = nth;
    t_armed = true;
}

/* Stop watching; true when an injected failure happened since oom_arm. */
static bool oom_disarm(void)
{
    t_armed = false;
    t_countdown = 0;
    return t_failed;
}

/* Watched blocks still live. */
static long oom_live(void)
{
    ck_assert(!g_oom_overflow);
    return atomic_load_explicit(&g_oom_live, memory_order_relaxed);
}

/* true when this file's malloc really runs (see above). */
static bool oom_active(void)
{
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    static int said;                            /* say it once */
    long before = oom_live();
    bool active;
    void *p;

    oom_arm(0);
    p = alloc(16);
    active = oom_live() == before + 1;
    oom_disarm();
    release(p);
    if (!active && !said++)
        fprintf(stderr, "%s: the allocation failure injector is not in charge of malloc "
                "(counting allocator, valgrind or a sanitizer): skipping\n", __FILE__);
    return active;
}

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

    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hundred_tasks);
    tcase_add_test(tc, test_wait_partial_and_timeout);
    tcase_add_test(tc, test_stack_sizes);
    tcase_add_test(tc, test_blocked_forever_exits);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_null_fn);
    tcase_add_test(tc, test_stack_too_big);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_oom_go);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite_task());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
