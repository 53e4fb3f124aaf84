/* test_wmetric.c - the workload's own metrics (drip_metric_add) end to end,
 * on the test plugin libtest_counter.so (scenarios/wmetric.yaml):
 * an expectation on cache.hits passes when it grows, fails naming it when
 * it does not, and fails with a clear reason (and the "never moved"
 * warning) when the workload never reports it; the CSV has the columns,
 * results.json the entries, and `drip merge` and `drip diff` read them
 * back.
 */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "e2e.h"

#define YAML TST("scenarios/wmetric.yaml")

static char *dir, *out;

static void setup(void)
{
    dir = tmpdir();
    if (asprintf(&out, "%s/out", dir) < 0)
        abort();
    proc p = run((const char *[]){"run", "--no-color", "-o", out, YAML, NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    proc_free(&p);
}

static void teardown(void)
{
    rm_rf(dir);
    free(dir);
    free(out);
}

/* The expectation on metric `name` in scenario sc of root. */
static json_t *expectation(json_t *sc, const char *name)
{
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(sc, "expectations"), i, e)
        if (strcmp(str_at(e, "metric"), name) == 0)
            return e;
    return NULL;
}

/* Verdicts and reasons, in results.json as written by drip run (or merge). */
static void check_results(const char *report)
{
    json_t *root = load_results(report);
    json_t *ok = scenario(root, "counted"), *stuck = scenario(root, "stuck");
    json_t *never = scenario(root, "unreported");
    ck_assert_str_eq(str_at(ok, "status"), "pass");
    json_t *hits = json_object_get(json_object_get(ok, "metrics"), "cache.hits");
    ck_assert_ptr_nonnull(hits);
    ck_assert(json_is_true(json_object_get(hits, "custom")));
    ck_assert_str_eq(str_at(hits, "unit"), "units");
    ck_assert(json_real_value(json_object_get(hits, "slope")) > 0.99 ||
              json_integer_value(json_object_get(hits, "slope")) == 1);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(ok, "metrics"), "rows.read"));
    ck_assert(json_is_true(json_object_get(expectation(ok, "cache.hits"), "ok")));

    ck_assert_str_eq(str_at(stuck, "status"), "fail");
    ck_assert_msg(strstr(str_at(stuck, "reason"), "cache.hits: slope 0 units/iter < min_slope"),
                  "%s", str_at(stuck, "reason"));
    ck_assert(json_is_false(json_object_get(expectation(stuck, "cache.hits"), "ok")));

    ck_assert_str_eq(str_at(never, "status"), "fail");
    ck_assert_msg(strstr(str_at(never, "reason"), "cache.misses: never reported by the workload"),
                  "%s", str_at(never, "reason"));
    json_t *w = json_array_get(json_object_get(never, "warnings"), 0);
    ck_assert_msg(w && strstr(json_string_value(w), "'cache.misses' never moved"), "warnings");

    /* 4 threads add to one registry: every add counted; 22 names, 16 kept */
    json_t *th = scenario(root, "threaded");
    ck_assert_str_eq(str_at(th, "status"), "pass");
    json_t *at = json_object_get(th, "after_teardown");
    ck_assert_int_eq(json_integer_value(json_object_get(at, "cache.hits")), 4000);
    ck_assert_int_eq(json_integer_value(json_object_get(at, "n.13")), 4000);
    ck_assert_ptr_null(json_object_get(at, "n.14"));
    ck_assert_uint_eq(json_object_size(json_object_get(th, "metrics")), 9 + 16);   /* Drip's 9 */
    w = json_array_get(json_object_get(th, "warnings"), 0);
    ck_assert_msg(w && strstr(json_string_value(w), "drip_metric_add: 'n.14' ignored: a workload "
                                                    "reports at most 16 metrics"), "warnings");
    json_decref(root);
}

START_TEST(test_wmetric_run)
{
    check_results(out);
    char *csv_path;
    if (asprintf(&csv_path, "%s/counted.csv", out) < 0)
        abort();
    char *csv = slurp(csv_path);
    ck_assert_msg(strstr(csv, ",conns,cache.hits,rows.read\n"), "%.200s", csv);
    ck_assert_msg(strstr(csv, ",400,1200\n"), "the last row holds the totals");
    free(csv);
    free(csv_path);
    char *html_path;
    if (asprintf(&html_path, "%s/report.html", out) < 0)
        abort();
    char *html = slurp(html_path);                 /* a chart per workload metric, by name */
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"m\">cache.hits</span>"));
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"m\">rows.read</span>"));
    free(html);
    free(html_path);
}
END_TEST

START_TEST(test_wmetric_merge_and_diff)
{
    char *merged;
    if (asprintf(&merged, "%s/merged", dir) < 0)
        abort();
    proc p = run((const char *[]){"merge", "--no-color", "-o", merged, out, NULL});
    ck_assert_msg(p.status == 1, "merge: exit %d\n%s%s", p.status, p.out, p.err);
    proc_free(&p);
    check_results(merged);
    char *csv_path;
    if (asprintf(&csv_path, "%s/counted.csv", merged) < 0)
        abort();
    char *csv = slurp(csv_path);
    ck_assert_msg(strstr(csv, ",cache.hits,rows.read\n"), "%.200s", csv);
    free(csv);
    free(csv_path);

    p = run((const char *[]){"diff", "--no-color", out, merged, NULL});
    ck_assert_msg(p.status == 0, "diff: exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "same       counted"), "%s", p.out);
    proc_free(&p);
    free(merged);
}
END_TEST

/* A typo of a Drip metric stays an error; a workload metric's name loads. */
START_TEST(test_wmetric_names_at_load)
{
    char *yaml;
    if (asprintf(&yaml, "%s/t.yaml", dir) < 0)
        abort();
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "name: typo\nworkload: { plugin: %s }\nexpect:\n  heap_byts: { max_slope: 1 }\n"
               "---\nname: mine\nworkload: { plugin: %s }\nexpect:\n"
               "  rows.read: { min_slope: 1 }\n",
            TST("plugins/libtest_counter.so"), TST("plugins/libtest_counter.so"));
    ck_assert_int_eq(fclose(f), 0);
    proc p = run((const char *[]){"validate", yaml, NULL});
    ck_assert_msg(p.status == 2, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.err, "unknown metric 'heap_byts' (did you mean 'heap_bytes'?)"),
                  "%s", p.err);
    ck_assert_msg(!strstr(p.err, "rows.read"), "%s", p.err);
    proc_free(&p);
    free(yaml);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("wmetric");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_wmetric_run);
    tcase_add_test(tc, test_wmetric_merge_and_diff);
    tcase_add_test(tc, test_wmetric_names_at_load);
    suite_add_tcase(s, tc);
    return s;
}
