/* pool.c - an object pool like Go's sync.Pool (drip/pool.h).
 *
 * A stack of idle objects under one mutex: get pops the most recently put
 * object (the one most likely still in cache), put pushes.  The stack's
 * slots are allocated with the pool, so put never allocates and never
 * fails: past max_idle it releases the object instead.  Go's sync.Pool also
 * drops idle objects at each garbage collection; C has no collection, so
 * the bound is max_idle.
 */
#include "drip/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define DEFAULT_MAX_IDLE 64

struct drip_pool {
    pthread_mutex_t lock;
    drip_pool_opts  opts;
    drip_pool_stats stats;       /* stats.idle is the stack's height */
    void          **idle;        /* opts.max_idle slots */
};

drip_pool *drip_pool_new(const drip_pool_opts *opts)
{
    drip_pool *p = calloc(1, sizeof *p);
    if (!p)
        goto fail;
    if (opts)
        p->opts = *opts;
    if (p->opts.max_idle == 0)
        p->opts.max_idle = DEFAULT_MAX_IDLE;
    p->idle = calloc(p->opts.max_idle, sizeof *p->idle);
    if (!p->idle)
        goto fail;
    pthread_mutex_init(&p->lock, NULL);
    return p;

fail:
    free(p);
    errno = ENOMEM;
    return NULL;
}

/* Release obj with the pool's function (outside the lock). */
static void pool_release(drip_pool *p, void *obj)
{
    if (p->opts.release)
        p->opts.release(obj, p->opts.arg);
    else
        free(obj);
}

void drip_pool_free(drip_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->stats.idle; i++)
        pool_release(p, p->idle[i]);
    pthread_mutex_destroy(&p->lock);
    free(p->idle);
    free(p);
}

void *drip_pool_get(drip_pool *p)
{
    void *obj = NULL;

    pthread_mutex_lock(&p->lock);
    p->stats.gets++;
    if (p->stats.idle > 0)
        obj = p->idle[--p->stats.idle];
    else if (p->opts.make)
        p->stats.made++;
    pthread_mutex_unlock(&p->lock);
    if (!obj && p->opts.make)
        obj = p->opts.make(p->opts.arg);      /* outside the lock: it may be slow */
    return obj;
}

void drip_pool_put(drip_pool *p, void *obj)
{
    if (!obj)
        return;
    pthread_mutex_lock(&p->lock);
    p->stats.puts++;
    if (p->stats.idle < p->opts.max_idle) {
        p->idle[p->stats.idle++] = obj;
        obj = NULL;
    } else {
        p->stats.dropped++;
    }
    pthread_mutex_unlock(&p->lock);
    if (obj)
        pool_release(p, obj);
}

void drip_pool_stats_get(drip_pool *p, drip_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    pthread_mutex_unlock(&p->lock);
}
