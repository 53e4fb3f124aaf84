/* client.c - the requests shared by the unclosed-body workloads.
 *
 * Go original:
 *
 *     resp, err := http.Get(url)
 *     if err != nil {
 *         return err
 *     }
 *     if resp.StatusCode != http.StatusOK {
 *         return fmt.Errorf("status %d", resp.StatusCode)   // body never closed
 *     }
 *     defer resp.Body.Close()
 *     _, err = io.Copy(io.Discard, resp.Body)
 *
 * Go's transport reuses a connection only after its body was read to the
 * end and closed; a body never closed keeps its connection, socket and
 * buffers for good.
 *
 * The server runs in the worker, on 127.0.0.1 with a kernel-chosen port;
 * it answers /error with 500 and anything else with 200.  The fault point
 * `http.error_status` decides which path a request asks for, so the leak
 * rate is the fault rate.
 */
#include "client.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void answer(void *arg, const char *method, const char *path, int *status,
                   size_t *body_len)
{
    const service *s = arg;
    (void)method;
    bool error = strcmp(path, "/error") == 0;
    *status = error ? 500 : 200;
    *body_len = error ? s->error_bytes : s->ok_bytes;
}

int service_setup(drip_ctx *ctx, void **state, int (*handle)(drip_http_response *r))
{
    service *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->handle = handle;
    s->ok_bytes = (size_t)drip_param_int(ctx, "ok_bytes", 2048);
    s->error_bytes = (size_t)drip_param_int(ctx, "error_bytes", 256);
    s->server = drip_http_server_start(answer, s);
    s->client = drip_http_client_new(0);
    if (!s->server || !s->client) {
        drip_http_client_free(s->client);
        drip_http_server_stop(s->server);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

int consume(drip_http_response *r)
{
    int rc = drip_http_body_drain(r);
    drip_http_body_close(r);
    return rc == 0 ? 0 : -1;
}

int service_iterate(drip_ctx *ctx, void *state)
{
    service *s = state;
    const char *path = drip_fault(ctx, "http.error_status") ? "/error" : "/data";
    drip_http_response *r;
    if (drip_http_get(s->client, drip_http_server_port(s->server), path, &r) != 0)
        return -1;
    return s->handle(r);
}

void service_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    service *s = state;
    drip_http_client_free(s->client);    /* leaked responses keep their connections */
    drip_http_server_stop(s->server);
    free(s);
}
