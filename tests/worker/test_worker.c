/* test_worker.c - the worker's pure parts (harness/worker).
 *
 * "pace": the epoch sizes of a timed run (pace.c).  "load": resolving a
 * scenario's workload, a built-in by name or a plugin path that fails to
 * load, with the reason (worker.c).  The worker's run itself is tested end
 * to end (test_cli); its faults and contexts in test_fault.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "worker/pace.h"
#include "worker/worker.h"

/* ---- pace ------------------------------------------------------------------------ */

START_TEST(pace_ramps_up_then_follows_the_rate)
{
    const uint64_t ms = 1000000;
    /* the calibration ramp: an epoch at most doubles */
    ck_assert_uint_eq(drip_pace_next(1, 1000, 10 * ms), 2);
    ck_assert_uint_eq(drip_pace_next(1024, 1 * ms, 10 * ms), 2048);
    ck_assert_uint_eq(drip_pace_next(5, 0, 10 * ms), 10);            /* no time: double */
    /* then the rate: 1000 iterations took 20 ms, aim for 10 ms */
    ck_assert_uint_eq(drip_pace_next(1000, 20 * ms, 10 * ms), 500);
    ck_assert_uint_eq(drip_pace_next(1000, 8 * ms, 10 * ms), 1250);
    ck_assert_uint_eq(drip_pace_next(1, 50 * ms, 10 * ms), 1);        /* at least 1 */
    ck_assert_uint_eq(drip_pace_next(0, 50 * ms, 10 * ms), 1);
    ck_assert_uint_eq(drip_pace_next(DRIP_PACE_MAX, 1, 10 * ms), DRIP_PACE_MAX);
}
END_TEST

START_TEST(pace_target_shares_the_time_left)
{
    const uint64_t s = 1000000000ULL;
    ck_assert_uint_eq(drip_pace_target(200 * s, 0, 0), 1 * s);
    ck_assert_uint_eq(drip_pace_target(200 * s, 100 * s, 100), 1 * s);
    ck_assert_uint_eq(drip_pace_target(200 * s, 100 * s, 150), 2 * s);    /* ahead: longer */
    ck_assert_uint_eq(drip_pace_target(200 * s, 150 * s, 100), s / 2);    /* behind: shorter */
    ck_assert_uint_eq(drip_pace_target(200 * s, 10 * s, 250), 1 * s);     /* all taken */
    ck_assert_uint_eq(drip_pace_target(200 * s, 300 * s, 100), 1 * s);    /* past the end */
    ck_assert_uint_eq(drip_pace_target(100, 0, 0), 1);                    /* at least 1 ns */
}
END_TEST

/* ---- load --------------------------------------------------------------------- */

START_TEST(load)
{
    drip_scenario sc;
    memset(&sc, 0, sizeof sc);
    char *why = NULL;
    sc.workload = (char *)"global-map-leaky";
    const drip_workload *wl = drip__worker_load(&sc, &why);
    ck_assert_ptr_nonnull(wl);
    ck_assert_str_eq(wl->name, "global-map-leaky");
    ck_assert_ptr_nonnull(wl->iterate);

    sc.workload = (char *)"no-such-workload";
    ck_assert_ptr_null(drip__worker_load(&sc, &why));
    ck_assert_str_eq(why, "unknown built-in workload 'no-such-workload'");
    free(why);

    sc.workload = NULL;
    sc.plugin = (char *)"/no/such/libplugin.so";
    why = NULL;
    ck_assert_ptr_null(drip__worker_load(&sc, &why));
    ck_assert_ptr_nonnull(strstr(why, "plugin /no/such/libplugin.so: cannot load"));
    free(why);
}
END_TEST

static Suite *suite_worker(void)
{
    Suite *s = suite_create("worker");
    TCase *pace = tcase_create("pace");
    tcase_add_test(pace, pace_ramps_up_then_follows_the_rate);
    tcase_add_test(pace, pace_target_shares_the_time_left);
    suite_add_tcase(s, pace);
    TCase *load_tc = tcase_create("load");
    tcase_add_test(load_tc, load);
    suite_add_tcase(s, load_tc);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_worker();
}
