/* drip/pool.h - an object pool, like Go's sync.Pool.
 *
 * A pool keeps objects that were used and given back, so that the next user
 * takes one instead of allocating: drip_pool_get returns an idle object (the
 * one put back last) or, when none is idle, a new one from the pool's `make`
 * function (Go's Pool.New).  drip_pool_put gives an object back.
 *
 * As with sync.Pool, the pool never looks inside its objects: an object comes
 * back from drip_pool_get exactly as it was put, old contents included.  The
 * caller resets it (Go's buf.Reset()) before reuse, or before putting it back.
 *
 * The pool keeps at most `max_idle` idle objects; a put beyond that releases
 * the object with the pool's `release` function (objects are not kept without
 * bound, unlike a cache).  Its slots are allocated once, at creation, so put
 * never allocates and never fails.
 *
 * Thread-safe: one pool may be shared by every thread.  Part of the Drip
 * runtime (libdrip_rt); it never depends on the harness.
 */
#ifndef DRIP_POOL_H
#define DRIP_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_pool drip_pool;

typedef struct drip_pool_opts {
    void *(*make)(void *arg);              /* a new object; NULL: get returns NULL when empty */
    void  (*release)(void *obj, void *arg);/* free an object the pool drops; NULL: free(obj) */
    void   *arg;                           /* passed to make and release */
    size_t  max_idle;                      /* idle objects kept; 0: 64 */
} drip_pool_opts;

typedef struct drip_pool_stats {
    uint64_t gets;                         /* drip_pool_get calls */
    uint64_t made;                         /* make calls (none was idle) */
    uint64_t puts;                         /* drip_pool_put calls (non-NULL) */
    uint64_t dropped;                      /* puts released because max_idle were idle */
    size_t   idle;                         /* idle objects now */
} drip_pool_stats;

/* A new empty pool; opts may be NULL (no make, free() to release, 64 idle).
 * Returns NULL with errno ENOMEM when memory runs out. */
drip_pool *drip_pool_new(const drip_pool_opts *opts);

/* Release every idle object and the pool.  Objects handed out and not put
 * back belong to their holders (release them yourself).  NULL is a no-op. */
void drip_pool_free(drip_pool *p);

/* An idle object (the most recently put), else make(arg).  The caller owns
 * it until it puts it back.  NULL when no object is idle and make is NULL
 * or fails (errno as make left it). */
void *drip_pool_get(drip_pool *p);

/* Give obj back for reuse, as it is (reset it first: the pool does not).
 * With max_idle objects already idle, obj is released instead.  Never
 * fails; NULL is a no-op. */
void drip_pool_put(drip_pool *p, void *obj);

void drip_pool_stats_get(drip_pool *p, drip_pool_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_POOL_H */
