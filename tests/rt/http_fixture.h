/* http_fixture.h - what the HTTP suites share (tests/rt/test_http_*.c):
 * the server under test and its handler, a scripted raw server for answers
 * libmicrohttpd would never give, and counters of descriptors, threads and
 * connections to check that nothing is left behind.
 *
 * The suites, one concern each, all on the loopback HTTP server and the
 * keep-alive client pool (src/rt/http_server.c, src/rt/http_client.c):
 *   test_http_core   - the server listens on 127.0.0.1 only, answers with
 *                      the status and body length its handler picks (large
 *                      bodies included); a drained and closed body returns
 *                      its connection for reuse; stopping the server leaves
 *                      no thread behind;
 *   test_http_pool   - Go's Transport rules: a body closed early closes its
 *                      connection, a body never closed keeps its connection
 *                      and socket, max_idle caps the idle list, the client
 *                      may be freed before its responses, one client shared
 *                      by several threads;
 *   test_http_errors - bad arguments, nothing listening, protocol errors
 *                      (chunked, no Content-Length, garbage, oversized head,
 *                      short body), answers that forbid reuse, and an idle
 *                      connection the server closed: the next request dials
 *                      again transparently;
 *   test_http_oom    - fails the 1st, 2nd, 3rd... allocation of a client's
 *                      life until it runs clean (SQLite-style): see there.
 *
 * Everything here listens on and connects to 127.0.0.1 only.  The helpers
 * fail the running test (ck_assert) when the system refuses them
 * (/proc unreadable, no socket); none allocates anything the caller owns.
 */
#ifndef DRIP_TESTS_HTTP_FIXTURE_H
#define DRIP_TESTS_HTTP_FIXTURE_H

#include <check.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

#include <drip/http.h>
#include <drip/rt.h>

/* ck_assert records every passing check (a write per call in fork mode);
 * expect() only reports failures, for loops and helpers. */
#define expect(cond) do {                                                   \
        if (!(cond))                                                        \
            ck_abort_msg("expectation failed: %s", #cond);                  \
    } while (0)

#define PATTERN(i) ((char)('a' + (i) % 26))   /* byte i of every body */

/* ---- counters ------------------------------------------------------------ */

/* Open descriptors, the in-process servers' sockets left out (a server
 * closes its end of a connection some time after the client closed its
 * own, so only the client's side is exact). */
long fd_count(void);

/* fd_count(), once it equals want or after a few seconds. */
long fd_count_settled(long want);

#define ck_assert_fds(want) do {                                            \
        long want_ = (want);                                                \
        ck_assert_int_eq(fd_count_settled(want_), want_);                   \
    } while (0)

/* Threads of this process, and the same once it equals want (a joined
 * thread may linger in /proc/self/task for a moment) or after a few
 * seconds. */
long thread_count(void);
long thread_count_settled(long want);

/* The runtime's open-connections gauge. */
int64_t gauge_conns(void);

/* c's pool counters. */
drip_http_client_stats stats_of(drip_http_client *c);

/* ---- bodies ---------------------------------------------------------------- */

/* Read the whole body into buf (at most cap bytes, chunk at a time); the
 * count or a DRIP_E* code < 0. */
ssize_t read_all(drip_http_response *r, char *buf, size_t cap, size_t chunk);

/* Are buf's n bytes the handler's pattern, starting at byte `from`? */
bool is_pattern(const char *buf, size_t n, size_t from);

/* GET path from the server on port `to`, drain, close; returns the status
 * or a DRIP_E* code. */
int fetch(drip_http_client *c, uint16_t to, const char *path);

/* ---- the server under test --------------------------------------------------- */

/* Paths are "/STATUS/LENGTH" (a body of LENGTH pattern bytes); anything
 * else is 404 with an empty body.  A drip_http_handler. */
void handler(void *arg, const char *method, const char *path, int *status, size_t *body_len);

/* The checked fixture: setup() starts srv on port and records base_conns
 * and base_fds; teardown() stops srv (NULL: a test stopped it) and checks
 * that the connections gauge is back to base_conns. */
extern drip_http_server *srv;
extern uint16_t          port;
extern int64_t           base_conns;
extern long              base_fds;
void setup(void);
void teardown(void);

/* ---- a scripted raw server ----------------------------------------------------- */

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

/* Start *s on a loopback port, serving connections one at a time, each
 * request getting the next of the n steps (borrowed until raw_stop). */
void raw_start(raw_server *s, const raw_step *steps, size_t n);

/* Stop *s; call after the client has closed its connections. */
void raw_stop(raw_server *s);

#define OK_HI "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"

#endif /* DRIP_TESTS_HTTP_FIXTURE_H */
