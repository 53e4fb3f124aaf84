/* test_http.c - Check suite for the loopback HTTP server and the keep-alive
 * client pool (src/rt/http_server.c, src/rt/http_client.c).
 *
 * Cases:
 *   core   - the server listens on 127.0.0.1 only, answers with the status
 *            and body length its handler picks (large bodies included); a
 *            drained and closed body returns its connection for reuse;
 *            stopping the server leaves no thread behind;
 *   pool   - Go's Transport rules: a body closed early closes its
 *            connection, a body never closed keeps its connection and
 *            socket, max_idle caps the idle list, the client may be freed
 *            before its responses, one client shared by several threads;
 *   errors - bad arguments, nothing listening, protocol errors (chunked, no
 *            Content-Length, garbage, oversized head, short body), answers
 *            that forbid reuse, and an idle connection the server closed:
 *            the next request dials again transparently;
 *   oom    - fails the 1st, 2nd, 3rd... allocation of a client's life until
 *            it runs clean (SQLite-style) and checks each time that the
 *            error is DRIP_ENOMEM and that no connection, descriptor or
 *            block is left behind.
 *
 * The oom case needs the malloc/calloc/realloc/free of tests/oom_malloc.h,
 * which forward to glibc (to the sanitizer's allocator under ASan/TSan) and
 * can fail the Nth call of the *test thread* only (libmicrohttpd's thread is
 * never failed).  So this test must not be linked with another malloc
 * (src/alloc/alloc.c).  Should valgrind replace malloc in the executable
 * too, the oom case runs its sequence once without faults;
 * `valgrind --soname-synonyms=somalloc=nouserintercepts` keeps it active.
 *
 * Everything here listens on and connects to 127.0.0.1 only.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <drip/http.h>
#include <drip/rt.h>

Suite *suite_http(void);

/* ck_assert records every passing check (a write per call in fork mode);
 * expect() only reports failures, for loops and helpers. */
#define expect(cond) do {                                                   \
        if (!(cond))                                                        \
            ck_abort_msg("expectation failed: %s", #cond);                  \
    } while (0)

#define PATTERN(i) ((char)('a' + (i) % 26))   /* byte i of every body */

/* The allocation interposer (see the top of the file): tests/oom_malloc.h,
 * tracking the armed test thread only (its default). */
#include "check_main.h"
#include "oom_malloc.h"

/* ======================================================================
 * Helpers
 * ====================================================================== */

/* Servers whose sockets (listening and accepted) fd_count() leaves out. */
static uint16_t server_ports[2];

static long count_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    long n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static bool is_server_socket(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);

    if (getsockname(fd, (struct sockaddr *)&sin, &sl) != 0 || sin.sin_family != AF_INET)
        return false;
    for (size_t i = 0; i < sizeof(server_ports) / sizeof(server_ports[0]); i++)
        if (server_ports[i] && ntohs(sin.sin_port) == server_ports[i])
            return true;
    return false;
}

/* Open descriptors, the in-process servers' sockets left out: a server
 * closes its end of a connection some time after the client closed its
 * own, so only the client's side is exact. */
static long fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    long n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && !is_server_socket(atoi(e->d_name)))
            n++;
    closedir(d);
    return n;
}

/* fd_count(), once it equals want or after a few seconds: a server's
 * socket that the client reset may still be open (and, being reset, no
 * longer shows the server's port) until the server's thread gets to it. */
static long fd_count_settled(long want)
{
    long n = fd_count();

    for (int i = 0; i < 5000 && n != want; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        n = fd_count();
    }
    return n;
}

#define ck_assert_fds(want) do {                                            \
        long want_ = (want);                                                \
        ck_assert_int_eq(fd_count_settled(want_), want_);                   \
    } while (0)

static long thread_count(void)
{
    return count_dir("/proc/self/task");
}

/* A joined thread may linger in /proc/self/task for a moment after
 * pthread_join returns (the kernel wakes the joiner before it reaps the
 * task): wait, within reason, for the count to drop to want. */
static long thread_count_settled(long want)
{
    long n = thread_count();

    for (int i = 0; i < 5000 && n != want; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        n = thread_count();
    }
    return n;
}

static int64_t gauge_conns(void)
{
    drip_rt_gauges g;

    drip_rt_gauges_read(&g);
    return g.conns;
}

static drip_http_client_stats stats_of(drip_http_client *c)
{
    drip_http_client_stats st;

    drip_http_client_stats_get(c, &st);
    return st;
}

/* Read the whole body into buf (at most cap bytes); the count or < 0. */
static ssize_t read_all(drip_http_response *r, char *buf, size_t cap, size_t chunk)
{
    size_t got = 0;

    for (;;) {
        size_t n = cap - got < chunk ? cap - got : chunk;
        ssize_t k;

        if (n == 0)
            return (ssize_t)got;
        k = drip_http_body_read(r, buf + got, n);
        if (k < 0)
            return k;
        if (k == 0)
            return (ssize_t)got;
        got += (size_t)k;
    }
}

static bool is_pattern(const char *buf, size_t n, size_t from)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != PATTERN(from + i))
            return false;
    return true;
}

/* GET, drain, close; returns the status or a DRIP_E* code. */
static int fetch(drip_http_client *c, uint16_t port, const char *path)
{
    drip_http_response *r;
    int rc = drip_http_get(c, port, path, &r);

    if (rc != 0)
        return rc;
    rc = drip_http_body_drain(r);
    if (rc == 0)
        rc = drip_http_status(r);
    drip_http_body_close(r);
    return rc;
}

/* ======================================================================
 * The server under test and its handler
 * ====================================================================== */

/* Paths are "/STATUS/LENGTH"; anything else is 404 with an empty body. */
static void handler(void *arg, const char *method, const char *path, int *status,
                    size_t *body_len)
{
    char *end;
    unsigned long st, len;

    (void)arg;
    *status = 404;
    *body_len = 0;
    if (strcmp(method, "GET") != 0 || path[0] != '/')
        return;
    st = strtoul(path + 1, &end, 10);
    if (*end != '/')
        return;
    len = strtoul(end + 1, &end, 10);
    if (*end != '\0')
        return;
    *status = (int)st;
    *body_len = len;
}

static drip_http_server *srv;
static uint16_t          port;
static int64_t           base_conns;
static long              base_fds;

static void setup(void)
{
    srv = drip_http_server_start(handler, NULL);
    ck_assert_ptr_nonnull(srv);
    port = drip_http_server_port(srv);
    ck_assert_uint_ne(port, 0);
    server_ports[0] = port;
    base_conns = gauge_conns();
    base_fds = fd_count();
}

static void teardown(void)
{
    drip_http_server_stop(srv);
    srv = NULL;
    ck_assert_int_eq(gauge_conns(), base_conns);
}

/* ======================================================================
 * A scripted raw server, for answers libmicrohttpd would never give
 * ====================================================================== */

enum raw_action {
    RAW_KEEP,     /* send the text, keep the connection */
    RAW_CLOSE,    /* send the text, then close */
    RAW_DROP,     /* close without answering */
};

typedef struct raw_step {
    enum raw_action action;
    const char     *text;
} raw_step;

typedef struct raw_server {
    int             lfd;
    uint16_t        port;
    pthread_t       thread;
    const raw_step *steps;      /* one per request, in order */
    size_t          n_steps;
    sem_t           closed;     /* posted each time the server closes a conn */
    _Atomic int     accepted;
} raw_server;

/* Serve connections one at a time; each request gets the next step. */
static void *raw_main(void *arg)
{
    raw_server *s = arg;
    char req[8192];
    int fd = -1;

    for (size_t i = 0; i < s->n_steps;) {
        size_t len = 0;
        bool whole = false;

        if (fd < 0) {
            fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                break;
            s->accepted++;
        }
        while (!whole && len < sizeof(req) - 1) {
            ssize_t k = recv(fd, req + len, sizeof(req) - 1 - len, 0);
            if (k <= 0)
                break;
            len += (size_t)k;
            req[len] = '\0';
            whole = strstr(req, "\r\n\r\n") != NULL;
        }
        if (!whole) {             /* the client closed it: next connection */
            close(fd);
            fd = -1;
            sem_post(&s->closed);
            continue;
        }
        const raw_step *st = &s->steps[i++];
        if (st->text && send(fd, st->text, strlen(st->text), MSG_NOSIGNAL) < 0)
            break;
        if (st->action != RAW_KEEP) {
            close(fd);
            fd = -1;
            sem_post(&s->closed);
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void raw_start(raw_server *s, const raw_step *steps, size_t n)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t sl = sizeof(sin);

    memset(s, 0, sizeof(*s));
    s->steps = steps;
    s->n_steps = n;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(s->lfd, 0);
    ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(listen(s->lfd, 16), 0);
    ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&sin, &sl), 0);
    s->port = ntohs(sin.sin_port);
    server_ports[1] = s->port;
    ck_assert_int_eq(sem_init(&s->closed, 0, 0), 0);
    ck_assert_int_eq(pthread_create(&s->thread, NULL, raw_main, s), 0);
}

/* Call after the client has closed its connections. */
static void raw_stop(raw_server *s)
{
    shutdown(s->lfd, SHUT_RDWR);  /* wakes accept() */
    pthread_join(s->thread, NULL);
    close(s->lfd);
    sem_destroy(&s->closed);
    server_ports[1] = 0;
}

#define OK_HI "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"

/* ======================================================================
 * core
 * ====================================================================== */

START_TEST(test_listens_on_loopback_only)
{
    struct sockaddr_in sin = { .sin_family = AF_INET }, peer, self;
    socklen_t pl = sizeof(peer), sl = sizeof(self);
    char line[256], want[32];
    bool found = false;
    FILE *f;
    int fd;

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(getpeername(fd, (struct sockaddr *)&peer, &pl), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&self, &sl), 0);
    ck_assert_uint_eq(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    ck_assert_uint_eq(ntohs(peer.sin_port), port);
    ck_assert_uint_eq(ntohl(self.sin_addr.s_addr), INADDR_LOOPBACK);
    close(fd);

    /* The listening socket itself is bound to 127.0.0.1, not to 0.0.0.0:
     * /proc/net/tcp lists it as 0100007F:PORT in state 0A (LISTEN). */
    snprintf(want, sizeof(want), ":%04X", (unsigned)port);
    f = fopen("/proc/net/tcp", "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f)) {
        char local[64], remote[64], state[8];
        if (sscanf(line, " %*s %63s %63s %7s", local, remote, state) != 3)
            continue;
        if (strcmp(state, "0A") == 0 && strlen(local) == 13 && strcmp(local + 8, want) == 0) {
            ck_assert_msg(strncmp(local, "0100007F", 8) == 0, "listening on %s", local);
            found = true;
        }
    }
    fclose(f);
    ck_assert(found);
}
END_TEST

START_TEST(test_status_and_body)
{
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;
    static char buf[4096];

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(drip_http_get(c, port, "/200/1000", &r), 0);
    ck_assert_int_eq(drip_http_status(r), 200);
    ck_assert_uint_eq(drip_http_content_length(r), 1000);
    ck_assert_int_eq(read_all(r, buf, sizeof(buf), 7), 1000);   /* odd chunks */
    ck_assert(is_pattern(buf, 1000, 0));
    ck_assert_int_eq(drip_http_body_read(r, buf, sizeof(buf)), 0);   /* stays at the end */
    drip_http_body_close(r);

    ck_assert_int_eq(drip_http_get(c, port, "/500/37", &r), 0);
    ck_assert_int_eq(drip_http_status(r), 500);
    ck_assert_uint_eq(drip_http_content_length(r), 37);
    ck_assert_int_eq(read_all(r, buf, sizeof(buf), sizeof(buf)), 37);
    ck_assert(is_pattern(buf, 37, 0));
    drip_http_body_close(r);

    ck_assert_int_eq(drip_http_get(c, port, "/204/0", &r), 0);   /* no body */
    ck_assert_int_eq(drip_http_status(r), 204);
    ck_assert_uint_eq(drip_http_content_length(r), 0);
    ck_assert_int_eq(drip_http_body_read(r, buf, sizeof(buf)), 0);
    drip_http_body_close(r);

    ck_assert_int_eq(fetch(c, port, "/nowhere"), 404);
    ck_assert_int_eq(fetch(c, port, "/200/0"), 200);
    ck_assert_int_eq(fetch(c, port, "/42/5"), 500);   /* not a status: the server says 500 */

    drip_http_client_stats st = stats_of(c);   /* every answer left the conn reusable */
    ck_assert_uint_eq(st.dials, 1);
    ck_assert_uint_eq(st.reuses, 5);
    drip_http_client_free(c);
}
END_TEST

/* Bodies over the server's 1 MiB static buffer come from its callback. */
START_TEST(test_large_body)
{
    enum { LEN = 3 * 1024 * 1024 + 5 };
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;
    char *buf = malloc(LEN + 1);

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(drip_http_get(c, port, "/200/3145733", &r), 0);
    ck_assert_uint_eq(drip_http_content_length(r), LEN);
    ck_assert_int_eq(read_all(r, buf, LEN + 1, 65536), LEN);
    ck_assert(is_pattern(buf, LEN, 0));
    drip_http_body_close(r);
    ck_assert_uint_eq(stats_of(c).idle, 1);
    ck_assert_int_eq(fetch(c, port, "/200/2000000"), 200);   /* drained */
    ck_assert_uint_eq(stats_of(c).dials, 1);
    drip_http_client_free(c);
    free(buf);
}
END_TEST

START_TEST(test_sequential_reuse)
{
    drip_http_client *c = drip_http_client_new(0);
    drip_http_client_stats st;

    for (int i = 0; i < 100; i++)
        expect(fetch(c, port, "/200/100") == 200);
    st = stats_of(c);
    ck_assert_uint_eq(st.dials, 1);
    ck_assert_uint_eq(st.reuses, 99);
    ck_assert_uint_eq(st.idle, 1);
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_int_eq(gauge_conns(), base_conns + 1);
    ck_assert_fds(base_fds + 1);
    drip_http_client_free(c);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

/* A second server, started and stopped here while the fixture's runs. */
START_TEST(test_stop_leaves_no_thread)
{
    long before = thread_count();
    long fds = fd_count();
    drip_http_server *s = drip_http_server_start(handler, NULL);
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *open_r;

    ck_assert_ptr_nonnull(s);
    ck_assert_int_gt(thread_count(), before);
    ck_assert_int_eq(fetch(c, drip_http_server_port(s), "/200/10"), 200);
    ck_assert_int_eq(drip_http_get(c, drip_http_server_port(s), "/200/10", &open_r), 0);
    drip_http_server_stop(s);    /* with a connection in the pool and one open */
    ck_assert_int_eq(thread_count_settled(before), before);

    drip_http_body_close(open_r);
    drip_http_client_free(c);
    ck_assert_fds(fds);
    ck_assert_int_eq(gauge_conns(), base_conns);
    drip_http_server_stop(NULL);
}
END_TEST

/* ======================================================================
 * pool
 * ====================================================================== */

START_TEST(test_close_unread_closes_conn)
{
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;
    char buf[10];
    drip_http_client_stats st;

    ck_assert_int_eq(drip_http_get(c, port, "/200/1000", &r), 0);
    ck_assert_int_eq(gauge_conns(), base_conns + 1);
    ck_assert_uint_eq(stats_of(c).in_use, 1);
    drip_http_body_close(r);                       /* nothing read */
    st = stats_of(c);
    ck_assert_uint_eq(st.idle, 0);
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);

    ck_assert_int_eq(drip_http_get(c, port, "/200/1000", &r), 0);
    ck_assert_int_eq(drip_http_body_read(r, buf, sizeof(buf)), 10);
    drip_http_body_close(r);                       /* partly read */
    ck_assert_int_eq(gauge_conns(), base_conns);

    ck_assert_int_eq(fetch(c, port, "/200/1000"), 200);
    st = stats_of(c);
    ck_assert_uint_eq(st.dials, 3);                /* every close above cost a dial */
    ck_assert_uint_eq(st.reuses, 0);
    ck_assert_uint_eq(st.idle, 1);
    drip_http_client_free(c);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

START_TEST(test_unclosed_bodies_keep_conns)
{
    enum { N = 50 };
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r[N];

    for (int i = 0; i < N; i++) {
        expect(drip_http_get(c, port, "/200/5000", &r[i]) == 0);
        if (i % 2)                                 /* read or not: still held */
            expect(drip_http_body_drain(r[i]) == 0);
    }
    ck_assert_int_eq(gauge_conns(), base_conns + N);
    ck_assert_fds(base_fds + N);
    ck_assert_uint_eq(stats_of(c).in_use, N);
    ck_assert_uint_eq(stats_of(c).dials, N);

    for (int i = 0; i < N; i += 2)                 /* unread: closed */
        drip_http_body_close(r[i]);
    for (int i = 1; i < N; i += 2)                 /* read: 2 kept idle */
        drip_http_body_close(r[i]);
    ck_assert_uint_eq(stats_of(c).in_use, 0);
    ck_assert_uint_eq(stats_of(c).idle, 2);
    ck_assert_int_eq(gauge_conns(), base_conns + 2);
    ck_assert_fds(base_fds + 2);
    drip_http_client_free(c);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

static void check_max_idle(size_t max_idle, size_t want)
{
    enum { N = 5 };
    drip_http_client *c = drip_http_client_new(max_idle);
    drip_http_response *r[N];
    drip_http_client_stats st;

    for (int i = 0; i < N; i++)
        ck_assert_int_eq(drip_http_get(c, port, "/200/64", &r[i]), 0);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(drip_http_body_drain(r[i]), 0);
        drip_http_body_close(r[i]);
    }
    st = stats_of(c);
    ck_assert_uint_eq(st.dials, N);
    ck_assert_uint_eq(st.idle, want);
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_int_eq(gauge_conns(), base_conns + (int64_t)want);
    ck_assert_fds(base_fds + (long)want);

    for (size_t i = 0; i < want; i++)              /* the kept ones are reused */
        ck_assert_int_eq(drip_http_get(c, port, "/200/64", &r[i]), 0);
    st = stats_of(c);
    ck_assert_uint_eq(st.dials, N);
    ck_assert_uint_eq(st.reuses, want);
    for (size_t i = 0; i < want; i++)
        drip_http_body_close(r[i]);
    drip_http_client_free(c);
    ck_assert_int_eq(gauge_conns(), base_conns);
}

START_TEST(test_max_idle)
{
    check_max_idle(3, 3);
    check_max_idle(1, 1);
    check_max_idle(0, 2);                          /* Go's default */
    check_max_idle(100, 5);
}
END_TEST

START_TEST(test_free_client_before_responses)
{
    drip_http_client *c = drip_http_client_new(4);
    drip_http_response *a, *b;
    char buf[100];

    ck_assert_int_eq(fetch(c, port, "/200/10"), 200);   /* one idle */
    ck_assert_int_eq(drip_http_get(c, port, "/200/100", &a), 0);
    ck_assert_int_eq(drip_http_get(c, port, "/200/100", &b), 0);
    ck_assert_int_eq(gauge_conns(), base_conns + 2);
    drip_http_client_free(c);                      /* closes nothing in use */
    ck_assert_int_eq(gauge_conns(), base_conns + 2);

    ck_assert_int_eq(read_all(a, buf, sizeof(buf), sizeof(buf)), 100);
    ck_assert(is_pattern(buf, 100, 0));
    drip_http_body_close(a);                       /* read, but no pool to return to */
    ck_assert_int_eq(gauge_conns(), base_conns + 1);
    drip_http_body_close(b);                       /* the last one frees the client */
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

enum { THREADS = 4, PER_THREAD = 200 };
static drip_http_client *shared;
static _Atomic int       thread_errors;

static void *hammer(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    char path[32], buf[512];

    for (int i = 0; i < PER_THREAD; i++) {
        drip_http_response *r;
        size_t len = (id * 131 + (size_t)i * 17) % 400;

        snprintf(path, sizeof(path), "/200/%zu", len);
        if (drip_http_get(shared, port, path, &r) != 0) {
            thread_errors++;
            continue;
        }
        if (drip_http_content_length(r) != len)
            thread_errors++;
        if (i % 10 == 3) {                         /* now and then: close early */
            drip_http_body_close(r);
            continue;
        }
        if (read_all(r, buf, sizeof(buf), 64) != (ssize_t)len || !is_pattern(buf, len, 0))
            thread_errors++;
        drip_http_body_close(r);
    }
    return NULL;
}

START_TEST(test_threads_share_client)
{
    pthread_t th[THREADS];
    drip_http_client_stats st;

    shared = drip_http_client_new(3);
    thread_errors = 0;
    for (uintptr_t i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, (void *)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(thread_errors, 0);
    st = stats_of(shared);
    ck_assert_uint_eq(st.dials + st.reuses, THREADS * PER_THREAD);
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_uint_le(st.idle, 3);
    ck_assert_int_eq(gauge_conns(), base_conns + (int64_t)st.idle);
    ck_assert_fds(base_fds + (long)st.idle);
    drip_http_client_free(shared);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

/* ======================================================================
 * errors
 * ====================================================================== */

START_TEST(test_bad_arguments)
{
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r = (drip_http_response *)&r;
    static char long_path[8192];

    ck_assert_int_eq(drip_http_get(NULL, port, "/", &r), DRIP_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(drip_http_get(c, 0, "/", &r), DRIP_EINVAL);
    ck_assert_int_eq(drip_http_get(c, port, NULL, &r), DRIP_EINVAL);
    ck_assert_int_eq(drip_http_get(c, port, "", &r), DRIP_EINVAL);
    ck_assert_int_eq(drip_http_get(c, port, "no-slash", &r), DRIP_EINVAL);
    ck_assert_int_eq(drip_http_get(c, port, "/a b", &r), DRIP_EINVAL);
    ck_assert_int_eq(drip_http_get(c, port, "/a\r\nX-Injected: 1", &r), DRIP_EINVAL);
    ck_assert_int_eq(drip_http_get(c, port, "/", NULL), DRIP_EINVAL);
    memset(long_path, 'x', sizeof(long_path) - 1);
    long_path[0] = '/';
    ck_assert_int_eq(drip_http_get(c, port, long_path, &r), DRIP_EINVAL);
    ck_assert_uint_eq(stats_of(c).dials, 0);
    ck_assert_int_eq(gauge_conns(), base_conns);

    drip_http_client_free(NULL);
    drip_http_body_close(NULL);
    drip_http_client_free(c);

    errno = 0;
    ck_assert_ptr_null(drip_http_server_start(NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(drip_http_server_port(NULL), 0);
    drip_http_server_stop(NULL);
}
END_TEST

START_TEST(test_nothing_listening)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t sl = sizeof(sin);
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;
    uint16_t dead;
    long fds;
    int hold;

    /* A port bound on 127.0.0.1 but not listening: refused, and no one
     * else can take it meanwhile. */
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    hold = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(hold, 0);
    ck_assert_int_eq(bind(hold, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(getsockname(hold, (struct sockaddr *)&sin, &sl), 0);
    dead = ntohs(sin.sin_port);
    fds = fd_count();

    for (int i = 0; i < 20; i++)
        expect(drip_http_get(c, dead, "/200/10", &r) == DRIP_EIO);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(fds);
    ck_assert_uint_eq(stats_of(c).dials, 0);
    ck_assert_uint_eq(stats_of(c).in_use, 0);
    ck_assert_int_eq(fetch(c, port, "/200/10"), 200);   /* the client still works */
    drip_http_client_free(c);
    close(hold);
}
END_TEST

/* The server stops with a connection idle in the pool: the next request
 * finds it dead, closes it, cannot dial, and says DRIP_EIO. */
START_TEST(test_server_gone)
{
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;

    long fds;

    ck_assert_int_eq(fetch(c, port, "/200/10"), 200);
    ck_assert_uint_eq(stats_of(c).idle, 1);
    drip_http_server_stop(srv);
    srv = NULL;
    fds = fd_count();
    ck_assert_int_eq(drip_http_get(c, port, "/200/10", &r), DRIP_EIO);
    ck_assert_uint_eq(stats_of(c).idle, 0);
    ck_assert_uint_eq(stats_of(c).in_use, 0);
    ck_assert_uint_eq(stats_of(c).dials, 1);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(fds - 1);                        /* the dead pooled conn */
    drip_http_client_free(c);
}
END_TEST

/* The server closes a keep-alive connection after answering (as an idle
 * timeout would): the pooled connection is found dead and replaced. */
START_TEST(test_redial_after_server_close)
{
    static const raw_step steps[] = { { RAW_CLOSE, OK_HI }, { RAW_KEEP, OK_HI } };
    drip_http_client *c = drip_http_client_new(0);
    drip_http_client_stats st;
    raw_server s;

    raw_start(&s, steps, 2);
    ck_assert_int_eq(fetch(c, s.port, "/a"), 200);
    ck_assert_uint_eq(stats_of(c).idle, 1);        /* nothing said it would close */
    sem_wait(&s.closed);                           /* the server has closed it */
    ck_assert_int_eq(fetch(c, s.port, "/b"), 200);
    st = stats_of(c);
    ck_assert_uint_eq(st.dials, 2);
    ck_assert_uint_eq(st.reuses, 0);
    ck_assert_uint_eq(st.idle, 1);
    ck_assert_int_eq(gauge_conns(), base_conns + 1);
    drip_http_client_free(c);
    raw_stop(&s);
    ck_assert_int_eq(s.accepted, 2);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

/* The server takes the request on a reused connection and closes it
 * unanswered (the Go "server closed idle connection" race): the request is
 * sent again, once, on a new connection. */
START_TEST(test_retry_once_on_reused_conn)
{
    static const raw_step steps[] = {
        { RAW_KEEP, OK_HI }, { RAW_DROP, NULL }, { RAW_KEEP, OK_HI },
        { RAW_KEEP, OK_HI }, { RAW_DROP, NULL },
    };
    drip_http_client *c = drip_http_client_new(0);
    drip_http_client_stats st;
    drip_http_response *r;
    raw_server s;

    raw_start(&s, steps, 5);
    ck_assert_int_eq(fetch(c, s.port, "/1"), 200);            /* dial 1 */
    ck_assert_int_eq(fetch(c, s.port, "/2"), 200);            /* reuse fails, dial 2 */
    st = stats_of(c);
    ck_assert_uint_eq(st.dials, 2);
    ck_assert_uint_eq(st.reuses, 0);
    ck_assert_int_eq(fetch(c, s.port, "/3"), 200);            /* reuse of dial 2 */
    ck_assert_uint_eq(stats_of(c).reuses, 1);
    drip_http_client_free(c);

    /* a fresh connection that is dropped is not retried */
    c = drip_http_client_new(0);
    ck_assert_int_eq(drip_http_get(c, s.port, "/4", &r), DRIP_EIO);
    ck_assert_uint_eq(stats_of(c).dials, 1);
    ck_assert_int_eq(gauge_conns(), base_conns);
    drip_http_client_free(c);
    raw_stop(&s);
    ck_assert_fds(base_fds);
}
END_TEST

/* Answers the client cannot take: each is DRIP_EIO with nothing left over. */
START_TEST(test_protocol_errors)
{
    static char big[6000];
    static const char *bad[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\nno length",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\n",
        "SPDY/3 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: line\r\n\r\n",
        big,
        "",                        /* closed without a byte */
    };
    enum { N = sizeof(bad) / sizeof(bad[0]) };
    raw_step steps[N];
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;
    raw_server s;

    /* a head that does not fit the connection's 4 KiB buffer */
    strcpy(big, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: ");
    memset(big + strlen(big), 'y', 5000);
    strcat(big, "\r\n\r\nhi");
    for (size_t i = 0; i < N; i++)
        steps[i] = (raw_step){ RAW_CLOSE, bad[i] };

    raw_start(&s, steps, N);
    for (size_t i = 0; i < N; i++) {
        r = (drip_http_response *)&r;
        ck_assert_msg(drip_http_get(c, s.port, "/x", &r) == DRIP_EIO, "answer %zu", i);
        ck_assert_ptr_null(r);
        ck_assert_int_eq(gauge_conns(), base_conns);
    }
    ck_assert_uint_eq(stats_of(c).dials, N);
    ck_assert_uint_eq(stats_of(c).in_use, 0);
    drip_http_client_free(c);
    raw_stop(&s);
    ck_assert_fds(base_fds);
}
END_TEST

/* Answers that are fine but forbid reusing the connection, and a body cut
 * short by the server. */
START_TEST(test_no_reuse_answers)
{
    static const raw_step steps[] = {
        { RAW_CLOSE, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi" },
        { RAW_CLOSE, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi" },
        { RAW_KEEP, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA" },
        { RAW_CLOSE, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort" },
        { RAW_KEEP, "HTTP/1.0 200 OK\r\ncontent-length:  2 \r\nCONNECTION: Keep-Alive\r\n\r\nhi" },
    };
    drip_http_client *c = drip_http_client_new(0);
    drip_http_response *r;
    char buf[200];
    raw_server s;

    raw_start(&s, steps, 5);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(drip_http_get(c, s.port, "/x", &r), 0);
        ck_assert_int_eq(read_all(r, buf, sizeof(buf), sizeof(buf)), 2);
        ck_assert_int_eq(memcmp(buf, "hi", 2), 0);
        drip_http_body_close(r);
        ck_assert_uint_eq(stats_of(c).idle, 0);
        ck_assert_int_eq(gauge_conns(), base_conns);
    }
    ck_assert_int_eq(drip_http_get(c, s.port, "/x", &r), 0);
    ck_assert_uint_eq(drip_http_content_length(r), 100);
    ck_assert_int_eq(drip_http_body_read(r, buf, sizeof(buf)), 5);
    ck_assert_int_eq(drip_http_body_read(r, buf, sizeof(buf)), DRIP_EIO);
    ck_assert_int_eq(drip_http_body_drain(r), DRIP_EIO);
    drip_http_body_close(r);
    ck_assert_uint_eq(stats_of(c).idle, 0);
    ck_assert_int_eq(gauge_conns(), base_conns);

    ck_assert_int_eq(fetch(c, s.port, "/x"), 200);   /* HTTP/1.0 keep-alive: pooled */
    ck_assert_uint_eq(stats_of(c).idle, 1);
    ck_assert_uint_eq(stats_of(c).dials, 5);
    drip_http_client_free(c);
    raw_stop(&s);
    ck_assert_int_eq(gauge_conns(), base_conns);
    ck_assert_fds(base_fds);
}
END_TEST

/* ======================================================================
 * oom
 * ====================================================================== */

typedef enum seq_kind {
    SEQ_READ_REUSE,     /* get + read + close, then a reuse, then free */
    SEQ_FREE_FIRST,     /* get, free the client, then read + close */
    SEQ_LEAK_THEN_CLOSE /* two responses open at once, closed unread */
} seq_kind;

/* One client's life with allocation number nth failing (0: none).  Returns
 * 0 when it all worked, else the first error (-9999: client_new failed
 * without ENOMEM, -9998: a wrong body). */
static int run_sequence(seq_kind kind, int nth)
{
    static char buf[2048];
    drip_http_client *c;
    drip_http_response *r = NULL, *r2 = NULL;
    int rc = 0;

    oom_arm(nth);
    errno = 0;
    c = drip_http_client_new(kind == SEQ_LEAK_THEN_CLOSE ? 1 : 0);
    if (c == NULL) {
        rc = errno == ENOMEM ? DRIP_ENOMEM : -9999;
        goto out;
    }
    rc = drip_http_get(c, port, "/200/1000", &r);
    if (rc != 0)
        goto done;
    switch (kind) {
    case SEQ_READ_REUSE:
        if (read_all(r, buf, sizeof(buf), 300) != 1000 || !is_pattern(buf, 1000, 0))
            rc = -9998;
        drip_http_body_close(r);
        if (rc == 0 && (rc = drip_http_get(c, port, "/200/10", &r)) == 0) {
            rc = drip_http_body_drain(r);
            drip_http_body_close(r);
        }
        break;
    case SEQ_FREE_FIRST:
        drip_http_client_free(c);
        c = NULL;
        if (read_all(r, buf, sizeof(buf), sizeof(buf)) != 1000 || !is_pattern(buf, 1000, 0))
            rc = -9998;
        drip_http_body_close(r);
        break;
    case SEQ_LEAK_THEN_CLOSE:
        rc = drip_http_get(c, port, "/200/1000", &r2);
        drip_http_body_close(r);
        drip_http_body_close(r2);   /* NULL when the get failed */
        break;
    }
done:
    drip_http_client_free(c);
out:
    oom_disarm();
    return rc;
}

static void sweep(seq_kind kind)
{
    long calls;
    int nth, failures = 0;

    ck_assert_int_eq(run_sequence(kind, 0), 0);     /* clean: count the calls */
    calls = oom_calls();
    ck_assert_int_eq(oom_live(), 0);
    ck_assert_int_eq(gauge_conns(), base_conns);
    if (!oom_probe()) {
        fprintf(stderr, "test_http: malloc interposer inactive (sanitizer or valgrind): "
                        "oom sweep %d ran once without faults\n", (int)kind);
        return;
    }
    ck_assert_int_ge(calls, 3);

    for (nth = 1;; nth++) {
        int rc = run_sequence(kind, nth);

        if (!oom_fired()) {
            ck_assert_int_eq(rc, 0);
            break;
        }
        failures++;
        ck_assert_msg(rc == DRIP_ENOMEM, "sequence %d, allocation %d: rc %d", (int)kind,
                      nth, rc);
        ck_assert_int_eq(gauge_conns(), base_conns);
        ck_assert_fds(base_fds);
        ck_assert_int_eq(oom_live(), 0);
    }
    ck_assert_int_eq(failures, calls);              /* each allocation failed once */
    ck_assert_int_eq(oom_live(), 0);
}

/* drip_http_server_start with its 1st, 2nd... allocation on this thread
 * failing (libmicrohttpd's own included): NULL with errno set, or a server
 * that works (MHD tolerates some failures, and epoll falls back to poll);
 * either way nothing is left behind: no block, no descriptor, no thread. */
START_TEST(test_oom_server_start)
{
    long threads = thread_count(), fds = fd_count();
    int nth, failures = 0;

    if (!oom_probe())
        return;
    /* pthread_create callocs a new thread's TLS vector, which glibc then
     * caches with the thread's stack after the join, not freed: warm that
     * cache so the sweep's servers reuse a stack instead of "leaking" one. */
    drip_http_server_stop(drip_http_server_start(handler, NULL));
    for (nth = 1;; nth++) {
        drip_http_server *s2;

        oom_arm(nth);
        errno = 0;
        s2 = drip_http_server_start(handler, NULL);
        oom_disarm();
        if (!oom_fired()) {
            ck_assert_ptr_nonnull(s2);
            drip_http_server_stop(s2);
            break;
        }
        if (s2 != NULL) {
            drip_http_client *c = drip_http_client_new(0);
            ck_assert_int_eq(fetch(c, drip_http_server_port(s2), "/200/10"), 200);
            drip_http_client_free(c);
            drip_http_server_stop(s2);
        } else {
            failures++;
            ck_assert_int_ne(errno, 0);
        }
        ck_assert_int_eq(oom_live(), 0);
        ck_assert_fds(fds);
        ck_assert_int_eq(thread_count_settled(threads), threads);
    }
    ck_assert_int_ge(failures, 1);
    ck_assert_int_eq(oom_live(), 0);
}
END_TEST

START_TEST(test_oom_read_reuse)
{
    sweep(SEQ_READ_REUSE);
}
END_TEST

START_TEST(test_oom_free_first)
{
    sweep(SEQ_FREE_FIRST);
}
END_TEST

START_TEST(test_oom_two_open)
{
    sweep(SEQ_LEAK_THEN_CLOSE);
}
END_TEST

/* ======================================================================
 * Suite
 * ====================================================================== */

Suite *suite_http(void)
{
    Suite *s = suite_create("http");
    TCase *tc;

    tc = drip_tcase(s, "core", test_listens_on_loopback_only, test_status_and_body, test_large_body,
            test_sequential_reuse, test_stop_leaves_no_thread, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);

    tc = drip_tcase(s, "pool", test_close_unread_closes_conn, test_unclosed_bodies_keep_conns,
            test_max_idle, test_free_client_before_responses, test_threads_share_client, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);

    tc = drip_tcase(s, "errors", test_bad_arguments, test_nothing_listening, test_server_gone,
            test_redial_after_server_close, test_retry_once_on_reused_conn, test_protocol_errors,
            test_no_reuse_answers, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);

    tc = drip_tcase(s, "oom", test_oom_server_start, test_oom_read_reuse, test_oom_free_first,
            test_oom_two_open, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_http();
}
