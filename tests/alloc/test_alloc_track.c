/* test_alloc_track.c - the counting allocator's tracking and profiling
 * (src/alloc/alloc_track.c): tracked blocks with their stacks, realloc and
 * forget, the profiler's sampling by bytes against the truth, entries
 * found from a walker's tags (a reset table's entry is not an old tag's),
 * and its seeds: short-lived threads sampled like others, a seed that
 * replays.
 *
 * Linked with the allocator, like test_alloc.c, and run the same way:
 * every test runs with counting off (the fixture) and turns it on only
 * around what it measures.  Without the counting allocator (DRIP_ALLOC=off,
 * or valgrind without --soname-synonyms=somalloc=nouserintercepts) there
 * is nothing to track: main says so and checks only that the API refuses.
 */
#include "check_main.h"
#include "alloc.h"
#include "alloc_fixtures.h"

#include <check.h>
#include <math.h>
#include <malloc.h>
#include <pthread.h>
#include <valgrind/valgrind.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void setup(void)
{
    drip_alloc_set_counting(false);
}

/* ---- tracking ------------------------------------------------------------ */

static _Atomic int walk_calls;

/* A walker that records two made-up frames and allocates, as a real
 * unwinder might: that allocation must be plain (neither tracked nor
 * walked again). */
static int fake_walk(void **pcs, int max)
{
    atomic_fetch_add(&walk_calls, 1);
    void *scratch = malloc(24);
    free(scratch);
    if (max < 2)
        return 0;
    pcs[0] = (void *)0x1111;
    pcs[1] = (void *)0x2222;
    return 2;
}

/* Find the listed block at ptr, or NULL. */
static const drip_alloc_block *find_block(const drip_alloc_block *b, size_t n, const void *ptr)
{
    for (size_t i = 0; i < n; i++)
        if (b[i].ptr == ptr)
            return &b[i];
    return NULL;
}

START_TEST(test_track)
{
    static drip_alloc_block list[16];      /* static: the listing never allocates */
    drip_alloc_stats before, after;
    drip_alloc_read(&before);
    drip_alloc_set_counting(true);
    bool started = drip_alloc_track_start(fake_walk);
    char *a = malloc(100);
    char *b = calloc(3, 10);
    char *c = malloc(7);
    __asm__ volatile("" : : "r"(c) : "memory");   /* keep gcc from eliding malloc+free */
    memset(a, 'x', 100);
    char *a2 = realloc(a, 5000);           /* moves: still tracked, at the new address */
    free(c);
    drip_alloc_set_counting(false);
    char *u = malloc(50);                  /* counting off: never tracked */
    drip_alloc_set_counting(true);
    drip_alloc_track_stop();
    char *late = malloc(60);               /* after stop: not tracked */
    __asm__ volatile("" : : "r"(late), "r"(u) : "memory");
    drip_alloc_set_counting(false);
    size_t n = drip_alloc_track_list(list, 16);
    int walks = atomic_load(&walk_calls);
    drip_alloc_read(&after);

    ck_assert(started);
    ck_assert_uint_eq(n, 2);               /* a2 and b; c freed; u, late untracked */
    const drip_alloc_block *ba = find_block(list, n, a2), *bb = find_block(list, n, b);
    ck_assert_ptr_nonnull(ba);
    ck_assert_ptr_nonnull(bb);
    ck_assert_uint_eq(ba->size, 5000);
    ck_assert_uint_eq(bb->size, 30);
    ck_assert_int_eq(bb->npc, 2);
    ck_assert_ptr_eq(bb->pc[1], (void *)0x2222);
    ck_assert_uint_gt(ba->serial, bb->serial);   /* the realloc came later */
    ck_assert_int_eq(walks, 4);            /* a, b, c, a2 */
    ck_assert_int_eq(a2[99], 'x');
    ck_assert_int_eq(b[29], 0);            /* calloc'd */
    ck_assert_uint_eq(malloc_usable_size(a2), 5000);
    /* counted as usual: a2 + b + late */
    ck_assert_int_eq(after.live_bytes - before.live_bytes, 5000 + 30 + 60);

    drip_alloc_set_counting(true);
    free(b);                               /* unlinks */
    drip_alloc_set_counting(false);
    ck_assert_uint_eq(drip_alloc_track_list(list, 16), 1);
    drip_alloc_track_forget();             /* a2 stays allocated, off the list */
    ck_assert_uint_eq(drip_alloc_track_list(list, 16), 0);
    drip_alloc_set_counting(true);
    char *a3 = realloc(a2, 10);            /* a forgotten block reallocs and frees normally */
    ck_assert_int_eq(a3[9], 'x');
    free(a3);
    free(late);
    drip_alloc_set_counting(false);
    free(u);
    drip_alloc_read(&after);
    ck_assert_int_eq(after.live_bytes, before.live_bytes);
    ck_assert_int_eq(after.live_objects, before.live_objects);
}
END_TEST

/* ---- profiling -------------------------------------------------------------- */

/* Live and allocated estimates summed over the entries of every stack
 * (one per stack and thread). */
static void site_totals(double *alloc_bytes, double *live_bytes, double *live_objects,
                        size_t *nsites)
{
    static drip_alloc_site sites[64];
    uint64_t dropped = 1;
    size_t n = drip_alloc_profile_sites(sites, 64, &dropped);
    ck_assert_uint_eq(dropped, 0);
    *alloc_bytes = *live_bytes = *live_objects = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        *alloc_bytes += sites[i].bytes;
        *live_bytes += sites[i].live_bytes;
        *live_objects += sites[i].live_objects;
    }
    *nsites = n;
}

static void *free_all(void *arg)
{
    void **blocks = arg;
    for (int i = 0; blocks[i]; i++)
        free(blocks[i]);
    return NULL;
}

START_TEST(test_profile_sampling)
{
    enum { N = 100000, SIZE = 64, RATE = 4096 };
    static void *blocks[N + 1], *odd[N / 2 + 1];
    drip_alloc_set_counting(false);
    ck_assert(drip_alloc_profile_start(RATE, NULL));
    ck_assert_uint_eq(drip_alloc_profile_rate(), RATE);
    drip_alloc_set_counting(true);               /* picks up the rate */
    for (int i = 0; i < N; i++)
        blocks[i] = malloc(SIZE);
    drip_alloc_set_counting(false);
    void *uncounted = malloc(SIZE * 1000);       /* counting off: never sampled */
    __asm__ volatile("" : : "r"(uncounted) : "memory");

    /* Each sample stands for 1 / (1 - exp(-size/rate)) blocks: the estimate
     * of the bytes allocated must be near the truth (6.4 MB, ~1560
     * samples: a few percent of noise; 10% fails only on a broken rate),
     * all of it live, at one stack (this loop). */
    double alloc, live, objects;
    size_t nsites;
    site_totals(&alloc, &live, &objects, &nsites);
    double truth = (double)N * SIZE;
    ck_assert_uint_eq(nsites, 1);
    ck_assert_msg(fabs(alloc - truth) < 0.1 * truth, "estimate %.0f, truth %.0f", alloc, truth);
    ck_assert_msg(live == alloc, "live %.1f, allocated %.1f", live, alloc);
    ck_assert_msg(fabs(objects * SIZE - live) < 1e-6 * truth, "objects %.1f", objects);

    /* the even blocks freed here: about half still live; the odd ones by
     * another thread: none live, to the last bit */
    drip_alloc_set_counting(true);
    for (int i = 0; i < N; i += 2)
        free(blocks[i]);
    drip_alloc_set_counting(false);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_msg(fabs(live - truth / 2) < 0.15 * truth / 2, "half freed: %.0f live", live);
    for (int i = 1, k = 0; i < N; i += 2)
        odd[k++] = blocks[i];
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, free_all, odd), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_msg(live == 0 && objects == 0, "all freed: %.1f bytes, %.1f objects live", live,
                  objects);
    ck_assert_msg(fabs(alloc - truth) < 0.1 * truth, "allocated stays: %.0f", alloc);

    /* precise: every allocation, each call its own stack; a realloc moves
     * a sample to the realloc's stack */
    ck_assert(drip_alloc_profile_start(1, drip_alloc_walk_fp));
    drip_alloc_set_counting(true);
    void *a = malloc(10), *b = calloc(2, 10), *c = realloc(NULL, 30);
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(c) : "memory");
    c = realloc(c, 300);
    __asm__ volatile("" : : "r"(c) : "memory");
    drip_alloc_set_counting(false);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_uint_eq(nsites, 4);
    ck_assert(objects == 3 && live == 10 + 20 + 300);
    ck_assert(alloc == 10 + 20 + 30 + 300);

    /* started again: the old samples are off the books (freeing them
     * takes nothing off the new profile) */
    ck_assert(drip_alloc_profile_start(1, drip_alloc_walk_fp));
    drip_alloc_set_counting(true);
    free(a);
    void *e = malloc(40);
    __asm__ volatile("" : : "r"(e) : "memory");
    drip_alloc_set_counting(false);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert(nsites == 1 && objects == 1 && live == 40);

    drip_alloc_profile_stop();
    ck_assert_uint_eq(drip_alloc_profile_rate(), 0);
    drip_alloc_set_counting(true);
    void *d = malloc(10);                        /* off again */
    __asm__ volatile("" : : "r"(d) : "memory");
    free(b);
    free(c);
    free(d);
    free(e);
    drip_alloc_set_counting(false);
    free(uncounted);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert(nsites == 1 && objects == 0 && live == 0);   /* e freed after the stop */
    ck_assert(!drip_alloc_profile_start(0, NULL));
}
END_TEST

/* A precise profile's realloc resizes a sample where glibc can, as
 * glibc's realloc would: shrinking never moves a block (moving it, as
 * before, copied it every time: a new block while the old one is still
 * there has another address).  The sample goes to the realloc's stack as
 * a moved one would, its bytes kept; counted as one free and one
 * allocation. */
START_TEST(test_profile_realloc_in_place)
{
    ck_assert(drip_alloc_profile_start(1, drip_alloc_walk_fp));
    drip_alloc_set_counting(true);
    char *volatile first = malloc(1);            /* the walker's first-time set-up */
    free(first);
    drip_alloc_stats before, now;
    drip_alloc_read(&before);
    char *p = malloc(4000);
    memset(p, 'x', 4000);
    char *q = realloc(p, 100);                   /* shrink: in place */
    char *after = malloc(64);
    char *r = realloc(q, 60);
    __asm__ volatile("" : : "r"(after) : "memory");
    drip_alloc_set_counting(false);
    if (!RUNNING_ON_VALGRIND) {         /* memcheck's realloc always moves a block */
        ck_assert_ptr_eq(q, p);
        ck_assert_ptr_eq(r, p);
    }
    ck_assert(r[0] == 'x' && r[59] == 'x');
    drip_alloc_read(&now);
    ck_assert_uint_eq(now.allocs - before.allocs, 4);
    ck_assert_uint_eq(now.frees - before.frees, 2);
    double alloc, live, objects;
    size_t nsites;
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_uint_eq(nsites, 4 + 1);             /* malloc, realloc, malloc, realloc */
    ck_assert(objects == 2 && live == 60 + 64);
    ck_assert(alloc == 1 + 4000 + 100 + 64 + 60);
    drip_alloc_set_counting(true);
    free(r);
    free(after);
    drip_alloc_set_counting(false);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert(objects == 0 && live == 0);
    drip_alloc_profile_stop();
}
END_TEST

/* Under a precise profile every malloc's count-down runs out, and malloc
 * asks the profiler straight from there (alloc.c, drip__alloc_malloc_due:
 * no failure injection, no second count-down on that way).  What that
 * shortcut skips must still happen when it is in use: a fail hook
 * installed meanwhile fails the allocation (and is asked once), the
 * sweep's tracking started meanwhile tracks it, and a walker's own
 * allocations (inside the hook) are plain - neither walked nor sampled. */
static _Atomic int fail_calls;

static bool fail_every(size_t size)
{
    (void)size;
    atomic_fetch_add(&fail_calls, 1);
    return true;
}

START_TEST(test_profile_precise_hooks)
{
    static drip_alloc_block list[4];
    atomic_store(&walk_calls, 0);
    atomic_store(&fail_calls, 0);
    ck_assert(drip_alloc_profile_start(1, fake_walk));
    drip_alloc_set_counting(true);
    void *a = malloc(24);                        /* sampled; the walker's malloc is plain */
    drip_alloc_fail_hook old = drip_alloc_set_fail_hook(fail_every);
    void *failed = malloc(24);
    drip_alloc_set_fail_hook(old);
    void *b = malloc(40);                        /* sampled again */
    bool tracking = drip_alloc_track_start(NULL);
    void *tracked = malloc(8);
    drip_alloc_track_stop();
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(tracked) : "memory");
    drip_alloc_set_counting(false);
    size_t listed = drip_alloc_track_list(list, 4);

    ck_assert_ptr_null(failed);
    ck_assert_int_eq(atomic_load(&fail_calls), 1);
    ck_assert(tracking);
    ck_assert_uint_eq(listed, 1);
    ck_assert_ptr_eq(list[0].ptr, tracked);
    ck_assert_int_eq(atomic_load(&walk_calls), 2);   /* a and b, not the walker's own */
    double alloc, live, objects;
    size_t nsites;
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_uint_eq(nsites, 1);                /* fake_walk: one made-up stack */
    ck_assert(objects == 2 && live == 24 + 40 && alloc == 24 + 40);
    drip_alloc_set_counting(true);
    free(a);
    free(b);
    free(tracked);
    drip_alloc_set_counting(false);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert(objects == 0 && live == 0);
    drip_alloc_profile_stop();
}
END_TEST

/* A precise sample's free takes it off its stack's live counts in free
 * itself (alloc.c, drip__alloc_free_sample), not in the profiler's hook:
 * freed by its own thread (plain) or another (atomic), cached or too
 * large for the cache, each free takes exactly its block off, and the
 * thread's counters agree.  A second free of a freed sample stops. */
enum { PF_N = 64 };
static const size_t pf_size[] = { 24, 500, 1000, 1001, 5000 };

static void *pf_thread_free(void *arg)
{
    void **blocks = arg;
    for (int i = 1; i < PF_N; i += 2)
        free(blocks[i]);
    return NULL;
}

START_TEST(test_profile_precise_frees)
{
    static void *blocks[PF_N];
    static size_t sizes[PF_N];
    ck_assert(drip_alloc_profile_start(1, drip_alloc_walk_fp));
    drip_alloc_stats before, now;
    drip_alloc_read(&before);
    double total = 0, odd = 0;
    drip_alloc_set_counting(true);
    for (int i = 0; i < PF_N; i++) {
        sizes[i] = pf_size[i % 5] + (size_t)i;
        blocks[i] = malloc(sizes[i]);
        memset(blocks[i], 'p', sizes[i]);
        total += (double)sizes[i];
        odd += i % 2 ? (double)sizes[i] : 0;
    }
    for (int i = 0; i < PF_N; i += 2)            /* by the owner */
        free(blocks[i]);
    drip_alloc_set_counting(false);
    double alloc, live, objects;
    size_t nsites;
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_msg(objects == PF_N / 2 && live == odd, "%.1f objects, %.1f bytes live", objects,
                  live);
    ck_assert(alloc == total);
    drip_alloc_read(&now);
    ck_assert_int_eq(now.live_bytes - before.live_bytes, (int64_t)odd);
    for (int i = 1; i < PF_N; i += 2)
        for (size_t k = 0; k < sizes[i]; k++)
            ck_assert_int_eq(((char *)blocks[i])[k], 'p');   /* the cache handed none out twice */
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, pf_thread_free, blocks), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_msg(objects == 0 && live == 0, "%.1f objects, %.1f bytes live", objects, live);
    drip_alloc_read(&now);
    ck_assert_int_eq(now.live_bytes, before.live_bytes);
    ck_assert_int_eq(now.live_objects, before.live_objects);
    drip_alloc_profile_stop();
}
END_TEST

static void precise_double_free(void)
{
    if (!drip_alloc_profile_start(1, NULL))
        _exit(3);
    drip_alloc_set_counting(true);
    char *p = malloc(40);
    char *volatile again = p;                /* the compiler must not see it */
    free(p);
    free(again);
}

START_TEST(test_profile_precise_double_free)
{
    expect_stopped(precise_double_free, "drip alloc: free(): invalid pointer");
}
END_TEST

/* ---- a precise profile's entries from a walker's tags ------------------------ */

/* A walker that remembers its walks (drip_alloc_tagged_walk_fn) for made-up
 * stacks: stack g_fake_id is {FAKE_PC(id, 0), FAKE_PC(id, 1), FAKE_PC(id,
 * 2)}, and its walk is remembered under g_fake_tag, which the test points
 * at the tag it wants - so it decides which walks the walker still
 * remembers.  As the contract says: a tag naming a site means the caller
 * knows the frames, and none are copied.  Never allocates. */
#define FAKE_PC(id, i) ((void *)(uintptr_t)(0x100000 + 16 * (uintptr_t)(id) + (uintptr_t)(i)))
enum { FAKE_NPC = 3 };
static uint32_t g_fake_id;
static drip_alloc_walk_tag *g_fake_tag;
static void *volatile g_fake_block;          /* the optimizer must keep each malloc */

static int fake_tagged_walk(void **pcs, int max, void *from, drip_alloc_walk_tag **tag)
{
    (void)from;
    *tag = g_fake_tag;
    if (g_fake_tag->site)
        return FAKE_NPC;
    for (int i = 0; i < FAKE_NPC && i < max; i++)
        pcs[i] = FAKE_PC(g_fake_id, i);
    return FAKE_NPC < max ? FAKE_NPC : max;
}

/* malloc(size) with counting on, its stack made-up stack id remembered
 * under tag.  The block is the caller's. */
static void *fake_malloc(uint32_t id, drip_alloc_walk_tag *tag, size_t size)
{
    g_fake_id = id;
    g_fake_tag = tag;
    drip_alloc_set_counting(true);
    g_fake_block = malloc(size);
    drip_alloc_set_counting(false);
    return g_fake_block;
}

/* The profile's entry whose frames are made-up stack id's, exactly: how
 * many such entries there are, and the last one's live objects and bytes
 * in *objects and *bytes (-1 when there is none). */
static size_t fake_site(uint32_t id, double *objects, double *bytes)
{
    static drip_alloc_site sites[64];
    size_t n = drip_alloc_profile_sites(sites, 64, NULL), found = 0;
    *objects = *bytes = -1;
    for (size_t i = 0; i < n && i < 64; i++) {
        bool same = sites[i].npc == FAKE_NPC;
        for (int k = 0; same && k < FAKE_NPC; k++)
            same = sites[i].pc[k] == FAKE_PC(id, k);
        if (same) {
            found++;
            *objects = sites[i].live_objects;
            *bytes = sites[i].live_bytes;
        }
    }
    return found;
}

/* A profile started again resets the tables, and a remembered walk's tag
 * may still name the entry its stack had: the entry - the same memory,
 * owned by the same shard - may by now be another stack's.  Stack A is
 * tagged with its entry; a new profile; stack B, found so that it lands
 * where A's entry was, takes that memory first; then A again, whose tag
 * still names it.  Only the entry's serial tells them apart: every
 * allocation must be counted at its own stack. */
START_TEST(test_profile_tagged_reset)
{
    static void *held[4];
    drip_alloc_walk_tag tag_a = {0}, tag_b = {0};
    const uint32_t a = 0;
    ck_assert(drip_alloc_profile_start_tagged(1, fake_tagged_walk));
    free(fake_malloc(a, &tag_a, 24));
    void *slot_a = tag_a.site;
    ck_assert_ptr_nonnull(slot_a);               /* the thread has a shard of its own */

    uint32_t b = 0;                              /* a stack whose entry lands there */
    for (uint32_t id = 1; id < 1u << 20 && !b; id++) {
        ck_assert(drip_alloc_profile_start_tagged(1, fake_tagged_walk));
        tag_b = (drip_alloc_walk_tag){0};
        free(fake_malloc(id, &tag_b, 8));
        b = tag_b.site == slot_a ? id : 0;
    }
    ck_assert_uint_ne(b, 0);
    ck_assert_ptr_eq(tag_a.site, slot_a);        /* A's walk still names it */

    ck_assert(drip_alloc_profile_start_tagged(1, fake_tagged_walk));
    tag_b = (drip_alloc_walk_tag){0};
    held[0] = fake_malloc(b, &tag_b, 40);        /* B takes A's old entry */
    ck_assert_ptr_eq(tag_b.site, slot_a);
    held[1] = fake_malloc(a, &tag_a, 24);        /* A's tag names B's entry now */
    held[2] = fake_malloc(a, &tag_a, 24);        /* from A's tag, set again */
    held[3] = fake_malloc(b, &tag_b, 40);
    double objects, bytes;
    ck_assert_uint_eq(fake_site(a, &objects, &bytes), 1);
    ck_assert_msg(objects == 2 && bytes == 48, "A: %.1f objects, %.1f bytes", objects, bytes);
    ck_assert_uint_eq(fake_site(b, &objects, &bytes), 1);
    ck_assert_msg(objects == 2 && bytes == 80, "B: %.1f objects, %.1f bytes", objects, bytes);
    ck_assert_uint_eq(drip_alloc_profile_sites(NULL, 0, NULL), 2);
    drip_alloc_set_counting(true);
    for (int i = 0; i < 4; i++)
        free(held[i]);
    drip_alloc_set_counting(false);
    drip_alloc_profile_stop();
}
END_TEST

/* The rate changes while a profile runs (drip run measures at rate 1,
 * then chooses): each sample's free takes off the weight of the rate it
 * was drawn at, so what was freed leaves nothing live, and the estimate
 * of blocks allocated after the change is near the truth. */
START_TEST(test_profile_rate_change)
{
    enum { N = 40000, SIZE = 64, RATE = 4096 };
    static void *early[1000], *late[N];
    drip_alloc_set_counting(false);
    ck_assert(!drip_alloc_profile_set_rate(RATE));      /* no profile runs */
    ck_assert(drip_alloc_profile_start(1, NULL));
    drip_alloc_set_counting(true);
    for (int i = 0; i < 1000; i++)
        early[i] = malloc(SIZE);                         /* weight 1 each */
    drip_alloc_set_counting(false);
    ck_assert(drip_alloc_profile_set_rate(RATE));
    ck_assert_uint_eq(drip_alloc_profile_rate(), RATE);
    drip_alloc_set_counting(true);
    for (int i = 0; i < N; i++)
        late[i] = malloc(SIZE);
    for (int i = 0; i < 1000; i++)
        free(early[i]);
    drip_alloc_set_counting(false);
    double alloc, live, objects;
    size_t nsites;
    site_totals(&alloc, &live, &objects, &nsites);
    double truth = (double)N * SIZE;
    ck_assert_msg(fabs(live - truth) < 0.15 * truth, "live %.0f, truth %.0f", live, truth);
    ck_assert(drip_alloc_profile_set_rate(1));           /* and back: precise frees */
    drip_alloc_set_counting(true);
    for (int i = 0; i < N; i++)
        free(late[i]);
    drip_alloc_set_counting(false);
    site_totals(&alloc, &live, &objects, &nsites);
    ck_assert_msg(live == 0 && objects == 0, "all freed: %.1f bytes, %.1f objects live", live,
                  objects);
    drip_alloc_profile_stop();
}
END_TEST

/* ---- sampling seeds ---------------------------------------------------------- */

enum { FAIR_THREADS = 2000, FAIR_SIZE = 64, FAIR_RATE = 4096 };

static void *alloc_once(void *arg)
{
    *(void **)arg = malloc(FAIR_SIZE);      /* counted: new threads count */
    return NULL;
}

/* Threads started and joined one after another (their thread-locals land
 * where the last one's were) are each sampled on their own: about 2000 x
 * (1 - exp(-64/4096)) = 31 samples, not all or none. */
START_TEST(test_profile_short_threads)
{
    static void *held[FAIR_THREADS];
    drip_alloc_track_forget();
    drip_alloc_profile_seed(1);
    ck_assert(drip_alloc_profile_start(FAIR_RATE, NULL));
    for (int i = 0; i < FAIR_THREADS; i++) {
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, alloc_once, &held[i]), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
    }
    double alloc, live, objects;
    size_t nsites;
    site_totals(&alloc, &live, &objects, &nsites);   /* each sample: 1/p objects */
    drip_alloc_profile_stop();
    for (int i = 0; i < FAIR_THREADS; i++)
        free(held[i]);
    double n = objects * (1.0 - exp(-(double)FAIR_SIZE / FAIR_RATE));
    ck_assert_msg(n >= 10 && n <= 70, "%.1f of %d short-lived threads sampled, expected ~31", n,
                  FAIR_THREADS);
}
END_TEST

enum { SEED_N = 4000 };

/* What SEED_N allocations of varied sizes on this thread, sampled at a
 * 1 KiB rate with this seed, are estimated to be: their bytes (*bytes)
 * and count (returned). */
static double estimate_with(uint64_t seed, double *bytes)
{
    static void *b[SEED_N];
    drip_alloc_profile_seed(seed);
    ck_assert(drip_alloc_profile_start(1024, NULL));
    drip_alloc_set_counting(true);
    for (int i = 0; i < SEED_N; i++)
        b[i] = malloc(8 + (size_t)(i * 37) % 200);
    drip_alloc_set_counting(false);
    double live, objects;
    size_t nsites;
    site_totals(bytes, &live, &objects, &nsites);
    drip_alloc_profile_stop();
    drip_alloc_set_counting(true);
    for (int i = 0; i < SEED_N; i++)
        free(b[i]);
    drip_alloc_set_counting(false);
    return objects;
}

/* The same seed samples the same allocations - the estimates agree to the
 * last bit; another seed samples others. */
START_TEST(test_profile_seed_replays)
{
    double ba, bb, bc;
    double oa = estimate_with(7, &ba), ob = estimate_with(7, &bb), oc = estimate_with(8, &bc);
    ck_assert_msg(fabs(oa - SEED_N) < 0.25 * SEED_N, "estimate %.1f of %d", oa, SEED_N);
    ck_assert_msg(oa == ob && ba == bb, "seed 7: %.3f/%.3f then %.3f/%.3f", oa, ba, ob, bb);
    ck_assert_msg(oc != oa || bc != ba, "seeds 7 and 8 sampled alike");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("alloc-track");
    TCase *tc = drip_tcase(s, "track", test_track, test_profile_sampling,
            test_profile_realloc_in_place, test_profile_precise_hooks, test_profile_precise_frees,
            test_profile_precise_double_free, test_profile_tagged_reset,
            test_profile_rate_change, test_profile_short_threads, test_profile_seed_replays, NULL);
    tcase_add_checked_fixture(tc, setup, NULL);
    return s;
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!drip_alloc_active()) {
        /* nothing to track: the API must say so, not pretend */
        bool refused = !drip_alloc_track_start(NULL) && !drip_alloc_profile_start(4096, NULL) &&
                       drip_alloc_profile_rate() == 0;
        fprintf(stderr, "test_alloc_track: the counting allocator is not active; tracking "
                "and profiling refuse: %s\n", refused ? "yes" : "NO");
        return refused ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    return -1;
}
