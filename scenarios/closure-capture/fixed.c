/* fixed.c - closure-capture, fixed: the watcher gets the request's id, a
 * value; the request and its payload are freed when the handler is done. */
#include <drip/task.h>
#include <stdlib.h>

#include "watch.h"

typedef struct closure {
    server  *s;
    uint64_t id;                   /* captured: `id := req.ID` (a copy) */
} closure;

static void watcher(void *arg)
{
    closure *c = arg;
    watch_wait(c->s);
    watch_report(c->s, c->id);                 /* s.audit(id) */
    free(c);
}

static int start_watcher(server *s, request *req)
{
    closure *c = malloc(sizeof *c);
    if (!c)
        return -1;
    c->s = s;
    c->id = req->id;                           /* id := req.ID; go func() { ... id ... }() */
    if (drip_go(watcher, c) != 0) {
        free(c);
        return -1;
    }
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return watch_setup(ctx, state, start_watcher);
}

const drip_workload drip_builtin_closure_capture_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "closure-capture-fixed",
    .summary = "long-lived watcher task gets only the request's id; the payload is freed at once",
    .setup = setup,
    .iterate = watch_iterate,
    .teardown = watch_teardown,
};
