/* watch.c - the request handler shared by the closure-capture workloads.
 *
 * Go original:
 *
 *     func (s *Server) handle(req *Request) {    // req.Payload: 32 KiB
 *         s.process(req)
 *         if req.Subscribe {
 *             go func() {
 *                 <-s.ctx.Done()                 // lives until shutdown
 *                 s.audit(req.ID)                // needs only the id...
 *             }()                                // ...but captures req
 *         }
 *     }
 *
 * The goroutine is long-lived on purpose.  What it keeps is the mistake:
 * the closure holds `req`, so the 32 KiB payload stays reachable for as
 * long as the goroutine lives, though it only ever reads `req.ID`.
 *
 * One request in `watch_every` starts a watcher (iterations 0, 10, 20...
 * with the default), the same ones for every seed and thread count.
 */
#include "watch.h"

#include <drip/task.h>
#include <stdlib.h>
#include <string.h>

request *request_retain(request *r)
{
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return r;
}

void request_release(request *r)
{
    if (!r || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(r->payload);
    free(r);
}

/* A request with a filled payload and one reference (the caller's), or
 * NULL when memory runs out. */
static request *request_new(uint64_t id, size_t bytes)
{
    request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->payload = malloc(bytes);
    if (!r->payload) {
        free(r);
        return NULL;
    }
    memset(r->payload, (int)(id & 0xff), bytes);   /* resident, like real data */
    atomic_init(&r->refs, 1);
    r->id = id;
    r->bytes = bytes;
    return r;
}

void watch_wait(server *s)
{
    drip_chan_recv(drip_context_done(s->life), NULL, NULL);   /* closed at shutdown */
}

void watch_report(server *s, uint64_t id)
{
    atomic_fetch_add_explicit(&s->reported, id, memory_order_relaxed);
}

int watch_setup(drip_ctx *ctx, void **state, start_watcher_fn start)
{
    server *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->life = drip_context_with_cancel(drip_context_background());
    if (!s->life) {
        free(s);
        return -1;
    }
    s->start_watcher = start;
    s->payload_bytes = (size_t)drip_param_int(ctx, "payload_bytes", 32768);
    s->watch_every = (uint64_t)drip_param_int(ctx, "watch_every", 10);
    if (s->payload_bytes == 0)
        s->payload_bytes = 1;
    if (s->watch_every == 0)
        s->watch_every = 1;
    *state = s;
    return 0;
}

int watch_iterate(drip_ctx *ctx, void *state)
{
    server *s = state;
    uint64_t id = drip_iteration(ctx);
    request *req = request_new(id, s->payload_bytes);
    if (!req)
        return -1;

    unsigned sum = 0;                                /* process(req) */
    for (size_t i = 0; i < req->bytes; i += 4096)
        sum += req->payload[i];
    volatile unsigned sink = sum;
    (void)sink;

    int rc = 0;
    if (id % s->watch_every == 0 && s->start_watcher(s, req) != 0)
        rc = -1;
    request_release(req);                            /* the handler is done with it */
    return rc;
}

void watch_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    server *s = state;
    /* Shut down: every watcher wakes, reports and returns.  They exit in
     * milliseconds; the 5 s bound only guards against a broken variant. */
    drip_context_cancel(s->life);
    if (drip_tasks_wait(0, 5ULL * 1000000000ULL) > 0)
        return;                     /* a watcher still runs: never free s under it */
    drip_context_release(s->life);
    free(s);
}
