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
 * Beside this file: alloc_track.c (tracked and sampled blocks with their
 * stacks), alloc_walk.c (the frame-pointer walker), alloc_usable.c
 * (malloc_usable_size for glibc's own blocks); alloc_internal.h is what
 * they share.  docs/ALLOCATOR.md explains the design for users.
 */
#define _GNU_SOURCE
#include "alloc_internal.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ======================================================================
 * Block header
 * ====================================================================== */

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

/* Shared with alloc_track.c (declared in alloc_internal.h). */
ALLOC_TLS alloc__self drip__alloc_t_self;
alloc__slot g_slots[ALLOC_SLOTS];
_Atomic unsigned g_slots_high;
static alloc__slot g_global;               /* fallback; in_use unused */

static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t  g_key;
static bool           g_key_ok;


/* The fault-injection hook (drip_alloc_set_fail_hook), or NULL. */
static _Atomic(drip_alloc_fail_hook) g_fail;

/* Non-zero while a fail hook is installed or tracking is on: the flag the
 * fast paths test to know they must take the slow way. */
static _Atomic int g_slow;

/* malloc's fast path takes the sizes below this: SIZE_MAX - HDR + 1 (a
 * larger size would overflow with the header) while g_slow is zero, and 0
 * (no size) while it is set, so that one compare tests both.  slow_update
 * keeps the two in step. */
static _Atomic size_t g_fast_below = SIZE_MAX - sizeof(alloc__hdr) + 1;

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
ALLOC_SLOW void drip__alloc_count_slow(uint64_t bytes, uint64_t allocs, uint64_t frees)
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
        drip__alloc_count_slow(bytes, allocs, frees);
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

/* malloc without failure injection (the caller has asked already). */
static inline void *alloc__malloc_nofail(size_t size)
{
    if (unlikely(size > SIZE_MAX - HDR)) {
        errno = ENOMEM;
        return NULL;
    }
    if (unlikely(atomic_load_explicit(&g_slow, memory_order_relaxed)) && track_wanted())
        return drip__track_alloc(size, false);
    if (unlikely(profile_wanted(size)))
        return drip__track_alloc_sampled(size, false);
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
    drip__alloc_count_slow(-h->size, 0, 1);
    block_release(p, h);
}

static inline void alloc__free(void *p)
{
    alloc__hdr *h = hdr_of(p);
    CHECK_MAGIC("free", p, h);
    if (unlikely(h->magic == ALLOC_TRACKED))
        drip__untrack(p, h);
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
            n = drip__track_alloc(size, false);
        } else if (sample_new) {
            n = drip__track_alloc_sampled(size, false);
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
        return drip__track_alloc(total, true);
    if (unlikely(profile_wanted(total)))
        return drip__track_alloc_sampled(total, true);
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
void drip__alloc_slow_update(void)
{
    bool slow = atomic_load(&g_fail) != NULL || atomic_load(&g_track) != NULL;
    atomic_store(&g_slow, slow);
    atomic_store(&g_fast_below, slow ? 0 : SIZE_MAX - HDR + 1);
}

drip_alloc_fail_hook drip_alloc_set_fail_hook(drip_alloc_fail_hook hook)
{
    drip_alloc_fail_hook old = atomic_exchange(&g_fail, hook);
    drip__alloc_slow_update();
    return old;
}
