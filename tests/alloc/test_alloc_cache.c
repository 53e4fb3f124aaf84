/* test_alloc_cache.c - the counting allocator's per-thread cache of freed
 * blocks (src/alloc/alloc_core.h, "the per-thread cache"): a cached block
 * fits every request of its class, the counters stay exact through it, a
 * second free of a cached block stops the process, and an exiting thread
 * gives its cached blocks back to glibc.
 *
 * Linked with the allocator and run like test_alloc.c: counting off by
 * default (the fixture), on only around what is measured.  Without the
 * counting allocator (DRIP_ALLOC=off, or valgrind without
 * --soname-synonyms=somalloc=nouserintercepts) there is no cache: main
 * says so and passes.
 */
#define _GNU_SOURCE
#include "check_main.h"
#include "alloc.h"
#include "alloc_fixtures.h"

#include <check.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALLOC_DEPTH 7        /* blocks a class of the cache holds (alloc_core.h) */

static void setup(void)
{
    drip_alloc_set_counting(false);
}

static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Bytes glibc counts as in use, over all arenas (0 when unknown, e.g.
 * under a tool's malloc). */
static size_t glibc_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

/* ---- reuse ------------------------------------------------------------------ */

#define RING 600
#define MAX_SIZE 1100        /* past the cache's largest class (1016) */

/* Blocks of random sizes, each filled to its last byte with its own tag,
 * freed and reallocated at random: a cached block handed to a request it
 * cannot hold would overwrite a neighbour (or glibc's chunk header) and
 * the tags or glibc would say so. */
START_TEST(test_reuse_fits)
{
    static unsigned char *ring[RING];
    static size_t size[RING];
    uint64_t rng = 0x2545f4914f6cdd1dULL;
    drip_alloc_set_counting(true);
    for (int round = 0; round < 300; round++) {
        for (int i = 0; i < RING; i++) {
            if (ring[i])
                continue;
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            size[i] = (size_t)(rng % (MAX_SIZE + 1));
            ring[i] = malloc(size[i]);
            if (!ring[i])
                abort();
            memset(ring[i], (unsigned char)i, size[i]);
            if (malloc_usable_size(ring[i]) != size[i])
                abort();
        }
        for (int i = 0; i < RING; i++) {
            for (size_t k = 0; k < size[i]; k++)
                if (ring[i][k] != (unsigned char)i) {
                    drip_alloc_set_counting(false);
                    ck_abort_msg("block %d (%zu bytes) overwritten at %zu", i, size[i], k);
                }
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            if (rng & 1) {
                free(ring[i]);
                ring[i] = NULL;
            }
        }
    }
    for (int i = 0; i < RING; i++) {
        free(ring[i]);
        ring[i] = NULL;
    }
    drip_alloc_set_counting(false);
}
END_TEST

/* The counters through the cache: at every edge of a class, and just past
 * the largest cached size; each size fresh from glibc, then from the
 * cache.  (The first allocation after counting comes on takes the slow
 * way, which never pops the cache: warm up first.) */
START_TEST(test_counts_exact)
{
    static const size_t sizes[] = { 0, 1, 8, 9, 24, 25, 500, 1016, 1017, 4000 };
    static drip_alloc_stats a[3], b[3], c[3];
    static char *p[3];
    drip_alloc_set_counting(true);
    free(malloc(1));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int k = 0; k < 3; k++) {         /* no Check call while counting */
            drip_alloc_read(&a[k]);
            p[k] = malloc(sizes[i]);
            escape(p[k]);
            drip_alloc_read(&b[k]);
            free(p[k]);
            drip_alloc_read(&c[k]);
        }
        drip_alloc_set_counting(false);
        for (int k = 0; k < 3; k++) {
            ck_assert_ptr_nonnull(p[k]);
            ck_assert_int_eq(b[k].live_bytes - a[k].live_bytes, (int64_t)sizes[i]);
            ck_assert_int_eq(b[k].live_objects - a[k].live_objects, 1);
            ck_assert_int_eq(c[k].live_bytes, a[k].live_bytes);
            ck_assert_uint_eq(c[k].allocs - a[k].allocs, 1);
            ck_assert_uint_eq(c[k].frees - a[k].frees, 1);
        }
        drip_alloc_set_counting(true);
    }
    drip_alloc_set_counting(false);
}
END_TEST

/* A counted small block freed by a counting thread stays with the thread
 * (glibc still counts it in use); a block too big for the cache goes back
 * to glibc at once. */
START_TEST(test_free_keeps_small)
{
    if (glibc_in_use() == 0)
        return;                                /* a tool's malloc: nothing to see */
    drip_alloc_set_counting(true);
    void *small = malloc(200), *big = malloc(20000);
    escape(small);
    escape(big);
    size_t before = glibc_in_use();
    free(small);
    size_t after_small = glibc_in_use();
    free(big);
    size_t after_big = glibc_in_use();
    drip_alloc_set_counting(false);
    ck_assert_uint_eq(after_small, before);
    ck_assert_uint_lt(after_big, after_small);
}
END_TEST

/* ---- a thread's exit ---------------------------------------------------------- */

#define PER_CLASS 7
#define CLASSES   60

static void *fill_cache(void *arg)
{
    (void)arg;
    static void *held[CLASSES][PER_CLASS];
    for (int c = 0; c < CLASSES; c++)
        for (int k = 0; k < PER_CLASS; k++)
            held[c][k] = malloc((size_t)c * 16 + 10);
    for (int c = 0; c < CLASSES; c++)
        for (int k = 0; k < PER_CLASS; k++)
            free(held[c][k]);                  /* into this thread's cache */
    return NULL;
}

/* A thread fills its cache (about 200 KiB) and exits: glibc gets it all
 * back, so glibc's bytes in use are where they were. */
START_TEST(test_thread_exit_returns)
{
    if (glibc_in_use() == 0)
        return;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fill_cache, NULL), 0);   /* warm-up: */
    ck_assert_int_eq(pthread_join(t, NULL), 0);                        /* arena, stack */
    size_t before = glibc_in_use();
    ck_assert_int_eq(pthread_create(&t, NULL, fill_cache, NULL), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    size_t after = glibc_in_use();
    ck_assert_msg(after < before + 16 * 1024, "glibc has %zu bytes in use, %zu before",
                  after, before);
}
END_TEST

/* ---- misuse ------------------------------------------------------------------- */

/* A second free of a block waiting in the cache would hand it out twice;
 * glibc cannot see it (the block is allocated as far as it knows), so the
 * allocator says so and stops the process, in every build.  (Under
 * valgrind the child's end is valgrind's: the message is what counts.) */
static void cached_double_free(void)
{
    drip_alloc_set_counting(true);
    void *volatile hold[ALLOC_DEPTH + 1];  /* empty the class (tests before may */
    for (int i = 0; i <= ALLOC_DEPTH; i++) /* have filled it): p's free is cached */
        hold[i] = malloc(40);
    (void)hold;
    char *p = malloc(40);
    char *volatile again = p;              /* the compiler must not see it */
    free(p);
    free(again);
}

START_TEST(test_double_free_aborts)
{
    expect_stopped(cached_double_free, "drip alloc: free(): invalid pointer");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("alloc-cache");
    TCase *tc = drip_tcase(s, "cache", test_reuse_fits, test_counts_exact, test_free_keeps_small,
            test_thread_exit_returns, test_double_free_aborts, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    return s;
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!drip_alloc_active()) {
        fprintf(stderr, "test_alloc_cache: the counting allocator is not active: no cache "
                        "to test\n");
        return EXIT_SUCCESS;
    }
    return -1;
}
