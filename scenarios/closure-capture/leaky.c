/* leaky.c - closure-capture, leaky: the watcher's closure captures the
 * whole request, so its payload lives as long as the watcher. */
#include <drip/task.h>
#include <stdlib.h>

#include "watch.h"

typedef struct closure {
    server  *s;
    request *req;                  /* captured: `req` (a reference) */
} closure;

static void watcher(void *arg)
{
    closure *c = arg;
    watch_wait(c->s);
    watch_report(c->s, c->req->id);            /* s.audit(req.ID) */
    request_release(c->req);
    free(c);
}

static int start_watcher(server *s, request *req)
{
    closure *c = malloc(sizeof *c);
    if (!c)
        return -1;
    c->s = s;
    c->req = request_retain(req);              /* go func() { ... req.ID ... }() */
    if (drip_go(watcher, c) != 0) {
        request_release(c->req);
        free(c);
        return -1;
    }
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    return watch_setup(ctx, state, start_watcher);
}

const drip_workload drip_builtin_closure_capture_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "closure-capture-leaky",
    .summary = "long-lived watcher task captures the whole request (its 32 KiB payload) for its id",
    .setup = setup,
    .iterate = watch_iterate,
    .teardown = watch_teardown,
};
