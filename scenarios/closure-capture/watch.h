/* watch.h - what both closure-capture workloads share: a request handler
 * that, now and then, starts a long-lived watcher task for the request.
 *
 * The watcher is meant to live until the server shuts down (then it
 * reports the request's id).  The variants differ only in what the
 * watcher's closure captures (start_watcher in leaky.c and fixed.c).
 */
#ifndef CLOSURE_CAPTURE_WATCH_H
#define CLOSURE_CAPTURE_WATCH_H

#include <drip/context.h>
#include <drip/workload.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A request: an id and a large payload.  Reference counted, the C stand-in
 * for the garbage collector: whoever can still reach the request holds a
 * reference, and the payload is freed with the last one. */
typedef struct request {
    _Atomic size_t refs;
    uint64_t       id;
    size_t         bytes;
    unsigned char *payload;        /* `bytes` bytes: the large part */
} request;

request *request_retain(request *r);     /* returns r */
void     request_release(request *r);    /* NULL is a no-op */

typedef struct server server;

/* The variant's difference: start the long-lived task for `req`.  It must
 * wait for watch_wait(s) to return, then call watch_report(s, id).
 * Returns 0, or -1 when nothing was started (req is then untouched). */
typedef int (*start_watcher_fn)(server *s, request *req);

struct server {
    drip_context    *life;          /* canceled when the server shuts down */
    start_watcher_fn start_watcher;
    size_t           payload_bytes;
    uint64_t         watch_every;   /* one request in this many starts a watcher */
    _Atomic uint64_t reported;      /* ids the watchers reported at shutdown */
};

/* For watchers: block until the server shuts down. */
void watch_wait(server *s);
/* For watchers: the one thing they need from the request, its id. */
void watch_report(server *s, uint64_t id);

int  watch_setup(drip_ctx *ctx, void **state, start_watcher_fn start);
int  watch_iterate(drip_ctx *ctx, void *state);
void watch_teardown(drip_ctx *ctx, void *state);

#endif
