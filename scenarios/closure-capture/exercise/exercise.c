/* closure-capture exercise: a long-lived watcher that keeps too much.
 *
 * Each iteration is a request with a 32 KiB payload.  One request in ten
 * starts a watcher task that lives until the server shuts down (teardown),
 * then reports the request's id.  The watchers are SUPPOSED to live that
 * long: do not change when they start or when they end.  Find out what
 * each of them keeps alive that it does not need, and fix that.
 *
 * Build and grade:   drip exercise closure-capture exercise.c
 * By hand:           cc -shared -fPIC -I include exercise.c -o x.so
 * Hints:             HINTS.md, one at a time.
 */
#include <drip/context.h>
#include <drip/task.h>
#include <drip/workload.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A request, reference counted: C's stand-in for the garbage collector.
 * Whoever can still reach it holds a reference; the last release frees it. */
typedef struct request {
    _Atomic size_t refs;
    uint64_t       id;
    size_t         bytes;
    unsigned char *payload;
} request;

static request *request_retain(request *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

static void request_release(request *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    free(r->payload);
    free(r);
}

typedef struct server {
    drip_context    *life;          /* canceled at shutdown */
    size_t           payload_bytes;
    _Atomic uint64_t reported;
} server;

/* ---- the watcher ------------------------------------------------------------ */

/* What the watcher task is given: Go's closure, in C. */
typedef struct closure {
    server  *s;
    request *req;                   /* LESSON: the closure captures the whole request... */
} closure;

static void watcher(void *arg)
{
    closure *c = arg;
    drip_chan_recv(drip_context_done(c->s->life), NULL, NULL);   /* <-s.ctx.Done() */
    atomic_fetch_add(&c->s->reported, c->req->id);   /* LESSON: ...to read nothing but its id */
    request_release(c->req);
    free(c);
}

static int start_watcher(server *s, request *req)
{
    closure *c = malloc(sizeof *c);
    if (!c)
        return -1;
    c->s = s;
    c->req = request_retain(req);   /* LESSON: this reference keeps the 32 KiB payload until shutdown */
    if (drip_go(watcher, c) != 0) {
        request_release(c->req);
        free(c);
        return -1;
    }
    return 0;
}

/* ---- the handler (nothing to fix below) ------------------------------------- */

static int setup(drip_ctx *ctx, void **state)
{
    server *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->life = drip_context_with_cancel(drip_context_background());
    if (!s->life) {
        free(s);
        return -1;
    }
    s->payload_bytes = (size_t)drip_param_int(ctx, "payload_bytes", 32768);
    if (s->payload_bytes == 0)
        s->payload_bytes = 1;
    *state = s;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    server *s = state;
    request *req = calloc(1, sizeof *req);
    if (!req)
        return -1;
    atomic_init(&req->refs, 1);
    req->id = drip_iteration(ctx);
    req->bytes = s->payload_bytes;
    req->payload = malloc(req->bytes);
    if (!req->payload) {
        free(req);
        return -1;
    }
    memset(req->payload, 'p', req->bytes);           /* process(req) */

    int rc = 0;
    if (req->id % 10 == 0 && start_watcher(s, req) != 0)
        rc = -1;
    request_release(req);                            /* the handler is done with it */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    server *s = state;
    drip_context_cancel(s->life);                    /* shutdown: every watcher returns */
    if (drip_tasks_wait(0, 5ULL * 1000000000ULL) > 0)
        return;                                      /* never free s under a live watcher */
    drip_context_release(s->life);
    free(s);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "closure-capture-exercise",
    .summary = "closure-capture exercise: long-lived watchers and what they keep",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
