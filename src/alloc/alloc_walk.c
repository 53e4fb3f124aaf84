/* alloc_walk.c - drip_alloc_walk_fp: the calling thread's stack by its
 * frame pointers (alloc.h).  libc and pthreads only; the one call that may
 * allocate (pthread_getattr_np, once per thread) runs while the allocator
 * treats this thread's allocations as plain (its hook flag is set around
 * every walker call).
 */
#define _GNU_SOURCE
#include "alloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* This thread's stack, [lo, hi), found once (pthread_getattr_np may
 * allocate: the allocator's hook flag makes that allocation plain). */
static __thread uintptr_t t_stack_lo, t_stack_hi;

static bool drip__alloc_find_stack(void);

bool drip_alloc_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    if (!t_stack_hi && !drip__alloc_find_stack())
        return false;
    *lo = t_stack_lo;
    *hi = t_stack_hi;
    return true;
}

static bool drip__alloc_find_stack(void)
{
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return false;
    void *addr = NULL;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0 || !addr || !size)
        return false;
    t_stack_lo = (uintptr_t)addr;
    t_stack_hi = (uintptr_t)addr + size;
    return true;
}

int drip_alloc_walk_fp(void **pcs, int max)
{
    uintptr_t lo, hi;
    if (!drip_alloc_stack_bounds(&lo, &hi))
        return 0;
    uintptr_t *fp = __builtin_frame_address(0);
    uintptr_t *from = drip_alloc_walk_from();      /* skip the allocator's frames */
    if (from > fp && (uintptr_t)from < t_stack_hi)
        fp = from;
    int n = 0;
    while (n < max) {
        uintptr_t at = (uintptr_t)fp;
        /* fp[0] (the caller's fp) and fp[1] (the return address) must lie
         * in this thread's stack, or the chain is broken (a frame without
         * a frame pointer, or the end). */
        if (at < t_stack_lo || at + 2 * sizeof(uintptr_t) > t_stack_hi || (at & 7))
            break;
        void *ret = (void *)fp[1];
        if (!ret)
            break;
        pcs[n++] = ret;
        uintptr_t *next = (uintptr_t *)fp[0];
        if (next <= fp)                  /* stacks grow down: callers are above */
            break;
        fp = next;
    }
    return n;
}
