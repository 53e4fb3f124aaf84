/* unclosed-body solution: the body is closed on every path.
 *
 * Each iteration is a GET to a loopback server through a keep-alive client
 * (<drip/http.h>).  The server answers 500 when the fault point
 * http.error_status fires, 200 otherwise.  Go original:
 *
 *     resp, err := http.Get(url)
 *     if err != nil {
 *         return err
 *     }
 *     if resp.StatusCode != http.StatusOK {
 *         return fmt.Errorf("status %d", resp.StatusCode)
 *     }
 *     defer resp.Body.Close()
 *     _, err = io.Copy(io.Discard, resp.Body)
 *
 * The fix closes the body on every path.  Go's `defer resp.Body.Close()`
 * right after the error check has a C analog in GCC's and Clang's cleanup
 * attribute: a function called with the variable's address when it goes
 * out of scope, whichever return is taken.  Draining first lets the
 * client reuse the connection.
 */
#include <drip/http.h>
#include <drip/workload.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct service {
    drip_http_server *server;
    drip_http_client *client;
    size_t            ok_bytes, error_bytes;
} service;

/* The server's side: /error answers 500, anything else 200. */
static void answer(void *arg, const char *method, const char *path, int *status,
                   size_t *body_len)
{
    const service *s = arg;
    (void)method;
    bool error = strcmp(path, "/error") == 0;
    *status = error ? 500 : 200;
    *body_len = error ? s->error_bytes : s->ok_bytes;
}

/* Read the body to its end and close it: the connection goes back to the
 * client's pool for the next request. */
static int consume(drip_http_response *r)
{
    int rc = drip_http_body_drain(r);
    drip_http_body_close(r);
    return rc == 0 ? 0 : -1;
}

/* The "defer": drain and close the body *r unless it was handed on. */
static void close_body(drip_http_response **r)
{
    if (*r)
        consume(*r);
}

/* Use the answer: 0 for a good one, -1 for an error status. */
static int handle_response(drip_http_response *r)
{
    drip_http_response *body __attribute__((cleanup(close_body))) = r;   /* defer Close */
    if (drip_http_status(r) != 200)
        return -1;                 /* close_body runs here too */
    int rc = consume(body);
    body = NULL;                   /* already closed */
    return rc;
}

static int setup(drip_ctx *ctx, void **state)
{
    service *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
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

static int iterate(drip_ctx *ctx, void *state)
{
    service *s = state;
    const char *path = drip_fault(ctx, "http.error_status") ? "/error" : "/data";
    drip_http_response *r;
    if (drip_http_get(s->client, drip_http_server_port(s->server), path, &r) != 0)
        return -1;
    return handle_response(r);
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    service *s = state;
    drip_http_client_free(s->client);
    drip_http_server_stop(s->server);
    free(s);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "unclosed-body-exercise",
    .summary = "GET requests; an error status returns early",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
