/* alloc_track.c - tracking and profiling: blocks kept on lists with the
 * stacks that allocated them, for drip sweep (every counted allocation
 * while tracking is on) and for the site profile (allocations sampled by
 * bytes, or every one).  The malloc family in alloc.c hands such blocks
 * here; this file owns their records, the lists and the per-stack totals.
 * libc only; never calls malloc.  docs/ALLOCATOR.md explains the design.
 */
#define _GNU_SOURCE
#include "alloc_internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The sweep's walker while tracking is on (else NULL), the profiler's
 * mean interval (0: off; 1: every allocation) and walker. */
_Atomic(drip_alloc_backtrace_fn) g_track;
_Atomic uint64_t g_prof_rate;
_Atomic(drip_alloc_backtrace_fn) g_prof_walk;

/* ======================================================================
 * Tracking (drip_alloc_track_start): every counted allocation made while
 * it is on gets a record in front of its header - the stack that made it
 * and links into one list of live tracked blocks:
 *
 *     glibc block: [ track_rec ][ alloc__hdr ][ user bytes ... ]
 *                  ^ real        offset = TRACK_OFF --------^
 *
 * The header's offset already tells free where glibc's block starts, so a
 * tracked block needs nothing else.  The lists are sharded by counter
 * slot (one thread at a time), each with its own lock, so that threads
 * that track every allocation (precise profiles) do not contend.  Over-aligned allocations (posix_memalign and friends beyond 16
 * bytes) are counted but never tracked.
 * ====================================================================== */

typedef struct track_rec {
    struct track_rec *prev, *next;
    struct track_shard *owner; /* the list it is on */
    uint64_t serial;
    uint32_t npc;
    uint32_t linked;          /* on the list (cleared by forget) */
    void    *pc[DRIP_ALLOC_MAX_FRAMES];
} track_rec;

#define TRACK_OFF (((sizeof(track_rec) + 15) & ~(size_t)15) + HDR)

/* Cumulative sampled allocations per stack, for "alloc_space" profiles:
 * an open-addressing table in each shard.  Untouched pages of a shard cost
 * nothing (mmap'd, zero), and readers skip shards that never sampled. */
#define SITE_SLOTS 1024
typedef struct site_slot {
    uint64_t hash;            /* 0: empty */
    uint32_t npc;
    void    *pc[DRIP_ALLOC_MAX_FRAMES];
    double   objects, bytes;  /* estimates: each sample scaled by 1 / P(sampled) */
} site_slot;

/* One shard of tracking: the tracked blocks allocated by the threads of one
 * counter slot (one thread at a time), and their per-stack totals.  Shards
 * keep threads from contending on one lock when every allocation is
 * tracked; a block freed by another thread takes its owner's lock.  mmap'd
 * on first use (never malloc'd: this runs inside malloc) and never freed. */
typedef struct track_shard {
    atomic_flag lock;
    track_rec  *head;
    size_t      count;
    size_t      sites_used;
    uint64_t    sites_dropped;   /* samples whose stack found no slot */
    site_slot   sites[SITE_SLOTS];
} track_shard;

static track_shard g_track_global = {.lock = ATOMIC_FLAG_INIT};  /* threads without a slot */
static ALLOC_TLS uint64_t t_track_serial;

static void shard_lock(track_shard *t)
{
    while (atomic_flag_test_and_set_explicit(&t->lock, memory_order_acquire))
        sched_yield();
}

static void shard_unlock(track_shard *t)
{
    atomic_flag_clear_explicit(&t->lock, memory_order_release);
}

/* The calling thread's shard: its slot's (created on first use), or the
 * global one.  Never NULL. */
static track_shard *my_shard(void)
{
    alloc__slot *s = t_self.slot;
    if (!s)
        return &g_track_global;
    track_shard *t = atomic_load_explicit(&s->track, memory_order_acquire);
    if (t)
        return t;
    void *m = mmap(NULL, sizeof(track_shard), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return &g_track_global;
    t = m;                               /* zeroed: an unlocked, empty shard */
    atomic_store_explicit(&s->track, t, memory_order_release);   /* only this thread writes it */
    return t;
}

/* Call fn on every shard that exists (the global one first). */
static void each_shard(void (*fn)(track_shard *t, void *arg), void *arg)
{
    fn(&g_track_global, arg);
    unsigned high = atomic_load_explicit(&g_slots_high, memory_order_acquire);
    for (unsigned i = 0; i < high; i++) {
        track_shard *t = atomic_load_explicit(&g_slots[i].track, memory_order_acquire);
        if (t)
            fn(t, arg);
    }
}

static inline track_rec *rec_of(void *user, const alloc__hdr *h)
{
    return (track_rec *)((char *)user - h->offset);
}

/* Take a block off its tracking list, unless forget already did. */
ALLOC_SLOW static void track_unlink(track_rec *r)
{
    track_shard *t = r->owner;
    shard_lock(t);
    if (r->linked) {
        if (r->prev)
            r->prev->next = r->next;
        else
            t->head = r->next;
        if (r->next)
            r->next->prev = r->prev;
        r->linked = 0;
        t->count--;
    }
    shard_unlock(t);
}

/* e^-x for x >= 0 without libm: x = n ln2 + r, e^-r by its series. */
static double exp_neg(double x)
{
    if (x > 700)
        return 0;
    int n = (int)(x / 0.69314718055994530942);
    double r = x - n * 0.69314718055994530942, term = 1, sum = 1;
    for (int i = 1; i < 18; i++) {
        term *= -r / i;
        sum += term;
    }
    while (n-- > 0)
        sum *= 0.5;
    return sum;
}

/* Add one sample of size bytes at stack r to shard t (its lock held). */
static void site_add(track_shard *t, const track_rec *r, size_t size, uint64_t rate)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ r->npc;
    for (uint32_t i = 0; i < r->npc; i++)
        h = (h ^ (uint64_t)(uintptr_t)r->pc[i]) * 0x100000001b3ULL;
    h |= 1;
    double p = rate <= 1 ? 1.0 : 1.0 - exp_neg((double)size / (double)rate);
    double w = p > 0 ? 1.0 / p : 1.0;
    for (size_t probe = 0; probe < SITE_SLOTS; probe++) {
        site_slot *s = &t->sites[(h + probe) & (SITE_SLOTS - 1)];
        if (s->hash == 0) {
            if (t->sites_used >= SITE_SLOTS * 3 / 4)
                break;
            s->hash = h;
            s->npc = r->npc;
            memcpy(s->pc, r->pc, sizeof s->pc);
            t->sites_used++;
        } else if (s->hash != h || s->npc != r->npc ||
                   memcmp(s->pc, r->pc, r->npc * sizeof r->pc[0]) != 0) {
            continue;
        }
        s->objects += w;
        s->bytes += w * (double)size;
        return;
    }
    t->sites_dropped++;
}

/* malloc (zero = false) or calloc (zero = true) of a tracked block whose
 * stack comes from walk (NULL: none); a profiler's sample (rate > 0) also
 * counts in its shard's per-stack totals. */
ALLOC_SLOW static void *track_alloc_with(size_t size, bool zero, drip_alloc_backtrace_fn walk,
                                         uint64_t rate)
{
    if (size > SIZE_MAX - TRACK_OFF) {
        errno = ENOMEM;
        return NULL;
    }
    char *real = zero ? __libc_calloc(1, size + TRACK_OFF) : __libc_malloc(size + TRACK_OFF);
    if (!real)
        return NULL;
    track_rec *r = (track_rec *)real;
    int n = 0;
    if (walk) {
        t_self.in_hook = 1;              /* the walker's own allocations: plain */
        n = walk(r->pc, DRIP_ALLOC_MAX_FRAMES);
        t_self.in_hook = 0;
    }
    r->npc = n > 0 ? (uint32_t)n : 0;
    void *user = block_init(real, TRACK_OFF, size);
    hdr_of(user)->magic = ALLOC_TRACKED;
    track_shard *t = my_shard();
    r->owner = t;
    r->serial = ++t_track_serial;
    r->prev = NULL;
    shard_lock(t);
    r->next = t->head;
    if (t->head)
        t->head->prev = r;
    t->head = r;
    r->linked = 1;
    t->count++;
    if (rate)
        site_add(t, r, size, rate);
    shard_unlock(t);
    return user;
}

/* A block tracked for the failure sweep (the sweep's walker). */
ALLOC_SLOW void *drip__track_alloc(size_t size, bool zero)
{
    return track_alloc_with(size, zero, atomic_load_explicit(&g_track, memory_order_acquire), 0);
}

/* A block sampled by the profiler (the profiler's walker), counted in the
 * per-stack totals. */
ALLOC_SLOW void *drip__track_alloc_sampled(size_t size, bool zero)
{
    uint64_t rate = atomic_load_explicit(&g_prof_rate, memory_order_relaxed);
    return track_alloc_with(size, zero, atomic_load_explicit(&g_prof_walk, memory_order_acquire),
                            rate ? rate : 1);
}

/* ======================================================================
 * Profiling (drip_alloc_profile_start): sampled allocation sites.  Every
 * counting thread counts down the bytes it allocates; when the count goes
 * below zero the allocation is sampled - tracked with its stack, as above -
 * and a new interval is drawn from an exponential distribution with mean
 * `rate` bytes (Poisson sampling by bytes, as Go's MemProfileRate), so a
 * block's chance of being sampled is 1 - exp(-size / rate) and the harness
 * scales each sample back by its inverse.  rate 1 samples every
 * allocation ("precise").  malloc's fast path does the count-down inline;
 * everything else happens here, off the fast path.
 * ====================================================================== */




/* A uniform double in (0, 1] from the thread's xorshift64*. */
static double thread_uniform(void)
{
    uint64_t x = t_self.rng;
    if (!x)
        x = (uintptr_t)&t_self ^ 0x9e3779b97f4a7c15ULL;   /* per-thread seed */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_self.rng = x;
    return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53 + 0x1.0p-53;
}

/* -ln(u) for u in (0, 1], without libm: ln(m * 2^e) = ln(m) + e ln 2 with
 * a short series for ln(m), m in [1, 2).  Good to ~1e-7, plenty for
 * sampling intervals. */
static double neg_log(double u)
{
    int e = 0;
    while (u < 1.0) {
        u *= 2.0;
        e--;
    }
    double t = (u - 1.0) / (u + 1.0), t2 = t * t;      /* ln(u) = 2 atanh(t) */
    double series = t * (2.0 + t2 * (2.0 / 3 + t2 * (2.0 / 5 + t2 * (2.0 / 7 + t2 * (2.0 / 9 +
                    t2 * (2.0 / 11 + t2 * (2.0 / 13)))))));
    return -(series + e * 0.69314718055994530942);
}

/* The next interval for this thread: exponential with mean rate bytes. */
static int64_t sample_interval(uint64_t rate)
{
    double x = neg_log(thread_uniform()) * (double)rate;
    return x > (double)SAMPLE_NEVER ? SAMPLE_NEVER : (int64_t)x;
}

/* Count size bytes down; true when this allocation is to be sampled.
 * Only for counting threads outside the walker (the caller checks). */
ALLOC_SLOW bool drip__sample_due(size_t size)
{
    uint64_t rate = atomic_load_explicit(&g_prof_rate, memory_order_relaxed);
    if (!rate) {
        t_self.sample_left = SAMPLE_NEVER;
        return false;
    }
    if (rate == 1)
        return true;
    if (t_self.sample_left == SAMPLE_UNDRAWN)
        t_self.sample_left = sample_interval(rate);
    int64_t left = t_self.sample_left - (int64_t)size;
    if (left >= 0) {
        t_self.sample_left = left;
        return false;
    }
    t_self.sample_left = sample_interval(rate);
    return true;
}


/* free/realloc of a block with the ALLOC_TRACKED magic: off its list, and
 * from now on an ordinary counted block. */
ALLOC_SLOW void drip__untrack(void *user, alloc__hdr *h)
{
    track_unlink(rec_of(user, h));
    h->magic = ALLOC_COUNTED;
}

/* The walker used when drip_alloc_track_start is given none: no stacks. */
static int caller_only(void **pcs, int max)
{
    (void)pcs;
    (void)max;
    return 0;
}

bool drip_alloc_track_start(drip_alloc_backtrace_fn walk)
{
    if (!drip_alloc_active())
        return false;
    atomic_store(&g_track, walk ? walk : caller_only);
    drip__alloc_slow_update();
    return true;
}

static void shard_reset_sites(track_shard *t, void *arg)
{
    (void)arg;
    shard_lock(t);
    if (t->sites_used)                   /* never touch the pages of an unused table */
        memset(t->sites, 0, sizeof t->sites);
    t->sites_used = 0;
    t->sites_dropped = 0;
    shard_unlock(t);
}

bool drip_alloc_profile_start(uint64_t rate, drip_alloc_backtrace_fn walk)
{
    if (!drip_alloc_active() || rate == 0)
        return false;
    each_shard(shard_reset_sites, NULL);
    atomic_store(&g_prof_walk, walk ? walk : caller_only);
    atomic_store(&g_prof_rate, rate);
    return true;
}

void drip_alloc_profile_stop(void)
{
    atomic_store(&g_prof_rate, 0);
}

uint64_t drip_alloc_profile_rate(void)
{
    return atomic_load(&g_prof_rate);
}

/* Reading shards into a caller's array: where it is, how full. */
typedef struct shard_read {
    drip_alloc_site  *sites;
    drip_alloc_block *blocks;
    size_t            n, max;
    uint64_t          dropped;
} shard_read;

static void shard_sites(track_shard *t, void *arg)
{
    shard_read *rd = arg;
    shard_lock(t);
    for (size_t i = 0; t->sites_used && i < SITE_SLOTS; i++) {
        const site_slot *s = &t->sites[i];
        if (!s->hash)
            continue;
        if (rd->n < rd->max) {
            rd->sites[rd->n].npc = (int)s->npc;
            memcpy(rd->sites[rd->n].pc, s->pc, sizeof s->pc);
            rd->sites[rd->n].objects = s->objects;
            rd->sites[rd->n].bytes = s->bytes;
        }
        rd->n++;
    }
    rd->dropped += t->sites_dropped;
    shard_unlock(t);
}

size_t drip_alloc_profile_sites(drip_alloc_site *out, size_t max, uint64_t *dropped)
{
    shard_read rd = {.sites = out, .max = max};
    each_shard(shard_sites, &rd);
    if (dropped)
        *dropped = rd.dropped;
    return rd.n;
}

void drip_alloc_track_stop(void)
{
    atomic_store(&g_track, NULL);
    drip__alloc_slow_update();
}

static void shard_blocks(track_shard *t, void *arg)
{
    shard_read *rd = arg;
    shard_lock(t);
    for (track_rec *r = t->head; r; r = r->next, rd->n++) {
        if (rd->n >= rd->max)
            continue;
        const alloc__hdr *h = (const alloc__hdr *)((char *)r + TRACK_OFF - HDR);
        drip_alloc_block *b = &rd->blocks[rd->n];
        b->ptr = (const char *)r + TRACK_OFF;
        b->size = h->size;
        b->serial = r->serial;
        b->npc = (int)r->npc;
        memcpy(b->pc, r->pc, sizeof r->pc);
    }
    shard_unlock(t);
}

size_t drip_alloc_track_list(drip_alloc_block *out, size_t max)
{
    shard_read rd = {.blocks = out, .max = max};
    each_shard(shard_blocks, &rd);
    return rd.n;
}

static void shard_forget(track_shard *t, void *arg)
{
    (void)arg;
    shard_lock(t);
    for (track_rec *r = t->head, *next; r; r = next) {
        next = r->next;
        alloc__hdr *h = (alloc__hdr *)((char *)r + TRACK_OFF - HDR);
        h->magic = ALLOC_COUNTED;
        r->linked = 0;
        r->prev = r->next = NULL;
    }
    t->head = NULL;
    t->count = 0;
    shard_unlock(t);
}

void drip_alloc_track_forget(void)
{
    each_shard(shard_forget, NULL);
}
