/* test_fault_forms.c - the loader's fault forms: `rate`, `every`, `nth`.
 *
 * "core": every accepted form and what it stores (every, nth sorted, the
 * size filters with each form, both YAML styles, the limits).
 * "errors": each way an entry can be wrong, pinning line, column and
 * message: two forms at once, no form, bad every, bad nth lists and items,
 * misspelt keys.  A fresh list and diags per test (the fixture frees them,
 * so valgrind sees every error path).  The decisions themselves are in
 * test_fault.c.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "scenario/scenario.h"
#include "util/util.h"

Suite *suite_fault_forms(void);

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

static void reset(void)
{
    teardown();
    setup();
}

static int load(const char *yaml)
{
    return drip_scenario_load_string("t.yaml", yaml, strlen(yaml), &list, &diags);
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
    int n = load(yaml);
    char *all = dump();
    ck_assert_msg(n == 1 && diags.count == 1 && list.count == 0,
                  "line %d: want one problem, got %d:\n%s", at, n, all);
    free(all);
    assert_diag_at(at, 0, line, col, sub);
}

/* Loading `yaml` gives one scenario and no problem; returns its faults. */
#define expect_ok(yaml) expect_ok_at(__LINE__, (yaml))
static const drip_scenario *expect_ok_at(int at, const char *yaml)
{
    size_t before = list.count;
    int n = load(yaml);
    char *all = dump();
    ck_assert_msg(n == 0 && list.count == before + 1, "line %d: want ok, got:\n%s\n--\n%s", at,
                  all, yaml);
    free(all);
    return &list.items[list.count - 1];
}

#define MIN_OK "name: a\nworkload: w\n"

/* ---- core ------------------------------------------------------------------- */

START_TEST(core_rate_form_unchanged)
{
    const drip_scenario *s = expect_ok(MIN_OK "faults: [ { point: p, rate: 0.25 } ]\n");
    ck_assert_uint_eq(s->nfaults, 1);
    ck_assert(s->faults[0].rate == 0.25);
    ck_assert_uint_eq(s->faults[0].every, 0);
    ck_assert_ptr_null(s->faults[0].nth);
    ck_assert_uint_eq(s->faults[0].nnth, 0);
    reset();
    s = expect_ok(MIN_OK "faults: [ { point: p, rate: 0 } ]\n");   /* rate 0 is a form */
    ck_assert(s->faults[0].rate == 0);
}
END_TEST

START_TEST(core_every_alone)
{
    const drip_scenario *s = expect_ok(MIN_OK "faults:\n  - { point: read.timeout, every: 10 }\n");
    ck_assert_uint_eq(s->nfaults, 1);
    ck_assert_str_eq(s->faults[0].point, "read.timeout");
    ck_assert_uint_eq(s->faults[0].every, 10);
    ck_assert_uint_eq(s->faults[0].nnth, 0);
    ck_assert_ptr_null(s->faults[0].nth);
    ck_assert(s->faults[0].rate == 0);
    ck_assert_int_eq(s->faults[0].pos.line, 4);
    ck_assert_int_eq(s->faults[0].pos.col, 5);
    reset();
    s = expect_ok(MIN_OK "faults: [ { point: p, every: 1 } ]\n");
    ck_assert_uint_eq(s->faults[0].every, 1);
    reset();
    s = expect_ok(MIN_OK "faults: [ { point: p, every: 1000000000000 } ]\n");
    ck_assert_uint_eq(s->faults[0].every, 1000000000000ULL);
}
END_TEST

START_TEST(core_nth_alone)
{
    const drip_scenario *s = expect_ok(MIN_OK "faults: [ { point: alloc, nth: [2] } ]\n");
    ck_assert_uint_eq(s->faults[0].every, 0);
    ck_assert_uint_eq(s->faults[0].nnth, 1);
    ck_assert_uint_eq(s->faults[0].nth[0], 2);
    ck_assert(s->faults[0].max_size == UINT64_MAX);
    reset();
    s = expect_ok(MIN_OK "faults: [ { point: p, nth: [1, 1000000000] } ]\n");
    ck_assert_uint_eq(s->faults[0].nnth, 2);
    ck_assert_uint_eq(s->faults[0].nth[0], 1);
    ck_assert_uint_eq(s->faults[0].nth[1], 1000000000);
}
END_TEST

START_TEST(core_every_and_nth_sorted)
{
    /* written in any order, stored ascending */
    const drip_scenario *s =
        expect_ok(MIN_OK "faults: [ { point: alloc, every: 100, nth: [5, 3, 40, 1] } ]\n");
    static const uint64_t want[] = {1, 3, 5, 40};
    ck_assert_uint_eq(s->faults[0].every, 100);
    ck_assert_uint_eq(s->faults[0].nnth, 4);
    for (size_t j = 0; j < 4; j++)
        ck_assert_uint_eq(s->faults[0].nth[j], want[j]);
}
END_TEST

START_TEST(core_block_style_with_sizes)
{
    /* block YAML, and the size filters keep working with a schedule */
    const drip_scenario *s = expect_ok(MIN_OK
                                       "faults:\n"
                                       "  - point: alloc\n"
                                       "    every: 100\n"
                                       "    nth:\n"
                                       "      - 3\n"
                                       "      - 5\n"
                                       "    min_size: 1KiB\n"
                                       "    max_size: 1MiB\n"
                                       "  - point: cache.miss\n"
                                       "    rate: 0.5\n"
                                       "  - { point: read.timeout, every: 10 }\n");
    ck_assert_uint_eq(s->nfaults, 3);
    const drip_fault_spec *f = &s->faults[0];
    ck_assert_uint_eq(f->every, 100);
    ck_assert_uint_eq(f->nnth, 2);
    ck_assert_uint_eq(f->nth[0], 3);
    ck_assert_uint_eq(f->nth[1], 5);
    ck_assert_uint_eq(f->min_size, 1024);
    ck_assert_uint_eq(f->max_size, 1 << 20);
    ck_assert(s->faults[1].rate == 0.5);
    ck_assert_uint_eq(s->faults[1].every + s->faults[1].nnth, 0);
    ck_assert_uint_eq(s->faults[2].every, 10);
    reset();
    s = expect_ok(MIN_OK "faults: [ { point: alloc, nth: [1], min_size: 4KiB } ]\n");
    ck_assert_uint_eq(s->faults[0].min_size, 4096);
    reset();
    s = expect_ok(MIN_OK "faults: [ { point: alloc, every: 7, max_size: 64 } ]\n");
    ck_assert_uint_eq(s->faults[0].max_size, 64);
}
END_TEST

/* "[1, 2, ..., n]" as a flow sequence.  Caller frees. */
static char *nth_list(size_t n)
{
    strbuf b = {0};
    sb_appendf(&b, MIN_OK "faults: [ { point: p, nth: [");
    for (size_t j = 1; j <= n; j++)
        sb_appendf(&b, "%s%zu", j > 1 ? ", " : "", j);
    sb_appendf(&b, "] } ]\n");
    return sb_take(&b);
}

START_TEST(core_nth_longest_list)
{
    char *y = nth_list(DRIP_FAULT_NTH_MAX);
    const drip_scenario *s = expect_ok(y);
    ck_assert_uint_eq(s->faults[0].nnth, DRIP_FAULT_NTH_MAX);
    for (size_t j = 0; j < DRIP_FAULT_NTH_MAX; j++)
        ck_assert_uint_eq(s->faults[0].nth[j], j + 1);
    free(y);
}
END_TEST

/* ---- errors ----------------------------------------------------------------- */

START_TEST(err_rate_and_schedule)
{
    /* reported at the schedule's key */
    expect_one(MIN_OK "faults:\n  - { point: p, rate: 0.5, every: 10 }\n", 4, 28,
               "'faults[0]' has both 'rate' and 'every': a fault fires either by chance (rate) "
               "or on a schedule (every, nth), not both");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: p, nth: [2], rate: 0.5 }\n", 4, 17,
               "'faults[0]' has both 'rate' and 'nth'");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: p, rate: 0, nth: [2], every: 3 }\n", 4, 36,
               "'faults[0]' has both 'rate' and 'every'");
    reset();
    /* in the second entry, the first being fine */
    expect_one(MIN_OK "faults:\n  - { point: p, every: 2 }\n  - { point: q, rate: 1, nth: [1] }\n",
               5, 26, "'faults[1]' has both 'rate' and 'nth'");
}
END_TEST

START_TEST(err_no_form)
{
    expect_one(MIN_OK "faults:\n  - { point: p }\n", 4, 5,
               "faults[0]: missing required key 'rate' (or 'every' and/or 'nth' for a fault "
               "on a schedule)");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: alloc, min_size: 1KiB }\n", 4, 5,
               "faults[0]: missing required key 'rate'");
    reset();
    /* a misspelt key: suggested, and the entry still has no form */
    ck_assert_int_eq(load(MIN_OK "faults:\n  - { point: p, evry: 10 }\n"), 2);
    assert_diag(0, 4, 17, "unknown key 'evry' in 'faults[0]' (did you mean 'every'?)");
    assert_diag(1, 4, 5, "faults[0]: missing required key 'rate' (or 'every'");
    ck_assert_uint_eq(list.count, 0);
    reset();
    ck_assert_int_eq(load(MIN_OK "faults:\n  - { point: p, nht: [2] }\n"), 2);
    assert_diag(0, 4, 17, "unknown key 'nht' in 'faults[0]' (did you mean 'nth'?)");
}
END_TEST

START_TEST(err_bad_every)
{
    static const struct { const char *value; int col; const char *msg; } cases[] = {
        {"0", 24, "'faults[0].every' must be an integer from 1 to 1000000000000, got '0'"},
        {"-3", 24, "'faults[0].every' must be an integer from 1 to 1000000000000, got '-3'"},
        {"1000000000001", 24, "must be an integer from 1 to 1000000000000, got '1000000000001'"},
        {"1.5", 24, "'faults[0].every' must be an integer, got '1.5'"},
        {"ten", 24, "'faults[0].every' must be an integer, got 'ten'"},
        {"\"10\"", 24, "'faults[0].every' must be an integer, got a string (write it without "
                       "quotes)"},
        {"[10]", 24, "'faults[0].every' must be an integer, got a sequence"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *y = xasprintf(MIN_OK "faults:\n  - { point: p, every: %s }\n", cases[i].value);
        expect_one(y, 4, cases[i].col, cases[i].msg);
        free(y);
        reset();
    }
    /* `every:` with no value */
    expect_one(MIN_OK "faults:\n  - point: p\n    every:\n", 5, 11,
               "'faults[0].every' must be an integer, got an empty value");
}
END_TEST

START_TEST(err_nth_not_a_list)
{
    expect_one(MIN_OK "faults:\n  - { point: p, nth: 2 }\n", 4, 22,
               "'faults[0].nth' must be a sequence of integers such as [2, 5], got '2' "
               "(write [2])");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: p, nth: two }\n", 4, 22,
               "'faults[0].nth' must be a sequence of integers such as [2, 5], got 'two'");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: p, nth: { a: 1 } }\n", 4, 22,
               "'faults[0].nth' must be a sequence of integers such as [2, 5], got a mapping");
    reset();
    expect_one(MIN_OK "faults:\n  - point: p\n    nth:\n", 5, 9,
               "'faults[0].nth' must be a sequence of integers such as [2, 5], got an empty value");
    reset();
    expect_one(MIN_OK "faults:\n  - { point: p, nth: [] }\n", 4, 22,
               "'faults[0].nth' must list at least one ask (1 is the first), got an empty "
               "sequence");
}
END_TEST

START_TEST(err_nth_bad_items)
{
    static const struct { const char *list; int col; const char *msg; } cases[] = {
        {"[0]", 23, "'faults[0].nth[0]' must be an integer from 1 to 1000000000, got '0'"},
        {"[2, -1]", 26, "'faults[0].nth[1]' must be an integer from 1 to 1000000000, got '-1'"},
        {"[1000000001]", 23, "'faults[0].nth[0]' must be an integer from 1 to 1000000000, "
                             "got '1000000001'"},
        {"[1.5]", 23, "'faults[0].nth[0]' must be an integer, got '1.5'"},
        {"[x]", 23, "'faults[0].nth[0]' must be an integer, got 'x'"},
        {"[\"2\"]", 23, "'faults[0].nth[0]' must be an integer, got a string (write it without "
                        "quotes)"},
        {"[[2]]", 23, "'faults[0].nth[0]' must be an integer, got a sequence"},
        {"[1, {k: 2}]", 26, "'faults[0].nth[1]' must be an integer, got a mapping"},
        {"[2, 3, 2]", 29, "'faults[0].nth' lists 2 twice (first at line 4, column 23)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *y = xasprintf(MIN_OK "faults:\n  - { point: p, nth: %s }\n", cases[i].list);
        expect_one(y, 4, cases[i].col, cases[i].msg);
        free(y);
        reset();
    }
    /* every bad item is reported, and nothing more (no "empty" complaint) */
    ck_assert_int_eq(load(MIN_OK "faults:\n  - { point: p, nth: [2, 0, 2, 0] }\n"), 3);
    assert_diag(0, 4, 26, "'faults[0].nth[1]' must be an integer from 1");
    assert_diag(1, 4, 29, "'faults[0].nth' lists 2 twice (first at line 4, column 23)");
    assert_diag(2, 4, 32, "'faults[0].nth[3]' must be an integer from 1");
    ck_assert_uint_eq(list.count, 0);
    reset();
    /* a duplicate on another line says where the first one was */
    expect_one(MIN_OK "faults:\n  - point: p\n    nth:\n      - 4\n      - 4\n", 7, 9,
               "'faults[0].nth' lists 4 twice (first at line 6, column 9)");
}
END_TEST

/* The 1-based column of `needle` in y's third line (where nth_list puts
 * the faults). */
static int col_in_line3(const char *y, const char *needle)
{
    const char *line3 = strstr(y, "faults:"), *at = strstr(y, needle);
    ck_assert(line3 && at && at > line3);
    return (int)(at - line3) + 1;
}

START_TEST(err_nth_too_long)
{
    /* 64 is the most; 65 and 70 give one problem, at the 65th item */
    char *y = nth_list(DRIP_FAULT_NTH_MAX + 1);
    expect_one(y, 3, col_in_line3(y, "65]"), "'faults[0].nth' lists more than 64 asks");
    free(y);
    reset();
    y = nth_list(70);
    expect_one(y, 3, col_in_line3(y, "65,"), "'faults[0].nth' lists more than 64 asks");
    free(y);
}
END_TEST

START_TEST(err_forms_and_other_problems)
{
    /* sizes on another point, with a schedule: still refused */
    expect_one(MIN_OK "faults:\n  - { point: x, every: 5, min_size: 1KiB }\n", 4, 27,
               "'faults[0]': min_size and max_size apply to the 'alloc' point only");
    reset();
    /* a duplicate point in another form is still a duplicate */
    expect_one(MIN_OK "faults:\n  - { point: p, rate: 0.5 }\n  - { point: p, nth: [1] }\n", 5, 14,
               "duplicate fault point 'p' (first at line 4)");
    reset();
    /* several problems in one file; the next document still loads */
    ck_assert_int_eq(load(MIN_OK "faults:\n"
                                 "  - { point: a, rate: 0.5, nth: [0] }\n"    /* 4:34, 4:28 */
                                 "  - { point: b }\n"                          /* 5:5 no form */
                                 "  - { point: c, every: 0 }\n"                /* 6:24 range */
                                 "---\n"
                                 "name: fine\nworkload: w\nfaults: [ { point: c, every: 3 } ]\n"),
                     4);
    assert_diag(0, 4, 34, "'faults[0].nth[0]' must be an integer from 1");
    assert_diag(1, 4, 28, "'faults[0]' has both 'rate' and 'nth'");
    assert_diag(2, 5, 5, "faults[1]: missing required key 'rate'");
    assert_diag(3, 6, 24, "'faults[2].every' must be an integer from 1");
    ck_assert_uint_eq(list.count, 1);
    ck_assert_str_eq(list.items[0].name, "fine");
    ck_assert_uint_eq(list.items[0].faults[0].every, 3);
}
END_TEST

START_TEST(err_syntax_inside_nth)
{
    /* the walk stops at the error; nothing half-read is kept (valgrind) */
    int n = load(MIN_OK "faults:\n  - { point: p, nth: [2, 3 }\n");
    ck_assert_int_ge(n, 1);
    ck_assert_uint_eq(list.count, 0);
    char *all = dump();
    ck_assert_msg(strstr(all, "YAML syntax error") != NULL, "%s", all);
    free(all);
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

Suite *suite_fault_forms(void)
{
    Suite *s = suite_create("fault_forms");
    TCase *core = drip_tcase(s, "core", core_rate_form_unchanged, core_every_alone, core_nth_alone,
            core_every_and_nth_sorted, core_block_style_with_sizes, core_nth_longest_list, NULL);
    tcase_add_checked_fixture(core, setup, teardown);

    TCase *errors = drip_tcase(s, "errors", err_rate_and_schedule, err_no_form, err_bad_every,
            err_nth_not_a_list, err_nth_bad_items, err_nth_too_long, err_forms_and_other_problems,
            err_syntax_inside_nth, NULL);
    tcase_add_checked_fixture(errors, setup, teardown);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_fault_forms();
}
