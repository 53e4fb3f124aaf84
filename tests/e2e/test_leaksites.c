/* test_leaksites.c - end to end: a default `drip run` names the leaking
 * line (issue 13).
 *
 * tests/plugins/leaks.c holds issue 13's leaking workloads (a slow leak of
 * 0.8 B/iter, a 1 % error path, a leak in short-lived threads, a realloc'd
 * buffer, a leak under churn, a late leak, a leak behind an xnew()
 * wrapper), each leaking line marked LEAK(kind).  At default settings -
 * no `profile:`, no --iterations - the top growing site's user frame must
 * be that function and line for every seed (the thread leak at 1 and 2
 * threads), and a run too big for precise mode must name it through the
 * rate it chose.  The same --seed at one thread gives the same sites.
 * Nothing here depends on timing: the rate is chosen from what the first
 * iterations allocate, and sampling draws from (seed, thread number).
 */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "e2e.h"

static char *g_dir;

/* The line of leaks.c that carries LEAK(kind). */
static int leak_line(const char *kind)
{
    char *text = slurp(DRIP_SOURCE_DIR "/tests/plugins/leaks.c");
    ck_assert_ptr_nonnull(text);
    char mark[64];
    snprintf(mark, sizeof mark, "LEAK(%s)", kind);
    const char *at = strstr(text, mark);
    ck_assert_msg(at != NULL, "no %s in leaks.c", mark);
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    free(text);
    return line;
}

/* Run kind with seed and threads (extra: more of the scenario's YAML;
 * no expectations: these leak on purpose, the site is what is checked);
 * results.json's root (the caller decrefs).  sub names the report. */
static json_t *run_kind(const char *kind, const char *seed, const char *threads,
                        const char *extra, const char *sub)
{
    if (!g_dir)
        g_dir = tmpdir();
    char yaml[600], out[600];
    snprintf(yaml, sizeof yaml, "%s/%s.yaml", g_dir, sub);
    snprintf(out, sizeof out, "%s/%s", g_dir, sub);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "name: leak-%s\nworkload: { plugin: %s/libtest_leaks.so }\n"
               "params: { kind: %s }\n"
               "expect: none\n%s", kind, TST("plugins"), kind, extra ? extra : "");
    ck_assert_int_eq(fclose(f), 0);
    const char *args[] = {"run", "--no-color", "--seed", seed, "--threads", threads,
                          "-o", out, yaml, NULL};
    proc p = run(args);
    ck_assert_msg(p.status == 0, "%s seed %s: exit %d\n%s%s", kind, seed, p.status, p.out, p.err);
    proc_free(&p);
    return load_results(out);
}

static json_t *top_site(json_t *root, const char *kind)
{
    char name[64];
    snprintf(name, sizeof name, "leak-%s", kind);
    json_t *prof = json_object_get(scenario(root, name), "profile");
    ck_assert_msg(json_is_object(prof), "%s: no profile", kind);
    json_t *top = json_array_get(json_object_get(prof, "growing_sites"), 0);
    ck_assert_msg(top != NULL, "%s: no growing site", kind);
    return top;
}

/* The top growing site's user frame is LEAK(kind)'s function and line. */
static void check_kind(const char *kind, const char *fn, const char *threads, const char *extra)
{
    static const char *const seeds[] = {"1", "2", "3"};
    int line = leak_line(kind);
    for (size_t i = 0; i < 3; i++) {
        char sub[64];
        snprintf(sub, sizeof sub, "%s-t%s-s%s", kind, threads, seeds[i]);
        json_t *root = run_kind(kind, seeds[i], threads, extra, sub);
        json_t *top = top_site(root, kind);
        json_t *user = json_object_get(top, "user_frame");
        ck_assert_msg(json_is_object(user), "%s seed %s: top site %s has no user frame", kind,
                      seeds[i], str_at(top, "stack"));
        ck_assert_msg(strcmp(str_at(user, "function"), fn) == 0 &&
                          strcmp(str_at(user, "file"), "leaks.c") == 0 &&
                          json_integer_value(json_object_get(user, "line")) == line,
                      "%s seed %s threads %s: top site %s, user frame %s (%s:%lld), "
                      "want %s (leaks.c:%d)", kind, seeds[i], threads, str_at(top, "stack"),
                      str_at(user, "function"), str_at(user, "file"),
                      (long long)json_integer_value(json_object_get(user, "line")), fn, line);
        json_decref(root);
    }
}

START_TEST(slow_leak)      { check_kind("slow", "leak_slow", "1", NULL); }
END_TEST
START_TEST(error_path)     { check_kind("errpath", "parse_reply", "1", NULL); }
END_TEST
START_TEST(thread_1)       { check_kind("thread", "leak_in_thread", "1", NULL); }
END_TEST
START_TEST(thread_2)       { check_kind("thread", "leak_in_thread", "2", NULL); }
END_TEST
START_TEST(realloc_buffer) { check_kind("realloc", "grow_buffer", "1", NULL); }
END_TEST
START_TEST(under_churn)    { check_kind("churn", "leak_under_churn", "1", NULL); }
END_TEST
START_TEST(late_leak)      { check_kind("late", "leak_late", "1", NULL); }
END_TEST
START_TEST(behind_wrapper) { check_kind("wrapper", "leak_wrapped", "1", NULL); }
END_TEST

/* Too many allocations for precise mode (60000 iterations of 40 churned
 * blocks): the profile samples at the rate it chose from the first
 * iterations, reported as profile.rate, and still names the leak. */
START_TEST(chosen_rate_names_it)
{
    const char *extra = "run: { iterations: 60000 }\n";
    check_kind("churn", "leak_under_churn", "1", extra);
    json_t *root = run_kind("churn", "1", "1", extra, "churn-rate");
    json_t *prof = json_object_get(scenario(root, "leak-churn"), "profile");
    ck_assert_str_eq(str_at(prof, "mode"), "sampled");
    json_int_t rate = json_integer_value(json_object_get(prof, "rate"));
    ck_assert_msg(rate > 1 && rate < 512 * 1024, "rate %lld", (long long)rate);
    ck_assert(json_is_false(json_object_get(prof, "partial")));
    /* the estimate's 95 % interval holds the truth, 24 B/iter */
    json_t *top = top_site(root, "churn");
    double low = json_number_value(json_object_get(top, "bytes_per_iteration_low"));
    double high = json_number_value(json_object_get(top, "bytes_per_iteration_high"));
    ck_assert_msg(low < 24 && 24 < high && high - low < 24, "interval %.1f..%.1f", low, high);
    json_decref(root);
}
END_TEST

/* The same seed at one thread: the same sites, estimates included. */
START_TEST(same_seed_same_sites)
{
    const char *extra = "run: { iterations: 60000 }\n";
    char *text[2];
    for (int i = 0; i < 2; i++) {
        json_t *root = run_kind("churn", "7", "1", extra, i ? "again-b" : "again-a");
        json_t *prof = json_object_get(scenario(root, "leak-churn"), "profile");
        text[i] = json_dumps(json_object_get(prof, "growing_sites"), JSON_SORT_KEYS);
        json_decref(root);
    }
    ck_assert_str_eq(text[0], text[1]);
    free(text[0]);
    free(text[1]);
}
END_TEST

static Suite *suite_leaksites(void)
{
    Suite *s = suite_create("leaksites");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, slow_leak);
    tcase_add_test(tc, error_path);
    tcase_add_test(tc, thread_1);
    tcase_add_test(tc, thread_2);
    tcase_add_test(tc, realloc_buffer);
    tcase_add_test(tc, under_churn);
    tcase_add_test(tc, late_leak);
    tcase_add_test(tc, behind_wrapper);
    tcase_add_test(tc, chosen_rate_names_it);
    tcase_add_test(tc, same_seed_same_sites);
    suite_add_tcase(s, tc);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_leaksites();
}

void drip_test_configure(SRunner *sr)
{
    srunner_set_fork_status(sr, CK_NOFORK);
}

int drip_test_after(void)
{
    int failed = 0;
    if (g_dir) {                   /* not rm_rf: no Check asserts outside a test */
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd) != 0)
            failed++;
        free(g_dir);
    }
    return failed;
}
