/* test_http_core.c - the loopback HTTP server's answers (src/rt/http_server.c)
 * through the keep-alive client (src/rt/http_client.c): the server
 * listens on 127.0.0.1 only, answers with the status and body length its
 * handler picks (large bodies included); a drained and closed body returns
 * its connection for reuse; stopping the server leaves no thread behind.
 * The shared server, handler and counters: http_fixture.h. */
#define _GNU_SOURCE
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "http_fixture.h"

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

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("http_core");
    TCase *tc = drip_tcase(s, "core", test_listens_on_loopback_only, test_status_and_body, test_large_body,
            test_sequential_reuse, test_stop_leaves_no_thread, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    return s;
}
