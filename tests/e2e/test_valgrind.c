/* test_valgrind.c - end to end: drip run's valgrind pass on real scenario
 * files: the pass at N and 2N with its limits, each workload's class from
 * the evidence, valgrind missing, and passes that do not finish (the worker
 * killed under valgrind, valgrind killed at its budget).
 */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"

/* ---- the valgrind pass ------------------------------------------------------------- */

static json_t *vg_of(json_t *root, const char *name, const char *kind)
{
    return json_object_get(json_object_get(scenario(root, name), "valgrind"), kind);
}

START_TEST(valgrind_pass)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir,
                                  TST("scenarios/valgrind.yaml"), NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(dir);
    json_t *lost = scenario(root, "vg-lost");
    ck_assert_str_eq(str_at(lost, "status"), "fail");
    ck_assert_msg(strstr(str_at(lost, "reason"), "definitely_lost 800 B > max 0 B"), "%s",
                  str_at(lost, "reason"));
    ck_assert_msg(strstr(str_at(lost, "reason"), "iterate (drop.c:"), "%s", str_at(lost, "reason"));
    /* exactly 8 bytes in one block per iteration of the pass's 100 */
    ck_assert_int_eq(json_integer_value(json_object_get(vg_of(root, "vg-lost", "definitely_lost"),
                                                        "bytes")), 800);
    ck_assert_int_eq(json_integer_value(json_object_get(vg_of(root, "vg-lost", "definitely_lost"),
                                                        "blocks")), 100);
    ck_assert(json_is_true(vg_of(root, "vg-lost", "complete")));
    ck_assert_str_eq(str_at(scenario(root, "vg-clean"), "status"), "pass");
    ck_assert_int_eq(json_integer_value(json_object_get(vg_of(root, "vg-clean", "definitely_lost"),
                                                        "bytes")), 0);
    ck_assert_int_eq(json_integer_value(vg_of(root, "vg-clean", "errors")), 0);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

static json_t *growth_of(json_t *root, const char *name, const char *kind)
{
    return json_object_get(vg_of(root, name, "growth"), kind);
}

/* Lost memory against reachable growth: one block lost per iteration is
 * "lost memory" with the allocating function named; a global list that only
 * grows is "reachable growth" with nothing definitely lost, seen only by the
 * search before teardown (at exit, teardown has freed it). */
START_TEST(valgrind_classes)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir,
                                  TST("scenarios/classes.yaml"), NULL});
    ck_assert_msg(p.status == 0, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(dir);

    json_t *lost = json_object_get(scenario(root, "class-lost"), "classification");
    ck_assert_str_eq(str_at(lost, "class"), "lost memory");
    ck_assert_str_eq(str_at(lost, "basis"), "counters and valgrind");
    ck_assert_msg(strstr(str_at(lost, "why"), "lose_block (lose.c:"), "%s", str_at(lost, "why"));
    /* 24 bytes in one block per iteration, 100 more iterations in the 2N run */
    json_t *dl = growth_of(root, "class-lost", "definitely_lost");
    ck_assert_int_eq(json_integer_value(json_object_get(dl, "bytes_2n")) -
                     json_integer_value(json_object_get(dl, "bytes_n")), 2400);
    ck_assert(json_is_true(json_object_get(dl, "growing")));
    ck_assert_str_eq(str_at(vg_of(root, "class-lost", "growth"), "compared"), "before_teardown");
    ck_assert_msg(strstr(str_at(vg_of(root, "class-lost", "growth"), "top_lost"), "lose_block"),
                  "%s", str_at(vg_of(root, "class-lost", "growth"), "top_lost"));
    ck_assert_msg(strstr(p.out, "[lost memory"), "%s", p.out);

    json_t *reach = json_object_get(scenario(root, "class-reachable"), "classification");
    ck_assert_str_eq(str_at(reach, "class"), "reachable growth");
    ck_assert_msg(strstr(str_at(reach, "why"), "remember (grow.c:"), "%s", str_at(reach, "why"));
    ck_assert_str_eq(str_at(scenario(root, "class-reachable"), "status"), "pass");
    ck_assert_int_eq(json_integer_value(json_object_get(vg_of(root, "class-reachable",
                                                              "definitely_lost"), "bytes")), 0);
    json_t *before = vg_of(root, "class-reachable", "before_teardown");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(before, "definitely_lost"),
                                                        "bytes")), 0);
    ck_assert_int_ge(json_integer_value(json_object_get(json_object_get(before, "still_reachable"),
                                                        "bytes")), 100 * 48);
    json_t *sr = growth_of(root, "class-reachable", "still_reachable");
    ck_assert_int_eq(json_integer_value(json_object_get(sr, "bytes_2n")) -
                     json_integer_value(json_object_get(sr, "bytes_n")), 4800);
    ck_assert(json_is_false(json_object_get(growth_of(root, "class-reachable", "definitely_lost"),
                                            "growing")));
    /* suppressions: the scenario's own file, and the runtime's by default */
    ck_assert_str_eq(str_at(scenario(root, "class-lost-suppressed"), "status"), "pass");
    ck_assert_int_eq(json_integer_value(json_object_get(vg_of(root, "class-lost-suppressed",
                                                              "definitely_lost"), "bytes")), 0);
    ck_assert_str_eq(str_at(scenario(root, "runtime-suppressed"), "status"), "pass");
    json_decref(root);

    /* junit.xml tells the same */
    char junit_path[4096];
    snprintf(junit_path, sizeof junit_path, "%s/junit.xml", dir);
    char *junit = slurp(junit_path);
    ck_assert_msg(strstr(junit, "class: lost memory: "), "%s", junit);
    ck_assert_msg(strstr(junit, "valgrind growth 100 -&gt; 200 iterations"), "%s", junit);
    free(junit);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Without valgrind the checks are skipped - never passed, and said so. */
START_TEST(valgrind_missing)
{
    char *dir = tmpdir();
    proc p = run_env(NULL, "/nonexistent", (const char *[]){"run", "--no-color", "-k", "vg-clean",
                                                           "-o", dir, TST("scenarios/valgrind.yaml"),
                                                           NULL});
    /* asked for and not run: never a pass */
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "valgrind checks skipped, not passed") != NULL, "%s", p.out);
    json_t *root = load_results(dir);
    ck_assert_str_eq(str_at(scenario(root, "vg-clean"), "status"), "error");
    json_t *vg = json_object_get(scenario(root, "vg-clean"), "valgrind");
    ck_assert_msg(strstr(str_at(vg, "skipped"), "not installed"), "%s", str_at(vg, "skipped"));
    json_t *check = json_array_get(json_object_get(vg, "checks"), 0);
    ck_assert_str_eq(str_at(check, "ok"), "skipped");
    json_t *warnings = json_object_get(scenario(root, "vg-clean"), "warnings"), *w;
    size_t i;
    bool said = false;
    json_array_foreach(warnings, i, w)
        said |= strstr(json_string_value(w), "valgrind checks skipped, not passed") != NULL;
    ck_assert_msg(said, "no warning about the skipped valgrind checks");
    json_t *cls = json_object_get(scenario(root, "vg-clean"), "classification");
    ck_assert_str_eq(str_at(cls, "basis"), "counters");
    ck_assert_msg(strstr(str_at(cls, "why"), "valgrind pass skipped"), "%s", str_at(cls, "why"));
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* A valgrind pass that does not finish is an error that says why: the
 * worker killed under valgrind (the XML is whole, the run is not), and
 * valgrind killed from outside (the XML is cut off). */
START_TEST(valgrind_cut_off)
{
    char *dir = tmpdir();
    proc p = run((const char *[]){"run", "--no-color", "-o", dir, TST("scenarios/vgcut.yaml"), NULL});
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    json_t *root = load_results(dir);
    const char *names[] = {"vg-killed", "vg-cut"};
    const char *says[] = {"died of SIGKILL", "timed out"};
    for (int i = 0; i < 2; i++) {
        json_t *s = scenario(root, names[i]);
        ck_assert_msg(strcmp(str_at(s, "status"), "error") == 0, "%s: %s", names[i],
                      str_at(s, "status"));
        json_t *vg = json_object_get(s, "valgrind");
        ck_assert_msg(strstr(str_at(vg, "problem"), says[i]) != NULL, "%s: problem %s", names[i],
                      str_at(vg, "problem"));
        ck_assert_msg(strstr(str_at(s, "reason"), "valgrind") != NULL, "%s", str_at(s, "reason"));
    }
    json_t *cut = json_object_get(scenario(root, "vg-cut"), "valgrind");
    ck_assert(json_is_false(json_object_get(cut, "complete")));     /* the XML ends early */
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("valgrind");
    TCase *tc = drip_tcase(s, "valgrind", valgrind_pass, valgrind_classes, valgrind_missing,
                           valgrind_cut_off, NULL);
    tcase_set_timeout(tc, 600);
    return s;
}
