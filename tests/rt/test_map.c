/* test_map.c - Check suite for the runtime's hash map (src/rt/map.c).
 *
 * Built as ONE translation unit: this file includes src/rt/map.c after
 * pointing its MAP_MALLOC / MAP_FREE at a counting allocator that can fail
 * the Nth call, so do not link map.c (or libdrip_rt) into this test.  The
 * "oom" case uses that to fail the 1st, 2nd, 3rd... allocation of a put
 * sequence until one runs clean (SQLite-style), checking each time that the
 * map is unchanged, still usable, and that nothing leaks.  Being the same
 * translation unit also lets the tests check the map's internals.
 *
 * Values are pointers into tracker[]: each tracker byte counts how often
 * free_value released that value, so "released exactly once" is checkable
 * without allocating.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the counting allocator --------------------------------------------- */

static int    fail_countdown;   /* > 0: the call that brings it to 0 fails */
static long   live_blocks;      /* MAP_MALLOC'd blocks not yet MAP_FREE'd */
static long   alloc_calls;
static size_t failed_size;      /* size asked for by the injected failure */

static void *test_malloc(size_t size)
{
    void *p;

    alloc_calls++;
    if (fail_countdown > 0 && --fail_countdown == 0) {
        failed_size = size;
        return NULL;
    }
    p = malloc(size);
    if (p)
        live_blocks++;
    return p;
}

static void test_free(void *p)
{
    if (p)
        live_blocks--;
    free(p);
}

#define MAP_MALLOC(size) test_malloc(size)
#define MAP_FREE(ptr) test_free(ptr)

#include "check_main.h"
#include "../../src/rt/map.c"

Suite *suite_map(void);

/* For loops and helpers: ck_assert records its location on every *passing*
 * check (a write per call in fork mode), which makes a million checks slow;
 * expect() only reports failures. */
#define expect(cond) do {                                                   \
        if (!(cond))                                                        \
            ck_abort_msg("expectation failed: %s", #cond);                  \
    } while (0)
#define expect_eq(a, b) expect((a) == (b))
#define expect_le(a, b) expect((a) <= (b))
#define expect_lt(a, b) expect((a) < (b))

/* ---- values and clock ------------------------------------------------------ */

#define NVALUES (1u << 17)
static unsigned char tracker[NVALUES];  /* tracker[i]: releases of value i */
static uint64_t      fake_now;

static void *val(size_t i)
{
    expect_lt(i, NVALUES);
    return &tracker[i];
}

static unsigned freed(size_t i)
{
    return tracker[i];
}

static void track_free(void *v)
{
    unsigned char *t = v;

    expect(v != NULL);
    expect(t >= tracker && t < tracker + NVALUES);
    (*t)++;
}

static uint64_t fake_clock(void *arg)
{
    return *(const uint64_t *)arg;
}

static drip_map_opts opts_of(size_t capacity, uint64_t ttl)
{
    drip_map_opts o = {
        .capacity = capacity, .ttl = ttl,
        .clock = fake_clock, .clock_arg = &fake_now,
        .free_value = track_free,
    };
    return o;
}

static void setup(void)
{
    memset(tracker, 0, sizeof tracker);
    fake_now = 0;
    fail_countdown = 0;
    live_blocks = 0;
    alloc_calls = 0;
}

static void teardown(void)
{
    ck_assert_int_eq(live_blocks, 0);
}

/* Internal consistency: the MRU list and the hash table hold the same
 * entries, links agree both ways, and touch times never rise towards the LRU
 * end (the fake clock only moves forward in these tests). */
static void check_consistent(const drip_map *m)
{
    const map_entry *e, *prev = NULL;
    size_t n = 0;

    for (e = m->mru; e; prev = e, e = e->older) {
        expect_eq(e->newer, prev);
        expect_eq(map_find(m, e->key), e);
        if (prev)
            expect_le(e->touched, prev->touched);
        n++;
    }
    expect_eq(m->lru, prev);
    expect_eq(n, drip_map_len(m));
}

/* Keys from MRU to LRU, into out[] (at most max); returns the count. */
static size_t order(const drip_map *m, uint64_t *out, size_t max)
{
    size_t n = 0;

    for (const map_entry *e = m->mru; e && n < max; e = e->older)
        out[n++] = e->key;
    return n;
}

#define ck_assert_order(m, ...) do {                                        \
        const uint64_t want_[] = { __VA_ARGS__ };                           \
        uint64_t got_[64];                                                  \
        size_t n_ = order((m), got_, 64);                                   \
        ck_assert_uint_eq(n_, sizeof want_ / sizeof want_[0]);              \
        for (size_t i_ = 0; i_ < n_; i_++)                                  \
            ck_assert_uint_eq(got_[i_], want_[i_]);                         \
    } while (0)

static void put_ok(drip_map *m, uint64_t key, void *value)
{
    expect_eq(drip_map_put(m, key, value), 0);
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_put_get_replace)
{
    drip_map_opts o = opts_of(0, 0);
    drip_map *m = drip_map_new(&o);

    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_null(drip_map_get(m, 1));
    put_ok(m, 1, val(1));
    put_ok(m, 2, val(2));
    ck_assert_ptr_eq(drip_map_get(m, 1), val(1));
    ck_assert_ptr_eq(drip_map_get(m, 2), val(2));
    ck_assert_ptr_null(drip_map_get(m, 3));

    put_ok(m, 1, val(11));              /* replace: old value released once */
    ck_assert_uint_eq(freed(1), 1);
    ck_assert_uint_eq(freed(11), 0);
    ck_assert_ptr_eq(drip_map_get(m, 1), val(11));
    ck_assert_uint_eq(drip_map_len(m), 2);

    put_ok(m, 1, val(11));              /* same pointer again: not released */
    ck_assert_uint_eq(freed(11), 0);
    ck_assert_ptr_eq(drip_map_get(m, 1), val(11));
    check_consistent(m);

    drip_map_free(m);                   /* releases what it still owns */
    ck_assert_uint_eq(freed(1), 1);
    ck_assert_uint_eq(freed(11), 1);
    ck_assert_uint_eq(freed(2), 1);
}
END_TEST

START_TEST(test_delete)
{
    drip_map_opts o = opts_of(0, 0);
    drip_map *m = drip_map_new(&o);

    ck_assert(!drip_map_delete(m, 5));  /* on an empty map (no table yet) */
    put_ok(m, 5, val(5));
    put_ok(m, 6, val(6));
    ck_assert(drip_map_delete(m, 5));
    ck_assert_uint_eq(freed(5), 1);
    ck_assert(!drip_map_delete(m, 5));
    ck_assert_uint_eq(freed(5), 1);
    ck_assert_ptr_null(drip_map_get(m, 5));
    ck_assert_uint_eq(drip_map_len(m), 1);

    ck_assert(drip_map_delete(m, 6));   /* the last one: uthash frees its table */
    ck_assert_uint_eq(drip_map_len(m), 0);
    ck_assert_int_eq(live_blocks, 1);   /* just the map */
    check_consistent(m);

    put_ok(m, 7, val(7));               /* and makes it again */
    ck_assert_ptr_eq(drip_map_get(m, 7), val(7));
    check_consistent(m);
    drip_map_free(m);
    ck_assert_uint_eq(freed(6), 1);
    ck_assert_uint_eq(freed(7), 1);
}
END_TEST

START_TEST(test_len_stats)
{
    drip_map_opts o = opts_of(0, 0);
    drip_map *m = drip_map_new(&o);
    drip_map_stats st;

    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 0);
    ck_assert_uint_eq(st.evicted, 0);
    ck_assert_uint_eq(st.expired, 0);
    for (size_t i = 0; i < 10; i++)
        put_ok(m, i, val(i));
    put_ok(m, 3, val(33));
    drip_map_delete(m, 4);
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 9);
    ck_assert_uint_eq(drip_map_len(m), 9);
    ck_assert_uint_eq(st.evicted, 0);
    ck_assert_uint_eq(st.expired, 0);
    ck_assert_uint_eq(drip_map_expire(m), 0);   /* no TTL: nothing to do */
    drip_map_free(m);
}
END_TEST

START_TEST(test_many_keys)
{
    enum { N = 100000 };
    drip_map_opts o = opts_of(0, 0);
    drip_map *m = drip_map_new(&o);

    for (size_t i = 0; i < N; i++)
        put_ok(m, (uint64_t)i * 0x9E3779B97F4A7C15u, val(i));
    expect_eq(drip_map_len(m), N);
    for (size_t i = 0; i < N; i++)
        expect_eq(drip_map_get(m, (uint64_t)i * 0x9E3779B97F4A7C15u), val(i));
    for (size_t i = 0; i < N; i += 2)
        expect(drip_map_delete(m, (uint64_t)i * 0x9E3779B97F4A7C15u));
    expect_eq(drip_map_len(m), N / 2);
    for (size_t i = 0; i < N; i++)
        expect_eq(drip_map_get(m, (uint64_t)i * 0x9E3779B97F4A7C15u),
                         i % 2 ? val(i) : NULL);
    check_consistent(m);
    drip_map_free(m);
    for (size_t i = 0; i < N; i++)
        expect_eq(freed(i), 1);
}
END_TEST

START_TEST(test_extreme_keys)
{
    drip_map_opts o = opts_of(0, 0);
    drip_map *m = drip_map_new(&o);

    put_ok(m, 0, val(1));
    put_ok(m, UINT64_MAX, val(2));
    put_ok(m, UINT64_MAX - 1, val(3));
    ck_assert_ptr_eq(drip_map_get(m, 0), val(1));
    ck_assert_ptr_eq(drip_map_get(m, UINT64_MAX), val(2));
    ck_assert_ptr_eq(drip_map_get(m, UINT64_MAX - 1), val(3));
    ck_assert(drip_map_delete(m, 0));
    ck_assert_ptr_null(drip_map_get(m, 0));
    ck_assert_ptr_eq(drip_map_get(m, UINT64_MAX), val(2));
    ck_assert(drip_map_delete(m, UINT64_MAX));
    ck_assert_uint_eq(drip_map_len(m), 1);
    drip_map_free(m);
    ck_assert_uint_eq(freed(1) + freed(2) + freed(3), 3);
}
END_TEST

START_TEST(test_null_values)
{
    drip_map_opts o = opts_of(2, 0);
    drip_map *m = drip_map_new(&o);    /* track_free asserts it never sees NULL */

    put_ok(m, 1, NULL);
    ck_assert_uint_eq(drip_map_len(m), 1);
    ck_assert_ptr_null(drip_map_get(m, 1));
    put_ok(m, 1, val(1));               /* replacing NULL releases nothing */
    put_ok(m, 1, NULL);                 /* replacing with NULL releases val(1) */
    ck_assert_uint_eq(freed(1), 1);
    put_ok(m, 2, NULL);
    put_ok(m, 3, NULL);                 /* evicts key 1 and its NULL */
    ck_assert_uint_eq(drip_map_len(m), 2);
    ck_assert(drip_map_delete(m, 2));   /* present, though its value is NULL */
    drip_map_free(m);
}
END_TEST

START_TEST(test_free_null_and_default_opts)
{
    drip_map *m;

    drip_map_free(NULL);
    m = drip_map_new(NULL);             /* unbounded, no TTL, values not freed */
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < 1000; i++)
        put_ok(m, i, val(i));
    put_ok(m, 0, val(5000));
    ck_assert_uint_eq(drip_map_len(m), 1000);
    ck_assert_ptr_eq(drip_map_get(m, 0), val(5000));
    ck_assert(drip_map_delete(m, 1));
    drip_map_free(m);
    for (size_t i = 0; i < 1000; i++)
        ck_assert_uint_eq(freed(i), 0);
}
END_TEST

START_TEST(test_real_clock)
{
    drip_map_opts o = { .ttl = UINT64_MAX / 2 };     /* clock NULL: monotonic ns */
    drip_map *m = drip_map_new(&o);

    put_ok(m, 1, val(1));
    ck_assert_ptr_eq(drip_map_get(m, 1), val(1));
    ck_assert_uint_eq(drip_map_expire(m), 0);
    drip_map_free(m);
}
END_TEST

/* ---- lru ------------------------------------------------------------------- */

START_TEST(test_lru_get_refreshes)
{
    drip_map_opts o = opts_of(3, 0);
    drip_map *m = drip_map_new(&o);
    drip_map_stats st;

    put_ok(m, 1, val(1));
    put_ok(m, 2, val(2));
    put_ok(m, 3, val(3));
    ck_assert_order(m, 3, 2, 1);
    ck_assert_ptr_eq(drip_map_get(m, 1), val(1));
    ck_assert_order(m, 1, 3, 2);
    ck_assert_ptr_null(drip_map_get(m, 9));          /* a miss moves nothing */
    ck_assert_order(m, 1, 3, 2);
    put_ok(m, 4, val(4));                             /* victim: 2 */
    ck_assert_order(m, 4, 1, 3);
    ck_assert_ptr_null(drip_map_get(m, 2));
    ck_assert_uint_eq(freed(2), 1);
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 3);
    ck_assert_uint_eq(st.evicted, 1);
    ck_assert_uint_eq(st.expired, 0);
    check_consistent(m);
    drip_map_free(m);
}
END_TEST

START_TEST(test_lru_access_order)
{
    drip_map_opts o = opts_of(3, 0);
    drip_map *m = drip_map_new(&o);

    put_ok(m, 1, val(1));
    put_ok(m, 2, val(2));
    put_ok(m, 3, val(3));
    drip_map_get(m, 1);
    drip_map_get(m, 2);
    put_ok(m, 4, val(4));                             /* victim: 3 */
    ck_assert_ptr_null(drip_map_get(m, 3));
    ck_assert_uint_eq(freed(3), 1);
    ck_assert_ptr_eq(drip_map_get(m, 1), val(1));     /* order now 1 4 2 */
    put_ok(m, 5, val(5));                             /* victim: 2 */
    ck_assert_ptr_null(drip_map_get(m, 2));
    ck_assert_order(m, 5, 1, 4);
    drip_map_free(m);
}
END_TEST

START_TEST(test_lru_replace_refreshes)
{
    drip_map_opts o = opts_of(3, 0);
    drip_map *m = drip_map_new(&o);

    put_ok(m, 1, val(1));
    put_ok(m, 2, val(2));
    put_ok(m, 3, val(3));
    put_ok(m, 1, val(11));                            /* refresh, no eviction */
    ck_assert_uint_eq(freed(1), 1);
    ck_assert_uint_eq(m->evicted, 0);
    ck_assert_order(m, 1, 3, 2);
    put_ok(m, 4, val(4));                             /* victim: 2 */
    ck_assert_order(m, 4, 1, 3);
    ck_assert_uint_eq(freed(2), 1);
    ck_assert_uint_eq(freed(11), 0);
    drip_map_free(m);
    ck_assert_uint_eq(freed(11), 1);
}
END_TEST

START_TEST(test_lru_evicted_count)
{
    drip_map_opts o = opts_of(3, 0);
    drip_map *m = drip_map_new(&o);
    drip_map_stats st;

    for (size_t i = 0; i < 100; i++)
        put_ok(m, i, val(i));
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 3);
    ck_assert_uint_eq(st.evicted, 97);
    for (size_t i = 0; i < 97; i++)
        ck_assert_uint_eq(freed(i), 1);
    ck_assert_order(m, 99, 98, 97);
    drip_map_free(m);
    for (size_t i = 0; i < 100; i++)
        ck_assert_uint_eq(freed(i), 1);
}
END_TEST

START_TEST(test_lru_capacity_one)
{
    drip_map_opts o = opts_of(1, 0);
    drip_map *m = drip_map_new(&o);

    put_ok(m, 1, val(1));
    put_ok(m, 1, val(2));                             /* replace, not evict */
    ck_assert_uint_eq(m->evicted, 0);
    put_ok(m, 2, val(3));
    ck_assert_uint_eq(m->evicted, 1);
    ck_assert_ptr_null(drip_map_get(m, 1));
    ck_assert_ptr_eq(drip_map_get(m, 2), val(3));
    ck_assert_uint_eq(freed(1) + freed(2), 2);
    drip_map_free(m);
    ck_assert_uint_eq(freed(3), 1);
}
END_TEST

/* ---- ttl ------------------------------------------------------------------- */

START_TEST(test_ttl_since_last_touch)
{
    drip_map_opts o = opts_of(0, 10);
    drip_map *m = drip_map_new(&o);

    put_ok(m, 1, val(1));                             /* touched at 0 */
    fake_now = 9;
    ck_assert_ptr_eq(drip_map_get(m, 1), val(1));     /* touched at 9 */
    fake_now = 18;
    ck_assert_ptr_eq(drip_map_get(m, 1), val(1));     /* touched at 18 */
    put_ok(m, 1, val(11));                            /* touched at 18 again */
    fake_now = 27;
    ck_assert_ptr_eq(drip_map_get(m, 1), val(11));    /* touched at 27 */
    fake_now = 37;                                    /* 10 units untouched */
    ck_assert_uint_eq(drip_map_len(m), 1);            /* not dropped yet */
    ck_assert_ptr_null(drip_map_get(m, 1));           /* dropped here */
    ck_assert_uint_eq(drip_map_len(m), 0);
    ck_assert_uint_eq(freed(11), 1);
    ck_assert_uint_eq(m->expired, 1);
    ck_assert_ptr_null(drip_map_get(m, 1));
    ck_assert_uint_eq(m->expired, 1);
    drip_map_free(m);
    ck_assert_uint_eq(freed(1), 1);
    ck_assert_uint_eq(freed(11), 1);
}
END_TEST

START_TEST(test_ttl_expire_count)
{
    drip_map_opts o = opts_of(0, 10);
    drip_map *m = drip_map_new(&o);
    drip_map_stats st;

    for (size_t i = 0; i < 5; i++) {
        fake_now = i;
        put_ok(m, i, val(i));
    }
    fake_now = 9;
    ck_assert_uint_eq(drip_map_expire(m), 0);
    fake_now = 12;                                    /* keys 0, 1, 2 are 10+ old */
    ck_assert_uint_eq(drip_map_expire(m), 3);
    ck_assert_uint_eq(drip_map_expire(m), 0);
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 2);
    ck_assert_uint_eq(st.expired, 3);
    ck_assert_uint_eq(st.evicted, 0);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(freed(i), 1);
    ck_assert_uint_eq(freed(3) + freed(4), 0);
    fake_now = 1000;
    ck_assert_uint_eq(drip_map_expire(m), 2);
    ck_assert_uint_eq(drip_map_len(m), 0);
    ck_assert_int_eq(live_blocks, 1);                 /* table gone with them */
    check_consistent(m);
    drip_map_free(m);
}
END_TEST

START_TEST(test_ttl_put_sweeps)
{
    drip_map_opts o = opts_of(0, 10);
    drip_map *m = drip_map_new(&o);

    put_ok(m, 1, val(1));
    put_ok(m, 2, val(2));
    fake_now = 5;
    put_ok(m, 3, val(3));
    fake_now = 10;
    put_ok(m, 4, val(4));                             /* 1 and 2 go */
    ck_assert_uint_eq(drip_map_len(m), 2);
    ck_assert_uint_eq(m->expired, 2);
    ck_assert_uint_eq(freed(1) + freed(2), 2);
    ck_assert_order(m, 4, 3);

    fake_now = 15;
    put_ok(m, 3, val(33));                            /* replacing the expired 3 */
    ck_assert_uint_eq(m->expired, 3);
    ck_assert_uint_eq(freed(3), 1);
    ck_assert_ptr_eq(drip_map_get(m, 3), val(33));
    ck_assert_order(m, 3, 4);

    fake_now = 100;                                   /* delete of an expired key */
    ck_assert(!drip_map_delete(m, 4));
    ck_assert_uint_eq(m->expired, 4);
    ck_assert_uint_eq(freed(4), 1);
    check_consistent(m);
    drip_map_free(m);
    ck_assert_uint_eq(freed(33), 1);
}
END_TEST

START_TEST(test_ttl_with_capacity)
{
    drip_map_opts o = opts_of(2, 10);
    drip_map *m = drip_map_new(&o);
    drip_map_stats st;

    put_ok(m, 1, val(1));                             /* t 0 */
    fake_now = 1;
    put_ok(m, 2, val(2));
    fake_now = 2;
    put_ok(m, 3, val(3));                             /* evicts 1 */
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.evicted, 1);
    ck_assert_uint_eq(st.expired, 0);
    ck_assert_uint_eq(freed(1), 1);

    fake_now = 11;
    put_ok(m, 4, val(4));                             /* 2 expires: no eviction */
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 2);
    ck_assert_uint_eq(st.evicted, 1);
    ck_assert_uint_eq(st.expired, 1);
    ck_assert_order(m, 4, 3);

    ck_assert_ptr_eq(drip_map_get(m, 3), val(3));     /* refresh 3 (touched 2) */
    put_ok(m, 5, val(5));                             /* evicts 4, the LRU */
    ck_assert_order(m, 5, 3);
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.evicted, 2);
    ck_assert_uint_eq(st.expired, 1);

    fake_now = 40;                                    /* everything expired */
    put_ok(m, 6, val(6));
    drip_map_stats_get(m, &st);
    ck_assert_uint_eq(st.len, 1);
    ck_assert_uint_eq(st.evicted, 2);
    ck_assert_uint_eq(st.expired, 3);
    check_consistent(m);
    drip_map_free(m);
    for (size_t i = 1; i <= 6; i++)
        ck_assert_uint_eq(freed(i), 1);
}
END_TEST

/* ---- oom ------------------------------------------------------------------- */

START_TEST(test_oom_new)
{
    fail_countdown = 1;
    errno = 0;
    ck_assert_ptr_null(drip_map_new(NULL));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(live_blocks, 0);
}
END_TEST

/* One put sequence for the sweep: new keys, replacements, deletes, a point
 * where the map empties (uthash frees its table and must make it again),
 * and a clock jump after which one put expires everything else.  Step i
 * uses val(i) for its value and runs at fake time seq_time(i). */
enum { SEQ_STEPS = 800, AFTER_FAIL = 16 };

typedef struct seq_result {
    bool     fired;             /* the injected failure happened */
    size_t   puts;              /* puts that succeeded */
    uint64_t evicted, expired;  /* the map's counters at the end */
} seq_result;

typedef struct snap_entry {
    uint64_t key, touched;
    void    *value;
} snap_entry;

static snap_entry snap[SEQ_STEPS + 1];

/* Record the entries MRU first into snap[]; returns how many. */
static size_t snapshot(const drip_map *m)
{
    size_t n = 0;

    for (const map_entry *e = m->mru; e; e = e->older)
        snap[n++] = (snap_entry){ e->key, e->touched, e->value };
    return n;
}

/* The map still holds exactly the n entries of snap[], in that order, with
 * the same counters. */
static void check_unchanged(const drip_map *m, size_t n, uint64_t evicted, uint64_t expired)
{
    size_t i = 0;

    check_consistent(m);
    expect_eq(drip_map_len(m), n);
    expect_eq(m->evicted, evicted);
    expect_eq(m->expired, expired);
    for (const map_entry *e = m->mru; e; e = e->older, i++) {
        expect_eq(e->key, snap[i].key);
        expect_eq(e->touched, snap[i].touched);
        expect_eq(e->value, snap[i].value);
    }
}

static uint64_t seq_time(size_t i)
{
    return i < SEQ_STEPS * 3 / 4 ? i : i + 100000;
}

static uint64_t seq_key(size_t i)
{
    if (i % 5 == 4)
        return i / 2;                                /* often a replacement */
    if (i % 3 == 0)
        return UINT64_MAX - i;
    return i;
}

/* Run the sequence with allocation number `nth` failing (0: none).  The put
 * that fails must leave the map as it was and the value with the caller;
 * the same put is then retried, AFTER_FAIL more steps show the map still
 * works, and it is freed: no block may stay live, and every value that a
 * put handed over must have been released exactly once. */
static seq_result run_sequence(const drip_map_opts *o, int nth)
{
    seq_result r = { 0 };
    size_t released = 0;
    drip_map *m;

    memset(tracker, 0, sizeof tracker);
    fake_now = 0;
    live_blocks = 0;
    fail_countdown = nth;

    m = drip_map_new(o);
    if (!m) {
        expect_eq(nth, 1);
        expect_eq(errno, ENOMEM);
        expect_eq(live_blocks, 0);
        r.fired = true;
        return r;
    }
    for (size_t i = 1, last = SEQ_STEPS; i <= last; i++) {
        uint64_t key = seq_key(i);
        bool     had = map_find(m, key) != NULL;
        uint64_t ev = m->evicted, ex = m->expired;
        bool     armed = fail_countdown > 0 && fail_countdown <= 3;
        size_t   n = armed ? snapshot(m) : 0;   /* a put allocates <= 3 times */
        int      rc;

        fake_now = seq_time(i);
        if (i % 11 == 0) {                          /* deletes never allocate */
            drip_map_delete(m, i - 3);
            continue;
        }
        if (i == SEQ_STEPS / 2) {                   /* empty the map */
            while (m->mru)
                expect(drip_map_delete(m, m->mru->key) || o->ttl);
            expect_eq(live_blocks, 1);
            continue;
        }
        errno = 0;
        rc = drip_map_put(m, key, val(i));
        if (rc != 0) {
            expect_eq(rc, -1);
            expect_eq(errno, ENOMEM);
            expect(armed && !r.fired);
            expect(!had);                           /* replacing never allocates */
            r.fired = true;
            last = i + AFTER_FAIL < SEQ_STEPS ? i + AFTER_FAIL : SEQ_STEPS;
            check_unchanged(m, n, ev, ex);
            expect_eq(freed(i), 0);                 /* still the caller's */
            expect(map_find(m, key) == NULL);
            rc = drip_map_put(m, key, val(i));      /* still usable */
            expect_eq(rc, 0);
        }
        expect_eq(drip_map_get(m, key), val(i));
        r.puts++;
        if (nth == 0 || i % 128 == 0)
            check_consistent(m);
    }
    r.evicted = m->evicted;
    r.expired = m->expired;
    drip_map_free(m);
    expect_eq(live_blocks, 0);
    for (size_t i = 0; i <= SEQ_STEPS; i++) {
        expect_le(freed(i), 1);
        released += freed(i);
    }
    expect_eq(released, r.puts);
    return r;
}

/* Fail the 1st, 2nd, 3rd... allocation until the sequence completes without
 * the failure firing; every step of the way nothing may leak or change.
 * The sizes of the failed allocations show that every kind was hit: the
 * map, an entry, uthash's table header, its first buckets, a bucket growth. */
static void sweep(const drip_map_opts *o)
{
    const size_t first_buckets = HASH_INITIAL_NUM_BUCKETS * sizeof(UT_hash_bucket);
    int        nth, n_map = 0, n_entry = 0, n_table = 0, n_buckets = 0, n_grow = 0;
    long       calls;
    seq_result clean;

    ck_assert(sizeof(drip_map) != sizeof(map_entry));
    ck_assert(sizeof(UT_hash_table) != sizeof(map_entry));
    ck_assert(sizeof(UT_hash_table) != sizeof(drip_map));
    alloc_calls = 0;
    clean = run_sequence(o, 0);
    calls = alloc_calls;
    if (o->capacity)
        ck_assert_uint_gt(clean.evicted, 0);
    if (o->ttl)
        ck_assert_uint_gt(clean.expired, 0);

    for (nth = 1; nth <= calls + 1; nth++) {
        failed_size = 0;
        if (!run_sequence(o, nth).fired)
            break;
        if (failed_size == sizeof(drip_map))
            n_map++;
        else if (failed_size == sizeof(map_entry))
            n_entry++;
        else if (failed_size == sizeof(UT_hash_table))
            n_table++;
        else if (failed_size == first_buckets)
            n_buckets++;
        else if (failed_size > first_buckets)
            n_grow++;
        else
            ck_abort_msg("unexpected allocation of %zu bytes", failed_size);
    }
    ck_assert_int_eq(nth, calls + 1);                /* each allocation failed once */
    ck_assert_int_eq(n_map, 1);
    ck_assert_int_gt(n_entry, 500);
    ck_assert_int_ge(n_table, 2);                    /* first put, and after emptying */
    ck_assert_int_ge(n_buckets, 2);
    ck_assert_int_ge(n_grow, 1);
    fail_countdown = 0;
}

START_TEST(test_oom_sweep_unbounded)
{
    drip_map_opts o = opts_of(0, 0);
    sweep(&o);
}
END_TEST

START_TEST(test_oom_sweep_lru)
{
    drip_map_opts o = opts_of(200, 0);
    sweep(&o);
}
END_TEST

START_TEST(test_oom_sweep_ttl)
{
    drip_map_opts o = opts_of(0, 200);
    sweep(&o);
}
END_TEST

START_TEST(test_oom_sweep_lru_ttl)
{
    drip_map_opts o = opts_of(100, 200);
    sweep(&o);
}
END_TEST

/* ---- suite ----------------------------------------------------------------- */

Suite *suite_map(void)
{
    Suite *s = suite_create("map");
    TCase *tc;

    tc = drip_tcase(s, "core", test_put_get_replace, test_delete, test_len_stats, test_many_keys,
            test_extreme_keys, test_null_values, test_free_null_and_default_opts, test_real_clock,
            NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "lru", test_lru_get_refreshes, test_lru_access_order,
            test_lru_replace_refreshes, test_lru_evicted_count, test_lru_capacity_one, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "ttl", test_ttl_since_last_touch, test_ttl_expire_count, test_ttl_put_sweeps,
            test_ttl_with_capacity, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "oom", test_oom_new, test_oom_sweep_unbounded, test_oom_sweep_lru,
            test_oom_sweep_ttl, test_oom_sweep_lru_ttl, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_map();
}
