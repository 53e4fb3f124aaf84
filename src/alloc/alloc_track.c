/* alloc_track.c - tracking and profiling: blocks the allocator keeps books
 * on, with the stacks that allocated them.  An extension of the core
 * (alloc_core.h): it installs its hooks when tracking or profiling starts,
 * the malloc family in alloc.c asks them, and this file owns the records,
 * the tables and the counts.  Two kinds of books:
 *
 *   drip sweep's tracking (drip_alloc_track_start): every counted
 *   allocation, each on a list with its own stack and serial, so that a
 *   trial can ask which blocks survived and where they came from;
 *
 *   the profiler's samples (drip_alloc_profile_start): allocations
 *   sampled by bytes (alloc_sample.c decides), counted per stack - what
 *   each stack has allocated in all and what of it is still live - in a
 *   table of the allocating thread's.  A sample carries just a pointer to
 *   its stack's entry, and nothing is linked: precise profiles sample
 *   every allocation, and must cost little.
 *
 * Both live in shards, one per counter slot (one thread at a time; the
 * slotless threads share a global one), so that threads do not contend.
 * libc only; never calls malloc.  docs/ALLOCATOR.md explains the design.
 */
#define _GNU_SOURCE
#include "alloc_core.h"
#include "alloc_sample.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define t_self drip__alloc_t_self

/* The sweep's walker while tracking is on (else NULL); the profiler's mean
 * interval (0: off; 1: every allocation; it may change while a profile
 * runs: each sample keeps the rate it was drawn at), its walker and its
 * generation (a new one each start: samples of older ones are off the
 * books). */
static _Atomic(drip_alloc_backtrace_fn) g_track;
static _Atomic uint64_t g_prof_rate;
static _Atomic(drip_alloc_backtrace_fn) g_prof_walk;
static _Atomic(drip_alloc_tagged_walk_fn) g_prof_tagged;   /* instead, when set */
#define g_prof_gen drip__alloc_sample_gen      /* the core's: free reads it (alloc_core.h) */

#define RATE_MAX UINT32_MAX      /* a sample's record holds its rate in 32 bits */

/* ======================================================================
 * Records and shards
 *
 *     tracked (sweep):  [ track_rec  ][ drip__alloc_hdr ][ user bytes ... ]
 *     sampled:          [ sample_rec ][ drip__alloc_hdr ][ user bytes ... ]
 *                       ^ glibc's block: the header's extra offset says
 *                         where, and which record it is (TRACK_OFF or
 *                         SAMPLE_OFF from the user pointer)
 *
 * Both carry the ALLOC_TRACKED magic, which sends free and realloc to the
 * extension's release hook.  Over-aligned allocations (posix_memalign and
 * friends beyond 16 bytes) are counted but never tracked or sampled.
 * ====================================================================== */

typedef struct track_rec {
    struct track_rec *prev, *next;
    struct track_shard *owner; /* the list it is on */
    uint64_t serial;
    uint32_t npc;
    uint32_t linked;          /* on the list (cleared by forget) */
    void    *pc[DRIP_ALLOC_MAX_FRAMES];
} track_rec;

/* A sample's record is the core's (alloc_core.h): free takes precise
 * samples off their stacks' live counts itself. */
typedef drip__alloc_sample_rec sample_rec;

#define TRACK_OFF  (((sizeof(track_rec) + 15) & ~(size_t)15) + ALLOC_HDR)
#define SAMPLE_OFF ALLOC_SAMPLE_OFF

_Static_assert(TRACK_OFF != SAMPLE_OFF, "a sample's header word is its own");

/* One stack of a shard's table: what its samples stand for, in
 * ALLOC_WEIGHT_ONE units.  The shard's thread writes everything but the
 * remote_* counters, with plain single-instruction updates; other threads
 * freeing its samples subtract from remote_* atomically; readers sum. */
typedef struct site_slot {
    _Atomic uint64_t hash;                 /* 0: empty; stored last */
    uint32_t npc;
    void    *pc[DRIP_ALLOC_MAX_FRAMES];
    uint64_t serial;           /* its shard's n-th entry ever (1, 2, ...): a walk's tag
                                * names it with this (drip__alloc_sample_walk) */
    _Atomic uint64_t alloc_objects, alloc_bytes;   /* allocated in all */
    drip__alloc_live live;     /* still live; its owner is the shard (alloc_core.h) */
} site_slot;

#define SITE_SLOTS 2048                    /* a power of two; filled to 3/4 */

/* One shard: the sweep's list of the slot's tracked blocks (under the
 * lock) and the profiler's table of its stacks.  mmap'd on first use
 * (never malloc'd: this runs inside malloc) and never freed; untouched
 * pages cost nothing. */
typedef struct track_shard {
    atomic_flag lock;          /* the list; the global shard's table */
    track_rec  *head;
    size_t      count;
    _Atomic size_t   sites_used;
    _Atomic uint64_t sites_dropped;        /* samples whose stack found no entry */
    uint64_t    serials;                   /* entries made, never reset */
    uint16_t    used_at[SITE_SLOTS];       /* the entries in use, in order of use: readers
                                            * and resets touch those alone (a table is
                                            * 0.5 MB; a run of 2000 threads has 2000) */
    site_slot   sites[SITE_SLOTS];
} track_shard;

static track_shard g_track_global = {.lock = ATOMIC_FLAG_INIT};   /* threads without a slot */
static ALLOC_TLS uint64_t t_track_serial;

/* The thread's last stack entry and the profile generation it is of: a
 * loop allocating at one place finds its entry by comparing the stack. */
static ALLOC_TLS site_slot *t_last_site;
static ALLOC_TLS uint32_t t_last_gen;

static void drip__alloc_shard_lock(track_shard *t)
{
    while (atomic_flag_test_and_set_explicit(&t->lock, memory_order_acquire))
        sched_yield();
}

static void drip__alloc_shard_unlock(track_shard *t)
{
    atomic_flag_clear_explicit(&t->lock, memory_order_release);
}

/* Slot s's shard, made now (mmap'd: this runs inside malloc), or the
 * global one when that fails. */
ALLOC_SLOW static track_shard *drip__alloc_shard_new(drip__alloc_slot *s)
{
    void *m = mmap(NULL, sizeof(track_shard), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return &g_track_global;
    track_shard *t = m;                  /* zeroed: an unlocked, empty shard */
    atomic_store_explicit(&s->ext, t, memory_order_release);   /* only this thread writes it */
    return t;
}

/* The calling thread's shard: its slot's (created on first use), or the
 * global one.  Never NULL. */
static inline track_shard *drip__alloc_my_shard(void)
{
    drip__alloc_slot *s = t_self.slot;
    if (!s)
        return &g_track_global;
    track_shard *t = atomic_load_explicit(&s->ext, memory_order_acquire);
    return ALLOC_LIKELY(t) ? t : drip__alloc_shard_new(s);
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

/* glibc's block for a record of off - ALLOC_HDR bytes, the header and size
 * bytes (zeroed when zero), or NULL with errno set. */
static inline char *drip__alloc_track_block(size_t size, size_t off, bool zero)
{
    if (size > SIZE_MAX - off) {
        errno = ENOMEM;
        return NULL;
    }
    return zero ? __libc_calloc(1, size + off) : __libc_malloc(size + off);
}

/* The stack from walk into pcs (at most DRIP_ALLOC_MAX_FRAMES), with this
 * thread's allocations plain meanwhile; how many, 0 or more. */
static inline uint32_t drip__alloc_track_walk(drip_alloc_backtrace_fn walk, void **pcs)
{
    t_self.in_hook = 1;
    int n = walk(pcs, DRIP_ALLOC_MAX_FRAMES);
    t_self.in_hook = 0;
    return n > 0 ? (uint32_t)n : 0;
}

/* ======================================================================
 * drip sweep's tracking: every counted allocation on a list
 * ====================================================================== */

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

/* malloc (zero = false) or calloc (zero = true) of a tracked block whose
 * stack comes from walk. */
ALLOC_SLOW static void *drip__alloc_track_alloc(size_t size, bool zero,
                                               drip_alloc_backtrace_fn walk)
{
    char *real = drip__alloc_track_block(size, TRACK_OFF, zero);
    if (!real)
        return NULL;
    track_rec *r = (track_rec *)real;
    r->npc = drip__alloc_track_walk(walk, r->pc);
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
    drip__alloc_shard_unlock(t);
    return user;
}

/* ======================================================================
 * The profiler's samples: counted per stack
 * ====================================================================== */

static inline bool drip__alloc_same_stack(const site_slot *s, void *const *pc, uint32_t npc)
{
    if (s->npc != npc)
        return false;
    for (uint32_t i = 0; i < npc; i++)
        if (s->pc[i] != pc[i])
            return false;
    return true;
}

/* The entry of stack (pc, npc) in shard t, added if new; NULL when the
 * table is full (the sample is dropped).  Only t's thread adds to a slot
 * shard's table (the hash is stored last, so readers see whole entries);
 * the global shard's callers hold its lock. */
static site_slot *drip__alloc_site_of(track_shard *t, void *const *pc, uint32_t npc, uint32_t gen)
{
    site_slot *last = t_last_site;
    if (last && t_last_gen == gen && last->live.owner == t && drip__alloc_same_stack(last, pc, npc))
        return last;
    uint64_t h = 0xcbf29ce484222325ULL ^ npc;
    for (uint32_t i = 0; i < npc; i++)
        h = (h ^ (uint64_t)(uintptr_t)pc[i]) * 0x100000001b3ULL;
    h |= 1;
    for (size_t probe = 0; probe < SITE_SLOTS; probe++) {
        size_t at = (h + probe) & (SITE_SLOTS - 1);
        site_slot *s = &t->sites[at];
        uint64_t sh = atomic_load_explicit(&s->hash, memory_order_acquire);
        if (sh == 0) {
            size_t used = atomic_load_explicit(&t->sites_used, memory_order_relaxed);
            if (used >= SITE_SLOTS * 3 / 4)
                break;
            s->npc = npc;
            memcpy(s->pc, pc, npc * sizeof pc[0]);
            s->live.owner = t;
            s->serial = ++t->serials;
            t->used_at[used] = (uint16_t)at;
            atomic_store_explicit(&t->sites_used, used + 1, memory_order_release);
            atomic_store_explicit(&s->hash, h, memory_order_release);
        } else if (sh != h || !drip__alloc_same_stack(s, pc, npc)) {
            continue;
        }
        t_last_site = s;
        t_last_gen = gen;
        return s;
    }
    atomic_fetch_add_explicit(&t->sites_dropped, 1, memory_order_relaxed);
    return NULL;
}

/* The calling allocation's stack into pc, by the profile's walker; how
 * many frames.  With a walker that remembers its walks (g_prof_tagged),
 * *tag is the remembered walk's tag (or NULL), and when the tag names an
 * entry of shard t that is still the one drip__alloc_sample_init stored
 * there - its serial unchanged: the table was not reset since - that
 * entry is *site and pc is not filled: the remembered walk found the
 * frames the entry was stored for.  A tag naming anything else is
 * cleared and the stack walked again, frames copied. */
static inline uint32_t drip__alloc_sample_walk(void **pc, track_shard *t,
                                               drip_alloc_walk_tag **tag, site_slot **site)
{
    drip_alloc_tagged_walk_fn tw = atomic_load_explicit(&g_prof_tagged, memory_order_acquire);
    if (!tw)
        return drip__alloc_track_walk(atomic_load_explicit(&g_prof_walk, memory_order_acquire),
                                      pc);
    t_self.in_hook = 1;
    void *from = t_self.entry_frame;     /* drip_alloc_walk_from */
    int n = tw(pc, DRIP_ALLOC_MAX_FRAMES, from, tag);
    drip_alloc_walk_tag *g = *tag;
    if (g && g->site) {
        site_slot *s = g->site;
        if (ALLOC_LIKELY(s->live.owner == t && s->serial == g->check)) {
            *site = s;
        } else {
            g->site = NULL;
            n = tw(pc, DRIP_ALLOC_MAX_FRAMES, from, tag);
        }
    }
    t_self.in_hook = 0;
    return n > 0 ? (uint32_t)n : 0;
}

/* Make glibc's block real (room for the record, the header and size
 * bytes) a sample at this rate, its stack from the profile's walker:
 * counted as allocated and live at its stack, and in the thread's
 * counters.  Returns the user pointer.  Inlined into the hooks: a
 * precise profile comes here on every allocation. */
static inline __attribute__((always_inline)) void *drip__alloc_sample_init(char *real,
                                                                           size_t size,
                                                                           uint64_t rate)
{
    void *pc[DRIP_ALLOC_MAX_FRAMES];
    uint32_t gen = atomic_load_explicit(&g_prof_gen, memory_order_relaxed);
    track_shard *t = drip__alloc_my_shard();
    bool shared = t == &g_track_global;
    site_slot *s = NULL;
    drip_alloc_walk_tag *tag = NULL;
    uint32_t n = drip__alloc_sample_walk(pc, t, &tag, &s);
    int64_t wo, wb;
    drip__alloc_sample_weight(size, rate, &wo, &wb);
    if (shared)
        drip__alloc_shard_lock(t);
    if (!s) {
        s = drip__alloc_site_of(t, pc, n, gen);
        if (s && tag && !shared) {       /* the global shard's entries are never tagged */
            tag->site = s;
            tag->check = s->serial;
        }
    }
    if (s) {
        drip__alloc_slot_add(&s->alloc_objects, (uint64_t)wo);
        drip__alloc_slot_add(&s->alloc_bytes, (uint64_t)wb);
        drip__alloc_slot_add(&s->live.objects, (uint64_t)wo);
        drip__alloc_slot_add(&s->live.bytes, (uint64_t)wb);
    }
    if (shared)
        drip__alloc_shard_unlock(t);
    sample_rec *r = (sample_rec *)real;
    r->live = s ? &s->live : NULL;
    r->gen = gen;
    r->rate = (uint32_t)rate;
    void *user = drip__alloc_block_init(real, SAMPLE_OFF, size);
    drip__alloc_hdr_of(user)->magic = ALLOC_TRACKED;
    return user;
}

/* Samples and the thread's cache (alloc_core.h).  A sample of a cacheable
 * size is asked of glibc with all its class holds, the class of its record
 * and size as if they were the user bytes of a common block: glibc's block
 * then fits any request of that class, as a cached block must.  Freed, it
 * waits in that class (its record's place as the header); a new sample of
 * the class takes it, or an ordinary malloc.  Precise profiles then call
 * glibc no more than counting does. */
#define SAMPLE_CACHE_MAX ALLOC_SAMPLE_CACHE_MAX

/* glibc's block for a sample of size bytes (zeroed when zero): from the
 * thread's cache when it has one of the class; NULL with errno set. */
static inline char *drip__alloc_sample_block(size_t size, bool zero)
{
    if (size > SAMPLE_CACHE_MAX)
        return drip__alloc_track_block(size, SAMPLE_OFF, zero);
    size_t c = drip__alloc_cache_class(size + (SAMPLE_OFF - ALLOC_HDR));
    drip__alloc_hdr *h = drip__alloc_t_cache.head[c];
    if (h && t_self.fast) {
        drip__alloc_t_cache.head[c] = (drip__alloc_hdr *)(uintptr_t)h->size;
        drip__alloc_t_cache.n[c]--;
        if (zero)
            memset((char *)h + SAMPLE_OFF, 0, size);
        return (char *)h;
    }
    return zero ? __libc_calloc(1, c * 16 - 8) : __libc_malloc(c * 16 - 8);
}

/* A freed sample's block into the thread's cache, if its class has room
 * and the thread counts (its cache is flushed when it exits).  true when
 * it went there. */
static inline bool drip__alloc_sample_keep(char *real, size_t size)
{
    if (size > SAMPLE_CACHE_MAX || !t_self.fast)
        return false;
    size_t c = drip__alloc_cache_class(size + (SAMPLE_OFF - ALLOC_HDR));
    if (drip__alloc_t_cache.n[c] >= ALLOC_CACHE_DEPTH)
        return false;
    drip__alloc_hdr *h = (drip__alloc_hdr *)real;
    h->size = (uintptr_t)drip__alloc_t_cache.head[c];
    h->word = ALLOC_CACHED;
    drip__alloc_t_cache.head[c] = h;
    drip__alloc_t_cache.n[c]++;
    return true;
}

/* malloc or calloc of a sampled block at this rate, its stack from walk:
 * counted as allocated and live at its stack.  Inlined into the alloc
 * hook: a precise profile comes here on every allocation. */
static inline void *drip__alloc_sample_alloc(size_t size, bool zero, uint64_t rate)
{
    char *real = drip__alloc_sample_block(size, zero);
    if (!real)
        return NULL;
    return drip__alloc_sample_init(real, size, rate);
}

/* A sample is freed: no longer live at its stack (if it is of this
 * profile).  Its own thread subtracts plainly, others atomically.  (free
 * does it itself for precise samples, on a thread with a fast slot:
 * alloc.c, drip__alloc_free_sample.) */
static void drip__alloc_sample_free(sample_rec *r, size_t size)
{
    drip__alloc_live *l = r->live;
    if (!l || r->gen != atomic_load_explicit(&g_prof_gen, memory_order_relaxed))
        return;
    int64_t wo, wb;
    drip__alloc_sample_weight(size, r->rate, &wo, &wb);
    drip__alloc_slot *slot = t_self.slot;
    bool own = l->owner != &g_track_global && slot &&
               l->owner == atomic_load_explicit(&slot->ext, memory_order_relaxed);
    drip__alloc_live_sub(l, own, (uint64_t)wo, (uint64_t)wb);
}

/* ======================================================================
 * The hooks the core asks (drip__alloc_ext)
 * ====================================================================== */

/* alloc: a block for the sweep while tracking is on, a sample for the
 * profiler when the count-down ran out and it says so, else the core's. */
static inline __attribute__((always_inline)) bool drip__alloc_track_ext_alloc(size_t size,
                                                                              bool zero,
                                                                              void **out)
{
    drip_alloc_backtrace_fn walk = atomic_load_explicit(&g_track, memory_order_acquire);
    if (walk && !t_self.off && !t_self.in_hook) {
        *out = drip__alloc_track_alloc(size, zero, walk);
        return true;
    }
    uint64_t rate = atomic_load_explicit(&g_prof_rate, memory_order_relaxed);
    if (t_self.sample_left > 0)
        return false;
    if (rate == 1)                       /* precise: drip__alloc_sample_due, inline */
        t_self.sample_left = 0;
    else if (!drip__alloc_sample_due(rate))
        return false;
    *out = drip__alloc_sample_alloc(size, zero, rate);
    return true;
}

/* release: free/realloc of a block with the ALLOC_TRACKED magic - off the
 * books, and from now on an ordinary counted block; a sample's memory
 * waits in the thread's cache when it can (true). */
static bool drip__alloc_track_ext_release(void *user, drip__alloc_hdr *h)
{
    size_t off = drip__alloc_offset(h);
    h->magic = ALLOC_COUNTED;
    if (off == TRACK_OFF) {
        drip__alloc_track_unlink((track_rec *)((char *)user - off));
        return false;
    }
    char *real = (char *)user - off;
    drip__alloc_sample_free((sample_rec *)real, h->size);
    return drip__alloc_sample_keep(real, h->size);
}

/* resize: realloc of a sample while the profile is precise (rate 1) and
 * the sweep does not track: glibc resizes the block, in place when it can,
 * its record moving along; the sample is freed at its old stack and made
 * again at the realloc's, as moving it would.  Anything else (a sweep's
 * block, a sampled profile's count-down) moves as before. */
static bool drip__alloc_track_ext_resize(void *user, drip__alloc_hdr *h, size_t size, void **out)
{
    if (drip__alloc_offset(h) != SAMPLE_OFF || size > SIZE_MAX - SAMPLE_OFF ||
        atomic_load_explicit(&g_track, memory_order_relaxed) ||
        atomic_load_explicit(&g_prof_rate, memory_order_relaxed) != 1)
        return false;
    uint64_t old_size = h->size;
    size_t request = size > SAMPLE_CACHE_MAX                  /* as drip__alloc_sample_block */
                         ? size + SAMPLE_OFF
                         : drip__alloc_cache_class(size + (SAMPLE_OFF - ALLOC_HDR)) * 16 - 8;
    char *real = __libc_realloc((char *)user - SAMPLE_OFF, request);
    if (!real) {
        *out = NULL;                     /* errno: glibc's ENOMEM; the old block stays */
        return true;
    }
    drip__alloc_sample_free((sample_rec *)real, old_size);
    drip__alloc_count_free(old_size);
    t_self.sample_left = 0;              /* as drip__alloc_sample_due(1) leaves it */
    *out = drip__alloc_sample_init(real, size, 1);
    return true;
}

/* The alloc hook's own function (the hooks' table needs its address). */
static bool drip__alloc_track_ext_alloc_hook(size_t size, bool zero, void **out)
{
    return drip__alloc_track_ext_alloc(size, zero, out);
}

/* malloc_due: the alloc hook for malloc's fast path, with the core's
 * common block when it declines - one call, no out parameter, for the
 * malloc of every precise sample. */
static void *drip__alloc_track_ext_malloc_due(size_t size)
{
    void *out;
    if (drip__alloc_track_ext_alloc(size, false, &out))
        return out;
    char *real = __libc_malloc(drip__alloc_request(size));
    return real ? drip__alloc_block_init(real, ALLOC_HDR, size) : NULL;
}

static const drip__alloc_ext g_ext = { drip__alloc_track_ext_alloc_hook,
                                       drip__alloc_track_ext_release,
                                       drip__alloc_track_ext_resize,
                                       drip__alloc_track_ext_malloc_due };

/* ======================================================================
 * Public API (alloc.h)
 * ====================================================================== */

/* The walker used when none is given: no stacks. */
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

void drip_alloc_track_stop(void)
{
    atomic_store(&g_track, NULL);
    drip__alloc_ext_set(&g_ext, false);
}

static void drip__alloc_shard_reset_sites(track_shard *t, void *arg)
{
    (void)arg;
    drip__alloc_shard_lock(t);
    size_t used = atomic_load(&t->sites_used);
    for (size_t k = 0; k < used; k++)    /* never touch the pages of unused entries */
        memset(&t->sites[t->used_at[k]], 0, sizeof t->sites[0]);
    atomic_store(&t->sites_used, 0);
    atomic_store(&t->sites_dropped, 0);
    drip__alloc_shard_unlock(t);
}

/* Start a profile with walk, or with tagged instead when it is not NULL. */
static bool drip__alloc_profile_start(uint64_t rate, drip_alloc_backtrace_fn walk,
                                      drip_alloc_tagged_walk_fn tagged)
{
    if (!drip_alloc_active() || rate == 0)
        return false;
    atomic_fetch_add(&g_prof_gen, 1);    /* older samples: off the books */
    drip__alloc_each_shard(drip__alloc_shard_reset_sites, NULL);
    atomic_store(&g_prof_walk, walk ? walk : drip__alloc_caller_only);
    atomic_store(&g_prof_tagged, tagged);
    atomic_store(&g_prof_rate, rate < RATE_MAX ? rate : RATE_MAX);
    drip__alloc_ext_set(&g_ext, atomic_load(&g_track) != NULL);
    return true;
}

bool drip_alloc_profile_start(uint64_t rate, drip_alloc_backtrace_fn walk)
{
    return drip__alloc_profile_start(rate, walk, NULL);
}

bool drip_alloc_profile_start_tagged(uint64_t rate, drip_alloc_tagged_walk_fn walk)
{
    return walk && drip__alloc_profile_start(rate, NULL, walk);
}

void drip_alloc_profile_seed(uint64_t seed)
{
    drip__alloc_sample_seed(seed);
}

bool drip_alloc_profile_set_rate(uint64_t rate)
{
    if (rate == 0)
        return false;
    uint64_t old = atomic_load(&g_prof_rate);
    return old != 0 && atomic_compare_exchange_strong(&g_prof_rate, &old,
                                                      rate < RATE_MAX ? rate : RATE_MAX);
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
    const double one = (double)ALLOC_WEIGHT_ONE;
    size_t used = atomic_load_explicit(&t->sites_used, memory_order_acquire);
    for (size_t k = 0; k < used && k < SITE_SLOTS; k++) {
        const site_slot *s = &t->sites[t->used_at[k]];
        if (!atomic_load_explicit(&s->hash, memory_order_acquire))
            continue;                    /* claimed, not yet filled */
        if (rd->n < rd->max) {
            drip_alloc_site *o = &rd->sites[rd->n];
            memset(o, 0, sizeof *o);
            o->npc = (int)s->npc;
            memcpy(o->pc, s->pc, s->npc * sizeof s->pc[0]);
            o->objects = (double)(int64_t)atomic_load(&s->alloc_objects) / one;
            o->bytes = (double)(int64_t)atomic_load(&s->alloc_bytes) / one;
            o->live_objects = (double)(int64_t)(atomic_load(&s->live.objects) +
                                                atomic_load(&s->live.remote_objects)) / one;
            o->live_bytes = (double)(int64_t)(atomic_load(&s->live.bytes) +
                                              atomic_load(&s->live.remote_bytes)) / one;
        }
        rd->n++;
    }
    rd->dropped += atomic_load(&t->sites_dropped);
}

size_t drip_alloc_profile_sites(drip_alloc_site *out, size_t max, uint64_t *dropped)
{
    shard_read rd = {.sites = out, .max = max};
    drip__alloc_each_shard(drip__alloc_shard_sites, &rd);
    if (dropped)
        *dropped = rd.dropped;
    return rd.n;
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
