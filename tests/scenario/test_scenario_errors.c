/* test_scenario_errors.c - the YAML loader's problems: a row of
 * one_problem (or a test) per kind of problem, each pinning the line, the
 * column and the message;
 * strictness of numbers; several problems in one file; inputs a fuzzer
 * would try.
 */
#include "check_main.h"
#include "scenario_fixtures.h"

/* ---- errors: one problem each --------------------------------------------------- */

/* Loading each row's YAML gives no scenario and exactly one problem, at
 * the row's line and column, its message containing the row's text (the
 * failure names the row's line here). */
#define ROW(yaml, line, col, sub) {__LINE__, (yaml), (line), (col), (sub)}
static const struct one_problem {
    int         at;
    const char *yaml;
    int         line, col;
    const char *sub;
} one_problem[] = {
    /* err_unknown_key_in_run */
    ROW(MIN_OK "run:\n  iteratons: 20000\n", 4, 3,
        "unknown key 'iteratons' in 'run' (did you mean 'iterations'?)"),
    /* err_unknown_metric */
    ROW(MIN_OK "expect:\n  heap_byte: { max_slope: 1 }\n", 4, 3,
        "unknown metric 'heap_byte' (did you mean 'heap_bytes'?)"),
    /* err_unknown_rule */
    ROW(MIN_OK "expect:\n  heap_bytes: { max_slop: 1 }\n", 4, 17,
        "unknown rule 'max_slop' for 'heap_bytes' (did you mean 'max_slope'?)"),
    /* err_missing_required_key */
    ROW("# a scenario\n\nname: a\nrun: { iterations: 100 }\n", 3, 1,
        "missing required key 'workload'"),
    ROW(MIN_OK "faults:\n  - { point: p }\n", 4, 5,
        "faults[0]: missing required key 'rate'"),
    ROW(MIN_OK "faults:\n  - rate: 0.5\n", 4, 5, "faults[0]: missing required key 'point'"),
    ROW("name: a\nworkload: { }\n", 2, 11, "workload: missing required key 'plugin'"),
    /* err_duplicate_key */
    ROW("workload: w\n\nname: a\nrun: {}\nname: b\n", 5, 1,
        "duplicate key 'name' (first at line 3)"),
    ROW(MIN_OK "run:\n  seed: 1\n  seed: 2\n", 5, 3,
        "duplicate key 'seed' (first at line 4)"),
    ROW(MIN_OK "params: { a: 1, b: 2, a: 3 }\n", 3, 23,
        "duplicate key 'a' (first at line 3)"),
    /* err_duplicate_fault_point */
    ROW(MIN_OK "faults:\n"
        "  - { point: cache.miss, rate: 0.25 }\n"
        "  - { point: other, rate: 0.5 }\n"
        "  - { point: cache.miss, rate: 0.5 }\n",
        6, 14, "duplicate fault point 'cache.miss' (first at line 4)"),
    /* err_not_a_mapping */
    ROW("- name: a\n", 1, 1,
        "a scenario must be a mapping with 'name' and 'workload', got a sequence"),
    /* err_wrong_type_mapping */
    ROW(MIN_OK "run: [1, 2]\n", 3, 6, "'run' must be a mapping, got a sequence"),
    ROW(MIN_OK "faults: { point: p }\n", 3, 9, "'faults' must be a sequence, got a mapping"),
    ROW(MIN_OK "faults: [ 3 ]\n", 3, 11,
        "'faults[0]' must be a mapping with 'point' and 'rate', got '3'"),
    ROW("name: [a]\nworkload: w\n", 1, 7, "'name' must be a string, got a sequence"),
    ROW("name: a\nworkload: [w]\n", 2, 11,
        "'workload' must be a workload name or a mapping with 'plugin', got a sequence"),
    ROW(MIN_OK "expect: { rss: 5 }\n", 3, 16,
        "'expect.rss' must be a mapping of rules, got '5'"),
    /* err_quoted_number_is_a_string */
    ROW(MIN_OK "run:\n  threads: \"4\"\n", 4, 12,
        "'run.threads' must be an integer, got a string"),
    /* err_out_of_range */
    ROW(MIN_OK "run:\n  threads: 0\n", 4, 12,
        "'run.threads' must be an integer from 1 to 256, got '0'"),
    ROW(MIN_OK "run: { threads: 257 }\n", 3, 17,
        "'run.threads' must be an integer from 1 to 256, got '257'"),
    ROW(MIN_OK "run: { iterations: 1000000000001 }\n", 3, 20,
        "'run.iterations' must be an integer from 1 to 1000000000000, got '1000000000001'"),
    ROW(MIN_OK "run: { iterations: 99999999999999999999999999 }\n", 3, 20,
        "'run.iterations' must be an integer from 1 to 1000000000000"),
    ROW(MIN_OK "run: { seed: -1 }\n", 3, 14,
        "'run.seed' must be an integer from 0 to 9223372036854775807, got '-1'"),
    ROW(MIN_OK "run: { seed: 9223372036854775808 }\n", 3, 14,
        "'run.seed' must be an integer from 0 to 9223372036854775807, "
        "got '9223372036854775808'"),
    ROW(MIN_OK "run: { warmup: 0.95 }\n", 3, 16,
        "'run.warmup' must be a number from 0 to 0.9, got '0.95'"),
    ROW(MIN_OK "run: { timeout: 0s }\n", 3, 17,
        "'run.timeout' must be a duration longer than 0, got '0s'"),
    ROW(MIN_OK "run: { heap_ceiling: 1000KiB }\n", 3, 22,
        "'run.heap_ceiling' must be a size from 1MiB to 8EiB, got '1000KiB'"),
    /* err_malformed_integer */
    ROW(MIN_OK "run:\n  iterations: 1.5\n", 4, 15,
        "'run.iterations' must be an integer, got '1.5'"),
    ROW(MIN_OK "run:\n  iterations: 010\n", 4, 15,
        "'run.iterations' must be an integer, got '010'"),
    /* err_duration_needs_unit */
    ROW(MIN_OK "run:\n  timeout: 30\n", 4, 12,
        "'run.timeout' must be a duration with a unit such as 30s or 500ms, got '30'"),
    /* err_bad_size */
    ROW(MIN_OK "run:\n  heap_ceiling: lots\n", 4, 17,
        "'run.heap_ceiling' must be a size such as 512MiB, got 'lots'"),
    /* err_fault_rate */
    ROW(MIN_OK "faults:\n  - { point: a, rate: 0.5 }\n  - { point: b, rate: 1.5 }\n", 5, 23,
        "'faults[1].rate' must be a number from 0 to 1, got '1.5'"),
    ROW(MIN_OK "faults:\n  - { point: 'a b', rate: 0.5 }\n", 4, 14,
        "'faults[0].point' must match [A-Za-z0-9._-]+, got 'a b'"),
    /* err_verdict */
    ROW(MIN_OK "expect:\n  threads: { verdict: rising }\n", 4, 23,
        "'expect.threads.verdict' must be one of flat, bounded, growing, got 'rising'"),
    /* err_bad_name */
    ROW("name: a b\nworkload: w\n", 1, 7, "'name' must match [A-Za-z0-9._-]+, got 'a b'"),
    ROW("name: a\nworkload: \"x/y\"\n", 2, 11,
        "'workload' must match [A-Za-z0-9._-]+, got 'x/y'"),
    ROW("name:\nworkload: w\n", 1, 6, "'name' must be a string, got an empty value"),
    /* err_alloc_fault_sizes */
    ROW(MIN_OK "faults:\n  - { point: x, rate: 0.5, min_size: 1KiB }\n", 4, 28,
        "'faults[0]': min_size and max_size apply to the 'alloc' point only"),
    ROW(MIN_OK "faults:\n  - { point: alloc, rate: 0.5, min_size: 2KiB, max_size: 1KiB }\n",
        4, 42, "min_size 2048 is above max_size 1024"),
    /* err_expect_empty_rules */
    ROW(MIN_OK "expect:\n  threads: {}\n", 4, 12,
        "'expect.threads' has no rules (give max_slope, min_slope, verdict, growing or "
        "max_after_teardown)"),
    ROW(MIN_OK "expect:\n  threads:\n  fds: { max_slope: 0 }\n", 4, 11,
        "'expect.threads' has no rules"),
    ROW(MIN_OK "expect:\n  rss: { min_slope: 2, max_slope: 1 }\n", 4, 21,
        "'expect.rss': min_slope 2 is above max_slope 1"),
    ROW(MIN_OK "expect: nothing\n", 3, 9,
        "'expect' must be a mapping of metrics to rules, or none (check nothing), "
        "got 'nothing'"),
    ROW(MIN_OK "expect:\n  fds: { growing: maybe }\n", 4, 19,
        "'expect.fds.growing' must be true or false, got 'maybe'"),
    /* err_too_few_samples */
    ROW(MIN_OK "run:\n  iterations: 1000\n  sample_every: 200\n", 5, 17,
        "run gives only 5 samples (iterations / sample_every = 1000 / 200); "
        "at least 8 are needed to fit a slope"),
    ROW(MIN_OK "run:\n  threads: 2\n  iterations: 7\n", 5, 15, "run gives only 7 samples"),
    ROW(MIN_OK "run: { sample_every: 20000 }\n", 3, 22, "run gives only 0 samples"),
    ROW(MIN_OK "run: { sample_every: 0 }\n", 3, 22,
        "'run.sample_every' must be an integer from 1 to run.iterations, got '0'"),
    /* err_run_duration */
    ROW(MIN_OK "run:\n  iterations: 100\n  duration: 10s\n", 5, 3,
        "'run.duration' and 'run.iterations' exclude each other (line 4): a run is "
        "timed or counted, give one"),
    ROW(MIN_OK "run: { duration: 10s, sample_every: 5 }\n", 3, 23,
        "'run.sample_every' cannot be given with 'run.duration': a timed run sizes "
        "its epochs from the measured rate, for about 200 samples"),
    ROW(MIN_OK "run: { duration: 1m, timeout: 30s }\n", 3, 31,
        "'run.timeout' (30 s) must be longer than 'run.duration' (60 s), or the run "
        "always times out"),
    ROW(MIN_OK "run: { duration: 1m, timeout: 1m }\n", 3, 31,
        "'run.timeout' (60 s) must be longer than 'run.duration' (60 s)"),
    ROW(MIN_OK "run: { duration: 0s }\n", 3, 18,
        "'run.duration' must be a duration from 1s to 8760h, got '0s'"),
    ROW(MIN_OK "run: { duration: 500ms }\n", 3, 18,
        "'run.duration' must be a duration from 1s to 8760h, got '500ms'"),
    ROW(MIN_OK "run: { duration: 8761h }\n", 3, 18,
        "'run.duration' must be a duration from 1s to 8760h, got '8761h'"),
    ROW(MIN_OK "run: { duration: 10 }\n", 3, 18,
        "'run.duration' must be a duration with a unit such as 30s or 500ms, got '10'"),
    ROW(MIN_OK "run: { duration: -1s }\n", 3, 18, "'run.duration' must be a duration"),
    ROW(MIN_OK "run: { duration: \"10m\" }\n", 3, 18, "'run.duration' must be"),
    ROW(MIN_OK "run: { durration: 10m }\n", 3, 8, "did you mean 'duration'"),
    /* valgrind.timeout: the pass's budget */
    ROW(MIN_OK "valgrind: { timeout: 10 }\n", 3, 22,
        "'valgrind.timeout' must be a duration with a unit such as 30s or 500ms, got '10'"),
    /* err_profile */
    ROW(MIN_OK "profile: { mode: sometimes }\n", 3, 18,
        "'profile.mode' must be off, sampled or precise, got 'sometimes'"),
    ROW(MIN_OK "profile: { rate: 0 }\n", 3, 18, "'profile.rate' must be"),
    ROW(MIN_OK "profile: { skip: xnew }\n", 3, 18, "'profile.skip' must be"),
    ROW(MIN_OK "profile: { skip: [\"a b\"] }\n", 3, 19,
        "'profile.skip[0]' must be a function name"),
    ROW(MIN_OK "profile: { mode: off, every: 2 }\n", 3, 23, "unknown key 'every'"),
};
#undef ROW

START_TEST(err_one_problem)
{
    const struct one_problem *p = &one_problem[_i];
    expect_one_at(p->at, p->yaml, p->line, p->col, p->sub);
}
END_TEST

/* ---- errors: keys ------------------------------------------------------------ */

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

/* ---- errors: types and values ---------------------------------------------------- */

/* A name becomes file names in the report: at most DRIP_NAME_MAX bytes,
 * refused at its position (a 300-byte one used to pass and fail the run). */
START_TEST(err_long_name)
{
    char name[DRIP_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[DRIP_NAME_MAX] = '\0';                         /* 128: fine */
    char *yaml = xasprintf("name: %s\nworkload: w\n", name);
    ck_assert_int_eq(load("t.yaml", yaml), 0);
    free(yaml);
    reset();
    name[DRIP_NAME_MAX] = 'n';                          /* 129: refused */
    name[DRIP_NAME_MAX + 1] = '\0';
    yaml = xasprintf("name: %s\nworkload: w\n", name);
    expect_one(yaml, 1, 7, "'name' is 129 bytes long, at most 128 allowed");
    free(yaml);
    reset();
    yaml = xasprintf(MIN_OK "faults:\n  - { point: %s, rate: 0.5 }\n", name);
    expect_one(yaml, 4, 14, "'faults[0].point' is 129 bytes long, at most 128 allowed");
    free(yaml);
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

/* More than 64 levels of collections end the file like a syntax error
 * (libyaml's scanner is quadratic in the nesting of flow collections: a
 * 400 KB "[[[[..." took minutes before the limit).  The document's mapping
 * is the first level. */
START_TEST(err_nesting_limit)
{
    for (int levels = 63; levels <= 64; levels++) {
        strbuf sb = {0};
        sb_append(&sb, MIN_OK "x: ");
        for (int i = 0; i < levels; i++)
            sb_append(&sb, "[");
        for (int i = 0; i < levels; i++)
            sb_append(&sb, "]");
        sb_append(&sb, "\n");
        ck_assert_int_eq(load("t.yaml", sb.buf), levels == 63 ? 1 : 2);
        assert_diag(0, 3, 1, "unknown key 'x'");
        if (levels == 64)
            assert_diag(1, 3, 4 + 63, "YAML nested more than 64 levels deep");
        ck_assert_uint_eq(list.count, 0);
        reset();
        sb_free(&sb);
    }
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

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("scenario-errors");
    TCase *errors = drip_tcase(s, "errors", err_unknown_key_top_level,
            err_unknown_key_without_hint, err_duplicate_scenario_name, err_alias,
            err_empty_document, err_empty_file, err_long_name, strict_numbers,
            err_many_problems_in_one_file, err_syntax, err_syntax_stops_after_good_documents,
            err_nonexistent_file, err_odd_bytes, err_deep_nesting, err_nesting_limit,
            err_fuzz_mutations, NULL);
    tcase_add_loop_test(errors, err_one_problem, 0,
                        (int)(sizeof one_problem / sizeof one_problem[0]));

    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_set_timeout(errors, 120);          /* the fuzz test under valgrind */
    return s;
}
