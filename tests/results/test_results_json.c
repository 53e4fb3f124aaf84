/* test_results_json.c - results.json, the results model's serialization
 * (harness/results/json.h, from the key table of json_keys.c).
 *
 * "core": the writer's bytes for three models equal golden files (keys
 * added since left out of the comparison).  Those of the report fixtures
 * (report_fixtures.h) and of the model holding every part
 * (read_fixtures.h) were written by drip's hand-made emitter before
 * results.json moved to jansson (main at 78c96ad): the move changed no
 * byte.  The edge model's (every number form, control characters, names
 * outside their enums) is the old emitter's too but for the two
 * differences docs/REPORTS.md lists: -0 is written 0, and 2^64 - 1 (no
 * reader holds it) as a real.  Decoding keeps every key; every row of the
 * key table is read back.
 * "forms": numbers, strings and the classic text forms (json_text.c).
 * "errors": integers beyond 2^63 - 1 named by their key, a syntax error
 * placed in the text as given, a foreign document.
 */
#define _GNU_SOURCE
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "read_fixtures.h"
#include "report_fixtures.h"
#include "results/json.h"
#include "results/json_keys.h"
#include "util/util.h"

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    strbuf sb = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    return sb_take(&sb);
}

/* Leave out of have the object members that want does not hold: keys
 * added after the golden file was written (test_read's round trip covers
 * them).  Everything else stays in its place. */
static void prune(json_t *have, json_t *want)
{
    const char *key;
    json_t *v;
    void *tmp;
    size_t i;
    if (json_is_object(have) && json_is_object(want)) {
        json_object_foreach_safe(have, tmp, key, v) {
            if (!json_object_get(want, key))
                json_object_del(have, key);
            else
                prune(v, json_object_get(want, key));
        }
    } else if (json_is_array(have) && json_is_array(want)) {
        json_array_foreach(have, i, v)
            prune(v, json_array_get(want, i));
    }
}

/* The writer's text for m equals tests/results/NAME, byte for byte (but
 * for keys newer than the file).  On a difference the text is left in
 * DRIP_TEST_DIR/NAME.new, to look at or to copy over the golden file
 * when the difference is meant. */
static void assert_golden(const drip_run_results *m, const char *name)
{
    char *path = xasprintf("%s/tests/results/%s", DRIP_SOURCE_DIR, name);
    char *want = slurp_file(path);
    json_error_t jerr;
    json_t *doc = drip__jdocument(m), *golden = json_loads(want, 0, &jerr);
    ck_assert_msg(golden != NULL, "%s: %s", path, jerr.text);
    prune(doc, golden);
    size_t len;
    char *got = drip__jtext(doc, &len);
    ck_assert_uint_eq(len, strlen(got));
    size_t at = 0;
    while (want[at] && want[at] == got[at])
        at++;
    if (want[at] != got[at]) {
        char *out = xasprintf("%s/%s.new", DRIP_TEST_DIR, name);
        FILE *f = fopen(out, "w");
        if (f) {
            fputs(got, f);
            fclose(f);
        }
        size_t from = at > 80 ? at - 80 : 0;
        ck_abort_msg("%s differs at byte %zu (the text written: %s):\n--- golden\n%.200s\n"
                     "--- now\n%.200s", name, at, out, want + from, got + from);
    }
    json_decref(golden);
    json_decref(doc);
    free(got);
    free(want);
    free(path);
}

static void build_edges(drip_run_results *r)
{
    r->drip_version = xstrdup("0.1.0\b\f\x1f\x0b\x7f/");
    r->seed_set = false;
    r->started_at = NULL;
    r->duration_s = 1e-7;
    r->complete = false;
    drip_result *s = drip_run_results_add(r);
    s->name = xstrdup("edge \"q\" \\ \t\r\n\x1a\x1b\xc2\x80\xe2\x80\xa8 end");
    s->file = xstrdup("");
    s->workload = xstrdup("w\xc0\x80\xed\xbf\xbf\xf4\x90\x80\x80\xf4\x8f\xbf\xbf");
    s->status = (drip_status)7;
    s->seed = 9223372036854775807ULL;
    s->threads = 4294967295u;
    s->iterations = 18446744073709551615ULL;   /* beyond int64: not representable */
    s->iterations_planned = 0;
    s->duration_planned_s = 1e-300;
    s->duration_s = -0.0;
    s->ns_per_iter = 1e20;
    s->warmup = 123456789012345.0;
    s->heap_ceiling = 9007199254740993ULL;
    s->heap_ceiling_hit = true;
    double vals[] = {1.5e-7, -2.5e-5, 1e15, 1e16, 9007199254740992.0, 9007199254740993.0,
                     -1e15, 3.0, -3.0, 0.1, 1.0/3, 1.5e300, DBL_MIN, 5e-324, INFINITY, -INFINITY,
                     NAN, 123456.789e3, 4.5e15, -0.0};
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        s->metrics[m].measured = true;
        s->metrics[m].fit.all.slope = vals[(2 * m) % 20];
        s->metrics[m].fit.all.low = vals[(2 * m + 1) % 20];
        s->metrics[m].fit.all.high = vals[(2 * m + 7) % 20];
        s->metrics[m].fit.tail.slope = vals[(3 * m + 5) % 20];
        s->metrics[m].fit.growth = vals[(m + 11) % 20];
        s->metrics[m].fit.verdict = (drip_verdict)(m % 5);
    }
    for (int i = 0; i < 20; i++) {
        drip_sample smp;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            smp.v[c] = vals[(i + c) % 20];
        drip_result_add_sample(s, &smp);
    }
    s->nexpects = 2;
    s->expects = xcalloc(2, sizeof *s->expects);
    s->expects[0] = (drip_expect_result){77, (drip_rule)9, 1e-9, 0, 2e21, true};
    s->expects[1] = (drip_expect_result){0, DRIP_RULE_VERDICT, 0, (drip_verdict)9, 17, true};
    s->leak_class = (drip_leak_class)55;
    drip_result_add_warning(s, "%s", "");
    drip_result_add_warning(s, "%s", "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x1c\x1d\x1e\x1f");
    s->valgrind.ran = true;
    s->valgrind.skipped = xstrdup("no valgrind here");
    s->valgrind.checked[1] = s->valgrind.checked[2] = true;
    s->valgrind.limit[1] = 5;
    s->valgrind.growth.iterations = 40;
    s->valgrind.growth.problem = xstrdup("killed");
    s->sweep.ran = true;
    s->sweep.modes = 2;
    s->sweep.nfindings = 1;
    s->sweep.findings = xcalloc(1, sizeof *s->sweep.findings);
    s->sweep.findings[0] = (drip_sweep_finding){.mode = 3, .k = 1, .outcome = DRIP_TRIAL_HANG};
    s->profile.ran = true;
    s->profile.late_iteration = 0;
    s->profile.nsites = 12;
    s->profile.sites = xcalloc(12, sizeof *s->profile.sites);
    for (int i = 0; i < 12; i++) {
        s->profile.sites[i].late_bytes = 100.0 * (i + 1);
        s->profile.sites[i].early_bytes = 1;
    }
    s->class_basis = xstrdup("x");
    drip_result *e = drip_run_results_add(r);
    e->name = xstrdup("empty");
    e->ns_per_iter = NAN;
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_golden_report)
{
    assert_golden(&run, "golden-report.json");     /* report_fixtures.h's setup() */
}
END_TEST

START_TEST(test_golden_full)
{
    drip_run_results m = {0};
    build_full_run(&m);
    assert_golden(&m, "golden-full.json");
    drip_run_results_free(&m);
}
END_TEST

START_TEST(test_golden_edges)
{
    drip_run_results m = {0};
    build_edges(&m);
    assert_golden(&m, "golden-edges.json");
    drip_run_results_free(&m);
}
END_TEST

/* Keys whose values come from the samples, which results.json does not
 * hold (the CSVs do): left out of the comparison. */
static void drop_sample_keys(json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_del(v, "samples");
        json_object_del(v, "first");
        json_object_del(v, "last");
        json_object_foreach(v, key, x)
            drop_sample_keys(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            drop_sample_keys(x);
    }
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    ck_assert_msg(root != NULL, "not JSON: %s", jerr.text);
    drop_sample_keys(root);
    return root;
}

/* What is written, decoded and written again holds every key and value
 * (but those of the samples): nothing is dropped on the way through. */
START_TEST(test_decode_keeps_every_key)
{
    drip_run_results m = {0}, back = {0};
    uint64_t *nsamples = NULL;
    char *err = NULL;
    build_full_run(&m);
    size_t len;
    char *text = drip_results_json_text(&m, &len);
    ck_assert_msg(drip_results_json_decode(text, len, "x.json", &back, &nsamples, &err) == 0,
                  "%s", err);
    ck_assert_ptr_null(err);
    ck_assert_uint_eq(back.count, 3);
    ck_assert_uint_eq(nsamples[0], 10);
    ck_assert_uint_eq(nsamples[1], 0);
    char *again = drip_results_json_text(&back, NULL);
    json_t *a = parse(text), *b = parse(again);
    char *as = json_dumps(a, JSON_INDENT(1)), *bs = json_dumps(b, JSON_INDENT(1));
    size_t at = 0;
    while (as[at] && as[at] == bs[at])
        at++;
    at = at > 200 ? at - 200 : 0;
    ck_assert_msg(json_equal(a, b), "lost on the way:\n%.400s\n--- read back\n%.400s", as + at,
                  bs + at);
    free(as);
    free(bs);
    json_decref(a);
    json_decref(b);
    free(again);
    free(text);
    free(nsamples);
    drip_run_results_free(&back);
    drip_run_results_free(&m);
}
END_TEST

/* Keys written but not read: derived, computed again by the writer. */
static bool derived(const char *key)
{
    return key && (strcmp(key, "summary") == 0 || strcmp(key, "bytes_n") == 0);
}

static int check_rows(const drip_jtable *t, int depth)
{
    int rows = 0;
    ck_assert_int_lt(depth, 10);
    for (size_t i = 0; i < t->nrows; i++) {
        const drip_jrow *row = &t->rows[i];
        rows++;
        if (row->kind == DRIP_J_CUSTOM || row->put || row->get)
            ck_assert_msg((row->put != NULL) == (row->kind == DRIP_J_CUSTOM || row->put) &&
                          (row->get || derived(row->key)),
                          "key %s is written but never read back", row->key);
        if (row->sub)
            rows += check_rows(row->sub, depth + 1);
        if (row->kind == DRIP_J_EACH || row->kind == DRIP_J_LIST)
            ck_assert_ptr_nonnull(row->names);
        if (row->kind == DRIP_J_EACH)
            ck_assert_msg(!row->present || row->omit, "an EACH row is left out, never null");
    }
    return rows;
}

/* A row that is written is read back, unless it is derived: a field given
 * a row can never be dropped by drip merge. */
START_TEST(test_every_row_read_back)
{
    ck_assert_int_gt(check_rows(&drip__j_run, 0), 100);
}
END_TEST

/* ---- forms -------------------------------------------------------------------- */

static char *dump(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) |
                            JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

START_TEST(test_numbers)
{
    static const struct { double v; const char *want; } cases[] = {
        {3, "3"}, {-3, "-3"}, {-0.0, "0"}, {0.1, "0.1"}, {1.0 / 3, "0.333333333333333"},
        {999999999999999, "999999999999999"}, {1e15, "1e15"}, {4.5e15, "4.5e15"},
        {1.5e-7, "1.5e-7"}, {2.0000000000000004, "2"}, {NAN, "null"}, {INFINITY, "null"},
        {-INFINITY, "null"}, {1.5e300, "1.5e300"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = dump(drip__jnumber(cases[i].v));
        ck_assert_msg(strcmp(s, cases[i].want) == 0, "%.17g: %s, not %s", cases[i].v, s,
                      cases[i].want);
        free(s);
    }
    char *s = dump(drip__juint(9223372036854775807ULL));
    ck_assert_str_eq(s, "9223372036854775807");
    free(s);
    s = dump(drip__juint(UINT64_MAX));                /* beyond any JSON integer */
    ck_assert_str_eq(s, "1.84467440737096e19");
    free(s);
}
END_TEST

START_TEST(test_strings)
{
    char *s = dump(drip__jstring(NULL));
    ck_assert_str_eq(s, "null");
    free(s);
    s = dump(drip__jstring(UTF8_EDGES));
    ck_assert_str_eq(s, "\"" UTF8_EDGES_FIXED "\"");
    free(s);
    s = dump(drip__jstring("a\"\\\n\x01\xc3\xa9\xff"));
    ck_assert_str_eq(s, "\"a\\\"\\\\\\n\\u0001\xc3\xa9\xef\xbf\xbd\"");
    free(s);
}
END_TEST

static void assert_classic(const char *in, const char *want)
{
    size_t len;
    char *got = drip__jclassic(in, strlen(in), &len);
    ck_assert_uint_eq(len, strlen(got));
    ck_assert_msg(strcmp(got, want) == 0, "\n%s\nbecame\n%s\nnot\n%s", in, got, want);
    free(got);
}

START_TEST(test_classic_forms)
{
    /* arrays of integers on one line; others, and empty ones, as they are */
    assert_classic("{\n  \"a\": [\n    3,\n    -7,\n    8\n  ],\n  \"b\": []\n}",
                   "{\n  \"a\": [3, -7, 8],\n  \"b\": []\n}");
    assert_classic("[\n  \"3\",\n  4\n]", "[\n  \"3\",\n  4\n]");
    assert_classic("[\n  {\n    \"k\": [\n      1\n    ]\n  }\n]", "[\n  {\n    \"k\": [1]\n  }\n]");
    assert_classic("[\n  1.5\n]", "[\n  1.5\n]");
    /* exponents with a sign and two digits; true, false and strings untouched */
    assert_classic("[1.5e-7, 1e20, 2.5e-300, 1e15, true, false, \"1e5\"]",
                   "[1.5e-07, 1e+20, 2.5e-300, 1e+15, true, false, \"1e5\"]");
    /* control characters as \u00xx in lower case; other escapes as they are */
    assert_classic("\"\\b\\f\\u001F\\u000B\\n\\\"\\\\b\"", "\"\\u0008\\u000c\\u001f\\u000b\\n\\\"\\\\b\"");
    assert_classic("", "");
}
END_TEST

/* ---- errors ------------------------------------------------------------------- */

/* Decoding text fails with an error equal to want (starting "t.json"). */
static void expect_error(const char *text, const char *want)
{
    drip_run_results m = {0};
    uint64_t *nsamples = (uint64_t *)&m;        /* must come back NULL */
    char *err = NULL;
    ck_assert_int_eq(drip_results_json_decode(text, strlen(text), "t.json", &m, &nsamples, &err),
                     -1);
    ck_assert_ptr_null(nsamples);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strcmp(err, want) == 0, "\n%s\nnot\n%s", err, want);
    ck_assert_uint_eq(m.count, 0);
    ck_assert_ptr_null(m.scenarios);
    free(err);
}

START_TEST(test_big_integers)
{
    expect_error("{\"drip_version\": \"0.1.0\", \"seed\": 18446744073709551615, \"scenarios\": []}",
                 "t.json: seed: 18446744073709551615 is larger than 9223372036854775807, the "
                 "largest seed a report can hold (reports of drip before 0.2 could hold it)");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\",\n"
                 "  \"sweep\": {\"warmup\": 123456789012345678901234567890}}]}",
                 "t.json: scenarios[0].sweep.warmup: 123456789012345678901234567890 is larger "
                 "than 9223372036854775807, the largest integer a report can hold");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", "
                 "\"iterations\": -99999999999999999999}]}",
                 "t.json: scenarios[0].iterations: expected a non-negative integer");
    /* a syntax error after a big integer: placed in the text as given */
    expect_error("{\"drip_version\": \"0.1.0\",\n \"x\": 99999999999999999999, "
                 "\"scenarios\": [{\"name\": \"a\" \"seed\": 1}]}",
                 "t.json:2:61: not valid JSON: '}' expected near '\"seed\"'");
    /* where no key reads it, a big integer is no error */
    drip_run_results m = {0};
    uint64_t *nsamples = NULL;
    char *err = NULL;
    const char *ok = "{\"drip_version\": \"0.1.0\", \"newer\": [18446744073709551616, 1],"
                     " \"scenarios\": [{\"name\": \"a\", \"duration_s\": 1e400}]}";
    ck_assert_int_eq(drip_results_json_decode(ok, strlen(ok), "t.json", &m, &nsamples, &err), -1);
    ck_assert_msg(strstr(err, "real number overflow"), "%s", err);     /* a real: jansson's */
    free(err);
    ok = "{\"drip_version\": \"0.1.0\", \"newer\": [18446744073709551616, 1],"
         " \"scenarios\": [{\"name\": \"a\", \"duration_s\": 99999999999999999999}]}";
    ck_assert_msg(drip_results_json_decode(ok, strlen(ok), "t.json", &m, &nsamples, &err) == 0,
                  "%s", err);
    ck_assert(m.scenarios[0].duration_s == 1e20);      /* a number where a number goes */
    free(nsamples);
    drip_run_results_free(&m);
}
END_TEST

START_TEST(test_not_results)
{
    expect_error("[1]", "t.json: not a drip results.json (no drip_version and scenarios)");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [1]}",
                 "t.json: scenarios[0]: expected an object");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", \"valgrind\": "
                 "{\"checks\": [{\"max\": 1}]}}]}",
                 "t.json: scenarios[0].valgrind.checks[0].check: missing");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", \"valgrind\": "
                 "{\"growth\": {\"iterations\": [1]}}}]}",
                 "t.json: scenarios[0].valgrind.growth.iterations: expected [N, 2N]");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", \"profile\": "
                 "{\"growing_sites\": [{\"frames\": [{\"line\": 2147483648}]}]}}]}",
                 "t.json: scenarios[0].profile.growing_sites[0].frames[0].line: 2147483648 is "
                 "too large");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", \"faults\": "
                 "[{\"nth\": [0]}]}]}", "t.json: scenarios[0].faults[0].nth: expected positive "
                 "integers");
    expect_error("{\"drip_version\": \"0.1.0\", \"scenarios\": [{\"name\": \"a\", \"sweep\": "
                 "{\"modes\": [{\"mode\": \"sideways\"}]}}]}",
                 "t.json: scenarios[0].sweep.modes[0].mode: unknown value 'sideways'");
}
END_TEST

static Suite *suite_results_json(void)
{
    Suite *s = suite_create("results_json");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_golden_report);
    tcase_add_test(core, test_golden_full);
    tcase_add_test(core, test_golden_edges);
    tcase_add_test(core, test_decode_keeps_every_key);
    tcase_add_test(core, test_every_row_read_back);
    suite_add_tcase(s, core);
    TCase *forms = tcase_create("forms");
    tcase_add_test(forms, test_numbers);
    tcase_add_test(forms, test_strings);
    tcase_add_test(forms, test_classic_forms);
    suite_add_tcase(s, forms);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_big_integers);
    tcase_add_test(errors, test_not_results);
    suite_add_tcase(s, errors);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_results_json();
}
