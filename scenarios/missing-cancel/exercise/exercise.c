/* exercise.c - missing-cancel: make the heartbeat stop when its session is
 * closed.
 *
 * Each request opens a session with a heartbeat task (a ticker and a
 * select), serves, and closes the session.  Run it and Drip shows one task,
 * one thread and one armed timer more per request.  Fix it, then grade
 * your fix:
 *
 *     drip exercise missing-cancel exercise.c
 *
 * The lines that carry the lesson are marked LESSON.  HINTS.md has hints.
 */
#include <drip/chan.h>
#include <drip/context.h>
#include <drip/task.h>
#include <drip/timer.h>
#include <drip/workload.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct session {
    _Atomic int   refs;            /* the request's and the heartbeat's */
    drip_context *life;
    drip_ticker  *ticker;          /* the heartbeat's */
    char         *buf;
    _Atomic uint64_t pings;
} session;

/* Drop one reference; the last frees the session.  NULL is a no-op. */
static void session_release(session *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    drip_context_release(s->life);
    free(s->buf);
    free(s);
}

/* The heartbeat: ping on every tick until the context is done. */
static void heartbeat(void *arg)
{
    session *s = arg;

    for (;;) {
        drip_select_case cases[] = {
            {.chan = drip_ticker_chan(s->ticker), .op = DRIP_RECV},   /* case <-t.C */
            /* LESSON: the only way out of this loop is the context being done */
            {.chan = drip_context_done(s->life), .op = DRIP_RECV},    /* case <-ctx.Done() */
        };
        if (drip_select(cases, 2, DRIP_SELECT_FOREVER) != 0)
            break;
        atomic_fetch_add(&s->pings, 1);
    }
    drip_ticker_free(s->ticker);                                      /* defer t.Stop() */
    session_release(s);
}

static session *session_open(void)
{
    session *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->buf = malloc(512);
    s->life = drip_context_with_cancel(drip_context_background());
    s->ticker = drip_ticker_new(30ULL * 1000000000ULL);              /* every 30 s */
    if (!s->buf || !s->life || !s->ticker)
        goto fail;
    atomic_fetch_add(&s->refs, 1);
    if (drip_go(heartbeat, s) != 0) {                                 /* go s.heartbeat(ctx) */
        atomic_fetch_sub(&s->refs, 1);
        goto fail;
    }
    return s;

fail:
    drip_ticker_free(s->ticker);
    session_release(s);
    return NULL;
}

static void session_close(session *s)
{
    /* LESSON: closing the session says nothing to its heartbeat */
    session_release(s);
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    session *s = session_open();

    if (!s)
        return -1;
    uint64_t id = drip_iteration(ctx);
    memcpy(s->buf, &id, sizeof id);                                   /* serve */
    session_close(s);
    return 0;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    drip_tasks_settle(0, 500ULL * 1000000ULL);   /* heartbeats that can stop do */
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "missing-cancel-exercise",
    .summary = "exercise: a session's heartbeat task that nobody cancels",
    .iterate = iterate,
    .teardown = teardown,
};
