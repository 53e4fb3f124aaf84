/* alloc.h - Drip's counting allocator.
 *
 * alloc.c defines the whole malloc family (malloc, calloc, realloc, free,
 * reallocarray, posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size) and forwards to glibc's __libc_* entry points.  Linked
 * into an executable it replaces malloc for the whole process, including
 * shared objects loaded later (plugins); built as a shared object it can be
 * LD_PRELOADed into any program.  It depends on libc and pthreads only, never
 * on the harness.
 *
 * Every block carries a 16-byte header holding its requested size and
 * whether it is *counted*.  A block is counted when the thread allocating it
 * has counting on (the default for every new thread; the harness turns it
 * off for its own threads).  Counters are per thread, summed on read: the
 * hot path takes no lock and does no atomic read-modify-write.
 *
 * Setting the environment variable DRIP_ALLOC=off before the process starts
 * makes every call a plain pass-through to glibc (no header, no counting):
 * for running under valgrind, which wants malloc for itself.
 */
#ifndef DRIP_ALLOC_H
#define DRIP_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_alloc_stats {
    int64_t  live_bytes;    /* requested bytes of counted blocks not yet freed */
    int64_t  live_objects;  /* counted blocks not yet freed */
    uint64_t allocs;        /* counted allocations (realloc counts as one) */
    uint64_t frees;         /* frees of counted blocks (realloc counts as one) */
} drip_alloc_stats;

/* Sum the counters of every thread, live or exited, into *out.  Safe from
 * any thread at any time; the sum is not a snapshot across threads (a block
 * in flight may be seen half-moved), which sampling tolerates.  Never
 * allocates.  All zero when the counting allocator is not active. */
void drip_alloc_read(drip_alloc_stats *out);

/* Turn counting on or off for the calling thread; returns the previous
 * setting.  New threads start with counting on. */
bool drip_alloc_set_counting(bool on);

/* true when this process runs Drip's counting allocator (it is linked in
 * and DRIP_ALLOC=off was not set). */
bool drip_alloc_active(void);

/* Fault injection.  With a hook installed, every allocation made by a
 * thread whose counting is on (malloc, calloc, realloc that needs a new
 * size, the aligned family) first asks hook(size); when it answers true
 * the call fails as glibc's would: NULL with errno = ENOMEM (posix_memalign
 * returns ENOMEM), and a realloc'd block is left as it was.  Threads with
 * counting off - the harness's own - are never asked, so injected failures
 * never hit the harness.  The hook runs inside malloc: it must not
 * allocate, and it must be thread-safe.  NULL removes it.  Returns the
 * previous hook.  (A no-op returning NULL without the counting allocator.) */
typedef bool (*drip_alloc_fail_hook)(size_t size);
drip_alloc_fail_hook drip_alloc_set_fail_hook(drip_alloc_fail_hook hook);

/* Tracking: a list of live blocks with the stack that allocated each.
 *
 * While tracking is on, every allocation made by a thread whose counting is
 * on (malloc, calloc, realloc; not the over-aligned family) is recorded
 * with up to DRIP_ALLOC_MAX_FRAMES return addresses from `walk`, and stays
 * on the list until it is freed or drip_alloc_track_forget drops it -
 * whether or not tracking is still on.  It is meant for failure sweeps:
 * allocate, stop, and ask which blocks of the tracked stretch are still
 * alive and where they came from.  Tracking costs a lock and a stack walk
 * per allocation.
 *
 * `walk` fills pcs with at most max return addresses (innermost first,
 * including the allocator's own frames, which the caller skips when it
 * symbolizes) and returns how many.  It runs inside malloc: it must be
 * thread-safe, and any allocation it makes is plain (never tracked or
 * failed).  libunwind's unw_backtrace fits.  NULL records no stacks. */
#define DRIP_ALLOC_MAX_FRAMES 24

typedef int (*drip_alloc_backtrace_fn)(void **pcs, int max);

/* A walker that remembers its walks (the harness's drip_stack_walk_fast)
 * keeps one of these with each remembered walk, for its caller: the
 * profiler stores there the entry it found for the walk's frames, so
 * that a stack walked again finds its entry without comparing frames.
 * The walker zeroes it whenever it remembers another walk in its place. */
typedef struct drip_alloc_walk_tag {
    void    *site;      /* the caller's: what it found for these frames; NULL: nothing */
    uint64_t check;     /* the caller's: how it tells that site is still good */
} drip_alloc_walk_tag;

/* drip_alloc_backtrace_fn that starts at from (what drip_alloc_walk_from
 * says: the allocator passes it, one call less) and also says which
 * remembered walk found the stack: *tag is that walk's tag (NULL when the
 * stack was walked and not remembered).  When the tag's site is not NULL,
 * the frames are the ones the caller stored it for, and they are NOT
 * copied to pcs; the return value is their number either way.  A caller
 * that finds the site no longer good clears it and walks again (pcs
 * filled). */
typedef int (*drip_alloc_tagged_walk_fn)(void **pcs, int max, void *from,
                                         drip_alloc_walk_tag **tag);

/* A walker by frame pointers: an order of magnitude cheaper than an
 * unwinder, and complete only through code built with
 * -fno-omit-frame-pointer (Drip and its built-ins are; glibc and plugins
 * built without it end the walk early, never wrongly: every frame must lie
 * in the calling thread's stack).  Fits drip_alloc_backtrace_fn; meant for
 * precise profiles, where every allocation is walked. */
int drip_alloc_walk_fp(void **pcs, int max);

/* The calling thread's stack, [*lo, *hi): found once a thread (with
 * pthread_getattr_np, which may allocate the first time: call it where
 * allocations are plain, as inside the allocator's walker hook); false
 * when it cannot be found.  For stack walkers' bounds checks. */
bool drip_alloc_stack_bounds(uintptr_t *lo, uintptr_t *hi);

/* Inside a walker called by the allocator (tracking, profiling): the frame
 * (a frame pointer: the saved rbp at it, the return address above it) of
 * the malloc-family function that made the call; its return address is
 * the allocation site.  A walker may start there and skip the
 * allocator's own frames.  NULL anywhere else.  drip_alloc_walk_fp and
 * the harness's drip_stack_walk_fast do. */
void *drip_alloc_walk_from(void);

typedef struct drip_alloc_block {
    const void *ptr;                      /* the user pointer */
    size_t      size;                     /* requested size */
    uint64_t    serial;                   /* 1, 2, ... in the allocating thread's order */
    int         npc;
    void       *pc[DRIP_ALLOC_MAX_FRAMES];
} drip_alloc_block;

/* Start tracking with `walk`.  false (and nothing tracked) when the
 * counting allocator is not active. */
bool drip_alloc_track_start(drip_alloc_backtrace_fn walk);

/* Stop tracking new allocations; tracked blocks stay listed until freed. */
void drip_alloc_track_stop(void);

/* Copy up to max listed blocks (newest first within each thread's shard)
 * into out; returns how many
 * are listed in all, which may be more than max.  Takes the list's lock
 * and never allocates; call it from a thread whose counting is off if out
 * is to be allocated first. */
size_t drip_alloc_track_list(drip_alloc_block *out, size_t max);

/* Drop every listed block from the list (they stay allocated and counted). */
void drip_alloc_track_forget(void);

/* Profiling: sampled allocation sites, counted per stack.
 *
 * Counted allocations (malloc, calloc, realloc) are sampled by bytes: each
 * counting thread draws exponential intervals with mean `rate` bytes and
 * the allocation that crosses one is sampled with its stack from `walk`
 * (as above), so a block of size s is sampled with probability
 * 1 - exp(-s / rate) and stands for the inverse.  rate 1 samples every
 * allocation.  A thread picks up a new rate when its counting is next
 * switched on.  The allocator keeps, per stack, what its samples stand
 * for - allocated in all, and still live (a sample freed is taken off) -
 * and drip_alloc_profile_sites reads it; samples are not listed
 * (drip_alloc_track_list lists the sweep's tracked blocks only).  Starting
 * again forgets the previous profile's samples.  Not to be mixed with the
 * failure sweep's tracking.  false when the counting allocator is not
 * active or rate is 0. */
bool     drip_alloc_profile_start(uint64_t rate, drip_alloc_backtrace_fn walk);

/* drip_alloc_profile_start with a walker that remembers its walks (see
 * drip_alloc_tagged_walk_fn): the same profile, each stack's entry found
 * from the walk's tag while the walk is remembered.  walk is not NULL. */
bool     drip_alloc_profile_start_tagged(uint64_t rate, drip_alloc_tagged_walk_fn walk);

/* Seed the sampling: each thread's generator of intervals is seeded, on
 * its first draw after this call, from (seed, n) where n counts the
 * threads that drew since (0, 1, ...).  The same seed gives the same
 * samples when the same threads draw in the same order and allocate the
 * same sizes - a run on one thread; short-lived threads each get a stream
 * of their own, so they are sampled like any other.  Call it before the
 * threads to be sampled start drawing (before drip_alloc_profile_start);
 * without it the seed is 0.  Never allocates. */
void     drip_alloc_profile_seed(uint64_t seed);
void     drip_alloc_profile_stop(void);
uint64_t drip_alloc_profile_rate(void);       /* 0 when off */

/* Change the running profile's mean interval to rate bytes (1: every
 * allocation; at most 4 GiB): each thread draws its next interval at the
 * new rate, and each sample keeps the weight of the rate it was drawn at,
 * so the estimates stay unbiased across the change (drip run chooses its
 * rate after measuring a few iterations at rate 1).  false when no
 * profile runs or rate is 0.  Never allocates. */
bool     drip_alloc_profile_set_rate(uint64_t rate);

/* What the profiler sampled since it started, per stack: estimated
 * allocations and bytes in all (freed or not) and still live (each sample
 * scaled by the inverse of its chance of being sampled).  A stack
 * allocated by several threads has an entry per thread (sum them).
 * Copies up to max into out and returns how many entries there are;
 * *dropped (if not NULL) gets the samples that found no room (each
 * thread's table holds 1536 stacks): they count nowhere.  Exact between
 * allocations (the worker reads at quiescent points).  Never allocates. */
typedef struct drip_alloc_site {
    int    npc;
    void  *pc[DRIP_ALLOC_MAX_FRAMES];
    double objects, bytes;            /* allocated in all */
    double live_objects, live_bytes;  /* not freed yet */
} drip_alloc_site;
size_t drip_alloc_profile_sites(drip_alloc_site *out, size_t max, uint64_t *dropped);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_ALLOC_H */
