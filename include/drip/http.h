/* drip/http.h - a loopback HTTP/1.1 server and a keep-alive client pool.
 *
 * The server is libmicrohttpd bound to 127.0.0.1 on a port the kernel
 * chooses; it never listens on any other address.  The client speaks
 * HTTP/1.1 to 127.0.0.1 only and keeps a pool of idle keep-alive
 * connections that behaves like Go's http.Transport:
 *
 *   - a request takes an idle connection from the pool or dials a new one;
 *   - the response's connection goes back to the idle pool only when its
 *     body has been read to the end AND closed;
 *   - a body closed before its end closes the connection (socket released);
 *   - a body never closed keeps its connection, its socket and its buffers
 *     for as long as the process lives: the unclosed-body leak.
 *
 * The `conns` gauge (drip_rt_gauges) counts open client connections, idle
 * or in use.  Thread-safe: one client may be shared by many threads.
 */
#ifndef DRIP_HTTP_H
#define DRIP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- server ------------------------------------------------------------------- */

typedef struct drip_http_server drip_http_server;

/* Decide the answer to a request: set *status and *body_len (the server
 * sends body_len bytes of a fixed pattern).  Called on server threads. */
typedef void (*drip_http_handler)(void *arg, const char *method, const char *path,
                                  int *status, size_t *body_len);

/* Start a server on 127.0.0.1 with a kernel-chosen port.  NULL (errno set)
 * when libmicrohttpd cannot start. */
drip_http_server *drip_http_server_start(drip_http_handler fn, void *arg);
uint16_t          drip_http_server_port(const drip_http_server *s);
/* Stop the server and close its connections.  NULL is a no-op. */
void              drip_http_server_stop(drip_http_server *s);

/* ---- client ------------------------------------------------------------------- */

typedef struct drip_http_client drip_http_client;
typedef struct drip_http_response drip_http_response;

/* A client keeping at most max_idle idle connections (0: 2, Go's default
 * per host); extra idle connections are closed.  NULL + ENOMEM. */
drip_http_client *drip_http_client_new(size_t max_idle);

/* Close the idle connections and free the client.  Responses still open
 * keep their connections until their bodies are closed (the client's
 * memory is freed with the last of them).  NULL is a no-op. */
void drip_http_client_free(drip_http_client *c);

/* GET http://127.0.0.1:port/path.  On success *out is a response whose
 * status line and headers have been read; the body is read with
 * drip_http_body_read.  Returns 0, DRIP_ENOMEM, DRIP_ETIMEDOUT (no answer
 * within 10 s) or DRIP_EIO (connect/protocol error: nothing is leaked). */
int drip_http_get(drip_http_client *c, uint16_t port, const char *path,
                  drip_http_response **out);

int    drip_http_status(const drip_http_response *r);
size_t drip_http_content_length(const drip_http_response *r);

/* Read up to n body bytes; returns the count, 0 at the end, or DRIP_EIO. */
ssize_t drip_http_body_read(drip_http_response *r, void *buf, size_t n);

/* Read and discard the rest of the body (io.Copy(io.Discard, body)). */
int drip_http_body_drain(drip_http_response *r);

/* Close the body and free the response: the connection returns to the
 * idle pool when the body was read to the end, else it is closed. */
void drip_http_body_close(drip_http_response *r);

typedef struct drip_http_client_stats {
    uint64_t dials;      /* connections opened */
    uint64_t reuses;     /* requests served by an idle connection */
    size_t   idle;       /* idle connections now */
    size_t   in_use;     /* connections held by open responses now */
} drip_http_client_stats;

void drip_http_client_stats_get(drip_http_client *c, drip_http_client_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_HTTP_H */
