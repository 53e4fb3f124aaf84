/* test_util.c - Check suite for the harness helpers (harness/util/util.c).
 *
 * Cases:
 *   parse  - strict number, size and duration parsing: what is accepted,
 *            what is rejected, and that *out is untouched on failure;
 *   format - drip_fmt_bytes and drip_fmt_num;
 *   names  - edit distance, did-you-mean, drip_valid_name, strbuf, xasprintf;
 *   paths  - drip_path_base, drip_path_dir_len and drip_path_dir (text only, no files);
 *   fs     - drip_mkdir_p in a private mkdtemp directory.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "util/util.h"

Suite *suite_util(void);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A value no parser would produce, to see that failures leave *out alone. */
#define SENTINEL_U 0xdeadbeefcafef00dULL
#define SENTINEL_I ((int64_t)-123456789)
#define SENTINEL_D (-4242.5)

/* ---- parse: integers ------------------------------------------------------ */

static void expect_u64(const char *s, uint64_t want)
{
    uint64_t v = SENTINEL_U;
    ck_assert_msg(drip_parse_u64(s, &v) == 0, "drip_parse_u64(\"%s\") failed", s);
    ck_assert_msg(v == want, "drip_parse_u64(\"%s\") = %ju, want %ju", s, (uintmax_t)v,
                  (uintmax_t)want);
}

static void reject_u64(const char *s)
{
    uint64_t v = SENTINEL_U;
    ck_assert_msg(drip_parse_u64(s, &v) == -1, "drip_parse_u64(\"%s\") accepted it", s);
    ck_assert_msg(v == SENTINEL_U, "drip_parse_u64(\"%s\") wrote *out on failure", s);
}

static void expect_i64(const char *s, int64_t want)
{
    int64_t v = SENTINEL_I;
    ck_assert_msg(drip_parse_i64(s, &v) == 0, "drip_parse_i64(\"%s\") failed", s);
    ck_assert_msg(v == want, "drip_parse_i64(\"%s\") = %jd, want %jd", s, (intmax_t)v,
                  (intmax_t)want);
}

static void reject_i64(const char *s)
{
    int64_t v = SENTINEL_I;
    ck_assert_msg(drip_parse_i64(s, &v) == -1, "drip_parse_i64(\"%s\") accepted it", s);
    ck_assert_msg(v == SENTINEL_I, "drip_parse_i64(\"%s\") wrote *out on failure", s);
}

START_TEST(test_parse_u64_accepts)
{
    expect_u64("0", 0);
    expect_u64("1", 1);
    expect_u64("10", 10);
    expect_u64("4096", 4096);
    expect_u64("18446744073709551615", UINT64_MAX);
    expect_u64("18446744073709551614", UINT64_MAX - 1);
}
END_TEST

START_TEST(test_parse_u64_rejects)
{
    static const char *const bad[] = {
        "", "010", "00", "0010", "1.5", "+1", "-1", "-0", "0x10", " 1", "1 ", "1\n",
        "18446744073709551616",         /* u64 max + 1 */
        "18446744073709551620",
        "99999999999999999999",
        "1e3", "1_000", "1,000", "abc", "1a", "-", "+",
    };
    for (size_t i = 0; i < NELEM(bad); i++)
        reject_u64(bad[i]);

    uint64_t v = SENTINEL_U;
    ck_assert_int_eq(drip_parse_u64(NULL, &v), -1);
    ck_assert(v == SENTINEL_U);
}
END_TEST

START_TEST(test_parse_i64_accepts)
{
    expect_i64("0", 0);
    expect_i64("1", 1);
    expect_i64("-1", -1);
    expect_i64("+1", 1);                /* a sign is allowed on a signed number */
    expect_i64("-0", 0);                /* "-0" is a sign and a zero, not a leading zero */
    expect_i64("9223372036854775807", INT64_MAX);
    expect_i64("-9223372036854775808", INT64_MIN);
    expect_i64("-9223372036854775807", -INT64_MAX);
}
END_TEST

START_TEST(test_parse_i64_rejects)
{
    static const char *const bad[] = {
        "", "-", "+", "010", "-010", "-00", "+-1", "-+1", "--1", "1.5", "0x10", " 1", "1 ",
        "9223372036854775808",          /* i64 max + 1 */
        "-9223372036854775809",         /* i64 min - 1 */
        "18446744073709551615", "-18446744073709551616", "1e3",
    };
    for (size_t i = 0; i < NELEM(bad); i++)
        reject_i64(bad[i]);

    int64_t v = SENTINEL_I;
    ck_assert_int_eq(drip_parse_i64(NULL, &v), -1);
    ck_assert(v == SENTINEL_I);
}
END_TEST

/* ---- parse: doubles ------------------------------------------------------- */

static void expect_double(const char *s, double want)
{
    double v = SENTINEL_D;
    ck_assert_msg(drip_parse_double(s, &v) == 0, "drip_parse_double(\"%s\") failed", s);
    ck_assert_msg(v == want, "drip_parse_double(\"%s\") = %.17g, want %.17g", s, v, want);
}

START_TEST(test_parse_double_accepts)
{
    expect_double("0", 0);
    expect_double("0.25", 0.25);
    expect_double("1", 1);
    expect_double("1e3", 1000);
    expect_double("1E3", 1000);
    expect_double("2.5e-1", 0.25);
    expect_double("-2.5", -2.5);
    expect_double("+2.5", 2.5);
    expect_double(".5", 0.5);
    expect_double("10.75", 10.75);
}
END_TEST

START_TEST(test_parse_double_rejects)
{
    static const char *const bad[] = {
        "", "abc", "1.5x", "inf", "-inf", "infinity", "nan", "NaN", "0x1p3", "0x10", ".",
        "-", "+", "01.5", "00", "-01", " 1", "1 ", "1e", "1e+", "1.5.5", "1-2", "e3",
        "1e400",                        /* overflows to inf */
        "-1e400",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        double v = SENTINEL_D;
        ck_assert_msg(drip_parse_double(bad[i], &v) == -1, "drip_parse_double(\"%s\") accepted it",
                      bad[i]);
        ck_assert_msg(v == SENTINEL_D, "drip_parse_double(\"%s\") wrote *out on failure", bad[i]);
    }
    double v = SENTINEL_D;
    ck_assert_int_eq(drip_parse_double(NULL, &v), -1);
}
END_TEST

/* ---- parse: sizes --------------------------------------------------------- */

static void expect_size(const char *s, uint64_t want)
{
    uint64_t v = SENTINEL_U;
    ck_assert_msg(drip_parse_size(s, &v) == 0, "drip_parse_size(\"%s\") failed", s);
    ck_assert_msg(v == want, "drip_parse_size(\"%s\") = %ju, want %ju", s, (uintmax_t)v,
                  (uintmax_t)want);
}

static void reject_size(const char *s)
{
    uint64_t v = SENTINEL_U;
    ck_assert_msg(drip_parse_size(s, &v) == -1, "drip_parse_size(\"%s\") accepted it as %ju", s,
                  (uintmax_t)v);
    ck_assert_msg(v == SENTINEL_U, "drip_parse_size(\"%s\") wrote *out on failure", s);
}

START_TEST(test_parse_size_accepts)
{
    expect_size("4096", 4096);
    expect_size("0", 0);
    expect_size("512B", 512);
    expect_size("512 B", 512);
    expect_size("512MiB", 536870912);
    expect_size("1GiB", 1073741824);
    expect_size("64 KiB", 65536);
    expect_size("2TiB", 2ULL << 40);
    expect_size("1.5GiB", 1610612736);
    expect_size("0.5KiB", 512);
    expect_size("1kB", 1000);
    expect_size("10MB", 10000000);
    expect_size("3GB", 3000000000ULL);
    expect_size("1TB", 1000000000000ULL);
    expect_size("1.5kB", 1500);
    expect_size("18446744073709551615", UINT64_MAX);
    expect_size("16777215TiB", 16777215ULL << 40);
}
END_TEST

START_TEST(test_parse_size_rejects)
{
    static const char *const bad[] = {
        "", "lots", "MiB", " 1MiB", "1 MiB ", "1  MiB", "1MiB ", "1\tMiB",
        "1.5",                          /* no unit: fractional bytes */
        "1.5B",                         /* fractional bytes */
        "1.1KiB",                       /* 1126.4 bytes */
        "-1MiB", "-1", "-1.5GiB", "1XiB", "1mib", "1 mb", "1Ki", "1MiBs",
        "010MiB", "01.5GiB", "0x10", "1e3", "1e3KiB", "1,5MiB",
        "18446744073709551616",         /* u64 max + 1 */
        "16777216TiB",                  /* exactly 2^64 */
        "20000000TB",                   /* 2e19 */
        "16777216.5TiB",
    };
    for (size_t i = 0; i < NELEM(bad); i++)
        reject_size(bad[i]);

    uint64_t v = SENTINEL_U;
    ck_assert_int_eq(drip_parse_size(NULL, &v), -1);
}
END_TEST

/* A size is unsigned: "+1" and "+1B" are rejected, so every unit must
 * reject a sign the same way ("sign where none is allowed" in util.h). */
START_TEST(test_parse_size_rejects_sign)
{
    reject_size("+1");
    reject_size("+1B");
    reject_size("+1KiB");
    reject_size("+1.5GiB");
    reject_size("-0MiB");
    reject_size("-0.5KiB");
}
END_TEST

/* ---- parse: durations ----------------------------------------------------- */

static void expect_duration(const char *s, uint64_t want)
{
    uint64_t v = SENTINEL_U;
    ck_assert_msg(drip_parse_duration(s, &v) == 0, "drip_parse_duration(\"%s\") failed", s);
    ck_assert_msg(v == want, "drip_parse_duration(\"%s\") = %ju ns, want %ju", s, (uintmax_t)v,
                  (uintmax_t)want);
}

START_TEST(test_parse_duration_accepts)
{
    expect_duration("30s", 30000000000ULL);
    expect_duration("250ms", 250000000ULL);
    expect_duration("1.5m", 90000000000ULL);
    expect_duration("2h", 7200000000000ULL);
    expect_duration("10us", 10000);
    expect_duration("5ns", 5);
    expect_duration("0s", 0);
    expect_duration("0.5s", 500000000ULL);
    expect_duration("1 s", 1000000000ULL);
    expect_duration("60 m", 3600000000000ULL);
}
END_TEST

START_TEST(test_parse_duration_rejects)
{
    static const char *const bad[] = {
        "", "30",                       /* no unit: the unit is required */
        "1.5", "s", "ms", "-1s", "-0.5ms", "1d", "1w", "1S", "1sec", "1 s ", " 1s", "1  s",
        "01s", "1e3s", "1..5s", "abc", "inf s", "nans",
        "3000000000h",                  /* 1.08e22 ns: does not fit */
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        uint64_t v = SENTINEL_U;
        ck_assert_msg(drip_parse_duration(bad[i], &v) == -1,
                      "drip_parse_duration(\"%s\") accepted it as %ju ns", bad[i], (uintmax_t)v);
        ck_assert_msg(v == SENTINEL_U, "drip_parse_duration(\"%s\") wrote *out on failure",
                      bad[i]);
    }
    uint64_t v = SENTINEL_U;
    ck_assert_int_eq(drip_parse_duration(NULL, &v), -1);
}
END_TEST

/* ---- format ---------------------------------------------------------------- */

START_TEST(test_fmt_bytes_units)
{
    char buf[32];

    ck_assert_str_eq(drip_fmt_bytes(1044.48, buf, sizeof buf), "1.02 KiB");
    ck_assert_str_eq(drip_fmt_bytes(1024, buf, sizeof buf), "1.00 KiB");
    ck_assert_str_eq(drip_fmt_bytes(1536, buf, sizeof buf), "1.50 KiB");
    ck_assert_str_eq(drip_fmt_bytes(-3.5 * 1048576, buf, sizeof buf), "-3.50 MiB");
    ck_assert_str_eq(drip_fmt_bytes(-2048, buf, sizeof buf), "-2.00 KiB");
    ck_assert_str_eq(drip_fmt_bytes(5.0 * (1ULL << 30), buf, sizeof buf), "5.00 GiB");
    ck_assert_str_eq(drip_fmt_bytes(2.0 * (1ULL << 40), buf, sizeof buf), "2.00 TiB");
    ck_assert_str_eq(drip_fmt_bytes(2048.0 * (1ULL << 40), buf, sizeof buf), "2048.00 TiB");
    ck_assert_str_eq(drip_fmt_bytes(0, buf, sizeof buf), "0 B");

    /* the result is buf itself, and a short buffer is truncated, not overrun */
    char small[5];
    ck_assert_ptr_eq(drip_fmt_bytes(1044.48, small, sizeof small), small);
    ck_assert_str_eq(small, "1.02");
}
END_TEST

/* The examples util.h documents: drip_fmt_bytes gives "512 B" and
 * drip_fmt_num is "%.3g-like" with 12.3 as an example output. */
START_TEST(test_fmt_documented_examples)
{
    char buf[32];

    ck_assert_str_eq(drip_fmt_bytes(512, buf, sizeof buf), "512 B");
    ck_assert_str_eq(drip_fmt_bytes(-512, buf, sizeof buf), "-512 B");
    ck_assert_str_eq(drip_fmt_num(0.0123, buf, sizeof buf), "0.0123");
    ck_assert_str_eq(drip_fmt_num(1234, buf, sizeof buf), "1234");
    ck_assert_str_eq(drip_fmt_num(12.3, buf, sizeof buf), "12.3");
}
END_TEST

START_TEST(test_fmt_num_magnitudes)
{
    static const double vals[] = {
        1e9, 123456.7, 1234.4, 1000, 999.4, 512, 100, 99.5, 12.3, 1.5, 1, 0.5,
        0.0123, 0.001, 0.000123, 1.5e-9, -1234.4, -12.3, -0.0123, -1.5e-9,
    };
    char buf[32];

    ck_assert_str_eq(drip_fmt_num(0, buf, sizeof buf), "0");
    ck_assert_str_eq(drip_fmt_num(-0.0, buf, sizeof buf), "0");
    ck_assert_str_eq(drip_fmt_num(NAN, buf, sizeof buf), "n/a");
    ck_assert_str_eq(drip_fmt_num(-NAN, buf, sizeof buf), "n/a");
    ck_assert_str_eq(drip_fmt_num(1234.4, buf, sizeof buf), "1234");
    ck_assert_str_eq(drip_fmt_num(-5000, buf, sizeof buf), "-5000");
    ck_assert_str_eq(drip_fmt_num(1e9, buf, sizeof buf), "1000000000");
    ck_assert_str_eq(drip_fmt_num(0.0123, buf, sizeof buf), "0.0123");
    ck_assert_str_eq(drip_fmt_num(-0.0123, buf, sizeof buf), "-0.0123");

    /* Whatever the exact layout, every value reads back within 1% (three
     * significant digits), with its sign, and fixed notation from 0.001 up. */
    for (size_t i = 0; i < NELEM(vals); i++) {
        const char *s = drip_fmt_num(vals[i], buf, sizeof buf);
        ck_assert_ptr_eq(s, buf);
        char *end;
        double back = strtod(s, &end);
        ck_assert_msg(*end == '\0', "drip_fmt_num(%g) = \"%s\" does not read back", vals[i], s);
        ck_assert_msg(fabs(back - vals[i]) <= 0.01 * fabs(vals[i]),
                      "drip_fmt_num(%g) = \"%s\" is off", vals[i], s);
        if (fabs(vals[i]) >= 0.001)
            ck_assert_msg(!strchr(s, 'e'), "drip_fmt_num(%g) = \"%s\" is not fixed", vals[i], s);
    }
}
END_TEST

/* ---- names ----------------------------------------------------------------- */

START_TEST(test_edit_distance)
{
    ck_assert_uint_eq(drip_edit_distance("", ""), 0);
    ck_assert_uint_eq(drip_edit_distance("abc", ""), 3);
    ck_assert_uint_eq(drip_edit_distance("", "abc"), 3);
    ck_assert_uint_eq(drip_edit_distance("name", "name"), 0);
    ck_assert_uint_eq(drip_edit_distance("iteratons", "iterations"), 1);
    ck_assert_uint_eq(drip_edit_distance("nmae", "name"), 2);   /* a swap is two edits */
    ck_assert_uint_eq(drip_edit_distance("kitten", "sitting"), 3);
    ck_assert_uint_eq(drip_edit_distance("sitting", "kitten"), 3);
    ck_assert_uint_eq(drip_edit_distance("Name", "name"), 1);   /* case-sensitive */
}
END_TEST

START_TEST(test_did_you_mean)
{
    static const char *const keys[] = {
        "name", "description", "workload", "plugin", "params", "run", "iterations",
        "threads", "faults", "expect", NULL,
    };
    static const char *const none[] = {NULL};

    ck_assert_str_eq(drip_did_you_mean("iteratons", keys), "iterations");
    ck_assert_str_eq(drip_did_you_mean("nmae", keys), "name");
    ck_assert_str_eq(drip_did_you_mean("thread", keys), "threads");
    ck_assert_str_eq(drip_did_you_mean("workloda", keys), "workload");
    ck_assert_str_eq(drip_did_you_mean("params", keys), "params");
    ck_assert_ptr_null(drip_did_you_mean("zzzzzz", keys));
    ck_assert_ptr_null(drip_did_you_mean("xyz", keys));
    ck_assert_ptr_null(drip_did_you_mean("name", none));
    /* the limit is a third of the word's length, at least 2 */
    ck_assert_str_eq(drip_did_you_mean("nxxe", keys), "name");          /* distance 2 */
    ck_assert_ptr_null(drip_did_you_mean("nxxx", keys));                /* distance 3 > 2 */
    ck_assert_str_eq(drip_did_you_mean("dxxxription", keys), "description"); /* 3 <= 11/3 */
    ck_assert_ptr_null(drip_did_you_mean("dxxxxiption", keys));         /* 4 > 11/3 */
}
END_TEST

START_TEST(test_valid_name)
{
    static const char *const good[] = {
        "a", "global-map", "global-map.leaky_1", "A.B-c_d", "0", "...", "-x",
    };
    static const char *const bad[] = {
        "", "a b", "a/b", "../x", "a:b", "tab\there", "new\nline", "caf\xc3\xa9", "a*",
    };
    for (size_t i = 0; i < NELEM(good); i++)
        ck_assert_msg(drip_valid_name(good[i]), "\"%s\" should be valid", good[i]);
    for (size_t i = 0; i < NELEM(bad); i++)
        ck_assert_msg(!drip_valid_name(bad[i]), "\"%s\" should be invalid", bad[i]);
    ck_assert(!drip_valid_name(NULL));
}
END_TEST

/* ---- paths ----------------------------------------------------------------- */

START_TEST(test_path_base)
{
    static const struct { const char *path; size_t at; } cases[] = {
        {"a/b/c", 4}, {"c", 0}, {"/c", 1}, {"a/b/", 4}, {"", 0}, {"/", 1},
        {"a//c", 3}, {"./c.so", 2}, {"..", 0}, {"/usr/lib/libc.so.6", 9},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        const char *p = cases[i].path, *got = drip_path_base(p);
        /* a pointer into path itself, not merely an equal string */
        ck_assert_msg(got == p + cases[i].at, "drip_path_base(\"%s\") = \"%s\" at %td, want "
                      "\"%s\" at %zu", p, got, got - p, p + cases[i].at, cases[i].at);
    }
}
END_TEST

START_TEST(test_path_dir_len)
{
    static const struct { const char *path; size_t len; } cases[] = {
        {"a/b/c", 3}, {"c", 0}, {"/c", 1}, {"a/b/", 3}, {"", 0}, {"/", 1},
        {"a//c", 2}, {"//c", 1}, {"./c.so", 1}, {"/usr/lib/libc.so.6", 8},
    };
    for (size_t i = 0; i < NELEM(cases); i++)
        ck_assert_msg(drip_path_dir_len(cases[i].path) == cases[i].len,
                      "drip_path_dir_len(\"%s\") = %zu, want %zu", cases[i].path,
                      drip_path_dir_len(cases[i].path), cases[i].len);
}
END_TEST

START_TEST(test_path_dir)
{
    static const struct { const char *path, *dir; } cases[] = {
        {"a/b/c", "a/b"}, {"c", "."}, {"/c", "/"}, {"a/b/", "a/b"}, {"", "."},
        {"./c.so", "."}, {"/usr/lib/libc.so.6", "/usr/lib"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        char *got = drip_path_dir(cases[i].path);
        ck_assert_msg(strcmp(got, cases[i].dir) == 0, "drip_path_dir(\"%s\") = \"%s\", want \"%s\"",
                      cases[i].path, got, cases[i].dir);
        free(got);
    }
}
END_TEST

START_TEST(test_strbuf_growth)
{
    strbuf sb = {0};
    char want[512];
    size_t wlen = 0;

    sb_append(&sb, "");
    ck_assert_ptr_nonnull(sb.buf);                  /* never NULL after an append */
    ck_assert_str_eq(sb.buf, "");
    ck_assert_uint_eq(sb.len, 0);

    for (int i = 0; i < 40; i++) {                  /* well past the first 64 bytes */
        if (i % 2) {
            sb_appendf(&sb, "[%d:%s]", i, "xy");
            wlen += (size_t)sprintf(want + wlen, "[%d:%s]", i, "xy");
        } else {
            sb_append(&sb, "abc");
            wlen += (size_t)sprintf(want + wlen, "abc");
        }
        ck_assert_uint_eq(sb.len, wlen);
        ck_assert_uint_eq(strlen(sb.buf), sb.len);
        ck_assert_uint_gt(sb.cap, sb.len);          /* room for the NUL */
        ck_assert_str_eq(sb.buf, want);
    }
    ck_assert_uint_gt(sb.len, 64);

    sb_appendn(&sb, "hello world", 5);
    strcpy(want + wlen, "hello");
    ck_assert_str_eq(sb.buf, want);

    /* one append larger than several doublings */
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    size_t before = sb.len;
    sb_appendf(&sb, "%s!", big);
    ck_assert_uint_eq(sb.len, before + sizeof big);
    ck_assert_int_eq(sb.buf[sb.len - 1], '!');
    ck_assert_int_eq(sb.buf[before], 'z');

    char *s = sb_take(&sb);
    ck_assert_ptr_null(sb.buf);
    ck_assert_uint_eq(sb.len, 0);
    ck_assert_uint_eq(sb.cap, 0);
    ck_assert_uint_eq(strlen(s), before + sizeof big);
    free(s);

    /* the strbuf is reusable after sb_take, and sb_free resets it */
    sb_appendf(&sb, "%d-%s", 42, "x");
    ck_assert_str_eq(sb.buf, "42-x");
    sb_free(&sb);
    ck_assert_ptr_null(sb.buf);
    ck_assert_uint_eq(sb.len, 0);
    sb_free(&sb);                                   /* twice is harmless */
}
END_TEST

START_TEST(test_strbuf_take_empty)
{
    strbuf sb = {0};
    char *s = sb_take(&sb);

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    free(s);                                        /* owned by the caller: valgrind checks */

    char *t = sb_take(&sb);                         /* again, on the reset strbuf */
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "");
    free(t);
}
END_TEST

START_TEST(test_xasprintf)
{
    char *s = xasprintf("%s:%d:%d: %s", "t.yaml", 3, 14, "boom");
    ck_assert_str_eq(s, "t.yaml:3:14: boom");
    free(s);

    s = xasprintf("%s", "");
    ck_assert_str_eq(s, "");
    free(s);

    s = xasprintf("%0200d", 7);
    ck_assert_uint_eq(strlen(s), 200);
    ck_assert_int_eq(s[199], '7');
    ck_assert_int_eq(s[0], '0');
    free(s);

    ck_assert_ptr_null(xstrdup(NULL));
    s = xstrndup("abcdef", 3);
    ck_assert_str_eq(s, "abc");
    free(s);
}
END_TEST

/* ---- fs -------------------------------------------------------------------- */

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fs_setup(void)
{
    strcpy(tmpdir, "/tmp/drip-test-util-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void fs_teardown(void)
{
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

START_TEST(test_mkdir_p_nested)
{
    char *deep = xasprintf("%s/a/b/c/d", tmpdir);
    char *mid = xasprintf("%s/a/b", tmpdir);

    ck_assert_int_eq(drip_mkdir_p(deep), 0);
    ck_assert(is_dir(deep));
    ck_assert(is_dir(mid));

    /* existing directories are fine, whole or partly */
    ck_assert_int_eq(drip_mkdir_p(deep), 0);
    ck_assert_int_eq(drip_mkdir_p(mid), 0);
    ck_assert_int_eq(drip_mkdir_p(tmpdir), 0);

    char *sibling = xasprintf("%s/a/b/e", tmpdir);
    ck_assert_int_eq(drip_mkdir_p(sibling), 0);
    ck_assert(is_dir(sibling));

    char *slashes = xasprintf("%s/x//y/", tmpdir);   /* doubled and trailing slashes */
    ck_assert_int_eq(drip_mkdir_p(slashes), 0);
    char *xy = xasprintf("%s/x/y", tmpdir);
    ck_assert(is_dir(xy));

    free(deep);
    free(mid);
    free(sibling);
    free(slashes);
    free(xy);
}
END_TEST

START_TEST(test_mkdir_p_relative)
{
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(tmpdir), 0);
    int rc = drip_mkdir_p("r1/r2");
    int ok = is_dir("r1/r2");
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(rc, 0);
    ck_assert(ok);
}
END_TEST

START_TEST(test_mkdir_p_errors)
{
    char *file = xasprintf("%s/plain", tmpdir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);

    /* a path under a regular file */
    char *under = xasprintf("%s/plain/sub/dir", tmpdir);
    errno = 0;
    ck_assert_int_eq(drip_mkdir_p(under), -1);
    ck_assert_int_eq(errno, ENOTDIR);

    /* the path itself is a regular file */
    errno = 0;
    ck_assert_int_eq(drip_mkdir_p(file), -1);
    ck_assert_int_eq(errno, ENOTDIR);

    /* empty and NULL */
    errno = 0;
    ck_assert_int_eq(drip_mkdir_p(""), -1);
    ck_assert_int_ne(errno, 0);
    errno = 0;
    ck_assert_int_eq(drip_mkdir_p(NULL), -1);
    ck_assert_int_ne(errno, 0);

    free(file);
    free(under);
}
END_TEST

/* ---- suite ----------------------------------------------------------------- */

Suite *suite_util(void)
{
    Suite *s = suite_create("util");
    TCase *tc;

    drip_tcase(s, "parse", test_parse_u64_accepts, test_parse_u64_rejects, test_parse_i64_accepts,
            test_parse_i64_rejects, test_parse_double_accepts, test_parse_double_rejects,
            test_parse_size_accepts, test_parse_size_rejects, test_parse_size_rejects_sign,
            test_parse_duration_accepts, test_parse_duration_rejects, NULL);

    drip_tcase(s, "format", test_fmt_bytes_units, test_fmt_documented_examples,
            test_fmt_num_magnitudes, NULL);

    drip_tcase(s, "names", test_edit_distance, test_did_you_mean, test_valid_name,
            test_strbuf_growth, test_strbuf_take_empty, test_xasprintf, NULL);

    drip_tcase(s, "paths", test_path_base, test_path_dir_len, test_path_dir, NULL);

    tc = drip_tcase(s, "fs", test_mkdir_p_nested, test_mkdir_p_relative, test_mkdir_p_errors, NULL);
    tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_util();
}
