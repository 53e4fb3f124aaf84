/* map.c - the runtime's hash map: uint64_t keys, optional LRU capacity, TTL.
 *
 * Layout.  One `map_entry` allocation per key holds the key, the value, the
 * time of its last touch, the links of an intrusive doubly linked list kept
 * in most-recently-used order, and uthash's UT_hash_handle.  uthash adds its
 * table header and bucket array (allocated by the first insert, grown as the
 * map grows, released when the last entry leaves).
 *
 * Recency.  put and get both touch an entry: it moves to the MRU end and its
 * time becomes "now".  TTL means "expire ttl clock units after the last
 * touch", so with a clock that never goes backwards the list is also sorted
 * by touch time: the LRU end is the capacity victim *and* the oldest touch,
 * and an expiry sweep walks from the LRU end until it meets a live entry.
 * An entry touched at t is live while now - t < ttl.
 *
 * Failure.  The map is meant to run in processes whose malloc fails on
 * purpose.  Every allocation goes through MAP_MALLOC / MAP_FREE (uthash's
 * too), uthash runs with HASH_NONFATAL_OOM so a failed bucket allocation is
 * reported instead of calling exit(), and drip_map_put allocates everything
 * it needs before it changes anything, so -1/ENOMEM leaves the map exactly
 * as it was.  tests/test_map.c includes this file after pointing MAP_MALLOC
 * and MAP_FREE at a counting allocator that fails the Nth call.
 *
 * Values.  The map owns them once put and releases them through free_value;
 * a NULL value is stored like any other but never passed to free_value.
 */
#include "drip/map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The allocator: plain malloc/free unless the includer chose otherwise. */
#ifndef MAP_MALLOC
#define MAP_MALLOC(size) malloc(size)
#endif
#ifndef MAP_FREE
#define MAP_FREE(ptr) free(ptr)
#endif

#ifndef uthash_malloc
#define uthash_malloc(size) MAP_MALLOC(size)
#endif
#ifndef uthash_free
#define uthash_free(ptr, size) MAP_FREE(ptr)
#endif

/* A failed allocation inside HASH_ADD unlinks the new element again and
 * calls this hook instead of exit().  The only HASH_ADD is in map_index(),
 * which owns the `index_oom` flag the hook raises. */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(elt) ((void)(elt), index_oom = true)

/* Keys are always 8-byte integers: hash them with the splitmix64 finalizer
 * instead of uthash's byte-wise Jenkins hash.  Faster, and pointer keys,
 * whose low bits are always zero, still spread over every bucket (uthash
 * picks the bucket from the low bits). */
static unsigned map_hash(const void *keyptr)
{
    uint64_t x;

    memcpy(&x, keyptr, sizeof x);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    x ^= x >> 31;
    return (unsigned)x;
}
#define HASH_FUNCTION(keyptr, keylen, hashv) ((void)(keylen), (hashv) = map_hash(keyptr))

#include <uthash.h>

typedef struct map_entry {
    uint64_t          key;
    void             *value;
    uint64_t          touched;   /* clock value of the last put or get */
    struct map_entry *newer;     /* towards the MRU end; NULL at it */
    struct map_entry *older;     /* towards the LRU end; NULL at it */
    UT_hash_handle    hh;
} map_entry;

struct drip_map {
    map_entry     *table;        /* uthash head: any entry, or NULL when empty */
    map_entry     *mru;          /* most recently used (newest touch) */
    map_entry     *lru;          /* least recently used (oldest touch) */
    drip_map_opts  opts;
    uint64_t       evicted;
    uint64_t       expired;
};

/* CLOCK_MONOTONIC in nanoseconds: the clock when opts->clock is NULL.  Can't
 * fail (CLOCK_MONOTONIC always exists on Linux). */
static uint64_t map_monotonic_ns(void *arg)
{
    struct timespec ts;

    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The current time for touches and expiry; without a TTL time is never
 * looked at, so the clock is not called at all (0 is returned). */
static uint64_t map_now(const drip_map *m)
{
    if (m->opts.ttl == 0)
        return 0;
    return m->opts.clock(m->opts.clock_arg);
}

/* Whether `e` has gone untouched for ttl units at `now`.  A clock that went
 * backwards (now < touched) counts as no time passed. */
static bool map_is_expired(const drip_map *m, const map_entry *e, uint64_t now)
{
    return m->opts.ttl != 0 && now >= e->touched && now - e->touched >= m->opts.ttl;
}

/* ---- the MRU list ------------------------------------------------------ */

/* Unlink `e` from the recency list.  Can't fail. */
static void list_unlink(drip_map *m, map_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        m->mru = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        m->lru = e->newer;
    e->newer = e->older = NULL;
}

/* Link an unlinked `e` at the MRU end.  Can't fail. */
static void list_push_mru(drip_map *m, map_entry *e)
{
    e->newer = NULL;
    e->older = m->mru;
    if (m->mru)
        m->mru->newer = e;
    else
        m->lru = e;
    m->mru = e;
}

/* Make `e` the most recently used entry, touched at `now`.  Can't fail. */
static void map_touch(drip_map *m, map_entry *e, uint64_t now)
{
    e->touched = now;
    if (m->mru != e) {
        list_unlink(m, e);
        list_push_mru(m, e);
    }
}

/* ---- entries ----------------------------------------------------------- */

/* Add the unindexed entry `e` to the hash table.  Returns 0, or -1 when
 * uthash could not allocate its table or grow its buckets: then uthash has
 * unlinked `e` again and the table is as before (e is still the caller's). */
static int map_index(drip_map *m, map_entry *e)
{
    bool index_oom = false;     /* raised by uthash_nonfatal_oom */

    HASH_ADD(hh, m->table, key, sizeof e->key, e);
    return index_oom ? -1 : 0;
}

/* The entry for `key`, expired or not, or NULL.  Can't fail. */
static map_entry *map_find(const drip_map *m, uint64_t key)
{
    map_entry *e;

    HASH_FIND(hh, m->table, &key, sizeof key, e);
    return e;
}

/* Release a value the map owns.  NULL values are never passed on. */
static void map_release_value(const drip_map *m, void *value)
{
    if (value && m->opts.free_value)
        m->opts.free_value(value);
}

/* Remove `e` from the table and the list, free it, then release its value.
 * Can't fail (uthash may free its table when `e` was the last entry). */
static void map_drop(drip_map *m, map_entry *e)
{
    void *value = e->value;

    HASH_DELETE(hh, m->table, e);
    list_unlink(m, e);
    MAP_FREE(e);
    map_release_value(m, value);
}

/* Drop every entry expired at `now`, walking from the LRU end until the
 * first live one; returns how many went.  Can't fail. */
static size_t map_sweep(drip_map *m, uint64_t now)
{
    size_t n = 0;

    while (m->lru && map_is_expired(m, m->lru, now)) {
        map_drop(m, m->lru);
        n++;
    }
    m->expired += n;
    return n;
}

/* ---- the API ----------------------------------------------------------- */

/* A new empty map configured by `opts` (copied; NULL means all defaults).
 * One allocation; on failure returns NULL with errno = ENOMEM. */
drip_map *drip_map_new(const drip_map_opts *opts)
{
    drip_map *m = MAP_MALLOC(sizeof *m);

    if (!m) {
        errno = ENOMEM;
        return NULL;
    }
    memset(m, 0, sizeof *m);
    if (opts)
        m->opts = *opts;
    if (!m->opts.clock) {
        m->opts.clock = map_monotonic_ns;
        m->opts.clock_arg = NULL;
    }
    return m;
}

/* Free every entry and uthash's table, release every value through
 * free_value (MRU first), then the map itself.  NULL is a no-op. */
void drip_map_free(drip_map *m)
{
    map_entry *e, *older;

    if (!m)
        return;
    HASH_CLEAR(hh, m->table);           /* frees the table, not the entries */
    for (e = m->mru; e; e = older) {
        void *value = e->value;

        older = e->older;
        MAP_FREE(e);
        map_release_value(m, value);
    }
    MAP_FREE(m);
}

/* Insert or replace `key`.  A new key costs one entry allocation plus, at
 * times, uthash's table or a bigger bucket array; both happen before any
 * change, so on failure (-1, errno = ENOMEM) the map is untouched and the
 * caller keeps `value`.  After that nothing can fail: the entry is touched,
 * expired entries are swept and the capacity is enforced from the LRU end.
 * Replacing releases the old value unless it is the very same pointer.
 * Replacing a key whose entry had already expired counts as an expiry of the
 * old value.  Returns 0. */
int drip_map_put(drip_map *m, uint64_t key, void *value)
{
    uint64_t   now = map_now(m);
    map_entry *e = map_find(m, key);

    if (!e) {
        e = MAP_MALLOC(sizeof *e);
        if (!e) {
            errno = ENOMEM;
            return -1;
        }
        memset(e, 0, sizeof *e);
        e->key = key;
        e->value = value;
        if (map_index(m, e) != 0) {
            MAP_FREE(e);
            errno = ENOMEM;
            return -1;
        }
        list_push_mru(m, e);
    } else {
        void *old = e->value;

        if (map_is_expired(m, e, now))
            m->expired++;               /* the sweep would have dropped it */
        e->value = value;
        if (old != value)
            map_release_value(m, old);
    }
    map_touch(m, e, now);
    map_sweep(m, now);
    while (m->opts.capacity && HASH_COUNT(m->table) > m->opts.capacity) {
        map_drop(m, m->lru);            /* never e: it is the MRU, capacity >= 1 */
        m->evicted++;
    }
    return 0;
}

/* The value for `key`; a hit is touched (MRU, time = now).  An expired
 * entry is dropped and counted, and NULL returned.  Can't fail. */
void *drip_map_get(drip_map *m, uint64_t key)
{
    map_entry *e = map_find(m, key);
    uint64_t   now;

    if (!e)
        return NULL;
    now = map_now(m);
    if (map_is_expired(m, e, now)) {
        map_drop(m, e);
        m->expired++;
        return NULL;
    }
    map_touch(m, e, now);
    return e->value;
}

/* Remove `key` and release its value; true when it was there.  An entry
 * that had expired is dropped as an expiry and reported as absent (false),
 * as drip_map_get would.  Can't fail. */
bool drip_map_delete(drip_map *m, uint64_t key)
{
    map_entry *e = map_find(m, key);
    bool       live;

    if (!e)
        return false;
    live = !map_is_expired(m, e, map_now(m));
    map_drop(m, e);
    if (!live)
        m->expired++;
    return live;
}

/* Sweep expired entries now; returns how many were dropped (0 without a
 * TTL).  Can't fail. */
size_t drip_map_expire(drip_map *m)
{
    if (m->opts.ttl == 0)
        return 0;
    return map_sweep(m, map_now(m));
}

/* Entries held, including expired ones no call has dropped yet.  Can't
 * fail. */
size_t drip_map_len(const drip_map *m)
{
    return HASH_COUNT(m->table);
}

/* Copy the counters into *out (len as drip_map_len).  Can't fail. */
void drip_map_stats_get(const drip_map *m, drip_map_stats *out)
{
    out->len = drip_map_len(m);
    out->evicted = m->evicted;
    out->expired = m->expired;
}
