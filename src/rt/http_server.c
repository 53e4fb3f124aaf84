/* http_server.c - the loopback HTTP/1.1 server (see drip/http.h).
 *
 * A thin layer over libmicrohttpd: one daemon with its own polling thread
 * (epoll, poll() as a fallback, so that thousands of open client connections
 * cost nothing but a file descriptor each), bound to 127.0.0.1 on a port the
 * kernel chooses.  MHD's connection timeout is off on purpose: a connection a
 * client leaks must stay open on both ends, which is the leak the scenarios
 * demonstrate.
 *
 * The server stands for another process: its memory is not the workload's.
 * When Drip's counting allocator is in the process (a weak reference, so
 * the runtime still links without it), the daemon's thread turns counting
 * off for itself at its first connection.  Only what MHD allocates before
 * that first notification (one connection's pool) is counted, once.
 *
 * Bodies are a fixed pattern: byte i of every body is 'a' + i % 26.  Up to
 * PATTERN_MAX bytes come straight from a static buffer; larger bodies are
 * produced by a content callback.  Every response carries Content-Length and
 * keeps the connection alive (HTTP/1.1's default).
 */
#include <drip/http.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

/* Drip's counting allocator (src/alloc/alloc.h), when linked in. */
extern bool drip_alloc_set_counting(bool on) __attribute__((weak));

#define PATTERN_MAX   ((size_t)1 << 20)   /* bodies served from the static buffer */
#define PATTERN_CYCLE 26u
#define CONN_LIMIT    100000u
#define CALLBACK_BLOCK (64u * 1024u)      /* MHD's buffer size for large bodies */

struct drip_http_server {
    struct MHD_Daemon *daemon;
    drip_http_handler  fn;
    void              *arg;
    uint16_t           port;
};

/* PATTERN_MAX bytes plus one extra cycle, so that a copy may start at any
 * phase of the cycle and still take PATTERN_MAX bytes. */
static char           pattern[PATTERN_MAX + PATTERN_CYCLE];
static pthread_once_t pattern_once = PTHREAD_ONCE_INIT;

static void pattern_fill(void)
{
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (char)('a' + i % PATTERN_CYCLE);
}

/* Content callback for bodies over PATTERN_MAX: the pattern from pos on. */
static ssize_t pattern_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (max > PATTERN_MAX)
        max = PATTERN_MAX;
    memcpy(buf, pattern + pos % PATTERN_CYCLE, max);   /* MHD caps max at what is left */
    return (ssize_t)max;
}

static struct MHD_Response *make_response(size_t len)
{
    if (len <= PATTERN_MAX)
        return MHD_create_response_from_buffer(len, pattern, MHD_RESPMEM_PERSISTENT);
    return MHD_create_response_from_callback((uint64_t)len, CALLBACK_BLOCK, pattern_reader,
                                             NULL, NULL);
}

/* MHD calls this at least twice per request: first with the headers only
 * (we just mark the request as seen), then once the (empty) upload is in,
 * when we answer.  Answering on the first call would skip MHD's handling of
 * request bodies and "Expect: 100-continue". */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    static int seen;   /* address used as the "headers seen" marker */
    drip_http_server *s = cls;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int status = 200;
    size_t len = 0;

    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {   /* a request body: ignore it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    s->fn(s->arg, method, url, &status, &len);
    if (status < 100 || status > 999)
        status = 500;
    resp = make_response(len);
    if (resp == NULL)
        return MHD_NO;               /* MHD closes the connection */
    ret = MHD_queue_response(conn, (unsigned int)status, resp);
    MHD_destroy_response(resp);      /* the queued response holds its own reference */
    return ret;
}

/* Called on the daemon's thread as each connection starts: keep the
 * server's allocations out of the workload's counters. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)conn;
    (void)socket_ctx;
    (void)code;
    if (drip_alloc_set_counting)
        drip_alloc_set_counting(false);
}

static struct MHD_Daemon *start_daemon(drip_http_server *s, unsigned int poll_flag)
{
    struct sockaddr_in sin;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = 0;                /* the kernel chooses */
    return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | poll_flag,
                            0, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sin,
                            MHD_OPTION_CONNECTION_TIMEOUT, 0u,
                            MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                            MHD_OPTION_END);
}

drip_http_server *drip_http_server_start(drip_http_handler fn, void *arg)
{
    drip_http_server *s;
    const union MHD_DaemonInfo *info;

    if (fn == NULL) {
        errno = EINVAL;
        return NULL;
    }
    pthread_once(&pattern_once, pattern_fill);
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;                 /* errno = ENOMEM */
    s->fn = fn;
    s->arg = arg;
    s->daemon = start_daemon(s, MHD_USE_EPOLL);
    if (s->daemon == NULL)
        s->daemon = start_daemon(s, MHD_USE_POLL);   /* MHD built without epoll */
    if (s->daemon == NULL)
        goto fail;
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0) {
        MHD_stop_daemon(s->daemon);
        goto fail;
    }
    s->port = info->port;
    return s;

fail:
    free(s);
    errno = EIO;
    return NULL;
}

uint16_t drip_http_server_port(const drip_http_server *s)
{
    return s ? s->port : 0;
}

void drip_http_server_stop(drip_http_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->daemon);      /* joins the polling thread, closes every connection */
    free(s);
}
