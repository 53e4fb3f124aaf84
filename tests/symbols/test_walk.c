/* test_walk.c - harness/symbols/walk.c: drip_stack_walk_fast gives the
 * same return addresses as libunwind's own unw_backtrace, through code
 * with frame pointers, through a function without one, and through a
 * Debian library built without them (zlib, which calls our zalloc back),
 * where a frame-pointer walk loses the caller; and it learns each rule
 * once (a second walk agrees with the first); a remembered walk is only
 * taken where the stack still holds what it read.
 */
#define _GNU_SOURCE
#include <check.h>
#include <libunwind.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_main.h"
#include "alloc.h"
#include "symbols/symbols.h"

#define MAXF 64

typedef struct walks {
    void *fast[MAXF], *unw[MAXF], *fp[MAXF];
    int nfast, nunw, nfp;
} walks;

/* The three walks from the same frame.  Each walker starts at its caller,
 * this function: past their first entry (where in take each was called
 * from) their lists line up. */
static int g_max = MAXF;                   /* how many frames take asks for */

__attribute__((noinline)) static void take(walks *w)
{
    w->nfast = drip_stack_walk_fast(w->fast, g_max);
    w->nunw = unw_backtrace(w->unw, g_max);
    w->nfp = drip_alloc_walk_fp(w->fp, g_max);
    __asm__ volatile("" ::: "memory");      /* no tail calls: one frame for all */
}

static bool has(void *const *pcs, int n, void *lo, void *hi)
{
    for (int i = 0; i < n; i++)
        if (pcs[i] >= lo && pcs[i] < hi)
            return true;
    return false;
}

/* The fast walk is libunwind's, frame for frame (but the first: each
 * walker's own return address into take). */
static void ck_same_as_libunwind(const walks *w)
{
    ck_assert_int_gt(w->nfast, 2);
    ck_assert_int_eq(w->nfast, w->nunw);
    for (int i = 1; i < w->nfast; i++)
        ck_assert_msg(w->fast[i] == w->unw[i], "frame %d: %p, libunwind %p", i, w->fast[i],
                      w->unw[i]);
}

/* ---- through code with and without frame pointers --------------------------------- */

static walks g_w;

__attribute__((noinline)) static void with_fp(int depth)
{
    if (depth > 0)
        with_fp(depth - 1);
    else
        take(&g_w);
    __asm__ volatile("" ::: "memory");
}

START_TEST(test_fp_code)
{
    with_fp(5);
    ck_same_as_libunwind(&g_w);
}
END_TEST

/* A function without a frame pointer that also uses rbp for itself (as
 * any register-hungry function may), between two with one. */
__attribute__((noinline, optimize("omit-frame-pointer"))) static void no_fp(void (*fn)(walks *))
{
    __asm__ volatile("" ::: "rbp", "memory");   /* clobber rbp: saved, reused, restored */
    fn(&g_w);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void above_no_fp(void)
{
    no_fp(take);
    __asm__ volatile("" ::: "memory");
}

START_TEST(test_no_fp_function)
{
    for (int k = 0; k < 2; k++) {          /* the second time from known rules */
        above_no_fp();
        ck_same_as_libunwind(&g_w);
    }
}
END_TEST

/* ---- remembered walks ---------------------------------------------------------------- */

/* Two callers with the same frame, so that take's frame, its return
 * address and rbp are the same under either: a remembered walk from there
 * must still see which caller it is under (and under no_fp, whose rbp is
 * not a frame pointer, too).  The walker remembers walks of at most
 * DRIP_ALLOC_MAX_FRAMES frames, as the allocator asks for. */
__attribute__((noinline)) static void caller_a(void (*fn)(void))
{
    fn();
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void caller_b(void (*fn)(void))
{
    fn();
    __asm__ volatile("" ::: "memory");
}

START_TEST(test_remembered_walks)
{
    g_max = DRIP_ALLOC_MAX_FRAMES;          /* walks of at most this are remembered */
    for (int k = 0; k < 4; k++) {          /* later rounds from remembered walks */
        void (*callers[2])(void (*)(void)) = {caller_a, caller_b};
        for (int c = 0; c < 2; c++) {
            callers[c](above_no_fp);
            ck_same_as_libunwind(&g_w);
            void *lo = (void *)callers[c], *hi = (char *)callers[c] + 32;
            ck_assert_msg(has(g_w.fast, g_w.nfast, lo, hi), "round %d: no frame in caller %c",
                          k, "ab"[c]);
        }
    }
    g_max = MAXF;
}
END_TEST

/* ---- through zlib -------------------------------------------------------------------- */

static bool g_zwalked;

static voidpf zalloc_walk(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    if (!g_zwalked) {
        take(&g_w);
        g_zwalked = true;
    }
    return calloc(items, size);
}

static void zfree_plain(voidpf opaque, voidpf p)
{
    (void)opaque;
    free(p);
}

/* zlib (Debian's, built without frame pointers) calls zalloc_walk from
 * inflateInit2_: the walk must come back out through it to this test. */
__attribute__((noinline)) static int open_stream(z_stream *z)
{
    int rc = inflateInit(z);
    __asm__ volatile("" ::: "memory");
    return rc;
}

START_TEST(test_through_zlib)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = zalloc_walk;
    z.zfree = zfree_plain;
    g_zwalked = false;
    ck_assert_int_eq(open_stream(&z), Z_OK);
    inflateEnd(&z);
    ck_assert(g_zwalked);
    ck_same_as_libunwind(&g_w);
    /* open_stream's frame is there: the return address into it lies in
     * [open_stream, test_through_zlib's code) - any address in its body */
    void *lo = (void *)open_stream, *hi = (char *)open_stream + 64;
    ck_assert_msg(has(g_w.fast, g_w.nfast, lo, hi), "no frame in open_stream");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("walk");
    drip_tcase(s, "walk", test_fp_code, test_no_fp_function, test_remembered_walks,
               test_through_zlib, NULL);
    return s;
}
