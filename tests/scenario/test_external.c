/* test_external.c - the scenario model of an external workload (a
 * program: `workload: { command: ... }`) and its loader: the contract's
 * example loaded exactly, defaults, paths, placeholders, loopback URLs,
 * custom metrics, and every problem at its FILE:LINE:COL.
 */
#include "check_main.h"
#include "scenario_fixtures.h"

#include <signal.h>

#include "scenario/external.h"
#include "scenario/template.h"

/* The contract of issue 15, as written there (docs/EXTERNAL.md). */
static const char contract[] =
    "name: kv-service-leaky\n"
    "workload:\n"
    "  command: [./kvd, --port, \"{port}\", --leak-on-miss]\n"
    "  env: { KV_CACHE: \"1024\" }\n"
    "  cwd: .\n"
    "  ready: { tcp: \"{port}\" }\n"
    "  preload: true\n"
    "  drive:\n"
    "    http: { url: \"http://127.0.0.1:{port}/get?k={iteration}\", method: GET, concurrency: 1 }\n"
    "  metrics:\n"
    "    prometheus: \"http://127.0.0.1:{port}/metrics\"\n"
    "    map: { tasks: go_goroutines, heap_bytes: go_memstats_heap_inuse_bytes, sessions: kv_sessions_open }\n"
    "  stop: { signal: TERM, grace: 5s }\n"
    "run: { iterations: 20000, sample_every: 200, warmup: 0.2, timeout: 120s, seed: 1 }\n"
    "faults:\n"
    "  - { point: alloc, rate: 0.001 }\n"
    "expect:\n"
    "  heap_bytes: { verdict: flat }\n"
    "  fds: { verdict: flat }\n"
    "  sessions: { max_slope: 0 }\n";

/* A program with only what it must have: a command and a driver. */
#define PROGRAM "name: p\nworkload:\n  command: [./prog]\n  drive: { interval: 100ms }\n"

/* ---- core ------------------------------------------------------------------- */

START_TEST(contract_loads_exactly)
{
    ck_assert_int_eq(load("/srv/kv/kv.yaml", contract), 0);
    ck_assert_uint_eq(list.count, 1);
    const drip_scenario *s = &list.items[0];
    const drip_external_spec *x = s->external;

    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_null(s->workload);
    ck_assert_ptr_null(s->plugin);
    ck_assert_int_eq(x->pos.line, 3);
    ck_assert_uint_eq(x->ncommand, 4);
    ck_assert_str_eq(x->command[0], "/srv/kv/kvd");
    ck_assert_str_eq(x->command[1], "--port");
    ck_assert_str_eq(x->command[2], "{port}");
    ck_assert_str_eq(x->command[3], "--leak-on-miss");
    ck_assert_ptr_null(x->command[4]);
    ck_assert_uint_eq(x->nenv, 1);
    ck_assert_str_eq(x->env[0].name, "KV_CACHE");
    ck_assert_str_eq(x->env[0].value, "1024");
    ck_assert_str_eq(x->cwd, "/srv/kv");
    ck_assert_int_eq(x->ready.kind, DRIP_READY_TCP);
    ck_assert_str_eq(x->ready.tcp, "{port}");
    ck_assert(x->preload);
    ck_assert_int_eq(x->drive.kind, DRIP_DRIVE_HTTP);
    ck_assert_str_eq(x->drive.url, "http://127.0.0.1:{port}/get?k={iteration}");
    ck_assert_str_eq(x->drive.method, "GET");
    ck_assert_uint_eq(x->drive.concurrency, 1);
    ck_assert_int_eq(x->metrics.kind, DRIP_SCRAPE_PROMETHEUS);
    ck_assert_str_eq(x->metrics.url, "http://127.0.0.1:{port}/metrics");
    ck_assert_uint_eq(x->metrics.nmap, 3);
    ck_assert_uint_eq(x->metrics.ncustom, 1);
    ck_assert_str_eq(x->metrics.map[0].name, "tasks");
    ck_assert_int_eq(x->metrics.map[0].metric, DRIP_M_TASKS);
    ck_assert_str_eq(x->metrics.map[0].source, "go_goroutines");
    ck_assert_int_eq(x->metrics.map[1].metric, DRIP_M_HEAP_BYTES);
    ck_assert_str_eq(x->metrics.map[2].name, "sessions");
    ck_assert_int_eq(x->metrics.map[2].metric, DRIP_M_COUNT);
    ck_assert_int_eq(x->metrics.map[2].pos.line, 12);
    ck_assert_int_eq(x->stop_signal, SIGTERM);
    ck_assert_uint_eq(x->stop_grace_ns, 5000000000ULL);

    ck_assert_uint_eq(s->run.iterations, 20000);
    ck_assert_uint_eq(s->nfaults, 1);
    ck_assert_str_eq(s->faults[0].point, "alloc");
    ck_assert_uint_eq(s->nexpects, 3);
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_HEAP_BYTES);
    ck_assert_int_eq(s->expects[1].metric, DRIP_M_FDS);
    ck_assert_int_eq(s->expects[2].metric, DRIP_M_COUNT);       /* sessions: custom slot 0 */
    ck_assert(drip_metric_is_custom(s->expects[2].metric));
    ck_assert_str_eq(drip_external_metric_name(x, s->expects[2].metric), "sessions");
    ck_assert_str_eq(drip_external_metric_name(x, DRIP_M_FDS), "fds");
    ck_assert_ptr_null(drip_external_metric_name(x, DRIP_M_COUNT + 1));
}
END_TEST

START_TEST(defaults)
{
    const drip_scenario *s = expect_ok(PROGRAM);
    const drip_external_spec *x = s->external;
    char *cwd = getcwd(NULL, 0);

    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->cwd, cwd);                  /* t.yaml: the working directory */
    ck_assert_int_eq(x->ready.kind, DRIP_READY_NONE);
    ck_assert(x->preload);
    ck_assert_int_eq(x->drive.kind, DRIP_DRIVE_INTERVAL);
    ck_assert_uint_eq(x->drive.interval_ns, 100000000ULL);
    ck_assert_uint_eq(x->drive.timeout_ns, 10000000000ULL);
    ck_assert_int_eq(x->metrics.kind, DRIP_SCRAPE_NONE);
    ck_assert_uint_eq(x->nenv, 0);
    ck_assert_int_eq(x->stop_signal, SIGTERM);
    ck_assert_uint_eq(x->stop_grace_ns, 5000000000ULL);
    free(cwd);
}
END_TEST

/* command[0] with a '/' and "./" or "../" arguments come from the file's
 * folder, made absolute; a bare name is left for PATH, {bin} for the
 * runner; a relative scenario file is taken from the working directory. */
START_TEST(paths)
{
    char *cwd = getcwd(NULL, 0), *want;
    ck_assert_int_eq(load("/s/x/t.yaml",
                          "name: a\nworkload:\n"
                          "  command: [bin/srv, --data, ./data, ../up, -v, x/y]\n"
                          "  cwd: sub\n  drive: { command: [./client, \"{iteration}\"] }\n"
                          "---\nname: b\nworkload:\n  command: [python3, srv.py]\n"
                          "  drive: { command: [\"{bin}/drip-linesend\"] }\n"),
                     0);
    const drip_external_spec *a = list.items[0].external, *b = list.items[1].external;
    ck_assert_str_eq(a->command[0], "/s/x/bin/srv");
    ck_assert_str_eq(a->command[2], "/s/x/data");
    ck_assert_str_eq(a->command[3], "/s/x/../up");
    ck_assert_str_eq(a->command[5], "x/y");          /* not argv[0], no ./: an argument */
    ck_assert_str_eq(a->cwd, "/s/x/sub");
    ck_assert_str_eq(a->drive.command[0], "/s/x/client");
    ck_assert_str_eq(a->drive.command[1], "{iteration}");
    ck_assert_str_eq(b->command[0], "python3");
    ck_assert_str_eq(b->command[1], "srv.py");
    ck_assert_str_eq(b->cwd, "/s/x");
    ck_assert_str_eq(b->drive.command[0], "{bin}/drip-linesend");

    reset();
    ck_assert_int_eq(load("rel/t.yaml", PROGRAM), 0);
    want = xasprintf("%s/rel/prog", cwd);
    ck_assert_str_eq(list.items[0].external->command[0], want);
    free(want);
    want = xasprintf("%s/rel", cwd);
    ck_assert_str_eq(list.items[0].external->cwd, want);
    free(want);
    free(cwd);
}
END_TEST

START_TEST(other_forms)
{
    const drip_scenario *s = expect_ok(
        "name: a\nworkload:\n  command: [./prog]\n  preload: false\n"
        "  env: { PORT: \"{port}\", EMPTY: }\n"
        "  ready: { log: \"listening on [0-9]+\" }\n"
        "  drive: { command: [./client, --seq, \"{iteration}\", --seed, \"{seed}\"], timeout: 2s }\n"
        "  metrics: { expvar: \"http://localhost:{port}/debug/vars\", map: { heap_bytes: memstats.HeapInuse, tasks: goroutines } }\n"
        "  stop: { signal: SIGINT, grace: 0s }\n"
        "expect:\n  heap_bytes: { verdict: flat }\n  tasks: { max_slope: 0 }\n");
    const drip_external_spec *x = s->external;

    ck_assert(!x->preload);
    ck_assert_str_eq(x->env[0].value, "{port}");
    ck_assert_str_eq(x->env[1].name, "EMPTY");
    ck_assert_str_eq(x->env[1].value, "");
    ck_assert_int_eq(x->ready.kind, DRIP_READY_LOG);
    ck_assert_str_eq(x->ready.log, "listening on [0-9]+");
    ck_assert_int_eq(x->drive.kind, DRIP_DRIVE_COMMAND);
    ck_assert_uint_eq(x->drive.ncommand, 5);
    ck_assert_uint_eq(x->drive.timeout_ns, 2000000000ULL);
    ck_assert_int_eq(x->metrics.kind, DRIP_SCRAPE_EXPVAR);
    ck_assert_uint_eq(x->metrics.ncustom, 0);
    ck_assert_int_eq(x->stop_signal, SIGINT);
    ck_assert_uint_eq(x->stop_grace_ns, 0);
    /* mapped, so measured without the preload */
    ck_assert(drip_external_measures(x, DRIP_M_HEAP_BYTES));
    ck_assert(drip_external_measures(x, DRIP_M_TASKS));
    ck_assert(!drip_external_measures(x, DRIP_M_HEAP_OBJECTS));
    ck_assert(drip_external_measures(x, DRIP_M_FDS));
    ck_assert(!drip_external_measures(x, DRIP_M_TIMERS));

    s = expect_ok("name: b\nworkload:\n  command: [./prog]\n  ready: { delay: 500ms }\n"
                  "  drive: { http: { url: \"http://[::1]:8080/x\", method: POST, concurrency: 8 } }\n");
    ck_assert_int_eq(s->external->ready.kind, DRIP_READY_DELAY);
    ck_assert_uint_eq(s->external->ready.delay_ns, 500000000ULL);
    ck_assert_str_eq(s->external->drive.method, "POST");
    ck_assert_uint_eq(s->external->drive.concurrency, 8);
    ck_assert_int_eq(s->external->ready.pos.line, 4);
}
END_TEST

/* expect may come before workload: a custom metric is settled at the end. */
START_TEST(expect_before_workload)
{
    const drip_scenario *s = expect_ok(
        "name: a\nexpect:\n  keys: { verdict: growing }\n  fds: { max_slope: 0 }\n"
        "workload:\n  command: [./kvd]\n  drive: { interval: 1s }\n"
        "  metrics: { prometheus: \"http://127.0.0.1:9/m\", map: { conns: x, keys: 'kv_keys{shard=\"0\"}' } }\n");
    ck_assert_uint_eq(s->nexpects, 2);
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_COUNT);
    ck_assert_int_eq(s->expects[0].rule, DRIP_RULE_VERDICT);
    ck_assert_int_eq(s->expects[1].metric, DRIP_M_FDS);
    ck_assert_int_eq(s->external->metrics.map[0].metric, DRIP_M_CONNS);
    ck_assert_str_eq(s->external->metrics.map[1].source, "kv_keys{shard=\"0\"}");
}
END_TEST

/* The long form of a map entry gives a custom metric's unit and
 * resolution; the short form beside it keeps the defaults. */
START_TEST(map_long_form)
{
    const drip_scenario *s = expect_ok(
        "name: a\nworkload:\n  command: [./kvd]\n  drive: { interval: 1s }\n"
        "  metrics:\n    prometheus: \"http://127.0.0.1:9/m\"\n"
        "    map:\n"
        "      sessions: { name: kv_sessions_open, unit: sessions, resolution: 4 }\n"
        "      keys: kv_keys\n"
        "      heap_bytes: { name: 'heap{kind=\"live\"}' }\n"
        "expect:\n  sessions: { verdict: flat }\n");
    const drip_metrics_spec *m = &s->external->metrics;
    ck_assert_uint_eq(m->nmap, 3);
    ck_assert_uint_eq(m->ncustom, 2);
    ck_assert_str_eq(m->map[0].name, "sessions");
    ck_assert_int_eq(m->map[0].metric, DRIP_M_COUNT);
    ck_assert_str_eq(m->map[0].source, "kv_sessions_open");
    ck_assert_str_eq(m->map[0].unit, "sessions");
    ck_assert(m->map[0].resolution == 4);
    ck_assert_int_eq(m->map[0].pos.line, 8);
    ck_assert_str_eq(m->map[1].source, "kv_keys");
    ck_assert_ptr_null(m->map[1].unit);
    ck_assert(m->map[1].resolution == 0);
    ck_assert_int_eq(m->map[2].metric, DRIP_M_HEAP_BYTES);
    ck_assert_str_eq(m->map[2].source, "heap{kind=\"live\"}");
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_COUNT);
}
END_TEST

/* A plugin or built-in scenario is as before: no external spec. */
START_TEST(plugin_unchanged)
{
    const drip_scenario *s = expect_ok("name: a\nworkload: { plugin: ./libx.so }\n");
    ck_assert_ptr_null(s->external);
    ck_assert_str_eq(s->plugin, "./libx.so");
    s = expect_ok(MIN_OK);
    ck_assert_ptr_null(s->external);
}
END_TEST

START_TEST(stop_signal_names)
{
    ck_assert_int_eq(drip_stop_signal_parse("TERM"), SIGTERM);
    ck_assert_int_eq(drip_stop_signal_parse("SIGKILL"), SIGKILL);
    ck_assert_int_eq(drip_stop_signal_parse("USR2"), SIGUSR2);
    ck_assert_int_eq(drip_stop_signal_parse("SEGV"), 0);
    ck_assert_int_eq(drip_stop_signal_parse("term"), 0);
    ck_assert_str_eq(drip_stop_signal_name(SIGHUP), "HUP");
    ck_assert_ptr_null(drip_stop_signal_name(SIGSEGV));
}
END_TEST

/* ---- placeholders and URLs --------------------------------------------------- */

START_TEST(template_check_and_expand)
{
    drip_template_vars vars = {.port = 40123, .iteration = 7, .seed = 3, .bin = "/opt/d/bin"};
    unsigned used = 0;
    size_t off = 0;
    char *why = NULL, *s;

    ck_assert_int_eq(drip_template_check("a{port}b{{c}}{seed}", DRIP_TPL_PORT | DRIP_TPL_SEED,
                                         &used, &off, &why), 0);
    ck_assert_uint_eq(used, DRIP_TPL_PORT | DRIP_TPL_SEED);
    s = drip_template_expand("a{port}b{{c}}{seed}/{iteration}{bin}", &vars);
    ck_assert_str_eq(s, "a40123b{c}3/7/opt/d/bin");
    free(s);

    ck_assert_int_eq(drip_template_check("x{prot}", DRIP_TPL_PORT, NULL, &off, &why), -1);
    ck_assert_uint_eq(off, 1);
    ck_assert_str_eq(why, "unknown placeholder '{prot}' (did you mean '{port}'?)");
    free(why);
    ck_assert_int_eq(drip_template_check("{iteration}", DRIP_TPL_PORT | DRIP_TPL_SEED, NULL,
                                         &off, &why), -1);
    ck_assert_str_eq(why, "'{iteration}' cannot be used here (allowed: {port}, {seed})");
    free(why);
    ck_assert_int_eq(drip_template_check("a}b", DRIP_TPL_PORT, NULL, &off, &why), -1);
    ck_assert_uint_eq(off, 1);
    ck_assert_str_eq(why, "a lone '}' (write '}}' for a brace)");
    free(why);
    ck_assert_int_eq(drip_template_check("ab{port", DRIP_TPL_PORT, NULL, &off, &why), -1);
    ck_assert_uint_eq(off, 2);
    free(why);
    ck_assert_int_eq(drip_template_check("{}", DRIP_TPL_PORT, NULL, &off, &why), -1);
    ck_assert_msg(strstr(why, "unknown placeholder '{}'"), "%s", why);
    free(why);

    vars.bin = NULL;
    ck_assert_ptr_null(drip_template_expand("{bin}/x", &vars));
    ck_assert_ptr_null(drip_template_expand("{nope}", &vars));
    ck_assert_ptr_null(drip_template_expand("}", &vars));
    s = drip_template_expand("", &vars);
    ck_assert_str_eq(s, "");
    free(s);
    ck_assert_str_eq(drip_template_name(DRIP_TPL_BIN), "{bin}");
    ck_assert_str_eq(drip_template_name(DRIP_TPL_GO_BIN), "{go_bin}");
    ck_assert_ptr_null(drip_template_expand("{go_bin}/x", &vars));   /* go_bin NULL */
    vars.go_bin = "/b/go";
    s = drip_template_expand("{go_bin}/global-map", &vars);
    ck_assert_str_eq(s, "/b/go/global-map");
    free(s);
}
END_TEST

START_TEST(loopback_urls)
{
    static const char *const good[] = {
        "http://127.0.0.1:8080/get?k=1", "http://127.1.2.3/", "HTTP://LOCALHOST:1",
        "http://localhost", "http://[::1]:65535/metrics", "http://127.0.0.1?x",
    };
    static const struct { const char *url, *why; } bad[] = {
        {"https://127.0.0.1/", "must start with http://"},
        {"http://10.0.0.1/", "host '10.0.0.1' is not a loopback address"},
        {"http://example.com/", "host 'example.com'"},
        {"http://127.0.0.1.example.com/", "is not a loopback"},
        {"http://128.0.0.1/", "is not a loopback"},
        {"http://127.0.0.256/", "is not a loopback"},
        {"http://user@127.0.0.1/", "user info"},
        {"http://127.0.0.1:0/", "port must be a number from 1 to 65535"},
        {"http://127.0.0.1:70000/", "port"},
        {"http://127.0.0.1:/", "port"},
        {"http://[::2]/", "is not a loopback"},
        {"http://[::1/", "without ']'"},
        {"http://127.0.0.1/a b", "no spaces"},
        {"http://127.0.0.1\\@evil/", "backslashes"},
        {"http:///x", "host '' is not"},
    };
    char *why = NULL;

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_msg(drip_url_check_loopback(good[i], &why) == 0, "%s: %s", good[i], why);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        ck_assert_msg(drip_url_check_loopback(bad[i].url, &why) == -1, "%s passed", bad[i].url);
        ck_assert_msg(strstr(why, bad[i].why), "%s: %s", bad[i].url, why);
        free(why);
    }
}
END_TEST

/* ---- errors, each at its FILE:LINE:COL ----------------------------------------- */

#define W "name: a\nworkload:\n"          /* workload keys start at line 3, column 3 */

START_TEST(err_placeholders)
{
    expect_one(W "  command: [./k, \"{prot}\"]\n  drive: { interval: 1s }\n", 3, 18,
               "'workload.command[1]': unknown placeholder '{prot}' (did you mean '{port}'?)");
    reset();
    expect_one(W "  command: [./k, \"{iteration}\"]\n  drive: { interval: 1s }\n", 3, 18,
               "'{iteration}' cannot be used here (allowed: {port}, {seed}, {bin}, {go_bin})");
    reset();
    expect_one(W "  command: [./k, --port, {port}]\n  drive: { interval: 1s }\n", 3, 26,
               "got a mapping (quote placeholders: \"{port}\")");
    reset();
    expect_one(W "  command: [./k]\n  env: { P: \"{iteration}\" }\n  drive: { interval: 1s }\n",
               4, 13, "'workload.env.P': '{iteration}' cannot be used here");
    reset();
    expect_one(W "  command: [./k]\n  drive: { http: { url: \"http://127.0.0.1:{port}/{bin}\" } }\n",
               4, 25, "'workload.drive.http.url': '{bin}' cannot be used here");
}
END_TEST

START_TEST(err_urls)
{
    expect_one(W "  command: [./k]\n  drive: { http: { url: \"http://192.168.1.5:{port}/\" } }\n",
               4, 25, "host '192.168.1.5' is not a loopback address");
    reset();
    expect_one(W "  command: [./k]\n  drive: { http: { url: \"https://127.0.0.1/\" } }\n", 4, 25,
               "must start with http://");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { prometheus: \"http://metrics.internal/\", map: { a: b } }\n",
               5, 26, "'workload.metrics.prometheus': the host 'metrics.internal'");
    reset();
    expect_one(W "  command: [./k]\n  drive: { http: { method: GET } }\n", 4, 18,
               "workload.drive.http: missing required key 'url'");
    reset();
    expect_one(W "  command: [./k]\n  drive: { http: { url: \"http://127.0.0.1/\", method: PATCH } }\n",
               4, 54, "must be GET, HEAD, POST, PUT or DELETE, got 'PATCH'");
    reset();
    expect_one(W "  command: [./k]\n  drive: { http: { url: \"http://127.0.0.1/\", concurrency: 0 } }\n",
               4, 59, "'workload.drive.http.concurrency' must be an integer from 1 to 256");
}
END_TEST

START_TEST(err_forms)
{
    expect_one(W "  command: ./k\n  drive: { interval: 1s }\n", 3, 12,
               "'workload.command' must be a sequence (the program and its arguments)");
    reset();
    expect_one(W "  command: []\n  drive: { interval: 1s }\n", 3, 12,
               "'workload.command' must name a program, got an empty sequence");
    reset();
    expect_one(W "  command: [./k]\n", 3, 3, "workload: missing required key 'drive'");
    reset();
    expect_one(W "  plugin: ./x.so\n  command: [./k]\n  drive: { interval: 1s }\n", 4, 3,
               "'workload.command' and 'workload.plugin' exclude each other (line 3)");
    reset();
    /* plugin with a program's keys: each is reported */
    ck_assert_int_eq(load("t.yaml", W "  plugin: ./x.so\n  env: { A: b }\n  preload: false\n"), 2);
    assert_diag(0, 4, 3, "'workload.env' is for a program (workload.command), not a plugin");
    assert_diag(1, 5, 3, "'workload.preload' is for a program");
    reset();
    /* a typo is unknown, and then the form is missing (as for 'plugin') */
    ck_assert_int_eq(load("t.yaml", W "  comand: [./k]\n  drive: { interval: 1s }\n"), 2);
    assert_diag(0, 3, 3, "unknown key 'comand' in 'workload' (did you mean 'command'?)");
    assert_diag(1, 3, 3, "workload: missing required key 'plugin' (or 'command' for a program)");
    reset();
    expect_one(W "  command: [./k]\n  preload: yes\n  drive: { interval: 1s }\n", 4, 12,
               "'workload.preload' must be true or false, got 'yes'");
    reset();
    expect_one(W "  command: [./k]\n  env: { 1X: a }\n  drive: { interval: 1s }\n", 4, 10,
               "'1X' is not a variable name");
    reset();
    expect_one(W "  command: [./k]\n  stop: { signal: SEGV }\n  drive: { interval: 1s }\n", 4, 19,
               "'workload.stop.signal' must be one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, "
               "got 'SEGV'");
    reset();
    expect_one(W "  command: [./k]\n  stop: { grace: 2h }\n  drive: { interval: 1s }\n", 4, 18,
               "'workload.stop.grace' must be a duration from 0s to 1h");
}
END_TEST

START_TEST(err_ready_and_drive)
{
    expect_one(W "  command: [./k]\n  ready: { tcp: \"{port}\", delay: 1s }\n"
                 "  drive: { interval: 1s }\n", 4, 27,
               "'workload.ready.delay' and 'workload.ready.tcp' exclude each other (line 4)");
    reset();
    expect_one(W "  command: [./k]\n  ready: { }\n  drive: { interval: 1s }\n", 4, 10,
               "'workload.ready' must give one of tcp, log or delay");
    reset();
    expect_one(W "  command: [./k]\n  ready: { tcp: http }\n  drive: { interval: 1s }\n", 4, 17,
               "'workload.ready.tcp' must be \"{port}\" or a port from 1 to 65535, got 'http'");
    reset();
    expect_one(W "  command: [./k]\n  ready: { log: \"(unclosed\" }\n  drive: { interval: 1s }\n",
               4, 17, "'workload.ready.log' is not a POSIX extended regular expression");
    reset();
    /* repetitions that glibc's regcomp expands into too much: fuzz_yaml
     * found "0\\.+++...+" (60 of them: regcomp never returned) */
    expect_one(W "  command: [./k]\n  ready: { log: \"x++++++++++++++\" }\n"
                 "  drive: { interval: 1s }\n",
               4, 17, "'workload.ready.log' is a regular expression too large once its "
                      "repetitions are expanded (more than 10000 atoms)");
    reset();
    expect_one(W "  command: [./k]\n  ready: { log: \"a(b[)]{100}){200}\" }\n"
                 "  drive: { interval: 1s }\n",
               4, 17, "too large once its repetitions are expanded");
    reset();
    expect_ok(W "  command: [./k]\n  ready: { log: \"^ready ([0-9a-f]{8}-){4}[[:xdigit:]]+ x{1,99}\" }\n"
                "  drive: { interval: 1s }\n");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s, http: { url: \"http://127.0.0.1/\" } }\n",
               4, 26, "'workload.drive.http' and 'workload.drive.interval' exclude each other");
    reset();
    expect_one(W "  command: [./k]\n  drive: { timeout: 1s }\n", 4, 10,
               "'workload.drive' must give one of http, command or interval");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s, timeout: 1s }\n", 4, 26,
               "'workload.drive.timeout' limits one HTTP request or command run");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 100 }\n", 4, 22,
               "'workload.drive.interval' must be a duration with a unit");
    reset();
    expect_one(W "  command: [./k]\n  drive: interval\n", 4, 10,
               "'workload.drive' must be a mapping with one of http, command or interval");
}
END_TEST

START_TEST(err_metrics)
{
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n  metrics: { map: { a: b } }\n",
               5, 12, "'workload.metrics' must give one of prometheus or expvar");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { prometheus: \"http://127.0.0.1/\" }\n",
               5, 12, "workload.metrics: missing required key 'map'");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { prometheus: \"http://127.0.0.1/\", map: { s: 'kv{a=1}' } }\n",
               5, 57, "'workload.metrics.map.s' is not a Prometheus selector");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { expvar: \"http://127.0.0.1/\", map: { heap_bytes: memstats..x } }\n",
               5, 62, "'workload.metrics.map.heap_bytes' is not an expvar path");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { expvar: \"http://127.0.0.1/\", map: { time_s: up } }\n",
               5, 50, "'time_s' is not a metric name");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { expvar: \"http://127.0.0.1/\", map: { } }\n",
               5, 48, "'workload.metrics.map' must name at least one metric");
}
END_TEST

/* The long form's problems, each at its FILE:LINE:COL. */
START_TEST(err_map_long_form)
{
#define LONG W "  command: [./k]\n  drive: { interval: 1s }\n" \
             "  metrics: { prometheus: \"http://127.0.0.1/\", map: { s: "
    expect_one(LONG "{ unit: x } } }\n", 5, 57, "workload.metrics.map.s: missing required key 'name'");
    reset();
    expect_one(LONG "{ name: a, unti: x } } }\n", 5, 68,
               "unknown key 'unti' in 'workload.metrics.map.s' (did you mean 'unit'?)");
    reset();
    expect_one(LONG "{ name: a, resolution: 0 } } }\n", 5, 80,
               "'workload.metrics.map.s.resolution' must be a number above 0");
    reset();
    expect_one(LONG "{ name: a, resolution: many } } }\n", 5, 80,
               "'workload.metrics.map.s.resolution' must be a number");
    reset();
    expect_one(LONG "{ name: 'kv{a=1}' } } }\n", 5, 65,
               "'workload.metrics.map.s' is not a Prometheus selector");
    reset();
    expect_one(LONG "[a] } }\n", 5, 57,
               "'workload.metrics.map.s' must be a metric name or a dotted path, or a mapping");
    reset();
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { prometheus: \"http://127.0.0.1/\", map: { fds: { name: a, unit: b } } }\n",
               5, 70, "'workload.metrics.map.fds.unit': 'fds' is Drip's metric, with Drip's unit");
#undef LONG
}
END_TEST

START_TEST(err_too_many_custom_metrics)
{
    strbuf y = {0};
    sb_append(&y, W "  command: [./k]\n  drive: { interval: 1s }\n"
                    "  metrics:\n    expvar: \"http://127.0.0.1/\"\n    map:\n");
    for (int i = 0; i <= DRIP_METRIC_CUSTOM_MAX; i++)
        sb_appendf(&y, "      m%d: v%d\n", i, i);
    expect_one(y.buf, 8 + DRIP_METRIC_CUSTOM_MAX, 7,
               "'workload.metrics.map' names more than 16 metrics of the program's own");
    sb_free(&y);
}
END_TEST

START_TEST(err_expect_metrics)
{
    expect_one(W "  command: [./k]\n  drive: { interval: 1s }\n"
                 "  metrics: { expvar: \"http://127.0.0.1/\", map: { sessions: s } }\n"
                 "expect:\n  sesions: { max_slope: 0 }\n",
               7, 3, "unknown metric 'sesions' (did you mean 'sessions'?)");
    reset();
    /* read before the workload: reported at its own position all the same */
    expect_one("name: a\nexpect:\n  sesions: { max_slope: 0 }\n" "workload:\n  command: [./k]\n"
               "  drive: { interval: 1s }\n"
               "  metrics: { expvar: \"http://127.0.0.1/\", map: { sessions: s } }\n",
               3, 3, "unknown metric 'sesions' (did you mean 'sessions'?)");
    reset();
    expect_one("name: a\nexpect:\n  heap_byte: { max_slope: 0 }\nworkload: { plugin: ./x.so }\n",
               3, 3, "unknown metric 'heap_byte' (did you mean 'heap_bytes'?)");
    reset();
    /* at the metric's first rule */
    expect_one(PROGRAM "expect:\n  tasks: { max_slope: 0 }\n", 6, 12,
               "'expect.tasks': nothing measures tasks for a program");
    reset();
    expect_one("name: a\nworkload:\n  command: [./k]\n  preload: false\n  drive: { interval: 1s }\n"
               "expect:\n  heap_objects: { verdict: flat, max_slope: 1 }\n",
               7, 34, "'expect.heap_objects': nothing measures heap_objects for this program: "
               "'workload.preload' is false");
}
END_TEST

START_TEST(err_program_keys)
{
    expect_one(PROGRAM "params: { a: 1 }\n", 5, 14, "'params' are for plugins and built-in workloads");
    reset();
    expect_one(PROGRAM "run: { threads: 4 }\n", 3, 3, "'run.threads' (4) is for plugins");
    reset();
    expect_one(PROGRAM "faults:\n  - { point: cache.miss, rate: 0.1 }\n", 6, 5,
               "fault point 'cache.miss': a program asks no named fault points");
    reset();
    expect_one("name: a\nworkload:\n  command: [./k]\n  preload: false\n  drive: { interval: 1s }\n"
               "faults:\n  - { point: alloc, rate: 0.1 }\n",
               7, 5, "it needs 'workload.preload: true'");
    reset();
    expect_one(PROGRAM "sweep: { warmup: 1 }\n", 5, 8, "'sweep' is for plugins and built-in "
               "workloads: drip sweep does not run programs");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("external");
    TCase *core = drip_tcase(s, "core", contract_loads_exactly, defaults, paths, other_forms,
            expect_before_workload, plugin_unchanged, stop_signal_names, template_check_and_expand,
            loopback_urls, map_long_form, NULL);
    TCase *errors = drip_tcase(s, "errors", err_placeholders, err_urls, err_forms,
            err_ready_and_drive, err_metrics, err_too_many_custom_metrics, err_expect_metrics,
            err_program_keys, err_map_long_form, NULL);

    tcase_add_checked_fixture(core, setup, teardown);

    tcase_add_checked_fixture(errors, setup, teardown);
    return s;
}
