/* test_program_profile.c - the allocation-site profile of an external
 * program through the preload's sampling: drip run of kv-leaky
 * (scenarios/services, drip-kvd --leak-on-miss) names the function and
 * file:line its heap grows at (`load` in kvd.c, the missed key kept for
 * ever), in the terminal's "grows at" line and results.json, and writes
 * the pprof files; `--profile off` writes none.
 */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"
#include "util/util.h"

#define KV_LEAKY SRC("scenarios/services/kv-leaky.yaml")

START_TEST(kv_leaky_names_its_leaking_function)
{
    char *dir = tmpdir(), *out = xasprintf("%s/r", dir);
    proc p = run((const char *[]){"run", "--no-color", "--iterations", "3000", "-o", out,
                                  KV_LEAKY, NULL});
    ck_assert_msg(strstr(p.out, "grows at load (kvd.c:"), "%s\n%s", p.out, p.err);
    json_t *root = load_results(out);
    json_t *sc = scenario(root, "kv-service-leaky");
    json_t *prof = json_object_get(sc, "profile");
    ck_assert_msg(json_is_object(prof), "no profile");
    ck_assert_str_eq(str_at(prof, "mode"), "sampled");
    json_t *top = json_array_get(json_object_get(prof, "growing_sites"), 0);
    json_t *user = json_object_get(top, "user_frame");
    ck_assert_str_eq(str_at(user, "function"), "load");
    ck_assert_str_eq(str_at(user, "file"), "kvd.c");
    ck_assert_int_gt(json_integer_value(json_object_get(user, "line")), 0);
    char *pb = xasprintf("%s/kv-service-leaky.growth.pb.gz", out);
    ck_assert_msg(access(pb, R_OK) == 0, "no %s", pb);
    free(pb);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
    free(out);
}
END_TEST

START_TEST(profile_off_writes_none)
{
    char *dir = tmpdir(), *out = xasprintf("%s/r", dir);
    proc p = run((const char *[]){"run", "--no-color", "--iterations", "400", "--profile", "off",
                                  "-o", out, KV_LEAKY, NULL});
    ck_assert_msg(!strstr(p.out, "grows at"), "%s", p.out);
    json_t *root = load_results(out);
    json_t *prof = json_object_get(scenario(root, "kv-service-leaky"), "profile");
    ck_assert_msg(!json_is_object(prof) || !json_array_size(json_object_get(prof, "growing_sites")),
                  "a profile with --profile off");
    char *pb = xasprintf("%s/kv-service-leaky.growth.pb.gz", out);
    ck_assert(access(pb, R_OK) != 0);
    free(pb);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
    free(out);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("program_profile");
    tcase_set_timeout(drip_tcase(s, "preload", kv_leaky_names_its_leaking_function, profile_off_writes_none, NULL), 120);
    return s;
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    signal(SIGPIPE, SIG_IGN);
    return -1;
}
