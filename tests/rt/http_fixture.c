/* http_fixture.c - the HTTP suites' shared helpers, server and raw server
 * (http_fixture.h says what each does). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_fixture.h"

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
long fd_count(void)
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

/* count(), once it equals want or after about five seconds (polled every
 * millisecond). */
static long settled(long (*count)(void), long want)
{
    long n = count();

    for (int i = 0; i < 5000 && n != want; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        n = count();
    }
    return n;
}

/* fd_count(), once it equals want or after a few seconds: a server's
 * socket that the client reset may still be open (and, being reset, no
 * longer shows the server's port) until the server's thread gets to it. */
long fd_count_settled(long want)
{
    return settled(fd_count, want);
}

long thread_count(void)
{
    return count_dir("/proc/self/task");
}

/* A joined thread may linger in /proc/self/task for a moment after
 * pthread_join returns (the kernel wakes the joiner before it reaps the
 * task): wait, within reason, for the count to drop to want. */
long thread_count_settled(long want)
{
    return settled(thread_count, want);
}

int64_t gauge_conns(void)
{
    drip_rt_gauges g;

    drip_rt_gauges_read(&g);
    return g.conns;
}

drip_http_client_stats stats_of(drip_http_client *c)
{
    drip_http_client_stats st;

    drip_http_client_stats_get(c, &st);
    return st;
}

/* Read the whole body into buf (at most cap bytes); the count or < 0. */
ssize_t read_all(drip_http_response *r, char *buf, size_t cap, size_t chunk)
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

bool is_pattern(const char *buf, size_t n, size_t from)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != PATTERN(from + i))
            return false;
    return true;
}

/* GET path from the server on port `to`, drain, close; returns the status
 * or a DRIP_E* code. */
int fetch(drip_http_client *c, uint16_t to, const char *path)
{
    drip_http_response *r;
    int rc = drip_http_get(c, to, path, &r);

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
void handler(void *arg, const char *method, const char *path, int *status, size_t *body_len)
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

drip_http_server *srv;
uint16_t          port;
int64_t           base_conns;
long              base_fds;

void setup(void)
{
    srv = drip_http_server_start(handler, NULL);
    ck_assert_ptr_nonnull(srv);
    port = drip_http_server_port(srv);
    ck_assert_uint_ne(port, 0);
    server_ports[0] = port;
    base_conns = gauge_conns();
    base_fds = fd_count();
}

void teardown(void)
{
    drip_http_server_stop(srv);
    srv = NULL;
    ck_assert_int_eq(gauge_conns(), base_conns);
}

/* ======================================================================
 * A scripted raw server, for answers libmicrohttpd would never give
 * ====================================================================== */

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

void raw_start(raw_server *s, const raw_step *steps, size_t n)
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
void raw_stop(raw_server *s)
{
    shutdown(s->lfd, SHUT_RDWR);  /* wakes accept() */
    pthread_join(s->thread, NULL);
    close(s->lfd);
    sem_destroy(&s->closed);
    server_ports[1] = 0;
}
