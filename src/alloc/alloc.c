/* alloc.c - Drip's counting allocator: the malloc family over glibc.
 *
 * Every function here is a thin layer over glibc's exported __libc_* entry
 * points.  A block gets a 16-byte header just before the pointer the caller
 * sees; the header records the requested size, where glibc's block really
 * starts, and whether the block is counted.  Counters live in per-thread
 * slots so that the hot path is a header write plus a few thread-local loads
 * and plain stores (see "Counters" below).
 *
 * Rules for this file, because it runs underneath everything:
 *   - never call malloc and friends (no stdio, no dlsym, no strdup);
 *   - anything that may allocate (pthread_setspecific) runs with the thread
 *     marked "registering", so that a nested call takes the global fallback
 *     instead of recursing into registration;
 *   - internal callers use the static alloc__* functions, never the public
 *     names, so nothing goes through the PLT twice.
 *
 * docs/ALLOCATOR.md explains the design for users.
 */
#define _GNU_SOURCE
#include "alloc.h"
#include "alloc_parts.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ALLOC_SLOW  __attribute__((noinline, cold))
/* Thread-locals: local-exec (one instruction) when this file is built into
 * an executable, as the drip_alloc object library is; initial-exec, which
 * also works in a preloaded shared object, otherwise. */
#ifdef DRIP_ALLOC_IN_EXECUTABLE
#define ALLOC_TLS   __thread __attribute__((tls_model("local-exec")))
#else
#define ALLOC_TLS   __thread __attribute__((tls_model("initial-exec")))
#endif

/* glibc's own allocator, exported under these names since 2.2.5.  They are
 * aliases of glibc's malloc, free, ..., so valgrind's replacements (which it
 * installs by address in libc.so) take effect underneath us too. */
#if defined(__has_attribute) && __has_attribute(noplt)
#define ALLOC_NOPLT __attribute__((noplt))   /* call through the GOT: one jump less */
#else
#define ALLOC_NOPLT
#endif
extern void *__libc_malloc(size_t size) ALLOC_NOPLT;
extern void *__libc_calloc(size_t n, size_t size) ALLOC_NOPLT;
extern void *__libc_realloc(void *ptr, size_t size) ALLOC_NOPLT;
extern void  __libc_free(void *ptr) ALLOC_NOPLT;
extern void *__libc_memalign(size_t align, size_t size) ALLOC_NOPLT;

/* ======================================================================
 * Block header
 * ====================================================================== */

typedef struct alloc__hdr {
    uint64_t size;    /* size the caller asked for */
    uint32_t offset;  /* user pointer - glibc block start: 16 or the alignment */
    uint32_t magic;   /* ALLOC_COUNTED or ALLOC_UNCOUNTED */
} alloc__hdr;

_Static_assert(sizeof(alloc__hdr) == 16, "the header is 16 bytes");

#define HDR             ((size_t)sizeof(alloc__hdr))
#define MALLOC_ALIGN    ((size_t)16)          /* glibc's MALLOC_ALIGNMENT on x86_64 */
#define MAX_OFFSET      ((size_t)1 << 31)     /* largest alignment the header can hold */
#define ALLOC_COUNTED   0xd41bc0deu
#define ALLOC_UNCOUNTED 0xd41bf4eeu
#define ALLOC_TRACKED   0xd41b7ac3u           /* counted, and on the tracking list */
#define ALLOC_FREED     0xd41bdeadu           /* debug builds only */

static inline alloc__hdr *hdr_of(void *user)
{
    return (alloc__hdr *)user - 1;
}

#ifndef NDEBUG
/* Say what went wrong without allocating, then abort. */
ALLOC_SLOW static void alloc__bad_pointer(const char *fn, void *p)
{
    static const char hex[] = "0123456789abcdef";
    char buf[160];
    size_t n = 0;
    const char *parts[] = { "drip alloc: ", fn, "(): invalid pointer 0x" };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        for (const char *c = parts[i]; *c && n < 100; c++)
            buf[n++] = *c;
    for (int shift = 60; shift >= 0; shift -= 4)
        buf[n++] = hex[((uintptr_t)p >> shift) & 0xf];
    const char tail[] = " (not from this allocator, or freed twice)\n";
    memcpy(buf + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    ssize_t rc = write(STDERR_FILENO, buf, n);
    (void)rc;
    abort();
}
#define CHECK_MAGIC(fn, p, h)                                                  \
    do {                                                                       \
        if (unlikely((h)->magic != ALLOC_COUNTED &&                            \
                     (h)->magic != ALLOC_UNCOUNTED &&                          \
                     (h)->magic != ALLOC_TRACKED))                             \
            alloc__bad_pointer(fn, p);                                         \
    } while (0)
#else
#define CHECK_MAGIC(fn, p, h) ((void)0)
#endif

/* ======================================================================
 * Mode: counting or pass-through (DRIP_ALLOC=off), decided once
 * ====================================================================== */

enum { MODE_UNDECIDED = 0, MODE_COUNT, MODE_OFF };

static _Atomic int g_mode;
static ALLOC_TLS unsigned char t_probe;   /* see own_functions_run() */

/* true when a call to this file's malloc family really runs this file's
 * code.  Valgrind (since 3.12) replaces malloc-family functions in every
 * object, the executable included, unless run with
 * --soname-synonyms=somalloc=nouserintercepts; then only the functions it
 * does not know (reallocarray) would reach us, and counting must be off.
 * The probe calls our malloc_usable_size(NULL) through its address, which is
 * where valgrind's redirection applies; only our version sets t_probe. */
ALLOC_SLOW static bool own_functions_run(void)
{
    size_t (*volatile fn)(void *) = malloc_usable_size;
    t_probe = 1;
    fn(NULL);
    bool ours = t_probe == 2;
    t_probe = 0;
    return ours;
}

/* Decide on the first call of any function: DRIP_ALLOC=off (getenv does
 * not allocate) or a malloc replaced underneath us means pass-through.
 * Racing first calls compute the same answer; the CAS makes everyone keep
 * the first one stored. */
ALLOC_SLOW static int mode_decide(void)
{
    const char *v = getenv("DRIP_ALLOC");
    int mode = (v && strcmp(v, "off") == 0) || !own_functions_run() ? MODE_OFF : MODE_COUNT;
    int expected = MODE_UNDECIDED;
    if (!atomic_compare_exchange_strong(&g_mode, &expected, mode))
        mode = expected;
    return mode;
}

/* true when every call must go straight to glibc. */
static inline bool passthrough(void)
{
    int mode = atomic_load_explicit(&g_mode, memory_order_relaxed);
    if (likely(mode == MODE_COUNT))
        return false;
    if (mode == MODE_UNDECIDED)
        mode = mode_decide();
    return mode == MODE_OFF;
}

/* ======================================================================
 * Counters
 *
 * Each thread that does a counted operation claims a slot and is then its
 * only writer: it updates its own counters with one unlocked add to memory
 * on x86-64 (a relaxed load, an add and a relaxed store elsewhere; see
 * slot_add), no lock and no locked instruction.
 * drip_alloc_read() sums every slot.  A slot holds deltas, not totals, so a
 * thread can free what another allocated and its slot goes negative: only
 * the sum means anything.  When a thread exits, a pthread key destructor
 * gives its slot back without zeroing it; the next owner keeps adding to it,
 * so nothing needs folding.  live_objects is not stored at all: it is
 * allocs - frees, which keeps the documented invariant exact in every read.
 *
 * Threads that cannot have a slot (all taken, no pthread key, registering,
 * or already past their slot's destructor) use g_global, with atomic adds.
 * ====================================================================== */

#define ALLOC_SLOTS 4096

typedef struct alloc__slot {
    _Atomic uint64_t bytes;   /* live bytes delta (two's complement) */
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    _Atomic int      in_use;  /* claimed by a live thread */
    struct track_shard *_Atomic track;   /* tracking list and site totals of
                                          * the slot's threads (mmap'd on
                                          * first use, kept with the slot) */
} __attribute__((aligned(64))) alloc__slot;

static alloc__slot g_slots[ALLOC_SLOTS];
static alloc__slot g_global;               /* fallback; in_use unused */
static _Atomic unsigned g_slots_high;      /* slots [0, high) were ever claimed */

static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t  g_key;
static bool           g_key_ok;

enum { T_NEW = 0, T_REGISTERING, T_SLOT, T_GLOBAL };

/* The fault-injection hook (drip_alloc_set_fail_hook), or NULL. */
static _Atomic(drip_alloc_fail_hook) g_fail;

/* The tracking stack walker (drip_alloc_track_start), or NULL when not
 * tracking. */
static _Atomic(drip_alloc_backtrace_fn) g_track;

/* The profiler's mean sampling interval in bytes (0: off; 1: every
 * allocation) and its stack walker (drip_alloc_profile_start). */
static _Atomic uint64_t g_prof_rate;
static _Atomic(drip_alloc_backtrace_fn) g_prof_walk;

/* Non-zero while a fail hook is installed or tracking is on: the flag the
 * fast paths test to know they must take the slow way. */
static _Atomic int g_slow;

/* malloc's fast path takes the sizes below this: SIZE_MAX - HDR + 1 (a
 * larger size would overflow with the header) while g_slow is zero, and 0
 * (no size) while it is set, so that one compare tests both.  slow_update
 * keeps the two in step. */
static _Atomic size_t g_fast_below = SIZE_MAX - sizeof(alloc__hdr) + 1;

/* Zero-initialised for every new thread: counting on, no slot yet. */
static ALLOC_TLS struct {
    alloc__slot  *fast;   /* slot if counting is on, else NULL: the hot path.
                           * Non-NULL implies counting mode (slots are only
                           * claimed in counting mode). */
    alloc__slot  *slot;   /* non-NULL exactly when state == T_SLOT */
    unsigned char off;    /* counting turned off (zero means on) */
    unsigned char state;  /* T_* */
    unsigned char in_hook; /* inside the fail hook: never recurse */
    int64_t  sample_left; /* bytes before the next profiling sample (see
                           * "Profiling"); 0 (SAMPLE_UNDRAWN): draw first */
    uint64_t rng;         /* xorshift state for the sampling intervals */
} t_self;

/* Should this allocation fail?  Only for threads that count (the
 * workload's), only with a hook installed; the hook runs once per call. */
static inline bool inject_failure(size_t size)
{
    drip_alloc_fail_hook hook = atomic_load_explicit(&g_fail, memory_order_acquire);
    if (likely(!hook) || t_self.off || t_self.in_hook)
        return false;
    t_self.in_hook = 1;
    bool fail = hook(size);
    t_self.in_hook = 0;
    return fail;
}

/* Owner-only update: no other thread writes this slot.  On x86-64 it is
 * one unlocked add to memory (the compiler turns a relaxed load and store
 * into three instructions): readers need only see the old or the new value,
 * and an aligned 8-byte store is single-copy atomic there.  No lock prefix,
 * since no other thread writes the counter. */
static inline void slot_add(_Atomic uint64_t *c, uint64_t delta)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__("addq %1, %0" : "+m"(*(uint64_t *)c) : "er"(delta));
#else
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + delta,
                          memory_order_relaxed);
#endif
}

/* slot_add of -delta, one instruction shorter on x86-64 (no negation). */
static inline void slot_sub(_Atomic uint64_t *c, uint64_t delta)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__("subq %1, %0" : "+m"(*(uint64_t *)c) : "er"(delta));
#else
    slot_add(c, -delta);
#endif
}

/* pthread key destructor: the thread is exiting.  Later counted operations
 * of this thread (other destructors, glibc's own teardown) use g_global. */
static void slot_release(void *arg)
{
    alloc__slot *s = arg;
    t_self.fast = t_self.slot = NULL;
    t_self.state = T_GLOBAL;
    atomic_store_explicit(&s->in_use, 0, memory_order_release);
}

static void key_create(void)
{
    g_key_ok = pthread_key_create(&g_key, slot_release) == 0;
}

/* Claim the lowest free slot for this thread (lowest, so that readers scan
 * few slots).  Returns NULL when the thread must use the global fallback
 * from now on. */
ALLOC_SLOW static alloc__slot *slot_claim(void)
{
    t_self.state = T_REGISTERING;   /* nested counted calls go to g_global */
    pthread_once(&g_key_once, key_create);
    if (!g_key_ok)
        goto global;

    for (unsigned i = 0; i < ALLOC_SLOTS; i++) {
        alloc__slot *s = &g_slots[i];
        int expected = 0;
        if (atomic_load_explicit(&s->in_use, memory_order_relaxed) != 0 ||
            !atomic_compare_exchange_strong_explicit(&s->in_use, &expected, 1,
                                                     memory_order_acquire,
                                                     memory_order_relaxed))
            continue;
        unsigned high = atomic_load_explicit(&g_slots_high, memory_order_relaxed);
        while (high < i + 1 &&
               !atomic_compare_exchange_weak_explicit(&g_slots_high, &high, i + 1,
                                                      memory_order_release,
                                                      memory_order_relaxed))
            ;
        if (pthread_setspecific(g_key, s) != 0) {   /* may calloc: guarded */
            atomic_store_explicit(&s->in_use, 0, memory_order_release);
            goto global;
        }
        t_self.slot = s;
        t_self.fast = t_self.off ? NULL : s;
        t_self.state = T_SLOT;
        return s;
    }
global:
    t_self.state = T_GLOBAL;
    return NULL;
}

/* Counted operation off the fast path: a thread without a slot yet, one
 * that must use the fallback, or one with counting off freeing a counted
 * block. */
ALLOC_SLOW static void count_slow(uint64_t bytes, uint64_t allocs, uint64_t frees)
{
    alloc__slot *s = t_self.slot;
    if (!s && t_self.state == T_NEW)
        s = slot_claim();
    if (s) {
        slot_add(&s->bytes, bytes);
        slot_add(&s->allocs, allocs);
        slot_add(&s->frees, frees);
        return;
    }
    atomic_fetch_add_explicit(&g_global.bytes, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_global.allocs, allocs, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_global.frees, frees, memory_order_relaxed);
}

/* Add a counted operation.  bytes is a two's-complement delta.  Inlined
 * with constant allocs/frees, the zero updates disappear. */
static inline void count(uint64_t bytes, uint64_t allocs, uint64_t frees)
{
    alloc__slot *s = t_self.fast;
    if (unlikely(!s)) {
        count_slow(bytes, allocs, frees);
        return;
    }
    slot_add(&s->bytes, bytes);
    if (allocs)
        slot_add(&s->allocs, allocs);
    if (frees)
        slot_add(&s->frees, frees);
}

/* ======================================================================
 * Allocation and release (counting mode)
 * ====================================================================== */

/* Write the header of a fresh glibc block and count it if this thread
 * counts.  real is glibc's pointer; the user pointer is real + offset. */
static inline void *block_init(char *real, size_t offset, size_t size)
{
    char *user = real + offset;
    alloc__hdr *h = hdr_of(user);
    h->size = size;
    h->offset = (uint32_t)offset;
    alloc__slot *s = t_self.fast;
    if (likely(s)) {                   /* counting, slot claimed */
        h->magic = ALLOC_COUNTED;
        slot_add(&s->bytes, size);
        slot_add(&s->allocs, 1);
    } else if (!t_self.off) {          /* counting, no slot yet */
        h->magic = ALLOC_COUNTED;
        count_slow(size, 1, 0);
    } else {
        h->magic = ALLOC_UNCOUNTED;
    }
    return user;
}

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

/* Should this allocation be tracked?  Tracking on, this thread counts, and
 * this is not an allocation made by the stack walker itself. */
static inline bool track_wanted(void)
{
    return atomic_load_explicit(&g_track, memory_order_acquire) && !t_self.off &&
           !t_self.in_hook;
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
ALLOC_SLOW static void *track_alloc(size_t size, bool zero)
{
    return track_alloc_with(size, zero, atomic_load_explicit(&g_track, memory_order_acquire), 0);
}

/* A block sampled by the profiler (the profiler's walker), counted in the
 * per-stack totals. */
ALLOC_SLOW static void *track_alloc_sampled(size_t size, bool zero)
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

#define SAMPLE_UNDRAWN 0             /* a thread's interval is not drawn yet (new
                                      * threads start here: TLS is zeroed) */
#define SAMPLE_NEVER   (INT64_MAX / 2)


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
ALLOC_SLOW static bool sample_due(size_t size)
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

/* Should this allocation be sampled by the profiler? */
static inline bool profile_wanted(size_t size)
{
    if (t_self.off || t_self.in_hook)
        return false;
    int64_t left = t_self.sample_left - (int64_t)size;
    if (likely(left >= 0 && t_self.sample_left != SAMPLE_UNDRAWN)) {
        t_self.sample_left = left;
        return false;
    }
    return sample_due(size);
}

/* malloc without failure injection (the caller has asked already). */
static inline void *alloc__malloc_nofail(size_t size)
{
    if (unlikely(size > SIZE_MAX - HDR)) {
        errno = ENOMEM;
        return NULL;
    }
    if (unlikely(atomic_load_explicit(&g_slow, memory_order_relaxed)) && track_wanted())
        return track_alloc(size, false);
    if (unlikely(profile_wanted(size)))
        return track_alloc_sampled(size, false);
    char *real = __libc_malloc(size + HDR);
    if (unlikely(!real))
        return NULL;
    return block_init(real, HDR, size);
}

static inline void *alloc__malloc(size_t size)
{
    if (unlikely(inject_failure(size))) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc__malloc_nofail(size);
}

/* Blocks aligned beyond what malloc gives: glibc's block is aligned to
 * align, and the user pointer is one alignment further, leaving room for
 * the header.  align is a power of two. */
ALLOC_SLOW static void *alloc__aligned(size_t align, size_t size)
{
    if (align <= MALLOC_ALIGN)
        return alloc__malloc(size);
    if (align > MAX_OFFSET || size > SIZE_MAX - align || inject_failure(size)) {
        errno = ENOMEM;
        return NULL;
    }
    char *real = __libc_memalign(align, size + align);
    if (!real)
        return NULL;
    return block_init(real, align, size);
}

/* Release a block whose header was checked.  Split from alloc__free so
 * that the hot path makes no call but the final (tail) one. */
static inline void block_release(void *p, alloc__hdr *h)
{
    uint32_t offset = h->offset;
#ifndef NDEBUG
    h->magic = ALLOC_FREED;
#endif
    __libc_free((char *)p - offset);
}

/* A counted block freed by a thread without a fast slot. */
ALLOC_SLOW static void free_counted_slow(void *p, alloc__hdr *h)
{
    count_slow(-h->size, 0, 1);
    block_release(p, h);
}

static inline void alloc__free(void *p)
{
    alloc__hdr *h = hdr_of(p);
    CHECK_MAGIC("free", p, h);
    if (unlikely(h->magic == ALLOC_TRACKED)) {
        track_unlink(rec_of(p, h));
        h->magic = ALLOC_COUNTED;
    }
    if (h->magic == ALLOC_COUNTED) {
        alloc__slot *s = t_self.fast;
        if (unlikely(!s)) {
            free_counted_slow(p, h);
            return;
        }
        slot_add(&s->bytes, -h->size);
        slot_add(&s->frees, 1);
    }
    block_release(p, h);
}

/* realloc of a non-NULL block to a non-zero size.  Counted as one free of
 * the old block (if it was counted) and one allocation of the new one (if
 * this thread counts). */
static void *alloc__realloc(void *p, size_t size)
{
    alloc__hdr *h = hdr_of(p);
    CHECK_MAGIC("realloc", p, h);
    uint64_t old_size = h->size;
    uint32_t offset = h->offset;
    bool was_counted = h->magic == ALLOC_COUNTED;

    if (unlikely(size > SIZE_MAX - HDR || inject_failure(size))) {
        errno = ENOMEM;
        return NULL;
    }
    bool sweep_new = atomic_load_explicit(&g_slow, memory_order_relaxed) && track_wanted();
    bool sample_new = !sweep_new && profile_wanted(size);
    if (unlikely(h->magic == ALLOC_TRACKED || sweep_new || sample_new)) {
        /* A tracked block moves as a new allocation (tracked when tracking
         * is on or the profiler samples it) plus a free of the old one: the
         * list never holds a stale address.  Counts as one allocation and
         * one free, as below. */
        void *n;
        if (sweep_new) {
            n = track_alloc(size, false);
        } else if (sample_new) {
            n = track_alloc_sampled(size, false);
        } else {
            char *real = __libc_malloc(size + HDR);
            n = real ? block_init(real, HDR, size) : NULL;
        }
        if (!n)
            return NULL;
        memcpy(n, p, old_size < size ? old_size : size);
        alloc__free(p);
        return n;
    }
    char *real;
    if (likely(offset == HDR)) {
        real = __libc_realloc((char *)p - HDR, size + HDR);   /* header moves along */
        if (unlikely(!real))
            return NULL;
    } else {
        real = __libc_malloc(size + HDR);   /* over-aligned: move to a plain block */
        if (!real)
            return NULL;
        memcpy(real + HDR, p, old_size < size ? old_size : size);
        __libc_free((char *)p - offset);
    }

    char *user = real + HDR;
    h = hdr_of(user);
    h->size = size;
    h->offset = (uint32_t)HDR;
    bool now_counted = !t_self.off;
    h->magic = now_counted ? ALLOC_COUNTED : ALLOC_UNCOUNTED;
    if (was_counted || now_counted)
        count((now_counted ? size : 0) - (was_counted ? old_size : 0),
              now_counted, was_counted);
    return user;
}

/* ======================================================================
 * The malloc family
 * ====================================================================== */

static inline bool is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static size_t page_size(void)
{
    static _Atomic size_t cached;
    size_t p = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!p) {
        p = (size_t)sysconf(_SC_PAGESIZE);   /* reads a loader variable; no allocation */
        atomic_store_explicit(&cached, p, memory_order_relaxed);
    }
    return p;
}

/* malloc and free test one thread-local pointer: a non-NULL fast slot
 * means counting mode, counting on and a slot claimed.  Everything else
 * (first call, pass-through, counting off, no slot yet; for free also a
 * block that is not plainly counted) takes the slow function, which does
 * it the general way.  The slow functions are reached by tail calls, so
 * the fast paths save no registers (bench/run, docs/PERFORMANCE.md). */

ALLOC_SLOW static void *malloc_slow(size_t size)
{
    if (passthrough())
        return __libc_malloc(size);
    return alloc__malloc(size);
}

/* glibc's malloc failed after malloc counted the block: take it back. */
ALLOC_SLOW static void *malloc_failed(size_t size)
{
    alloc__slot *s = t_self.fast;
    slot_sub(&s->bytes, size);
    slot_sub(&s->allocs, 1);
    return NULL;                       /* errno is glibc's ENOMEM */
}

void *malloc(size_t size)
{
    alloc__slot *s = t_self.fast;
    if (unlikely(!s || size >= atomic_load_explicit(&g_fast_below, memory_order_relaxed)))
        return malloc_slow(size);
    int64_t left = t_self.sample_left - (int64_t)size;   /* profiling count-down */
    if (unlikely(left < 0 || t_self.sample_left == SAMPLE_UNDRAWN))
        return malloc_slow(size);
    t_self.sample_left = left;
    /* Counted before the call, so that only size has to survive it (one
     * register saved, not two).  A reader may see the block a moment
     * early; a failed call takes it back. */
    slot_add(&s->bytes, size);
    slot_add(&s->allocs, 1);
    char *real = __libc_malloc(size + HDR);
    if (unlikely(!real))
        return malloc_failed(size);
    alloc__hdr *h = (alloc__hdr *)real;
    h->size = size;
    h->offset = (uint32_t)HDR;
    h->magic = ALLOC_COUNTED;
    return real + HDR;
}

ALLOC_SLOW static void free_slow(void *p)
{
    if (!p)
        return;
    if (passthrough()) {
        __libc_free(p);
        return;
    }
    alloc__free(p);
}

void free(void *p)
{
    alloc__slot *s = t_self.fast;
    if (unlikely(!s || !p || hdr_of(p)->magic != ALLOC_COUNTED)) {
        free_slow(p);       /* also uncounted, tracked and bad blocks */
        return;
    }
    alloc__hdr *h = hdr_of(p);
    slot_sub(&s->bytes, h->size);
    slot_add(&s->frees, 1);
    block_release(p, h);
}

void *calloc(size_t n, size_t size)
{
    if (unlikely(passthrough()))
        return __libc_calloc(n, size);
    size_t total;
    if (unlikely(__builtin_mul_overflow(n, size, &total) || total > SIZE_MAX - HDR ||
                 inject_failure(total))) {
        errno = ENOMEM;
        return NULL;
    }
    if (unlikely(atomic_load_explicit(&g_slow, memory_order_relaxed)) && track_wanted())
        return track_alloc(total, true);
    if (unlikely(profile_wanted(total)))
        return track_alloc_sampled(total, true);
    char *real = __libc_calloc(1, total + HDR);
    if (unlikely(!real))
        return NULL;
    return block_init(real, HDR, total);
}

/* realloc with glibc's edge cases: NULL means malloc, size 0 means free. */
static void *alloc__realloc_any(void *p, size_t size)
{
    if (unlikely(passthrough()))
        return __libc_realloc(p, size);
    if (!p)
        return alloc__malloc(size);
    if (size == 0) {               /* glibc: frees and returns NULL */
        alloc__free(p);
        return NULL;
    }
    return alloc__realloc(p, size);
}

void *realloc(void *p, size_t size)
{
    return alloc__realloc_any(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc__realloc_any(p, total);
}

int posix_memalign(void **memptr, size_t align, size_t size)
{
    if (align % sizeof(void *) != 0 || !is_pow2(align))
        return EINVAL;
    int saved = errno;             /* POSIX: errno is left alone */
    void *p = passthrough() ? __libc_memalign(align, size) : alloc__aligned(align, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    *memptr = p;
    return 0;
}

/* memalign with glibc 2.36's semantics: small alignments mean malloc,
 * absurd ones EINVAL, other non-powers of two are rounded up to the next
 * power of two. */
static void *alloc__memalign(size_t align, size_t size)
{
    if (passthrough())
        return __libc_memalign(align, size);
    if (align <= MALLOC_ALIGN)
        return alloc__malloc(size);
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (!is_pow2(align)) {
        size_t a = 2 * MALLOC_ALIGN;
        while (a < align)
            a <<= 1;
        align = a;
    }
    return alloc__aligned(align, size);
}

void *memalign(size_t align, size_t size)
{
    return alloc__memalign(align, size);
}

/* C17 (DR 460) and glibc >= 2.38: the alignment must be a power of two.
 * (glibc 2.36 itself rounds it up, as memalign does.) */
void *aligned_alloc(size_t align, size_t size)
{
    if (!is_pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc__memalign(align, size);
}

void *valloc(size_t size)
{
    return alloc__memalign(page_size(), size);
}

/* Rounds the size up to whole pages; the rounded size is what is counted. */
void *pvalloc(size_t size)
{
    size_t page = page_size();
    size_t rounded;
    if (__builtin_add_overflow(size, page - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc__memalign(page, rounded & ~(page - 1));
}

/* ----------------------------------------------------------------------
 * malloc_usable_size.  Counting mode answers with the requested size: the
 * glibc block is always at least that big past the user pointer.  In
 * pass-through mode the block is glibc's, and only glibc's (or valgrind's)
 * malloc_usable_size knows; glibc has no __libc_ name for it and dlsym may
 * allocate, so it is looked up once in libc's ELF symbol table.
 * ---------------------------------------------------------------------- */

size_t malloc_usable_size(void *p)
{
    if (!p) {
        if (unlikely(t_probe))
            t_probe = 2;                       /* own_functions_run(): it is us */
        return 0;
    }
    if (passthrough())
        return drip__alloc_usable_passthrough(p);
    alloc__hdr *h = hdr_of(p);
    CHECK_MAGIC("malloc_usable_size", p, h);
    return h->size;
}

/* ======================================================================
 * Public API (alloc.h)
 * ====================================================================== */

void drip_alloc_read(drip_alloc_stats *out)
{
    uint64_t bytes = 0, allocs = 0, frees = 0;
    if (!passthrough()) {
        unsigned high = atomic_load_explicit(&g_slots_high, memory_order_acquire);
        for (unsigned i = 0; i < high; i++) {
            bytes  += atomic_load_explicit(&g_slots[i].bytes, memory_order_relaxed);
            allocs += atomic_load_explicit(&g_slots[i].allocs, memory_order_relaxed);
            frees  += atomic_load_explicit(&g_slots[i].frees, memory_order_relaxed);
        }
        bytes  += atomic_load_explicit(&g_global.bytes, memory_order_relaxed);
        allocs += atomic_load_explicit(&g_global.allocs, memory_order_relaxed);
        frees  += atomic_load_explicit(&g_global.frees, memory_order_relaxed);
    }
    out->live_bytes = (int64_t)bytes;
    out->live_objects = (int64_t)(allocs - frees);
    out->allocs = allocs;
    out->frees = frees;
}

bool drip_alloc_set_counting(bool on)
{
    bool was_on = !t_self.off;
    t_self.off = !on;
    t_self.fast = on ? t_self.slot : NULL;
    if (on && !was_on)            /* pick up a profiling rate set since */
        t_self.sample_left = SAMPLE_UNDRAWN;
    return was_on;
}

bool drip_alloc_active(void)
{
    return !passthrough();
}

/* Recompute g_slow after a hook or the walker changed. */
static void slow_update(void)
{
    bool slow = atomic_load(&g_fail) != NULL || atomic_load(&g_track) != NULL;
    atomic_store(&g_slow, slow);
    atomic_store(&g_fast_below, slow ? 0 : SIZE_MAX - HDR + 1);
}

drip_alloc_fail_hook drip_alloc_set_fail_hook(drip_alloc_fail_hook hook)
{
    drip_alloc_fail_hook old = atomic_exchange(&g_fail, hook);
    slow_update();
    return old;
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
    if (passthrough())
        return false;
    atomic_store(&g_track, walk ? walk : caller_only);
    slow_update();
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
    if (passthrough() || rate == 0)
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
    slow_update();
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
