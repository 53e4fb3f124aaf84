/* leaky.c - pointer-key-map, leaky: the registry is keyed by the session
 * pointer, and nothing ever deletes an entry: every session's whole graph
 * stays reachable through its key. */
#include <stdint.h>
#include <stdlib.h>

#include "registry.h"

static int track(registry *r, session *s, uint64_t now)
{
    /* lastSeen.Store(s, now).  A C integer key cannot hold a reference, so
     * the record holds the one a Go pointer key is. */
    seen *e = seen_new(session_retain(s), now);
    if (!e || drip_map_put(r->seen, (uint64_t)(uintptr_t)s, e) != 0) {
        free(e);
        registry_session_release(s);
        return -1;
    }
    return 0;
}

static void untrack(registry *r, session *s)
{
    (void)r;
    (void)s;                       /* nobody calls lastSeen.Delete(s) */
}

static int setup(drip_ctx *ctx, void **state)
{
    static const registry_ops ops = {track, untrack};
    return registry_setup(ctx, state, &ops);
}

const drip_workload drip_builtin_pointer_key_map_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "pointer-key-map-leaky",
    .summary = "last-seen registry keyed by session pointer, never deleted (every session graph kept)",
    .setup = setup,
    .iterate = registry_iterate,
    .teardown = registry_teardown,
};
