/* test_spark.c - the one-line chart drip exercise draws (report/spark.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "report/spark.h"

START_TEST(ramp_ascii)
{
    double v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    char *s = drip_sparkline(v, 8, 8, false);
    ck_assert_str_eq(s, "_.-:=+*#");              /* lowest to highest mark */
    free(s);
}
END_TEST

START_TEST(ramp_utf8)
{
    double v[2] = {10, 20};
    char *s = drip_sparkline(v, 2, 40, true);      /* width shrinks to n */
    ck_assert_str_eq(s, "▁█");
    free(s);
}
END_TEST

/* Columns are means of their share of the samples. */
START_TEST(binned)
{
    double v[6] = {0, 0, 7, 7, 0, 0};
    char *s = drip_sparkline(v, 6, 3, false);
    ck_assert_str_eq(s, "_#_");
    free(s);
}
END_TEST

START_TEST(flat_empty_and_nan)
{
    double v[4] = {5, 5, 5, 5};
    char *s = drip_sparkline(v, 4, 4, false);
    ck_assert_str_eq(s, "____");                   /* constant: all lowest */
    free(s);
    s = drip_sparkline(v, 0, 4, false);
    ck_assert_str_eq(s, "");
    free(s);
    s = drip_sparkline(v, 4, 0, true);
    ck_assert_str_eq(s, "");
    free(s);
    double w[3] = {0, NAN, 7};
    s = drip_sparkline(w, 3, 3, false);
    ck_assert_str_eq(s, "_ #");                    /* a column of only NaN is blank */
    free(s);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("spark");
    drip_tcase(s, "core", ramp_ascii, ramp_utf8, binned, flat_empty_and_nan, NULL);
    return s;
}
