/* test_scrape.c - the metric readers (harness/scrape): Prometheus text
 * exposition and expvar JSON, parsed from buffers, series and numbers
 * found, and malformed input refused with a message (never a crash).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "scrape/expvar.h"
#include "scrape/goroutines.h"
#include "scrape/prom.h"

/* What a Go program's /metrics page looks like, with labels, escapes,
 * timestamps and the special values. */
static const char page[] =
    "# HELP go_goroutines Number of goroutines that currently exist.\n"
    "# TYPE go_goroutines gauge\n"
    "go_goroutines 42\n"
    "# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.\n"
    "# TYPE go_memstats_heap_inuse_bytes gauge\n"
    "go_memstats_heap_inuse_bytes 1.2288e+06\n"
    "# a plain comment\n"
    "\n"
    "http_requests_total{code=\"200\",method=\"get\"} 1027 1395066363000\n"
    "http_requests_total{code=\"500\",method=\"get\",} 3 1395066363000\n"
    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\r\n"
    "weird_nan NaN\n"
    "  indented_inf +Inf\n"
    "neg_inf\t-Inf\n"
    "rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
    "kv:ratio 0.5\n"
    "kv_keys{} 17";                          /* no newline at the end */

static double lookup(const drip_prom_doc *doc, const char *selector)
{
    drip_prom_selector sel = {0};
    char *err = NULL;
    double v = -12345;

    ck_assert_msg(drip_prom_selector_parse(selector, &sel, &err) == 0, "%s: %s", selector, err);
    ck_assert_msg(drip_prom_lookup(doc, &sel, &v, &err) == 0, "%s: %s", selector, err);
    drip_prom_selector_free(&sel);
    return v;
}

/* The lookup of selector fails with a message containing sub. */
static void lookup_fails(const drip_prom_doc *doc, const char *selector, const char *sub)
{
    drip_prom_selector sel = {0};
    char *err = NULL;
    double v = 0;

    ck_assert_msg(drip_prom_selector_parse(selector, &sel, &err) == 0, "%s: %s", selector, err);
    ck_assert_int_eq(drip_prom_lookup(doc, &sel, &v, &err), -1);
    ck_assert_msg(err && strstr(err, sub), "%s: want '%s', got '%s'", selector, sub, err);
    free(err);
    drip_prom_selector_free(&sel);
}

/* ---- Prometheus ---------------------------------------------------------------- */

START_TEST(prom_page)
{
    drip_prom_doc doc = {0};
    char *err = NULL;

    ck_assert_msg(drip_prom_parse(page, strlen(page), &doc, &err) == 0, "%s", err);
    ck_assert_uint_eq(doc.count, 11);
    ck_assert_double_eq(lookup(&doc, "go_goroutines"), 42);
    ck_assert_double_eq(lookup(&doc, "go_memstats_heap_inuse_bytes"), 1228800);
    ck_assert_double_eq(lookup(&doc, "http_requests_total{code=\"500\"}"), 3);
    ck_assert_double_eq(lookup(&doc, "http_requests_total{method=\"get\",code=\"200\"}"), 1027);
    ck_assert(isnan(lookup(&doc, "weird_nan")));
    ck_assert(isinf(lookup(&doc, "indented_inf")) && lookup(&doc, "indented_inf") > 0);
    ck_assert(isinf(lookup(&doc, "neg_inf")) && lookup(&doc, "neg_inf") < 0);
    ck_assert_double_eq(lookup(&doc, "kv:ratio"), 0.5);
    ck_assert_double_eq(lookup(&doc, "kv_keys"), 17);
    ck_assert_double_eq(lookup(&doc, "rpc_duration_seconds{quantile=\"0.99\"}"), 76656);

    /* labels unescaped, timestamps and lines kept */
    const drip_prom_series *ms = &doc.series[4];
    ck_assert_str_eq(ms->name, "msdos_file_access_time_seconds");
    ck_assert_uint_eq(ms->nlabels, 2);
    ck_assert_str_eq(ms->labels[0].value, "C:\\DIR\\FILE.TXT");
    ck_assert_str_eq(ms->labels[1].value, "Cannot find file:\n\"FILE.TXT\"");
    ck_assert_double_eq(lookup(&doc, "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\"}"),
                        1.458255915e9);
    ck_assert(doc.series[2].has_timestamp);
    ck_assert_int_eq(doc.series[2].timestamp, 1395066363000LL);
    ck_assert(!doc.series[0].has_timestamp);
    ck_assert_int_eq(doc.series[0].line, 3);

    lookup_fails(&doc, "http_requests_total", "matches 2 series; add labels to pick one");
    lookup_fails(&doc, "http_requests_total{code=\"404\"}",
                 "no series http_requests_total with those labels");
    lookup_fails(&doc, "go_threads", "no series go_threads");
    lookup_fails(&doc, "go_goroutine", "no series go_goroutine");   /* names match whole */
    drip_prom_doc_free(&doc);
    ck_assert_uint_eq(doc.count, 0);
}
END_TEST

START_TEST(prom_empty_page)
{
    drip_prom_doc doc = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_prom_parse("", 0, &doc, &err), 0);
    ck_assert_uint_eq(doc.count, 0);
    /* "# HELP" with nothing after it is a one-word comment, as in Prometheus */
    static const char comments[] = "# only\n\n   \n# HELP\n#\n";
    ck_assert_int_eq(drip_prom_parse(comments, strlen(comments), &doc, &err), 0);
    ck_assert_uint_eq(doc.count, 0);
    lookup_fails(&doc, "x", "no series x");
    drip_prom_doc_free(&doc);
}
END_TEST

/* Every malformed line is refused with its line number; the doc is
 * left empty (nothing to free). */
START_TEST(prom_malformed)
{
    static const struct { const char *text, *err; } bad[] = {
        {"ok 1\n9bad 1\n", "line 2: expected a metric name"},
        {"x\n", "line 1: expected a value"},
        {"x abc\n", "line 1: value 'abc' is not a number"},
        {"x 0x10\n", "value '0x10' is not a number"},
        {"x 1.2.3\n", "is not a number"},
        {"x nan\n", "value 'nan' is not a number"},
        {"x 1 2 3\n", "unexpected text after the value"},
        {"x 1 12.5\n", "timestamp '12.5' is not an integer"},
        {"x 1 99999999999999999999\n", "is not an integer"},
        {"x{a=\"b\" 1\n", "expected ',' or '}' after a label"},
        {"x{a=b} 1\n", "expected a quoted label value"},
        {"x{a=\"b} 1\n", "label value without its closing quote"},
        {"x{a=\"\\t\"} 1\n", "unknown escape '\\t'"},
        {"x{=\"b\"} 1\n", "expected a label name"},
        {"x{a:b=\"c\"} 1\n", "expected '=' after label 'a'"},
        {"x{a=\"1\",a=\"2\"} 1\n", "label 'a' given twice"},
        {"x{a \"1\"} 1\n", "expected '=' after label 'a'"},
        {"x{,} 1\n", "expected a label name"},
        {"# TYPE x gaugeish\n", "TYPE must be counter, gauge, histogram, summary or untyped"},
        {"# TYPE 1x gauge\n", "expected a metric name after HELP or TYPE"},
        {"# HELP \n", "expected a metric name after HELP or TYPE"},
        {"x{a=\"b\"", "expected ',' or '}' after a label"},
        {"x 1\\\n", "value '1\\' is not a number"},
    };
    char *err;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        drip_prom_doc doc = {0};
        err = NULL;
        int rc = drip_prom_parse(bad[i].text, strlen(bad[i].text), &doc, &err);
        ck_assert_msg(rc == -1, "case %zu parsed: %s", i, bad[i].text);
        ck_assert_msg(err && strstr(err, bad[i].err), "case %zu: want '%s', got '%s'", i,
                      bad[i].err, err);
        ck_assert_uint_eq(doc.count, 0);
        ck_assert_ptr_null(doc.series);
        free(err);
    }
    /* a NUL byte anywhere */
    drip_prom_doc doc = {0};
    err = NULL;
    ck_assert_int_eq(drip_prom_parse("x 1\n\0y 2\n", 9, &doc, &err), -1);
    ck_assert_str_eq(err, "NUL byte in the page");
    free(err);
}
END_TEST

/* "x{l0="v",...,lN="v"} 1": a line with n labels (malloc'd). */
static char *many_labels(int n, const char *tail)
{
    size_t cap = 32 + (size_t)n * 16 + strlen(tail);
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap, "x{");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%sl%d=\"v\"", i ? "," : "", i);
    snprintf(s + len, cap - len, "}%s", tail);
    return s;
}

/* At most 64 labels on a series or in a selector: finding a label given
 * twice is quadratic (found with fuzz_prom: 20 000 labels on one line
 * took minutes). */
START_TEST(prom_label_limit)
{
    for (int n = 64; n <= 65; n++) {
        char *text = many_labels(n, " 1\n"), *sel = many_labels(n, "");
        drip_prom_doc doc = {0};
        drip_prom_selector ps = {0};
        char *err = NULL, *err2 = NULL;
        int rc = drip_prom_parse(text, strlen(text), &doc, &err);
        int rc2 = drip_prom_selector_parse(sel, &ps, &err2);
        if (n == 64) {
            ck_assert_msg(rc == 0 && rc2 == 0, "%s / %s", err, err2);
            ck_assert_uint_eq(doc.series[0].nlabels, 64);
            double v;
            ck_assert_int_eq(drip_prom_lookup(&doc, &ps, &v, &err), 0);
            ck_assert_double_eq(v, 1);
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_str_eq(err, "line 1: more than 64 labels");
            ck_assert_int_eq(rc2, -1);
            ck_assert_msg(strstr(err2, "more than 64 labels"), "%s", err2);
            ck_assert_ptr_null(doc.series);
        }
        drip_prom_doc_free(&doc);
        drip_prom_selector_free(&ps);
        free(err);
        free(err2);
        free(text);
        free(sel);
    }
}
END_TEST

START_TEST(prom_selectors)
{
    static const struct { const char *sel, *err; } bad[] = {
        {"", "expected a metric name"},
        {"1x", "expected a metric name"},
        {"x y", "unexpected ' ' after the name"},
        {"x{a=\"1\"}z", "unexpected 'z' after the labels"},
        {"x{a=1}", "expected a quoted label value"},
        {"x{a=\"1\"", "expected ',' or '}'"},
        {"{a=\"1\"}", "expected a metric name"},
    };
    drip_prom_selector sel = {0};
    char *err = NULL;

    ck_assert_int_eq(drip_prom_selector_parse("kv_keys{shard=\"0\", zone=\"a\\\"b\"}", &sel, &err), 0);
    ck_assert_str_eq(sel.name, "kv_keys");
    ck_assert_uint_eq(sel.nlabels, 2);
    ck_assert_str_eq(sel.labels[1].name, "zone");
    ck_assert_str_eq(sel.labels[1].value, "a\"b");
    drip_prom_selector_free(&sel);
    ck_assert_ptr_null(sel.name);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        ck_assert_msg(drip_prom_selector_parse(bad[i].sel, &sel, &err) == -1, "%s parsed",
                      bad[i].sel);
        ck_assert_msg(err && strstr(err, bad[i].err), "%s: want '%s', got '%s'", bad[i].sel,
                      bad[i].err, err);
        ck_assert_ptr_null(sel.name);
        free(err);
    }
}
END_TEST

/* ---- expvar ----------------------------------------------------------------- */

static const char vars[] =
    "{\"cmdline\": [\"/srv/kvd\", \"-port\", \"4000\"],\n"
    " \"goroutines\": 12,\n"
    " \"memstats\": {\"Alloc\": 1048576, \"HeapInuse\": 2.5e6, \"PauseNs\": [100, 200, 0],\n"
    "              \"EnableGC\": true, \"BySize\": [{\"Size\": 8, \"Mallocs\": 77}]},\n"
    " \"kv\": {\"keys\": -3, \"name\": \"x\", \"nothing\": null}}\n";

static double ev(const drip_expvar_doc *doc, const char *path)
{
    char *err = NULL;
    double v = -12345;
    ck_assert_msg(drip_expvar_lookup(doc, path, &v, &err) == 0, "%s: %s", path, err);
    return v;
}

static void ev_fails(const drip_expvar_doc *doc, const char *path, const char *sub)
{
    char *err = NULL;
    double v = 0;
    ck_assert_msg(drip_expvar_lookup(doc, path, &v, &err) == -1, "%s found", path);
    ck_assert_msg(err && strstr(err, sub), "%s: want '%s', got '%s'", path, sub, err);
    free(err);
}

START_TEST(expvar_lookups)
{
    char *err = NULL;
    drip_expvar_doc *doc = drip_expvar_parse(vars, strlen(vars), &err);

    ck_assert_msg(doc != NULL, "%s", err);
    ck_assert_double_eq(ev(doc, "goroutines"), 12);
    ck_assert_double_eq(ev(doc, "memstats.Alloc"), 1048576);
    ck_assert_double_eq(ev(doc, "memstats.HeapInuse"), 2.5e6);
    ck_assert_double_eq(ev(doc, "memstats.PauseNs.1"), 200);
    ck_assert_double_eq(ev(doc, "memstats.BySize.0.Mallocs"), 77);
    ck_assert_double_eq(ev(doc, "kv.keys"), -3);

    ev_fails(doc, "memstats.HeapInUse", "memstats has no key 'HeapInUse'");
    ev_fails(doc, "nope", "the top level has no key 'nope'");
    ev_fails(doc, "memstats.PauseNs.3", "memstats.PauseNs has 3 elements: no index 3");
    ev_fails(doc, "memstats.PauseNs.x", "memstats.PauseNs is an array: 'x' is not an index");
    ev_fails(doc, "memstats.EnableGC", "memstats.EnableGC is a boolean, not a number");
    ev_fails(doc, "kv.name", "kv.name is a string, not a number");
    ev_fails(doc, "kv.nothing", "is null, not a number");
    ev_fails(doc, "memstats", "memstats is an object, not a number");
    ev_fails(doc, "cmdline", "is an array, not a number");
    ev_fails(doc, "goroutines.x", "goroutines is a number: it has no 'x'");
    ev_fails(doc, "kv..keys", "has an empty component");
    ev_fails(doc, "", "has an empty component");
    drip_expvar_free(doc);
    drip_expvar_free(NULL);
}
END_TEST

START_TEST(expvar_malformed)
{
    static const struct { const char *text, *err; } bad[] = {
        {"", "line 1"},
        {"[1, 2]", "the top level is an array, not an object"},
        {"{\"a\": 1,}", "line 1"},
        {"{\"a\": 1} x", "end of file expected"},
        {"{\"a\": 1, \"a\": 2}", "duplicate object key"},
        {"{\"a\": NaN}", "line 1"},
        {"{\"a\": \"\\u0000\"}", "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        drip_expvar_doc *doc = drip_expvar_parse(bad[i].text, strlen(bad[i].text), &err);
        ck_assert_msg(doc == NULL, "case %zu parsed", i);
        ck_assert_msg(err && strstr(err, bad[i].err), "case %zu: want '%s', got '%s'", i,
                      bad[i].err, err);
        free(err);
    }
}
END_TEST

START_TEST(expvar_paths)
{
    char *err = NULL;
    ck_assert_int_eq(drip_expvar_path_check("memstats.HeapInuse", &err), 0);
    ck_assert_int_eq(drip_expvar_path_check("a", &err), 0);
    ck_assert_int_eq(drip_expvar_path_check(".a", &err), -1);
    free(err);
    ck_assert_int_eq(drip_expvar_path_check("a.", &err), -1);
    free(err);
    ck_assert_int_eq(drip_expvar_path_check("a b", &err), -1);
    ck_assert_str_eq(err, "a path holds no spaces or control characters");
    free(err);
    char deep[128] = "a";
    for (int i = 0; i < 32; i++)
        strcat(deep, ".a");
    ck_assert_int_eq(drip_expvar_path_check(deep, &err), -1);
    ck_assert_msg(strstr(err, "more than 32 components"), "%s", err);
    free(err);
}
END_TEST

/* A goroutine profile (debug=1) as Go 1.19 writes it: stacks by count,
 * equal counts in page order, frames named with their file's base name. */
START_TEST(goroutine_profile)
{
    static const char goprof[] =
        "goroutine profile: total 520\n"
        "1 @ 0x40d334 0x467f6f 0x684c39 0x46b941\n"
        "#\t0x467f6e\tos/signal.signal_recv+0x2e\truntime/sigqueue.go:152\n"
        "#\t0x684c38\tos/signal.loop+0x18\t\tos/signal/signal_unix.go:23\n"
        "\n"
        "515 @ 0x43b256 0x40708c 0x406c3d 0x68666c 0x46b941\n"
        "#\t0x68666b\tmain.fetch.func1+0xab\tdrip.example/blocked-channel/main.go:46\n"
        "\n"
        "1 @ 0x43b256\n"
        "\n"
        "3 @ 0x1 0x2\n"
        "#\t0x1\tsync.runtime_SemacquireMutex+0x25\truntime/sema.go:77\n"
        "#\t0x2\tsync.(*Mutex).Lock+0x64\tsync/mutex.go:90\n"
        "#\t0x3\tmain.handle+0x10\tx/main.go:52\n";
    drip_goroutine_stack *st = NULL;
    size_t n = 0;
    char *err = NULL;
    ck_assert_int_eq(drip_goroutines_parse(goprof, sizeof goprof - 1, 2, &st, &n, &err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(st[0].count, 515);
    ck_assert_str_eq(st[0].frames, "main.fetch.func1 (main.go:46)");
    ck_assert_uint_eq(st[1].count, 3);
    ck_assert_str_eq(st[1].frames,                            /* two frames at most */
                     "sync.runtime_SemacquireMutex (sema.go:77) < sync.(*Mutex).Lock (mutex.go:90)");
    ck_assert_str_eq(st[2].frames, "os/signal.signal_recv (sigqueue.go:152) < "
                                   "os/signal.loop (signal_unix.go:23)");
    ck_assert_str_eq(st[3].frames, "");                       /* a block without frames */
    drip_goroutines_free(st, n);

    ck_assert_int_eq(drip_goroutines_parse("<html>", 6, 2, &st, &n, &err), -1);
    ck_assert_msg(strstr(err, "not a goroutine profile"), "%s", err);
    free(err);
}
END_TEST

/* fuzz_goroutines (a page in a buffer of exactly its length) crashed in
 * sscanf, which reads a line's number to the first NUL: past the page's
 * len.  Bytes after len must never count: a last line "5" followed
 * (outside len) by " @ 0x1" is no block, nor is a "5" line followed by a
 * line "@ 0x1"; a page shorter than the header is not a profile even when
 * the bytes after it would complete the header. */
START_TEST(goroutine_profile_reads_only_len)
{
    static const char prof[] = "goroutine profile: total 5\n5 @ 0x1\n";
    drip_goroutine_stack *st = NULL;
    size_t n = 9;
    char *err = NULL;
    size_t upto_5 = strlen("goroutine profile: total 5\n5");
    ck_assert_int_eq(drip_goroutines_parse(prof, upto_5, 2, &st, &n, &err), 0);
    ck_assert_uint_eq(n, 0);                                /* " @ 0x1" is past len */
    drip_goroutines_free(st, n);

    static const char split[] = "goroutine profile: total 5\n5\n@ 0x1\n";
    ck_assert_int_eq(drip_goroutines_parse(split, sizeof split - 1, 2, &st, &n, &err), 0);
    ck_assert_uint_eq(n, 0);                                /* a block is one line */
    drip_goroutines_free(st, n);

    ck_assert_int_eq(drip_goroutines_parse(prof, 9, 2, &st, &n, &err), -1); /* "goroutine" */
    ck_assert_msg(err && strstr(err, "not a goroutine profile"), "%s", err ? err : "");
    free(err);

    static const char odd[] = "goroutine profile: total 2\n+2 @ 0x1\n 2 @ 0x1\n"
                              "99999999999999999999999 @ 0x1\n2\t@ 0x1\n";
    ck_assert_int_eq(drip_goroutines_parse(odd, sizeof odd - 1, 2, &st, &n, &err), 0);
    ck_assert_uint_eq(n, 1);                        /* only "2<TAB>@": Go's digits, no sign */
    ck_assert_uint_eq(st[0].count, 2);
    drip_goroutines_free(st, n);
}
END_TEST

/* Many stacks (a 16 MiB page holds millions): sorted most goroutines first
 * in n log n, equal counts kept in page order.  Counts rise down the page
 * (an insertion sort's worst case) and every count comes twice, the
 * second block naming its place ("k.b"). */
START_TEST(goroutine_profile_many_stacks)
{
    enum { N = 5000 };
    size_t cap = 64 + (size_t)N * 96, used = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    used += (size_t)snprintf(text, cap, "goroutine profile: total 1\n");
    for (unsigned k = 1; k <= N; k++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "%u @ 0x1\n#\t0x1\tf%u.a+0x1\ta.go:1\n\n"
                                 "%u @ 0x1\n#\t0x1\tf%u.b+0x1\tb.go:2\n\n", k, k, k, k);
    ck_assert_uint_lt(used, cap);
    drip_goroutine_stack *st = NULL;
    size_t n = 0;
    char *err = NULL;
    ck_assert_int_eq(drip_goroutines_parse(text, used, 1, &st, &n, &err), 0);
    ck_assert_uint_eq(n, 2 * N);
    for (size_t i = 0; i < n; i++) {
        char want[64];
        unsigned k = N - (unsigned)(i / 2);
        snprintf(want, sizeof want, "f%u.%s (%s.go:%d)", k, i % 2 ? "b" : "a",
                 i % 2 ? "b" : "a", i % 2 ? 2 : 1);
        ck_assert_uint_eq(st[i].count, k);
        ck_assert_str_eq(st[i].frames, want);
    }
    drip_goroutines_free(st, n);
    free(text);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("scrape");
    drip_tcase(s, "core", prom_page, prom_empty_page, expvar_lookups, expvar_paths,
               goroutine_profile, NULL);
    drip_tcase(s, "goroutines", goroutine_profile_reads_only_len, goroutine_profile_many_stacks,
               NULL);
    drip_tcase(s, "errors", prom_malformed, prom_label_limit, prom_selectors, expvar_malformed,
               NULL);

    return s;
}
