/* test_alloc.c - Check suite for the counting allocator (src/alloc).
 *
 * This executable is linked with alloc.c, so its own malloc is the one under
 * test.  Check allocates too, so every test runs with counting off (the
 * fixture) and turns it on only around the calls it measures: read, operate,
 * read, with no Check call in between (MEASURE).  Frees of counted blocks
 * are subtracted whatever the freeing thread's setting, so MEASURE can wrap
 * a free as well.
 *
 * Run with "--child-off" (and DRIP_ALLOC=off in the environment) the binary
 * checks the pass-through mode instead; the "errors" case starts it so.
 * When the counting allocator is not active at all (DRIP_ALLOC=off, or
 * valgrind run without --soname-synonyms=somalloc=nouserintercepts, which
 * then replaces this binary's malloc), main says so and runs only those
 * pass-through checks.
 */
#define _GNU_SOURCE
#include "check_main.h"
#include "alloc.h"

#include <check.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- helpers --------------------------------------------------------- */

static drip_alloc_stats m_before, m_after;

/* Run stmt with counting on, reading the counters just before and after. */
#define MEASURE(stmt)                                                          \
    do {                                                                       \
        drip_alloc_set_counting(true);                                         \
        drip_alloc_read(&m_before);                                            \
        stmt;                                                                  \
        drip_alloc_read(&m_after);                                             \
        drip_alloc_set_counting(false);                                        \
    } while (0)

/* The counters moved by exactly this much during the last MEASURE. */
#define ck_delta(bytes, objects, nallocs, nfrees)                              \
    do {                                                                       \
        ck_assert_int_eq(m_after.live_bytes - m_before.live_bytes, (bytes));   \
        ck_assert_int_eq(m_after.live_objects - m_before.live_objects,         \
                         (objects));                                           \
        ck_assert_uint_eq(m_after.allocs - m_before.allocs, (nallocs));        \
        ck_assert_uint_eq(m_after.frees - m_before.frees, (nfrees));           \
    } while (0)

#define ck_unchanged() ck_delta(0, 0, 0, 0)

/* Keep the compiler from eliding a malloc/free pair it can see through. */
static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void ck_invariant(void)
{
    drip_alloc_stats s;
    drip_alloc_read(&s);
    ck_assert_int_eq(s.live_objects, (int64_t)(s.allocs - s.frees));
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void setup(void)
{
    drip_alloc_set_counting(false);
}

/* Sizes and alignments the compiler cannot see (so it does not warn about
 * the bad ones we pass on purpose). */
static volatile size_t v_huge = SIZE_MAX - 8;
static volatile size_t v_half = SIZE_MAX / 2;
static volatile size_t v_impossible = (size_t)1 << 46;   /* 64 TiB: glibc says no */
static volatile size_t v_align48 = 48;
static volatile size_t v_align_absurd = SIZE_MAX / 2 + 2;

/* ---- core ------------------------------------------------------------ */

START_TEST(test_active)
{
    ck_assert(drip_alloc_active());
    /* setup turned counting off; the setter returns the previous value */
    ck_assert(!drip_alloc_set_counting(true));
    ck_assert(drip_alloc_set_counting(false));
    ck_invariant();
}
END_TEST

START_TEST(test_malloc_free)
{
    char *p;
    MEASURE(p = malloc(100));
    ck_assert_ptr_nonnull(p);
    ck_delta(100, 1, 1, 0);
    memset(p, 0xab, 100);
    ck_assert_uint_ge(malloc_usable_size(p), 100);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    MEASURE(free(p));
    ck_delta(-100, -1, 0, 1);

    MEASURE(free(NULL));
    ck_unchanged();
    ck_assert_uint_eq(malloc_usable_size(NULL), 0);
    ck_invariant();
}
END_TEST

START_TEST(test_malloc_zero)
{
    void *a, *b;
    MEASURE((a = malloc(0), b = malloc(0)));
    escape(a);
    escape(b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
    ck_delta(0, 2, 2, 0);
    MEASURE((free(a), free(b)));
    ck_delta(0, -2, 0, 2);
}
END_TEST

START_TEST(test_calloc)
{
    unsigned char *p;
    /* dirty the heap first so that zeroing is really tested */
    void *dirty = malloc(7000);
    memset(dirty, 0xff, 7000);
    free(dirty);
    MEASURE(p = calloc(1000, 7));
    ck_assert_ptr_nonnull(p);
    ck_delta(7000, 1, 1, 0);
    ck_assert(all_bytes(p, 7000, 0));
    MEASURE(free(p));
    ck_delta(-7000, -1, 0, 1);
}
END_TEST

START_TEST(test_realloc)
{
    unsigned char *p, *q;
    MEASURE(p = realloc(NULL, 50));             /* NULL: malloc */
    ck_assert_ptr_nonnull(p);
    ck_delta(50, 1, 1, 0);
    memset(p, 0x5a, 50);

    MEASURE(q = realloc(p, 5000));              /* grow: one alloc, one free */
    ck_assert_ptr_nonnull(q);
    ck_delta(4950, 0, 1, 1);
    ck_assert(all_bytes(q, 50, 0x5a));
    ck_assert_uint_ge(malloc_usable_size(q), 5000);
    memset(q, 0x3c, 5000);

    MEASURE(p = realloc(q, 20));                /* shrink */
    ck_assert_ptr_nonnull(p);
    ck_delta(-4980, 0, 1, 1);
    ck_assert(all_bytes(p, 20, 0x3c));

    MEASURE(q = realloc(p, 0));                 /* size 0: free, NULL */
    ck_assert_ptr_null(q);
    ck_delta(-20, -1, 0, 1);
    ck_invariant();
}
END_TEST

START_TEST(test_realloc_counting_changes)
{
    /* uncounted block reallocated by a counting thread: an alloc only */
    char *p = malloc(30), *q;
    escape(p);
    MEASURE(q = realloc(p, 60));
    escape(q);
    ck_delta(60, 1, 1, 0);

    /* counted block reallocated with counting off: a free only */
    drip_alloc_read(&m_before);
    p = realloc(q, 90);
    drip_alloc_read(&m_after);
    ck_assert_ptr_nonnull(p);
    escape(p);
    ck_delta(-60, -1, 0, 1);

    MEASURE(free(p));                           /* now uncounted */
    ck_unchanged();
}
END_TEST

START_TEST(test_reallocarray)
{
    int *p, *q;
    MEASURE(p = reallocarray(NULL, 10, sizeof(int)));
    ck_assert_ptr_nonnull(p);
    ck_delta(10 * (int64_t)sizeof(int), 1, 1, 0);
    for (int i = 0; i < 10; i++)
        p[i] = i;
    MEASURE(q = reallocarray(p, 1000, sizeof(int)));
    ck_assert_ptr_nonnull(q);
    ck_delta(990 * (int64_t)sizeof(int), 0, 1, 1);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(q[i], i);
    MEASURE(free(q));
    ck_delta(-1000 * (int64_t)sizeof(int), -1, 0, 1);
}
END_TEST

START_TEST(test_strdup)
{
    char *s;
    MEASURE(s = strdup("drip drop"));           /* glibc calls our malloc */
    ck_assert_ptr_nonnull(s);
    ck_delta(10, 1, 1, 0);
    ck_assert_str_eq(s, "drip drop");
    MEASURE(free(s));
    ck_delta(-10, -1, 0, 1);
}
END_TEST

START_TEST(test_uncounted)
{
    /* allocated with counting off: invisible, even freed by a counting thread */
    drip_alloc_read(&m_before);
    void *p = malloc(123);
    escape(p);
    drip_alloc_read(&m_after);
    ck_unchanged();
    MEASURE(free(p));
    ck_unchanged();

    /* counted, then freed with counting off: still subtracted */
    MEASURE(p = malloc(77));
    escape(p);
    ck_delta(77, 1, 1, 0);
    drip_alloc_read(&m_before);
    free(p);
    drip_alloc_read(&m_after);
    ck_delta(-77, -1, 0, 1);
    ck_invariant();
}
END_TEST

/* ---- aligned --------------------------------------------------------- */

/* Check one over-aligned allocation: alignment, counting, writability,
 * usable size, and that free subtracts it. */
static void check_aligned(void *p, size_t align, size_t size)
{
    ck_assert_ptr_nonnull(p);
    ck_assert_msg((uintptr_t)p % align == 0, "%p not aligned to %zu", p, align);
    ck_delta((int64_t)size, 1, 1, 0);
    memset(p, 0xee, size);
    ck_assert_uint_ge(malloc_usable_size(p), size);
    MEASURE(free(p));
    ck_delta(-(int64_t)size, -1, 0, 1);
}

START_TEST(test_posix_memalign)
{
    for (size_t align = sizeof(void *); align <= 4096; align *= 2) {
        void *p = NULL;
        int rc;
        MEASURE(rc = posix_memalign(&p, align, 100 + align));
        ck_assert_int_eq(rc, 0);
        check_aligned(p, align, 100 + align);
    }
}
END_TEST

START_TEST(test_aligned_alloc)
{
    for (size_t align = 16; align <= 4096; align *= 2) {
        void *p;
        MEASURE(p = aligned_alloc(align, 3 * align));
        check_aligned(p, align, 3 * align);
    }
}
END_TEST

START_TEST(test_memalign)
{
    void *p;
    for (size_t align = 16; align <= 4096; align *= 2) {
        MEASURE(p = memalign(align, 1000));
        check_aligned(p, align, 1000);
    }
    /* glibc 2.36 rounds a non-power-of-two alignment up */
    MEASURE(p = memalign(v_align48, 10));
    check_aligned(p, 64, 10);
}
END_TEST

START_TEST(test_valloc_pvalloc)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *p;
    MEASURE(p = valloc(100));
    check_aligned(p, page, 100);
    MEASURE(p = pvalloc(100));                  /* counted as one whole page */
    check_aligned(p, page, page);
    MEASURE(p = pvalloc(page + 1));
    check_aligned(p, page, 2 * page);
}
END_TEST

START_TEST(test_realloc_aligned)
{
    unsigned char *p, *q;
    MEASURE(p = aligned_alloc(256, 300));
    ck_delta(300, 1, 1, 0);
    memset(p, 0x77, 300);
    MEASURE(q = realloc(p, 600));               /* copy out of the aligned block */
    ck_assert_ptr_nonnull(q);
    ck_delta(300, 0, 1, 1);
    ck_assert(all_bytes(q, 300, 0x77));
    MEASURE(p = realloc(q, 10));
    ck_delta(-590, 0, 1, 1);
    ck_assert(all_bytes(p, 10, 0x77));
    MEASURE(free(p));
    ck_delta(-10, -1, 0, 1);

    MEASURE(p = memalign(4096, 64));            /* shrink an aligned block */
    memset(p, 0x11, 64);
    MEASURE(q = realloc(p, 8));
    ck_delta(-56, 0, 1, 1);
    ck_assert(all_bytes(q, 8, 0x11));
    MEASURE(free(q));
    ck_delta(-8, -1, 0, 1);
}
END_TEST

/* ---- errors ---------------------------------------------------------- */

START_TEST(test_huge_malloc)
{
    void *p;
    errno = 0;
    MEASURE(p = malloc(v_huge));
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
}
END_TEST

/* glibc itself refuses (no overflow on our side): malloc counts before it
 * calls glibc, and must take the count back. */
START_TEST(test_glibc_refuses)
{
    void *p;
    errno = 0;
    MEASURE(p = malloc(v_impossible));
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
    ck_invariant();
}
END_TEST

START_TEST(test_calloc_overflow)
{
    void *p;
    errno = 0;
    MEASURE(p = calloc(v_half, 3));             /* n * m overflows */
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
    errno = 0;
    MEASURE(p = calloc(v_huge, 1));             /* + header overflows */
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
}
END_TEST

START_TEST(test_realloc_failure)
{
    char *p, *q;
    MEASURE(p = malloc(40));
    memset(p, 0x42, 40);
    errno = 0;
    MEASURE(q = realloc(p, v_huge));
    ck_assert_ptr_null(q);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
    errno = 0;
    MEASURE(q = reallocarray(p, v_half, 3));
    ck_assert_ptr_null(q);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
    ck_assert(all_bytes((unsigned char *)p, 40, 0x42));   /* p untouched */
    MEASURE(free(p));
    ck_delta(-40, -1, 0, 1);
}
END_TEST

START_TEST(test_aligned_errors)
{
    void *p = (void *)&p, *q;
    const size_t bad[] = { 0, 1, 4, 24, 48, sizeof(void *) + 1 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;
        MEASURE(rc = posix_memalign(&p, bad[i], 10));
        ck_assert_int_eq(rc, EINVAL);
        ck_assert_ptr_eq(p, (void *)&p);        /* *memptr untouched */
        ck_unchanged();
    }
    errno = EDOM;
    int rc;
    MEASURE(rc = posix_memalign(&p, 64, v_huge));
    ck_assert_int_eq(rc, ENOMEM);
    ck_assert_int_eq(errno, EDOM);              /* errno untouched */
    ck_assert_ptr_eq(p, (void *)&p);
    ck_unchanged();

    const size_t bad_aa[] = { 0, 24, 100 };
    for (size_t i = 0; i < sizeof(bad_aa) / sizeof(bad_aa[0]); i++) {
        errno = 0;
        MEASURE(q = aligned_alloc(bad_aa[i], 10));
        ck_assert_ptr_null(q);
        ck_assert_int_eq(errno, EINVAL);
        ck_unchanged();
    }
    errno = 0;
    MEASURE(q = memalign(v_align_absurd, 10));
    ck_assert_ptr_null(q);
    ck_assert_int_eq(errno, EINVAL);
    ck_unchanged();
    errno = 0;
    MEASURE(q = memalign(64, v_huge));
    ck_assert_ptr_null(q);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
    errno = 0;
    MEASURE(q = pvalloc(v_huge));
    ck_assert_ptr_null(q);
    ck_assert_int_eq(errno, ENOMEM);
    ck_unchanged();
}
END_TEST

/* Start this binary again with one argument (and DRIP_ALLOC=off if asked),
 * its stderr to /dev/null when quiet; return its wait status. */
static int run_self(const char *arg, bool alloc_off, bool quiet)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';

    size_t count = 0;
    while (environ[count])
        count++;
    char **env = calloc(count + 2, sizeof(char *));
    ck_assert_ptr_nonnull(env);
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
        if (strncmp(environ[i], "DRIP_ALLOC=", 11) != 0)
            env[k++] = environ[i];
    if (alloc_off)
        env[k++] = "DRIP_ALLOC=off";
    env[k] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = { self, (char *)arg, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, self, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    ck_assert_int_eq(rc, 0);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* DRIP_ALLOC=off: the child checks pass-through behaviour. */
START_TEST(test_passthrough_child)
{
    int status = run_self("--child-off", true, false);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* Freeing a pointer that did not come from malloc aborts (the header check
 * in debug builds, glibc's own check otherwise) instead of corrupting. */
START_TEST(test_bad_free_aborts)
{
    int status = run_self("--child-bad-free", false, true);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGABRT);
}
END_TEST

static int child_bad_free(void)
{
    char *p = calloc(1, 256);
    char *volatile inside = p + 64;             /* zeroed "header": not ours */
    free(inside);
    return EXIT_SUCCESS;                        /* not reached */
}

#define PT_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "test_alloc (pass-through): %s:%d: %s\n",          \
                    __FILE__, __LINE__, #cond);                                \
            return EXIT_FAILURE;                                               \
        }                                                                      \
    } while (0)

/* Pass-through mode: the child of test_passthrough_child (DRIP_ALLOC=off,
 * strict: glibc underneath), or this whole binary when the counting
 * allocator is not active (under valgrind, whose allocator may answer
 * differently at the edges).  Everything works, nothing is counted. */
static int passthrough_checks(bool strict)
{
    PT_CHECK(!drip_alloc_active());
    char *a = malloc(100);
    char *b = calloc(10, 10);
    char *c = strdup("pass-through");
    void *d = NULL;
    PT_CHECK(a && b && c);
    PT_CHECK(malloc_usable_size(a) >= 100);
    PT_CHECK(all_bytes((unsigned char *)b, 100, 0));
    a = realloc(a, 10000);
    PT_CHECK(a && malloc_usable_size(a) >= 10000);
    PT_CHECK(posix_memalign(&d, 256, 10) == 0 && (uintptr_t)d % 256 == 0);
    void *e = aligned_alloc(64, 64), *f = memalign(512, 3), *g = valloc(5);
    void *h = pvalloc(5), *i = reallocarray(NULL, 3, 5);
    PT_CHECK(e && f && g && h && i);
    PT_CHECK((uintptr_t)e % 64 == 0 && (uintptr_t)f % 512 == 0);
    i = reallocarray(i, 100, 5);
    PT_CHECK(i && malloc_usable_size(i) >= 500);
    void *z = realloc(b, 0);                    /* glibc: frees, returns NULL */
    if (strict) {
        PT_CHECK(z == NULL);
        errno = 0;
        void *huge = malloc(v_huge);
        escape(huge);                           /* or clang assumes success */
        PT_CHECK(huge == NULL && errno == ENOMEM);
    }
    free(z);
    void *all[] = { a, c, d, e, f, g, h, i };
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
        free(all[k]);

    drip_alloc_stats s;
    drip_alloc_read(&s);
    PT_CHECK(s.live_bytes == 0 && s.live_objects == 0);
    PT_CHECK(s.allocs == 0 && s.frees == 0);
    return EXIT_SUCCESS;
}

/* ---- threads --------------------------------------------------------- */

#define MIX_THREADS 8
#define MIX_ALLOCS  10000

struct mix_arg {
    int   id;
    void *kept[MIX_ALLOCS];   /* blocks left alive for the main thread */
    size_t nkept;
};

static size_t mix_size(int id, int i)
{
    return 1 + ((size_t)i * 7 + (size_t)id * 13) % 2000;
}

/* Allocate MIX_ALLOCS blocks; free two thirds at once, keep the rest. */
static void *mix_thread(void *arg)
{
    struct mix_arg *m = arg;
    void *prev = NULL;
    for (int i = 0; i < MIX_ALLOCS; i++) {
        void *p = malloc(mix_size(m->id, i));
        if (!p)
            abort();
        memset(p, i, 1);
        if (i % 3 == 0) {
            m->kept[m->nkept++] = p;
        } else if (i % 3 == 1) {
            prev = p;                            /* freed on the next round */
        } else {
            free(prev);
            free(p);
        }
    }
    return NULL;
}

/* The fail hook: asked with the size for counted allocations only, a yes
 * fails the call like glibc (NULL, ENOMEM; realloc keeps the block), and
 * threads that do not count are never asked. */
static _Atomic int hook_calls;
static pthread_t hook_thread;          /* count this thread's asks only (Check may
                                        * run a timer thread of its own) */

static bool fail_777(size_t size)
{
    if (pthread_equal(pthread_self(), hook_thread))
        atomic_fetch_add(&hook_calls, 1);
    return size == 777;
}

START_TEST(test_fail_hook)
{
    drip_alloc_set_counting(true);       /* the fixture turned it off */
    hook_thread = pthread_self();
    drip_alloc_fail_hook prev = drip_alloc_set_fail_hook(fail_777);   /* no Check call */
    errno = 0;                                                          /* until removed */
    void *p = malloc(777);
    int e = errno;
    void *q = malloc(778);
    void *r = calloc(1, 777);
    void *big = realloc(q, 777);         /* fails: q stays valid */
    void *al = NULL;
    int pm = posix_memalign(&al, 64, 777);
    drip_alloc_set_counting(false);
    void *u = malloc(777);               /* not counted: never asked, never fails */
    drip_alloc_set_counting(true);
    drip_alloc_fail_hook removed = drip_alloc_set_fail_hook(NULL);
    void *after = malloc(777);           /* hook removed */

    ck_assert_ptr_null(prev);
    ck_assert_ptr_eq(removed, fail_777);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(e, ENOMEM);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_null(r);
    ck_assert_ptr_null(big);
    ck_assert_int_eq(pm, ENOMEM);
    ck_assert_ptr_nonnull(u);
    ck_assert_ptr_nonnull(after);
    ck_assert_int_eq(atomic_load(&hook_calls), 5);   /* p, q, r, big, al; not u, after */
    free(q);
    free(u);
    free(after);
    drip_alloc_set_counting(false);
}
END_TEST

START_TEST(test_threads_mixed)
{
    static struct mix_arg args[MIX_THREADS];
    pthread_t tid[MIX_THREADS];
    int64_t want_bytes = 0, want_objects = 0;
    for (int t = 0; t < MIX_THREADS; t++)
        for (int i = 0; i < MIX_ALLOCS; i += 3) {
            want_bytes += (int64_t)mix_size(t, i);
            want_objects++;
        }
    uint64_t want_frees = MIX_THREADS * (uint64_t)(MIX_ALLOCS - want_objects / MIX_THREADS);

    drip_alloc_read(&m_before);
    for (int t = 0; t < MIX_THREADS; t++) {   /* main counts off: only threads count */
        args[t].id = t;
        args[t].nkept = 0;
        ck_assert_int_eq(pthread_create(&tid[t], NULL, mix_thread, &args[t]), 0);
    }
    for (int t = 0; t < MIX_THREADS; t++)
        ck_assert_int_eq(pthread_join(tid[t], NULL), 0);
    drip_alloc_read(&m_after);
    ck_delta(want_bytes, want_objects, (uint64_t)MIX_THREADS * MIX_ALLOCS, want_frees);

    /* counted blocks freed by a non-counting thread are subtracted */
    drip_alloc_read(&m_before);
    for (int t = 0; t < MIX_THREADS; t++)
        for (size_t k = 0; k < args[t].nkept; k++)
            free(args[t].kept[k]);
    drip_alloc_read(&m_after);
    ck_delta(-want_bytes, -want_objects, 0, (uint64_t)want_objects);
    ck_invariant();
}
END_TEST

#define SHORT_THREADS 2000
#define SHORT_BATCH   16

static void *leak_thread(void *arg)
{
    void **slot = arg;
    *slot = malloc(100);                        /* outlives the thread */
    return NULL;
}

START_TEST(test_threads_short_lived)
{
    static void *leaked[SHORT_THREADS];
    pthread_t tid[SHORT_BATCH];
    drip_alloc_read(&m_before);
    for (int i = 0; i < SHORT_THREADS; i += SHORT_BATCH) {
        for (int j = 0; j < SHORT_BATCH; j++)
            ck_assert_int_eq(pthread_create(&tid[j], NULL, leak_thread, &leaked[i + j]), 0);
        for (int j = 0; j < SHORT_BATCH; j++)
            ck_assert_int_eq(pthread_join(tid[j], NULL), 0);
    }
    drip_alloc_read(&m_after);
    ck_delta(100 * SHORT_THREADS, SHORT_THREADS, SHORT_THREADS, 0);

    drip_alloc_read(&m_before);
    for (int i = 0; i < SHORT_THREADS; i++) {
        ck_assert_ptr_nonnull(leaked[i]);
        free(leaked[i]);
    }
    drip_alloc_read(&m_after);
    ck_delta(-100 * SHORT_THREADS, -SHORT_THREADS, 0, SHORT_THREADS);
}
END_TEST

struct cross_arg {
    void *in;        /* freed by the thread */
    void *out;       /* allocated by the thread */
    bool  was_on;    /* the thread's counting setting at start */
};

static void *cross_thread(void *arg)
{
    struct cross_arg *c = arg;
    c->was_on = drip_alloc_set_counting(true);
    drip_alloc_set_counting(c->was_on);
    free(c->in);
    c->out = malloc(321);
    return NULL;
}

START_TEST(test_threads_cross)
{
    /* main (counting off) allocates; a new thread (counting on by default)
     * frees it and allocates another block that main frees */
    struct cross_arg c = { .in = malloc(55) };
    escape(c.in);
    pthread_t tid;
    drip_alloc_read(&m_before);
    ck_assert_int_eq(pthread_create(&tid, NULL, cross_thread, &c), 0);
    ck_assert_int_eq(pthread_join(tid, NULL), 0);
    drip_alloc_read(&m_after);
    ck_assert(c.was_on);                        /* new threads count */
    ck_delta(321, 1, 1, 0);                     /* the uncounted free is invisible */
    drip_alloc_read(&m_before);
    free(c.out);
    drip_alloc_read(&m_after);
    ck_delta(-321, -1, 0, 1);
}
END_TEST

/* ---- suite ----------------------------------------------------------- */

Suite *suite_alloc(void);

Suite *suite_alloc(void)
{
    Suite *s = suite_create("alloc");

    TCase *tc = drip_tcase(s, "core", test_active, test_malloc_free, test_malloc_zero, test_calloc,
            test_realloc, test_realloc_counting_changes, test_reallocarray, test_strdup,
            test_uncounted, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);

    tc = drip_tcase(s, "aligned", test_posix_memalign, test_aligned_alloc, test_memalign,
            test_valloc_pvalloc, test_realloc_aligned, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);

    tc = drip_tcase(s, "threads", test_threads_mixed, test_threads_short_lived, test_threads_cross,
            NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);

    tc = drip_tcase(s, "errors", test_huge_malloc, test_glibc_refuses, test_calloc_overflow,
            test_realloc_failure, test_aligned_errors, test_passthrough_child, test_bad_free_aborts,
            test_fail_hook, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 30);

    return s;
}

Suite *drip_test_suite(void)
{
    return suite_alloc();
}

int drip_test_before(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--child-off") == 0)
        return passthrough_checks(true);
    if (argc > 1 && strcmp(argv[1], "--child-bad-free") == 0)
        return child_bad_free();
    if (!drip_alloc_active()) {
        fprintf(stderr,
                "test_alloc: the counting allocator is not active (DRIP_ALLOC=off, or\n"
                "  valgrind replaced malloc: give valgrind\n"
                "  --soname-synonyms=somalloc=nouserintercepts to count on top of it);\n"
                "  checking pass-through behaviour only\n");
        int rc = passthrough_checks(false);
        fprintf(stderr, "test_alloc: pass-through checks %s\n",
                rc == EXIT_SUCCESS ? "passed" : "FAILED");
        return rc;
    }
    return -1;
}
