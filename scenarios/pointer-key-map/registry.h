/* registry.h - what both pointer-key-map workloads share: sessions, each a
 * small object graph, recorded in a process-wide "last seen" registry.
 *
 * The variants differ only in how a session is recorded and forgotten
 * (the registry_ops in leaky.c and fixed.c).
 */
#ifndef POINTER_KEY_MAP_REGISTRY_H
#define POINTER_KEY_MAP_REGISTRY_H

#include <drip/map.h>
#include <drip/workload.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A session: the struct, a user profile and a read buffer (three blocks).
 * Reference counted, the C stand-in for the garbage collector: whoever can
 * still reach the session holds a reference, and the graph is freed with
 * the last one. */
typedef struct session {
    _Atomic size_t refs;
    uint64_t       id;
    char          *profile;        /* profile_bytes */
    char          *buffer;         /* buffer_bytes */
} session;

session *session_retain(session *s);     /* returns s */
void     registry_session_release(session *s);    /* NULL is a no-op */

/* A registry entry, the map's value: when the session was last seen, and
 * the reference a pointer key holds (NULL for a value key). */
typedef struct seen {
    session *key_ref;
    uint64_t last_seen;
} seen;

typedef struct registry registry;

/* The variant's difference: record that `s` was seen now (sync.Map.Store),
 * and what happens to the record when the session ends.  track returns 0,
 * or -1 (nothing recorded) when memory runs out.  Both run under the
 * registry's lock. */
typedef struct registry_ops {
    int  (*track)(registry *r, session *s, uint64_t now);
    void (*untrack)(registry *r, session *s);
} registry_ops;

struct registry {
    const registry_ops *ops;
    drip_map           *seen;      /* values: seen records, freed by seen_free */
    pthread_mutex_t     lock;      /* a Go map needs one too (sync.Map has its own) */
    size_t              profile_bytes, buffer_bytes;
};

/* A seen record for the map; key_ref is the caller's reference (or NULL),
 * which the record now owns.  NULL when memory runs out. */
seen *seen_new(session *key_ref, uint64_t now);

int  registry_setup(drip_ctx *ctx, void **state, const registry_ops *ops);
int  registry_iterate(drip_ctx *ctx, void *state);
void registry_teardown(drip_ctx *ctx, void *state);

#endif
