/* test_services.c - the example programs of scenarios/services, driven and
 * measured with the parts the runner uses (ready, drive, scrape):
 * each leaky program leaks what its README says and each fixed one does
 * not, measured the way a scenario would (published metrics, /proc fds).
 * And the CLI: their scenarios validate, drip run judges one, drip sweep
 * gives a clear error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "drive/drive.h"
#include "drive/ready.h"
#include "e2e.h"
#include "scrape/expvar.h"
#include "scrape/prom.h"
#include "util/util.h"

#define BIN(p) DRIP_SERVICES_BIN "/" p

typedef struct program {
    pid_t pid;
    int   out;                       /* its stdout and stderr (read end) */
    int   pidfd;
    unsigned port;
} program;

/* A port nobody listens on now (the kernel's pick, released). */
static unsigned free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Start argv (argv[0] a path) in its own process group, output on a pipe,
 * and wait until spec says it is ready. */
static program start(const char *const *argv, const drip_ready_spec *spec, unsigned port)
{
    program p = {.port = port};
    int fds[2];
    char *err = NULL;

    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    p.pid = fork();
    if (p.pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(p.pid, p.pid);
    close(fds[1]);
    p.out = fds[0];
    p.pidfd = (int)syscall(SYS_pidfd_open, p.pid, 0);
    drip_template_vars vars = {.port = port};
    drip_ready *r = drip_ready_new(spec, &vars, &err);
    ck_assert_msg(r != NULL, "%s", err);
    drip_ready_io io = {.out_fd = p.out, .pidfd = p.pidfd};
    ck_assert_int_eq(drip_ready_wait(r, &io, drip_now_ns() + 10000000000ULL), DRIP_READY_OK);
    drip_ready_free(r);
    return p;
}

/* SIGTERM, then reap: the program must end by itself, with status 0. */
static void stop(program *p)
{
    int status = 0;
    ck_assert_int_eq(kill(p->pid, SIGTERM), 0);
    ck_assert_int_eq(waitpid(p->pid, &status, 0), p->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
    kill(-p->pid, SIGKILL);
    close(p->out);
    if (p->pidfd >= 0)
        close(p->pidfd);
}

static drip_driver *driver_for(const drip_drive_spec *spec, unsigned port)
{
    char *err = NULL;
    drip_drive_opts o = {.spec = spec, .vars = {.port = port, .bin = DRIP_SERVICES_BIN},
                         .log_fd = -1};
    drip_driver *d = drip_driver_new(&o, &err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static char *get(unsigned port, const char *path)
{
    char url[128], *body = NULL, *err = NULL;
    size_t len;
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    ck_assert_msg(drip_drive_http_get(url, 5000000000ULL, 1 << 20, &body, &len, &err) == 0, "%s", err);
    return body;
}

static double prom_value(unsigned port, const char *selector)
{
    drip_prom_doc doc = {0};
    drip_prom_selector sel = {0};
    char *err = NULL, *page = get(port, "/metrics");
    double v = -1;

    ck_assert_msg(drip_prom_parse(page, strlen(page), &doc, &err) == 0, "%s", err);
    ck_assert_int_eq(drip_prom_selector_parse(selector, &sel, &err), 0);
    ck_assert_msg(drip_prom_lookup(&doc, &sel, &v, &err) == 0, "%s", err);
    drip_prom_selector_free(&sel);
    drip_prom_doc_free(&doc);
    free(page);
    return v;
}

/* ---- the key-value service ------------------------------------------------------- */

/* 300 requests for new keys: the leaky service holds all 300 whatever its
 * capacity, the fixed one its capacity (100). */
static void kv_run(bool leaky)
{
    unsigned port = free_port();
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    const char *argv[] = {BIN("drip-kvd"), "--port", ps, "--capacity", "100",
                          leaky ? "--leak-on-miss" : NULL, NULL};
    drip_ready_spec ready = {.kind = DRIP_READY_TCP, .tcp = "{port}"};
    program p = start(argv, &ready, port);
    drip_drive_spec spec = {.kind = DRIP_DRIVE_HTTP, .url = "http://127.0.0.1:{port}/get?k=req-{iteration}",
                            .method = "GET", .concurrency = 2, .timeout_ns = 5000000000ULL};
    drip_driver *d = driver_for(&spec, port);
    drip_drive_counts c = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_driver_run(d, 0, 300, drip_now_ns() + 30000000000ULL, &c, &err),
                     DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 300);
    ck_assert_double_eq(prom_value(port, "kv_misses_total"), 300);
    ck_assert_double_eq(prom_value(port, "kv_keys"), leaky ? 300 : 100);
    drip_driver_free(d);
    stop(&p);
}

START_TEST(kv_leaky_keeps_every_key)
{
    kv_run(true);
}
END_TEST

START_TEST(kv_fixed_is_bounded)
{
    kv_run(false);
}
END_TEST

/* ---- the line filter ------------------------------------------------------------------ */

static int count_fds(pid_t pid)
{
    char path[64];
    int n = 0;
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* 25 client runs, every 5th malformed: 5 failed iterations; the leaky
 * server keeps 5 more fds, the fixed one none. */
static void filter_run(bool leaky)
{
    unsigned port = free_port();
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    const char *argv[] = {BIN("drip-linefilter"), "--port", ps, leaky ? "--leak-on-error" : NULL,
                          NULL};
    drip_ready_spec ready = {.kind = DRIP_READY_LOG, .log = "listening on 127\\.0\\.0\\.1:[0-9]+"};
    program p = start(argv, &ready, port);
    const char *client[] = {"{bin}/drip-linesend", "--port", "{port}", "--seq", "{iteration}",
                            NULL};
    drip_drive_spec spec = {.kind = DRIP_DRIVE_COMMAND, .command = (char **)client,
                            .ncommand = 5, .timeout_ns = 5000000000ULL};
    drip_driver *d = driver_for(&spec, port);
    drip_drive_counts c = {0};
    char *err = NULL;
    int before = count_fds(p.pid);

    ck_assert_int_eq(drip_driver_run(d, 0, 25, drip_now_ns() + 60000000000ULL, &c, &err),
                     DRIP_DRIVE_DONE);
    ck_assert_uint_eq(c.ok, 20);
    ck_assert_uint_eq(c.failed, 5);
    ck_assert_str_eq(drip_driver_last_error(d), DRIP_SERVICES_BIN "/drip-linesend: exit status 1");
    /* The client has its answer before the server closes the connection:
     * give the server a moment to get there (docs/EXTERNAL.md, quiescence). */
    int want = before + (leaky ? 5 : 0), now = count_fds(p.pid);
    for (int i = 0; i < 200 && now != want; i++) {
        usleep(10000);
        now = count_fds(p.pid);
    }
    ck_assert_int_eq(now, want);
    drip_driver_free(d);
    stop(&p);
}

START_TEST(filter_leaky_keeps_fds)
{
    filter_run(true);
}
END_TEST

START_TEST(filter_fixed_closes)
{
    filter_run(false);
}
END_TEST

/* ---- the growing list --------------------------------------------------------------- */

static double vars_value(unsigned port, const char *path)
{
    char *err = NULL, *doc_text = get(port, "/debug/vars");
    drip_expvar_doc *doc = drip_expvar_parse(doc_text, strlen(doc_text), &err);
    double v = -1;
    ck_assert_msg(doc != NULL, "%s", err);
    ck_assert_msg(drip_expvar_lookup(doc, path, &v, &err) == 0, "%s", err);
    drip_expvar_free(doc);
    free(doc_text);
    return v;
}

/* Intervals until the program has ticked past its bound (20), then: the
 * leaky list holds every record, the fixed one the last 20. */
static void list_run(bool leaky)
{
    unsigned port = free_port();
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    const char *argv[] = {BIN("drip-growlist"), "--port", ps, "--tick", "2",
                          leaky ? NULL : "--bound", "20", NULL};
    drip_ready_spec ready = {.kind = DRIP_READY_TCP, .tcp = "{port}"};
    program p = start(argv, &ready, port);
    drip_drive_spec spec = {.kind = DRIP_DRIVE_INTERVAL, .interval_ns = 20000000ULL};
    drip_driver *d = driver_for(&spec, port);
    drip_drive_counts c = {0};
    char *err = NULL;
    double ticks = 0;

    for (int i = 0; i < 500 && ticks <= 20; i++) {
        ck_assert_int_eq(drip_driver_run(d, (uint64_t)i, 1, drip_now_ns() + 10000000000ULL, &c,
                                         &err), DRIP_DRIVE_DONE);
        ticks = vars_value(port, "ticks");
    }
    ck_assert_double_gt(ticks, 20);
    /* one document: items and ticks read together */
    char *text = get(port, "/debug/vars");
    drip_expvar_doc *doc = drip_expvar_parse(text, strlen(text), &err);
    double items = 0, t = 0, bytes = 0;
    ck_assert_int_eq(drip_expvar_lookup(doc, "list.items", &items, &err), 0);
    ck_assert_int_eq(drip_expvar_lookup(doc, "ticks", &t, &err), 0);
    ck_assert_int_eq(drip_expvar_lookup(doc, "list.bytes", &bytes, &err), 0);
    ck_assert_double_eq(items, leaky ? t : 20);
    ck_assert_double_eq(bytes, items * 128);
    drip_expvar_free(doc);
    free(text);
    drip_driver_free(d);
    stop(&p);
}

START_TEST(list_leaky_keeps_every_record)
{
    list_run(true);
}
END_TEST

START_TEST(list_fixed_keeps_the_last)
{
    list_run(false);
}
END_TEST

/* ---- the CLI: the scenarios validate, run and are judged; sweep says no ---------------- */

START_TEST(cli_validate_run_sweep)
{
    char *dir = tmpdir(), *out = xasprintf("%s/r", dir), *sw = xasprintf("%s/s", dir);
    const char *leaky = SRC("scenarios/services/kv-leaky.yaml");
    proc p = run((const char *[]){"validate", leaky, SRC("scenarios/services/list-fixed.yaml"),
                                  NULL});
    ck_assert_msg(p.status == 0 && strstr(p.out, "ok: 2 scenarios"), "%d %s %s", p.status, p.out,
                  p.err);
    proc_free(&p);

    p = run((const char *[]){"run", "--no-color", "--iterations", "4000", "-o", out, leaky, NULL});
    ck_assert_msg(p.status == 0 && strstr(p.out, "PASS   kv-service-leaky"), "%s %s", p.out,
                  p.err);
    proc_free(&p);
    json_t *root = load_results(out);
    json_t *sc = scenario(root, "kv-service-leaky");
    ck_assert_str_eq(str_at(sc, "status"), "pass");
    ck_assert_str_eq(str_at(sc, "workload"), "{bin}/drip-kvd");
    json_t *heap = json_object_get(json_object_get(sc, "metrics"), "heap_bytes");
    ck_assert_ptr_nonnull(heap);
    ck_assert_str_eq(str_at(heap, "verdict"), "growing");
    json_t *keys = json_object_get(json_object_get(sc, "metrics"), "keys");   /* a mapped */
    ck_assert_ptr_nonnull(keys);                                  /* custom metric, in the */
    ck_assert(json_is_true(json_object_get(keys, "custom")));    /* results model */
    ck_assert_str_eq(str_at(keys, "verdict"), "growing");
    json_t *e;
    size_t i, on_keys = 0;
    json_array_foreach(json_object_get(sc, "expectations"), i, e)
        on_keys += strcmp(str_at(e, "metric"), "keys") == 0;
    ck_assert_uint_eq(on_keys, 2);                   /* min_slope and verdict, judged */
    json_decref(root);
    char *csv = xasprintf("%s/kv-service-leaky.csv", out), *text = slurp(csv);
    ck_assert_msg(strstr(text, ",conns,keys,cache_bytes\n"), "%.200s", text);
    free(text);
    free(csv);
    char *log = xasprintf("%s/kv-service-leaky.program.log", out);
    ck_assert_int_eq(access(log, F_OK), 0);
    free(log);

    p = run((const char *[]){"sweep", "--no-color", "-o", sw, leaky, NULL});
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.out, "drip sweep does not run programs"), "%s", p.out);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
    free(out);
    free(sw);
}
END_TEST

/* The long form of a map entry end to end: its unit in results.json and
 * the terminal line, its resolution in the judge (a resolution above the
 * whole run's growth makes a growing series flat, and its expectation
 * fails). */
START_TEST(cli_map_long_form)
{
    char *dir = tmpdir(), *out = xasprintf("%s/r", dir), *yaml = xasprintf("%s/kv.yaml", dir);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "name: kv-long\n"
               "workload:\n"
               "  command: [\"%s\", --port, \"{port}\", --leak-on-miss]\n"
               "  ready: { tcp: \"{port}\" }\n"
               "  drive: { http: { url: \"http://127.0.0.1:{port}/get?k=r-{iteration}\" } }\n"
               "  metrics:\n"
               "    prometheus: \"http://127.0.0.1:{port}/metrics\"\n"
               "    map:\n"
               "      keys: { name: kv_keys, unit: keys }\n"
               "      cache_bytes: { name: kv_bytes, unit: B, resolution: 1000000000000 }\n"
               "run: { iterations: 2000, sample_every: 100, timeout: 60s }\n"
               "expect:\n"
               "  keys: { verdict: growing }\n"
               "  cache_bytes: { verdict: growing }\n", BIN("drip-kvd"));
    fclose(f);
    proc p = run((const char *[]){"run", "--no-color", "-o", out, yaml, NULL});
    ck_assert_msg(strstr(p.out, "keys/iter growing"), "%s %s", p.out, p.err);
    json_t *root = load_results(out);
    json_t *sc = scenario(root, "kv-long");
    json_t *m = json_object_get(sc, "metrics");
    ck_assert_str_eq(str_at(json_object_get(m, "keys"), "unit"), "keys");
    ck_assert_str_eq(str_at(json_object_get(m, "cache_bytes"), "unit"), "B");
    ck_assert_str_eq(str_at(json_object_get(m, "cache_bytes"), "verdict"), "flat");
    ck_assert(json_number_value(json_object_get(json_object_get(m, "cache_bytes"),
                                                "resolution")) == 1e12);
    ck_assert_ptr_null(json_object_get(json_object_get(m, "keys"), "resolution"));   /* 1 */
    ck_assert_str_eq(str_at(sc, "status"), "fail");
    ck_assert_msg(strstr(str_at(sc, "reason"), "cache_bytes: flat, expected growing"), "%s",
                  str_at(sc, "reason"));
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
    free(out);
    free(yaml);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("services");
    TCase *core = drip_tcase(s, "core", kv_leaky_keeps_every_key, kv_fixed_is_bounded,
            filter_leaky_keeps_fds, filter_fixed_closes, list_leaky_keeps_every_record,
            list_fixed_keeps_the_last, NULL);
    TCase *cli = drip_tcase(s, "cli", cli_validate_run_sweep, cli_map_long_form, NULL);

    tcase_set_timeout(core, 120);
    tcase_set_timeout(cli, 120);
    return s;
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    signal(SIGPIPE, SIG_IGN);
    return -1;
}
