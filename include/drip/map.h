/* drip/map.h - a hash map with uint64_t keys, optional LRU capacity and TTL.
 *
 * The analog of a Go map used as a cache.  Unbounded, it is the classic
 * "global map that only grows"; with a capacity it evicts the least recently
 * used entry, and with a TTL it drops entries not touched for `ttl` clock
 * units.  Keys are plain integers (a request id, or a pointer cast to
 * uintptr_t).  Values are owned by the map once put: it releases them with
 * `free_value` (if set) on replace, delete, eviction, expiry and drip_map_free.
 *
 * Not thread-safe, like a Go map: callers that share one map lock around it.
 * Part of the Drip runtime (libdrip_rt); it never depends on the harness.
 */
#ifndef DRIP_MAP_H
#define DRIP_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_map drip_map;

typedef struct drip_map_opts {
    size_t   capacity;                 /* 0: unbounded; else evict LRU beyond it */
    uint64_t ttl;                      /* 0: none; else expire entries not touched for ttl clock units */
    uint64_t (*clock)(void *arg);      /* NULL: CLOCK_MONOTONIC in nanoseconds */
    void    *clock_arg;
    void   (*free_value)(void *value); /* NULL: values are not released */
} drip_map_opts;

typedef struct drip_map_stats {
    size_t   len;
    uint64_t evicted;                  /* by capacity */
    uint64_t expired;                  /* by TTL */
} drip_map_stats;

/* A new empty map; opts may be NULL (unbounded, no TTL, values not freed).
 * Returns NULL with errno = ENOMEM when memory runs out. */
drip_map *drip_map_new(const drip_map_opts *opts);

/* Release the map and, through free_value, every value.  NULL is a no-op. */
void drip_map_free(drip_map *m);

/* Insert or replace.  On success the map owns `value` (a replaced value is
 * released) and the entry becomes the most recently used; expired entries
 * are dropped and, past the capacity, the least recently used is evicted.
 * Returns 0, or -1 with errno = ENOMEM: then nothing changed and the caller
 * still owns `value`. */
int drip_map_put(drip_map *m, uint64_t key, void *value);

/* The value for key, or NULL when absent or expired (an expired entry found
 * here is dropped).  A hit becomes the most recently used.  The pointer is
 * borrowed: valid until the entry is replaced, deleted, evicted or expired. */
void *drip_map_get(drip_map *m, uint64_t key);

/* Remove key, releasing its value; returns whether it was there. */
bool drip_map_delete(drip_map *m, uint64_t key);

/* Drop every expired entry now; returns how many.  (put and get also expire
 * lazily, so calling this is only needed to release memory early.) */
size_t drip_map_expire(drip_map *m);

size_t drip_map_len(const drip_map *m);
void   drip_map_stats_get(const drip_map *m, drip_map_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_MAP_H */
