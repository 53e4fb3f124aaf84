/* test_scenario.c - the scenario model and its YAML loader.
 *
 * "core": files that load, and the exact values (and defaults) they give.
 * "errors": one test per kind of problem, each pinning the line, the column
 * and the message; strictness of numbers; several problems in one file;
 * inputs a fuzzer would try.  Every test runs against a fresh list and
 * diags (the fixture frees them, so valgrind sees every error path).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "scenario/scenario.h"
#include "util/util.h"

static drip_scenario_list list;
static drip_diags diags;

static void setup(void)
{
    memset(&list, 0, sizeof list);
    memset(&diags, 0, sizeof diags);
}

static void teardown(void)
{
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
}

/* Start over within a test: a fresh list and diags. */
static void reset(void)
{
    teardown();
    setup();
}

static int load(const char *path, const char *yaml)
{
    return drip_scenario_load_string(path, yaml, strlen(yaml), &list, &diags);
}

/* All diags as the user sees them, for failure messages.  Caller frees. */
static char *dump(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    drip_diags_print(&diags, f);
    fclose(f);
    return buf;
}

/* Diag i is at line:col and its message contains `sub`. */
#define assert_diag(i, line, col, sub) assert_diag_at(__LINE__, (i), (line), (col), (sub))
static void assert_diag_at(int at, size_t i, int line, int col, const char *sub)
{
    char *all = dump();
    ck_assert_msg(i < diags.count, "line %d: no diag %zu; got:\n%s", at, i, all);
    const drip_diag *d = &diags.items[i];
    ck_assert_msg(d->line == line && d->col == col && strstr(d->message, sub),
                  "line %d: want %d:%d '%s'; got:\n%s", at, line, col, sub, all);
    free(all);
}

/* Loading `yaml` gives no scenario and exactly one problem, as described. */
#define expect_one(yaml, line, col, sub) expect_one_at(__LINE__, (yaml), (line), (col), (sub))
static void expect_one_at(int at, const char *yaml, int line, int col, const char *sub)
{
    int n = load("t.yaml", yaml);
    char *all = dump();
    ck_assert_msg(n == 1 && diags.count == 1 && list.count == 0,
                  "line %d: want one problem, got %d:\n%s", at, n, all);
    free(all);
    assert_diag_at(at, 0, line, col, sub);
}

/* Loading `yaml` gives one scenario and no problem. */
#define expect_ok(yaml) expect_ok_at(__LINE__, (yaml))
static const drip_scenario *expect_ok_at(int at, const char *yaml)
{
    size_t before = list.count;
    int n = load("t.yaml", yaml);
    char *all = dump();
    ck_assert_msg(n == 0 && list.count == before + 1, "line %d: want ok, got:\n%s\n--\n%s",
                  at, all, yaml);
    free(all);
    return &list.items[list.count - 1];
}

static const char full_example[] =
    "name: global-map-leaky          # required\n"
    "description: Cache keyed by request id, never evicted.\n"
    "workload: { plugin: ./libmine.so }\n"
    "params: { value_bytes: 256 }\n"
    "run:\n"
    "  iterations: 20000\n"
    "  threads: 1\n"
    "  sample_every: 100\n"
    "  warmup: 0.2\n"
    "  timeout: 60s\n"
    "  seed: 1\n"
    "  heap_ceiling: 1GiB\n"
    "faults:\n"
    "  - { point: cache.miss, rate: 0.25 }\n"
    "expect:\n"
    "  heap_bytes: { max_slope: 16 }\n"
    "  heap_objects: { max_slope: 0.01 }\n"
    "  fds: { max_slope: 0 }\n"
    "  threads: { verdict: flat }\n";

#define MIN_OK "name: a\nworkload: w\n"

/* ---- core ------------------------------------------------------------------- */

START_TEST(full_example_loads_exactly)
{
    ck_assert_int_eq(drip_scenario_load_string("/tmp/x/t.yaml", full_example,
                                               strlen(full_example), &list, &diags), 0);
    ck_assert_uint_eq(diags.count, 0);
    ck_assert_uint_eq(list.count, 1);
    const drip_scenario *s = &list.items[0];

    ck_assert_str_eq(s->name, "global-map-leaky");
    ck_assert_str_eq(s->description, "Cache keyed by request id, never evicted.");
    ck_assert_str_eq(s->file, "/tmp/x/t.yaml");
    ck_assert_uint_eq(s->doc_index, 0);
    ck_assert_int_eq(s->pos.line, 1);
    ck_assert_int_eq(s->pos.col, 1);
    ck_assert_ptr_null(s->workload);
    ck_assert_str_eq(s->plugin, "/tmp/x/libmine.so");
    ck_assert_int_eq(s->workload_pos.line, 3);
    ck_assert_int_eq(s->workload_pos.col, 11);

    ck_assert_uint_eq(s->nparams, 1);
    ck_assert_str_eq(s->params[0].key, "value_bytes");
    ck_assert_str_eq(s->params[0].value, "256");
    ck_assert_int_eq(s->params[0].pos.line, 4);
    ck_assert_int_eq(s->params[0].pos.col, 24);

    ck_assert_uint_eq(s->run.iterations, 20000);
    ck_assert_uint_eq(s->run.threads, 1);
    ck_assert_uint_eq(s->run.sample_every, 100);
    ck_assert_double_eq(s->run.warmup, 0.2);
    ck_assert_uint_eq(s->run.timeout_ns, 60000000000ULL);
    ck_assert_uint_eq(s->run.seed, 1);
    ck_assert_uint_eq(s->run.heap_ceiling, 1ULL << 30);

    ck_assert_uint_eq(s->nfaults, 1);
    ck_assert_str_eq(s->faults[0].point, "cache.miss");
    ck_assert_double_eq(s->faults[0].rate, 0.25);
    ck_assert_int_eq(s->faults[0].pos.line, 14);
    ck_assert_int_eq(s->faults[0].pos.col, 5);

    ck_assert_uint_eq(s->nexpects, 4);
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_HEAP_BYTES);
    ck_assert_int_eq(s->expects[0].rule, DRIP_RULE_MAX_SLOPE);
    ck_assert_double_eq(s->expects[0].limit, 16);
    ck_assert_int_eq(s->expects[0].pos.line, 16);
    ck_assert_int_eq(s->expects[0].pos.col, 17);
    ck_assert_int_eq(s->expects[1].metric, DRIP_M_HEAP_OBJECTS);
    ck_assert_int_eq(s->expects[1].rule, DRIP_RULE_MAX_SLOPE);
    ck_assert_double_eq(s->expects[1].limit, 0.01);
    ck_assert_int_eq(s->expects[2].metric, DRIP_M_FDS);
    ck_assert_double_eq(s->expects[2].limit, 0);
    ck_assert_int_eq(s->expects[3].metric, DRIP_M_THREADS);
    ck_assert_int_eq(s->expects[3].rule, DRIP_RULE_VERDICT);
    ck_assert_int_eq(s->expects[3].verdict, DRIP_VERDICT_FLAT);
    ck_assert_int_eq(s->expects[3].pos.line, 19);
    ck_assert_int_eq(s->expects[3].pos.col, 14);
}
END_TEST

START_TEST(defaults_when_run_omitted)
{
    const drip_scenario *s = expect_ok("name: a\nworkload: global-map-leaky\n");
    drip_run_spec d;

    drip_run_spec_defaults(&d);
    ck_assert_uint_eq(d.iterations, 10000);
    ck_assert_uint_eq(d.threads, 1);
    ck_assert_uint_eq(d.sample_every, 50);
    ck_assert_double_eq(d.warmup, 0.2);
    ck_assert_uint_eq(d.timeout_ns, 60000000000ULL);
    ck_assert_uint_eq(d.seed, 1);
    ck_assert_uint_eq(d.heap_ceiling, 1ULL << 30);
    ck_assert_uint_eq(s->run.iterations, d.iterations);
    ck_assert_uint_eq(s->run.threads, d.threads);
    ck_assert_uint_eq(s->run.sample_every, d.sample_every);
    ck_assert_double_eq(s->run.warmup, d.warmup);
    ck_assert_uint_eq(s->run.timeout_ns, d.timeout_ns);
    ck_assert_uint_eq(s->run.seed, d.seed);
    ck_assert_uint_eq(s->run.heap_ceiling, d.heap_ceiling);

    ck_assert_str_eq(s->workload, "global-map-leaky");
    ck_assert_ptr_null(s->plugin);
    ck_assert_ptr_null(s->description);
    ck_assert_uint_eq(s->nparams + s->nfaults + s->nexpects, 0);
}
END_TEST

START_TEST(run_values_and_sample_every_default)
{
    const drip_scenario *s = expect_ok(MIN_OK "run:\n  iterations: 20000\n  threads: 8\n"
                                       "  warmup: 0.5\n  timeout: 1.5m\n  seed: 0\n"
                                       "  heap_ceiling: 512MiB\n");
    ck_assert_uint_eq(s->run.iterations, 20000);
    ck_assert_uint_eq(s->run.sample_every, 100);        /* 20000 / 200 */
    ck_assert_uint_eq(s->run.threads, 8);
    ck_assert_double_eq(s->run.warmup, 0.5);
    ck_assert_uint_eq(s->run.timeout_ns, 90000000000ULL);
    ck_assert_uint_eq(s->run.seed, 0);
    ck_assert_uint_eq(s->run.heap_ceiling, 512ULL << 20);

    s = expect_ok(MIN_OK "run: { iterations: 100 }\n");
    ck_assert_uint_eq(s->run.sample_every, 1);           /* max(1, 100 / 200) */
    s = expect_ok(MIN_OK "run: { iterations: 8 }\n");
    ck_assert_uint_eq(s->run.sample_every, 1);
    s = expect_ok(MIN_OK "run: { iterations: 1000000000000, sample_every: 1000 }\n");
    ck_assert_uint_eq(s->run.iterations, 1000000000000ULL);
    ck_assert_uint_eq(s->run.sample_every, 1000);
    s = expect_ok(MIN_OK "run: { threads: 256, warmup: 0, seed: 18446744073709551615 }\n");
    ck_assert_uint_eq(s->run.threads, 256);
    ck_assert_double_eq(s->run.warmup, 0);
    ck_assert_uint_eq(s->run.seed, UINT64_MAX);
}
END_TEST

/* A timed run: duration instead of iterations, no sample_every, and a
 * timeout that follows the duration unless one is written. */
START_TEST(run_duration)
{
    const drip_scenario *s = expect_ok(MIN_OK "run:\n  duration: 10m\n  threads: 2\n");
    ck_assert_uint_eq(s->run.duration_ns, 600000000000ULL);
    ck_assert_uint_eq(s->run.iterations, 0);
    ck_assert_uint_eq(s->run.sample_every, 0);
    ck_assert_uint_eq(s->run.threads, 2);
    ck_assert_uint_eq(s->run.timeout_ns, 720000000000ULL);   /* 10m + 60s + 10% */
    ck_assert(!s->run.timeout_set);

    s = expect_ok(MIN_OK "run: { duration: 2s, timeout: 5m }\n");
    ck_assert_uint_eq(s->run.duration_ns, 2000000000ULL);
    ck_assert_uint_eq(s->run.timeout_ns, 300000000000ULL);   /* written: kept */
    ck_assert(s->run.timeout_set);
    s = expect_ok(MIN_OK "run: { duration: 1.5h }\n");
    ck_assert_uint_eq(s->run.duration_ns, 5400000000000ULL);
    s = expect_ok(MIN_OK "run: { duration: 1s }\n");          /* the shortest */
    ck_assert_uint_eq(s->run.duration_ns, 1000000000ULL);
    s = expect_ok(MIN_OK "run: { duration: 8760h }\n");       /* the longest */
    ck_assert_uint_eq(s->run.duration_ns, DRIP_DURATION_MAX_NS);

    s = expect_ok(MIN_OK "run: { iterations: 1000 }\n");      /* counted: no duration */
    ck_assert_uint_eq(s->run.duration_ns, 0);
    ck_assert(!s->run.timeout_set);
    s = expect_ok(MIN_OK "run: { timeout: 30s }\n");
    ck_assert(s->run.timeout_set);
}
END_TEST

/* --duration on the command line: the same rules, applied to a spec. */
START_TEST(run_spec_set_duration)
{
    drip_run_spec run;
    drip_run_spec_defaults(&run);
    drip_run_spec_set_duration(&run, 600000000000ULL);
    ck_assert_uint_eq(run.duration_ns, 600000000000ULL);
    ck_assert_uint_eq(run.iterations, 0);
    ck_assert_uint_eq(run.sample_every, 0);
    ck_assert_uint_eq(run.timeout_ns, 720000000000ULL);       /* the default 60s raised */

    drip_run_spec_defaults(&run);
    run.timeout_set = true;
    run.timeout_ns = 7200000000000ULL;                        /* written 2h: longer, kept */
    drip_run_spec_set_duration(&run, 600000000000ULL);
    ck_assert_uint_eq(run.timeout_ns, 7200000000000ULL);
    run.timeout_ns = 30000000000ULL;                          /* written 30s: too short */
    drip_run_spec_set_duration(&run, 600000000000ULL);
    ck_assert_uint_eq(run.timeout_ns, 720000000000ULL);

    ck_assert_uint_eq(drip_duration_timeout(1000000000ULL), 61100000000ULL);
    ck_assert_uint_eq(drip_duration_timeout(UINT64_MAX - 5), UINT64_MAX);   /* saturates */
}
END_TEST

START_TEST(two_documents)
{
    static const char yaml[] =
        "name: first\n"
        "workload: w1\n"
        "---\n"
        "# the second\n"
        "name: second\n"
        "workload: w2\n"
        "run: { iterations: 800 }\n";

    ck_assert_int_eq(load("dir/two.yaml", yaml), 0);
    ck_assert_uint_eq(list.count, 2);
    ck_assert_str_eq(list.items[0].name, "first");
    ck_assert_str_eq(list.items[0].workload, "w1");
    ck_assert_uint_eq(list.items[0].doc_index, 0);
    ck_assert_uint_eq(list.items[0].run.iterations, 10000);
    ck_assert_str_eq(list.items[1].name, "second");
    ck_assert_str_eq(list.items[1].workload, "w2");
    ck_assert_str_eq(list.items[1].file, "dir/two.yaml");
    ck_assert_uint_eq(list.items[1].doc_index, 1);
    ck_assert_int_eq(list.items[1].pos.line, 3);
    ck_assert_int_eq(list.items[1].pos.col, 1);
    ck_assert_uint_eq(list.items[1].run.iterations, 800);
    ck_assert_uint_eq(list.items[1].run.sample_every, 4);
}
END_TEST

START_TEST(params_kept_as_written)
{
    const drip_scenario *s = expect_ok(MIN_OK "params:\n"
                                       "  size: 64KiB\n"
                                       "  hex: 0x10\n"
                                       "  padded: 1.50\n"
                                       "  quoted: \"a b\"\n"
                                       "  single: 'it''s'\n"
                                       "  empty:\n"
                                       "  tilde: ~\n");
    static const char *const want[][2] = {
        {"size", "64KiB"}, {"hex", "0x10"}, {"padded", "1.50"}, {"quoted", "a b"},
        {"single", "it's"}, {"empty", ""}, {"tilde", "~"},
    };
    ck_assert_uint_eq(s->nparams, 7);
    for (size_t i = 0; i < 7; i++) {
        ck_assert_str_eq(s->params[i].key, want[i][0]);
        ck_assert_str_eq(s->params[i].value, want[i][1]);
        ck_assert_ptr_eq(drip_scenario_param(s, want[i][0]), &s->params[i]);
    }
    ck_assert_int_eq(s->params[1].pos.line, 5);
    ck_assert_int_eq(s->params[1].pos.col, 8);
    ck_assert_ptr_null(drip_scenario_param(s, "nope"));
    ck_assert_ptr_null(drip_scenario_param(NULL, "size"));
}
END_TEST

START_TEST(plugin_paths)
{
    static const struct { const char *file, *plugin, *want; } cases[] = {
        {"t.yaml", "libmine.so", "./libmine.so"},
        {"t.yaml", "./libmine.so", "./libmine.so"},
        {"dir/t.yaml", "./libmine.so", "dir/libmine.so"},
        {"dir/t.yaml", "../lib/x.so", "dir/../lib/x.so"},
        {"/t.yaml", "x.so", "/x.so"},
        {"/a/b/t.yaml", "/opt/x.so", "/opt/x.so"},
        {"/a/b/t.yaml", "\"sub dir/x.so\"", "/a/b/sub dir/x.so"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *yaml = xasprintf("name: p%zu\nworkload:\n  plugin: %s\n", i, cases[i].plugin);
        ck_assert_int_eq(load(cases[i].file, yaml), 0);
        ck_assert_str_eq(list.items[i].plugin, cases[i].want);
        ck_assert_ptr_null(list.items[i].workload);
        free(yaml);
    }
}
END_TEST

/* valgrind.suppressions: paths resolved like a plugin's, against the file. */
START_TEST(valgrind_suppressions)
{
    ck_assert_int_eq(load("/a/b/t.yaml", "name: s\nworkload: w\nvalgrind:\n"
                                         "  iterations: 50\n"
                                         "  suppressions: [mine.supp, /etc/x.supp]\n"), 0);
    const drip_valgrind_spec *vg = &list.items[0].valgrind;
    ck_assert(vg->present);
    ck_assert_uint_eq(vg->iterations, 50);
    ck_assert_uint_eq(vg->nsuppressions, 2);
    ck_assert_str_eq(vg->suppressions[0], "/a/b/mine.supp");
    ck_assert_str_eq(vg->suppressions[1], "/etc/x.supp");
}
END_TEST

START_TEST(err_valgrind_suppressions)
{
    expect_one(MIN_OK "valgrind:\n  suppressions: mine.supp\n", 4, 17,
               "'valgrind.suppressions' must be a sequence");
    reset();
    expect_one(MIN_OK "valgrind:\n  suppressions: [\"\"]\n", 4, 18,
               "'valgrind.suppressions[0]' must be a path to a suppression file");
}
END_TEST

START_TEST(empty_collections_and_description)
{
    const drip_scenario *s = expect_ok(MIN_OK "description:\nparams:\nrun:\nfaults:\nexpect:\n");
    ck_assert_ptr_null(s->description);
    ck_assert_uint_eq(s->nparams + s->nfaults + s->nexpects, 0);
    ck_assert_uint_eq(s->run.iterations, 10000);

    s = expect_ok("---\nname: \"quoted.name\"\nworkload: 'w'\n"
                  "params: {}\nfaults: []\nexpect: {}\n...\n");
    ck_assert_str_eq(s->name, "quoted.name");
    ck_assert_str_eq(s->workload, "w");
}
END_TEST

START_TEST(all_rules_and_faults)
{
    const drip_scenario *s = expect_ok(MIN_OK
        "faults:\n"
        "  - point: a.b\n"
        "    rate: 0\n"
        "  - { point: c-d_e, rate: 1 }\n"
        "expect:\n"
        "  rss: { verdict: bounded, min_slope: -2.5, max_slope: 1e3 }\n"
        "  allocs: { verdict: growing }\n");
    ck_assert_uint_eq(s->nfaults, 2);
    ck_assert_str_eq(s->faults[0].point, "a.b");
    ck_assert_double_eq(s->faults[0].rate, 0);
    ck_assert_int_eq(s->faults[0].pos.line, 4);
    ck_assert_int_eq(s->faults[0].pos.col, 5);
    ck_assert_str_eq(s->faults[1].point, "c-d_e");
    ck_assert_double_eq(s->faults[1].rate, 1);

    ck_assert_uint_eq(s->nexpects, 4);
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_RSS);
    ck_assert_int_eq(s->expects[0].rule, DRIP_RULE_MAX_SLOPE);
    ck_assert_double_eq(s->expects[0].limit, 1000);
    ck_assert_int_eq(s->expects[0].pos.col, 45);
    ck_assert_int_eq(s->expects[1].rule, DRIP_RULE_MIN_SLOPE);
    ck_assert_double_eq(s->expects[1].limit, -2.5);
    ck_assert_int_eq(s->expects[2].rule, DRIP_RULE_VERDICT);
    ck_assert_int_eq(s->expects[2].verdict, DRIP_VERDICT_BOUNDED);
    ck_assert_int_eq(s->expects[3].metric, DRIP_M_ALLOCS);
    ck_assert_int_eq(s->expects[3].verdict, DRIP_VERDICT_GROWING);
}
END_TEST

START_TEST(load_file_resolves_against_its_directory)
{
    char dir[] = "/tmp/drip-test-scenario-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = xasprintf("%s/s.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(full_example, f);
    fclose(f);

    ck_assert_int_eq(drip_scenario_load_file(path, &list, &diags), 0);
    ck_assert_uint_eq(list.count, 1);
    char *want = xasprintf("%s/libmine.so", dir);
    ck_assert_str_eq(list.items[0].plugin, want);
    ck_assert_str_eq(list.items[0].file, path);

    unlink(path);
    rmdir(dir);
    free(want);
    free(path);
}
END_TEST

START_TEST(unique_names_pass)
{
    load("a.yaml", "name: x\nworkload: w\n---\nname: y\nworkload: w\n");
    load("b.yaml", "name: z\nworkload: w\n");
    ck_assert_uint_eq(list.count, 3);
    ck_assert_int_eq(drip_scenario_check_unique(&list, &diags), 0);
    ck_assert_uint_eq(diags.count, 0);
}
END_TEST

START_TEST(diags_print_format)
{
    char *out;
    drip_diags_add(&diags, "a.yaml", 3, 7, "bad %s", "thing");
    drip_diags_add(&diags, "b.yaml", 0, 0, "cannot read file: %s", "nope");
    out = dump();
    ck_assert_str_eq(out, "a.yaml:3:7: error: bad thing\nb.yaml: error: cannot read file: nope\n");
    free(out);
}
END_TEST

/* ---- errors: keys ------------------------------------------------------------ */

START_TEST(err_unknown_key_in_run)
{
    expect_one(MIN_OK "run:\n  iteratons: 20000\n", 4, 3,
               "unknown key 'iteratons' in 'run' (did you mean 'iterations'?)");
}
END_TEST

START_TEST(err_unknown_key_top_level)
{
    ck_assert_int_eq(load("t.yaml", "# comment\nnmae: a\nworkload: w\n"), 2);
    assert_diag(0, 2, 1, "unknown key 'nmae' (did you mean 'name'?)");
    assert_diag(1, 2, 1, "missing required key 'name'");
    ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(err_unknown_key_without_hint)
{
    expect_one(MIN_OK "banana: [1, {a: b}]\n", 3, 1, "unknown key 'banana'");
    ck_assert_ptr_null(strstr(diags.items[0].message, "did you mean"));
    ck_assert_str_eq(diags.items[0].message, "unknown key 'banana'");
}
END_TEST

START_TEST(err_unknown_metric)
{
    expect_one(MIN_OK "expect:\n  heap_byte: { max_slope: 1 }\n", 4, 3,
               "unknown metric 'heap_byte' (did you mean 'heap_bytes'?)");
}
END_TEST

START_TEST(err_unknown_rule)
{
    expect_one(MIN_OK "expect:\n  heap_bytes: { max_slop: 1 }\n", 4, 17,
               "unknown rule 'max_slop' for 'heap_bytes' (did you mean 'max_slope'?)");
}
END_TEST

START_TEST(err_missing_required_key)
{
    expect_one("# a scenario\n\nname: a\nrun: { iterations: 100 }\n", 3, 1,
               "missing required key 'workload'");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: p }\n", 4, 5,
               "faults[0]: missing required key 'rate'");
    reset();
    expect_one(MIN_OK "faults:\n  - rate: 0.5\n", 4, 5, "faults[0]: missing required key 'point'");
    reset();
    expect_one("name: a\nworkload: { }\n", 2, 11, "workload: missing required key 'plugin'");
}
END_TEST

START_TEST(err_duplicate_key)
{
    expect_one("workload: w\n\nname: a\nrun: {}\nname: b\n", 5, 1,
               "duplicate key 'name' (first at line 3)");
    reset();
    expect_one(MIN_OK "run:\n  seed: 1\n  seed: 2\n", 5, 3,
               "duplicate key 'seed' (first at line 4)");
    reset();
    expect_one(MIN_OK "params: { a: 1, b: 2, a: 3 }\n", 3, 23,
               "duplicate key 'a' (first at line 3)");
}
END_TEST

START_TEST(err_duplicate_fault_point)
{
    expect_one(MIN_OK "faults:\n"
               "  - { point: cache.miss, rate: 0.25 }\n"
               "  - { point: other, rate: 0.5 }\n"
               "  - { point: cache.miss, rate: 0.5 }\n",
               6, 14, "duplicate fault point 'cache.miss' (first at line 4)");
}
END_TEST

START_TEST(err_duplicate_scenario_name)
{
    ck_assert_int_eq(load("a.yaml", "name: x\nworkload: w\n"), 0);
    ck_assert_int_eq(load("b.yaml",
                     "name: y\nworkload: w\n---\n# again\nname: x\nworkload: w\n"), 0);
    ck_assert_uint_eq(list.count, 3);
    ck_assert_int_eq(drip_scenario_check_unique(&list, &diags), 1);
    assert_diag(0, 3, 1, "duplicate scenario name 'x' (first in a.yaml:1)");
    ck_assert_str_eq(diags.items[0].file, "b.yaml");
}
END_TEST

START_TEST(err_alias)
{
    expect_one("name: &n a\nworkload: *n\n", 2, 11, "YAML aliases are not supported");
    reset();
    ck_assert_int_eq(load("t.yaml", MIN_OK "params: { a: &x 1, b: [*x] }\n"), 2);
    assert_diag(0, 3, 23, "'params.b' must be a scalar (a string or a number), got a sequence");
    assert_diag(1, 3, 24, "YAML aliases are not supported");
    reset();
    expect_one("--- *x\n", 1, 5, "YAML aliases are not supported");
}
END_TEST

START_TEST(err_empty_document)
{
    expect_one("---\n", 1, 1, "empty document: a scenario needs at least 'name' and 'workload'");
    reset();
    ck_assert_int_eq(load("t.yaml", MIN_OK "---\n# nothing here\n"), 1);
    ck_assert_uint_eq(list.count, 1);                  /* the good document stays */
    assert_diag(0, 3, 1, "empty document");
}
END_TEST

START_TEST(err_empty_file)
{
    expect_one("", 0, 0, "no scenario in file");
    reset();
    expect_one("# only a comment\n\n", 0, 0, "no scenario in file");
    char *out = dump();
    ck_assert_str_eq(out, "t.yaml: error: no scenario in file\n");
    free(out);
}
END_TEST

START_TEST(err_not_a_mapping)
{
    expect_one("- name: a\n", 1, 1,
               "a scenario must be a mapping with 'name' and 'workload', got a sequence");
}
END_TEST

/* ---- errors: types and values ---------------------------------------------------- */

START_TEST(err_wrong_type_mapping)
{
    expect_one(MIN_OK "run: [1, 2]\n", 3, 6, "'run' must be a mapping, got a sequence");
    reset();
    expect_one(MIN_OK "faults: { point: p }\n", 3, 9, "'faults' must be a sequence, got a mapping");
    reset();
    expect_one(MIN_OK "faults: [ 3 ]\n", 3, 11,
               "'faults[0]' must be a mapping with 'point' and 'rate', got '3'");
    reset();
    expect_one("name: [a]\nworkload: w\n", 1, 7, "'name' must be a string, got a sequence");
    reset();
    expect_one("name: a\nworkload: [w]\n", 2, 11,
               "'workload' must be a workload name or a mapping with 'plugin', got a sequence");
    reset();
    expect_one(MIN_OK "expect: { rss: 5 }\n", 3, 16,
               "'expect.rss' must be a mapping of rules, got '5'");
}
END_TEST

START_TEST(err_quoted_number_is_a_string)
{
    expect_one(MIN_OK "run:\n  threads: \"4\"\n", 4, 12,
               "'run.threads' must be an integer, got a string");
}
END_TEST

START_TEST(err_out_of_range)
{
    expect_one(MIN_OK "run:\n  threads: 0\n", 4, 12,
               "'run.threads' must be an integer from 1 to 256, got '0'");
    reset();
    expect_one(MIN_OK "run: { threads: 257 }\n", 3, 17,
               "'run.threads' must be an integer from 1 to 256, got '257'");
    reset();
    expect_one(MIN_OK "run: { iterations: 1000000000001 }\n", 3, 20,
               "'run.iterations' must be an integer from 1 to 1000000000000, got '1000000000001'");
    reset();
    expect_one(MIN_OK "run: { iterations: 99999999999999999999999999 }\n", 3, 20,
               "'run.iterations' must be an integer from 1 to 1000000000000");
    reset();
    expect_one(MIN_OK "run: { seed: -1 }\n", 3, 14,
               "'run.seed' must be an integer of 0 or more, got '-1'");
    reset();
    expect_one(MIN_OK "run: { warmup: 0.95 }\n", 3, 16,
               "'run.warmup' must be a number from 0 to 0.9, got '0.95'");
    reset();
    expect_one(MIN_OK "run: { timeout: 0s }\n", 3, 17,
               "'run.timeout' must be a duration longer than 0, got '0s'");
    reset();
    expect_one(MIN_OK "run: { heap_ceiling: 1000KiB }\n", 3, 22,
               "'run.heap_ceiling' must be a size of at least 1MiB, got '1000KiB'");
}
END_TEST

START_TEST(err_malformed_integer)
{
    expect_one(MIN_OK "run:\n  iterations: 1.5\n", 4, 15,
               "'run.iterations' must be an integer, got '1.5'");
    reset();
    expect_one(MIN_OK "run:\n  iterations: 010\n", 4, 15,
               "'run.iterations' must be an integer, got '010'");
}
END_TEST

START_TEST(err_duration_needs_unit)
{
    expect_one(MIN_OK "run:\n  timeout: 30\n", 4, 12,
               "'run.timeout' must be a duration with a unit such as 30s or 500ms, got '30'");
}
END_TEST

START_TEST(err_bad_size)
{
    expect_one(MIN_OK "run:\n  heap_ceiling: lots\n", 4, 17,
               "'run.heap_ceiling' must be a size such as 512MiB, got 'lots'");
}
END_TEST

START_TEST(err_fault_rate)
{
    expect_one(MIN_OK "faults:\n  - { point: a, rate: 0.5 }\n  - { point: b, rate: 1.5 }\n", 5, 23,
               "'faults[1].rate' must be a number from 0 to 1, got '1.5'");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: 'a b', rate: 0.5 }\n", 4, 14,
               "'faults[0].point' must match [A-Za-z0-9._-]+, got 'a b'");
}
END_TEST

START_TEST(err_verdict)
{
    expect_one(MIN_OK "expect:\n  threads: { verdict: rising }\n", 4, 23,
               "'expect.threads.verdict' must be one of flat, bounded, growing, got 'rising'");
}
END_TEST

START_TEST(err_bad_name)
{
    expect_one("name: a b\nworkload: w\n", 1, 7, "'name' must match [A-Za-z0-9._-]+, got 'a b'");
    reset();
    expect_one("name: a\nworkload: \"x/y\"\n", 2, 11,
               "'workload' must match [A-Za-z0-9._-]+, got 'x/y'");
    reset();
    expect_one("name:\nworkload: w\n", 1, 6, "'name' must be a string, got an empty value");
}
END_TEST

START_TEST(core_after_teardown_rule)
{
    drip_scenario_list lst = {0};
    drip_diags d = {0};
    const char *y = "name: a\nworkload: w\nexpect:\n  tasks: { max_after_teardown: 0 }\n";
    ck_assert_int_eq(drip_scenario_load_string("t.yaml", y, strlen(y), &lst, &d), 0);
    ck_assert_uint_eq(lst.count, 1);
    ck_assert_uint_eq(lst.items[0].nexpects, 1);
    ck_assert_int_eq(lst.items[0].expects[0].rule, DRIP_RULE_MAX_AFTER_TEARDOWN);
    ck_assert_int_eq(lst.items[0].expects[0].metric, DRIP_M_TASKS);
    ck_assert(lst.items[0].expects[0].limit == 0);
    drip_scenario_list_free(&lst);
    drip_diags_free(&d);
}
END_TEST

START_TEST(core_alloc_fault_sizes)
{
    drip_scenario_list lst = {0};
    drip_diags d = {0};
    const char *y = "name: a\nworkload: w\nfaults:\n"
                    "  - { point: alloc, rate: 0.5, min_size: 1KiB, max_size: 1MiB }\n"
                    "  - { point: other, rate: 0.5 }\n";
    ck_assert_int_eq(drip_scenario_load_string("t.yaml", y, strlen(y), &lst, &d), 0);
    ck_assert_uint_eq(lst.items[0].faults[0].min_size, 1024);
    ck_assert_uint_eq(lst.items[0].faults[0].max_size, 1 << 20);
    ck_assert_uint_eq(lst.items[0].faults[1].min_size, 0);
    ck_assert(lst.items[0].faults[1].max_size == UINT64_MAX);
    drip_scenario_list_free(&lst);
    drip_diags_free(&d);
}
END_TEST

START_TEST(err_alloc_fault_sizes)
{
    expect_one(MIN_OK "faults:\n  - { point: x, rate: 0.5, min_size: 1KiB }\n", 4, 28,
               "'faults[0]': min_size and max_size apply to the 'alloc' point only");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: alloc, rate: 0.5, min_size: 2KiB, max_size: 1KiB }\n",
               4, 42, "min_size 2048 is above max_size 1024");
}
END_TEST

START_TEST(err_expect_empty_rules)
{
    expect_one(MIN_OK "expect:\n  threads: {}\n", 4, 12,
               "'expect.threads' has no rules (give max_slope, min_slope, verdict or max_after_teardown)");
    reset();
    expect_one(MIN_OK "expect:\n  threads:\n  fds: { max_slope: 0 }\n", 4, 11,
               "'expect.threads' has no rules");
    reset();
    expect_one(MIN_OK "expect:\n  rss: { min_slope: 2, max_slope: 1 }\n", 4, 21,
               "'expect.rss': min_slope 2 is above max_slope 1");
}
END_TEST

START_TEST(err_too_few_samples)
{
    expect_one(MIN_OK "run:\n  iterations: 1000\n  sample_every: 200\n", 5, 17,
               "run gives only 5 samples (iterations / sample_every = 1000 / 200); "
               "at least 8 are needed to fit a slope");
    reset();
    expect_one(MIN_OK "run:\n  threads: 2\n  iterations: 7\n", 5, 15, "run gives only 7 samples");
    reset();
    expect_one(MIN_OK "run: { sample_every: 20000 }\n", 3, 22, "run gives only 0 samples");
    reset();
    expect_one(MIN_OK "run: { sample_every: 0 }\n", 3, 22,
               "'run.sample_every' must be an integer from 1 to run.iterations, got '0'");
}
END_TEST

START_TEST(err_run_duration)
{
    expect_one(MIN_OK "run:\n  iterations: 100\n  duration: 10s\n", 5, 3,
               "'run.duration' and 'run.iterations' exclude each other (line 4): a run is "
               "timed or counted, give one");
    reset();
    expect_one(MIN_OK "run: { duration: 10s, sample_every: 5 }\n", 3, 23,
               "'run.sample_every' cannot be given with 'run.duration': a timed run sizes "
               "its epochs from the measured rate, for about 200 samples");
    reset();
    expect_one(MIN_OK "run: { duration: 1m, timeout: 30s }\n", 3, 31,
               "'run.timeout' (30 s) must be longer than 'run.duration' (60 s), or the run "
               "always times out");
    reset();
    expect_one(MIN_OK "run: { duration: 1m, timeout: 1m }\n", 3, 31,
               "'run.timeout' (60 s) must be longer than 'run.duration' (60 s)");
    reset();
    expect_one(MIN_OK "run: { duration: 0s }\n", 3, 18,
               "'run.duration' must be a duration from 1s to 8760h, got '0s'");
    reset();
    expect_one(MIN_OK "run: { duration: 500ms }\n", 3, 18,
               "'run.duration' must be a duration from 1s to 8760h, got '500ms'");
    reset();
    expect_one(MIN_OK "run: { duration: 8761h }\n", 3, 18,
               "'run.duration' must be a duration from 1s to 8760h, got '8761h'");
    reset();
    expect_one(MIN_OK "run: { duration: 10 }\n", 3, 18,
               "'run.duration' must be a duration with a unit such as 30s or 500ms, got '10'");
    reset();
    expect_one(MIN_OK "run: { duration: -1s }\n", 3, 18, "'run.duration' must be a duration");
    reset();
    expect_one(MIN_OK "run: { duration: \"10m\" }\n", 3, 18, "'run.duration' must be");
    reset();
    expect_one(MIN_OK "run: { durration: 10m }\n", 3, 8, "did you mean 'duration'");
}
END_TEST

START_TEST(strict_numbers)
{
    static const char *const bad_iterations[] = {
        "1.5", "010", "+1", "0x10", "\"100\"", "'100'", "1e4", "-1", "0", "10_000", "100 000",
        "!!int 100", "ten", "~",
    };
    for (size_t i = 0; i < sizeof bad_iterations / sizeof bad_iterations[0]; i++) {
        char *yaml = xasprintf(MIN_OK "run:\n  iterations: %s\n", bad_iterations[i]);
        ck_assert_msg(load("t.yaml", yaml) == 1, "iterations: %s accepted", bad_iterations[i]);
        assert_diag(diags.count - 1, 4, 15, "'run.iterations' must be an integer");
        free(yaml);
    }
    ck_assert_uint_eq(list.count, 0);

    static const struct { const char *text; uint64_t want; } sizes[] = {
        {"512MiB", 512ULL << 20}, {"1GiB", 1ULL << 30}, {"1048576", 1ULL << 20},
        {"2 GiB", 2ULL << 30}, {"1.5GiB", 3ULL << 29}, {"1GB", 1000000000ULL},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *yaml = xasprintf(MIN_OK "run: { heap_ceiling: %s }\n", sizes[i].text);
        ck_assert_uint_eq(expect_ok(yaml)->run.heap_ceiling, sizes[i].want);
        free(yaml);
    }
    static const struct { const char *text; uint64_t want; } durations[] = {
        {"30s", 30000000000ULL}, {"250ms", 250000000ULL}, {"1.5m", 90000000000ULL},
        {"2h", 7200000000000ULL}, {"100us", 100000ULL}, {"5ns", 5},
    };
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        char *yaml = xasprintf(MIN_OK "run: { timeout: %s }\n", durations[i].text);
        ck_assert_uint_eq(expect_ok(yaml)->run.timeout_ns, durations[i].want);
        free(yaml);
    }
    static const char *const bad_plain[][2] = {
        {"timeout: \"30s\"",
         "'run.timeout' must be a duration with a unit such as 30s or 500ms, got a string"},
        {"heap_ceiling: '1GiB'", "'run.heap_ceiling' must be a size such as 512MiB, got a string"},
        {"timeout: -1s", "'run.timeout' must be a duration"},
        {"heap_ceiling: 1PiB", "'run.heap_ceiling' must be a size such as 512MiB"},
        {"warmup: nan", "'run.warmup' must be a number, got 'nan'"},
        {"warmup: .inf", "'run.warmup' must be a number, got '.inf'"},
        {"warmup: 1e999", "'run.warmup' must be a number, got '1e999'"},
    };
    for (size_t i = 0; i < sizeof bad_plain / sizeof bad_plain[0]; i++) {
        char *yaml = xasprintf(MIN_OK "run: { %s }\n", bad_plain[i][0]);
        size_t before = diags.count;
        ck_assert_msg(load("t.yaml", yaml) == 1, "%s accepted", bad_plain[i][0]);
        assert_diag(before, 3, 8 + (int)strcspn(bad_plain[i][0], ":") + 2, bad_plain[i][1]);
        free(yaml);
    }
}
END_TEST

START_TEST(err_many_problems_in_one_file)
{
    static const char yaml[] =
        "name: a b\n"                               /* 1:7   bad name */
        "workload: w\n"
        "run:\n"
        "  iteratons: 5\n"                          /* 4:3   unknown key */
        "  threads: 0\n"                            /* 5:12  range */
        "faults:\n"
        "  - { point: p, rate: 2 }\n"               /* 7:23  range */
        "  - { point: p }\n"                        /* 8:5 missing rate, 8:14 dup point */
        "expect:\n"
        "  heap_byte: { max_slope: 1 }\n"           /* 10:3  unknown metric */
        "  fds: { verdict: up, max_slope: x }\n"    /* 11:19 verdict, 11:34 number */
        "---\n"
        "name: fine\n"
        "workload: w\n";

    ck_assert_int_eq(load("t.yaml", yaml), 9);
    assert_diag(0, 1, 7, "'name' must match");
    assert_diag(1, 4, 3, "unknown key 'iteratons' in 'run'");
    assert_diag(2, 5, 12, "'run.threads' must be an integer from 1 to 256, got '0'");
    assert_diag(3, 7, 23, "'faults[0].rate' must be a number from 0 to 1, got '2'");
    assert_diag(4, 8, 5, "faults[1]: missing required key 'rate'");
    assert_diag(5, 8, 14, "duplicate fault point 'p' (first at line 7)");
    assert_diag(6, 10, 3, "unknown metric 'heap_byte'");
    assert_diag(7, 11, 19, "'expect.fds.verdict' must be one of flat, bounded, growing, got 'up'");
    assert_diag(8, 11, 34, "'expect.fds.max_slope' must be a number, got 'x'");
    ck_assert_uint_eq(list.count, 1);
    ck_assert_str_eq(list.items[0].name, "fine");
}
END_TEST

START_TEST(err_syntax)
{
    /* the problem libyaml delivered before its error is kept */
    ck_assert_int_eq(load("t.yaml", MIN_OK "run: { iterations: 100\nfaults: x: y\n"), 2);
    assert_diag(0, 3, 20, "'run.iterations' must be an integer, got '100 faults'");
    assert_diag(1, 4, 7, "YAML syntax error: did not find expected ',' or '}' "
                "(while parsing a flow mapping at line 3, column 6)");
    reset();
    expect_one("name: a\nworkload: w: x\n", 2, 12,
               "YAML syntax error: mapping values are not allowed in this context");
    reset();
    expect_one("name: a\nworkload:\n  plugin: x.so\n bad: c\n", 4, 2,
               "YAML syntax error: did not find expected key "
               "(while parsing a block mapping at line 1, column 1)");
}
END_TEST

START_TEST(err_syntax_stops_after_good_documents)
{
    ck_assert_int_eq(load("t.yaml", MIN_OK "---\nname: b\nworkload: {\n"
                                   "---\nname: c\nworkload: w\n"), 1);
    ck_assert_uint_eq(list.count, 1);
    ck_assert_str_eq(list.items[0].name, "a");
    assert_diag(0, 6, 1, "YAML syntax error: did not find expected node content");
}
END_TEST

START_TEST(err_nonexistent_file)
{
    ck_assert_int_eq(drip_scenario_load_file("/nonexistent/dir/s.yaml", &list, &diags), 1);
    assert_diag(0, 0, 0, "cannot read file: No such file or directory");
    ck_assert_str_eq(diags.items[0].file, "/nonexistent/dir/s.yaml");
    char *out = dump();
    ck_assert_str_eq(out,
                     "/nonexistent/dir/s.yaml: error: "
                     "cannot read file: No such file or directory\n");
    free(out);
    reset();
    ck_assert_int_eq(drip_scenario_load_file("/tmp", &list, &diags), 1);
    assert_diag(0, 0, 0, "cannot read file: Is a directory");
}
END_TEST

/* ---- errors: what a fuzzer would try ------------------------------------------------ */

START_TEST(err_odd_bytes)
{
    expect_one("name: a\nworkload: \xff\n", 2, 11,
               "YAML syntax error: invalid leading UTF-8 octet");
    reset();
    expect_one("name: a\n\tworkload: w\n", 2, 1, "YAML syntax error");
    reset();
    expect_one("name: \"a\\0b\"\nworkload: w\n", 1, 7, "'name' must not contain NUL characters");
    reset();
    expect_one(MIN_OK "run: { \"thr\\0eads\": 2 }\n", 3, 8,
               "mapping keys must not contain NUL characters");
    reset();
    expect_one(MIN_OK "run: { [a]: 1 }\n", 3, 8, "mapping keys must be strings, got a sequence");
    reset();
    expect_one("name: \"\\e[31mred\"\nworkload: w\n", 1, 7, "got '?[31mred'");
    reset();
    /* a long value is cut on a character boundary */
    expect_one("name: \"0123456789012345678901234567890123456789\xc3\xa9tc\"\nworkload: w\n", 1, 7,
               "got '0123456789012345678901234567890123456789...'");
    reset();
    char *nul = xmalloc(20);
    memcpy(nul, "name: a\0workload: w", 20);
    ck_assert_int_eq(drip_scenario_load_string("t.yaml", nul, 20, &list, &diags), 1);
    assert_diag(0, 1, 8, "YAML syntax error: control characters are not allowed");
    free(nul);
}
END_TEST

START_TEST(err_deep_nesting)
{
    enum { DEPTH = 20000 };
    strbuf sb = {0};
    sb_append(&sb, MIN_OK "params: ");
    for (int i = 0; i < DEPTH; i++)
        sb_append(&sb, i % 2 ? "{a: " : "[");
    for (int i = DEPTH - 1; i >= 0; i--)
        sb_append(&sb, i % 2 ? "}" : "]");
    sb_append(&sb, "\nexpect: { rss: ");
    for (int i = 0; i < DEPTH; i++)
        sb_append(&sb, "- ");
    sb_append(&sb, "x }\n");
    ck_assert_int_ge(load("t.yaml", sb.buf), 1);
    assert_diag(0, 3, 9, "'params' must be a mapping, got a sequence");
    ck_assert_uint_eq(list.count, 0);
    sb_free(&sb);
}
END_TEST

/* Every prefix of the full example, and many random mutations of it, load
 * without crashing or leaking (valgrind and ASan watch this one). */
START_TEST(err_fuzz_mutations)
{
    static const char alphabet[] = "{}[]:,-&*!|>'\"#?%@`\n\t \\0a1.~";
    size_t len = strlen(full_example);
    char *buf = xmalloc(len + 8);
    unsigned seed = 12345;

    for (size_t n = 0; n <= len; n++) {
        load("t.yaml", (memcpy(buf, full_example, n), buf[n] = '\0', buf));
        reset();
    }
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, full_example, len + 1);
        int edits = 1 + (int)(rand_r(&seed) % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)rand_r(&seed) % len;
            int r = rand_r(&seed) % 3;
            if (r == 0)
                buf[at] = alphabet[(size_t)rand_r(&seed) % (sizeof alphabet - 1)];
            else if (r == 1)
                buf[at] = (char)(rand_r(&seed) % 256);
            else
                memmove(buf + at, buf + at + 1, len - at);   /* delete a byte */
        }
        drip_scenario_load_string("t.yaml", buf, strlen(buf), &list, &diags);
        drip_scenario_check_unique(&list, &diags);
        reset();
    }
    free(buf);
}
END_TEST

Suite *suite_scenario(void);
Suite *suite_scenario(void)
{
    Suite *s = suite_create("scenario");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, core_after_teardown_rule);
    tcase_add_test(core, core_alloc_fault_sizes);
    tcase_add_test(core, full_example_loads_exactly);
    tcase_add_test(core, defaults_when_run_omitted);
    tcase_add_test(core, run_values_and_sample_every_default);
    tcase_add_test(core, two_documents);
    tcase_add_test(core, params_kept_as_written);
    tcase_add_test(core, run_duration);
    tcase_add_test(core, run_spec_set_duration);
    tcase_add_test(core, plugin_paths);
    tcase_add_test(core, valgrind_suppressions);
    tcase_add_test(core, err_valgrind_suppressions);
    tcase_add_test(core, empty_collections_and_description);
    tcase_add_test(core, all_rules_and_faults);
    tcase_add_test(core, load_file_resolves_against_its_directory);
    tcase_add_test(core, unique_names_pass);
    tcase_add_test(core, diags_print_format);
    suite_add_tcase(s, core);

    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_set_timeout(errors, 120);          /* the fuzz test under valgrind */
    tcase_add_test(errors, err_unknown_key_in_run);
    tcase_add_test(errors, err_unknown_key_top_level);
    tcase_add_test(errors, err_unknown_key_without_hint);
    tcase_add_test(errors, err_unknown_metric);
    tcase_add_test(errors, err_unknown_rule);
    tcase_add_test(errors, err_missing_required_key);
    tcase_add_test(errors, err_duplicate_key);
    tcase_add_test(errors, err_duplicate_fault_point);
    tcase_add_test(errors, err_duplicate_scenario_name);
    tcase_add_test(errors, err_alias);
    tcase_add_test(errors, err_empty_document);
    tcase_add_test(errors, err_empty_file);
    tcase_add_test(errors, err_not_a_mapping);
    tcase_add_test(errors, err_wrong_type_mapping);
    tcase_add_test(errors, err_quoted_number_is_a_string);
    tcase_add_test(errors, err_out_of_range);
    tcase_add_test(errors, err_malformed_integer);
    tcase_add_test(errors, err_duration_needs_unit);
    tcase_add_test(errors, err_bad_size);
    tcase_add_test(errors, err_fault_rate);
    tcase_add_test(errors, err_verdict);
    tcase_add_test(errors, err_bad_name);
    tcase_add_test(errors, err_expect_empty_rules);
    tcase_add_test(errors, err_alloc_fault_sizes);
    tcase_add_test(errors, err_too_few_samples);
    tcase_add_test(errors, err_run_duration);
    tcase_add_test(errors, strict_numbers);
    tcase_add_test(errors, err_many_problems_in_one_file);
    tcase_add_test(errors, err_syntax);
    tcase_add_test(errors, err_syntax_stops_after_good_documents);
    tcase_add_test(errors, err_nonexistent_file);
    tcase_add_test(errors, err_odd_bytes);
    tcase_add_test(errors, err_deep_nesting);
    tcase_add_test(errors, err_fuzz_mutations);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite_scenario());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
