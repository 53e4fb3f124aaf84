/* test_pool.c - Check suite for the object pool (src/rt/pool.c).
 *
 * Cases:
 *   core   - get makes when empty, put then get returns the same object
 *            (last in, first out) untouched, max_idle drops and releases,
 *            drip_pool_free releases the idle objects, stats add up;
 *   threads - four threads sharing one pool never hold one object twice;
 *   errors - no make function, a failing make, NULL put and free;
 *   oom    - drip_pool_new with its 1st, 2nd, ... allocation failing until
 *            one runs clean (SQLite-style): NULL with ENOMEM, nothing leaked.
 *
 * Malloc is interposed through tests/oom_malloc.h (see test_slice.c): the
 * live-block checks are off when valgrind bypasses the wrappers.
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

#include <drip/pool.h>

Suite *suite_pool(void);

#define OOM_TRACK_ALL 1     /* oom_live() counts every block */
#include "check_main.h"
#include "oom_malloc.h"

static bool interposed;

#define ck_assert_live(n) do {                                              \
        if (interposed)                                                     \
            ck_assert_int_eq(oom_live(), (n));                              \
    } while (0)

static long baseline;

static void setup(void)
{
    baseline = oom_live();
}

static void teardown(void)
{
    ck_assert_live(baseline);
}

/* ---- objects: 32-byte blocks, with counters for make and release ------------ */

typedef struct counts {
    atomic_int made, released;
    bool       fail;             /* make fails with ENOMEM */
} counts;

static void *make32(void *arg)
{
    counts *c = arg;
    if (c->fail) {
        errno = ENOMEM;
        return NULL;
    }
    atomic_fetch_add(&c->made, 1);
    return calloc(1, 32);
}

static void release32(void *obj, void *arg)
{
    counts *c = arg;
    atomic_fetch_add(&c->released, 1);
    free(obj);
}

static drip_pool *pool_of(counts *c, size_t max_idle)
{
    drip_pool_opts o = {.make = make32, .release = release32, .arg = c, .max_idle = max_idle};
    drip_pool *p = drip_pool_new(&o);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_get_makes_when_empty)
{
    counts c = {0};
    drip_pool *p = pool_of(&c, 4);
    void *a = drip_pool_get(p), *b = drip_pool_get(p);

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(atomic_load(&c.made), 2);
    drip_pool_put(p, a);
    drip_pool_put(p, b);
    drip_pool_free(p);
    ck_assert_int_eq(atomic_load(&c.released), 2);
}
END_TEST

START_TEST(test_reuse_lifo_untouched)
{
    counts c = {0};
    drip_pool *p = pool_of(&c, 4);
    char *a = drip_pool_get(p), *b = drip_pool_get(p);

    memcpy(a, "old contents", 13);     /* the pool does not reset */
    drip_pool_put(p, b);
    drip_pool_put(p, a);
    ck_assert_ptr_eq(drip_pool_get(p), a);   /* last in, first out */
    ck_assert_str_eq(a, "old contents");
    ck_assert_ptr_eq(drip_pool_get(p), b);
    ck_assert_int_eq(atomic_load(&c.made), 2);

    drip_pool_stats st;
    drip_pool_stats_get(p, &st);
    ck_assert_uint_eq(st.gets, 4);
    ck_assert_uint_eq(st.made, 2);
    ck_assert_uint_eq(st.puts, 2);
    ck_assert_uint_eq(st.dropped, 0);
    ck_assert_uint_eq(st.idle, 0);
    drip_pool_put(p, a);
    drip_pool_put(p, b);
    drip_pool_free(p);
}
END_TEST

START_TEST(test_max_idle_drops)
{
    counts c = {0};
    drip_pool *p = pool_of(&c, 2);
    void *o[5];

    for (int i = 0; i < 5; i++)
        o[i] = drip_pool_get(p);
    for (int i = 0; i < 5; i++)
        drip_pool_put(p, o[i]);
    ck_assert_int_eq(atomic_load(&c.released), 3);   /* only 2 are kept */
    drip_pool_stats st;
    drip_pool_stats_get(p, &st);
    ck_assert_uint_eq(st.idle, 2);
    ck_assert_uint_eq(st.dropped, 3);
    ck_assert_ptr_eq(drip_pool_get(p), o[1]);        /* the two put first stayed */
    drip_pool_put(p, o[1]);
    drip_pool_free(p);
    ck_assert_int_eq(atomic_load(&c.released), 5);
}
END_TEST

START_TEST(test_defaults)
{
    drip_pool *p = drip_pool_new(NULL);   /* no make, free(), 64 idle */
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(drip_pool_get(p));
    for (int i = 0; i < 70; i++)
        drip_pool_put(p, malloc(8));
    drip_pool_stats st;
    drip_pool_stats_get(p, &st);
    ck_assert_uint_eq(st.idle, 64);
    ck_assert_uint_eq(st.dropped, 6);
    drip_pool_free(p);                    /* frees the 64 with free() */
}
END_TEST

#define THREADS 4
#define ROUNDS  20000

typedef struct shared {
    drip_pool  *pool;
    atomic_int  bad;              /* an object handed to two holders at once */
} shared;

static void *hammer(void *arg)
{
    shared *s = arg;
    for (int i = 0; i < ROUNDS; i++) {
        atomic_int *o = drip_pool_get(s->pool);
        if (!o || atomic_fetch_add(o, 1) != 0)   /* held by nobody else */
            atomic_fetch_add(&s->bad, 1);
        if (o)
            atomic_fetch_sub(o, 1);
        drip_pool_put(s->pool, o);
    }
    return NULL;
}

START_TEST(test_threads)
{
    counts c = {0};
    shared s = {.pool = pool_of(&c, 8)};
    pthread_t t[THREADS];

    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &s), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&s.bad), 0);
    ck_assert_int_le(atomic_load(&c.made), THREADS);   /* never more than were held at once */
    drip_pool_stats st;
    drip_pool_stats_get(s.pool, &st);
    ck_assert_uint_eq(st.gets, THREADS * ROUNDS);
    ck_assert_uint_eq(st.puts, THREADS * ROUNDS);
    ck_assert_uint_eq(st.idle, (size_t)atomic_load(&c.made));
    drip_pool_free(s.pool);
    ck_assert_int_eq(atomic_load(&c.released), atomic_load(&c.made));
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_make_fails)
{
    counts c = {.fail = true};
    drip_pool *p = pool_of(&c, 2);

    errno = 0;
    ck_assert_ptr_null(drip_pool_get(p));
    ck_assert_int_eq(errno, ENOMEM);
    c.fail = false;
    void *o = drip_pool_get(p);           /* the next get tries again */
    ck_assert_ptr_nonnull(o);
    drip_pool_put(p, o);
    drip_pool_free(p);
}
END_TEST

START_TEST(test_null_is_noop)
{
    counts c = {0};
    drip_pool *p = pool_of(&c, 2);

    drip_pool_put(p, NULL);
    drip_pool_stats st;
    drip_pool_stats_get(p, &st);
    ck_assert_uint_eq(st.puts, 0);
    ck_assert_uint_eq(st.idle, 0);
    drip_pool_free(p);
    drip_pool_free(NULL);
}
END_TEST

/* ---- oom --------------------------------------------------------------------- */

START_TEST(test_oom_new)
{
    long n;

    if (!interposed)
        return;
    for (n = 1;; n++) {
        long before = oom_live();
        oom_arm(n);
        drip_pool *p = drip_pool_new(NULL);
        int err = errno;
        bool fired = oom_disarm();
        if (!fired) {
            ck_assert_ptr_nonnull(p);
            drip_pool_free(p);
            break;
        }
        ck_assert_ptr_null(p);
        ck_assert_int_eq(err, ENOMEM);
        ck_assert_int_eq(oom_live(), before);
        ck_assert_int_lt(n, 10);
    }
    ck_assert_int_eq(n, 3);               /* two allocations: the pool and its slots */
}
END_TEST

Suite *suite_pool(void)
{
    Suite *s = suite_create("pool");
    TCase *tc;

    tc = drip_tcase(s, "core", test_get_makes_when_empty, test_reuse_lifo_untouched,
            test_max_idle_drops, test_defaults, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    /* No live-block fixture: glibc keeps the exited threads' stacks and
     * their blocks for reuse.  The test checks make == release instead. */
    drip_tcase(s, "threads", test_threads, NULL);

    tc = drip_tcase(s, "errors", test_make_fails, test_null_is_noop, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "oom", test_oom_new, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_pool();
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    interposed = oom_probe();
    if (!interposed)
        fputs("test_pool: malloc is not interposed (valgrind?): live-block and oom "
              "checks are off\n", stderr);
    return -1;
}
