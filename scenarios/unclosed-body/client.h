/* client.h - what both unclosed-body workloads share: a loopback server,
 * a keep-alive client and the request both variants make.
 *
 * The variants differ only in how a non-200 answer is handled
 * (handle_response in leaky.c and fixed.c).
 */
#ifndef UNCLOSED_BODY_CLIENT_H
#define UNCLOSED_BODY_CLIENT_H

#include <drip/http.h>
#include <drip/workload.h>

typedef struct service {
    drip_http_server *server;
    drip_http_client *client;
    size_t            ok_bytes, error_bytes;
    /* The variant's difference: consume response r; 0 for a usable
     * answer, -1 for an error answer (a failed request, counted by Drip). */
    int             (*handle)(drip_http_response *r);
} service;

/* Read the body to its end and close it: the connection goes back to the
 * pool.  Used by both variants for good answers. */
int consume(drip_http_response *r);

int  service_setup(drip_ctx *ctx, void **state, int (*handle)(drip_http_response *r));
int  service_iterate(drip_ctx *ctx, void *state);
void service_teardown(drip_ctx *ctx, void *state);

#endif
