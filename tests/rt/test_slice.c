/* test_slice.c - Check suite for the runtime's slices (src/rt/slice.c).
 *
 * This file interposes malloc, calloc, realloc and free for the whole
 * process through tests/oom_malloc.h (the runtime's calls, in libdrip_rt.so
 * or linked in, land there too): each forwards to glibc's __libc_* entry points (to the sanitizer's
 * allocator under ASan/TSan), counts live blocks, and can fail the Nth call
 * made by the thread that armed the countdown.  So it must NOT be linked
 * with Drip's counting allocator (src/alloc), which defines the same names.
 * The "oom" case fails the 1st, 2nd, ... allocation of each constructor
 * until one runs clean (SQLite-style) and checks after each failure that
 * the result is a failure with ENOMEM, the inputs are unchanged and the
 * live-block count is back where it was.
 *
 * Should valgrind replace malloc in the executable too (see oom_malloc.h),
 * these wrappers never run and main() turns the live-block and oom checks
 * off (valgrind's leak check still covers the rest).  Run valgrind with
 * --soname-synonyms=somalloc=nouserintercepts to keep them on.
 */
#include <check.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drip/slice.h>

Suite *suite_slice(void);

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

static int32_t *i32(drip_slice s, size_t i)
{
    return drip_slice_at(s, i);
}

/* [0, 1, ..., n-1] as int32 in a slice of capacity cap. */
static drip_slice iota(size_t n, size_t cap)
{
    drip_slice s = drip_make(sizeof(int32_t), n, cap);

    ck_assert_ptr_nonnull(s.arr);
    for (size_t i = 0; i < n; i++)
        *i32(s, i) = (int32_t)i;
    return s;
}

static long baseline;

static void setup(void)
{
    baseline = oom_live();
}

static void teardown(void)
{
    ck_assert_live(baseline);
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_make_zeroed)
{
    drip_slice s = drip_make(sizeof(int32_t), 10, 20), all;

    ck_assert_ptr_nonnull(s.arr);
    ck_assert_live(baseline + 1);         /* one allocation */
    ck_assert_uint_eq(s.elem, 4);
    ck_assert_uint_eq(s.off, 0);
    ck_assert_uint_eq(s.len, 10);
    ck_assert_uint_eq(s.cap, 20);
    ck_assert_uint_eq(drip_slice_backing_bytes(s), 80);
    all = drip_sub(s, 0, 20);                       /* up to cap, as s[0:cap] */
    for (size_t i = 0; i < 20; i++)
        ck_assert_int_eq(*i32(all, i), 0);
    ck_assert_uint_eq((uintptr_t)drip_slice_at(s, 0) % _Alignof(max_align_t), 0);
    drip_slice_release(&all);
    drip_slice_release(&s);
    ck_assert_ptr_null(s.arr);
    ck_assert_uint_eq(s.len, 0);
    ck_assert_uint_eq(s.cap, 0);

    s = drip_make(8, 5, 2);                         /* cap < len: cap = len */
    ck_assert_uint_eq(s.cap, 5);
    drip_slice_release(&s);
    s = drip_make(8, 0, 0);                         /* empty, but an array */
    ck_assert_ptr_nonnull(s.arr);
    ck_assert_uint_eq(drip_slice_backing_bytes(s), 0);
    drip_slice_release(&s);
    drip_slice_release(&s);                         /* twice: now a nil slice */
    drip_slice_release(NULL);
}
END_TEST

START_TEST(test_sub_shares)
{
    drip_slice a = iota(8, 8);
    drip_slice b = drip_sub(a, 2, 5);

    ck_assert_ptr_eq(b.arr, a.arr);
    ck_assert_uint_eq(b.len, 3);
    ck_assert_uint_eq(b.cap, 6);                    /* cap(a) - lo */
    ck_assert_int_eq(*i32(b, 0), 2);
    *i32(b, 0) = 99;                                /* write through b ... */
    ck_assert_int_eq(*i32(a, 2), 99);               /* ... seen through a */
    *i32(a, 4) = 77;
    ck_assert_int_eq(*i32(b, 2), 77);
    ck_assert_uint_eq(drip_slice_backing_bytes(b), 32);

    drip_slice_release(&a);                         /* b keeps the array */
    ck_assert_live(baseline + 1);
    ck_assert_int_eq(*i32(b, 0), 99);
    ck_assert_int_eq(*i32(b, 1), 3);
    ck_assert_int_eq(*i32(b, 2), 77);
    drip_slice_release(&b);                         /* the last view frees */
    ck_assert_live(baseline);
}
END_TEST

/* The leak slice.h warns about: a tiny view pins the whole batch, and a
 * clone is the fix. */
START_TEST(test_sub_pins_all)
{
    drip_slice big = drip_make(1, 1 << 20, 0), small, copy;

    ck_assert_ptr_nonnull(big.arr);
    memset(drip_slice_at(big, 0), 0xab, 1 << 20);
    small = drip_sub(big, 100, 116);
    drip_slice_release(&big);
    ck_assert_uint_eq(small.len, 16);
    ck_assert_uint_eq(drip_slice_backing_bytes(small), 1 << 20);
    for (size_t i = 0; i < 16; i++)
        ck_assert_uint_eq(*(unsigned char *)drip_slice_at(small, i), 0xab);

    copy = drip_slice_clone(small);
    drip_slice_release(&small);                     /* the megabyte goes */
    ck_assert_live(baseline + 1);
    ck_assert_uint_eq(drip_slice_backing_bytes(copy), 16);
    ck_assert_uint_eq(*(unsigned char *)drip_slice_at(copy, 15), 0xab);
    drip_slice_release(&copy);
}
END_TEST

START_TEST(test_clone_independent)
{
    drip_slice a = iota(6, 10);
    drip_slice v = drip_sub(a, 1, 4);
    drip_slice c = drip_slice_clone(v), nil = { .elem = 4 }, e;

    ck_assert_ptr_nonnull(c.arr);
    ck_assert_ptr_ne(c.arr, a.arr);
    ck_assert_uint_eq(c.off, 0);
    ck_assert_uint_eq(c.len, 3);
    ck_assert_uint_eq(c.cap, 3);                    /* cap == len */
    ck_assert_uint_eq(drip_slice_backing_bytes(c), 12);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(*i32(c, i), (int32_t)i + 1);
    *i32(c, 0) = -1;                                /* independent both ways */
    ck_assert_int_eq(*i32(a, 1), 1);
    *i32(a, 2) = -2;
    ck_assert_int_eq(*i32(c, 1), 2);

    e = drip_slice_clone(nil);                      /* a nil slice clones empty */
    ck_assert_ptr_nonnull(e.arr);
    ck_assert_uint_eq(e.len, 0);
    ck_assert_uint_eq(drip_slice_backing_bytes(nil), 0);
    drip_slice_release(&e);
    drip_slice_release(&c);
    drip_slice_release(&v);
    drip_slice_release(&a);
}
END_TEST

START_TEST(test_append_in_place)
{
    drip_slice s = iota(2, 8), r;
    int32_t more[3] = { 10, 11, 12 };
    drip_array *arr = s.arr;

    r = drip_append(s, more, 3);                    /* fits: same array */
    ck_assert_ptr_eq(r.arr, arr);
    ck_assert_uint_eq(r.len, 5);
    ck_assert_uint_eq(r.cap, 8);
    ck_assert_live(baseline + 1);
    ck_assert_int_eq(*i32(r, 1), 1);
    ck_assert_int_eq(*i32(r, 4), 12);
    s = r;

    r = drip_append(s, NULL, 2);                    /* NULL: zeroed elements */
    ck_assert_ptr_eq(r.arr, arr);
    ck_assert_int_eq(*i32(r, 6), 0);
    s = r;

    r = drip_append(s, more, 0);                    /* nothing: same view */
    ck_assert_ptr_eq(r.arr, arr);
    ck_assert_uint_eq(r.len, 7);
    s = r;
    drip_slice_release(&s);
}
END_TEST

START_TEST(test_append_reallocates)
{
    drip_slice s = iota(4, 4), keep, r, full;
    int32_t x = 42;

    keep = drip_sub(s, 0, 4);                       /* a second view of the old array */
    r = drip_append(s, &x, 1);                      /* full: a new array of cap 8 */
    ck_assert_ptr_ne(r.arr, keep.arr);
    ck_assert_uint_eq(r.len, 5);
    ck_assert_uint_eq(r.cap, 8);
    ck_assert_live(baseline + 2);         /* old array still held by keep */
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(*i32(r, i), (int32_t)i);
    ck_assert_int_eq(*i32(r, 4), 42);
    *i32(r, 0) = 100;                               /* no longer shared */
    ck_assert_int_eq(*i32(keep, 0), 0);
    full = drip_sub(r, 0, 8);                       /* the tail is zeroed */
    for (size_t i = 5; i < 8; i++)
        ck_assert_int_eq(*i32(full, i), 0);
    drip_slice_release(&keep);                      /* s's reference went to r: */
    ck_assert_live(baseline + 1);         /* the old array is gone */
    drip_slice_release(&full);
    drip_slice_release(&r);
}
END_TEST

/* Appending a view's own elements: in place (overlapping copy) and while
 * reallocating (the source lives in the array being replaced). */
START_TEST(test_append_self)
{
    drip_slice s = iota(2, 8), r;

    r = drip_append(s, drip_slice_at(s, 0), 2);
    ck_assert_ptr_eq(r.arr, s.arr);
    s = r;
    r = drip_append(s, drip_slice_at(s, 0), 4);     /* 4 + 4 = cap: in place */
    s = r;
    r = drip_append(s, drip_slice_at(s, 2), 6);     /* reallocates */
    ck_assert_uint_eq(r.cap, 16);
    {
        const int32_t want[] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
        ck_assert_uint_eq(r.len, 14);
        for (size_t i = 0; i < 14; i++)
            ck_assert_int_eq(*i32(r, i), want[i]);
    }
    ck_assert_live(baseline + 1);
    drip_slice_release(&r);
}
END_TEST

/* Go's gotcha: append to a short view writes into the shared array, over
 * an element another view still shows. */
START_TEST(test_append_sub_overwrites)
{
    drip_slice a = iota(4, 8);
    drip_slice b = drip_sub(a, 0, 2), c, d;
    int32_t x = 1000, y = 2000;

    c = drip_append(b, &x, 1);                      /* b = append(a[:2], x) */
    ck_assert_ptr_eq(c.arr, a.arr);
    ck_assert_int_eq(*i32(a, 2), 1000);             /* a[2] overwritten */
    d = drip_sub(a, 0, 2);
    d = drip_append(d, &y, 1);                      /* and again, through another view */
    ck_assert_int_eq(*i32(c, 2), 2000);
    ck_assert_int_eq(*i32(a, 2), 2000);
    ck_assert_int_eq(*i32(a, 3), 3);
    drip_slice_release(&d);
    drip_slice_release(&c);
    ck_assert_live(baseline + 1);
    drip_slice_release(&a);
}
END_TEST

/* The capacities one-at-a-time appends go through, from a nil slice. */
static size_t cap_sequence(size_t elem, size_t upto, size_t *caps, size_t max)
{
    drip_slice s = { .elem = elem }, r;
    size_t n = 0, last = 0;
    unsigned char zero[16] = { 0 };

    while (s.len < upto) {
        r = drip_append(s, zero, 1);
        ck_assert_ptr_nonnull(r.arr);
        s = r;
        if (s.cap != last && n < max)
            caps[n++] = last = s.cap;
    }
    drip_slice_release(&s);
    return n;
}

START_TEST(test_growth_sequence)
{
    /* Doubling below 256 elements, then newcap += (newcap + 768) / 4.  Go
     * 1.18+ goes through the same capacities for 8-byte elements up to 512
     * (each a whole malloc size class); from there Go rounds up to its size
     * classes (848, 1280, 1792, ...) and we do not. */
    const size_t want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                            832, 1232, 1732, 2357, 3138 };
    size_t caps[32], n;

    n = cap_sequence(8, 3000, caps, 32);
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(caps[i], want[i]);
    n = cap_sequence(1, 300, caps, 32);             /* thresholds count elements */
    ck_assert_uint_eq(caps[8], 256);
    ck_assert_uint_eq(caps[9], 512);
}
END_TEST

START_TEST(test_growth_big_append)
{
    drip_slice s = iota(3, 3), r;
    int32_t many[10] = { 0 };

    r = drip_append(s, many, 10);                   /* needed 13 > 2 * 3: cap 13 */
    ck_assert_uint_eq(r.cap, 13);
    drip_slice_release(&r);

    s = iota(300, 300);                             /* past the threshold */
    r = drip_append(s, many, 1);
    ck_assert_uint_eq(r.cap, 300 + (300 + 768) / 4);
    drip_slice_release(&r);

    s = iota(2, 5);
    r = drip_sub(s, 1, 2);                          /* len 1, cap 4 from off 1 */
    r = drip_append(r, many, 5);                    /* needed 6 <= 2 * 4: cap 8 */
    ck_assert_uint_eq(r.cap, 8);
    ck_assert_uint_eq(r.off, 0);
    ck_assert_uint_eq(r.len, 6);
    ck_assert_int_eq(*i32(r, 0), 1);
    ck_assert_live(baseline + 2);         /* s's array is still s's */
    drip_slice_release(&r);
    drip_slice_release(&s);
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

START_TEST(test_sub_bounds)
{
    drip_slice a = iota(4, 6), r, nil = { .elem = 4 };

    errno = 0;
    r = drip_sub(a, 3, 2);                          /* lo > hi */
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    r = drip_sub(a, 0, 7);                          /* hi > cap */
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    r = drip_sub(a, 7, 7);
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    r = drip_sub(nil, 0, 0);                        /* no array to share */
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, EINVAL);

    r = drip_sub(a, 6, 6);                          /* hi == cap is fine */
    ck_assert_ptr_eq(r.arr, a.arr);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_uint_eq(r.cap, 0);
    drip_slice_release(&r);
    r = drip_sub(a, 1, 6);                          /* beyond len, within cap */
    ck_assert_uint_eq(r.len, 5);
    drip_slice_release(&r);
    drip_slice_release(&a);                         /* failures took no reference */
    ck_assert_live(baseline);
}
END_TEST

START_TEST(test_overflow)
{
    drip_slice s, r, bad = { .elem = 4, .len = 3 };
    int32_t x = 0;

    errno = 0;
    s = drip_make(SIZE_MAX / 2, 4, 4);
    ck_assert_ptr_null(s.arr);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    s = drip_make(1, SIZE_MAX, 0);
    ck_assert_ptr_null(s.arr);
    ck_assert_int_eq(errno, ENOMEM);

    s = iota(2, 2);
    errno = 0;
    r = drip_append(s, &x, SIZE_MAX);               /* len + n overflows */
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    r = drip_append(s, NULL, SIZE_MAX / 4);         /* bytes overflow */
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(s.len, 2);                    /* s untouched, still owned */
    ck_assert_int_eq(*i32(s, 1), 1);

    errno = 0;
    r = drip_append(bad, &x, 1);                    /* no array but a length */
    ck_assert_ptr_null(r.arr);
    ck_assert_int_eq(errno, EINVAL);
    drip_slice_release(&s);
}
END_TEST

/* ---- oom ------------------------------------------------------------------- */

/* Fail the 1st, 2nd, ... allocation of `call` (an expression producing a
 * drip_slice into `out`) until it succeeds untouched; after each failure
 * check ENOMEM, .arr NULL and no live block gained.  `check_unchanged` runs
 * after each failure.  Sets `nallocs` to the allocations the call made. */
#define OOM_LOOP(nallocs, out, call, check_unchanged) do {                  \
        for (long n_ = 1;; n_++) {                                          \
            long before_ = oom_live();                                      \
            int err_;                                                       \
            bool fired_;                                                    \
            errno = 0;                                                      \
            oom_arm(n_);                                                   \
            out = (call);                                                   \
            err_ = errno;                                                   \
            fired_ = oom_disarm();                                         \
            if (!fired_) {                                                  \
                ck_assert_ptr_nonnull(out.arr);                             \
                (nallocs) = n_ - 1;                                         \
                break;                                                      \
            }                                                               \
            ck_assert_ptr_null(out.arr);                                    \
            ck_assert_int_eq(err_, ENOMEM);                                 \
            ck_assert_live(before_);                                        \
            check_unchanged;                                                \
            ck_assert_int_lt(n_, 50);                                       \
        }                                                                   \
    } while (0)

START_TEST(test_oom_make)
{
    drip_slice s;
    long n;

    if (!interposed)
        return;
    OOM_LOOP(n, s, drip_make(8, 100, 200), (void)0);
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(s.cap, 200);
    drip_slice_release(&s);
}
END_TEST

START_TEST(test_oom_append)
{
    drip_slice s = iota(4, 4), r;
    drip_array *arr = s.arr;
    int32_t more[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
    long n;

    if (!interposed) {
        drip_slice_release(&s);
        return;
    }
    OOM_LOOP(n, r, drip_append(s, more, 3), {          /* must reallocate */
        ck_assert_ptr_eq(s.arr, arr);
        ck_assert_uint_eq(s.len, 4);
        ck_assert_int_eq(*i32(s, 3), 3);
    });
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(r.len, 7);
    ck_assert_uint_eq(r.cap, 8);
    ck_assert_live(baseline + 1);         /* the old array went */
    s = r;
    OOM_LOOP(n, r, drip_append(s, more, 1), (void)0);   /* in place */
    ck_assert_int_eq(n, 0);
    drip_slice_release(&r);

    s = (drip_slice){ .elem = 4 };                  /* from nil */
    OOM_LOOP(n, r, drip_append(s, more, 1), ck_assert_ptr_null(s.arr));
    ck_assert_int_eq(n, 1);
    drip_slice_release(&r);
}
END_TEST

START_TEST(test_oom_sub_clone)
{
    drip_slice s = iota(10, 10), r;
    long n;

    if (!interposed) {
        drip_slice_release(&s);
        return;
    }
    OOM_LOOP(n, r, drip_sub(s, 2, 5), (void)0);
    ck_assert_int_eq(n, 0);                         /* never allocates */
    drip_slice_release(&r);
    OOM_LOOP(n, r, drip_slice_clone(s), ck_assert_uint_eq(s.len, 10));
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(r.cap, 10);
    drip_slice_release(&r);
    drip_slice_release(&s);
}
END_TEST

Suite *suite_slice(void)
{
    Suite *s = suite_create("slice");
    TCase *tc;

    tc = drip_tcase(s, "core", test_make_zeroed, test_sub_shares, test_sub_pins_all,
            test_clone_independent, test_append_in_place, test_append_reallocates, test_append_self,
            test_append_sub_overwrites, test_growth_sequence, test_growth_big_append, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "errors", test_sub_bounds, test_overflow, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);

    tc = drip_tcase(s, "oom", test_oom_make, test_oom_append, test_oom_sub_clone, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_slice();
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    interposed = oom_probe();
    if (!interposed)
        fputs("test_slice: malloc is not interposed (valgrind?): live-block and oom "
              "checks are off\n", stderr);
    return -1;
}
