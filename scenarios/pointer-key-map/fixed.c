/* fixed.c - pointer-key-map, fixed: the registry is keyed by the session's
 * id, a value that keeps nothing alive, and the entry is deleted when the
 * session ends. */
#include <stdlib.h>

#include "registry.h"

static int track(registry *r, session *s, uint64_t now)
{
    seen *e = seen_new(NULL, now);                   /* lastSeen.Store(s.ID, now) */
    if (!e || drip_map_put(r->seen, s->id, e) != 0) {
        free(e);
        return -1;
    }
    return 0;
}

static void untrack(registry *r, session *s)
{
    drip_map_delete(r->seen, s->id);                 /* defer lastSeen.Delete(s.ID) */
}

static int setup(drip_ctx *ctx, void **state)
{
    static const registry_ops ops = {track, untrack};
    return registry_setup(ctx, state, &ops);
}

const drip_workload drip_builtin_pointer_key_map_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "pointer-key-map-fixed",
    .summary = "last-seen registry keyed by session id, deleted when the session ends",
    .setup = setup,
    .iterate = registry_iterate,
    .teardown = registry_teardown,
};
