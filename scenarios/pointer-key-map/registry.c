/* registry.c - the session handler shared by the pointer-key-map workloads.
 *
 * Go original:
 *
 *     var lastSeen sync.Map                 // *Session -> time.Time
 *
 *     func serve(s *Session) {
 *         lastSeen.Store(s, time.Now())     // the key is a pointer...
 *         s.handle()
 *     }                                     // ...and nobody deletes it
 *
 * A pointer key is a reference like any other: as long as the map holds
 * it, the garbage collector keeps the session and everything it points
 * to.  Each iteration is one short session: opened, recorded in the
 * registry, used, closed.
 */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

session *session_retain(session *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void registry_session_release(session *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(s->profile);
    free(s->buffer);
    free(s);
}

/* A session with one reference (the caller's), or NULL when memory runs
 * out (nothing is left allocated). */
static session *session_open(uint64_t id, size_t profile_bytes, size_t buffer_bytes)
{
    session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->id = id;
    s->profile = malloc(profile_bytes);
    s->buffer = malloc(buffer_bytes);
    if (!s->profile || !s->buffer) {
        registry_session_release(s);
        return NULL;
    }
    memset(s->profile, 'p', profile_bytes);
    memset(s->buffer, 'b', buffer_bytes);
    return s;
}

seen *seen_new(session *key_ref, uint64_t now)
{
    seen *e = malloc(sizeof *e);
    if (e) {
        e->key_ref = key_ref;
        e->last_seen = now;
    }
    return e;
}

/* The map's free_value: drop the record and the reference it holds. */
static void seen_free(void *value)
{
    seen *e = value;
    registry_session_release(e->key_ref);
    free(e);
}

int registry_setup(drip_ctx *ctx, void **state, const registry_ops *ops)
{
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->ops = ops;
    r->profile_bytes = (size_t)drip_param_int(ctx, "profile_bytes", 256);
    r->buffer_bytes = (size_t)drip_param_int(ctx, "buffer_bytes", 1024);
    if (r->profile_bytes == 0)
        r->profile_bytes = 1;
    if (r->buffer_bytes == 0)
        r->buffer_bytes = 1;
    drip_map_opts o = {.free_value = seen_free};
    r->seen = drip_map_new(&o);
    if (!r->seen) {
        free(r);
        return -1;
    }
    pthread_mutex_init(&r->lock, NULL);
    *state = r;
    return 0;
}

int registry_iterate(drip_ctx *ctx, void *state)
{
    registry *r = state;
    uint64_t now = drip_iteration(ctx);              /* the session id, and "now" */
    session *s = session_open(now, r->profile_bytes, r->buffer_bytes);
    if (!s)
        return -1;

    pthread_mutex_lock(&r->lock);
    int rc = r->ops->track(r, s, now);               /* lastSeen.Store(...) */
    pthread_mutex_unlock(&r->lock);

    s->buffer[now % r->buffer_bytes] = 'x';          /* s.handle() */

    pthread_mutex_lock(&r->lock);
    if (rc == 0)
        r->ops->untrack(r, s);                       /* the session ends */
    pthread_mutex_unlock(&r->lock);
    registry_session_release(s);                              /* closed: the handler's reference */
    return rc;
}

void registry_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    registry *r = state;
    drip_map_free(r->seen);                          /* the process exits */
    pthread_mutex_destroy(&r->lock);
    free(r);
}
