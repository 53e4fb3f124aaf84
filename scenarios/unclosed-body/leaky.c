/* leaky.c - unclosed-body, leaky: on a non-200 answer, return early and
 * forget the body. */
#include "client.h"

static int handle_response(drip_http_response *r)
{
    if (drip_http_status(r) != 200)
        return -1;                              /* the body is never closed */
    return consume(r);
}

static int setup(drip_ctx *ctx, void **state)
{
    return service_setup(ctx, state, handle_response);
}

const drip_workload drip_builtin_unclosed_body_leaky = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "unclosed-body-leaky",
    .summary = "HTTP client returns early on a 500 without closing the body (leaks a connection)",
    .setup = setup,
    .iterate = service_iterate,
    .teardown = service_teardown,
};
