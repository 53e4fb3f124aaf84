/* test_http_oom.c - allocation failures in the HTTP server and client
 * (src/rt/http_server.c, http_client.c): fails the 1st, 2nd, 3rd...
 * allocation of a client's life until it runs clean (SQLite-style) and
 * checks each time that the error is DRIP_ENOMEM and that no connection,
 * descriptor or block is left behind; the same for starting a server.
 *
 * It needs the malloc/calloc/realloc/free of tests/rt/oom_malloc.h, which
 * forward to glibc (to the sanitizer's allocator under ASan/TSan) and can
 * fail the Nth call of the *test thread* only (libmicrohttpd's thread is
 * never failed).  So this test must not be linked with another malloc
 * (src/alloc/alloc.c).  Should valgrind replace malloc in the executable
 * too, the sweeps run their sequence once without faults;
 * `valgrind --soname-synonyms=somalloc=nouserintercepts` keeps them active.
 * Fixture: http_fixture.h. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>

#include "check_main.h"
#include "http_fixture.h"

/* The allocation interposer (see the top of the file), tracking the armed
 * test thread only (its default): once in the executable, here. */
#include "oom_malloc.h"

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
        fprintf(stderr, "test_http_oom: malloc interposer inactive (sanitizer or valgrind): "
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

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("http_oom");
    TCase *tc = drip_tcase(s, "oom", test_oom_server_start, test_oom_read_reuse, test_oom_free_first,
            test_oom_two_open, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return s;
}
