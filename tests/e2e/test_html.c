/* test_html.c - report.html over a hand-built results model, and once end
 * to end.
 *
 * The page is parsed with expat (it is written as XHTML-compatible HTML5),
 * which proves it well-formed and gives the elements, attributes and text
 * to check: nothing loaded from elsewhere, text from scenario files
 * escaped, a chart per measured metric, NaN and empty series drawn as
 * valid markup.  The axes and the fitted line's intercept are checked on
 * their own.
 */
#define _GNU_SOURCE
#include <check.h>
#include <expat.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check_main.h"
#include "e2e.h"
#include "report/html.h"
#include "report/report.h"
#include "util/util.h"

#define XSS_DESC "<script>alert(1)</script> \"double\" 'single' & more\x01 bad\xff"
/* what the description reads as in the parsed page */
#define XSS_DESC_TEXT "<script>alert(1)</script> \"double\" 'single' & more bad\xef\xbf\xbd"

static drip_run_results model;

/* ---- the model --------------------------------------------------------------- */

/* n samples every 100 iterations: heap_bytes grows by per_iter, threads 2. */
static void add_samples(drip_result *r, size_t n, double per_iter)
{
    for (size_t i = 0; i < n; i++) {
        drip_sample s;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            s.v[c] = 0;
        double it = 100.0 * (double)(i + 1);
        s.v[DRIP_COL_ITER] = it;
        s.v[DRIP_COL_TIME] = 0.01 * (double)(i + 1);
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 4096 + per_iter * it + (double)(i % 3) * 50;
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = 10 + it / 100;
        s.v[DRIP_COL_METRIC(DRIP_M_THREADS)] = 2;
        s.v[DRIP_COL_METRIC(DRIP_M_FDS)] = i == 3 ? NAN : 5;      /* one hole */
        s.v[DRIP_COL_METRIC(DRIP_M_ALLOCS)] = 2.1 * it;           /* a running total */
        drip_result_add_sample(r, &s);
    }
}

static void set_fit(drip_result *r, int m, drip_verdict v, double slope, size_t window_start)
{
    r->metrics[m].measured = true;
    r->metrics[m].fit = (drip_fit){
        .all = {slope, slope * 0.9, slope * 1.1, 40}, .tail = {slope, NAN, NAN, 20},
        .growth = slope * 4000, .window_start = window_start, .verdict = v,
    };
}

static void add_expect(drip_result *r, int m, drip_rule rule, double limit, drip_verdict want,
                       double actual, bool ok)
{
    r->expects = xrealloc(r->expects, (r->nexpects + 1) * sizeof *r->expects);
    r->expects[r->nexpects++] = (drip_expect_result){m, rule, limit, want, actual, ok};
}

static void build_pass(drip_result *r)
{
    r->name = xstrdup("leaky-map");
    r->file = xstrdup("scenarios/global-map/leaky.yaml");
    r->workload = xstrdup("global-map-leaky");
    r->description = xstrdup("Cache keyed by request id, never evicted.");
    r->status = DRIP_STATUS_PASS;
    r->seed = 3;
    r->threads = 2;
    r->iterations = r->iterations_planned = 5000;
    r->duration_s = 0.75;
    r->ns_per_iter = 150;
    r->warmup = 0.2;
    r->heap_ceiling = 1ULL << 30;
    add_samples(r, 50, 300);
    set_fit(r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 300, 10);
    set_fit(r, DRIP_M_HEAP_OBJECTS, DRIP_VERDICT_GROWING, 0.01, 10);
    set_fit(r, DRIP_M_THREADS, DRIP_VERDICT_FLAT, 0, 10);
    set_fit(r, DRIP_M_FDS, DRIP_VERDICT_FLAT, 0, 10);
    set_fit(r, DRIP_M_ALLOCS, DRIP_VERDICT_GROWING, 2.1, 10);     /* its growth is its rate */
    set_fit(r, DRIP_M_TASKS, DRIP_VERDICT_FLAT, 0, 10);           /* never used: all zero */
    set_fit(r, DRIP_M_TIMERS, DRIP_VERDICT_FLAT, 0, 10);
    set_fit(r, DRIP_M_CONNS, DRIP_VERDICT_FLAT, 0, 10);
    r->has_after_teardown = true;
    r->after_teardown = r->samples[r->nsamples - 1];
    /* teardown left far more heap than the series ever held: the marker
     * must not set the chart's range */
    r->after_teardown.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 100e6;
    r->profile.ran = true;                              /* one site grew */
    r->profile.mode = xstrdup("precise");
    r->profile.rate = 1;
    r->profile.early_iteration = 1000;
    r->profile.late_iteration = 5000;
    r->profile.nsites = 1;
    r->profile.sites = xcalloc(1, sizeof *r->profile.sites);
    r->profile.sites[0].nframes = 2;
    r->profile.sites[0].frames = xcalloc(2, sizeof *r->profile.sites[0].frames);
    r->profile.sites[0].frames[0] = (drip_prof_frame){xstrdup("render"), xstrdup("cache.c"), 59};
    r->profile.sites[0].frames[1] = (drip_prof_frame){xstrdup("cache_iterate"),
                                                      xstrdup("cache.c"), 80};
    r->profile.sites[0].early_bytes = 1000;
    r->profile.sites[0].late_bytes = 1000 + 4000 * 250.0;
    add_expect(r, DRIP_M_HEAP_BYTES, DRIP_RULE_MIN_SLOPE, 100, 0, 300, true);
    add_expect(r, DRIP_M_HEAP_BYTES, DRIP_RULE_VERDICT, 0, DRIP_VERDICT_GROWING,
               DRIP_VERDICT_GROWING, true);
    add_expect(r, DRIP_M_THREADS, DRIP_RULE_MAX_SLOPE, 0, 0, 0, true);
    add_expect(r, DRIP_M_THREADS, DRIP_RULE_MAX_AFTER_TEARDOWN, 2, 0, 2, true);
    r->nfaults = 1;
    r->faults = xcalloc(1, sizeof *r->faults);
    r->faults[0] = (drip_fault_result){.point = xstrdup("cache.miss"), .rate = 0.25,
                                       .asked = 5000, .fired = 1200, .first = {3, 7},
                                       .nfirst = 2};
    r->leak_class = DRIP_CLASS_REACHABLE;
    r->class_why = xstrdup("heap_bytes grows; valgrind: still reachable");
    r->class_basis = xstrdup("counters and valgrind");
    r->valgrind.ran = true;
    r->valgrind.complete = true;
    r->valgrind.iterations = 100;
    r->valgrind.bytes[3] = 30000;
    r->valgrind.blocks[3] = 100;
    r->valgrind.growth.ran = true;
    r->valgrind.growth.iterations = 200;
    r->valgrind.growth.bytes[3] = 60000;
    r->valgrind.growth.per_iteration[3] = 300;
    r->valgrind.growth.growing[3] = true;
    r->valgrind.growth.top_reachable = xstrdup("cache_put (cache.c:42) <b>");
    r->valgrind.checked[0] = true;
    r->valgrind.ok[0] = true;
}

/* Everything a scenario file or plugin writes is hostile here. */
static void build_fail(drip_result *r)
{
    r->name = xstrdup("x\"><img src=x>");
    r->file = xstrdup("evil/'quoted' <dir>/f.yaml");
    r->workload = xstrdup("/opt/<plugins>/lib&x.so");
    r->description = xstrdup(XSS_DESC);
    r->status = DRIP_STATUS_FAIL;
    r->reason = xstrdup("heap_bytes: slope <fast> & \"loud\"\nsecond <line>");
    r->seed = 1;
    r->threads = 1;
    r->iterations = r->iterations_planned = 2000;
    r->warmup = 0.25;
    r->duration_s = 0.5;
    r->ns_per_iter = NAN;
    add_samples(r, 20, 12);
    set_fit(r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 12, 5);
    add_expect(r, DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_SLOPE, 0, 0, 12, false);
    r->nfaults = 1;
    r->faults = xcalloc(1, sizeof *r->faults);
    r->faults[0] = (drip_fault_result){.point = xstrdup("<point>"), .asked = 20, .fired = 0};
    drip_fault_result_set_schedule(&r->faults[0], 10, NULL, 0);
    drip_result_add_warning(r, "plugin said <script>alert(2)</script>");
}

/* No samples at all, NaN everywhere a number could be. */
static void build_error(drip_result *r)
{
    r->name = xstrdup("crashy");
    r->file = xstrdup("crashy.yaml");
    r->workload = xstrdup("crashy");
    r->status = DRIP_STATUS_ERROR;
    r->reason = xstrdup("crashed: SIGSEGV (Segmentation fault) near iteration 40 at forget "
                        "(my_fix.c:64); worker said: bye (crashy.log)");
    r->crash_stack = xstrdup("forget (my_fix.c:64) < iterate (my_fix.c:88)");
    r->duration_s = NAN;
    r->ns_per_iter = NAN;
    r->warmup = 0.2;
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        r->metrics[m].measured = m < 3;
        r->metrics[m].fit = (drip_fit){.all = {NAN, NAN, NAN, 0}, .tail = {NAN, NAN, NAN, 0},
                                       .growth = NAN, .noise = NAN};
    }
    add_expect(r, DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_SLOPE, 0, 0, NAN, false);
}

/* Samples present but every fit NaN (too few after warm-up), and one
 * metric whose every value is NaN. */
static void build_nan_fit(drip_result *r)
{
    r->name = xstrdup("short");
    r->file = xstrdup("short.yaml");
    r->workload = xstrdup("short");
    r->status = DRIP_STATUS_ERROR;
    r->reason = xstrdup("too few samples");
    r->warmup = 0.5;
    add_samples(r, 3, 10);
    for (int m = 0; m < 5; m++) {
        r->metrics[m].measured = true;
        r->metrics[m].fit = (drip_fit){.all = {NAN, NAN, NAN, 0}, .tail = {NAN, NAN, NAN, 0},
                                       .growth = NAN, .window_start = 1};
    }
    for (size_t i = 0; i < r->nsamples; i++)
        r->samples[i].v[DRIP_COL_METRIC(DRIP_M_RSS)] = NAN;
    add_expect(r, DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_SLOPE, 0, 0, NAN, false);
    add_expect(r, DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_AFTER_TEARDOWN, 0, 0, NAN, false);
}

static void build_sweep(drip_result *r)
{
    r->name = xstrdup("sweep-leak");
    r->file = xstrdup("sweep.yaml");
    r->workload = xstrdup("sweepme");
    r->status = DRIP_STATUS_FAIL;
    r->reason = xstrdup("sweep: 1 leak");
    r->duration_s = 0.2;
    r->ns_per_iter = NAN;
    r->sweep.ran = true;
    r->sweep.modes = 3;
    r->sweep.trials[0] = r->sweep.trials[1] = 4;
    r->sweep.nfindings = 1;
    r->sweep.findings = xcalloc(1, sizeof *r->sweep.findings);
    drip_sweep_finding *f = &r->sweep.findings[0];
    f->k = 2;
    f->outcome = DRIP_TRIAL_LEAK;
    f->leaked_bytes = 48;
    f->leaked_blocks = 1;
    f->nsites = 1;
    f->sites = xcalloc(1, sizeof *f->sites);
    f->sites[0] = (drip_sweep_site){48, 1, xstrdup("iterate (sweepme.c:32) < <main>")};
}

static void setup(void)
{
    memset(&model, 0, sizeof model);
    model.drip_version = xstrdup("0.1.0");
    model.started_at = xstrdup("2026-11-25T17:00:00Z");
    model.duration_s = 3.5;
    model.complete = true;
    build_pass(drip_run_results_add(&model));
    build_fail(drip_run_results_add(&model));
    build_error(drip_run_results_add(&model));
    build_nan_fit(drip_run_results_add(&model));
    build_sweep(drip_run_results_add(&model));
}

static void teardown(void)
{
    drip_run_results_free(&model);
}

static char *render(const drip_run_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(drip_report_html(r, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

/* ---- the page, parsed ---------------------------------------------------------- */

#define SECTIONS_MAX 64

typedef struct page {
    strbuf text;                   /* all character data, outside <style> */
    int    in_style;
    int    in_chart;               /* inside an <svg class="chart"> (not a legend swatch) */
    int    section;                /* index of the <section id="sN"> we are in, or -1 */
    int    charts[SECTIONS_MAX];   /* <svg class="chart"> per section */
    int    polylines[SECTIONS_MAX];
    int    fits[SECTIONS_MAX], limits[SECTIONS_MAX], warmups[SECTIONS_MAX], afters[SECTIONS_MAX];
    int    empties;                /* charts saying "no samples" */
    int    zeros[SECTIONS_MAX];      /* metrics listed as "0 throughout" */
    int    in_zero;
    int    offaxis[SECTIONS_MAX];    /* after-teardown marks drawn off the value axis */
    double yhi[SECTIONS_MAX][16];    /* each chart's value axis: data-y-hi, in order */
    strbuf problems;               /* what the checks found, one per line */
} page;

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static bool has_class(const XML_Char **atts, const char *cls)
{
    const char *c = attr(atts, "class");
    if (!c)
        return false;
    size_t n = strlen(cls);
    for (const char *p = c; (p = strstr(p, cls)); p += n)
        if ((p == c || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return true;
    return false;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    page *pg = ud;
    static const char *const banned[] = {"script", "link", "img", "iframe", "object", "embed",
                                         "image", "use", "base", "frame", "audio", "video"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strcmp(name, banned[i]) == 0)
            sb_appendf(&pg->problems, "element <%s>\n", name);
    for (int i = 0; atts[i]; i += 2) {
        const char *k = atts[i], *v = atts[i + 1];
        if (strcmp(k, "src") == 0 || strcmp(k, "srcset") == 0 || strcmp(k, "xlink:href") == 0 ||
            strcmp(k, "action") == 0 || strcmp(k, "data") == 0 || strncasecmp(k, "on", 2) == 0)
            sb_appendf(&pg->problems, "attribute %s on <%s>\n", k, name);
        if (strcmp(k, "href") == 0 && v[0] != '#')
            sb_appendf(&pg->problems, "href=\"%s\"\n", v);
        if (strstr(v, "url(") && strncmp(strstr(v, "url("), "url(#", 5) != 0)
            sb_appendf(&pg->problems, "%s=\"%s\" loads a url\n", k, v);
        if (strcasestr(v, "nan") && strcmp(k, "aria-label") != 0 && strcmp(k, "id") != 0 &&
            strcmp(k, "class") != 0 && strcmp(k, "href") != 0)
            sb_appendf(&pg->problems, "%s=\"%s\" on <%s>: not a number\n", k, v, name);
        if (strcasestr(v, "inf") && strcmp(name, "svg") != 0 && strcmp(k, "d") != 0 &&
            strcmp(k, "class") != 0 && strcmp(k, "content") != 0)
            sb_appendf(&pg->problems, "%s=\"%s\" on <%s>: infinite\n", k, v, name);
    }
    if (strcmp(name, "style") == 0)
        pg->in_style++;
    const char *id = attr(atts, "id");
    if (strcmp(name, "section") == 0 && id && id[0] == 's')
        pg->section = atoi(id + 1);
    int s = pg->section;
    if (s < 0 || s >= SECTIONS_MAX)
        return;
    if (strcmp(name, "p") == 0 && has_class(atts, "zero"))
        pg->in_zero = s + 1;
    if (strcmp(name, "svg") == 0 && has_class(atts, "chart")) {
        const char *hi = attr(atts, "data-y-hi");
        if (pg->charts[s] < 16)
            pg->yhi[s][pg->charts[s]] = hi ? strtod(hi, NULL) : NAN;
        pg->charts[s]++;
        pg->in_chart = 1;
    }
    if (!pg->in_chart)
        return;
    if (strcmp(name, "polyline") == 0)
        pg->polylines[s]++;
    pg->fits[s] += has_class(atts, "c-fit") && strcmp(name, "line") == 0 && attr(atts, "clip-path");
    pg->limits[s] += has_class(atts, "c-limit") && attr(atts, "x1") && attr(atts, "clip-path");
    pg->warmups[s] += has_class(atts, "c-warmup") && attr(atts, "x") != NULL;
    pg->afters[s] += has_class(atts, "c-after") && attr(atts, "d") && strcmp(name, "path") == 0;
    pg->offaxis[s] += has_class(atts, "c-after") && has_class(atts, "c-off");
}

static void on_end(void *ud, const XML_Char *name)
{
    page *pg = ud;
    if (strcmp(name, "style") == 0)
        pg->in_style--;
    if (strcmp(name, "section") == 0)
        pg->section = -1;
    if (strcmp(name, "svg") == 0)
        pg->in_chart = 0;                    /* charts hold no nested svg */
    if (strcmp(name, "p") == 0)
        pg->in_zero = 0;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    page *pg = ud;
    if (pg->in_style) {                      /* the stylesheet loads nothing either */
        char *css = xstrndup(s, (size_t)len);
        for (const char *p = css; (p = strstr(p, "url(")); p++)
            if (strncmp(p, "url(#", 5) != 0)
                sb_appendf(&pg->problems, "a url in the stylesheet\n");
        if (strstr(css, "@import"))
            sb_appendf(&pg->problems, "@import in the stylesheet\n");
        free(css);
        return;
    }
    sb_appendn(&pg->text, s, (size_t)len);
    if (len == 10 && memcmp(s, "no samples", 10) == 0)
        pg->empties++;
    if (pg->in_zero > 0 && pg->in_zero <= SECTIONS_MAX) {   /* "tasks, timers: 0 throughout" */
        int z = 1;
        for (int i = 0; i < len && s[i] != ':'; i++)
            z += s[i] == ',';
        pg->zeros[pg->in_zero - 1] += z;
        pg->in_zero = -1;                    /* counted once */
    }
}

/* Parse html into *pg; fails the test when it is not well-formed. */
static void parse(const char *html, page *pg)
{
    memset(pg, 0, sizeof *pg);
    pg->section = -1;
    sb_append(&pg->text, "");
    sb_append(&pg->problems, "");
    XML_Parser p = XML_ParserCreate("UTF-8");
    ck_assert_ptr_nonnull(p);
    XML_SetUserData(p, pg);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    enum XML_Status st = XML_Parse(p, html, (int)strlen(html), 1);
    ck_assert_msg(st == XML_STATUS_OK, "not well-formed at line %lu: %s",
                  (unsigned long)XML_GetCurrentLineNumber(p), XML_ErrorString(XML_GetErrorCode(p)));
    XML_ParserFree(p);
}

static void page_free(page *pg)
{
    sb_free(&pg->text);
    sb_free(&pg->problems);
}

static int measured(const drip_result *r)
{
    int n = 0;
    for (int m = 0; m < DRIP_M_COUNT; m++)
        n += r->metrics[m].measured;
    return n;
}

/* ---- tests ------------------------------------------------------------------------ */

START_TEST(test_self_contained)
{
    char *html = render(&model);
    page pg;
    parse(html, &pg);
    ck_assert_msg(pg.problems.len == 0, "%s", pg.problems.buf);
    ck_assert(strncmp(html, "<!DOCTYPE html>\n", 16) == 0);
    ck_assert_ptr_nonnull(strstr(html, "<meta charset=\"utf-8\"/>"));
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<link"));
    ck_assert_ptr_null(strstr(html, " src=\""));      /* "src=x" in escaped text is text */
    ck_assert_ptr_null(strstr(html, " src='"));
    ck_assert_ptr_null(strstr(html, "http:"));
    ck_assert_ptr_null(strstr(html, "https:"));
    ck_assert_ptr_null(strstr(html, "//"));       /* no protocol-relative url either */
    page_free(&pg);
    free(html);
}
END_TEST

/* The checker itself: a page that loads something is caught. */
START_TEST(test_checker_catches)
{
    static const char *const bad[] = {
        "<html><body><script src=\"x.js\"></script></body></html>",
        "<html><head><link rel=\"stylesheet\" href=\"a.css\"/></head></html>",
        "<html><body><a href=\"https://example.org/\">x</a></body></html>",
        "<html><body><div style=\"background:url(x.png)\">x</div></body></html>",
        "<html><head><style>@import 'a.css';</style></head></html>",
        "<html><body><svg><line x1=\"nan\"/></svg></body></html>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        page pg;
        parse(bad[i], &pg);
        ck_assert_msg(pg.problems.len > 0, "not caught: %s", bad[i]);
        page_free(&pg);
    }
}
END_TEST

START_TEST(test_escaping)
{
    char *html = render(&model);
    /* raw: nothing from the model arrives as markup */
    ck_assert_ptr_null(strstr(html, "<script>"));
    ck_assert_ptr_null(strstr(html, "<img"));
    ck_assert_ptr_null(strstr(html, "<point>"));
    ck_assert_ptr_null(strstr(html, "<main>"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;double&quot; "
                                       "&#39;single&#39; &amp; more bad\xef\xbf\xbd"));
    ck_assert_ptr_nonnull(strstr(html, "x&quot;&gt;&lt;img src=x&gt;"));
    /* parsed: each string reads back as written (invalid UTF-8 replaced,
     * the control character dropped) */
    page pg;
    parse(html, &pg);
    const char *t = pg.text.buf;
    ck_assert_ptr_nonnull(strstr(t, XSS_DESC_TEXT));
    ck_assert_ptr_nonnull(strstr(t, "x\"><img src=x>"));
    ck_assert_ptr_nonnull(strstr(t, "evil/'quoted' <dir>/f.yaml"));
    ck_assert_ptr_nonnull(strstr(t, "/opt/<plugins>/lib&x.so"));
    ck_assert_ptr_nonnull(strstr(t, "heap_bytes: slope <fast> & \"loud\"\nsecond <line>"));
    ck_assert_ptr_nonnull(strstr(t, "plugin said <script>alert(2)</script>"));
    ck_assert_ptr_nonnull(strstr(t, "<point>"));
    ck_assert_ptr_nonnull(strstr(t, "cache_put (cache.c:42) <b>"));
    ck_assert_ptr_nonnull(strstr(t, "iterate (sweepme.c:32) < <main>"));
    page_free(&pg);
    free(html);
}
END_TEST

START_TEST(test_escape_attr)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    drip__html_escape(f, "a\"b'c<d>e&f\ng\th\x01i\xc3\xa9\xff", true);
    drip__html_escape(f, NULL, true);
    fputc('|', f);
    drip__html_escape(f, "x\ny\tz\r", false);
    fclose(f);
    ck_assert_str_eq(buf, "a&quot;b&#39;c&lt;d&gt;e&amp;f&#10;g&#9;hi\xc3\xa9\xef\xbf\xbd|"
                          "x\ny\tz");
    free(buf);
}
END_TEST

START_TEST(test_charts)
{
    char *html = render(&model);
    page pg;
    parse(html, &pg);
    for (size_t i = 0; i < model.count; i++)   /* a chart per measured metric not all 0 */
        ck_assert_int_eq(pg.charts[i] + pg.zeros[i], measured(&model.scenarios[i]));
    /* leaky-map: every chart has samples, a fitted line and the warm-up;
     * heap_bytes has its min_slope, threads its max_slope drawn, and all
     * five the value after teardown */
    ck_assert_int_eq(pg.polylines[0], 5);
    ck_assert_int_eq(pg.fits[0], 5);
    ck_assert_int_eq(pg.warmups[0], 5);
    ck_assert_int_eq(pg.limits[0], 2);
    ck_assert_int_eq(pg.afters[0], 5);
    ck_assert_int_eq(pg.zeros[0], 3);                  /* tasks, timers, conns */
    ck_assert_ptr_nonnull(strstr(html, "min_slope 100 B/iter"));
    ck_assert_ptr_nonnull(strstr(html, "max_slope 0 threads/iter"));
    /* the failing one: its max_slope, no value after teardown */
    ck_assert_int_eq(pg.limits[1], 1);
    ck_assert_int_eq(pg.afters[1], 0);
    /* the error: three measured metrics, no sample: three empty charts,
     * and the one with NaN fits: samples drawn, no line, the all-NaN rss empty */
    ck_assert_int_eq(pg.polylines[2], 0);
    ck_assert_int_eq(pg.fits[3], 0);
    ck_assert_int_eq(pg.polylines[3], 4);
    ck_assert_int_eq(pg.zeros[3], 0);
    ck_assert_int_eq(pg.empties, 4);
    /* the sweep: no charts, its finding listed */
    ck_assert_int_eq(pg.charts[4], 0);
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "Failure sweep"));
    /* the valgrind pass and the fault table */
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "still reachable"));
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "rate 0.25"));
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "every 10"));
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "never fired"));
    page_free(&pg);
    free(html);
}
END_TEST

/* The text of raw html from the first `from` on to the next `to`
 * (malloc'd), or NULL. */
static char *between(const char *html, const char *from, const char *to)
{
    const char *a = strstr(html, from), *b = a ? strstr(a, to) : NULL;
    return b ? xstrndup(a, (size_t)(b - a)) : NULL;
}

/* A verdict's colour says what it means: a running total's growth is its
 * rate (plain), a growth the expectations asked for is no warning
 * (plain), a broken one is red; only unexpected growth of a gauge is
 * orange. */
START_TEST(test_verdict_tones)
{
    char *html = render(&model);
    char *alloc = between(html, "<span class=\"m\">allocs</span>", "</figcaption>");
    char *heap = between(html, "<span class=\"m\">heap_bytes</span>", "</figcaption>");
    char *objs = between(html, "<span class=\"m\">heap_objects</span>", "</figcaption>");
    ck_assert_ptr_nonnull(alloc);
    ck_assert_msg(strstr(alloc, "+2.10 allocs/iter <span class=\"v rate\"") &&
                  !strstr(alloc, "v growing"), "%s", alloc);
    ck_assert_msg(strstr(heap, "<span class=\"v held\">growing</span>"), "%s", heap);
    ck_assert_msg(strstr(objs, "<span class=\"v growing\">growing</span>"), "%s", objs);
    char *fail = strstr(html, "<section class=\"card fail\"");
    ck_assert_ptr_nonnull(fail);
    char *failheap = between(fail, "<span class=\"m\">heap_bytes</span>", "</figcaption>");
    ck_assert_msg(strstr(failheap, "<span class=\"v bad\">growing</span>"), "%s", failheap);
    free(alloc);
    free(heap);
    free(objs);
    free(failheap);
    free(html);
}
END_TEST

/* The heap chart's range is the series', not the after-teardown marker's
 * (100 MB here, drawn as an arrow at the edge); no chart is empty where
 * there are samples; the unused metrics are one line. */
START_TEST(test_chart_ranges)
{
    char *html = render(&model);
    page pg;
    parse(html, &pg);
    ck_assert_msg(pg.problems.len == 0, "%s", pg.problems.buf);
    double top = 4096 + 300 * 5000.0 + 100;             /* the series' highest value */
    ck_assert_msg(pg.yhi[0][0] >= top && pg.yhi[0][0] < 2 * top,
                  "heap_bytes axis up to %g for a series up to %g", pg.yhi[0][0], top);
    ck_assert_int_eq(pg.offaxis[0], 1);                 /* the marker, at the top edge */
    ck_assert_msg(strstr(pg.text.buf, "tasks, timers, conns: 0 throughout"), "%s", pg.text.buf);
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < pg.charts[i]; c++)
            ck_assert_msg(isfinite(pg.yhi[i][c]), "section %d chart %d: no range", i, c);
    page_free(&pg);
    free(html);
}
END_TEST

/* The summary has "where it grows"; a reason of several parts is a list;
 * a crash's stack; the speed per second and the time to the ceiling. */
START_TEST(test_summary_and_facts)
{
    char *html = render(&model);
    const char *first = strstr(html, "<section class=\"card pass\" id=\"s0\">");
    const char *site = strstr(html, "render (cache.c:59) &lt; cache_iterate (cache.c:80)");
    ck_assert_msg(site && first && site < first, "no growing site in the summary");
    ck_assert_ptr_nonnull(strstr(html, "<th>where it grows</th>"));
    ck_assert_msg(strstr(html, "<ul class=\"reason\"><li>crashed: SIGSEGV (Segmentation fault) "
                               "near iteration 40 at forget (my_fix.c:64)</li><li>worker said: "
                               "bye (crashy.log)</li></ul>"), "the reason as a list");
    ck_assert_ptr_nonnull(strstr(html, "forget (my_fix.c:64) &lt; iterate (my_fix.c:88)"));
    page pg;
    parse(html, &pg);
    const char *speed = strstr(pg.text.buf, "per iteration 1");
    ck_assert_ptr_nonnull(speed);
    ck_assert_msg(strncmp(speed, "per iteration 150 ns, 6.67M/s", 29) == 0, "%.80s", speed);
    /* 1 GiB - 1.5 MB left at 300 B/iter and 150 ns/iter: 0.54 s */
    const char *ceiling = strstr(pg.text.buf, "heap ceiling");
    ck_assert_ptr_nonnull(ceiling);
    ck_assert_msg(strncmp(ceiling, "heap ceiling 1.00 GiB reached in 0.54 s at this slope",
                          53) == 0, "%.80s", ceiling);
    page_free(&pg);
    free(html);
}
END_TEST

START_TEST(test_empty_run)
{
    drip_run_results empty = {.started_at = NULL, .duration_s = NAN, .complete = false,
                              .planned = 3};
    char *html = render(&empty);
    page pg;
    parse(html, &pg);
    ck_assert_msg(pg.problems.len == 0, "%s", pg.problems.buf);
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "no scenario ran"));
    ck_assert_ptr_nonnull(strstr(pg.text.buf, "covers 0 of 3 scenarios"));
    page_free(&pg);
    free(html);
}
END_TEST

START_TEST(test_many_samples)
{
    /* a long soak: thousands of samples are thinned to the plot's pixel
     * columns, and a spike survives the thinning */
    drip_result *r = &model.scenarios[0];
    r->nsamples = 0;
    add_samples(r, 20000, 3);
    r->samples[12345].v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 1e9;
    char *html = render(&model);
    page pg;
    parse(html, &pg);
    ck_assert_msg(pg.problems.len == 0, "%s", pg.problems.buf);
    ck_assert_ptr_nonnull(strstr(html, " GiB</text>"));   /* the axis reaches the spike */
    ck_assert_uint_lt(strlen(html), 600000);
    page_free(&pg);
    free(html);
}
END_TEST

START_TEST(test_axis)
{
    char b[32];
    drip_axis a = drip__axis_make(0, 5e6, 1, 5, true);      /* 4.77 MiB */
    ck_assert_str_eq(a.suffix, " MiB");
    ck_assert(a.lo == 0 && a.step == 1048576 && a.hi == 5 * 1048576.0);
    ck_assert_str_eq(drip__axis_label(&a, 3 * 1048576.0, b, sizeof b), "3 MiB");
    a = drip__axis_make(0, 1.9 * 1048576, 1, 4, true);
    ck_assert_str_eq(drip__axis_label(&a, 1.5 * 1048576, b, sizeof b), "1.5 MiB");
    a = drip__axis_make(100, 20000, 1, 5, false);
    ck_assert(a.lo == 0 && a.hi == 20000 && a.step == 5000);
    ck_assert_str_eq(drip__axis_label(&a, 15000, b, sizeof b), "15k");
    ck_assert_str_eq(drip__axis_label(&a, 0, b, sizeof b), "0");
    a = drip__axis_make(300, 900, 1, 4, false);
    ck_assert_str_eq(drip__axis_label(&a, 600, b, sizeof b), "600");
    a = drip__axis_make(1, 1, 4, 4, false);                  /* flat: widened, not below 0 */
    ck_assert(a.lo == 0 && a.hi >= 3 && a.hi <= 5);
    a = drip__axis_make(-3, 7, 1, 5, false);                 /* negative data keeps its sign */
    ck_assert(a.lo <= -3 && a.hi >= 7);
    a = drip__axis_make(NAN, 1, 1, 5, false);                /* nonsense in: a usable axis */
    ck_assert(a.hi > a.lo && a.step > 0);
    a = drip__axis_make(0, 0.004, 0.001, 4, false);
    ck_assert_str_eq(drip__axis_label(&a, 0.002, b, sizeof b), "0.002");
}
END_TEST

/* ---- end to end ------------------------------------------------------------------- */

/* drip run writes report.html beside results.json, with a chart for every
 * metric results.json says was measured, and names it at the end. */
START_TEST(test_drip_run_writes_html)
{
    char *dir = tmpdir();
    /* the C analogs only: the Go original's metrics are the program's own */
    const char *args[] = {"run", "--no-color", "-o", dir, SRC("scenarios/time-after/leaky.yaml"),
                          SRC("scenarios/time-after/fixed.yaml"), NULL};
    proc p = run(args);
    ck_assert_msg(p.status == 0, "%s%s", p.out, p.err);
    char *line = xasprintf("html:   %s/report.html\n", dir);
    ck_assert_msg(strstr(p.out, line), "%s", p.out);
    free(line);

    char *path = xasprintf("%s/report.html", dir);
    char *html = slurp(path);
    ck_assert_ptr_nonnull(html);
    page pg;
    parse(html, &pg);
    ck_assert_msg(pg.problems.len == 0, "%s", pg.problems.buf);
    ck_assert_int_eq(pg.empties, 0);                 /* no empty chart */
    json_t *root = load_results(dir);
    json_t *scs = json_object_get(root, "scenarios");
    ck_assert_uint_ge(json_array_size(scs), 2);
    for (size_t i = 0; i < json_array_size(scs); i++) {
        json_t *sc = json_array_get(scs, i);
        int n = (int)json_object_size(json_object_get(sc, "metrics"));
        ck_assert_int_ge(n, 6);
        /* a chart per measured metric, but one line for those all 0 (tasks and
         * conns here: time-after uses timers only) */
        ck_assert_int_eq(pg.charts[i] + pg.zeros[i], n);
        ck_assert_int_ge(pg.zeros[i], 2);
        ck_assert_int_eq(pg.fits[i], pg.charts[i]);
        ck_assert_ptr_nonnull(strstr(pg.text.buf, str_at(sc, "name")));
    }
    json_decref(root);
    page_free(&pg);
    free(html);
    free(path);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------- */

Suite *suite_html(void);

Suite *suite_html(void)
{
    Suite *s = suite_create("html");
    struct { const char *name; const TTest *tests[5]; } cases[] = {
        {"self-contained", {test_self_contained, test_checker_catches}},
        {"escaping",       {test_escaping, test_escape_attr}},
        {"charts",         {test_charts, test_empty_run, test_many_samples, test_verdict_tones,
                            test_chart_ranges}},
        {"summary",        {test_summary_and_facts}},
        {"axes",           {test_axis}},
        {"e2e",            {test_drip_run_writes_html}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        for (size_t k = 0; k < 5 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_html();
}
