/* cache.c - the request handler shared by the global-map workloads.
 *
 * Go original:
 *
 *     var cache = map[string][]byte{}
 *
 *     func handle(id string) []byte {
 *         if v, ok := cache[id]; ok {
 *             return v
 *         }
 *         v := render(id)
 *         cache[id] = v          // nothing ever deletes it
 *         return v
 *     }
 *
 * Each iteration is one request.  Most requests ask for one of `hot_keys`
 * popular ids (cache hits); when the fault point `cache.miss` fires the
 * request carries an id never seen before, so the handler renders a value
 * and stores it.  The leak rate therefore follows the fault rate.
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

uint64_t cache_clock(void *arg)
{
    return ((const cache *)arg)->now;
}

int cache_setup(drip_ctx *ctx, void **state, const drip_map_opts *opts)
{
    cache *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->value_bytes = (size_t)drip_param_int(ctx, "value_bytes", 256);
    c->hot_keys = (uint64_t)drip_param_int(ctx, "hot_keys", 64);
    if (c->hot_keys == 0)
        c->hot_keys = 1;
    drip_map_opts o = *opts;
    o.free_value = free;
    if (o.ttl) {
        o.clock = cache_clock;
        o.clock_arg = c;
    }
    c->map = drip_map_new(&o);
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

int cache_iterate(drip_ctx *ctx, void *state)
{
    cache *c = state;
    uint64_t iter = drip_iteration(ctx);
    /* A miss is a request for an id nobody asked for before. */
    uint64_t id = drip_fault(ctx, "cache.miss") ? c->hot_keys + iter : iter % c->hot_keys;
    int rc = 0;

    pthread_mutex_lock(&c->lock);
    if (iter > c->now)
        c->now = iter;
    char *v = drip_map_get(c->map, id);
    if (v)
        drip_metric_add(ctx, "cache.hits", 1);   /* the cache doing its job */
    if (!v) {
        v = render(id, c->value_bytes);
        if (!v || drip_map_put(c->map, id, v) < 0) {
            free(v);
            rc = -1;                    /* out of memory: a failed request */
            goto out;
        }
    }
    volatile char sink = c->value_bytes ? v[c->value_bytes - 1] : 0;   /* "send" it */
    (void)sink;
out:
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void cache_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    cache *c = state;
    drip_map_free(c->map);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
