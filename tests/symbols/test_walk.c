/* test_walk.c - harness/symbols/walk.c: drip_stack_walk_fast gives the
 * same return addresses as libunwind's own unw_backtrace, through code
 * with frame pointers, through a function without one, and through a
 * Debian library built without them (zlib, which calls our zalloc back),
 * where a frame-pointer walk loses the caller; and it learns each rule
 * once (a second walk agrees with the first); a remembered walk is only
 * taken where the stack still holds what it read; a precise profile's
 * entries kept with remembered walks (tags) stay each stack's own, also
 * when two walks take turns in one place, and a thread whose slot went
 * adds to no entry of that slot's table.
 */
#define _GNU_SOURCE
#include <check.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
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

/* ---- a precise profile's entries from remembered walks ------------------------------ */

/* drip_stack_walk_fast_tagged: the profiler keeps each stack's entry with
 * the remembered walk, and a stack walked again finds it without its
 * frames (the walker copies none).  Two stacks through the same leaf
 * must stay two entries; a profile started again (its tables reset)
 * must not take an old walk's entry. */
enum { TAG_N = 50 };
static void *g_tag_blocks[2 * TAG_N + 6];
static int g_tag_n;
static void *g_tag_ret[2];               /* tag_leaf's return address into a and b */
static volatile int g_three = 3;

__attribute__((noinline)) static void tag_leaf(size_t size, int from)
{
    g_tag_blocks[g_tag_n++] = malloc(size);
    g_tag_ret[from] = __builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void tag_from_a(void)
{
    tag_leaf(32, 0);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void tag_from_b(void)
{
    tag_leaf(48, 1);
    __asm__ volatile("" ::: "memory");
}

/* The entries the profile has: how many, and the one through caller
 * (0: tag_from_a, 1: tag_from_b) with its live *objects and *bytes (-1
 * when there is none). */
static size_t tag_sites(int caller, double *objects, double *bytes)
{
    static drip_alloc_site sites[16];
    size_t n = drip_alloc_profile_sites(sites, 16, NULL);
    *objects = *bytes = -1;
    void *ret = g_tag_ret[caller];
    for (size_t i = 0; i < n && i < 16; i++)
        if (has(sites[i].pc, sites[i].npc, ret, (char *)ret + 1)) {
            *objects = sites[i].live_objects;
            *bytes = sites[i].live_bytes;
        }
    return n;
}

/* Free blocks[0..n) as the profile's thread does: counting on, so that
 * each free takes its sample off its entry. */
static void free_counted(void *const *blocks, int n)
{
    drip_alloc_set_counting(true);
    for (int i = 0; i < n; i++)
        free(blocks[i]);
    drip_alloc_set_counting(false);
}

START_TEST(test_tagged_profile)
{
    if (!drip_alloc_active())
        return;                          /* no allocator underneath: nothing to profile */
    double objects, bytes;
    drip_alloc_set_counting(false);      /* switched on below: the thread asks the profiler */
    ck_assert(drip_alloc_profile_start_tagged(1, drip_stack_walk_fast_tagged));
    g_tag_n = 0;
    drip_alloc_set_counting(true);
    for (int i = 0; i < TAG_N; i++) {
        tag_from_a();
        tag_from_b();
    }
    drip_alloc_set_counting(false);
    ck_assert_uint_eq(tag_sites(0, &objects, &bytes), 2);
    ck_assert_msg(objects == TAG_N && bytes == TAG_N * 32, "a: %.1f objects, %.1f bytes", objects, bytes);
    tag_sites(1, &objects, &bytes);
    ck_assert(objects == TAG_N && bytes == TAG_N * 48);

    /* the same stack (the same call site, twice) into a new table, then
     * into a table reset: the remembered walk's entry is gone */
    for (int round = 0; round < 2; round++) {
        ck_assert(drip_alloc_profile_start_tagged(1, drip_stack_walk_fast_tagged));
        drip_alloc_set_counting(true);
        for (int i = 0; i < g_three; i++)   /* one call site: not unrolled */
            tag_from_b();
        drip_alloc_set_counting(false);
        ck_assert_uint_eq(tag_sites(1, &objects, &bytes), 1);
        ck_assert_msg(objects == 3 && bytes == 3 * 48, "round %d: %.1f objects", round, objects);
    }

    free_counted(g_tag_blocks, g_tag_n);
    ck_assert_uint_eq(tag_sites(1, &objects, &bytes), 1);
    ck_assert(objects == 0 && bytes == 0);        /* the last round's three */
    drip_alloc_profile_stop();
}
END_TEST

/* More allocation sites than the walker remembers walks (32 a thread):
 * remembered walks replace each other, and a walk remembered anew must
 * not carry the entry of the walk it replaced.  Each site allocates its
 * own size, so an entry that took another site's sample shows it. */
enum { MANY = 40, MANY_ROUNDS = 3 };
static void *g_many[MANY * MANY_ROUNDS];
static int g_many_n;

#define MANY_FN(k)                                                                  \
    __attribute__((noinline)) static void many_##k(void)                            \
    {                                                                               \
        g_many[g_many_n++] = malloc(100 + k);                                       \
        __asm__ volatile("" ::: "memory");                                          \
    }
#define MANY_FN8(k) MANY_FN(k##0) MANY_FN(k##1) MANY_FN(k##2) MANY_FN(k##3)          \
                    MANY_FN(k##4) MANY_FN(k##5) MANY_FN(k##6) MANY_FN(k##7)
MANY_FN8(1) MANY_FN8(2) MANY_FN8(3) MANY_FN8(4) MANY_FN8(5)
#define MANY_REF8(k) many_##k##0, many_##k##1, many_##k##2, many_##k##3,            \
                     many_##k##4, many_##k##5, many_##k##6, many_##k##7
static void (*const g_many_fn[MANY])(void) = { MANY_REF8(1), MANY_REF8(2), MANY_REF8(3),
                                               MANY_REF8(4), MANY_REF8(5) };

START_TEST(test_tagged_many_sites)
{
    if (!drip_alloc_active())
        return;
    static drip_alloc_site sites[2 * MANY];
    drip_alloc_set_counting(false);
    ck_assert(drip_alloc_profile_start_tagged(1, drip_stack_walk_fast_tagged));
    g_many_n = 0;
    drip_alloc_set_counting(true);
    for (int r = 0; r < MANY_ROUNDS; r++)
        for (int k = 0; k < MANY; k++)
            g_many_fn[k]();
    drip_alloc_set_counting(false);
    size_t n = drip_alloc_profile_sites(sites, 2 * MANY, NULL);
    ck_assert_uint_eq(n, MANY);
    for (size_t i = 0; i < n; i++) {
        double size = sites[i].live_bytes / MANY_ROUNDS;
        ck_assert_msg(sites[i].live_objects == MANY_ROUNDS && size == (double)(int)size,
                      "entry %zu: %.1f objects, %.1f bytes", i, sites[i].live_objects,
                      sites[i].live_bytes);
    }
    free_counted(g_many, g_many_n);
    drip_alloc_profile_stop();
}
END_TEST

/* drip_stack_walk_fast_tagged as the profile's walker, noting the tag it
 * gave (the remembered walk's) and whether any walk of the allocation
 * came with a tag naming an entry.  Never allocates. */
static drip_alloc_walk_tag *volatile g_spy_tag;   /* volatile: set inside malloc */
static volatile bool g_spy_named;

static int spy_walk(void **pcs, int max, void *from, drip_alloc_walk_tag **tag)
{
    int n = drip_stack_walk_fast_tagged(pcs, max, from, tag);
    g_spy_tag = *tag;
    if (*tag && (*tag)->site)
        g_spy_named = true;
    return n;
}

/* The sites order[0..n) one after another, each allocating by the same
 * call (its stack is the same each time): tags[i] gets the tag of the
 * walk that found the i-th's stack (NULL: not remembered). */
__attribute__((noinline)) static void many_run(const int *order, int n,
                                               drip_alloc_walk_tag **tags)
{
    for (int i = 0; i < n; i++) {
        drip_alloc_set_counting(true);
        g_many_fn[order[i]]();
        drip_alloc_set_counting(false);
        tags[i] = g_spy_tag;
    }
    __asm__ volatile("" ::: "memory");
}

/* The site whose function holds return address pc: the one starting
 * nearest below it (-1: none). */
static int many_at(void *pc)
{
    int k = -1;
    for (int i = 0; i < MANY; i++)
        if ((uintptr_t)g_many_fn[i] < (uintptr_t)pc &&
            (k < 0 || (uintptr_t)g_many_fn[i] > (uintptr_t)g_many_fn[k]))
            k = i;
    return k;
}

/* What g_many_fn[k] allocates: many_<n>'s 100 + n bytes. */
static size_t many_size(int k)
{
    return 100 + (size_t)(k / 8 + 1) * 10 + (size_t)(k % 8);
}

static void many_free(void)
{
    free_counted(g_many, g_many_n);
    g_many_n = 0;
}

/* Two sites whose walks the walker remembers in the same place (40 sites,
 * 32 places: two share one), allocating by turns: each walk replaces the
 * other's, and each must find its own entry, never the one the replaced
 * walk's tag named.  Every sample at its own stack, exactly. */
enum { TURNS = 20 };

START_TEST(test_tagged_shared_memo)
{
    if (!drip_alloc_active())
        return;
    static int order[2 * MANY];          /* TURNS <= MANY */
    static drip_alloc_walk_tag *tags[2 * MANY];
    drip_alloc_set_counting(false);
    ck_assert(drip_alloc_profile_start_tagged(1, spy_walk));
    g_many_n = 0;
    for (int i = 0; i < 2 * MANY; i++)   /* each twice: the first may learn rules */
        order[i] = i / 2;
    many_run(order, 2 * MANY, tags);
    many_free();
    int a = -1, b = -1;                  /* two sites remembered in one place */
    for (int i = 0; i < MANY && a < 0; i++)
        for (int j = i + 1; j < MANY && a < 0; j++)
            if (tags[2 * i + 1] && tags[2 * i + 1] == tags[2 * j + 1])
                a = i, b = j;
    ck_assert_msg(a >= 0, "no two of %d sites remembered in one place", MANY);
    drip_alloc_walk_tag *place = tags[2 * a + 1];

    ck_assert(drip_alloc_profile_start_tagged(1, spy_walk));
    for (int i = 0; i < 2 * TURNS; i++)
        order[i] = i % 2 ? b : a;
    many_run(order, 2 * TURNS, tags);
    for (int i = 2; i < 2 * TURNS; i++)  /* the first two: a new caller's rules */
        ck_assert_ptr_eq(tags[i], place);
    static drip_alloc_site sites[4];
    size_t n = drip_alloc_profile_sites(sites, 4, NULL);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        int k = many_at(sites[i].pc[0]);
        ck_assert_msg((k == a || k == b) && sites[i].live_objects == TURNS &&
                      sites[i].live_bytes == TURNS * (double)many_size(k),
                      "entry %zu (site %d): %.1f objects, %.1f bytes", i, k,
                      sites[i].live_objects, sites[i].live_bytes);
    }
    ck_assert_int_ne(many_at(sites[0].pc[0]), many_at(sites[1].pc[0]));
    many_free();
    drip_alloc_profile_stop();
}
END_TEST

/* A thread's remembered walks outlive its counter slot.  When it exits,
 * the allocator's key destructor gives the slot back (a new thread may
 * take it, and its table with it), and what the thread allocates after
 * that - in later key destructors - is booked in the shared table of
 * slotless threads.  A walk remembered before and found again there
 * carries a tag naming an entry of the slot's table, its serial
 * unchanged: only the entry's owner says that it is not the thread's any
 * more, and the thread must not add to it (plainly, as the slot's new
 * thread does too: counts would be lost).
 *
 * A walk from a destructor passes through glibc's destructor loop, which
 * the thread's earlier walks did not: the same walk is found again only
 * where the walk ends before - at a signal frame.  So the thread takes
 * its signals on an alternate stack at a fixed place (inside its own
 * stack, where the walker looks), raised with rbp 0 (what the handler
 * saves), and allocates in the handler (raised from its own code, never
 * inside malloc): twice while it lives (the first
 * walk may learn rules, the second is remembered and tagged), once from
 * a destructor after the slot went.  The stack's samples: two in the
 * slot's table, one in the shared one. */
enum { LATE_N = 3, LATE_ALT = 1 << 16 };
static pthread_key_t g_late_key;
static void *g_late_blocks[LATE_N];
static uintptr_t g_late_frame[LATE_N];   /* late_leaf's frame, each time */
static bool g_late_named[LATE_N];        /* a walk of it came with a tag naming an entry */
static void *g_late_ret;                 /* late_leaf's return address into the handler */
static int g_late_n;
static void *volatile g_late_first;      /* the thread's first block: its slot claimed */

__attribute__((noinline)) static void late_leaf(void)
{
    g_late_frame[g_late_n] = (uintptr_t)__builtin_frame_address(0);
    g_spy_named = false;
    g_late_blocks[g_late_n] = malloc(72);
    g_late_named[g_late_n++] = g_spy_named;
    g_late_ret = __builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
}

static void late_handler(int sig)
{
    (void)sig;
    late_leaf();
    __asm__ volatile("" ::: "memory");
}

/* SIGUSR1 to this thread, raised with rbp 0 (x86-64, as walk.c): the
 * handler's frame holds the same words wherever it is raised from.  The
 * asm pushes below the red zone.  The result is kept for the test to
 * check after the thread: nothing here may allocate (a ck_assert does,
 * in Check's fork mode), since any allocation walked between the
 * handler's walks may take the remembered walk's place (one in 32, by the
 * addresses: ASLR made that a flaky test). */
static long g_late_rc[LATE_N];
static int g_late_raised;

static void late_raise(void)
{
    long rc;
    __asm__ volatile("sub $128, %%rsp\n\t"
                     "push %%rbp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "syscall\n\t"
                     "pop %%rbp\n\t"
                     "add $128, %%rsp"
                     : "=a"(rc)
                     : "a"((long)SYS_tgkill), "D"((long)getpid()), "S"((long)gettid()),
                       "d"((long)SIGUSR1)
                     : "rcx", "r11", "memory");
    if (g_late_raised < LATE_N)
        g_late_rc[g_late_raised++] = rc;
}

static void late_destructor(void *arg)
{
    (void)arg;
    late_raise();                        /* after the allocator's destructor: no slot */
}

static void *late_thread(void *arg)
{
    (void)arg;
    uintptr_t alt = ((uintptr_t)__builtin_frame_address(0) - (1 << 20)) & ~(uintptr_t)15;
    stack_t ss = {.ss_sp = (void *)(alt - LATE_ALT), .ss_size = LATE_ALT};
    ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
    g_late_first = malloc(8);            /* the thread's slot, claimed */
    free(g_late_first);
    pthread_setspecific(g_late_key, &g_late_key);
    late_raise();
    late_raise();
    return NULL;
}

START_TEST(test_tagged_slot_gone)
{
    if (!drip_alloc_active())
        return;
    static drip_alloc_site sites[64];
    drip_alloc_set_counting(false);
    struct sigaction sa = {.sa_handler = late_handler, .sa_flags = SA_ONSTACK}, old;
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
    ck_assert_int_eq(pthread_key_create(&g_late_key, late_destructor), 0);
    ck_assert(drip_alloc_profile_start_tagged(1, spy_walk));
    g_late_n = g_late_raised = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 4 << 20);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, &attr, late_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    sigaction(SIGUSR1, &old, NULL);
    pthread_key_delete(g_late_key);
    ck_assert_int_eq(g_late_raised, LATE_N);
    for (int i = 0; i < LATE_N; i++)
        ck_assert_msg(g_late_rc[i] == 0, "raise %d: tgkill gave %ld", i, g_late_rc[i]);
    ck_assert_int_eq(g_late_n, LATE_N);
    ck_assert(g_late_frame[1] == g_late_frame[0] && g_late_frame[2] == g_late_frame[0]);
    ck_assert_msg(!g_late_named[1] && g_late_named[2], "named %d %d %d",
                  g_late_named[0], g_late_named[1], g_late_named[2]);   /* the case: tagged while it had the slot */

    size_t n = drip_alloc_profile_sites(sites, 64, NULL);
    double objects[2] = {0, 0};          /* the stack's entries: slot's and shared, any order */
    int entries = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        if (has(sites[i].pc, sites[i].npc, g_late_ret, (char *)g_late_ret + 1))
            objects[entries++ % 2] = sites[i].live_objects;
    ck_assert_msg(entries == 2 && objects[0] + objects[1] == LATE_N &&
                  (objects[0] == 1 || objects[1] == 1),
                  "%d entries (%.1f, %.1f objects): want the slot's 2 and the shared table's 1",
                  entries, objects[0], objects[1]);
    free_counted(g_late_blocks, g_late_n);
    drip_alloc_profile_stop();
}
END_TEST

/* ---- a stack deeper than the walk ------------------------------------------------------ */

/* A walk cut off at DRIP_ALLOC_MAX_FRAMES frames is remembered like any
 * other: a precise profile allocating from deep in a recursion (a parser,
 * a tree) finds its remembered walk and its entry on the second call
 * instead of walking all the frames again.  The stack is the same each
 * time (one call chain from one frame), so every walk after the first two
 * (the first learns rules, the second is remembered) must come with a tag
 * naming the entry, and the counts stay exact. */
enum { DEEP = DRIP_ALLOC_MAX_FRAMES + 16, DEEP_N = 5 };
static void *g_deep_blocks[DEEP_N];
static int g_deep_n;
static bool g_deep_named[DEEP_N];        /* its walk came with a tag naming an entry */

__attribute__((noinline)) static void deep(int depth)
{
    if (depth > 0) {
        deep(depth - 1);
        __asm__ volatile("" ::: "memory");   /* a frame of its own each: no tail call */
        return;
    }
    g_spy_named = false;
    g_deep_blocks[g_deep_n] = malloc(40);
    g_deep_named[g_deep_n++] = g_spy_named;
}

START_TEST(test_tagged_deep_stack)
{
    if (!drip_alloc_active())
        return;
    drip_alloc_set_counting(false);
    ck_assert(drip_alloc_profile_start_tagged(1, spy_walk));
    g_deep_n = 0;
    drip_alloc_set_counting(true);
    for (int i = 0; i < DEEP_N; i++)     /* one call site: the same stack each time */
        deep(DEEP);
    drip_alloc_set_counting(false);
    static drip_alloc_site sites[4];
    size_t n = drip_alloc_profile_sites(sites, 4, NULL);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(sites[0].npc, DRIP_ALLOC_MAX_FRAMES);
    ck_assert_msg(sites[0].live_objects == DEEP_N && sites[0].live_bytes == DEEP_N * 40,
                  "%.1f objects, %.1f bytes", sites[0].live_objects, sites[0].live_bytes);
    for (int i = 2; i < DEEP_N; i++)     /* the first learns rules: not remembered */
        ck_assert_msg(g_deep_named[i], "walk %d of a %d-frame stack: walked again, not "
                      "remembered", i, DEEP);
    free_counted(g_deep_blocks, g_deep_n);
    drip_alloc_profile_stop();
}
END_TEST

/* ---- stacks that are not the thread's ------------------------------------------------ */

/* A workload may run code on stacks of its own (ucontext fibers, a
 * signal's alternate stack): the walker reads only the thread's stack, so
 * a walk there ends early - but what it could not check there must not be
 * kept as the rule of that return address for every later walk: the same
 * function called on the thread's stack walks all the way.  A fiber's
 * stack below the thread's (a static array) and one above it (a buffer on
 * the main thread's stack, for a thread whose stack was mapped lower):
 * each through a function of its own, as rules are the process's.  And
 * where the rules are known (walked on the thread's stack first), a walk
 * on a fiber still reads nothing there: one frame, the allocation's own
 * return address. */
#define FIBER_TAKE(name)                                                                  \
    __attribute__((noinline)) static void name(walks *w)                                  \
    {                                                                                     \
        w->nfast = drip_stack_walk_fast(w->fast, MAXF);                                   \
        w->nunw = unw_backtrace(w->unw, MAXF);                                            \
        __asm__ volatile("" ::: "memory");                                                \
    }
FIBER_TAKE(take_below)
FIBER_TAKE(take_above)
FIBER_TAKE(take_known)

typedef struct fiber_case {
    void (*take)(walks *);
    char *stack;
    size_t size;
    bool known;                          /* walked on the thread's stack first: rules known */
    walks before, on_fiber, after;       /* the walks (before, if known), on the fiber, after */
    uintptr_t lo, hi;                    /* the thread's stack */
} fiber_case;

static fiber_case *g_fc;

static void fiber_main(void)
{
    g_fc->take(&g_fc->on_fiber);
}

static void *fiber_thread(void *arg)
{
    fiber_case *fc = arg;
    ucontext_t main_uc, fiber_uc;
    g_fc = fc;
    if (!drip_alloc_stack_bounds(&fc->lo, &fc->hi) || getcontext(&fiber_uc) != 0)
        return NULL;
    if (fc->known)
        fc->take(&fc->before);
    fiber_uc.uc_stack.ss_sp = fc->stack;
    fiber_uc.uc_stack.ss_size = fc->size;
    fiber_uc.uc_link = &main_uc;
    makecontext(&fiber_uc, fiber_main, 0);
    if (swapcontext(&main_uc, &fiber_uc) != 0)
        return NULL;
    fc->take(&fc->after);                /* the same return address, on the thread's stack */
    return NULL;
}

START_TEST(test_other_stacks)
{
    static char below[64 * 1024] __attribute__((aligned(16)));
    char above[64 * 1024] __attribute__((aligned(16)));
    fiber_case cases[3] = {
        {.take = take_below, .stack = below, .size = sizeof below},
        {.take = take_above, .stack = above, .size = sizeof above},
        {.take = take_known, .stack = below, .size = sizeof below, .known = true},
    };
    for (int i = 0; i < 3; i++) {
        fiber_case *fc = &cases[i];
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, fiber_thread, fc), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        uintptr_t at = (uintptr_t)fc->stack;
        ck_assert_msg(i != 1 ? at + fc->size <= fc->lo : at >= fc->hi,
                      "case %d: the fiber's stack is not %s the thread's", i,
                      i != 1 ? "below" : "above");
        ck_assert_int_ge(fc->on_fiber.nfast, 1);   /* ended early there, without harm */
        if (fc->known) {
            ck_assert_int_gt(fc->before.nfast, 2);
            ck_assert_msg(fc->on_fiber.nfast == 1, "case %d: %d frames read on a fiber", i,
                          fc->on_fiber.nfast);
        }
        ck_assert_msg(fc->after.nfast > 2, "case %d: on the thread's stack after a fiber: "
                      "%d frames", i, fc->after.nfast);
        ck_same_as_libunwind(&fc->after);
    }
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
               test_tagged_profile, test_tagged_many_sites, test_tagged_shared_memo,
               test_tagged_slot_gone, test_tagged_deep_stack, test_other_stacks,
               test_through_zlib, NULL);
    return s;
}
