/* alloc_internal.h - private to src/alloc: what alloc.c (the malloc
 * family and the counters), alloc_track.c (tracking and profiling) and
 * alloc_usable.c share.  libc only, like all of them; nothing here may
 * call malloc.
 */
#ifndef DRIP_ALLOC_INTERNAL_H
#define DRIP_ALLOC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

#define ALLOC_HIDDEN __attribute__((visibility("hidden")))

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

/* ---- the block header ------------------------------------------------------ */

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

/* ---- counters: per-thread slots ---------------------------------------------- */

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

extern alloc__slot g_slots[ALLOC_SLOTS] ALLOC_HIDDEN;

extern _Atomic unsigned g_slots_high ALLOC_HIDDEN;  /* slots [0, high) were ever claimed */

enum { T_NEW = 0, T_REGISTERING, T_SLOT, T_GLOBAL };

/* Zero-initialised for every new thread: counting on, no slot yet. */
typedef struct alloc__self {
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
} alloc__self;

extern ALLOC_TLS alloc__self drip__alloc_t_self ALLOC_HIDDEN;
#define t_self drip__alloc_t_self

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

/* Count an operation off the fast path (alloc.c). */
void drip__alloc_count_slow(uint64_t bytes, uint64_t allocs, uint64_t frees) ALLOC_HIDDEN;

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
        drip__alloc_count_slow(size, 1, 0);
    } else {
        h->magic = ALLOC_UNCOUNTED;
    }
    return user;
}

/* Recompute the slow-path flags after a hook or a walker changed (alloc.c). */
void drip__alloc_slow_update(void) ALLOC_HIDDEN;

/* malloc_usable_size in pass-through mode: glibc's (or valgrind's), found
 * once in libc's ELF symbol table (dlsym may allocate).  0 when it cannot
 * be found: too small is safe, too big is not.  (alloc_usable.c) */
size_t drip__alloc_usable_passthrough(void *p) ALLOC_HIDDEN;

/* ---- tracking and profiling (alloc_track.c) ----------------------------------- */

/* The tracking stack walker (drip_alloc_track_start), or NULL when not
 * tracking. */
extern _Atomic(drip_alloc_backtrace_fn) g_track ALLOC_HIDDEN;

/* The profiler's mean sampling interval in bytes (0: off; 1: every
 * allocation) and its stack walker (drip_alloc_profile_start). */
extern _Atomic uint64_t g_prof_rate ALLOC_HIDDEN;
extern _Atomic(drip_alloc_backtrace_fn) g_prof_walk ALLOC_HIDDEN;

#define SAMPLE_UNDRAWN 0             /* a thread's interval is not drawn yet (new
                                      * threads start here: TLS is zeroed) */
#define SAMPLE_NEVER   (INT64_MAX / 2)

/* Should this allocation be tracked?  Tracking on, this thread counts, and
 * this is not an allocation made by the stack walker itself. */
static inline bool track_wanted(void)
{
    return atomic_load_explicit(&g_track, memory_order_acquire) && !t_self.off &&
           !t_self.in_hook;
}

/* Count size bytes down the profiler's interval; true to sample it. */
bool drip__sample_due(size_t size) ALLOC_HIDDEN;

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
    return drip__sample_due(size);
}

/* A tracked malloc/calloc for the failure sweep, or a sampled one for the
 * profiler (NULL with errno set when glibc refuses); off the list again. */
void *drip__track_alloc(size_t size, bool zero) ALLOC_HIDDEN;
void *drip__track_alloc_sampled(size_t size, bool zero) ALLOC_HIDDEN;
void  drip__untrack(void *user, alloc__hdr *h) ALLOC_HIDDEN;

#endif /* DRIP_ALLOC_INTERNAL_H */
