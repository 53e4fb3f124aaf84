/* fixed.c - missing-cancel, fixed: closing a session cancels its context
 * (Go: s.cancel()), so the heartbeat task stops its ticker and returns. */
#include "session.h"

static void session_close(session *s)
{
    drip_context_cancel(s->life);       /* s.cancel(): the heartbeat stops */
    session_release(s);
}

static int setup(drip_ctx *ctx, void **state)
{
    return sessions_setup(ctx, state, session_close);
}

const drip_workload drip_builtin_missing_cancel_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "missing-cancel-fixed",
    .summary = "session close cancels its context; the heartbeat task stops its ticker and exits",
    .setup = setup,
    .iterate = sessions_iterate,
    .teardown = sessions_teardown,
};
