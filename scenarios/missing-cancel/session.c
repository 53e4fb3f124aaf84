/* session.c - the request shared by the missing-cancel workloads.
 *
 * Go original:
 *
 *     func Open(user string) *Session {
 *         ctx, cancel := context.WithCancel(context.Background())
 *         s := &Session{user: user, cancel: cancel}
 *         go s.heartbeat(ctx)        // ticks until ctx is canceled
 *         return s
 *     }
 *
 *     func (s *Session) Close() {
 *         s.conn.Close()
 *         // missing: s.cancel()
 *     }
 *
 * The heartbeat goroutine can only be told to stop through its context.
 * A Close that never cancels it leaves the goroutine, its ticker and the
 * whole session it references alive for the life of the process.
 *
 * No fault is involved: every request opens and closes one session.
 */
#include "session.h"

#include <drip/chan.h>
#include <drip/task.h>
#include <stdlib.h>
#include <string.h>

void session_release(session *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    drip_context_release(s->life);
    free(s->buf);
    free(s);
}

/* The heartbeat task: ping on every tick until the session's context is
 * done, then stop the ticker.  It owns s->ticker and one reference to s;
 * a heartbeat nobody cancels keeps both, and the session's buffer. */
static void heartbeat(void *arg)
{
    session *s = arg;

    for (;;) {
        drip_select_case cases[] = {
            {.chan = drip_ticker_chan(s->ticker), .op = DRIP_RECV},   /* case <-t.C */
            {.chan = drip_context_done(s->life), .op = DRIP_RECV},    /* case <-ctx.Done() */
        };
        if (drip_select(cases, 2, DRIP_SELECT_FOREVER) != 0)
            break;
        atomic_fetch_add(&s->pings, 1);                               /* s.ping() */
    }
    drip_ticker_free(s->ticker);                                      /* defer t.Stop() */
    session_release(s);
}

/* Open a session: its context, its buffer, its ticker and its heartbeat.
 * Returns the request's reference, or NULL with nothing left behind. */
static session *session_open(const sessions *ss)
{
    session *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->bytes = ss->session_bytes;
    s->buf = malloc(s->bytes);
    s->life = drip_context_with_cancel(drip_context_background());
    s->ticker = drip_ticker_new(ss->heartbeat_ns);
    if (!s->buf || !s->life || !s->ticker)
        goto fail;
    memset(s->buf, 's', s->bytes);
    atomic_fetch_add(&s->refs, 1);                  /* the heartbeat's */
    if (drip_go(heartbeat, s) != 0) {
        atomic_fetch_sub(&s->refs, 1);
        goto fail;
    }
    return s;

fail:
    drip_ticker_free(s->ticker);
    session_release(s);
    return NULL;
}

int sessions_setup(drip_ctx *ctx, void **state, close_fn close)
{
    sessions *ss = calloc(1, sizeof *ss);
    if (!ss)
        return -1;
    ss->close = close;
    ss->session_bytes = (size_t)drip_param_int(ctx, "session_bytes", 512);
    if (ss->session_bytes == 0)
        ss->session_bytes = 512;
    ss->heartbeat_ns = (uint64_t)drip_param_int(ctx, "heartbeat_s", 30) * 1000000000ULL;
    if (ss->heartbeat_ns == 0)
        ss->heartbeat_ns = 30ULL * 1000000000ULL;
    *state = ss;
    return 0;
}

/* One request: open a session, serve with it, close it. */
int sessions_iterate(drip_ctx *ctx, void *state)
{
    sessions *ss = state;
    session *s = session_open(ss);

    if (!s)
        return -1;
    uint64_t id = drip_iteration(ctx);
    memcpy(s->buf, &id, sizeof id < s->bytes ? sizeof id : s->bytes);   /* serve */
    ss->close(s);
    return 0;
}

void sessions_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    /* Canceled heartbeats finish at once; the leaky variant's never will.
     * Wait for the first, not for the second (the report counts them). */
    drip_tasks_settle(0, 500ULL * 1000000ULL);
    free(state);
}
