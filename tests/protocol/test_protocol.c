/* test_protocol.c - the worker protocol (harness/worker/protocol.h).
 *
 * "core": every kind of line formatted and parsed back to the same
 * message (the crash handler's too: hex addresses, a path with spaces); names with spaces, '%' and "-" survive; a psite with too many
 * frames keeps whole frames only; a long warning is cut, never split.
 * "errors": a missing field, an extra field, a number that does not parse,
 * an unknown keyword, a flag that is not 0/1, fired > asked: each refused
 * with a reason naming the line's kind.
 * "stream": lines split from arbitrary chunks, and an overlong line.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "worker/protocol.h"

/* format m, parse it back into *out (line kept in buf) */
static void round_trip(const drip_proto_msg *m, drip_proto_msg *out, char *buf)
{
    size_t n = drip_proto_format(m, buf);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, DRIP_PROTO_MAX_LINE);
    ck_assert_int_eq(buf[n - 1], '\n');
    ck_assert_ptr_null(memchr(buf, '\n', n - 1));
    buf[n - 1] = '\0';
    char why[256];
    int rc = drip_proto_parse(buf, out, why, sizeof why);
    ck_assert_msg(rc == 0, "'%s' refused: %s", buf, why);
    ck_assert_int_eq(out->kind, m->kind);
}

START_TEST(values)
{
    char buf[DRIP_PROTO_MAX_LINE];
    drip_proto_msg m = {.kind = DRIP_PROTO_SAMPLE}, back;
    for (int c = 0; c < DRIP_PROTO_COLS; c++)
        m.u.sample[c] = c == 1 ? 1.5 : (double)(c * 1000 + 7);
    m.u.sample[2 + DRIP_M_RSS] = -1;          /* /proc unreadable */
    round_trip(&m, &back, buf);               /* no custom values: Drip's only */
    ck_assert_uint_eq(back.ncustom, 0);
    for (int c = 0; c < DRIP_PROTO_BASE_COLS; c++)
        ck_assert_double_eq(back.u.sample[c], m.u.sample[c]);
    ck_assert_double_eq(back.u.sample[DRIP_PROTO_BASE_COLS], 0);
    m.ncustom = DRIP_METRIC_CUSTOM_MAX;       /* every slot of the workload's own */
    m.u.sample[DRIP_PROTO_BASE_COLS + 1] = 0.1;
    m.u.sample[DRIP_PROTO_COLS - 1] = 1e15 + 0.5;
    round_trip(&m, &back, buf);
    ck_assert_uint_eq(back.ncustom, DRIP_METRIC_CUSTOM_MAX);
    for (int c = 0; c < DRIP_PROTO_COLS; c++)
        ck_assert_double_eq(back.u.sample[c], m.u.sample[c]);
    m.ncustom = 2;
    round_trip(&m, &back, buf);
    ck_assert_uint_eq(back.ncustom, 2);
    ck_assert_double_eq(back.u.sample[DRIP_PROTO_BASE_COLS + 1], 0.1);
    ck_assert_double_eq(back.u.sample[DRIP_PROTO_BASE_COLS + 2], 0);

    drip_proto_msg mm = {.kind = DRIP_PROTO_METRIC};
    mm.u.metric.k = 3;
    mm.u.metric.name = "cache.hits";
    round_trip(&mm, &back, buf);
    ck_assert_uint_eq(back.u.metric.k, 3);
    ck_assert_str_eq(back.u.metric.name, "cache.hits");
    m.kind = DRIP_PROTO_TEARDOWN;
    round_trip(&m, &back, buf);
    ck_assert_double_eq(back.u.sample[0], 7);

    drip_proto_msg me = {.kind = DRIP_PROTO_MEASURED};
    me.u.measured[DRIP_M_HEAP_BYTES] = true;
    me.u.measured[DRIP_M_FDS] = true;
    round_trip(&me, &back, buf);
    for (int i = 0; i < DRIP_M_COUNT; i++)
        ck_assert_int_eq(back.u.measured[i], i == DRIP_M_HEAP_BYTES || i == DRIP_M_FDS);
}
END_TEST

START_TEST(names_and_counts)
{
    char buf[DRIP_PROTO_MAX_LINE];
    drip_proto_msg m = {.kind = DRIP_PROTO_FAULT}, back;
    m.u.fault.point = "cache miss 100%";
    m.u.fault.asked = 10;
    m.u.fault.fired = 3;
    m.u.fault.nfirst = 3;
    m.u.fault.first[0] = 1, m.u.fault.first[1] = 4, m.u.fault.first[2] = 9;
    round_trip(&m, &back, buf);
    ck_assert_str_eq(back.u.fault.point, "cache miss 100%");
    ck_assert_uint_eq(back.u.fault.nfirst, 3);
    ck_assert_uint_eq(back.u.fault.first[2], 9);

    m.u.fault.point = "-";                     /* not the empty name's mark */
    m.u.fault.nfirst = 0;
    round_trip(&m, &back, buf);
    ck_assert_str_eq(back.u.fault.point, "-");

    drip_proto_msg p = {.kind = DRIP_PROTO_PROFILE};
    p.u.profile.mode = "sampled";
    p.u.profile.rate = 524288;
    p.u.profile.early_iteration = 20;
    p.u.profile.late_iteration = 100;
    p.u.profile.stacks = 12;
    p.u.profile.dropped = 0;
    round_trip(&p, &back, buf);
    ck_assert_str_eq(back.u.profile.mode, "sampled");
    ck_assert_uint_eq(back.u.profile.rate, 524288);
    ck_assert_uint_eq(back.u.profile.late_iteration, 100);
    ck_assert(!back.u.profile.partial);
    p.u.profile.partial = true;                /* the run ended early */
    round_trip(&p, &back, buf);
    ck_assert(back.u.profile.partial);

    drip_proto_msg d = {.kind = DRIP_PROTO_DONE};
    d.u.done.iterations = 5000;
    d.u.done.failed = 515;
    round_trip(&d, &back, buf);
    ck_assert_uint_eq(back.u.done.failed, 515);

    drip_proto_msg st = {.kind = DRIP_PROTO_SETTLE};
    st.u.settle = (drip_settle_stats){.samples = 102, .unsettled = 1, .total_ns = 9000000,
                                      .max_ns = 4000000};
    round_trip(&st, &back, buf);
    ck_assert_uint_eq(back.u.settle.samples, 102);
    ck_assert_uint_eq(back.u.settle.unsettled, 1);
    ck_assert_uint_eq(back.u.settle.total_ns, 9000000);
    ck_assert_uint_eq(back.u.settle.max_ns, 4000000);

    drip_proto_msg c = {.kind = DRIP_PROTO_CEILING};
    c.u.ceiling.live_bytes = 1LL << 30;
    c.u.ceiling.iteration = 77;
    round_trip(&c, &back, buf);
    ck_assert_int_eq(back.u.ceiling.live_bytes, 1LL << 30);

    drip_proto_kind ns[] = {DRIP_PROTO_STOPPED, DRIP_PROTO_TRIAL, DRIP_PROTO_END, DRIP_PROTO_LIMIT};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        drip_proto_msg k = {.kind = ns[i]};
        k.u.n = 42 + i;
        round_trip(&k, &back, buf);
        ck_assert_uint_eq(back.u.n, 42 + i);
    }
}
END_TEST

START_TEST(sweep_lines)
{
    char buf[DRIP_PROTO_MAX_LINE];
    drip_proto_msg back;
    drip_proto_msg r = {.kind = DRIP_PROTO_RESULT};
    r.u.result.k = 3, r.u.result.fired = 1, r.u.result.rc = -12, r.u.result.bytes = 48;
    r.u.result.blocks = 1;
    round_trip(&r, &back, buf);
    ck_assert_int_eq(back.u.result.rc, -12);
    ck_assert_uint_eq(back.u.result.bytes, 48);

    drip_proto_msg s = {.kind = DRIP_PROTO_SITE};
    s.u.site.k = 3, s.u.site.bytes = 48, s.u.site.blocks = 1;
    s.u.site.stack = "iterate (sweepme.c:32) < main (x.c:1)";
    round_trip(&s, &back, buf);
    ck_assert_str_eq(back.u.site.stack, "iterate (sweepme.c:32) < main (x.c:1)");

    drip_proto_msg f = {.kind = DRIP_PROTO_REFERENCE};
    f.u.reference.bytes = 100, f.u.reference.blocks = 2, f.u.reference.allocs = 9;
    round_trip(&f, &back, buf);
    ck_assert_uint_eq(back.u.reference.allocs, 9);

    drip_proto_msg w = {.kind = DRIP_PROTO_WARN};
    w.u.text = "line one\nline two";
    round_trip(&w, &back, buf);
    ck_assert_str_eq(back.u.text, "line one line two");
}
END_TEST

START_TEST(psite_whole_frames)
{
    char buf[DRIP_PROTO_MAX_LINE];
    drip_proto_msg m = {.kind = DRIP_PROTO_PSITE}, back;
    m.u.psite.early_bytes = 1024, m.u.psite.late_bytes = 65536.5;
    m.u.psite.alloc_objects = 12.25;
    static char fn[DRIP_PROTO_FRAMES_MAX][200];
    for (int i = 0; i < DRIP_PROTO_FRAMES_MAX; i++) {
        snprintf(fn[i], sizeof fn[i], "function_%d_%0150d", i, i);
        m.u.psite.frames[i] = (drip_proto_frame){fn[i], i % 2 ? "" : "my file.c", i};
    }
    m.u.psite.nframes = DRIP_PROTO_FRAMES_MAX;      /* far more than a line holds */
    m.u.psite.user = 3;
    round_trip(&m, &back, buf);
    ck_assert_uint_gt(back.u.psite.nframes, 5);
    ck_assert_int_eq(back.u.psite.user, 3);
    ck_assert_uint_lt(back.u.psite.nframes, DRIP_PROTO_FRAMES_MAX);
    for (size_t i = 0; i < back.u.psite.nframes; i++) {
        ck_assert_str_eq(back.u.psite.frames[i].fn, fn[i]);
        ck_assert_str_eq(back.u.psite.frames[i].file, i % 2 ? "" : "my file.c");
        ck_assert_int_eq(back.u.psite.frames[i].line, (int)i);
    }
    ck_assert_double_eq(back.u.psite.late_bytes, 65536.5);
    ck_assert_double_eq(back.u.psite.alloc_objects, 12.25);
    m.u.psite.user = DRIP_PROTO_FRAMES_MAX - 1;     /* a frame the line had no room for */
    round_trip(&m, &back, buf);
    ck_assert_int_eq(back.u.psite.user, -1);
}
END_TEST

/* The crash handler's lines: raw addresses in hex, a module's path with
 * spaces; the most frames a line holds. */
START_TEST(crash_lines)
{
    char buf[DRIP_PROTO_MAX_LINE];
    drip_proto_msg m = {.kind = DRIP_PROTO_CRASH}, back;
    m.u.crash.signo = 11;
    for (size_t i = 0; i < DRIP_PROTO_CRASH_FRAMES; i++)
        m.u.crash.pcs[i] = i == 0 ? 0 : 0x7fffffffffffULL - i * 0x1234;   /* a call to NULL */
    m.u.crash.npcs = DRIP_PROTO_CRASH_FRAMES;
    round_trip(&m, &back, buf);
    ck_assert_int_eq(back.u.crash.signo, 11);
    ck_assert_uint_eq(back.u.crash.npcs, DRIP_PROTO_CRASH_FRAMES);
    for (size_t i = 0; i < DRIP_PROTO_CRASH_FRAMES; i++)
        ck_assert_uint_eq(back.u.crash.pcs[i], m.u.crash.pcs[i]);
    m.u.crash.npcs = 0;                        /* nothing unwound: still a crash */
    round_trip(&m, &back, buf);
    ck_assert_uint_eq(back.u.crash.npcs, 0);

    drip_proto_msg d = {.kind = DRIP_PROTO_CRASHMOD};
    d.u.crashmod.base = 0x7f12deadb000ULL;
    d.u.crashmod.path = "/tmp/my dir/libfix.so";
    round_trip(&d, &back, buf);
    ck_assert_uint_eq(back.u.crashmod.base, 0x7f12deadb000ULL);
    ck_assert_str_eq(back.u.crashmod.path, "/tmp/my dir/libfix.so");
    d.u.crashmod.base = 0;                     /* a non-PIE executable */
    round_trip(&d, &back, buf);
    ck_assert_uint_eq(back.u.crashmod.base, 0);
}
END_TEST

START_TEST(long_text_cut)
{
    char buf[DRIP_PROTO_MAX_LINE];
    static char text[3 * DRIP_PROTO_MAX_LINE];
    memset(text, 'x', sizeof text - 1);
    drip_proto_msg m = {.kind = DRIP_PROTO_ERROR}, back;
    m.u.text = text;
    round_trip(&m, &back, buf);
    ck_assert_uint_gt(strlen(back.u.text), DRIP_PROTO_MAX_LINE - 20);
}
END_TEST

/* ---- errors ------------------------------------------------------------------- */

static void refused(const char *line, const char *want)
{
    char copy[DRIP_PROTO_MAX_LINE], why[256];
    snprintf(copy, sizeof copy, "%s", line);
    drip_proto_msg m;
    ck_assert_msg(drip_proto_parse(copy, &m, why, sizeof why) < 0, "'%s' was accepted", line);
    ck_assert_msg(strstr(why, want) != NULL, "'%s': reason '%s' lacks '%s'", line, why, want);
}

START_TEST(malformed)
{
    refused("sample 1 2 3", "sample: ");                  /* too few values */
    refused("sample 100 0.5 1 2 3 4 5 6 7 8 9 x", "custom value 'x' is not a finite number");
    refused("sample 100 0.5 1 2 3 4 5 6 7 8 9 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
            "more than 16 custom values");
    refused("metric 16 x", "slot 16, at most 15");
    refused("metric 1", "name missing");
    refused("metric 1 a b", "unexpected field");
    refused("sample 100 x 1 2 3 4 5 6 7 8 9", "time 'x' is not a finite number");
    refused("sample 100 nan 1 2 3 4 5 6 7 8 9", "not a finite number");
    refused("sample -1 0 1 2 3 4 5 6 7 8 9", "negative");
    refused("done 5", "failed missing");
    refused("done 5 6", "6 failed of 5");
    refused("done 5 -1", "not a count");
    refused("done 5 1 2", "unexpected field");
    refused("settle 5 6 100 10", "6 unsettled of 5 samples");
    refused("settle 5 1 100 200", "longest 200 ns of 100");
    refused("settle 5 1 100", "max ns missing");
    refused("measured 1 1 1 1 1 1 1 1 2", "not 0 or 1");
    refused("fault p 1 2", "fired 2 times of 1");
    /* a name holds only what the formatter writes (found by fuzz_protocol:
     * a raw CR or '%' comes back three times as long, and a line of them
     * formatted without its fields) */
    refused("fault a\rb 1 1", "point has a carriage return");
    refused("fault 100% 1 1", "point has a '%' not followed by a hex byte");
    refused("fault %%%% 1 1", "not followed by a hex byte");
    refused("fault %-1 1 1", "not followed by a hex byte");
    refused("fault a%00b 1 1", "not followed by a hex byte");
    refused("psite 1 2 3 4 5 6 -1 1 f%2 a.c 1", "function has a '%'");
    refused("psite 1 2 3 4 5 6 -1 99", "99 frames");
    refused("psite 1 2 3 4 5 6 -1 2 f a.c 1", "function missing");
    refused("psite 1 2 3 4 5 6 1 1 f a.c 1", "user frame 1 of 1 frames");
    refused("psite 1 2 3 4 5 6 -2 0", "user frame -2");
    refused("profile sampled 1 0 5 1 0 2", "partial 2");
    refused("result 1 1 x 0 0", "not an integer");
    refused("hello world", "unknown line 'hello'");
    refused("", "unknown line");
    refused("samples 1 2", "unknown line 'samples'");
    refused("ceiling 12", "iteration missing");
    refused("trial", "k missing");
    refused("crash 11 1 7f00", "address '7f00' is not a hex address");
    refused("crash 11 2 0x10", "address missing");
    refused("crash 11 1 0x10 0x20", "unexpected field");
    refused("crash 0 0", "signal 0 out of range");
    refused("crash 11 49", "49 frames");
    refused("crash 11 1 0xfffffffffffffffff", "not a hex address");      /* 2^68 */
    refused("crashmod 0x1000", "path missing");
    refused("crashmod /lib/x.so", "base '/lib/x.so' is not a hex address");
}
END_TEST

/* ---- streams ------------------------------------------------------------------ */

typedef struct seen {
    char lines[8][64];
    int  n;
} seen;

static void collect(void *arg, char *text)
{
    seen *s = arg;
    if (s->n < 8)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s", text);
}

START_TEST(split_chunks)
{
    const char *data = "trial 1\nresult 1 1 0 0 0\nend 2\npartial";
    for (size_t chunk = 1; chunk <= strlen(data); chunk++) {
        drip_proto_reader r = {0};
        seen s = {0};
        for (size_t off = 0; off < strlen(data); off += chunk) {
            size_t n = strlen(data) - off < chunk ? strlen(data) - off : chunk;
            ck_assert_int_eq(drip_proto_feed(&r, data + off, n, collect, &s), 0);
        }
        ck_assert_int_eq(s.n, 3);
        ck_assert_str_eq(s.lines[1], "result 1 1 0 0 0");
        ck_assert_uint_eq(r.len, strlen("partial"));    /* the cut-off last line */
    }
}
END_TEST

START_TEST(overlong_line)
{
    static char big[DRIP_PROTO_MAX_LINE * 3];
    memset(big, 'a', sizeof big);
    drip_proto_reader r = {0};
    seen s = {0};
    ck_assert_int_eq(drip_proto_feed(&r, big, sizeof big, collect, &s), -1);
    ck_assert_int_eq(s.n, 0);
    ck_assert_int_eq(drip_proto_feed(&r, "\ntrial 4\n", 9, collect, &s), 0);
    ck_assert_int_eq(s.n, 1);                  /* the overlong line dropped whole */
    ck_assert_str_eq(s.lines[0], "trial 4");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("protocol");
    drip_tcase(s, "core", values, names_and_counts, sweep_lines, psite_whole_frames, crash_lines,
            long_text_cut, NULL);
    drip_tcase(s, "errors", malformed, NULL);
    drip_tcase(s, "stream", split_chunks, overlong_line, NULL);
    return s;
}
