/* test_report.c - the report formats over a hand-built results model
 * (report_fixtures.h: one scenario of each status, NaN slopes, an
 * unmeasured metric, and text full of characters that JSON and XML must
 * escape).  JSON is parsed back with jansson, JUnit with expat.  The
 * judge's and the classifier's own numbers are in test_judge.c; the
 * report directory's files in test_write_dir.c.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <expat.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "report/report.h"
#include "runner/runner.h"
#include "util/util.h"

#include "report_fixtures.h"

/* ---- results ------------------------------------------------------------- */

START_TEST(test_results_model)
{
    ck_assert_str_eq(drip_status_name(DRIP_STATUS_PASS), "pass");
    ck_assert_str_eq(drip_status_name(DRIP_STATUS_FAIL), "fail");
    ck_assert_str_eq(drip_status_name(DRIP_STATUS_ERROR), "error");

    drip_run_counts c = drip_run_results_count(&run);
    ck_assert_uint_eq(c.pass, 1);
    ck_assert_uint_eq(c.fail, 1);
    ck_assert_uint_eq(c.error, 1);
    ck_assert_uint_eq(run.scenarios[0].nsamples, 10);
    ck_assert_str_eq(run.scenarios[0].warnings[0], "sampler fell behind by 12 ms");

    /* growth keeps earlier entries and hands out zeroed ones */
    drip_run_results many = {0};
    for (int i = 0; i < 100; i++) {
        drip_result *r = drip_run_results_add(&many);
        ck_assert_ptr_null(r->name);
        ck_assert_uint_eq(r->nsamples, 0);
        ck_assert_int_eq(r->metrics[DRIP_M_FDS].measured, false);
        r->name = xasprintf("s%d", i);
        r->status = i % 3;
        for (int k = 0; k < i; k++) {
            drip_sample s = {{k}};
            drip_result_add_sample(r, &s);
        }
    }
    ck_assert_uint_eq(many.count, 100);
    ck_assert_str_eq(many.scenarios[57].name, "s57");
    ck_assert_uint_eq(many.scenarios[57].nsamples, 57);
    ck_assert(many.scenarios[57].samples[56].v[0] == 56);
    c = drip_run_results_count(&many);
    ck_assert_uint_eq(c.pass + c.fail + c.error, 100);
    ck_assert_uint_eq(c.error, 33);

    drip_run_results_free(&many);
    ck_assert_uint_eq(many.count, 0);
    ck_assert_ptr_null(many.scenarios);
    drip_run_results_free(&many);           /* twice is harmless */
    drip_run_results_free(NULL);
}
END_TEST

/* ---- json ---------------------------------------------------------------- */

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    size_t at = jerr.position > 100 ? (size_t)jerr.position - 100 : 0;
    ck_assert_msg(root != NULL, "invalid JSON at line %d: %s, near:\n%.200s", jerr.line,
                  jerr.text, text + at);
    return root;
}

/* The object has exactly these keys. */
static void assert_keys(json_t *obj, const char *const *keys)
{
    size_t n = 0;
    ck_assert(json_is_object(obj));
    for (; keys[n]; n++)
        ck_assert_msg(json_object_get(obj, keys[n]) != NULL, "missing key %s", keys[n]);
    ck_assert_uint_eq(json_object_size(obj), n);
}

#define GET(obj, key) json_object_get((obj), (key))

static void assert_int(json_t *obj, const char *key, json_int_t want)
{
    json_t *v = GET(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    ck_assert_int_eq(json_integer_value(v), want);
}

static void assert_real(json_t *obj, const char *key, double want)
{
    json_t *v = GET(obj, key);
    ck_assert_msg(json_is_number(v), "%s is not a number", key);
    ck_assert_double_eq_tol(json_number_value(v), want, 1e-9);
}

static void assert_str(json_t *obj, const char *key, const char *want)
{
    json_t *v = GET(obj, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    ck_assert_str_eq(json_string_value(v), want);
}

static void assert_null(json_t *obj, const char *key)
{
    ck_assert_msg(json_is_null(GET(obj, key)), "%s is not null", key);
}

START_TEST(test_json_contract)
{
    char *text = CAPTURE(drip_report_json(&run, f));
    const char *start = "{\n  \"drip_version\": \"0.1.0\",\n  \"seed\": 1,\n";
    ck_assert_msg(strncmp(text, start, strlen(start)) == 0,
                  "not pretty-printed as expected:\n%.2000s", text);
    ck_assert_ptr_nonnull(strstr(text, "\"first_iterations\": [3, 7, 8]"));
    ck_assert_ptr_nonnull(strstr(text, "\\u0001"));
    json_t *root = parse_json(text);

    static const char *const top_keys[] = {"drip_version", "seed", "started_at", "duration_s",
                                           "complete", "shard", "missing_shards", "summary",
                                           "scenarios", NULL};
    assert_keys(root, top_keys);
    assert_null(root, "shard");                 /* not sharded */
    assert_null(root, "missing_shards");        /* not a merge that lacks shards */
    assert_str(root, "drip_version", "0.1.0");
    assert_int(root, "seed", 1);
    assert_str(root, "started_at", "2026-11-25T17:00:00Z");
    assert_real(root, "duration_s", 12.5);
    ck_assert(json_is_true(GET(root, "complete")));

    json_t *sum = GET(root, "summary");
    static const char *const sum_keys[] = {"total", "pass", "fail", "error", NULL};
    assert_keys(sum, sum_keys);
    assert_int(sum, "total", 3);
    assert_int(sum, "pass", 1);
    assert_int(sum, "fail", 1);
    assert_int(sum, "error", 1);

    json_t *scs = GET(root, "scenarios");
    ck_assert(json_is_array(scs));
    ck_assert_uint_eq(json_array_size(scs), 3);
    static const char *const sc_keys[] = {
        "name", "file", "workload", "description", "status", "reason", "crash_stack", "seed",
        "repeat", "threads",
        "iterations", "iterations_planned", "duration_planned_s", "failed_iterations",
        "duration_s", "ns_per_iter", "settle", "warmup",
        "heap_ceiling", "heap_ceiling_hit", "samples", "metrics", "after_teardown",
        "expect", "expectations", "classification", "valgrind", "sweep", "profile", "faults", "warnings",
        "interrupted", "program", NULL};
    for (size_t i = 0; i < 3; i++)
        assert_keys(json_array_get(scs, i), sc_keys);

    /* the passing scenario */
    json_t *s = json_array_get(scs, 0);
    assert_str(s, "name", "global-map-leaky");
    assert_str(s, "file", "scenarios/global-map/leaky.yaml");
    assert_str(s, "workload", "global-map-leaky");
    assert_null(s, "description");
    assert_str(s, "status", "pass");
    assert_null(s, "reason");
    assert_null(s, "crash_stack");
    assert_null(s, "repeat");                /* only drip run --repeat fills it */
    assert_null(s, "settle");                /* only a worker's run fills it */
    assert_str(s, "expect", "rules");        /* the fixture's own expectations */
    assert_null(s, "sweep");                 /* only drip sweep fills it */
    assert_int(s, "seed", 1);
    assert_int(s, "threads", 1);
    assert_int(s, "iterations", 20000);
    assert_int(s, "iterations_planned", 20000);
    assert_int(s, "failed_iterations", 0);
    assert_real(s, "duration_s", 1.2);
    assert_real(s, "ns_per_iter", 60.25);
    assert_real(s, "warmup", 0.2);
    assert_int(s, "heap_ceiling", 1073741824);
    ck_assert(json_is_false(GET(s, "heap_ceiling_hit")));
    assert_int(s, "samples", 10);

    json_t *metrics = GET(s, "metrics");
    ck_assert_uint_eq(json_object_size(metrics), 5);        /* fds was not measured */
    ck_assert_ptr_null(GET(metrics, "fds"));
    const char *key;
    json_t *val;
    int m = 0;
    json_object_foreach(metrics, key, val) {                 /* table order */
        while (m < DRIP_M_COUNT && strcmp(drip_metrics[m].name, key) != 0)
            m++;
        ck_assert_msg(m < DRIP_M_COUNT, "metric %s out of table order", key);
    }
    json_t *hb = GET(metrics, "heap_bytes");
    static const char *const metric_keys[] = {"unit", "slope", "slope_low", "slope_high",
                                              "verdict", "tail_slope", "growth", "change_at",
                                              "change_slope", "first", "last", NULL};
    assert_keys(hb, metric_keys);
    assert_str(hb, "unit", "B");
    assert_real(hb, "slope", 310.2);
    assert_real(hb, "slope_low", 300.1);
    assert_real(hb, "slope_high", 320.5);
    assert_str(hb, "verdict", "growing");
    assert_real(hb, "tail_slope", 309);
    assert_int(hb, "growth", 4963200);
    assert_int(hb, "change_at", 6000);                      /* window_start = 2 */
    assert_real(hb, "change_slope", 309);
    assert_int(hb, "first", 1234 + 310 * 6000);            /* window_start = 2 */
    assert_int(hb, "last", 1234 + 310 * 20000);
    json_t *allocs = GET(metrics, "allocs");                 /* NaN -> null */
    assert_keys(allocs, metric_keys);
    assert_null(allocs, "slope");
    assert_null(allocs, "slope_low");
    assert_null(allocs, "tail_slope");
    assert_null(allocs, "growth");
    assert_null(allocs, "change_at");
    assert_null(allocs, "change_slope");
    assert_str(allocs, "verdict", "unknown");
    assert_real(allocs, "first", 2 * 6000 + 0.5);
    assert_str(GET(metrics, "heap_objects"), "unit", "objects");

    json_t *exps = GET(s, "expectations");
    ck_assert_uint_eq(json_array_size(exps), 1);
    json_t *e = json_array_get(exps, 0);
    static const char *const exp_keys[] = {"metric", "rule", "limit", "actual", "ok", NULL};
    assert_keys(e, exp_keys);
    assert_str(e, "metric", "threads");
    assert_str(e, "rule", "verdict");
    assert_str(e, "limit", "flat");
    assert_str(e, "actual", "flat");
    ck_assert(json_is_true(GET(e, "ok")));

    json_t *faults = GET(s, "faults");
    ck_assert_uint_eq(json_array_size(faults), 1);
    json_t *fault = json_array_get(faults, 0);
    static const char *const fault_keys[] = {"point", "rate", "asked", "fired",
                                             "first_iterations", NULL};
    assert_keys(fault, fault_keys);
    assert_str(fault, "point", "cache.miss");
    assert_real(fault, "rate", 0.25);
    assert_int(fault, "asked", 20000);
    assert_int(fault, "fired", 5012);
    json_t *firsts = GET(fault, "first_iterations");
    ck_assert_uint_eq(json_array_size(firsts), 3);
    ck_assert_int_eq(json_integer_value(json_array_get(firsts, 0)), 3);
    ck_assert_int_eq(json_integer_value(json_array_get(firsts, 2)), 8);

    json_t *warns = GET(s, "warnings");
    ck_assert_uint_eq(json_array_size(warns), 2);
    ck_assert_str_eq(json_string_value(json_array_get(warns, 0)), "sampler fell behind by 12 ms");
    ck_assert_str_eq(json_string_value(json_array_get(warns, 1)), UTF8_EDGES_FIXED);

    /* the failing scenario: slope rules carry numbers, NaN actual is null */
    s = json_array_get(scs, 1);
    assert_str(s, "status", "fail");
    assert_str(s, "reason", "heap_bytes grew <fast> & \"loud\"\nsecond line");
    assert_str(s, "description", NASTY_DESC_JSON);
    assert_int(s, "seed", 7);
    assert_int(s, "threads", 4);
    assert_int(s, "failed_iterations", 3);
    ck_assert(json_is_true(GET(s, "heap_ceiling_hit")));
    ck_assert_uint_eq(json_object_size(GET(s, "metrics")), 1);
    exps = GET(s, "expectations");
    ck_assert_uint_eq(json_array_size(exps), 2);
    e = json_array_get(exps, 0);
    assert_str(e, "metric", "heap_bytes");
    assert_str(e, "rule", "max_slope");
    assert_int(e, "limit", 0);
    assert_real(e, "actual", 12.5);
    ck_assert(json_is_false(GET(e, "ok")));
    e = json_array_get(exps, 1);
    assert_str(e, "rule", "min_slope");
    assert_real(e, "limit", 0.5);
    assert_null(e, "actual");
    /* scheduled faults: `every` and `nth` as given, and no `rate` */
    faults = GET(s, "faults");
    ck_assert_uint_eq(json_array_size(faults), 3);
    fault = json_array_get(faults, 0);
    static const char *const both_keys[] = {"point", "every", "nth", "asked", "fired",
                                            "first_iterations", NULL};
    assert_keys(fault, both_keys);
    assert_str(fault, "point", "alloc");
    assert_int(fault, "every", 100);
    json_t *nth = GET(fault, "nth");
    ck_assert_uint_eq(json_array_size(nth), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(nth, 0)), 3);
    ck_assert_int_eq(json_integer_value(json_array_get(nth, 1)), 5);
    assert_int(fault, "asked", 15000);
    assert_int(fault, "fired", 100);
    ck_assert_uint_eq(json_array_size(GET(fault, "first_iterations")), 2);
    fault = json_array_get(faults, 1);
    static const char *const every_keys[] = {"point", "every", "asked", "fired",
                                             "first_iterations", NULL};
    assert_keys(fault, every_keys);
    assert_int(fault, "every", 10);
    fault = json_array_get(faults, 2);
    static const char *const nth_keys[] = {"point", "nth", "asked", "fired",
                                           "first_iterations", NULL};
    assert_keys(fault, nth_keys);
    ck_assert_uint_eq(json_array_size(GET(fault, "nth")), 1);
    ck_assert_int_eq(json_integer_value(json_array_get(GET(fault, "nth"), 0)), 5);
    ck_assert_uint_eq(json_array_size(GET(fault, "first_iterations")), 0);
    ck_assert_uint_eq(json_array_size(GET(s, "warnings")), 0);

    /* the erroring scenario: no samples, NaN duration */
    s = json_array_get(scs, 2);
    assert_str(s, "status", "error");
    assert_str(s, "reason", "crashed: SIGSEGV (Segmentation fault) at iteration ~412\nbacktrace: ...");
    assert_null(s, "duration_s");
    assert_null(s, "ns_per_iter");                 /* never timed: NaN from drip_run_results_add */
    assert_int(s, "samples", 0);
    assert_int(s, "iterations", 412);
    ck_assert_uint_eq(json_object_size(GET(s, "metrics")), 0);

    json_decref(root);
    free(text);
}
END_TEST

START_TEST(test_json_seed_null_and_empty)
{
    run.seed_set = false;
    run.complete = false;
    char *text = CAPTURE(drip_report_json(&run, f));
    json_t *root = parse_json(text);
    assert_null(root, "seed");
    ck_assert(json_is_false(GET(root, "complete")));
    json_decref(root);
    free(text);

    drip_run_results empty = {0};               /* nothing set at all */
    text = CAPTURE(drip_report_json(&empty, f));
    root = parse_json(text);
    assert_null(root, "drip_version");
    assert_null(root, "started_at");
    assert_int(GET(root, "summary"), "total", 0);
    ck_assert_uint_eq(json_array_size(GET(root, "scenarios")), 0);
    ck_assert_ptr_nonnull(strstr(text, "\"scenarios\": []"));
    json_decref(root);
    free(text);
}
END_TEST

START_TEST(test_json_write_error)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        return;                                   /* no /dev/full here */
    setvbuf(f, NULL, _IONBF, 0);
    ck_assert_int_eq(drip_report_json(&run, f), -1);
    fclose(f);
}
END_TEST

/* ---- junit --------------------------------------------------------------- */

typedef struct xml_seen {
    int testcases, failures, errors, depth;
    char *classnames;          /* "a|b|c|" */
    char *failure_message, *error_message;
    strbuf text;               /* all character data */
    strbuf path;               /* element names seen, in order, "/"-joined */
} xml_seen;

static const char *xml_attr_get(const char **attrs, const char *name)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

static void XMLCALL xml_start(void *ud, const char *el, const char **attrs)
{
    xml_seen *x = ud;
    sb_appendf(&x->path, "%s/", el);
    x->depth++;
    if (strcmp(el, "testcase") == 0) {
        const char *cn = xml_attr_get(attrs, "classname");
        ck_assert_ptr_nonnull(cn);
        char *joined = xasprintf("%s%s|", x->classnames ? x->classnames : "", cn);
        free(x->classnames);
        x->classnames = joined;
        x->testcases++;
    } else if (strcmp(el, "failure") == 0) {
        x->failures++;
        ck_assert_str_eq(xml_attr_get(attrs, "type"), "expectation");
        x->failure_message = xstrdup(xml_attr_get(attrs, "message"));
    } else if (strcmp(el, "error") == 0) {
        x->errors++;
        ck_assert_str_eq(xml_attr_get(attrs, "type"), "error");
        x->error_message = xstrdup(xml_attr_get(attrs, "message"));
    } else if (strcmp(el, "testsuite") == 0) {
        ck_assert_str_eq(xml_attr_get(attrs, "tests"), "3");
        ck_assert_str_eq(xml_attr_get(attrs, "failures"), "1");
        ck_assert_str_eq(xml_attr_get(attrs, "errors"), "1");
        ck_assert_str_eq(xml_attr_get(attrs, "skipped"), "0");
        ck_assert_str_eq(xml_attr_get(attrs, "time"), "12.500");
        ck_assert_str_eq(xml_attr_get(attrs, "timestamp"), "2026-11-25T17:00:00");
    }
}

static void XMLCALL xml_end(void *ud, const char *el)
{
    xml_seen *x = ud;
    (void)el;
    x->depth--;
}

static void XMLCALL xml_chars(void *ud, const char *s, int len)
{
    xml_seen *x = ud;
    sb_appendn(&x->text, s, (size_t)len);
}

START_TEST(test_junit)
{
    char *text = CAPTURE(drip_report_junit(&run, f));

    /* the raw text */
    const char *start = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<testsuites name=\"drip\" tests=\"3\" failures=\"1\" "
                        "errors=\"1\" time=\"12.500\">\n";
    ck_assert_msg(strncmp(text, start, strlen(start)) == 0, "%.2000s", text);
    ck_assert_ptr_null(strstr(text, "<script>"));
    ck_assert_ptr_nonnull(strstr(text, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                                       "&amp; &apos;q&apos;"));
    ck_assert_ptr_null(strchr(text, '\x01'));
    ck_assert_ptr_nonnull(strstr(text, "<testcase name=\"global-map-leaky\" "
                                       "classname=\"drip.scenarios.global-map.leaky\" "
                                       "file=\"scenarios/global-map/leaky.yaml\" time=\"1.200\">"));
    ck_assert_ptr_nonnull(strstr(text, "<failure message=\"heap_bytes grew &lt;fast&gt; &amp; "
                                       "&quot;loud&quot;\" type=\"expectation\">"));
    ck_assert_ptr_nonnull(strstr(text, "heap_bytes max_slope: limit 0 B/iter, actual "
                                       "+12.5 B/iter: FAILED"));
    ck_assert_ptr_nonnull(strstr(text, "fds min_slope: limit +0.5000 fds/iter, actual n/a: FAILED"));
    ck_assert_ptr_nonnull(strstr(text, "<error message=\"crashed: SIGSEGV (Segmentation fault) "
                                       "at iteration ~412\" type=\"error\">"));
    ck_assert_ptr_nonnull(strstr(text, "time=\"0.000\""));          /* NaN duration */
    ck_assert_ptr_nonnull(strstr(text, "heap_bytes: +310 B/iter"));
    ck_assert_ptr_nonnull(strstr(text, "warning: sampler fell behind by 12 ms"));

    /* parsed */
    xml_seen x = {0};
    XML_Parser p = XML_ParserCreate("UTF-8");
    XML_SetUserData(p, &x);
    XML_SetElementHandler(p, xml_start, xml_end);
    XML_SetCharacterDataHandler(p, xml_chars);
    int ok = XML_Parse(p, text, (int)strlen(text), 1) == XML_STATUS_OK;
    ck_assert_msg(ok, "junit.xml is not well-formed at line %lu: %s\n%.2000s",
                  (unsigned long)XML_GetCurrentLineNumber(p),
                  XML_ErrorString(XML_GetErrorCode(p)), text);
    XML_ParserFree(p);

    ck_assert_int_eq(x.depth, 0);
    ck_assert_int_eq(x.testcases, 3);
    ck_assert_int_eq(x.failures, 1);
    ck_assert_int_eq(x.errors, 1);
    ck_assert_str_eq(x.path.buf, "testsuites/testsuite/"
                                 "testcase/system-out/"
                                 "testcase/failure/system-out/"
                                 "testcase/error/system-out/");
    ck_assert_str_eq(x.classnames, "drip.scenarios.global-map.leaky|"
                                   "drip.scenarios.global-map.lru|drip.x.crashy|");
    ck_assert_str_eq(x.failure_message, "heap_bytes grew <fast> & \"loud\"");
    ck_assert_str_eq(x.error_message, "crashed: SIGSEGV (Segmentation fault) at iteration ~412");
    ck_assert_ptr_nonnull(strstr(x.text.buf, NASTY_DESC_XML));
    ck_assert_ptr_nonnull(strstr(x.text.buf, "backtrace: ..."));
    ck_assert_ptr_nonnull(strstr(x.text.buf, UTF8_EDGES_FIXED));

    free(x.classnames);
    free(x.failure_message);
    free(x.error_message);
    sb_free(&x.text);
    sb_free(&x.path);
    free(text);
}
END_TEST

START_TEST(test_junit_classnames)
{
    static const struct { const char *file, *want; } cases[] = {
        {"scenarios/global-map/leaky.yaml", "drip.scenarios.global-map.leaky"},
        {"./a/b.yaml", "drip.a.b"},
        {"../../a/./b/c.d.yml", "drip.a.b.c.d"},
        {"/abs/path/x.yaml", "drip.abs.path.x"},
        {"noext", "drip.noext"},
        {"dir.v2/.hidden", "drip.dir.v2..hidden"},
        {"./", "drip.fallback"},
        {NULL, "drip.fallback"},
    };
    drip_run_results one = {0};
    drip_result *r = drip_run_results_add(&one);
    r->name = xstrdup("fallback");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        free(r->file);
        r->file = xstrdup(cases[i].file);
        char *text = CAPTURE(drip_report_junit(&one, f));
        char *want = xasprintf("classname=\"%s\"", cases[i].want);
        ck_assert_msg(strstr(text, want) != NULL, "%s: want %s in\n%.2000s",
                      cases[i].file ? cases[i].file : "(null)", want, text);
        free(want);
        free(text);
    }
    drip_run_results_free(&one);
}
END_TEST

/* ---- csv ----------------------------------------------------------------- */

START_TEST(test_csv)
{
    char *text = CAPTURE(drip_report_csv(&run.scenarios[0], f));

    /* the contract, and the same thing derived from the table */
    const char *header = "iteration,time_s,heap_bytes,heap_objects,allocs,rss,threads,fds";
    ck_assert_msg(strncmp(text, header, strlen(header)) == 0, "%.2000s", text);
    strbuf want = {0};
    sb_append(&want, "iteration,time_s");
    for (int m = 0; m < DRIP_M_COUNT; m++)
        sb_appendf(&want, ",%s", drip_metrics[m].name);
    sb_append(&want, "\n");
    ck_assert(strncmp(text, want.buf, want.len) == 0);

    /* row 1: iteration 2000 at 0.12 s; allocs is 4000.5; fds NaN -> empty */
    const char *row1 = text + want.len;
    const char *want1 = "2000,0.120000,621234,2010,4000.5,4194304,1,,0,0,0\n";
    ck_assert_msg(strncmp(row1, want1, strlen(want1)) == 0, "%.2000s", row1);
    int rows = 0;
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    ck_assert_int_eq(rows, 11);
    ck_assert_ptr_nonnull(strstr(text, "\n20000,1.200000,6201234,20010,40000.5,4194304,1,,0,0,0\n"));
    free(text);

    /* no samples: just the header */
    text = CAPTURE(drip_report_csv(&run.scenarios[2], f));
    ck_assert_str_eq(text, want.buf);
    free(text);
    sb_free(&want);
}
END_TEST

/* ---- terminal ------------------------------------------------------------ */

static char *line_of(const drip_result *r, bool color)
{
    return CAPTURE(drip_report_terminal_line(r, f, color));
}

START_TEST(test_terminal_lines)
{
    char *pass = line_of(&run.scenarios[0], false);
    ck_assert_msg(strncmp(pass, "PASS   global-map-leaky          heap_bytes", 43) == 0,
                  "%s", pass);
    ck_assert_ptr_nonnull(strstr(pass, "heap_bytes +310 B/iter growing, "
                                       "heap_objects +1 objects/iter growing, "
                                       "threads 0 threads/iter flat  "
                                       "(20000 iter, 1.20 s, 60 ns/iter)\n"));
    ck_assert_ptr_null(strstr(pass, "rss"));       /* flat and no expectation */
    ck_assert_ptr_null(strstr(pass, "allocs"));    /* unknown and no expectation */
    ck_assert_ptr_null(strchr(pass, '\033'));

    /* a failure gives the first line of the reason ... */
    char *fail = line_of(&run.scenarios[1], false);
    ck_assert_ptr_nonnull(strstr(fail, "FAIL   global-map-lru"));
    ck_assert_ptr_nonnull(strstr(fail, "heap_bytes +12.5 B/iter growing, fds not measured  — "
                                       "heap_bytes grew <fast> & \"loud\"\n"));
    ck_assert_ptr_null(strchr(fail, '\033'));
    /* ... or, without one, the expectations that broke */
    free(run.scenarios[1].reason);
    run.scenarios[1].reason = NULL;
    char *derived = line_of(&run.scenarios[1], false);
    ck_assert_ptr_nonnull(strstr(derived, "fds not measured  — "
                                          "heap_bytes: slope +12.5 B/iter > max 0 B/iter; "
                                          "fds: no slope to compare with min +0.5000 fds/iter\n"));

    char *err = line_of(&run.scenarios[2], false);
    ck_assert_str_eq(err, "ERROR  crashy                    "
                          "crashed: SIGSEGV (Segmentation fault) at iteration ~412\n");

    char *colored = line_of(&run.scenarios[0], true);
    ck_assert_ptr_nonnull(strstr(colored, "\033[32mPASS\033[0m"));
    ck_assert_ptr_nonnull(strstr(colored, "\033[2m"));
    char *colored_err = line_of(&run.scenarios[2], true);
    ck_assert_ptr_nonnull(strstr(colored_err, "\033[1;31mERROR\033[0m"));

    /* control characters in a reason are defused */
    drip_result *r = &run.scenarios[1];
    r->nexpects = 0;
    free(r->reason);
    r->reason = xstrdup("heap ceiling hit \033[2J\nmore");
    char *ceiling = line_of(r, false);
    ck_assert_ptr_nonnull(strstr(ceiling, "— heap ceiling hit ?[2J\n"));

    free(pass);
    free(fail);
    free(derived);
    free(err);
    free(colored);
    free(colored_err);
    free(ceiling);
}
END_TEST

START_TEST(test_terminal_summary)
{
    char *text = CAPTURE(drip_report_terminal_summary(&run, "out/report", f, false));
    ck_assert_ptr_null(strchr(text, '\033'));
    /* only the scenarios that did not pass are repeated, names padded to
     * the longest one in the run (16) */
    ck_assert_ptr_null(strstr(text, "PASS"));
    ck_assert_ptr_nonnull(strstr(text, "not passed:\nFAIL   global-map-lru    heap_bytes"));
    ck_assert_ptr_nonnull(strstr(text, "\nERROR  crashy            crashed:"));
    ck_assert_ptr_nonnull(strstr(text, "\n3 scenarios: 1 passed, 1 failed, 1 error (12.5 s)\n"
                                       "report: out/report/\n"));
    ck_assert_ptr_null(strstr(text, "interrupted"));
    free(text);

    run.complete = false;
    run.planned = 5;
    text = CAPTURE(drip_report_terminal_summary(&run, NULL, f, true));
    ck_assert_ptr_nonnull(strstr(text, "run interrupted: the report covers 3 of 5 scenarios"));
    ck_assert_ptr_null(strstr(text, "report:"));
    ck_assert_ptr_nonnull(strstr(text, "\033[31m"));
    free(text);

    run.planned = 0;
    text = CAPTURE(drip_report_terminal_summary(&run, "out/", f, false));
    ck_assert_ptr_nonnull(strstr(text, "run interrupted: the report covers only the 3 "
                                       "scenarios that finished\nreport: out/\n"));
    free(text);
}
END_TEST

/* ---- the suite ----------------------------------------------------------- */

Suite *suite_report(void);

Suite *suite_report(void)
{
    Suite *s = suite_create("report");
    struct { const char *name; const TTest *tests[4]; } cases[] = {
        {"results",  {test_results_model}},
        {"json",     {test_json_contract, test_json_seed_null_and_empty, test_json_write_error}},
        {"junit",    {test_junit, test_junit_classnames}},
        {"csv",      {test_csv}},
        {"terminal", {test_terminal_lines, test_terminal_summary}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        for (size_t k = 0; k < 4 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_report();
}
