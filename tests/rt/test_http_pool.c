/* test_http_pool.c - the client pool's rules, Go's Transport's
 * (src/rt/http_client.c): a body closed early closes its connection, a
 * body never closed keeps its connection and socket, max_idle caps the
 * idle list, the client may be freed before its responses, one client
 * shared by several threads.  Fixture: http_fixture.h. */
#define _GNU_SOURCE
#include <check.h>
#include <pthread.h>
#include <stdio.h>

#include "check_main.h"
#include "http_fixture.h"

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

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("http_pool");
    TCase *tc = drip_tcase(s, "pool", test_close_unread_closes_conn, test_unclosed_bodies_keep_conns,
            test_max_idle, test_free_client_before_responses, test_threads_share_client, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return s;
}
