/* ready.c - waiting for a program to be ready: a TCP connect, a line of
 * its output, or a delay (ready.h). */
#define _GNU_SOURCE
#include "ready.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define LINE_MAX_BYTES 4096
#define POLL_MS 10
#define CONNECT_MS 50

struct drip_ready {
    drip_ready_kind kind;
    unsigned  port;
    uint64_t  until_ns;              /* DELAY: start + delay */
    regex_t   re;                    /* LOG */
    bool      compiled;
    char      line[LINE_MAX_BYTES + 1];
    size_t    len;
    bool      skipping;              /* the rest of an over-long line */
    bool      ready;
};

drip_ready *drip_ready_new(const drip_ready_spec *spec, const drip_template_vars *vars,
                           char **err)
{
    drip_ready *r = xcalloc(1, sizeof *r);

    *err = NULL;
    r->kind = spec->kind;
    if (spec->kind == DRIP_READY_DELAY) {
        r->until_ns = drip_now_ns() + spec->delay_ns;
    } else if (spec->kind == DRIP_READY_LOG) {
        char msg[128];
        int rc = regcomp(&r->re, spec->log ? spec->log : "", REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            regerror(rc, &r->re, msg, sizeof msg);
            *err = xasprintf("ready.log: %s", msg);
            goto fail;
        }
        r->compiled = true;
    } else if (spec->kind == DRIP_READY_TCP) {
        char *port = spec->tcp ? drip_template_expand(spec->tcp, vars) : NULL;
        uint64_t p = 0;
        bool ok = port && drip_parse_u64(port, &p) == 0 && p >= 1 && p <= 65535;
        free(port);
        if (!ok) {
            *err = xstrdup("ready.tcp: not a port from 1 to 65535");
            goto fail;
        }
        r->port = (unsigned)p;
    } else {
        r->ready = true;                             /* no ready: at once */
    }
    return r;
fail:
    drip_ready_free(r);
    return NULL;
}

void drip_ready_free(drip_ready *r)
{
    if (!r)
        return;
    if (r->compiled)
        regfree(&r->re);
    free(r);
}

/* Match the line held so far (without its \r). */
static void match_line(drip_ready *r)
{
    size_t n = r->len;
    if (n > 0 && r->line[n - 1] == '\r')
        n--;
    r->line[n] = '\0';
    if (regexec(&r->re, r->line, 0, NULL, 0) == 0)
        r->ready = true;
}

void drip_ready_feed(drip_ready *r, const char *buf, size_t n)
{
    if (r->kind != DRIP_READY_LOG || r->ready)
        return;
    for (size_t i = 0; i < n && !r->ready; i++) {
        if (buf[i] == '\n') {
            if (!r->skipping)
                match_line(r);
            r->len = 0;
            r->skipping = false;
        } else if (!r->skipping) {
            r->line[r->len++] = buf[i] ? buf[i] : ' ';    /* a NUL would end the line early */
            if (r->len == LINE_MAX_BYTES) {               /* over-long: match its start */
                match_line(r);
                r->len = 0;
                r->skipping = true;
            }
        }
    }
}

/* One connect to 127.0.0.1:port within CONNECT_MS. */
static bool tcp_accepts(unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = 0;
    socklen_t len = sizeof err;
    bool ok = false;

    if (fd < 0)
        return false;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        ok = true;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = {fd, POLLOUT, 0};
        ok = poll(&p, 1, CONNECT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
             err == 0;
    }
    close(fd);
    return ok;
}

int drip_ready_check(drip_ready *r, int flush)
{
    if (r->ready)
        return 1;
    switch (r->kind) {
    case DRIP_READY_DELAY:
        r->ready = drip_now_ns() >= r->until_ns;
        break;
    case DRIP_READY_TCP:
        r->ready = tcp_accepts(r->port);
        break;
    case DRIP_READY_LOG:
        if (flush && r->len > 0 && !r->skipping)
            match_line(r);                           /* "listening" without a newline */
        break;
    default:
        r->ready = true;
    }
    return r->ready;
}

/* Read what out_fd has now into the waiter and the sink.  False at EOF
 * or on an error (the fd is then not polled again). */
static bool pump(drip_ready *r, const drip_ready_io *io)
{
    char buf[4096];
    ssize_t n = read(io->out_fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n <= 0)
        return false;
    if (io->sink)
        io->sink(io->arg, buf, (size_t)n);
    drip_ready_feed(r, buf, (size_t)n);
    return true;
}

int drip_ready_wait(drip_ready *r, const drip_ready_io *io, uint64_t deadline_ns)
{
    bool out_open = io->out_fd >= 0;

    for (;;) {
        struct pollfd p[2];
        nfds_t np = 0;
        int out_at = -1, pid_at = -1;
        bool fed = false;

        if (out_open) {
            out_at = (int)np;
            p[np++] = (struct pollfd){io->out_fd, POLLIN, 0};
        }
        if (io->pidfd >= 0) {
            pid_at = (int)np;
            p[np++] = (struct pollfd){io->pidfd, POLLIN, 0};
        }
        uint64_t now = drip_now_ns();
        if (now >= deadline_ns)
            return drip_ready_check(r, 1) ? DRIP_READY_OK : DRIP_READY_TIMEOUT;
        uint64_t ms = (deadline_ns - now) / 1000000ULL + 1;
        int got = np ? poll(p, np, ms > POLL_MS ? POLL_MS : (int)ms) : 0;
        if (!np) {
            struct timespec ts = {0, (long)(ms > POLL_MS ? POLL_MS : ms) * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (got > 0 && out_at >= 0 && p[out_at].revents) {
            out_open = pump(r, io);
            fed = true;
        }
        if (drip_ready_check(r, !fed))               /* an idle output: its last line too */
            return DRIP_READY_OK;
        if (got > 0 && pid_at >= 0 && p[pid_at].revents) {
            struct pollfd o = {io->out_fd, POLLIN, 0};  /* what it said before it went, */
            while (out_open && poll(&o, 1, 0) == 1 &&   /* never blocking on a pipe a child */
                   (out_open = pump(r, io)))             /* of its may still hold open */
                if (drip_ready_check(r, 0))
                    return DRIP_READY_OK;
            return drip_ready_check(r, 1) ? DRIP_READY_OK : DRIP_READY_EXITED;
        }
    }
}
