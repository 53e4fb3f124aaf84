/* test_metrics.c - the metric table (harness/metrics/metrics.h).
 *
 * "core": every metric found by its name and listed in order, names
 * unique; the units and the bytes flag agree; a slope formatted with its
 * sign, unit and scale as the reports print it.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "metrics/metrics.h"

START_TEST(table)
{
    const char *const *names = drip_metric_names();
    int n = 0;
    for (; names[n]; n++) {
        ck_assert_int_eq(drip_metric_find(names[n]), n);
        ck_assert_str_eq(drip_metrics[n].name, names[n]);
        ck_assert_ptr_nonnull(drip_metrics[n].what);
        ck_assert(drip_metrics[n].resolution > 0);
        ck_assert_int_eq(drip_metrics[n].bytes, strcmp(drip_metrics[n].unit, "B") == 0);
        for (int m = 0; m < n; m++)
            ck_assert_str_ne(names[m], names[n]);
    }
    ck_assert_int_eq(n, DRIP_M_COUNT);
    ck_assert_int_eq(drip_metric_find("heap_bytes"), DRIP_M_HEAP_BYTES);
    ck_assert_int_eq(drip_metric_find("fds"), DRIP_M_FDS);
    ck_assert_int_eq(drip_metric_find("heap"), -1);
    ck_assert_int_eq(drip_metric_find(""), -1);
    ck_assert(drip_metrics[DRIP_M_ALLOCS].cumulative);
    ck_assert(!drip_metrics[DRIP_M_HEAP_BYTES].cumulative);
}
END_TEST

START_TEST(slopes)
{
    char buf[64];
    ck_assert_str_eq(drip_metric_fmt_slope(DRIP_M_HEAP_BYTES, 151.25, buf, sizeof buf),
                     "+151 B/iter");
    ck_assert_str_eq(drip_metric_fmt_slope(DRIP_M_HEAP_BYTES, 1536, buf, sizeof buf),
                     "+1.50 KiB/iter");
    ck_assert_str_eq(drip_metric_fmt_slope(DRIP_M_HEAP_BYTES, 0, buf, sizeof buf), "0 B/iter");
    ck_assert_str_eq(drip_metric_fmt_slope(DRIP_M_FDS, 0.25, buf, sizeof buf),
                     "+0.2500 fds/iter");
    ck_assert_ptr_nonnull(strstr(drip_metric_fmt_slope(DRIP_M_TASKS, -0.1, buf, sizeof buf),
                                 "-0.1"));
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("metrics");
    drip_tcase(s, "core", table, slopes, NULL);
    return s;
}
