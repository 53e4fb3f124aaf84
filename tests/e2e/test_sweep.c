/* test_sweep.c - end to end: `drip sweep` on a plugin with known defects.
 *
 * tests/plugins/sweepme.c makes four allocations per iteration; its `bug`
 * param picks the error path's defect: none, a leaked first block when the
 * second allocation fails, a crash when the third fails, a hang when the
 * fourth fails (persistently).  The sweep must name each k, the leaked
 * block's site, the signal, and carry on past every crash.
 */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "e2e.h"

/* Sweep the test file once for the whole suite. */
static char *g_dir;
static json_t *g_root;
static proc g_proc;

static void sweep_once(void)
{
    if (g_root)
        return;
    g_dir = tmpdir();
    const char *args[] = {"sweep", "--no-color", "-o", g_dir, TST("scenarios/sweep.yaml"), NULL};
    g_proc = run(args);
    g_root = load_results(g_dir);
}

static json_t *sweep_of(const char *name)
{
    sweep_once();
    json_t *sw = json_object_get(scenario(g_root, name), "sweep");
    ck_assert_msg(json_is_object(sw), "%s has no sweep object", name);
    return sw;
}

static json_t *mode_of(json_t *sw, const char *mode)
{
    json_t *m;
    size_t i;
    json_array_foreach(json_object_get(sw, "modes"), i, m)
        if (strcmp(str_at(m, "mode"), mode) == 0)
            return m;
    ck_abort_msg("no mode %s", mode);
    return NULL;
}

static json_int_t int_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

START_TEST(exit_status_and_terminal)
{
    sweep_once();
    ck_assert_int_eq(g_proc.status, 1);              /* leak, crash, hang fail */
    ck_assert_ptr_nonnull(strstr(g_proc.out, "PASS   sweep-clean"));
    ck_assert_ptr_nonnull(strstr(g_proc.out, "FAIL   sweep-leak "));
    ck_assert_ptr_nonnull(strstr(g_proc.out, "transient  k=2     leak  48 B in 1 block at "));
    ck_assert_ptr_nonnull(strstr(g_proc.out, "k=3     crash SIGSEGV"));
}
END_TEST

START_TEST(clean_in_both_modes)
{
    json_t *sw = sweep_of("sweep-clean");
    ck_assert_uint_eq(json_array_size(json_object_get(sw, "findings")), 0);
    const char *modes[] = {"transient", "persistent"};
    for (int i = 0; i < 2; i++) {
        json_t *m = mode_of(sw, modes[i]);
        ck_assert_int_eq(int_at(m, "allocations"), 4);   /* the unfaulted iteration's */
        ck_assert_int_eq(int_at(m, "trials"), 4);        /* k = 1..4; k = 5 fires nothing */
        ck_assert_int_eq(int_at(m, "clean"), 4);
        ck_assert_int_eq(int_at(m, "failed_iterations"), 4);   /* expected errors, counted */
        ck_assert(json_is_true(json_object_get(m, "complete")));
    }
    ck_assert_str_eq(str_at(scenario(g_root, "sweep-clean"), "status"), "pass");
}
END_TEST

START_TEST(leak_names_k_and_site)
{
    json_t *sw = sweep_of("sweep-leak");
    json_t *findings = json_object_get(sw, "findings");
    ck_assert_uint_eq(json_array_size(findings), 2);     /* k=2 in each mode, nothing else */
    const char *modes[] = {"transient", "persistent"};
    for (size_t i = 0; i < 2; i++) {
        json_t *f = json_array_get(findings, i);
        ck_assert_str_eq(str_at(f, "mode"), modes[i]);
        ck_assert_int_eq(int_at(f, "k"), 2);
        ck_assert_str_eq(str_at(f, "outcome"), "leak");
        ck_assert_int_eq(int_at(f, "leaked_bytes"), 48);
        ck_assert_int_eq(int_at(f, "leaked_blocks"), 1);
        json_t *site = json_array_get(json_object_get(f, "sites"), 0);
        const char *stack = str_at(site, "stack");
        /* the 48-byte name block, allocated in make_name (inlined into
         * iterate): function and source file, line known */
        ck_assert_msg(strstr(stack, "sweepme.c:") != NULL, "site: %s", stack);
        ck_assert_msg(strncmp(stack, "iterate", 7) == 0 || strncmp(stack, "make_name", 9) == 0,
                      "site: %s", stack);
        ck_assert_msg(strstr(stack, "sweep.c") == NULL, "harness frames in %s", stack);
    }
    json_t *s = scenario(g_root, "sweep-leak");
    ck_assert_str_eq(str_at(s, "status"), "fail");
    ck_assert_ptr_nonnull(strstr(str_at(s, "reason"), "k=2 leaked 48 B in 1 block"));
}
END_TEST

START_TEST(crash_is_reported_and_sweep_goes_on)
{
    json_t *sw = sweep_of("sweep-crash");
    json_t *findings = json_object_get(sw, "findings");
    ck_assert_uint_eq(json_array_size(findings), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *f = json_array_get(findings, i);
        ck_assert_int_eq(int_at(f, "k"), 3);
        ck_assert_str_eq(str_at(f, "outcome"), "crash");
        ck_assert_int_eq(int_at(f, "signal"), 11);
        ck_assert_ptr_nonnull(strstr(str_at(f, "detail"), "SIGSEGV"));
    }
    /* k = 4 ran in a new worker after the crash, and the sweep completed */
    json_t *m = mode_of(sw, "transient");
    ck_assert_int_eq(int_at(m, "trials"), 4);
    ck_assert(json_is_true(json_object_get(m, "complete")));
    json_t *checks = json_object_get(sw, "checks");
    json_t *crashes = json_array_get(checks, 2);
    ck_assert_str_eq(str_at(crashes, "check"), "crashes");
    ck_assert_int_eq(int_at(crashes, "actual"), 2);
    ck_assert(json_is_false(json_object_get(crashes, "ok")));
}
END_TEST

START_TEST(hang_is_a_finding)
{
    json_t *sw = sweep_of("sweep-hang");
    json_t *findings = json_object_get(sw, "findings");
    ck_assert_uint_eq(json_array_size(findings), 1);
    json_t *f = json_array_get(findings, 0);
    ck_assert_str_eq(str_at(f, "mode"), "persistent");
    ck_assert_int_eq(int_at(f, "k"), 4);
    ck_assert_str_eq(str_at(f, "outcome"), "hang");
    ck_assert_uint_eq(json_array_size(json_object_get(sw, "modes")), 1);
}
END_TEST

/* A worker slower to start than sweep.timeout (1 s here) is not a hang:
 * start-up has run.timeout; the sweep still finds the hang at k = 4. */
START_TEST(slow_start_is_not_a_hang)
{
    char *dir = tmpdir();
    const char *args[] = {"sweep", "--no-color", "-k", "sweep-hang", "-o", dir,
                          TST("scenarios/sweep.yaml"), NULL};
    setenv("DRIP_TEST_SLOW_LOAD_MS", "1500", 1);
    proc p = run(args);
    unsetenv("DRIP_TEST_SLOW_LOAD_MS");
    json_t *root = load_results(dir);
    json_t *r = scenario(root, "sweep-hang");
    ck_assert_msg(strcmp(str_at(r, "status"), "fail") == 0, "%s: %s", str_at(r, "status"),
                  json_string_value(json_object_get(r, "reason")));
    json_t *findings = json_object_get(json_object_get(r, "sweep"), "findings");
    ck_assert_uint_eq(json_array_size(findings), 1);
    ck_assert_str_eq(str_at(json_array_get(findings, 0), "outcome"), "hang");
    ck_assert_int_eq(p.status, 1);                   /* the hang fails it, nothing errs */
    json_decref(root);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(limits_allow_a_known_leak)
{
    json_t *sw = sweep_of("sweep-leak-allowed");
    ck_assert_uint_eq(json_array_size(json_object_get(sw, "findings")), 1);
    ck_assert_str_eq(str_at(scenario(g_root, "sweep-leak-allowed"), "status"), "pass");
}
END_TEST

START_TEST(junit_has_the_findings)
{
    sweep_once();
    char path[512];
    snprintf(path, sizeof path, "%s/junit.xml", g_dir);
    char *xml = slurp(path);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "testcase name=\"sweep-leak\""));
    ck_assert_ptr_nonnull(strstr(xml, "transient k=2: leak, 48 B in 1 blocks"));
    ck_assert_ptr_nonnull(strstr(xml, "persistent k=3: crash, SIGSEGV"));
    free(xml);
}
END_TEST

START_TEST(bad_options)
{
    const char *a1[] = {"sweep", "--threads", "2", TST("scenarios/sweep.yaml"), NULL};
    proc p = run(a1);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--threads"));
    proc_free(&p);
    const char *a2[] = {"sweep", "--mode", "sometimes", TST("scenarios/sweep.yaml"), NULL};
    p = run(a2);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "transient, persistent or both"));
    proc_free(&p);
    const char *a3[] = {"run", "--mode", "transient", TST("scenarios/sweep.yaml"), NULL};
    p = run(a3);
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);
}
END_TEST

START_TEST(bad_sweep_section)
{
    char *dir = tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("name: x\nworkload: global-map-fixed\nsweep: { mode: sometimes, max_k: 0,\n"
          "  leaks: { max: 1 } }\n", f);
    fclose(f);
    const char *args[] = {"validate", path, NULL};
    proc p = run(args);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "bad.yaml:3:16: error: 'sweep.mode' must be transient, persistent or both")
                  != NULL, "%s", p.err);
    ck_assert_msg(strstr(p.err, "bad.yaml:3:34:") != NULL, "%s", p.err);   /* max_k: 0 */
    ck_assert_msg(strstr(p.err, "'leaks'") != NULL, "%s", p.err);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = drip_tcase(s, "sweep", exit_status_and_terminal, clean_in_both_modes,
            leak_names_k_and_site, crash_is_reported_and_sweep_goes_on, hang_is_a_finding,
            slow_start_is_not_a_hang, limits_allow_a_known_leak, junit_has_the_findings, bad_options, bad_sweep_section,
            NULL);
    tcase_set_timeout(tc, 300);
    return s;
}

void drip_test_configure(SRunner *sr)
{
    srunner_set_fork_status(sr, CK_NOFORK);          /* one sweep shared by the tests */
}

int drip_test_after(void)
{
    int failed = 0;
    json_decref(g_root);
    if (g_dir) {                   /* not rm_rf: no Check asserts outside a test */
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd) != 0)
            failed++;
        free(g_dir);
    }
    proc_free(&g_proc);
    return failed;
}
