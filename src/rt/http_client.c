/* http_client.c - the keep-alive HTTP/1.1 client pool (see drip/http.h).
 *
 * Objects:
 *   - a client: a mutex, a LIFO list of idle connections, counters, and a
 *     reference count (one for the user, one per open response) so that the
 *     client may be freed while responses are still open;
 *   - a connection: a socket to 127.0.0.1:port and a heap read buffer of
 *     CONN_BUF bytes.  A response's status line and headers are read into
 *     it; the body is taken from what is left in it, then from the socket;
 *   - a response: status, Content-Length, how much body is left, and the
 *     connection it owns until drip_http_body_close.
 *
 * Like Go's Transport, a connection goes back to the idle pool only when its
 * body was read to the end and closed; a body closed early closes the
 * connection; a body never closed keeps the connection, its socket and its
 * buffer: the unclosed-body leak.  drip__gauge_conns counts connections from
 * a successful connect() to their close().
 *
 * The idle list holds connections to any port (each remembers its own) and
 * max_idle caps its total length.  Before an idle connection is reused it
 * is peeked at (MSG_PEEK | MSG_DONTWAIT): one the server closed meanwhile
 * is closed and the next one taken, or a new one dialled.  If the server
 * closes a reused connection after the request went out but before any
 * byte of the answer (Go's "server closed idle connection" race), the
 * request is sent again, once, on a freshly dialled connection.
 *
 * Timeouts: every socket has SO_RCVTIMEO and SO_SNDTIMEO of 10 s; one that
 * runs out makes drip_http_get return DRIP_ETIMEDOUT, and a body read
 * DRIP_EIO (the only error drip_http_body_read has).
 *
 * Limits: responses must carry Content-Length (chunked transfer coding and
 * bodies delimited by the connection's end are DRIP_EIO, and so is a 1xx
 * answer; 204 and 304 have no body); the status line and headers must fit in
 * CONN_BUF, and a path in PATH_MAX_LEN (else DRIP_EINVAL).
 * Requests are never pipelined.  SIGPIPE is never raised (MSG_NOSIGNAL).
 */
#define _GNU_SOURCE
#include <drip/http.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gauges.h"

#define CONN_BUF        4096u   /* per-connection read buffer */
#define IO_TIMEOUT_SEC  10
#define DEFAULT_IDLE    2       /* Go's DefaultMaxIdleConnsPerHost */
#define PATH_MAX_LEN    (CONN_BUF - 128u)   /* the request must fit in the buffer */

typedef struct http_conn {
    struct http_conn *next;     /* idle list link */
    int               fd;
    uint16_t          port;
    char             *buf;      /* CONN_BUF bytes */
    size_t            off;      /* buf[off, len) holds bytes not yet consumed */
    size_t            len;
} http_conn;

struct drip_http_client {
    pthread_mutex_t mu;
    http_conn      *idle;       /* LIFO: the most recently returned first */
    size_t          n_idle;
    size_t          n_in_use;
    size_t          max_idle;
    uint64_t        dials;
    uint64_t        reuses;
    size_t          refs;       /* the user's (until client_free) + one per response */
    bool            closed;     /* drip_http_client_free was called */
};

struct drip_http_response {
    drip_http_client *client;   /* holds a reference */
    http_conn        *conn;
    int               status;
    size_t            content_length;
    size_t            remaining;    /* body bytes not yet read */
    bool              keep_alive;   /* the server lets the connection live on */
    bool              broken;       /* I/O or protocol error: never reuse */
};

/* ======================================================================
 * Connections
 * ====================================================================== */

/* Map a failed send/recv/connect (errno) to a DRIP_E* code. */
static int io_error(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS ? DRIP_ETIMEDOUT
                                                                           : DRIP_EIO;
}

static void conn_close(http_conn *conn)
{
    close(conn->fd);
    free(conn->buf);
    free(conn);
    drip__gauge_add(&drip__gauge_conns, -1);
}

/* Connect to 127.0.0.1:port.  Returns 0 and *out, DRIP_ENOMEM, DRIP_EIO
 * (refused, out of descriptors...) or DRIP_ETIMEDOUT; nothing is left
 * behind on failure. */
static int conn_dial(uint16_t port, http_conn **out)
{
    static const struct timeval tmo = { .tv_sec = IO_TIMEOUT_SEC };
    struct sockaddr_in sin;
    http_conn *conn;
    int one = 1, rc;

    conn = malloc(sizeof(*conn));
    if (conn == NULL)
        return DRIP_ENOMEM;
    conn->buf = malloc(CONN_BUF);
    if (conn->buf == NULL) {
        free(conn);
        return DRIP_ENOMEM;
    }
    conn->next = NULL;
    conn->port = port;
    conn->off = conn->len = 0;
    conn->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (conn->fd < 0) {
        rc = errno == ENOMEM || errno == ENOBUFS ? DRIP_ENOMEM : DRIP_EIO;
        goto fail;
    }
    if (setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) != 0 ||
        setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo)) != 0 ||
        setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        rc = DRIP_EIO;
        goto fail_fd;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* never anything else */
    sin.sin_port = htons(port);
    while ((rc = connect(conn->fd, (struct sockaddr *)&sin, sizeof(sin))) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        rc = io_error();             /* SO_SNDTIMEO expiry makes connect fail with EINPROGRESS */
        goto fail_fd;
    }
    drip__gauge_add(&drip__gauge_conns, 1);
    drip__total_add(&drip__total_conns);
    *out = conn;
    return 0;

fail_fd:
    close(conn->fd);
fail:
    free(conn->buf);
    free(conn);
    return rc;
}

/* true when an idle connection still looks usable: the server has neither
 * closed it nor sent anything unasked.  Go's Transport learns the same from
 * its background read loop. */
static bool conn_alive(http_conn *conn)
{
    char b;
    ssize_t n = recv(conn->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return io_error();
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* recv into buf[0, n) with EINTR retried: > 0 bytes, 0 at EOF, < 0 a DRIP_E* code. */
static ssize_t recv_some(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t k = recv(fd, buf, n, 0);
        if (k >= 0)
            return k;
        if (errno != EINTR)
            return io_error();
    }
}

/* ======================================================================
 * The pool
 * ====================================================================== */

/* Drop one reference; the last one frees the client.  Called unlocked. */
static void client_unref(drip_http_client *c)
{
    bool last;

    pthread_mutex_lock(&c->mu);
    last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last) {
        pthread_mutex_destroy(&c->mu);
        free(c);
    }
}

/* Take the most recent idle connection to port, or NULL. */
static http_conn *pool_take(drip_http_client *c, uint16_t port)
{
    http_conn **pp, *conn = NULL;

    pthread_mutex_lock(&c->mu);
    for (pp = &c->idle; *pp; pp = &(*pp)->next) {
        if ((*pp)->port == port) {
            conn = *pp;
            *pp = conn->next;
            conn->next = NULL;
            c->n_idle--;
            c->n_in_use++;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return conn;
}

/* Give back a connection taken for a request: to the idle list when reuse
 * is allowed and there is room, else close it. */
static void pool_put(drip_http_client *c, http_conn *conn, bool reuse)
{
    pthread_mutex_lock(&c->mu);
    c->n_in_use--;
    if (reuse && !c->closed && c->n_idle < c->max_idle) {
        conn->next = c->idle;
        c->idle = conn;
        c->n_idle++;
        conn = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (conn)
        conn_close(conn);
}

drip_http_client *drip_http_client_new(size_t max_idle)
{
    drip_http_client *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;                 /* errno = ENOMEM */
    if ((errno = pthread_mutex_init(&c->mu, NULL)) != 0) {
        free(c);
        return NULL;
    }
    c->max_idle = max_idle ? max_idle : DEFAULT_IDLE;
    c->refs = 1;
    return c;
}

void drip_http_client_free(drip_http_client *c)
{
    http_conn *list;

    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->closed = true;                /* responses closed later close their conns */
    list = c->idle;
    c->idle = NULL;
    c->n_idle = 0;
    pthread_mutex_unlock(&c->mu);
    while (list) {
        http_conn *next = list->next;
        conn_close(list);
        list = next;
    }
    client_unref(c);
}

void drip_http_client_stats_get(drip_http_client *c, drip_http_client_stats *out)
{
    if (c == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    pthread_mutex_lock(&c->mu);
    out->dials = c->dials;
    out->reuses = c->reuses;
    out->idle = c->n_idle;
    out->in_use = c->n_in_use;
    pthread_mutex_unlock(&c->mu);
}

/* ======================================================================
 * Request and response head
 * ====================================================================== */

/* A path is sent verbatim: it must start with '/' and hold no space or
 * control character (no header injection). */
static bool path_ok(const char *path)
{
    if (path[0] != '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* Write the request into the connection's buffer and send it. */
static int send_request(http_conn *conn, const char *path)
{
    int n = snprintf(conn->buf, CONN_BUF,
                     "GET %s HTTP/1.1\r\n"
                     "Host: 127.0.0.1:%u\r\n"
                     "Connection: keep-alive\r\n"
                     "User-Agent: drip\r\n"
                     "\r\n",
                     path, (unsigned)conn->port);

    if (n < 0 || (size_t)n >= CONN_BUF)
        return DRIP_EINVAL;
    conn->off = conn->len = 0;       /* the buffer now holds the request, not input */
    return send_all(conn->fd, conn->buf, (size_t)n);
}

/* Parse a decimal Content-Length value; false on junk or overflow. */
static bool parse_length(const char *v, const char *end, size_t *out)
{
    size_t n = 0;

    if (v == end)
        return false;
    for (; v < end; v++) {
        if (*v < '0' || *v > '9')
            return false;
        if (n > (SIZE_MAX - 9) / 10)
            return false;
        n = n * 10 + (size_t)(*v - '0');
    }
    *out = n;
    return true;
}

/* true when the comma-separated header value [v, end) lists token. */
static bool has_token(const char *v, const char *end, const char *token)
{
    size_t tl = strlen(token);

    while (v < end) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        const char *te = comma ? comma : end;
        while (v < te && (*v == ' ' || *v == '\t'))
            v++;
        const char *e = te;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - v) == tl && strncasecmp(v, token, tl) == 0)
            return true;
        v = comma ? comma + 1 : end;
    }
    return false;
}

/* Parse the head buf[0, head_len) (ending in CRLF CRLF) into r. */
static int parse_head(drip_http_response *r, const char *buf, size_t head_len)
{
    const char *p = buf, *end = buf + head_len - 2;   /* drop the final empty line */
    const char *eol;
    bool http10, have_len = false, conn_close_hdr = false, conn_keep = false;
    size_t len = 0;

    /* status line: HTTP/1.x SSS reason */
    eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (eol == NULL || eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
        (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
        p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
        (eol - p > 12 && p[12] != ' '))
        return DRIP_EIO;
    http10 = p[7] == '0';
    r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');

    for (p = eol + 2; p < end; p = eol + 2) {
        const char *colon, *v, *ve;

        eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (eol == NULL)
            return DRIP_EIO;
        colon = memchr(p, ':', (size_t)(eol - p));
        if (colon == NULL || colon == p || *p == ' ' || *p == '\t')
            return DRIP_EIO;         /* no name, or an obsolete folded line */
        for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
            ;
        for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
            ;
#define IS(name) ((size_t)(colon - p) == sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0)
        if (IS("Content-Length")) {
            size_t n;
            if (!parse_length(v, ve, &n) || (have_len && n != len))
                return DRIP_EIO;
            have_len = true;
            len = n;
        } else if (IS("Transfer-Encoding")) {
            if (!(ve - v == 8 && strncasecmp(v, "identity", 8) == 0))
                return DRIP_EIO;     /* chunked: not supported */
        } else if (IS("Connection")) {
            conn_close_hdr |= has_token(v, ve, "close");
            conn_keep |= has_token(v, ve, "keep-alive");
        }
#undef IS
    }

    if (r->status < 200) {
        return DRIP_EIO;             /* interim answers: never asked for */
    } else if (r->status == 204 || r->status == 304) {
        len = 0;                     /* no body, whatever the headers say */
    } else if (!have_len) {
        return DRIP_EIO;             /* a body delimited by EOF: not supported */
    }
    r->content_length = r->remaining = len;
    r->keep_alive = !conn_close_hdr && (!http10 || conn_keep);
    return 0;
}

/* Read the response head into conn->buf and parse it.  Leaves the body
 * bytes read along with the head in buf[off, len).  *got_any tells whether
 * any byte arrived (a reused connection that the server closed gets none). */
static int read_head(drip_http_response *r, http_conn *conn, bool *got_any)
{
    size_t scanned = 0;

    *got_any = false;
    for (;;) {
        ssize_t k;
        const char *hend;

        if (conn->len >= 4) {
            size_t from = scanned > 3 ? scanned - 3 : 0;
            hend = memmem(conn->buf + from, conn->len - from, "\r\n\r\n", 4);
            if (hend) {
                size_t head_len = (size_t)(hend - conn->buf) + 4;
                int rc = parse_head(r, conn->buf, head_len);
                conn->off = head_len;
                return rc;
            }
            scanned = conn->len;
        }
        if (conn->len == CONN_BUF)
            return DRIP_EIO;         /* head larger than the buffer */
        k = recv_some(conn->fd, conn->buf + conn->len, CONN_BUF - conn->len);
        if (k < 0)
            return (int)k;
        if (k == 0)
            return DRIP_EIO;         /* the server closed the connection */
        *got_any = true;
        conn->len += (size_t)k;
    }
}

/* Send the request on conn and read the head into r.  On failure, *retry
 * says whether nothing was received, so that a reused connection the server
 * had closed may be replaced by a fresh one. */
static int round_trip(drip_http_response *r, http_conn *conn, const char *path, bool *retry)
{
    bool got_any = false;
    int rc = send_request(conn, path);

    if (rc == 0)
        rc = read_head(r, conn, &got_any);
    *retry = rc == DRIP_EIO && !got_any;
    return rc;
}

int drip_http_get(drip_http_client *c, uint16_t port, const char *path,
                  drip_http_response **out)
{
    drip_http_response *r;
    http_conn *conn;
    bool reused, retry, redialed = false;
    int rc;

    if (out)
        *out = NULL;
    if (c == NULL || out == NULL || port == 0 || path == NULL ||
        strlen(path) > PATH_MAX_LEN || !path_ok(path))
        return DRIP_EINVAL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return DRIP_ENOMEM;

    for (;;) {
        /* an idle connection that still looks alive, or a new one */
        conn = NULL;
        if (!redialed) {
            while ((conn = pool_take(c, port)) != NULL && !conn_alive(conn))
                pool_put(c, conn, false);
        }
        reused = conn != NULL;
        if (!reused) {
            rc = conn_dial(port, &conn);
            if (rc != 0) {
                free(r);
                return rc;
            }
            pthread_mutex_lock(&c->mu);
            c->dials++;
            c->n_in_use++;
            pthread_mutex_unlock(&c->mu);
        }

        rc = round_trip(r, conn, path, &retry);
        if (rc == 0)
            break;
        pool_put(c, conn, false);
        if (!reused || !retry) {     /* a fresh connection is never retried */
            free(r);
            return rc;
        }
        redialed = true;             /* the server closed it meanwhile: dial once */
    }

    pthread_mutex_lock(&c->mu);
    if (reused)
        c->reuses++;
    c->refs++;
    pthread_mutex_unlock(&c->mu);
    r->client = c;
    r->conn = conn;
    *out = r;
    return 0;
}

int drip_http_status(const drip_http_response *r)
{
    return r->status;
}

size_t drip_http_content_length(const drip_http_response *r)
{
    return r->content_length;
}

/* ======================================================================
 * Body
 * ====================================================================== */

ssize_t drip_http_body_read(drip_http_response *r, void *buf, size_t n)
{
    http_conn *conn = r->conn;
    size_t want, have;
    ssize_t k;

    if (r->broken)
        return DRIP_EIO;
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    want = n < r->remaining ? n : r->remaining;
    if (want == 0)
        return 0;
    have = conn->len - conn->off;
    if (have > 0) {                  /* first what came in with the head */
        if (want > have)
            want = have;
        memcpy(buf, conn->buf + conn->off, want);
        conn->off += want;
        r->remaining -= want;
        return (ssize_t)want;
    }
    k = recv_some(conn->fd, buf, want);   /* never past this body */
    if (k <= 0) {
        r->broken = true;            /* EOF before the end, timeout or error */
        return DRIP_EIO;
    }
    r->remaining -= (size_t)k;
    return k;
}

int drip_http_body_drain(drip_http_response *r)
{
    http_conn *conn = r->conn;

    while (r->remaining > 0) {
        size_t have = conn->len - conn->off;
        ssize_t k;

        if (r->broken)
            return DRIP_EIO;
        if (have > 0) {
            size_t take = have < r->remaining ? have : r->remaining;
            conn->off += take;
            r->remaining -= take;
            continue;
        }
        /* the buffer is empty: use it as scratch space */
        conn->off = conn->len = 0;
        k = drip_http_body_read(r, conn->buf, CONN_BUF);
        if (k < 0)
            return (int)k;
    }
    return r->broken ? DRIP_EIO : 0;
}

void drip_http_body_close(drip_http_response *r)
{
    drip_http_client *c;
    bool reuse;

    if (r == NULL)
        return;
    c = r->client;
    /* reusable only at the end of the body with nothing extra received */
    reuse = r->remaining == 0 && !r->broken && r->keep_alive &&
            r->conn->off == r->conn->len;
    pool_put(c, r->conn, reuse);
    free(r);
    client_unref(c);
}
