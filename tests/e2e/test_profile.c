/* test_profile.c - end to end: growth attributed to allocation sites.
 *
 * tests/plugins/sites.c has a big flat table, busy churn and one site that
 * grows (leak_here).  Precise and sampled profiles must both put leak_here
 * on top of the growing sites with about the right bytes per iteration,
 * the exported pprof files must read in `go tool pprof` with leak_here on
 * top, the folded stacks must name it, and `profile: { mode: off }` must
 * write no profile at all.  tests/plugins/threadleak.c leaks inside
 * threads that live for one iteration: sampling must reach them.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"

static char *g_dir;
static json_t *g_root;
static proc g_proc;

static void run_once(void)
{
    if (g_root)
        return;
    g_dir = tmpdir();
    const char *args[] = {"run", "--no-color", "-o", g_dir, TST("scenarios/profile.yaml"), NULL};
    g_proc = run(args);
    g_root = load_results(g_dir);
}

static json_t *profile_of(const char *name)
{
    run_once();
    return json_object_get(scenario(g_root, name), "profile");
}

/* The top growing site of scenario `name` is function fn in file and grows
 * by about 64 bytes (the plugins' leak_bytes) per iteration. */
static void check_top_site_at(const char *name, const char *fn, const char *file,
                              double tolerance)
{
    json_t *p = profile_of(name);
    ck_assert_msg(json_is_object(p), "%s: no profile", name);
    json_t *top = json_array_get(json_object_get(p, "growing_sites"), 0);
    ck_assert_msg(top != NULL, "%s: no growing site", name);
    char want[128];
    snprintf(want, sizeof want, "%s (%s:", fn, file);
    const char *stack = str_at(top, "stack");
    ck_assert_msg(strncmp(stack, want, strlen(want)) == 0, "%s: top site %s", name, stack);
    json_t *frame = json_array_get(json_object_get(top, "frames"), 0);
    ck_assert_str_eq(str_at(frame, "function"), fn);
    ck_assert_str_eq(str_at(frame, "file"), file);
    ck_assert_int_gt(json_integer_value(json_object_get(frame, "line")), 0);
    double per_iter = json_number_value(json_object_get(top, "bytes_per_iteration"));
    ck_assert_msg(per_iter > 64 * (1 - tolerance) && per_iter < 64 * (1 + tolerance),
                  "%s: %.1f B/iter at %s, expected about 64", name, per_iter, fn);
}

/* The top growing site names leak_here in sites.c. */
static void check_top_site(const char *name, double tolerance)
{
    check_top_site_at(name, "leak_here", "sites.c", tolerance);
}

START_TEST(precise_names_the_leak)
{
    check_top_site("profile-precise", 0.01);    /* every allocation: exact */
    json_t *p = profile_of("profile-precise");
    ck_assert_str_eq(str_at(p, "mode"), "precise");
    ck_assert_int_eq(json_integer_value(json_object_get(p, "rate")), 1);
}
END_TEST

START_TEST(sampled_names_the_leak)
{
    /* 4 KiB rate over ~1 MB of growth: some 300 samples, ~6% noise */
    check_top_site("profile-sampled", 0.35);
    ck_assert_str_eq(str_at(profile_of("profile-sampled"), "mode"), "sampled");
}
END_TEST

/* A leak in threads started and joined per iteration (threadleak.c):
 * 5000 x 64 B at a 4 KiB rate, some 80 samples.  Before each thread's
 * sampling had a stream of its own, none was ever sampled. */
START_TEST(thread_leak_is_sampled)
{
    check_top_site_at("profile-thread", "leak_in_thread", "threadleak.c", 0.5);
}
END_TEST

/* zleak.c leaks inflateInit's state (inside libz, no frame pointers) from
 * a plugin built without frame pointers: precise mode's growing site must
 * still have the plugin's own leak_stream among its frames. */
START_TEST(precise_reaches_through_zlib)
{
    json_t *p = profile_of("profile-zlib");
    ck_assert_msg(json_is_object(p), "profile-zlib: no profile");
    json_t *top = json_array_get(json_object_get(p, "growing_sites"), 0);
    ck_assert_msg(top != NULL, "profile-zlib: no growing site");
    json_t *frames = json_object_get(top, "frames");
    bool found = false;
    for (size_t i = 0; i < json_array_size(frames); i++) {
        json_t *f = json_array_get(frames, i);
        if (strcmp(str_at(f, "function"), "leak_stream") == 0 &&
            strcmp(str_at(f, "file"), "zleak.c") == 0)
            found = true;
    }
    ck_assert_msg(found, "profile-zlib: top site %s has no leak_stream (zleak.c) frame",
                  str_at(top, "stack"));
    /* and names it as the site's user frame: the first in the plugin */
    json_t *user = json_object_get(top, "user_frame");
    ck_assert_msg(strcmp(str_at(user, "function"), "leak_stream") == 0 &&
                      strcmp(str_at(user, "file"), "zleak.c") == 0,
                  "profile-zlib: user frame %s of %s", str_at(user, "function"),
                  str_at(top, "stack"));
    double per_iter = json_number_value(json_object_get(top, "bytes_per_iteration"));
    ck_assert_msg(per_iter > 4096, "profile-zlib: %.0f B/iter: not zlib's state", per_iter);
}
END_TEST

/* The growing sites of a sampled run of the sites plugin with --seed seed,
 * as JSON text (malloc'd). */
static char *sampled_sites(const char *dir, const char *yaml, const char *seed, const char *sub)
{
    char out[600];
    snprintf(out, sizeof out, "%s/%s", dir, sub);
    const char *args[] = {"run", "--no-color", "--seed", seed, "-o", out, yaml, NULL};
    proc p = run(args);
    ck_assert_msg(p.status == 0, "drip run --seed %s: %d %s", seed, p.status, p.err);
    proc_free(&p);
    json_t *root = load_results(out);
    json_t *sites = json_object_get(json_object_get(scenario(root, "replay"), "profile"),
                                    "growing_sites");
    ck_assert_msg(json_array_size(sites) > 0, "seed %s: no growing site", seed);
    char *text = json_dumps(sites, JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

/* At one thread the same --seed samples the same allocations: the same
 * sites with the same estimates; another seed other estimates. */
START_TEST(same_seed_same_samples)
{
    char *dir = tmpdir(), yaml[600];
    snprintf(yaml, sizeof yaml, "%s/replay.yaml", dir);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "name: replay\n"
               "workload: { plugin: %s/libtest_sites.so }\n"
               "run: { iterations: 5000, sample_every: 50 }\n"
               "profile: { mode: sampled, rate: 4KiB }\n"
               "expect: none\n", TST("plugins"));           /* it grows: about the profile */
    fclose(f);
    char *a = sampled_sites(dir, yaml, "5", "a"), *b = sampled_sites(dir, yaml, "5", "b");
    char *c = sampled_sites(dir, yaml, "6", "c");
    ck_assert_msg(strcmp(a, b) == 0, "--seed 5 twice:\n%s\n%s", a, b);
    ck_assert_msg(strcmp(a, c) != 0, "--seed 5 and 6 sampled alike:\n%s", a);
    free(a);
    free(b);
    free(c);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(off_means_no_profile)
{
    ck_assert(json_is_null(profile_of("profile-off")));
    char path[512];
    snprintf(path, sizeof path, "%s/profile-off.heap.pb.gz", g_dir);
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(terminal_shows_the_site)
{
    run_once();
    ck_assert_msg(strstr(g_proc.out, "grows at leak_here (sites.c:") != NULL, "%s", g_proc.out);
}
END_TEST

START_TEST(folded_names_the_leak)
{
    run_once();
    char path[512];
    snprintf(path, sizeof path, "%s/profile-precise.growth.folded", g_dir);
    char *folded = slurp(path);
    ck_assert_ptr_nonnull(folded);
    ck_assert_msg(strstr(folded, ";leak_here ") != NULL || strncmp(folded, "leak_here ", 10) == 0,
                  "%s", folded);
    ck_assert_msg(strstr(folded, "churn") == NULL, "churn does not grow:\n%s", folded);
    free(folded);
}
END_TEST

/* `go tool pprof -top` (Debian's golang-go, installed by ci/deps for this
 * test) reads both exported profiles; leak_here is the top entry of the
 * growth profile. */
START_TEST(go_pprof_reads_it)
{
    run_once();
    ck_assert_msg(access("/usr/bin/go", X_OK) == 0,
                  "go is not installed: ci/deps installs golang-go for this test");
    char home[512], cache[600], growth[512], heap[512];
    snprintf(home, sizeof home, "HOME=%s", g_dir);
    snprintf(cache, sizeof cache, "GOCACHE=%s/gocache", g_dir);
    snprintf(growth, sizeof growth, "%s/profile-precise.growth.pb.gz", g_dir);
    snprintf(heap, sizeof heap, "%s/profile-precise.heap.pb.gz", g_dir);
    const char *env[] = {home, cache, NULL};

    const char *top[] = {"/usr/bin/go", "tool", "pprof", "-top", growth, NULL};
    proc p = run_cmd(NULL, env, top);
    ck_assert_msg(p.status == 0, "go tool pprof failed (%d): %s", p.status, p.err);
    /* the first row after the header names leak_here */
    const char *hdr = strstr(p.out, "flat  flat%");
    ck_assert_msg(hdr != NULL, "%s", p.out);
    const char *row = strchr(hdr, '\n');
    ck_assert_ptr_nonnull(row);
    const char *eol = strchr(row + 1, '\n');
    ck_assert_msg(eol && memmem(row, (size_t)(eol - row), "leak_here", 9) != NULL,
                  "top row is not leak_here:\n%s", p.out);
    proc_free(&p);

    const char *alloc[] = {"/usr/bin/go", "tool", "pprof", "-top", "-sample_index=alloc_space",
                           heap, NULL};
    p = run_cmd(NULL, env, alloc);
    ck_assert_msg(p.status == 0, "go tool pprof failed (%d): %s", p.status, p.err);
    ck_assert_msg(strstr(p.out, "churn") != NULL, "churn allocates most:\n%s", p.out);
    proc_free(&p);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("profile");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, precise_names_the_leak);
    tcase_add_test(tc, sampled_names_the_leak);
    tcase_add_test(tc, thread_leak_is_sampled);
    tcase_add_test(tc, same_seed_same_samples);
    tcase_add_test(tc, precise_reaches_through_zlib);
    tcase_add_test(tc, off_means_no_profile);
    tcase_add_test(tc, terminal_shows_the_site);
    tcase_add_test(tc, folded_names_the_leak);
    tcase_add_test(tc, go_pprof_reads_it);
    suite_add_tcase(s, tc);
    return s;
}

void drip_test_configure(SRunner *sr)
{
    srunner_set_fork_status(sr, CK_NOFORK);          /* one run shared by the tests */
}

int drip_test_after(void)
{
    int failed = 0;
    json_decref(g_root);
    if (g_dir) {                   /* not rm_rf: no Check asserts outside a test */
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd) != 0)
            failed++;
        free(g_dir);
    }
    proc_free(&g_proc);
    return failed;
}
