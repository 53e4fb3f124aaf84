/* leaky.c - missing-cancel, leaky: closing a session drops the request's
 * reference but never cancels the session's context, so its heartbeat
 * task ticks forever. */
#include "session.h"

static void session_close(session *s)
{
    session_release(s);                 /* s.cancel() is missing */
}

static int setup(drip_ctx *ctx, void **state)
{
    return sessions_setup(ctx, state, session_close);
}

const drip_workload drip_builtin_missing_cancel_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "missing-cancel-leaky",
    .summary = "session close never cancels its context; the heartbeat task and ticker live on",
    .setup = setup,
    .iterate = sessions_iterate,
    .teardown = sessions_teardown,
};
