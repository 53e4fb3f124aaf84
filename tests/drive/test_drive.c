/* test_drive.c - the drivers of external workloads (harness/drive): HTTP
 * requests against a small libmicrohttpd server in this process (status,
 * keep-alive, concurrency, quiescence, timeouts, the stop flag, loopback
 * only), client commands (status, output, cwd, environment, timeout, the
 * group killed, a command that cannot start), intervals, and one-off GETs.
 * Readiness is in test_ready.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "drive/drive.h"
#include "util/util.h"

#define MAX_K 1024

/* ---- the server --------------------------------------------------------------- */

static struct MHD_Daemon *daemon_;
static unsigned port_;
static atomic_int requests, connections, inflight, max_inflight, posts;
static atomic_int seen_k[MAX_K];
static volatile sig_atomic_t stop_flag;
static int stop_after;                       /* set stop_flag at this request (0: never) */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)c;
    (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&connections, 1);
}

/* /get?k=N: 200; /status?code=C: C; /slow: 200 after 1 s; /big: 64 KiB. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
    static char big[65536];
    static int marker;
    (void)cls;
    (void)version;
    (void)upload;
    if (*req == NULL) {                      /* headers only: come back for the answer */
        *req = &marker;
        int now = atomic_fetch_add(&inflight, 1) + 1, max = atomic_load(&max_inflight);
        while (now > max && !atomic_compare_exchange_weak(&max_inflight, &max, now))
            ;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    int n = atomic_fetch_add(&requests, 1) + 1;
    if (stop_after && n == stop_after)
        stop_flag = 1;
    if (strcmp(method, "POST") == 0)
        atomic_fetch_add(&posts, 1);
    unsigned status = MHD_HTTP_OK;
    const char *k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
    const char *code = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code");
    if (k && atoi(k) >= 0 && atoi(k) < MAX_K)
        atomic_fetch_add(&seen_k[atoi(k)], 1);
    if (code)
        status = (unsigned)atoi(code);
    if (strcmp(url, "/slow") == 0)
        usleep(1000000);
    size_t len = strcmp(url, "/big") == 0 ? sizeof big : 2;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, strcmp(url, "/big") == 0
                                                                         ? big : "ok",
                                                                MHD_RESPMEM_PERSISTENT);
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    atomic_fetch_sub(&inflight, 1);
    return r;
}

static void server_start(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    atomic_store(&requests, 0);
    atomic_store(&connections, 0);
    atomic_store(&inflight, 0);
    atomic_store(&max_inflight, 0);
    atomic_store(&posts, 0);
    for (int i = 0; i < MAX_K; i++)
        atomic_store(&seen_k[i], 0);
    stop_flag = 0;
    stop_after = 0;
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                               0, NULL, NULL, handle, NULL,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
                               MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                               MHD_OPTION_END);
    ck_assert_ptr_nonnull(daemon_);
    port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void server_stop(void)
{
    MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}

/* A driver for an HTTP spec of url and concurrency. */
static drip_drive_spec http_spec(const char *url, uint32_t concurrency, const char *method)
{
    return (drip_drive_spec){.kind = DRIP_DRIVE_HTTP, .url = (char *)url, .method = (char *)method,
                             .concurrency = concurrency, .timeout_ns = 5000000000ULL};
}

static drip_driver *driver(const drip_drive_spec *spec)
{
    char *err = NULL;
    drip_drive_opts o = {.spec = spec, .vars = {.port = port_, .seed = 3, .bin = "/usr/bin"},
                         .log_fd = -1, .stop = &stop_flag};
    drip_driver *d = drip_driver_new(&o, &err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static uint64_t in_s(double s)
{
    return drip_now_ns() + (uint64_t)(s * 1e9);
}

/* ---- HTTP ------------------------------------------------------------------------ */

START_TEST(http_one_connection_keeps_alive)
{
    drip_drive_spec spec = http_spec("http://127.0.0.1:{port}/get?k={iteration}&s={seed}", 1, "GET");
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_driver_run(d, 0, 60, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_int_eq(drip_driver_run(d, 60, 40, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 100);
    ck_assert_uint_eq(c.failed, 0);
    ck_assert_int_eq(atomic_load(&requests), 100);           /* quiescent: all answered */
    for (int k = 0; k < 100; k++)
        ck_assert_int_eq(atomic_load(&seen_k[k]), 1);        /* {iteration}: each once */
    ck_assert_int_eq(atomic_load(&seen_k[100]), 0);
    ck_assert_int_eq(atomic_load(&connections), 1);          /* keep-alive, across batches */
    ck_assert_ptr_null(drip_driver_last_error(d));
    drip_driver_free(d);
}
END_TEST

START_TEST(http_concurrency)
{
    drip_drive_spec spec = http_spec("http://localhost:{port}/get?k={iteration}", 4, "GET");
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_driver_run(d, 0, 400, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 400);
    ck_assert_int_eq(atomic_load(&requests), 400);
    ck_assert_int_le(atomic_load(&max_inflight), 4);
    ck_assert_int_le(atomic_load(&connections), 4);
    ck_assert_int_ge(atomic_load(&connections), 1);
    for (int k = 0; k < 400; k++)
        ck_assert_int_eq(atomic_load(&seen_k[k]), 1);
    drip_driver_free(d);
}
END_TEST

START_TEST(http_status_and_method)
{
    /* POST, with the status the URL asks for */
    drip_drive_spec spec = http_spec("http://127.0.0.1:{port}/x?k={iteration}&code=200", 2, "POST");
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_driver_run(d, 0, 10, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 10);
    ck_assert_int_eq(atomic_load(&posts), 10);
    drip_driver_free(d);

    spec = http_spec("http://127.0.0.1:{port}/x?code=50{iteration}", 1, "GET");
    d = driver(&spec);
    c = (drip_drive_counts){0};
    /* codes 500, 501, 502: none is 2xx */
    ck_assert_int_eq(drip_driver_run(d, 0, 3, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 0);
    ck_assert_uint_eq(c.failed, 3);
    ck_assert_msg(strstr(drip_driver_last_error(d), "/x?code=502: HTTP 502"), "%s",
                  drip_driver_last_error(d));
    drip_driver_free(d);

    spec = http_spec("http://127.0.0.1:{port}/x?code=20{iteration}", 1, "HEAD");
    d = driver(&spec);
    c = (drip_drive_counts){0};
    ck_assert_int_eq(drip_driver_run(d, 0, 5, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 5);                             /* 200..204: all 2xx */
    drip_driver_free(d);
}
END_TEST

/* A URL that leaves loopback at run time fails without a connection. */
START_TEST(http_loopback_only)
{
    drip_drive_spec spec = http_spec("http://127.0.0.{iteration}:{port}/get", 1, "GET");
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_driver_run(d, 1, 1, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 1);                            /* 127.0.0.1 */
    ck_assert_int_eq(drip_driver_run(d, 256, 1, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.failed, 1);                        /* 127.0.0.256 */
    ck_assert_msg(strstr(drip_driver_last_error(d), "iteration 256: the host '127.0.0.256' is "
                         "not a loopback address"), "%s", drip_driver_last_error(d));
    ck_assert_int_eq(atomic_load(&requests), 1);
    drip_driver_free(d);

    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
    ck_assert(drip__sockaddr_loopback((struct sockaddr *)&v4));
    inet_pton(AF_INET, "10.1.2.3", &v4.sin_addr);
    ck_assert(!drip__sockaddr_loopback((struct sockaddr *)&v4));
    inet_pton(AF_INET6, "::1", &v6.sin6_addr);
    ck_assert(drip__sockaddr_loopback((struct sockaddr *)&v6));
    inet_pton(AF_INET6, "::ffff:127.0.0.9", &v6.sin6_addr);
    ck_assert(drip__sockaddr_loopback((struct sockaddr *)&v6));
    inet_pton(AF_INET6, "::ffff:8.8.8.8", &v6.sin6_addr);
    ck_assert(!drip__sockaddr_loopback((struct sockaddr *)&v6));
    inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
    ck_assert(!drip__sockaddr_loopback((struct sockaddr *)&v6));
}
END_TEST

START_TEST(http_timeout_and_deadline)
{
    drip_drive_spec spec = http_spec("http://127.0.0.1:{port}/slow", 1, "GET");
    spec.timeout_ns = 200000000ULL;                        /* the server takes 1 s */
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_driver_run(d, 0, 1, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.failed, 1);
    ck_assert_msg(strstr(drip_driver_last_error(d), "GET http://127.0.0.1:"), "%s",
                  drip_driver_last_error(d));
    ck_assert_msg(strstr(drip_driver_last_error(d), "imeout") ||
                  strstr(drip_driver_last_error(d), "imed out"), "%s", drip_driver_last_error(d));
    drip_driver_free(d);

    spec.timeout_ns = 10000000000ULL;
    d = driver(&spec);
    c = (drip_drive_counts){0};
    ck_assert_int_eq(drip_driver_run(d, 0, 5, in_s(0.2), &c, &err), DRIP_DRIVE_DEADLINE);
    ck_assert_uint_eq(c.ok + c.failed, 0);                 /* abandoned: not counted */
    drip_driver_free(d);
}
END_TEST

/* The stop flag, set by the server at its 10th request: no more are
 * issued, those in flight end. */
START_TEST(http_stop)
{
    drip_drive_spec spec = http_spec("http://127.0.0.1:{port}/get?k={iteration}", 3, "GET");
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    stop_after = 10;
    ck_assert_int_eq(drip_driver_run(d, 0, 500, in_s(30), &c, &err), DRIP_DRIVE_STOPPED);
    ck_assert_uint_ge(c.ok, 10);
    ck_assert_uint_lt(c.ok, 500);
    ck_assert_uint_eq(c.ok + c.failed, (uint64_t)atomic_load(&requests));
    ck_assert_int_eq(drip_driver_run(d, 500, 5, in_s(30), &c, &err), DRIP_DRIVE_STOPPED);
    drip_driver_free(d);
}
END_TEST

START_TEST(http_get_once)
{
    char *body = NULL, *err = NULL, url[128];
    size_t len = 0;

    snprintf(url, sizeof url, "http://127.0.0.1:%u/big", port_);
    ck_assert_msg(drip_drive_http_get(url, 5000000000ULL, 1 << 20, &body, &len, &err) == 0, "%s", err);
    ck_assert_uint_eq(len, 65536);
    free(body);
    ck_assert_int_eq(drip_drive_http_get(url, 5000000000ULL, 1000, &body, &len, &err), -1);
    ck_assert_msg(strstr(err, "more than 1000 bytes"), "%s", err);
    free(err);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/m?code=404", port_);
    ck_assert_int_eq(drip_drive_http_get(url, 5000000000ULL, 1000, &body, &len, &err), -1);
    ck_assert_msg(strstr(err, "HTTP 404"), "%s", err);
    free(err);
    ck_assert_int_eq(drip_drive_http_get("http://192.0.2.1/m", 5000000000ULL, 1000, &body, &len, &err), -1);
    ck_assert_msg(strstr(err, "not a loopback address"), "%s", err);
    free(err);
    ck_assert_int_eq(atomic_load(&requests), 3);
}
END_TEST

/* Nothing listens: each request fails (connection refused), quickly. */
START_TEST(http_refused)
{
    drip_drive_spec spec = http_spec("http://127.0.0.1:{port}/", 2, "GET");
    drip_driver *d = driver(&spec);
    drip_drive_counts c = {0};
    char *err = NULL;

    server_stop();
    ck_assert_int_eq(drip_driver_run(d, 0, 4, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.failed, 4);
    ck_assert_ptr_nonnull(drip_driver_last_error(d));
    drip_driver_free(d);
    server_start();
}
END_TEST

/* ---- commands ----------------------------------------------------------------------- */

static drip_drive_spec command_spec(const char *const *argv, uint64_t timeout_ns)
{
    size_t n = 0;
    while (argv[n])
        n++;
    return (drip_drive_spec){.kind = DRIP_DRIVE_COMMAND, .command = (char **)argv,
                             .ncommand = n, .timeout_ns = timeout_ns};
}

static drip_driver *command_driver(const drip_drive_spec *spec, const char *cwd,
                                   char *const *envp, int log_fd)
{
    char *err = NULL;
    drip_drive_opts o = {.spec = spec, .vars = {.port = 4242, .seed = 9}, .cwd = cwd,
                         .envp = envp, .log_fd = log_fd, .stop = &stop_flag};
    drip_driver *d = drip_driver_new(&o, &err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

START_TEST(command_status_and_output)
{
    static const char *const argv[] = {
        "/bin/sh", "-c", "echo \"unit {iteration} port {port} seed {seed} in $(pwd) $FOO\"; "
        "exit $(( {iteration} % 3 == 0 ))", NULL};
    char *dir = xasprintf("/tmp/drip-drive-%d", getpid()), *log = xasprintf("%s/log", dir);
    char *const envp[] = {"FOO=bar", "PATH=/usr/bin:/bin", NULL};
    drip_drive_spec spec = command_spec(argv, 10000000000ULL);
    drip_drive_counts c = {0};
    char *err = NULL, buf[4096] = "";

    ck_assert_int_eq(drip_mkdir_p(dir), 0);
    FILE *f = fopen(log, "w+");
    drip_driver *d = command_driver(&spec, dir, envp, fileno(f));
    ck_assert_int_eq(drip_driver_run(d, 0, 6, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 4);                            /* 1, 2, 4, 5 */
    ck_assert_uint_eq(c.failed, 2);                        /* 0, 3 */
    ck_assert_str_eq(drip_driver_last_error(d), "/bin/sh: exit status 1");
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    char *want = xasprintf("unit 0 port 4242 seed 9 in %s bar\n", dir);
    ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
    ck_assert_msg(strstr(buf, "unit 5 port"), "%s", buf);
    free(want);
    drip_driver_free(d);
    fclose(f);
    unlink(log);
    rmdir(dir);
    free(log);
    free(dir);
}
END_TEST

/* A run past its timeout is killed with its group: a child it left in the
 * background dies too. */
START_TEST(command_timeout_kills_group)
{
    char *pidfile = xasprintf("/tmp/drip-drive-bg-%d", getpid());
    char *script = xasprintf("sleep 30 & echo $! > %s; wait", pidfile);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    drip_drive_spec spec = command_spec(argv, 300000000ULL);
    drip_drive_counts c = {0};
    char *err = NULL;
    drip_driver *d = command_driver(&spec, NULL, NULL, -1);

    ck_assert_int_eq(drip_driver_run(d, 0, 1, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.failed, 1);
    ck_assert_str_eq(drip_driver_last_error(d), "/bin/sh: killed after the 0.3 s timeout");
    FILE *f = fopen(pidfile, "r");
    ck_assert_ptr_nonnull(f);
    int bg = 0;
    ck_assert_int_eq(fscanf(f, "%d", &bg), 1);
    fclose(f);
    /* gone, or a zombie waiting for init: never still sleeping */
    char *stat = xasprintf("/proc/%d/stat", bg);
    for (int i = 0; i < 200; i++) {
        FILE *s = fopen(stat, "r");
        if (!s)
            break;
        char state = 0;
        int ok = fscanf(s, "%*d (%*[^)]) %c", &state);
        fclose(s);
        if (ok == 1 && state == 'Z')
            break;
        ck_assert_msg(i < 199, "background child %d still running (%c)", bg, state);
        usleep(10000);
    }
    unlink(pidfile);
    free(stat);
    free(pidfile);
    free(script);
    drip_driver_free(d);
}
END_TEST

START_TEST(command_errors)
{
    static const char *const missing[] = {"/nonexistent/client", "{iteration}", NULL};
    static const char *const segv[] = {"/bin/sh", "-c", "kill -SEGV $$", NULL};
    static const char *const bare[] = {"true", NULL};
    drip_drive_spec spec = command_spec(missing, 10000000000ULL);
    drip_drive_counts c = {0};
    char *err = NULL;
    drip_driver *d = command_driver(&spec, NULL, NULL, -1);

    ck_assert_int_eq(drip_driver_run(d, 0, 3, in_s(30), &c, &err), -1);
    ck_assert_str_eq(err, "cannot run /nonexistent/client: No such file or directory");
    free(err);
    drip_driver_free(d);

    d = command_driver(&spec, "/nonexistent-dir", NULL, -1);
    ck_assert_int_eq(drip_driver_run(d, 0, 1, in_s(30), &c, &err), -1);
    ck_assert_str_eq(err, "cannot run /nonexistent/client in /nonexistent-dir: No such file or "
                     "directory");
    free(err);
    drip_driver_free(d);

    spec = command_spec(segv, 10000000000ULL);
    d = command_driver(&spec, NULL, NULL, -1);
    ck_assert_int_eq(drip_driver_run(d, 0, 1, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.failed, 1);
    ck_assert_str_eq(drip_driver_last_error(d), "/bin/sh: killed by SIGSEGV");
    drip_driver_free(d);

    spec = command_spec(bare, 10000000000ULL);             /* a bare name: found on PATH */
    d = command_driver(&spec, NULL, NULL, -1);
    c = (drip_drive_counts){0};
    ck_assert_int_eq(drip_driver_run(d, 0, 2, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 2);
    stop_flag = 1;
    ck_assert_int_eq(drip_driver_run(d, 2, 2, in_s(30), &c, &err), DRIP_DRIVE_STOPPED);
    ck_assert_uint_eq(c.ok, 2);
    stop_flag = 0;
    drip_driver_free(d);
}
END_TEST

/* ---- intervals ------------------------------------------------------------------------ */

START_TEST(intervals)
{
    drip_drive_spec spec = {.kind = DRIP_DRIVE_INTERVAL, .interval_ns = 20000000ULL};
    drip_drive_counts c = {0};
    char *err = NULL;
    drip_driver *d = command_driver(&spec, NULL, NULL, -1);
    uint64_t t0 = drip_now_ns();

    ck_assert_int_eq(drip_driver_run(d, 0, 3, in_s(30), &c, &err), DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 3);
    ck_assert_uint_ge(drip_now_ns() - t0, 60000000ULL);   /* three intervals did pass */
    ck_assert_int_eq(drip_driver_run(d, 3, 100, in_s(0.1), &c, &err), DRIP_DRIVE_DEADLINE);
    ck_assert_uint_lt(c.ok, 3 + 100);
    stop_flag = 1;
    ck_assert_int_eq(drip_driver_run(d, 0, 3, in_s(30), &c, &err), DRIP_DRIVE_STOPPED);
    stop_flag = 0;
    drip_driver_free(d);

    drip_drive_spec none = {0};
    drip_drive_opts o = {.spec = &none};
    ck_assert_ptr_null(drip_driver_new(&o, &err));
    free(err);
    drip_driver_free(NULL);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("drive");
    TCase *http = drip_tcase(s, "http", http_one_connection_keeps_alive, http_concurrency,
            http_status_and_method, http_loopback_only, http_timeout_and_deadline, http_stop,
            http_get_once, http_refused, NULL);
    TCase *cmd = drip_tcase(s, "command", command_status_and_output, command_timeout_kills_group,
            command_errors, intervals, NULL);

    tcase_add_checked_fixture(http, server_start, server_stop);
    tcase_set_timeout(http, 60);
    tcase_set_timeout(cmd, 60);
    return s;
}
