/* cache.h - what the three global-map workloads share: a request handler
 * with a process-wide cache in front of an expensive "render" step.
 *
 * The variants differ only in how the cache map is created (see
 * setup() in leaky.c, fixed.c and fixed_ttl.c); the handler itself is
 * the same code, which is the point of the lesson: the leak is a property of
 * the cache's lifetime policy, not of the code that uses it.
 */
#ifndef GLOBAL_MAP_CACHE_H
#define GLOBAL_MAP_CACHE_H

#include <drip/map.h>
#include <drip/workload.h>
#include <pthread.h>
#include <stdint.h>

typedef struct cache {
    pthread_mutex_t lock;          /* Go maps are not thread-safe either */
    drip_map       *map;           /* request id -> rendered value */
    uint64_t        now;           /* logical clock: the newest iteration seen */
    size_t          value_bytes;
    uint64_t        hot_keys;      /* ids that repeat; misses bring new ids */
} cache;

/* Create the cache state from the scenario's params with the given map
 * options (the only thing the variants change).  0, or -1 on ENOMEM. */
int  cache_setup(drip_ctx *ctx, void **state, const drip_map_opts *opts);
int  cache_iterate(drip_ctx *ctx, void *state);
void cache_teardown(drip_ctx *ctx, void *state);

/* The map's clock for TTLs: the cache's logical time in iterations. */
uint64_t cache_clock(void *arg);

#endif
