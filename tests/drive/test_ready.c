/* test_ready.c - when a program counts as ready (harness/drive/ready.h):
 * a TCP port that accepts, a line of output that matches, a delay; and
 * the wait's ends: ready, the deadline, the program's exit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "drive/ready.h"
#include "util/util.h"

static uint64_t in_s(double s)
{
    return drip_now_ns() + (uint64_t)(s * 1e9);
}

/* A socket bound to 127.0.0.1 on a port the kernel picks; listening or
 * not.  *port gets the port. */
static int bound_socket(bool listening, unsigned *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    if (listening)
        ck_assert_int_eq(listen(fd, 8), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static drip_ready *ready_for(const drip_ready_spec *spec, unsigned port)
{
    drip_template_vars vars = {.port = port};
    char *err = NULL;
    drip_ready *r = drip_ready_new(spec, &vars, &err);
    ck_assert_msg(r != NULL, "%s", err);
    return r;
}

static const drip_ready_io no_io = {.out_fd = -1, .pidfd = -1};

START_TEST(tcp)
{
    unsigned port;
    int fd = bound_socket(true, &port);
    drip_ready_spec spec = {.kind = DRIP_READY_TCP, .tcp = "{port}"};
    drip_ready *r = ready_for(&spec, port);

    ck_assert_int_eq(drip_ready_wait(r, &no_io, in_s(10)), DRIP_READY_OK);
    ck_assert_int_eq(drip_ready_check(r, 0), 1);
    drip_ready_free(r);
    close(fd);

    fd = bound_socket(false, &port);                 /* bound, not listening: refused */
    r = ready_for(&spec, port);
    ck_assert_int_eq(drip_ready_check(r, 0), 0);
    ck_assert_int_eq(drip_ready_wait(r, &no_io, in_s(0.2)), DRIP_READY_TIMEOUT);
    drip_ready_free(r);
    close(fd);

    char num[16];
    fd = bound_socket(true, &port);                  /* a fixed port written as a number */
    snprintf(num, sizeof num, "%u", port);
    spec.tcp = num;
    r = ready_for(&spec, 1);
    ck_assert_int_eq(drip_ready_wait(r, &no_io, in_s(10)), DRIP_READY_OK);
    drip_ready_free(r);
    close(fd);
}
END_TEST

static char sunk[8192];
static size_t nsunk;

static void sink(void *arg, const char *buf, size_t n)
{
    (void)arg;
    if (nsunk + n < sizeof sunk) {
        memcpy(sunk + nsunk, buf, n);
        nsunk += n;
    }
}

START_TEST(log_from_a_pipe)
{
    drip_ready_spec spec = {.kind = DRIP_READY_LOG, .log = "listening on [0-9]+$"};
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    drip_ready *r = ready_for(&spec, 0);
    drip_ready_io io = {.out_fd = p[0], .sink = sink, .pidfd = -1};
    static const char out[] = "starting\r\nlistening on port\nlistening on 4000\r\nmore\n";

    nsunk = 0;
    ck_assert_int_eq(write(p[1], out, sizeof out - 1), (ssize_t)(sizeof out - 1));
    ck_assert_int_eq(drip_ready_wait(r, &io, in_s(10)), DRIP_READY_OK);
    ck_assert_uint_ge(nsunk, 10);                           /* what was read went on */
    ck_assert_int_eq(memcmp(sunk, out, nsunk), 0);
    drip_ready_free(r);

    /* no line matches: the deadline */
    r = ready_for(&spec, 0);
    ck_assert_int_eq(write(p[1], "listening\n", 10), 10);
    ck_assert_int_eq(drip_ready_wait(r, &io, in_s(0.2)), DRIP_READY_TIMEOUT);
    drip_ready_free(r);

    /* a last line without its newline, then silence: matched all the same */
    r = ready_for(&spec, 0);
    ck_assert_int_eq(write(p[1], "listening on 12", 15), 15);
    ck_assert_int_eq(drip_ready_wait(r, &io, in_s(10)), DRIP_READY_OK);
    drip_ready_free(r);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* Lines split across feeds; over-long lines matched on their start only. */
START_TEST(log_fed)
{
    drip_ready_spec spec = {.kind = DRIP_READY_LOG, .log = "^ready$"};
    drip_ready *r = ready_for(&spec, 0);

    drip_ready_feed(r, "rea", 3);
    ck_assert_int_eq(drip_ready_check(r, 0), 0);
    drip_ready_feed(r, "dy", 2);
    ck_assert_int_eq(drip_ready_check(r, 0), 0);          /* the line has not ended */
    drip_ready_feed(r, "\n", 1);
    ck_assert_int_eq(drip_ready_check(r, 0), 1);
    drip_ready_free(r);

    spec.log = "ready";
    r = ready_for(&spec, 0);
    char *lng = xmalloc(5000);
    memset(lng, 'x', 5000);
    drip_ready_feed(r, lng, 5000);
    drip_ready_feed(r, "ready\n", 6);                     /* past 4 KiB of one line */
    ck_assert_int_eq(drip_ready_check(r, 1), 0);
    drip_ready_feed(r, "ready\n", 6);
    ck_assert_int_eq(drip_ready_check(r, 0), 1);
    free(lng);
    drip_ready_free(r);

    spec.log = "a b";                                     /* NUL in the output is a blank */
    r = ready_for(&spec, 0);
    drip_ready_feed(r, "a\0b\n", 4);
    ck_assert_int_eq(drip_ready_check(r, 0), 1);
    drip_ready_free(r);
}
END_TEST

START_TEST(delay_and_none)
{
    drip_ready_spec spec = {.kind = DRIP_READY_DELAY, .delay_ns = 50000000ULL};
    uint64_t t0 = drip_now_ns();
    drip_ready *r = ready_for(&spec, 0);

    ck_assert_int_eq(drip_ready_wait(r, &no_io, in_s(10)), DRIP_READY_OK);
    ck_assert_uint_ge(drip_now_ns() - t0, 50000000ULL);   /* not before the delay */
    drip_ready_free(r);

    spec.delay_ns = 10ULL * 1000000000ULL;
    r = ready_for(&spec, 0);
    ck_assert_int_eq(drip_ready_wait(r, &no_io, in_s(0.1)), DRIP_READY_TIMEOUT);
    drip_ready_free(r);

    drip_ready_spec none = {.kind = DRIP_READY_NONE};
    r = ready_for(&none, 0);
    ck_assert_int_eq(drip_ready_check(r, 0), 1);
    ck_assert_int_eq(drip_ready_wait(r, &no_io, in_s(10)), DRIP_READY_OK);
    drip_ready_free(r);
}
END_TEST

/* The program exits before it is ready: the wait says so at once, after
 * reading what it wrote last. */
START_TEST(program_exits)
{
    unsigned port;
    int fd = bound_socket(false, &port), p[2];
    drip_ready_spec spec = {.kind = DRIP_READY_TCP, .tcp = "{port}"};
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        (void)!write(p[1], "fatal: no config\n", 17);
        _exit(3);
    }
    close(p[1]);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {                                 /* no pidfds (old kernel, valgrind) */
        waitpid(pid, NULL, 0);
        close(p[0]);
        close(fd);
        return;
    }
    drip_ready *r = ready_for(&spec, port);
    drip_ready_io io = {.out_fd = p[0], .sink = sink, .pidfd = pidfd};
    nsunk = 0;
    ck_assert_int_eq(drip_ready_wait(r, &io, in_s(30)), DRIP_READY_EXITED);
    ck_assert_uint_eq(nsunk, 17);
    ck_assert_int_eq(memcmp(sunk, "fatal: no config\n", 17), 0);
    drip_ready_free(r);

    /* ... unless its last words were the ready line */
    drip_ready_spec log = {.kind = DRIP_READY_LOG, .log = "no config"};
    r = ready_for(&log, 0);
    io.out_fd = -1;
    drip_ready_feed(r, "fatal: no config", 16);
    ck_assert_int_eq(drip_ready_wait(r, &io, in_s(30)), DRIP_READY_OK);
    drip_ready_free(r);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(pidfd);
    close(p[0]);
    close(fd);
}
END_TEST

START_TEST(bad_specs)
{
    drip_template_vars vars = {.port = 0};
    char *err = NULL;
    drip_ready_spec log = {.kind = DRIP_READY_LOG, .log = "(unclosed"};
    ck_assert_ptr_null(drip_ready_new(&log, &vars, &err));
    ck_assert_msg(strstr(err, "ready.log: "), "%s", err);
    free(err);
    drip_ready_spec port0 = {.kind = DRIP_READY_TCP, .tcp = "{port}"};
    ck_assert_ptr_null(drip_ready_new(&port0, &vars, &err));
    ck_assert_str_eq(err, "ready.tcp: not a port from 1 to 65535");
    free(err);
    drip_ready_free(NULL);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("ready");
    TCase *core = drip_tcase(s, "core", tcp, log_from_a_pipe, log_fed, delay_and_none,
            program_exits, NULL);
    drip_tcase(s, "errors", bad_specs, NULL);

    tcase_set_timeout(core, 60);
    return s;
}
