/* fixed.c - unclosed-body, fixed: the body is drained and closed on every
 * path.  __attribute__((cleanup)) is C's nearest thing to Go's defer. */
#include "client.h"

static void close_body(drip_http_response **r)
{
    if (*r)
        consume(*r);
}

static int handle_response(drip_http_response *r)
{
    drip_http_response *body __attribute__((cleanup(close_body))) = r;   /* defer Close */
    if (drip_http_status(r) != 200)
        return -1;
    int rc = consume(body);
    body = NULL;                                /* already closed */
    return rc;
}

static int setup(drip_ctx *ctx, void **state)
{
    return service_setup(ctx, state, handle_response);
}

const drip_workload drip_builtin_unclosed_body_fixed = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "unclosed-body-fixed",
    .summary = "HTTP client drains and closes the body on every path (connections reused)",
    .setup = setup,
    .iterate = service_iterate,
    .teardown = service_teardown,
};
