/* test_http_errors.c - what the HTTP client refuses or survives
 * (src/rt/http_client.c): bad arguments, nothing listening, a server gone,
 * protocol errors (chunked, no Content-Length, garbage, oversized head,
 * short body) and answers that forbid reuse, from a scripted raw server,
 * and an idle connection the server closed: the next request dials again
 * transparently.  Fixture: http_fixture.h. */
#define _GNU_SOURCE
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "http_fixture.h"

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

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("http_errors");
    TCase *tc = drip_tcase(s, "errors", test_bad_arguments, test_nothing_listening, test_server_gone,
            test_redial_after_server_close, test_retry_once_on_reused_conn, test_protocol_errors,
            test_no_reuse_answers, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    return s;
}
