/* test_diff.c - `drip diff`, `drip run --shard K/N` and `drip merge` end to
 * end, on the test plugin libtest_drop.so (it leaks leak_bytes whenever
 * its fault point `drop` fires).
 *
 * The scenario `cache` is fixed (drop never fires) in one file and leaky
 * (drop fires in half the iterations) in its twin with the same name:
 * diff must flag fixed -> leaky and pass two runs of the same code with
 * different seeds.  A suite of five scenarios split three ways must
 * give every scenario to exactly one shard, and the shards merged must
 * read like the whole suite run at once.
 */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"

#define DROP TST("plugins/libtest_drop.so")

static char *dir;

static void setup(void)
{
    dir = tmpdir();
}

static void teardown(void)
{
    rm_rf(dir);
    free(dir);
}

/* DIR/name with a scenario per (name, rate), each `expect: none` (a
 * baseline compares runs; no expectation is checked); returns the path
 * (malloc'd). */
static char *write_suite(const char *name, const char *const *names, const double *rates,
                         size_t n)
{
    char *path;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%sname: %s\nworkload: { plugin: %s }\nparams: { leak_bytes: 32 }\n"
                   "run: { iterations: 4000, sample_every: 50, warmup: 0.2 }\n"
                   "faults: [ { point: drop, rate: %g } ]\nexpect: none\n",
                i ? "---\n" : "", names[i], DROP, rates[i]);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* drip run [--seed S] -o DIR/out yaml; returns the report dir (malloc'd). */
static char *run_report(const char *yaml, const char *seed, const char *out, int want)
{
    char *report;
    if (asprintf(&report, "%s/%s", dir, out) < 0)
        abort();
    proc p = run((const char *[]){"run", "--no-color", "-q", "--seed", seed, "-o", report, yaml,
                                  NULL});
    ck_assert_msg(p.status == want, "drip run %s: exit %d\n%s%s", yaml, p.status, p.out, p.err);
    proc_free(&p);
    return report;
}

static proc diff(const char *base, const char *nw, const char *json)
{
    if (json)
        return run((const char *[]){"diff", "--no-color", "--json", json, base, nw, NULL});
    return run((const char *[]){"diff", "--no-color", base, nw, NULL});
}

/* ---- diff ------------------------------------------------------------------ */

START_TEST(test_diff_flags_leaky_twin)
{
    static const char *const names[] = {"cache", "steady"};
    char *fixed = write_suite("fixed.yaml", names, (double[]){0, 0}, 2);
    char *leaky = write_suite("leaky.yaml", names, (double[]){0.5, 0}, 2);
    char *a = run_report(fixed, "1", "fixed", 0);
    char *b = run_report(leaky, "1", "leaky", 0);     /* expect: none: both pass */
    char *json;
    if (asprintf(&json, "%s/diff.json", dir) < 0)
        abort();

    proc p = diff(a, b, json);
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "REGRESSED  cache"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "same       steady"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "(flat -> growing; the new interval is"), "%s", p.out);
    ck_assert_ptr_nonnull(strstr(p.out, "2 scenarios compared: 1 regressed, 0 improved"));
    proc_free(&p);

    json_error_t jerr;
    json_t *root = json_load_file(json, 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert(json_is_true(json_object_get(root, "regression")));
    json_t *s = json_array_get(json_object_get(root, "scenarios"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(s, "name")), "cache");
    json_t *hb = json_object_get(json_object_get(s, "metrics"), "heap_bytes");
    json_t *why = json_object_get(hb, "regressions");
    ck_assert_uint_eq(json_array_size(why), 2);
    ck_assert_str_eq(json_string_value(json_array_get(why, 0)), "verdict");
    ck_assert_str_eq(json_string_value(json_array_get(why, 1)), "slope");
    double low = json_number_value(json_object_get(json_object_get(hb, "new"), "slope_low"));
    ck_assert_msg(low > 10 && low < 20, "about 16 B/iter expected, low %g", low);   /* 32 B * 0.5 */
    json_decref(root);

    /* the other way round the leak is fixed: better, no regression */
    p = diff(b, a, NULL);
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "improved   cache"), "%s", p.out);
    proc_free(&p);

    /* a tolerance wide enough lets the slope pass, but not the verdict */
    p = run((const char *[]){"diff", "--tolerance", "heap_bytes=1000", "--tolerance", "1000",
                             a, b, NULL});
    ck_assert_int_eq(p.status, 1);
    ck_assert_ptr_null(strstr(p.out, "the new interval is"));
    ck_assert_ptr_nonnull(strstr(p.out, "flat -> growing"));
    proc_free(&p);
    free(json);
    free(a);
    free(b);
    free(fixed);
    free(leaky);
}
END_TEST

START_TEST(test_diff_passes_same_code)
{
    static const char *const names[] = {"cache", "steady"};
    char *fixed = write_suite("fixed.yaml", names, (double[]){0, 0}, 2);
    char *leaky = write_suite("leaky.yaml", names, (double[]){0.5, 0}, 2);
    char *f1 = run_report(fixed, "1", "f1", 0), *f2 = run_report(fixed, "2", "f2", 0);
    char *l1 = run_report(leaky, "1", "l1", 0), *l2 = run_report(leaky, "2", "l2", 0);
    char *l3 = run_report(leaky, "3", "l3", 0);
    const char *pairs[][2] = {{f1, f2}, {f2, f1}, {l1, l2}, {l2, l3}, {l3, l1}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        proc p = diff(pairs[i][0], pairs[i][1], NULL);
        ck_assert_msg(p.status == 0, "%s -> %s: exit %d\n%s%s", pairs[i][0], pairs[i][1],
                      p.status, p.out, p.err);
        ck_assert_ptr_nonnull(strstr(p.out, "no regression"));
        proc_free(&p);
    }
    free(f1);
    free(f2);
    free(l1);
    free(l2);
    free(l3);
    free(fixed);
    free(leaky);
}
END_TEST

START_TEST(test_diff_bad_input)
{
    static const char *const names[] = {"cache"};
    char *yaml = write_suite("one.yaml", names, (double[]){0}, 1);
    char *good = run_report(yaml, "1", "good", 0);
    char *garbled, *missing;
    if (asprintf(&garbled, "%s/garbled.json", dir) < 0 ||
        asprintf(&missing, "%s/nowhere", dir) < 0)
        abort();
    FILE *f = fopen(garbled, "w");
    fputs("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": 3}]}", f);
    fclose(f);

    proc p = diff(good, missing, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "nowhere: cannot read"), "%s", p.err);
    proc_free(&p);
    p = diff(garbled, good, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "garbled.json: scenarios[0].name: expected a string"), "%s", p.err);
    proc_free(&p);
    p = run((const char *[]){"diff", good, NULL});
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);
    p = run((const char *[]){"diff", "--tolerance", "heap=3", good, good, NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "unknown metric 'heap'"), "%s", p.err);
    proc_free(&p);
    free(garbled);
    free(missing);
    free(good);
    free(yaml);
}
END_TEST

/* A partial new run (one shard of the base's suite) passes as it always
 * did, and fails with --fail-on-removed, naming what is missing. */
START_TEST(test_diff_fail_on_removed)
{
    static const char *const names[] = {"kept", "lost-a", "lost-b"};
    char *all = write_suite("all.yaml", names, (double[]){0, 0, 0}, 3);
    char *part = write_suite("part.yaml", names, (double[]){0, 0, 0}, 1);
    char *a = run_report(all, "1", "all", 0);
    char *b = run_report(part, "1", "part", 0);
    proc p = diff(a, b, NULL);
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "0 added, 2 removed"));
    proc_free(&p);
    p = run((const char *[]){"diff", "--no-color", a, b, "--fail-on-removed", NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "removed: 2 scenarios of the base not in the new run "
                                "(--fail-on-removed): lost-a lost-b"), "%s", p.out);
    proc_free(&p);
    p = run((const char *[]){"diff", "--fail-on-removed", b, a, NULL});  /* added: fine */
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    proc_free(&p);
    free(all);
    free(part);
    free(a);
    free(b);
}
END_TEST

/* ---- shards and merge ---------------------------------------------------------- */

static const char *const five[] = {"e-steady", "a-leak", "d-steady", "b-steady", "c-leak"};
static const double five_rates[] = {0, 0.5, 0, 0, 0.5};

/* The scenario names in a report, sorted, joined by spaces (malloc'd). */
static char *names_in(const char *report, json_t **root_out)
{
    json_t *root = load_results(report);
    json_t *arr = json_object_get(root, "scenarios");
    char *joined = strdup("");
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) {
        char *next;
        if (asprintf(&next, "%s%s%s", joined, i ? " " : "", str_at(s, "name")) < 0)
            abort();
        free(joined);
        joined = next;
    }
    if (root_out)
        *root_out = root;
    else
        json_decref(root);
    return joined;
}

START_TEST(test_shard_and_merge)
{
    char *yaml = write_suite("five.yaml", five, five_rates, 5);
    /* sorted: a-leak b-steady c-leak d-steady e-steady -> shards 1 2 3 1 2 */
    static const char *const want_sorted[] = {"a-leak d-steady", "b-steady e-steady", "c-leak"};
    char *shard[3];
    for (int k = 1; k <= 3; k++) {
        char spec[8], out[16];
        snprintf(spec, sizeof spec, "%d/3", k);
        snprintf(out, sizeof out, "shard%d", k);
        if (asprintf(&shard[k - 1], "%s/%s", dir, out) < 0)
            abort();
        proc p = run((const char *[]){"run", "--no-color", "--seed", "4", "--shard", spec, "-o",
                                      shard[k - 1], yaml, NULL});
        ck_assert_msg(p.status == 0, "shard %s: exit %d\n%s%s", spec, p.status, p.out, p.err);
        proc_free(&p);
        json_t *root = load_results(shard[k - 1]);
        json_t *sh = json_object_get(root, "shard");
        ck_assert_int_eq(json_integer_value(json_object_get(sh, "index")), k);
        ck_assert_int_eq(json_integer_value(json_object_get(sh, "count")), 3);
        json_decref(root);
    }
    /* every scenario in exactly one shard: merged, sorted by name */
    char *merged;
    if (asprintf(&merged, "%s/merged", dir) < 0)
        abort();
    proc p = run((const char *[]){"merge", "--no-color", "-o", merged, shard[2], shard[0],
                                  shard[1], NULL});
    ck_assert_msg(p.status == 0, "merge: exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "5 scenarios: 5 passed"));
    /* the files every report has are written anew, not copied over each other */
    ck_assert_msg(!strstr(p.err, "warning"), "merge warned:\n%s", p.err);
    proc_free(&p);
    json_t *root;
    char *all = names_in(merged, &root);
    ck_assert_str_eq(all, "a-leak b-steady c-leak d-steady e-steady");
    ck_assert(json_is_null(json_object_get(root, "shard")));
    ck_assert(json_is_true(json_object_get(root, "complete")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "summary"),
                                                        "total")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "seed")), 4);
    json_decref(root);
    free(all);
    for (int i = 0; i < 5; i++) {             /* CSVs written, logs copied */
        char *csv, *log;
        if (asprintf(&csv, "%s/%s.csv", merged, five[i]) < 0 ||
            asprintf(&log, "%s/%s.log", merged, five[i]) < 0)
            abort();
        ck_assert_msg(access(csv, R_OK) == 0 && access(log, R_OK) == 0, "%s or %s", csv, log);
        free(csv);
        free(log);
    }
    /* samples read back and written again: the same bytes */
    char *from, *to;
    if (asprintf(&from, "%s/a-leak.csv", shard[0]) < 0 ||
        asprintf(&to, "%s/a-leak.csv", merged) < 0)
        abort();
    char *csv_from = slurp(from), *csv_to = slurp(to);
    ck_assert_ptr_nonnull(csv_from);
    ck_assert_ptr_nonnull(csv_to);
    ck_assert_str_eq(csv_from, csv_to);
    free(csv_from);
    free(csv_to);
    free(from);
    free(to);
    char *junit = NULL;
    if (asprintf(&junit, "%s/junit.xml", merged) < 0)
        abort();
    char *xml = slurp(junit);
    ck_assert_ptr_nonnull(strstr(xml, "tests=\"5\""));
    free(xml);
    free(junit);

    /* the split goes by sorted name, whatever the file order: each shard's set */
    for (int k = 0; k < 3; k++) {
        json_t *r = load_results(shard[k]);
        json_t *arr = json_object_get(r, "scenarios");
        char got[256] = "";
        const char *n[5];
        size_t cnt = json_array_size(arr);
        for (size_t i = 0; i < cnt; i++)
            n[i] = str_at(json_array_get(arr, i), "name");
        for (size_t i = 0; i < cnt; i++)
            for (size_t j = i + 1; j < cnt; j++)
                if (strcmp(n[j], n[i]) < 0) {
                    const char *t = n[i];
                    n[i] = n[j];
                    n[j] = t;
                }
        for (size_t i = 0; i < cnt; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", n[i]);
        ck_assert_str_eq(got, want_sorted[k]);
        json_decref(r);
    }

    /* the merged report reads like the whole suite run at once */
    char *whole = run_report(yaml, "4", "whole", 0);
    p = diff(whole, merged, NULL);
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "5 scenarios compared: 0 regressed, 0 improved; 0 added, 0 removed"));
    proc_free(&p);
    free(whole);
    free(merged);
    for (int k = 0; k < 3; k++)
        free(shard[k]);
    free(yaml);
}
END_TEST

START_TEST(test_shard_and_merge_errors)
{
    char *yaml = write_suite("five.yaml", five, five_rates, 5);
    static const char *const bad[] = {"0/3", "4/3", "3", "a/b", "1/0", "2/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        proc p = run((const char *[]){"run", "--shard", bad[i], yaml, NULL});
        ck_assert_msg(p.status == 2, "--shard %s: exit %d", bad[i], p.status);
        ck_assert_msg(strstr(p.err, "--shard must be K/N"), "%s", p.err);
        proc_free(&p);
    }
    /* a shard with nothing to run is a passing, empty report */
    char *empty, *s1, *s2, *out;
    if (asprintf(&empty, "%s/empty", dir) < 0 || asprintf(&s1, "%s/s1", dir) < 0 ||
        asprintf(&s2, "%s/s2", dir) < 0 || asprintf(&out, "%s/out", dir) < 0)
        abort();
    proc p = run((const char *[]){"run", "-q", "--shard", "7/7", "-o", empty, yaml, NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s", p.status, p.err);
    proc_free(&p);
    p = run((const char *[]){"run", "-q", "--shard", "1/2", "-o", s1, yaml, NULL});
    ck_assert_int_eq(p.status, 0);
    proc_free(&p);

    /* a missing shard: warned, incomplete, exit 1; said so, not "interrupted" */
    p = run((const char *[]){"merge", "-o", out, s1, NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.err, "missing shard 2 of 2"), "%s", p.err);
    ck_assert_msg(strstr(p.out, "missing shard 2 of 2: the report covers 1 of 2 shards"),
                  "%s", p.out);
    ck_assert_msg(!strstr(p.out, "interrupted"), "%s", p.out);
    proc_free(&p);
    json_t *root = load_results(out);
    ck_assert(json_is_false(json_object_get(root, "complete")));
    json_t *ms = json_object_get(root, "missing_shards");
    ck_assert_int_eq(json_integer_value(json_object_get(ms, "of")), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(ms, "shards"), 0)), 2);
    json_decref(root);
    char *html_path, *html;
    if (asprintf(&html_path, "%s/report.html", out) < 0)
        abort();
    html = slurp(html_path);
    ck_assert_msg(strstr(html, "Incomplete: missing shard 2 of 2") &&
                  !strstr(html, "Run interrupted"), "the page's banner");
    free(html);
    free(html_path);

    /* a real conflict (the same log name, other bytes) is still warned about */
    char *extra, *out2;
    if (asprintf(&extra, "%s/s1/notes.txt", dir) < 0 || asprintf(&out2, "%s/out2", dir) < 0)
        abort();
    FILE *nf = fopen(extra, "w");
    fputs("one\n", nf);
    fclose(nf);
    free(extra);

    /* refused: the same report twice, an existing output, a foreign split */
    rm_rf(out);
    p = run((const char *[]){"merge", "-o", out, s1, s1, NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "is in") && strstr(p.err, "refusing to merge"), "%s", p.err);
    ck_assert_int_eq(access(out, F_OK), -1);      /* nothing written */
    proc_free(&p);
    p = run((const char *[]){"merge", "-o", s1, empty, NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "not empty"), "%s", p.err);
    proc_free(&p);
    p = run((const char *[]){"merge", "-o", out, s1, empty, NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "is shard 7/7 but") || strstr(p.err, "of a split in"),
                  "%s", p.err);
    proc_free(&p);
    p = run((const char *[]){"merge", s1, NULL});
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);

    /* a failing scenario fails the merged run */
    static const char *const one[] = {"z-fails"};
    char *failing = write_suite("fails.yaml", one, (double[]){0.5}, 1);
    char *text = slurp(failing);                 /* expect: none -> a rule that breaks */
    char *none = strstr(text, "expect: none\n");
    ck_assert_ptr_nonnull(none);
    *none = '\0';
    FILE *f = fopen(failing, "w");
    fprintf(f, "%sexpect: { heap_bytes: { verdict: flat } }\n", text);
    fclose(f);
    free(text);
    char *fr = run_report(failing, "1", "failing", 1);
    p = run((const char *[]){"run", "-q", "--shard", "2/2", "-o", s2, yaml, NULL});
    ck_assert_int_eq(p.status, 0);
    proc_free(&p);
    p = run((const char *[]){"merge", "-o", out, s1, s2, fr, NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "6 scenarios: 5 passed, 1 failed"));
    proc_free(&p);
    if (asprintf(&extra, "%s/s2/notes.txt", dir) < 0)
        abort();
    nf = fopen(extra, "w");
    fputs("two\n", nf);
    fclose(nf);
    free(extra);
    p = run((const char *[]){"merge", "-o", out2, s1, s2, NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.err, "warning: ") && strstr(p.err, "notes.txt is in the merged report "
                  "already") && !strstr(p.err, "report.html"), "%s", p.err);
    proc_free(&p);
    free(out2);
    free(fr);
    free(failing);
    free(empty);
    free(s1);
    free(s2);
    free(out);
    free(yaml);
}
END_TEST

/* ---- custom metrics ---------------------------------------------------------- */

#define CFIX(f) SRC("tests/compare/fixtures/" f)

/* `drip diff` on two results.json with a workload's own metrics in other
 * slots (tests/compare/fixtures): matched by name, `sessions` flat ->
 * growing regresses, a metric in one run only is listed, not a regression. */
START_TEST(test_diff_custom_metrics)
{
    char *json;
    if (asprintf(&json, "%s/diff.json", dir) < 0)
        abort();
    proc p = diff(CFIX("custom-base.json"), CFIX("custom-new.json"), json);
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "REGRESSED  svc"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "sessions      0 sessions/iter [-0.0100, 0.0100] flat  ->  "
                                "+0.5000 sessions/iter [0.4500, 0.5500] growing\n"
                                "                           (flat -> growing; the new interval"),
                  "%s", p.out);
    ck_assert_msg(strstr(p.out, "same       steady"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "(new metric)") && strstr(p.out, "(metric gone)"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "custom metrics: 1 added, 1 removed (not a regression)"),
                  "%s", p.out);
    ck_assert_ptr_null(strstr(p.out, "sockets"));   /* unchanged: no line without -v */
    proc_free(&p);

    json_error_t jerr;
    json_t *root = json_load_file(json, 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    json_t *m = json_object_get(json_array_get(json_object_get(root, "scenarios"), 0), "metrics");
    json_t *why = json_object_get(json_object_get(m, "sessions"), "regressions");
    ck_assert_str_eq(json_string_value(json_array_get(why, 0)), "verdict");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "old_gauge"),
                                                       "presence")), "removed");
    json_decref(root);
    free(json);

    /* the other way round: sessions got better, the gauges swap roles */
    p = diff(CFIX("custom-new.json"), CFIX("custom-base.json"), NULL);
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "improved   svc"), "%s", p.out);
    proc_free(&p);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("diff");
    TCase *core = drip_tcase(s, "core", test_diff_flags_leaky_twin, test_diff_passes_same_code,
            test_shard_and_merge, test_diff_fail_on_removed, NULL);
    tcase_set_timeout(core, 300);
    tcase_add_checked_fixture(core, setup, teardown);
    TCase *errors = drip_tcase(s, "errors", test_diff_bad_input, test_shard_and_merge_errors, NULL);
    tcase_set_timeout(errors, 300);
    tcase_add_checked_fixture(errors, setup, teardown);
    TCase *custom = drip_tcase(s, "custom", test_diff_custom_metrics, NULL);
    tcase_add_checked_fixture(custom, setup, teardown);
    return s;
}
