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
 *   - internal callers use the static functions below, never the public
 *     names, so nothing goes through the PLT twice.
 *
 * This is the core of src/alloc.  alloc_core.h is what it offers the files
 * built on it; alloc_track.c (tracked and sampled blocks with their stacks)
 * is one of them and plugs in through the extension hooks declared there,
 * so the core never names it.  alloc_usable.c (malloc_usable_size for
 * glibc's own blocks) is a leaf the core calls; alloc_walk.c (the
 * frame-pointer walker) stands alone.  docs/ALLOCATOR.md explains the
 * design for users.
 */
#define _GNU_SOURCE
#include "alloc_core.h"
#include "alloc_usable.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define t_self drip__alloc_t_self

/* ======================================================================
 * Block header
 * ====================================================================== */

/* Say what went wrong without allocating, then abort. */
ALLOC_SLOW static void drip__alloc_bad_pointer(const char *fn, void *p)
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

/* A block waiting in a thread's cache is free: a second free or a realloc
 * of it must stop here in every build (glibc sees it allocated and could
 * not tell). */
#define CHECK_NOT_CACHED(fn, p, h)                                             \
    do {                                                                       \
        if (ALLOC_UNLIKELY((h)->magic == ALLOC_CACHED))                        \
            drip__alloc_bad_pointer(fn, p);                                    \
    } while (0)

#ifndef NDEBUG
#define CHECK_MAGIC(fn, p, h)                                                  \
    do {                                                                       \
        if (ALLOC_UNLIKELY((h)->magic != ALLOC_COUNTED &&                      \
                           (h)->magic != ALLOC_UNCOUNTED &&                    \
                           (h)->magic != ALLOC_TRACKED))                       \
            drip__alloc_bad_pointer(fn, p);                                    \
    } while (0)
#else
#define CHECK_MAGIC(fn, p, h) CHECK_NOT_CACHED(fn, p, h)
#endif

/* The fault-injection hook (drip_alloc_set_fail_hook), or NULL. */
static _Atomic(drip_alloc_fail_hook) g_fail;

/* The extension (alloc_track.c) once it has started, and whether it asked
 * to see every counted allocation (drip__alloc_ext_set). */
static const drip__alloc_ext *_Atomic g_ext;
static _Atomic bool g_ext_every;

/* Non-zero while a fail hook is installed or the extension sees every
 * allocation: the flag the fast paths test to know they must take the
 * slow way. */
static _Atomic int g_slow;

/* malloc's fast path takes the sizes below this: 2^63 - 1 (larger sizes
 * fail anyway; below it, size plus the header cannot overflow and the
 * count-down's signed arithmetic holds) while g_slow is zero, and 0 (no
 * size) while it is set, so that one compare tests both.
 * drip__alloc_slow_update keeps the two in step. */
#define FAST_BELOW ((size_t)INT64_MAX)
static _Atomic size_t g_fast_below = FAST_BELOW;

/* Should this allocation fail?  Only for threads that count (the
 * workload's), only with a hook installed; the hook runs once per call. */
static inline bool drip__alloc_inject_failure(size_t size)
{
    drip_alloc_fail_hook hook = atomic_load_explicit(&g_fail, memory_order_acquire);
    if (ALLOC_LIKELY(!hook) || t_self.off || t_self.in_hook)
        return false;
    t_self.in_hook = 1;
    bool fail = hook(size);
    t_self.in_hook = 0;
    return fail;
}

/* Add a counted operation.  bytes is a two's-complement delta.  Inlined
 * with constant allocs/frees, the zero updates disappear. */
static inline void drip__alloc_count(uint64_t bytes, uint64_t allocs, uint64_t frees)
{
    drip__alloc_slot *s = t_self.fast;
    if (ALLOC_UNLIKELY(!s)) {
        drip__alloc_count_slow(bytes, allocs, frees);
        return;
    }
    drip__alloc_slot_add(&s->bytes, bytes);
    if (allocs)
        drip__alloc_slot_add(&s->allocs, allocs);
    if (frees)
        drip__alloc_slot_add(&s->frees, frees);
    drip__alloc_peak(s);
}


/* ======================================================================
 * Allocation and release (counting mode)
 * ====================================================================== */

/* Take size off the sampling count-down (alloc_core.h); true when it has
 * run out and the extension is to be asked.  Threads with counting off and
 * allocations made inside a hook never count down. */
static inline bool drip__alloc_charge(size_t size)
{
    if (t_self.off || t_self.in_hook)
        return false;
    t_self.sample_left -= (int64_t)size;
    return t_self.sample_left <= 0;
}

/* The extension's turn for a counted allocation: when the count-down has
 * run out or it sees every allocation.  true when it made the allocation
 * (*out: the block or NULL with errno set). */
static inline bool drip__alloc_ext_takes(size_t size, bool zero, void **out)
{
    bool due = drip__alloc_charge(size);
    bool every = ALLOC_UNLIKELY(atomic_load_explicit(&g_slow, memory_order_relaxed)) &&
                 atomic_load_explicit(&g_ext_every, memory_order_relaxed) &&
                 !t_self.off && !t_self.in_hook;
    if (ALLOC_LIKELY(!due && !every))
        return false;
    const drip__alloc_ext *ext = atomic_load_explicit(&g_ext, memory_order_acquire);
    if (!ext) {                        /* nobody to ask: stop counting down */
        t_self.sample_left = ALLOC_SAMPLE_NEVER;
        return false;
    }
    /* Inlined into the malloc-family function (or its slow path, reached
     * by a tail call) that asks: its frame's return address is the
     * allocation site, where a walker may start (drip_alloc_walk_from). */
    t_self.entry_frame = __builtin_frame_address(0);
    bool took = ext->alloc(size, zero, out);
    t_self.entry_frame = NULL;
    return took;
}

/* realloc of a block on the extension's books (so the extension exists):
 * its turn to resize it itself (drip__alloc_ext.resize), from the frame of
 * the realloc asking, as drip__alloc_ext_takes.  true when it did. */
static inline bool drip__alloc_ext_resizes(void *p, drip__alloc_hdr *h, size_t size, void **out)
{
    if (t_self.off || t_self.in_hook)
        return false;
    const drip__alloc_ext *ext = atomic_load_explicit(&g_ext, memory_order_acquire);
    t_self.entry_frame = __builtin_frame_address(0);
    bool done = ext->resize(p, h, size, out);
    t_self.entry_frame = NULL;
    return done;
}

/* malloc from glibc, the extension asked already (or not to be asked):
 * size below SIZE_MAX - ALLOC_HDR. */
static inline void *drip__alloc_malloc_glibc(size_t size)
{
    char *real = __libc_malloc(drip__alloc_request(size));
    if (ALLOC_UNLIKELY(!real))
        return NULL;
    return drip__alloc_block_init(real, ALLOC_HDR, size);
}

/* malloc without failure injection (the caller has asked already). */
static inline void *drip__alloc_malloc_nofail(size_t size)
{
    if (ALLOC_UNLIKELY(size > SIZE_MAX - ALLOC_HDR)) {
        errno = ENOMEM;
        return NULL;
    }
    void *taken;
    if (ALLOC_UNLIKELY(drip__alloc_ext_takes(size, false, &taken)))
        return taken;
    return drip__alloc_malloc_glibc(size);
}

static inline void *drip__alloc_malloc_counted(size_t size)
{
    if (ALLOC_UNLIKELY(drip__alloc_inject_failure(size))) {
        errno = ENOMEM;
        return NULL;
    }
    return drip__alloc_malloc_nofail(size);
}

/* Blocks aligned beyond what malloc gives: glibc's block is aligned to
 * align, and the user pointer is one alignment further, leaving room for
 * the header.  align is a power of two.  Never tracked or sampled. */
ALLOC_SLOW static void *drip__alloc_malloc_aligned(size_t align, size_t size)
{
    if (align <= ALLOC_MALLOC_ALIGN)
        return drip__alloc_malloc_counted(size);
    if (align > ALLOC_MAX_OFFSET || size > SIZE_MAX - align || drip__alloc_inject_failure(size)) {
        errno = ENOMEM;
        return NULL;
    }
    char *real = __libc_memalign(align, size + align);
    if (!real)
        return NULL;
    return drip__alloc_block_init(real, align, size);
}

/* Release a block whose header was checked.  Split from drip__alloc_free_counted so
 * that the hot path makes no call but the final (tail) one. */
static inline void drip__alloc_block_release(void *p, drip__alloc_hdr *h)
{
    size_t offset = drip__alloc_offset(h);
#ifndef NDEBUG
    h->magic = ALLOC_FREED;
#endif
    __libc_free((char *)p - offset);
}

/* A counted block freed by a thread without a fast slot (kept: the
 * extension keeps its memory; only count it). */
ALLOC_SLOW static void drip__alloc_free_counted_slow(void *p, drip__alloc_hdr *h, bool kept)
{
    drip__alloc_count_slow(-h->size, 0, 1);
    if (kept)
        h->magic = ALLOC_CACHED;         /* a second free stops (CHECK_NOT_CACHED) */
    else
        drip__alloc_block_release(p, h);
}

/* Off the extension's books: a block only the extension can have made.
 * true when the extension keeps its memory. */
ALLOC_SLOW static bool drip__alloc_untrack(void *p, drip__alloc_hdr *h)
{
    return atomic_load_explicit(&g_ext, memory_order_acquire)->release(p, h);
}

static inline void drip__alloc_free_counted(void *p)
{
    drip__alloc_hdr *h = drip__alloc_hdr_of(p);
    CHECK_MAGIC("free", p, h);
    bool kept = false;
    if (ALLOC_UNLIKELY(h->magic == ALLOC_TRACKED))
        kept = drip__alloc_untrack(p, h);
    if (h->magic == ALLOC_COUNTED) {
        drip__alloc_slot *s = t_self.fast;
        if (ALLOC_UNLIKELY(!s)) {
            drip__alloc_free_counted_slow(p, h, kept);
            return;
        }
        drip__alloc_slot_sub(&s->bytes, h->size);
        drip__alloc_slot_add(&s->frees, 1);
    }
    if (ALLOC_UNLIKELY(kept))
        h->magic = ALLOC_CACHED;         /* a second free stops (CHECK_NOT_CACHED) */
    else
        drip__alloc_block_release(p, h);
}

/* realloc by moving: a new block (the extension's when it takes it), the
 * bytes copied, the old block freed.  For a block on the extension's books
 * and for one the extension wants: its list never holds a stale address.
 * Counts as one allocation and one free, like an in-place realloc. */
static void *drip__alloc_realloc_move(void *p, size_t old_size, size_t size, bool taken, void *n)
{
    if (!taken) {
        char *real = __libc_malloc(drip__alloc_request(size));
        n = real ? drip__alloc_block_init(real, ALLOC_HDR, size) : NULL;
    }
    if (!n)
        return NULL;
    memcpy(n, p, old_size < size ? old_size : size);
    drip__alloc_free_counted(p);
    return n;
}

/* realloc of a non-NULL block to a non-zero size.  Counted as one free of
 * the old block (if it was counted) and one allocation of the new one (if
 * this thread counts).  Inlined, like drip__alloc_realloc_any, so that a stack walk
 * from the extension sees realloc as the allocator's outermost frame. */
static inline __attribute__((always_inline)) void *drip__alloc_realloc_counted(void *p, size_t size)
{
    drip__alloc_hdr *h = drip__alloc_hdr_of(p);
    CHECK_MAGIC("realloc", p, h);
    uint64_t old_size = h->size;
    size_t offset = drip__alloc_offset(h);
    bool was_counted = h->magic == ALLOC_COUNTED;

    if (ALLOC_UNLIKELY(size > SIZE_MAX - ALLOC_HDR || drip__alloc_inject_failure(size))) {
        errno = ENOMEM;
        return NULL;
    }
    void *resized;
    if (ALLOC_UNLIKELY(h->magic == ALLOC_TRACKED) && drip__alloc_ext_resizes(p, h, size, &resized))
        return resized;
    void *taken_block = NULL;
    bool taken = drip__alloc_ext_takes(size, false, &taken_block);
    if (ALLOC_UNLIKELY(taken || h->magic == ALLOC_TRACKED))
        return drip__alloc_realloc_move(p, old_size, size, taken, taken_block);
    char *real;
    if (ALLOC_LIKELY(offset == ALLOC_HDR)) {
        /* the header moves along */
        real = __libc_realloc((char *)p - ALLOC_HDR, drip__alloc_request(size));
        if (ALLOC_UNLIKELY(!real))
            return NULL;
    } else {
        real = __libc_malloc(drip__alloc_request(size));   /* over-aligned: to a plain block */
        if (!real)
            return NULL;
        memcpy(real + ALLOC_HDR, p, old_size < size ? old_size : size);
        __libc_free((char *)p - offset);
    }

    char *user = real + ALLOC_HDR;
    h = drip__alloc_hdr_of(user);
    h->size = size;
    bool now_counted = !t_self.off;
    h->word = now_counted ? ALLOC_COUNTED : ALLOC_UNCOUNTED;   /* extra 0 */
    if (was_counted || now_counted)
        drip__alloc_count((now_counted ? size : 0) - (was_counted ? old_size : 0),
              now_counted, was_counted);
    return user;
}

/* ======================================================================
 * The malloc family
 * ====================================================================== */

static inline bool drip__alloc_is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static size_t drip__alloc_page_size(void)
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

ALLOC_SLOW static void *drip__alloc_malloc_slow(size_t size)
{
    if (drip__alloc_passthrough())
        return __libc_malloc(size);
    return drip__alloc_malloc_counted(size);
}

/* The count-down ran out on malloc's fast path, which took size off it
 * already.  That path runs only while g_slow is clear - no fail hook to
 * ask, no extension that sees every allocation - so an installed
 * extension is asked straight away, with the size taken off as its
 * contract says (a precise profile comes here on every malloc: no
 * failure injection, no second count-down, no checks of the general
 * way).  Inside a hook, or with no extension, the general way: the size
 * given back and taken again there.  A fail hook installed meanwhile is
 * asked from the next call on, as on the fast path. */
ALLOC_SLOW static void *drip__alloc_malloc_due(size_t size)
{
    const drip__alloc_ext *ext = atomic_load_explicit(&g_ext, memory_order_acquire);
    if (ALLOC_LIKELY(ext) && !t_self.in_hook) {
        t_self.entry_frame = __builtin_frame_address(0);  /* as drip__alloc_ext_takes */
        void *out = ext->malloc_due(size);
        t_self.entry_frame = NULL;
        return out;
    }
    t_self.sample_left += (int64_t)size;
    return drip__alloc_malloc_counted(size);
}

/* glibc's malloc failed after malloc counted the block: take it back. */
ALLOC_SLOW static void *drip__alloc_malloc_failed(size_t size)
{
    drip__alloc_slot *s = t_self.fast;
    drip__alloc_slot_sub(&s->bytes, size);
    drip__alloc_slot_sub(&s->allocs, 1);
    return NULL;                       /* errno is glibc's ENOMEM */
}

/* Take size off the thread's sampling count-down; true when it is now
 * zero or below.  One subtraction from memory on x86-64, whose flags say
 * it (GCC computes the difference in a register, stores it and tests it
 * again otherwise). */
static inline bool drip__alloc_countdown(size_t size)
{
#if defined(__x86_64__) && defined(__GNUC__)
    bool out;
    __asm__("subq %2, %0" : "+m"(t_self.sample_left), "=@ccle"(out) : "er"((int64_t)size));
    return out;
#else
    t_self.sample_left -= (int64_t)size;
    return t_self.sample_left <= 0;
#endif
}

/* Without a frame pointer of its own (4 instructions less): every slow
 * path leaves by a tail call, so a frame-pointer walk from it finds the
 * caller's frame right above it, as if the caller had called it.  A call
 * that returned into malloc would hide the caller's frame from
 * drip_alloc_walk_fp (tests/test_profile.c: precise names the leak) - so
 * only when optimizing: without optimization GCC makes no tail calls.
 * (drip__alloc_peak_slow, in the preloaded build, is a plain call: it
 * walks no stack.) */
#ifdef __OPTIMIZE__
#define MALLOC_NO_FP __attribute__((optimize("omit-frame-pointer")))
#else
#define MALLOC_NO_FP
#endif
MALLOC_NO_FP ALLOC_API void *malloc(size_t size)
{
    drip__alloc_slot *s = t_self.fast;
    if (ALLOC_UNLIKELY(!s || size >= atomic_load_explicit(&g_fast_below, memory_order_relaxed)))
        return drip__alloc_malloc_slow(size);
    if (ALLOC_UNLIKELY(drip__alloc_countdown(size)))
        return drip__alloc_malloc_due(size);
    /* Counted before the call, so that only size has to survive it (one
     * register saved, not two).  A reader may see the block a moment
     * early; a failed call takes it back. */
    drip__alloc_slot_add(&s->bytes, size);
    drip__alloc_slot_add(&s->allocs, 1);
    drip__alloc_peak(s);
    size_t c = drip__alloc_cache_class(size);
    size_t request = size + ALLOC_HDR;
    if (ALLOC_LIKELY(c < ALLOC_CACHE_CLASSES)) {
        drip__alloc_hdr *h = drip__alloc_t_cache.head[c];
        if (ALLOC_LIKELY(h)) {                   /* a block of the class, ready */
            drip__alloc_t_cache.head[c] = (drip__alloc_hdr *)(uintptr_t)h->size;
            drip__alloc_t_cache.n[c]--;
            h->size = size;
            h->word = ALLOC_COUNTED;
            return h + 1;
        }
        request = c * 16 - 8;                    /* drip__alloc_request */
    }
    char *real = __libc_malloc(request);
    if (ALLOC_UNLIKELY(!real))
        return drip__alloc_malloc_failed(size);
    drip__alloc_hdr *h = (drip__alloc_hdr *)real;
    h->size = size;
    h->word = ALLOC_COUNTED;           /* extra 0: the header is right before */
    return real + ALLOC_HDR;
}

ALLOC_SLOW static void drip__alloc_free_slow(void *p)
{
    if (!p)
        return;
    if (drip__alloc_passthrough()) {
        __libc_free(p);
        return;
    }
    drip__alloc_free_counted(p);
}

/* free of a profile's sample (the ALLOC_SAMPLE_WORD) by a thread with a
 * fast slot s: a precise sample (rate 1: it stands for one object and its
 * size) is taken off its stack's live counts here, as the extension's
 * release hook would (alloc_core.h), counted as freed, and its block waits
 * in the thread's cache when the class of its size and record has room;
 * a sampled profile's sample (its weight is alloc_sample.c's to compute)
 * goes the general way, to the hook.  Reached by a tail call: free keeps
 * its fast path short. */
__attribute__((noinline)) static void drip__alloc_free_sample(void *p, drip__alloc_slot *s)
{
    drip__alloc_hdr *h = drip__alloc_hdr_of(p);
    drip__alloc_sample_rec *r = (drip__alloc_sample_rec *)h - 1;
    if (ALLOC_UNLIKELY(r->rate != 1)) {
        drip__alloc_free_slow(p);
        return;
    }
    size_t size = h->size;
    drip__alloc_live *l = r->live;
    if (ALLOC_LIKELY(l) && r->gen == atomic_load_explicit(&drip__alloc_sample_gen,
                                                          memory_order_relaxed))
        drip__alloc_live_sub(l, l->owner == atomic_load_explicit(&s->ext, memory_order_relaxed),
                             (uint64_t)ALLOC_WEIGHT_ONE, (uint64_t)size * ALLOC_WEIGHT_ONE);
    drip__alloc_slot_sub(&s->bytes, size);
    drip__alloc_slot_add(&s->frees, 1);
    h->magic = ALLOC_CACHED;             /* a second free stops, cached or not */
    if (ALLOC_LIKELY(size <= ALLOC_SAMPLE_CACHE_MAX)) {
        size_t c = drip__alloc_cache_class(size + sizeof *r);
        if (ALLOC_LIKELY(drip__alloc_t_cache.n[c] < ALLOC_CACHE_DEPTH)) {
            drip__alloc_hdr *b = (drip__alloc_hdr *)r;      /* the record's place: a header */
            b->size = (uintptr_t)drip__alloc_t_cache.head[c];
            b->word = ALLOC_CACHED;
            drip__alloc_t_cache.head[c] = b;
            drip__alloc_t_cache.n[c]++;
            return;
        }
    }
    __libc_free(r);                      /* glibc's block starts at the record */
}

ALLOC_API void free(void *p)
{
    drip__alloc_slot *s = t_self.fast;
    if (ALLOC_UNLIKELY(!s || !p || drip__alloc_hdr_of(p)->word != ALLOC_COUNTED)) {
        /* read again (volatile): the fast path's test stays one compare
         * with memory, not a load kept for this one */
        if (s && p && *(volatile uint64_t *)&drip__alloc_hdr_of(p)->word == ALLOC_SAMPLE_WORD) {
            drip__alloc_free_sample(p, s);
            return;
        }
        drip__alloc_free_slow(p);       /* also uncounted, tracked, aligned, bad */
        return;
    }
    drip__alloc_hdr *h = drip__alloc_hdr_of(p);
    size_t size = h->size;
    drip__alloc_slot_sub(&s->bytes, size);
    drip__alloc_slot_add(&s->frees, 1);
    size_t c = drip__alloc_cache_class(size);
    if (ALLOC_LIKELY(c < ALLOC_CACHE_CLASSES) &&
        ALLOC_LIKELY(drip__alloc_t_cache.n[c] < ALLOC_CACHE_DEPTH)) {
        h->size = (uintptr_t)drip__alloc_t_cache.head[c];   /* kept for the next malloc */
        h->word = ALLOC_CACHED;
        drip__alloc_t_cache.head[c] = h;
        drip__alloc_t_cache.n[c]++;
        return;
    }
#ifndef NDEBUG
    h->magic = ALLOC_FREED;
#endif
    __libc_free(h);                    /* extra 0: glibc's block starts at the header */
}

ALLOC_API void *calloc(size_t n, size_t size)
{
    if (ALLOC_UNLIKELY(drip__alloc_passthrough()))
        return __libc_calloc(n, size);
    size_t total;
    if (ALLOC_UNLIKELY(__builtin_mul_overflow(n, size, &total) || total > SIZE_MAX - ALLOC_HDR ||
                 drip__alloc_inject_failure(total))) {
        errno = ENOMEM;
        return NULL;
    }
    void *taken;
    if (ALLOC_UNLIKELY(drip__alloc_ext_takes(total, true, &taken)))
        return taken;
    char *real = __libc_calloc(1, drip__alloc_request(total));
    if (ALLOC_UNLIKELY(!real))
        return NULL;
    return drip__alloc_block_init(real, ALLOC_HDR, total);
}

/* realloc with glibc's edge cases: NULL means malloc, size 0 means free. */
static inline __attribute__((always_inline)) void *drip__alloc_realloc_any(void *p, size_t size)
{
    if (ALLOC_UNLIKELY(drip__alloc_passthrough()))
        return __libc_realloc(p, size);
    if (!p)
        return drip__alloc_malloc_counted(size);
    if (size == 0) {               /* glibc: frees and returns NULL */
        drip__alloc_free_counted(p);
        return NULL;
    }
    return drip__alloc_realloc_counted(p, size);
}

ALLOC_API void *realloc(void *p, size_t size)
{
    return drip__alloc_realloc_any(p, size);
}

ALLOC_API void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return drip__alloc_realloc_any(p, total);
}

ALLOC_API int posix_memalign(void **memptr, size_t align, size_t size)
{
    if (align % sizeof(void *) != 0 || !drip__alloc_is_pow2(align))
        return EINVAL;
    int saved = errno;             /* POSIX: errno is left alone */
    void *p = drip__alloc_passthrough() ? __libc_memalign(align, size)
                                        : drip__alloc_malloc_aligned(align, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    *memptr = p;
    return 0;
}

/* memalign with glibc 2.36's semantics: small alignments mean malloc,
 * absurd ones EINVAL, other non-powers of two are rounded up to the next
 * power of two. */
static void *drip__alloc_memalign_any(size_t align, size_t size)
{
    if (drip__alloc_passthrough())
        return __libc_memalign(align, size);
    if (align <= ALLOC_MALLOC_ALIGN)
        return drip__alloc_malloc_counted(size);
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (!drip__alloc_is_pow2(align)) {
        size_t a = 2 * ALLOC_MALLOC_ALIGN;
        while (a < align)
            a <<= 1;
        align = a;
    }
    return drip__alloc_malloc_aligned(align, size);
}

ALLOC_API void *memalign(size_t align, size_t size)
{
    return drip__alloc_memalign_any(align, size);
}

/* C17 (DR 460) and glibc >= 2.38: the alignment must be a power of two.
 * (glibc 2.36 itself rounds it up, as memalign does.) */
ALLOC_API void *aligned_alloc(size_t align, size_t size)
{
    if (!drip__alloc_is_pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return drip__alloc_memalign_any(align, size);
}

ALLOC_API void *valloc(size_t size)
{
    return drip__alloc_memalign_any(drip__alloc_page_size(), size);
}

/* Rounds the size up to whole pages; the rounded size is what is counted. */
ALLOC_API void *pvalloc(size_t size)
{
    size_t page = drip__alloc_page_size();
    size_t rounded;
    if (__builtin_add_overflow(size, page - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    return drip__alloc_memalign_any(page, rounded & ~(page - 1));
}

/* ----------------------------------------------------------------------
 * malloc_usable_size.  Counting mode answers with the requested size: the
 * glibc block is always at least that big past the user pointer.  In
 * pass-through mode the block is glibc's, and only glibc's (or valgrind's)
 * malloc_usable_size knows; glibc has no __libc_ name for it and dlsym may
 * allocate, so it is looked up once in libc's ELF symbol table.
 * ---------------------------------------------------------------------- */

ALLOC_API size_t malloc_usable_size(void *p)
{
    if (!p) {
        if (ALLOC_UNLIKELY(drip__alloc_t_probe))
            drip__alloc_t_probe = 2;           /* the valgrind probe: it is us */
        return 0;
    }
    if (drip__alloc_passthrough())
        return drip__alloc_usable_passthrough(p);
    drip__alloc_hdr *h = drip__alloc_hdr_of(p);
    CHECK_MAGIC("malloc_usable_size", p, h);
    return h->size;
}

/* ======================================================================
 * Public API (alloc.h) and the extension's hook
 * ====================================================================== */

/* Recompute g_slow after the fail hook or the extension's wish changed. */
static void drip__alloc_slow_update(void)
{
    bool slow = atomic_load(&g_fail) != NULL || atomic_load(&g_ext_every);
    atomic_store(&g_slow, slow);
    atomic_store(&g_fast_below, slow ? 0 : FAST_BELOW);
}

void drip__alloc_ext_set(const drip__alloc_ext *ext, bool every)
{
    atomic_store(&g_ext, ext);
    atomic_store(&g_ext_every, every);
    drip__alloc_slow_update();
}

drip_alloc_fail_hook drip_alloc_set_fail_hook(drip_alloc_fail_hook hook)
{
    drip_alloc_fail_hook old = atomic_exchange(&g_fail, hook);
    drip__alloc_slow_update();
    return old;
}
