/* global-map exercise: a cache that only grows.
 *
 * Each iteration is a request served through a process-wide cache in front
 * of an expensive render().  Most requests ask for one of `hot_keys`
 * popular ids; when the fault point cache.miss fires, the request carries
 * an id never seen before.  Go original:
 *
 *     var cache = map[string][]byte{}
 *
 *     func handle(id string) []byte {
 *         if v, ok := cache[id]; ok {
 *             return v
 *         }
 *         v := render(id)
 *         cache[id] = v
 *         return v
 *     }
 *
 * Run `drip exercise global-map exercise.c` on a copy of this file: it
 * reports what grows.  Fix it so the fixed variant's expectations hold;
 * the lines to think about carry a LESSON comment.  drip_map (<drip/map.h>)
 * can bound itself: read its options.
 */
#include <drip/map.h>
#include <drip/workload.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct cache {
    pthread_mutex_t lock;          /* Go maps are not thread-safe either */
    drip_map       *map;           /* request id -> rendered value */
    size_t          value_bytes;
    uint64_t        hot_keys;      /* ids that repeat; misses bring new ids */
} cache;

static int setup(drip_ctx *ctx, void **state)
{
    cache *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->value_bytes = (size_t)drip_param_int(ctx, "value_bytes", 256);
    c->hot_keys = (uint64_t)drip_param_int(ctx, "hot_keys", 64);
    if (c->hot_keys == 0)
        c->hot_keys = 1;
    drip_map_opts opts = {         /* LESSON: no capacity, no ttl: every entry stays */
        .free_value = free,        /* the map owns its values */
    };
    c->map = drip_map_new(&opts);
    if (!c->map) {
        free(c);
        return -1;
    }
    pthread_mutex_init(&c->lock, NULL);
    *state = c;
    return 0;
}

/* The expensive part of a request: build the response for `id`. */
static char *render(uint64_t id, size_t n)
{
    char *v = malloc(n ? n : 1);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (char)('a' + (id + i) % 26);
    return v;
}

static int iterate(drip_ctx *ctx, void *state)
{
    cache *c = state;
    uint64_t iter = drip_iteration(ctx);
    uint64_t id = drip_fault(ctx, "cache.miss") ? c->hot_keys + iter : iter % c->hot_keys;
    int rc = 0;

    pthread_mutex_lock(&c->lock);
    char *v = drip_map_get(c->map, id);
    if (v)
        drip_metric_add(ctx, "cache.hits", 1);   /* the cache doing its job */
    if (!v) {
        v = render(id, c->value_bytes);
        if (!v || drip_map_put(c->map, id, v) < 0) {   /* LESSON: stored for good */
            free(v);
            rc = -1;
            goto out;
        }
    }
    volatile char sink = c->value_bytes ? v[c->value_bytes - 1] : 0;   /* "send" it */
    (void)sink;
out:
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    cache *c = state;
    drip_map_free(c->map);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "global-map-exercise",
    .summary = "a process-wide cache keyed by request id",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
