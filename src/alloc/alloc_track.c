/* alloc_track.c - tracking and profiling: blocks kept on lists with the
 * stacks that allocated them, for drip sweep (every counted allocation
 * while tracking is on) and for the site profile (allocations sampled by
 * bytes, or every one).  An extension of the core (alloc_core.h): it
 * installs its hooks when tracking or profiling starts, the malloc family
 * in alloc.c asks them, and this file owns the records, the lists and the
 * per-stack totals.  libc only; never calls malloc.  docs/ALLOCATOR.md
 * explains the design.
 */
#define _GNU_SOURCE
#include "alloc_core.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define t_self drip__alloc_t_self

/* The sweep's walker while tracking is on (else NULL), the profiler's
 * mean interval (0: off; 1: every allocation) and walker. */
static _Atomic(drip_alloc_backtrace_fn) g_track;
static _Atomic uint64_t g_prof_rate;
static _Atomic(drip_alloc_backtrace_fn) g_prof_walk;

/* This thread's generator of sampling intervals (xorshift64*). */
static ALLOC_TLS uint64_t t_rng;

/* ======================================================================
 * Tracking (drip_alloc_track_start): every counted allocation made while
 * it is on gets a record in front of its header - the stack that made it
 * and links into one list of live tracked blocks:
 *
 *     glibc block: [ track_rec ][ drip__alloc_hdr ][ user bytes ... ]
 *                  ^ real        TRACK_OFF ------------------^
 *
 * The header's extra offset already tells free where glibc's block
 * starts, so a tracked block needs nothing else.  The lists are sharded by counter
 * slot (one thread at a time), each with its own lock, so that threads
 * that track every allocation (precise profiles) do not contend.
 * Over-aligned allocations (posix_memalign and friends beyond 16 bytes)
 * are counted but never tracked.
 * ====================================================================== */

typedef struct track_rec {
    struct track_rec *prev, *next;
    struct track_shard *owner; /* the list it is on */
    uint64_t serial;
    uint32_t npc;
    uint32_t linked;          /* on the list (cleared by forget) */
    void    *pc[DRIP_ALLOC_MAX_FRAMES];
} track_rec;

#define TRACK_OFF (((sizeof(track_rec) + 15) & ~(size_t)15) + ALLOC_HDR)

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

static void drip__alloc_shard_lock(track_shard *t)
{
    while (atomic_flag_test_and_set_explicit(&t->lock, memory_order_acquire))
        sched_yield();
}

static void drip__alloc_shard_unlock(track_shard *t)
{
    atomic_flag_clear_explicit(&t->lock, memory_order_release);
}

/* The calling thread's shard: its slot's (created on first use), or the
 * global one.  Never NULL. */
static track_shard *drip__alloc_my_shard(void)
{
    drip__alloc_slot *s = t_self.slot;
    if (!s)
        return &g_track_global;
    track_shard *t = atomic_load_explicit(&s->ext, memory_order_acquire);
    if (t)
        return t;
    void *m = mmap(NULL, sizeof(track_shard), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return &g_track_global;
    t = m;                               /* zeroed: an unlocked, empty shard */
    atomic_store_explicit(&s->ext, t, memory_order_release);   /* only this thread writes it */
    return t;
}

/* Call fn on every shard that exists (the global one first). */
static void drip__alloc_each_shard(void (*fn)(track_shard *t, void *arg), void *arg)
{
    fn(&g_track_global, arg);
    uint32_t high = __atomic_load_n(&drip__alloc_ctr.hdr.slots_high, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < high; i++) {
        track_shard *t = atomic_load_explicit(&drip__alloc_ctr.slots[i].ext, memory_order_acquire);
        if (t)
            fn(t, arg);
    }
}

static inline track_rec *drip__alloc_rec_of(void *user, const drip__alloc_hdr *h)
{
    return (track_rec *)((char *)user - drip__alloc_offset(h));
}

/* Take a block off its tracking list, unless forget already did. */
ALLOC_SLOW static void drip__alloc_track_unlink(track_rec *r)
{
    track_shard *t = r->owner;
    drip__alloc_shard_lock(t);
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
    drip__alloc_shard_unlock(t);
}

/* e^-x for x >= 0 without libm: x = n ln2 + r, e^-r by its series. */
static double drip__alloc_exp_neg(double x)
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
static void drip__alloc_site_add(track_shard *t, const track_rec *r, size_t size, uint64_t rate)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ r->npc;
    for (uint32_t i = 0; i < r->npc; i++)
        h = (h ^ (uint64_t)(uintptr_t)r->pc[i]) * 0x100000001b3ULL;
    h |= 1;
    double p = rate <= 1 ? 1.0 : 1.0 - drip__alloc_exp_neg((double)size / (double)rate);
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
ALLOC_SLOW static void *drip__alloc_track_alloc_with(size_t size, bool zero,
                                                    drip_alloc_backtrace_fn walk, uint64_t rate)
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
    void *user = drip__alloc_block_init(real, TRACK_OFF, size);
    drip__alloc_hdr_of(user)->magic = ALLOC_TRACKED;
    track_shard *t = drip__alloc_my_shard();
    r->owner = t;
    r->serial = ++t_track_serial;
    r->prev = NULL;
    drip__alloc_shard_lock(t);
    r->next = t->head;
    if (t->head)
        t->head->prev = r;
    t->head = r;
    r->linked = 1;
    t->count++;
    if (rate)
        drip__alloc_site_add(t, r, size, rate);
    drip__alloc_shard_unlock(t);
    return user;
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




/* The seed of the sampling generators (drip_alloc_profile_seed), its
 * generation (a thread whose generator is of an older one seeds it again)
 * and how many threads have seeded theirs in this generation. */
static _Atomic uint64_t g_seed;
static _Atomic uint64_t g_seed_gen = 1;       /* t_seed_gen starts at 0: seed first */
static _Atomic uint64_t g_seeded_threads;

/* This thread's generator's generation. */
static ALLOC_TLS uint64_t t_seed_gen;

/* splitmix64's finaliser: a bijective mix of 64 bits. */
static uint64_t drip__alloc_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A uniform double in (0, 1] from the thread's xorshift64*, seeded on the
 * thread's first draw from (seed, the thread's number): the n-th thread
 * to draw since drip_alloc_profile_seed gets the n-th stream, whatever
 * memory its thread-locals reuse. */
static double drip__alloc_thread_uniform(void)
{
    uint64_t gen = atomic_load_explicit(&g_seed_gen, memory_order_acquire);
    if (ALLOC_UNLIKELY(t_seed_gen != gen)) {
        uint64_t n = atomic_fetch_add_explicit(&g_seeded_threads, 1, memory_order_relaxed);
        uint64_t seed = atomic_load_explicit(&g_seed, memory_order_relaxed);
        t_rng = drip__alloc_mix(seed ^ drip__alloc_mix(n)) | 1;   /* never 0 */
        t_seed_gen = gen;
    }
    uint64_t x = t_rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_rng = x;
    return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53 + 0x1.0p-53;
}

/* -ln(u) for u in (0, 1], without libm: ln(m * 2^e) = ln(m) + e ln 2 with
 * a short series for ln(m), m in [1, 2).  Good to ~1e-7, plenty for
 * sampling intervals. */
static double drip__alloc_neg_log(double u)
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
static int64_t drip__alloc_sample_interval(uint64_t rate)
{
    double x = drip__alloc_neg_log(drip__alloc_thread_uniform()) * (double)rate;
    return x > (double)ALLOC_SAMPLE_NEVER ? ALLOC_SAMPLE_NEVER : (int64_t)x;
}

/* The count-down ran out (the core took this allocation's size off it):
 * true when this allocation is to be sampled, and re-armed either way.
 * Sampled when the count goes below zero, as if each allocation took its
 * size off an exponential interval: a new thread's (or one whose counting
 * just came on) first interval is drawn now. */
static bool drip__alloc_sample_due(void)
{
    uint64_t rate = atomic_load_explicit(&g_prof_rate, memory_order_relaxed);
    if (!rate) {
        t_self.sample_left = ALLOC_SAMPLE_NEVER;
        return false;
    }
    if (rate == 1) {
        t_self.sample_left = 0;          /* ask again on the next allocation */
        return true;
    }
    if (!t_self.sample_drawn) {
        t_self.sample_drawn = 1;
        t_self.sample_left += drip__alloc_sample_interval(rate);
        if (t_self.sample_left >= 0)
            return false;
    } else if (t_self.sample_left == 0) {
        return false;                    /* used up exactly: the next byte is sampled */
    }
    t_self.sample_left = drip__alloc_sample_interval(rate);
    return true;
}

/* drip__alloc_ext.alloc: a block for the sweep while tracking is on, a
 * sample for the profiler when its count-down ran out, else the core's. */
static bool drip__alloc_track_ext_alloc(size_t size, bool zero, void **out)
{
    drip_alloc_backtrace_fn walk = atomic_load_explicit(&g_track, memory_order_acquire);
    if (walk && !t_self.off && !t_self.in_hook) {
        *out = drip__alloc_track_alloc_with(size, zero, walk, 0);
        return true;
    }
    if (t_self.sample_left > 0 || !drip__alloc_sample_due())
        return false;
    uint64_t rate = atomic_load_explicit(&g_prof_rate, memory_order_relaxed);
    walk = atomic_load_explicit(&g_prof_walk, memory_order_acquire);
    *out = drip__alloc_track_alloc_with(size, zero, walk, rate ? rate : 1);
    return true;
}

/* drip__alloc_ext.release: free/realloc of a block with the ALLOC_TRACKED
 * magic: off its list, and from now on an ordinary counted block. */
static void drip__alloc_track_ext_release(void *user, drip__alloc_hdr *h)
{
    drip__alloc_track_unlink(drip__alloc_rec_of(user, h));
    h->magic = ALLOC_COUNTED;
}

static const drip__alloc_ext g_ext = { drip__alloc_track_ext_alloc, drip__alloc_track_ext_release };

/* The walker used when drip_alloc_track_start is given none: no stacks. */
static int drip__alloc_caller_only(void **pcs, int max)
{
    (void)pcs;
    (void)max;
    return 0;
}

bool drip_alloc_track_start(drip_alloc_backtrace_fn walk)
{
    if (!drip_alloc_active())
        return false;
    atomic_store(&g_track, walk ? walk : drip__alloc_caller_only);
    drip__alloc_ext_set(&g_ext, true);
    return true;
}

static void drip__alloc_shard_reset_sites(track_shard *t, void *arg)
{
    (void)arg;
    drip__alloc_shard_lock(t);
    if (t->sites_used)                   /* never touch the pages of an unused table */
        memset(t->sites, 0, sizeof t->sites);
    t->sites_used = 0;
    t->sites_dropped = 0;
    drip__alloc_shard_unlock(t);
}

bool drip_alloc_profile_start(uint64_t rate, drip_alloc_backtrace_fn walk)
{
    if (!drip_alloc_active() || rate == 0)
        return false;
    drip__alloc_each_shard(drip__alloc_shard_reset_sites, NULL);
    atomic_store(&g_prof_walk, walk ? walk : drip__alloc_caller_only);
    atomic_store(&g_prof_rate, rate);
    drip__alloc_ext_set(&g_ext, atomic_load(&g_track) != NULL);
    return true;
}

void drip_alloc_profile_seed(uint64_t seed)
{
    atomic_store(&g_seed, seed);
    atomic_store(&g_seeded_threads, 0);
    atomic_fetch_add(&g_seed_gen, 1);
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

static void drip__alloc_shard_sites(track_shard *t, void *arg)
{
    shard_read *rd = arg;
    drip__alloc_shard_lock(t);
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
    drip__alloc_shard_unlock(t);
}

size_t drip_alloc_profile_sites(drip_alloc_site *out, size_t max, uint64_t *dropped)
{
    shard_read rd = {.sites = out, .max = max};
    drip__alloc_each_shard(drip__alloc_shard_sites, &rd);
    if (dropped)
        *dropped = rd.dropped;
    return rd.n;
}

void drip_alloc_track_stop(void)
{
    atomic_store(&g_track, NULL);
    drip__alloc_ext_set(&g_ext, false);
}

static void drip__alloc_shard_blocks(track_shard *t, void *arg)
{
    shard_read *rd = arg;
    drip__alloc_shard_lock(t);
    for (track_rec *r = t->head; r; r = r->next, rd->n++) {
        if (rd->n >= rd->max)
            continue;
        const drip__alloc_hdr *h = (const drip__alloc_hdr *)((char *)r + TRACK_OFF - ALLOC_HDR);
        drip_alloc_block *b = &rd->blocks[rd->n];
        b->ptr = (const char *)r + TRACK_OFF;
        b->size = h->size;
        b->serial = r->serial;
        b->npc = (int)r->npc;
        memcpy(b->pc, r->pc, sizeof r->pc);
    }
    drip__alloc_shard_unlock(t);
}

size_t drip_alloc_track_list(drip_alloc_block *out, size_t max)
{
    shard_read rd = {.blocks = out, .max = max};
    drip__alloc_each_shard(drip__alloc_shard_blocks, &rd);
    return rd.n;
}

static void drip__alloc_shard_forget(track_shard *t, void *arg)
{
    (void)arg;
    drip__alloc_shard_lock(t);
    for (track_rec *r = t->head, *next; r; r = next) {
        next = r->next;
        drip__alloc_hdr *h = (drip__alloc_hdr *)((char *)r + TRACK_OFF - ALLOC_HDR);
        h->magic = ALLOC_COUNTED;
        r->linked = 0;
        r->prev = r->next = NULL;
    }
    t->head = NULL;
    t->count = 0;
    drip__alloc_shard_unlock(t);
}

void drip_alloc_track_forget(void)
{
    drip__alloc_each_shard(drip__alloc_shard_forget, NULL);
}
