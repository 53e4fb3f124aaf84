/* pointer-key-map solution: a value key, deleted when the session ends.
 *
 * The reference fix for exercise.c.  The registry is keyed by the
 * session's id, which holds no reference, and the entry is deleted when
 * the session closes: the map holds at most one entry per thread.
 *
 * Build and grade:   drip exercise pointer-key-map solution.c
 * By hand:           cc -shared -fPIC -I include solution.c -o x.so
 */
#include <drip/map.h>
#include <drip/workload.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A session, reference counted: C's stand-in for the garbage collector.
 * Whoever can still reach it holds a reference; the last release frees the
 * struct, the profile and the buffer. */
typedef struct session {
    _Atomic size_t refs;
    uint64_t       id;
    char          *profile;
    char          *buffer;
} session;

static void session_release(session *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    free(s->profile);
    free(s->buffer);
    free(s);
}

static session *session_open(uint64_t id)
{
    session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->id = id;
    s->profile = malloc(256);
    s->buffer = malloc(1024);
    if (!s->profile || !s->buffer) {
        session_release(s);
        return NULL;
    }
    memset(s->profile, 'p', 256);
    memset(s->buffer, 'b', 1024);
    return s;
}

/* The map's value: when the session was last seen, and the reference its
 * key holds.  A C integer key cannot hold a reference, so a pointer key's
 * reference (Go's map[*Session]) lives here. */
typedef struct seen {
    session *key_ref;               /* NULL when the key is a plain value */
    uint64_t last_seen;
} seen;

static void seen_free(void *value)  /* the map calls this when an entry goes */
{
    seen *e = value;
    session_release(e->key_ref);
    free(e);
}

typedef struct registry {
    drip_map       *last_seen;      /* sync.Map in Go */
    pthread_mutex_t lock;
} registry;

static int setup(drip_ctx *ctx, void **state)
{
    (void)ctx;
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    drip_map_opts o = {.free_value = seen_free};
    r->last_seen = drip_map_new(&o);
    if (!r->last_seen) {
        free(r);
        return -1;
    }
    pthread_mutex_init(&r->lock, NULL);
    *state = r;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    registry *r = state;
    uint64_t now = drip_iteration(ctx);
    session *s = session_open(now);
    if (!s)
        return -1;

    /* lastSeen.Store(s.ID, now) */
    seen *e = malloc(sizeof *e);
    if (!e) {
        session_release(s);
        return -1;
    }
    e->key_ref = NULL;                          /* LESSON: a value key holds nothing... */
    e->last_seen = now;
    pthread_mutex_lock(&r->lock);
    int rc = drip_map_put(r->last_seen, s->id, e);   /* LESSON: ...keyed by s->id */
    pthread_mutex_unlock(&r->lock);
    if (rc != 0) {
        seen_free(e);
        session_release(s);
        return -1;
    }

    s->buffer[now % 1024] = 'x';                /* s.handle() */

    pthread_mutex_lock(&r->lock);
    drip_map_delete(r->last_seen, s->id);       /* LESSON: defer lastSeen.Delete(s.ID) */
    pthread_mutex_unlock(&r->lock);
    session_release(s);                         /* closed: the handler's reference */
    return 0;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    registry *r = state;
    drip_map_free(r->last_seen);                /* the process exits */
    pthread_mutex_destroy(&r->lock);
    free(r);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "pointer-key-map-exercise",
    .summary = "pointer-key-map exercise: a last-seen registry and what it keeps",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
