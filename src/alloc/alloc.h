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

#ifdef __cplusplus
}
#endif

#endif /* DRIP_ALLOC_H */
