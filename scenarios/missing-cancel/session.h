/* session.h - what both missing-cancel workloads share: a session with a
 * heartbeat task that runs until the session's context is canceled.
 *
 * The variants differ only in how a session is closed (the close function
 * in leaky.c and fixed.c): whether closing cancels the context.
 */
#ifndef MISSING_CANCEL_SESSION_H
#define MISSING_CANCEL_SESSION_H

#include <drip/context.h>
#include <drip/timer.h>
#include <drip/workload.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A session, shared by its request and its heartbeat task: each holds a
 * reference, and the last release frees it (Go's collector, by hand). */
typedef struct session {
    _Atomic int   refs;
    drip_context *life;            /* canceled: the heartbeat stops */
    drip_ticker  *ticker;          /* the heartbeat's; freed by it */
    char         *buf;             /* the session's state */
    size_t        bytes;
    _Atomic uint64_t pings;
} session;

/* The variant's difference: the request is done with session s (drop its
 * reference with session_release). */
typedef void (*close_fn)(session *s);

typedef struct sessions {
    close_fn close;                /* the variant */
    size_t   session_bytes;
    uint64_t heartbeat_ns;         /* long: the run ends before a tick */
} sessions;

/* Drop one reference to s; the last frees it, its context and buffer.
 * NULL is a no-op. */
void session_release(session *s);

int  sessions_setup(drip_ctx *ctx, void **state, close_fn close);
int  sessions_iterate(drip_ctx *ctx, void *state);
void sessions_teardown(drip_ctx *ctx, void *state);

#endif
