/* protocol.c - the worker's lines: one formatter, one parser (protocol.h). */
#define _GNU_SOURCE
#include "protocol.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[DRIP_PROTO_KINDS] = {
    [DRIP_PROTO_MEASURED] = "measured", [DRIP_PROTO_SAMPLE] = "sample",
    [DRIP_PROTO_TEARDOWN] = "teardown", [DRIP_PROTO_FAULT] = "fault",
    [DRIP_PROTO_PROFILE] = "profile",   [DRIP_PROTO_PSITE] = "psite",
    [DRIP_PROTO_WARN] = "warn",         [DRIP_PROTO_ERROR] = "error",
    [DRIP_PROTO_CEILING] = "ceiling",   [DRIP_PROTO_STOPPED] = "stopped",
    [DRIP_PROTO_DONE] = "done",         [DRIP_PROTO_REFERENCE] = "reference",
    [DRIP_PROTO_TRIAL] = "trial",       [DRIP_PROTO_RESULT] = "result",
    [DRIP_PROTO_SITE] = "site",         [DRIP_PROTO_END] = "end",
    [DRIP_PROTO_LIMIT] = "limit",       [DRIP_PROTO_UNUSED] = "unused",
    [DRIP_PROTO_CRASHMOD] = "crashmod", [DRIP_PROTO_CRASH] = "crash",
    [DRIP_PROTO_SETTLE] = "settle",     [DRIP_PROTO_METRIC] = "metric",
};

const char *drip_proto_kind_name(drip_proto_kind k)
{
    return k < DRIP_PROTO_KINDS ? kind_names[k] : "?";
}

/* ---- formatting ------------------------------------------------------------ */

/* A line being built in a buffer of DRIP_PROTO_MAX_LINE bytes; `full` once
 * something did not fit (what was added then is taken back). */
typedef struct out {
    char  *buf;
    size_t len;
    bool   full;
} out;

/* Room for the newline and the NUL is kept back. */
#define OUT_ROOM (DRIP_PROTO_MAX_LINE - 2)

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, OUT_ROOM + 1 - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || o->len + (size_t)n > OUT_ROOM) {
        o->buf[o->len] = '\0';
        o->full = true;
        return;
    }
    o->len += (size_t)n;
}

/* " NAME": one field, spaces, '%', '-' alone and line breaks as %XX, an
 * empty name as "-". */
static void put_name(out *o, const char *s)
{
    size_t start = o->len;
    put(o, " ");
    if (!s || !*s) {
        put(o, "-");
    } else if (strcmp(s, "-") == 0) {
        put(o, "%%2D");
    } else {
        for (; *s && !o->full; s++) {
            if (*s == ' ' || *s == '%' || *s == '\n' || *s == '\r')
                put(o, "%%%02X", (unsigned char)*s);
            else
                put(o, "%c", *s);
        }
    }
    if (o->full) {                       /* a field is whole or absent */
        o->len = start;
        o->buf[start] = '\0';
    }
}

/* " TEXT" to the end of the line, cut to fit, line breaks as spaces. */
static void put_text(out *o, const char *s)
{
    put(o, " ");
    for (; s && *s && o->len < OUT_ROOM; s++)
        o->buf[o->len++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
    o->buf[o->len] = '\0';
}

static void put_values(out *o, const double *v, size_t ncustom)
{
    put(o, " %.0f %.6f", v[0], v[1]);
    for (int c = 2; c < DRIP_PROTO_BASE_COLS; c++)
        put(o, " %.0f", v[c]);
    for (size_t k = 0; k < ncustom && k < DRIP_METRIC_CUSTOM_MAX; k++)
        put(o, " %.17g", v[DRIP_PROTO_BASE_COLS + k]);
}

static void put_psite(out *o, const drip_proto_msg *m)
{
    put(o, " %.1f %.2f %.1f %.2f %.1f %.2f", m->u.psite.early_bytes, m->u.psite.early_objects,
        m->u.psite.late_bytes, m->u.psite.late_objects, m->u.psite.alloc_bytes,
        m->u.psite.alloc_objects);
    /* the frames first, apart, as many whole ones as fit behind the count */
    char frames[DRIP_PROTO_MAX_LINE];
    out fo = {frames, 0, false};
    frames[0] = '\0';
    size_t room = o->len + 8 < OUT_ROOM ? OUT_ROOM - o->len - 8 : 0;   /* " UU NN" */
    size_t n = 0;
    for (; n < m->u.psite.nframes && n < DRIP_PROTO_FRAMES_MAX; n++) {
        size_t before = fo.len;
        const drip_proto_frame *f = &m->u.psite.frames[n];
        put_name(&fo, f->fn);
        put_name(&fo, f->file);
        put(&fo, " %d", f->line);
        if (fo.full || fo.len > room) {
            fo.len = before;
            frames[before] = '\0';
            break;
        }
    }
    int user = m->u.psite.user >= 0 && (size_t)m->u.psite.user < n ? m->u.psite.user : -1;
    put(o, " %d %zu%s", user, n, frames);
}

/* ---- crash lines: async-signal-safe (no stdio) ---------------------------------- */

/* Append n bytes of s, or as many as fit. */
static void safe_put(out *o, const char *s, size_t n)
{
    if (n > OUT_ROOM - o->len)
        n = OUT_ROOM - o->len;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* " 123", or " 0x7f3a..." in hex: whole or not at all. */
static void safe_num(out *o, uint64_t v, bool hex)
{
    char digits[24], text[24];
    size_t n = 0, k = 0;
    do {
        digits[n++] = "0123456789abcdef"[hex ? v % 16 : v % 10];
        v = hex ? v / 16 : v / 10;
    } while (v);
    text[k++] = ' ';
    if (hex) {
        text[k++] = '0';
        text[k++] = 'x';
    }
    while (n)
        text[k++] = digits[--n];
    if (k <= OUT_ROOM - o->len)
        safe_put(o, text, k);
}

/* A crash or crashmod line, newline included.  Returns its length. */
static size_t format_crash(const drip_proto_msg *m, char *buf)
{
    out o = {buf, 0, false};
    buf[0] = '\0';
    const char *kind = kind_names[m->kind];
    safe_put(&o, kind, strlen(kind));
    if (m->kind == DRIP_PROTO_CRASHMOD) {
        safe_num(&o, m->u.crashmod.base, true);
        safe_put(&o, " ", 1);
        for (const char *p = m->u.crashmod.path; p && *p && o.len < OUT_ROOM; p++)
            safe_put(&o, *p == '\n' || *p == '\r' ? " " : p, 1);
    } else {
        size_t n = m->u.crash.npcs < DRIP_PROTO_CRASH_FRAMES ? m->u.crash.npcs
                                                             : DRIP_PROTO_CRASH_FRAMES;
        safe_num(&o, (uint64_t)(m->u.crash.signo < 0 ? 0 : m->u.crash.signo), false);
        safe_num(&o, n, false);
        for (size_t i = 0; i < n; i++)
            safe_num(&o, m->u.crash.pcs[i], true);
    }
    buf[o.len++] = '\n';
    buf[o.len] = '\0';
    return o.len;
}

size_t drip_proto_format(const drip_proto_msg *m, char *buf)
{
    if (m->kind == DRIP_PROTO_CRASH || m->kind == DRIP_PROTO_CRASHMOD)
        return format_crash(m, buf);
    out o = {buf, 0, false};
    buf[0] = '\0';
    put(&o, "%s", drip_proto_kind_name(m->kind));
    switch (m->kind) {
    case DRIP_PROTO_MEASURED:
        for (int i = 0; i < DRIP_M_COUNT; i++)
            put(&o, " %d", m->u.measured[i] ? 1 : 0);
        break;
    case DRIP_PROTO_SAMPLE:
    case DRIP_PROTO_TEARDOWN:
        put_values(&o, m->u.sample, m->ncustom);
        break;
    case DRIP_PROTO_METRIC:
        put(&o, " %" PRIu64, m->u.metric.k);
        put_name(&o, m->u.metric.name);
        break;
    case DRIP_PROTO_FAULT:
        put_name(&o, m->u.fault.point);
        put(&o, " %" PRIu64 " %" PRIu64, m->u.fault.asked, m->u.fault.fired);
        for (size_t i = 0; i < m->u.fault.nfirst && i < DRIP_PROTO_FIRST_MAX; i++)
            put(&o, " %" PRIu64, m->u.fault.first[i]);
        break;
    case DRIP_PROTO_PROFILE:
        put_name(&o, m->u.profile.mode);
        put(&o, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %d",
            m->u.profile.rate, m->u.profile.early_iteration, m->u.profile.late_iteration,
            m->u.profile.stacks, m->u.profile.dropped, m->u.profile.partial ? 1 : 0);
        break;
    case DRIP_PROTO_PSITE:
        put_psite(&o, m);
        break;
    case DRIP_PROTO_WARN:
    case DRIP_PROTO_UNUSED:
    case DRIP_PROTO_ERROR:
        put_text(&o, m->u.text);
        break;
    case DRIP_PROTO_CEILING:
        put(&o, " %" PRId64 " %" PRIu64, m->u.ceiling.live_bytes, m->u.ceiling.iteration);
        break;
    case DRIP_PROTO_STOPPED:
    case DRIP_PROTO_TRIAL:
    case DRIP_PROTO_END:
    case DRIP_PROTO_LIMIT:
        put(&o, " %" PRIu64, m->u.n);
        break;
    case DRIP_PROTO_DONE:
        put(&o, " %" PRIu64 " %" PRIu64, m->u.done.iterations, m->u.done.failed);
        break;
    case DRIP_PROTO_SETTLE:
        put(&o, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, m->u.settle.samples,
            m->u.settle.unsettled, m->u.settle.total_ns, m->u.settle.max_ns);
        break;
    case DRIP_PROTO_REFERENCE:
        put(&o, " %" PRIu64 " %" PRIu64 " %" PRIu64, m->u.reference.bytes,
            m->u.reference.blocks, m->u.reference.allocs);
        break;
    case DRIP_PROTO_RESULT:
        put(&o, " %" PRIu64 " %" PRIu64 " %d %" PRIu64 " %" PRIu64, m->u.result.k,
            m->u.result.fired, m->u.result.rc, m->u.result.bytes, m->u.result.blocks);
        break;
    case DRIP_PROTO_SITE:
        put(&o, " %" PRIu64 " %" PRIu64 " %" PRIu64, m->u.site.k, m->u.site.bytes,
            m->u.site.blocks);
        put_text(&o, m->u.site.stack);
        break;
    case DRIP_PROTO_CRASHMOD:
    case DRIP_PROTO_CRASH:                 /* format_crash */
    case DRIP_PROTO_KINDS:
        break;
    }
    buf[o.len++] = '\n';
    buf[o.len] = '\0';
    return o.len;
}

int drip_proto_send(int fd, const drip_proto_msg *m)
{
    char buf[DRIP_PROTO_MAX_LINE];
    size_t n = drip_proto_format(m, buf);
    for (const char *p = buf; n > 0;) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int drip_proto_vsendf(int fd, drip_proto_kind kind, const char *fmt, va_list ap)
{
    char text[DRIP_PROTO_MAX_LINE];
    vsnprintf(text, sizeof text, fmt, ap);
    drip_proto_msg m = {.kind = kind};
    m.u.text = text;
    return drip_proto_send(fd, &m);
}

int drip_proto_sendf(int fd, drip_proto_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = drip_proto_vsendf(fd, kind, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- parsing ----------------------------------------------------------------- */

/* The fields of a line after its keyword. */
typedef struct fields {
    char  *rest;                 /* what is left, at the start of a field or at NUL */
    char  *why;
    size_t whylen;
    const char *kind;
} fields;

static int bad(fields *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(fields *f, const char *fmt, ...)
{
    int n = snprintf(f->why, f->whylen, "%s: ", f->kind);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < f->whylen)
        vsnprintf(f->why + n, f->whylen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* The next field (NUL-terminated in place), or NULL at the end. */
static char *next(fields *f)
{
    if (!*f->rest)
        return NULL;
    char *s = f->rest, *sp = strchr(s, ' ');
    if (sp) {
        *sp = '\0';
        f->rest = sp + 1;
    } else {
        f->rest = s + strlen(s);
    }
    return s;
}

static int want_end(fields *f)
{
    return *f->rest ? bad(f, "unexpected field '%.40s'", f->rest) : 0;
}

static int get_u64(fields *f, const char *what, uint64_t *v)
{
    char *s = next(f), *end;
    if (!s)
        return bad(f, "%s missing", what);
    if (*s < '0' || *s > '9')
        return bad(f, "%s '%.40s' is not a count", what, s);
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno)
        return bad(f, "%s '%.40s' is not a count", what, s);
    *v = x;
    return 0;
}

static int get_i64(fields *f, const char *what, int64_t *v)
{
    char *s = next(f), *end;
    if (!s)
        return bad(f, "%s missing", what);
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        return bad(f, "%s '%.40s' is not an integer", what, s);
    *v = x;
    return 0;
}

static int get_num(fields *f, const char *what, double *v)
{
    char *s = next(f), *end;
    if (!s)
        return bad(f, "%s missing", what);
    double x = strtod(s, &end);
    if (!*s || *end || !isfinite(x))
        return bad(f, "%s '%.40s' is not a finite number", what, s);
    *v = x;
    return 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A name field decoded in place (%XX, "-" for empty).  Only what put_name
 * writes is taken: a '%' must start two hex digits other than 00, and a
 * carriage return must be escaped.  So a name read back is never longer
 * when formatted again than it was on the line (a line that parses also
 * formats whole: the fuzz target tests/fuzz/fuzz_protocol.c checks). */
static int get_name(fields *f, const char *what, const char **v)
{
    char *s = next(f);
    if (!s)
        return bad(f, "%s missing", what);
    if (strcmp(s, "-") == 0) {
        *v = s + 1;                       /* "" */
        return 0;
    }
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '\r')
            return bad(f, "%s has a carriage return not written %%0D", what);
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return bad(f, "%s has a '%%' not followed by a hex byte (%%01 to %%FF)", what);
        *o++ = (char)(hi * 16 + lo);
        p += 2;
    }
    *o = '\0';
    *v = s;
    return 0;
}

/* Drip's columns, then at most DRIP_METRIC_CUSTOM_MAX custom values
 * (their count into *ncustom). */
static int parse_values(fields *f, double *v, size_t *ncustom)
{
    static const char *const what[2] = {"iteration", "time"};
    for (int c = 0; c < DRIP_PROTO_BASE_COLS; c++)
        if (get_num(f, c < 2 ? what[c] : drip_metrics[c - 2].name, &v[c]) < 0)
            return -1;
    if (v[0] < 0 || v[1] < 0)
        return bad(f, "negative iteration or time");
    for (*ncustom = 0; *f->rest; (*ncustom)++) {
        if (*ncustom == DRIP_METRIC_CUSTOM_MAX)
            return bad(f, "more than %d custom values", DRIP_METRIC_CUSTOM_MAX);
        if (get_num(f, "custom value", &v[DRIP_PROTO_BASE_COLS + *ncustom]) < 0)
            return -1;
    }
    return 0;
}

/* metric K NAME: a slot in range and a name. */
static int parse_metric(fields *f, drip_proto_msg *m)
{
    if (get_u64(f, "slot", &m->u.metric.k) < 0 || get_name(f, "name", &m->u.metric.name) < 0)
        return -1;
    if (m->u.metric.k >= DRIP_METRIC_CUSTOM_MAX)
        return bad(f, "slot %llu, at most %d", (unsigned long long)m->u.metric.k,
                   DRIP_METRIC_CUSTOM_MAX - 1);
    return want_end(f);
}

static int parse_psite(fields *f, drip_proto_msg *m)
{
    double *v[6] = {&m->u.psite.early_bytes, &m->u.psite.early_objects,
                    &m->u.psite.late_bytes, &m->u.psite.late_objects,
                    &m->u.psite.alloc_bytes, &m->u.psite.alloc_objects};
    for (int i = 0; i < 6; i++)
        if (get_num(f, "site total", v[i]) < 0)
            return -1;
    uint64_t n;
    int64_t user;
    if (get_i64(f, "user frame", &user) < 0 || get_u64(f, "frame count", &n) < 0)
        return -1;
    if (n > DRIP_PROTO_FRAMES_MAX)
        return bad(f, "%llu frames, at most %d", (unsigned long long)n, DRIP_PROTO_FRAMES_MAX);
    if (user < -1 || user >= (int64_t)n)
        return bad(f, "user frame %lld of %llu frames", (long long)user, (unsigned long long)n);
    m->u.psite.user = (int)user;
    m->u.psite.nframes = (size_t)n;
    for (size_t i = 0; i < n; i++) {
        drip_proto_frame *fr = &m->u.psite.frames[i];
        int64_t line;
        if (get_name(f, "function", &fr->fn) < 0 || get_name(f, "file", &fr->file) < 0 ||
            get_i64(f, "line", &line) < 0)
            return -1;
        if (line < 0 || line > 100000000)
            return bad(f, "line %lld out of range", (long long)line);
        fr->line = (int)line;
    }
    return want_end(f);
}

/* An address: "0x" and hex digits, whole. */
static int get_hex(fields *f, const char *what, uint64_t *v)
{
    char *s = next(f), *end;
    if (!s)
        return bad(f, "%s missing", what);
    if (strncmp(s, "0x", 2) != 0 || !s[2] || !strchr("0123456789abcdef", s[2]))
        return bad(f, "%s '%.40s' is not a hex address", what, s);
    errno = 0;
    unsigned long long x = strtoull(s + 2, &end, 16);
    if (*end || errno)
        return bad(f, "%s '%.40s' is not a hex address", what, s);
    *v = x;
    return 0;
}

static int parse_crash(fields *f, drip_proto_msg *m)
{
    uint64_t sig, n;
    if (get_u64(f, "signal", &sig) < 0 || get_u64(f, "frame count", &n) < 0)
        return -1;
    if (sig < 1 || sig > 64)
        return bad(f, "signal %llu out of range", (unsigned long long)sig);
    if (n > DRIP_PROTO_CRASH_FRAMES)
        return bad(f, "%llu frames, at most %d", (unsigned long long)n, DRIP_PROTO_CRASH_FRAMES);
    m->u.crash.signo = (int)sig;
    m->u.crash.npcs = (size_t)n;
    for (size_t i = 0; i < n; i++)
        if (get_hex(f, "address", &m->u.crash.pcs[i]) < 0)
            return -1;
    return want_end(f);
}

static int parse_fault(fields *f, drip_proto_msg *m)
{
    if (get_name(f, "point", &m->u.fault.point) < 0 ||
        get_u64(f, "asked", &m->u.fault.asked) < 0 || get_u64(f, "fired", &m->u.fault.fired) < 0)
        return -1;
    m->u.fault.nfirst = 0;
    while (*f->rest) {
        if (m->u.fault.nfirst == DRIP_PROTO_FIRST_MAX)
            return bad(f, "more than %d first iterations", DRIP_PROTO_FIRST_MAX);
        if (get_u64(f, "first iteration", &m->u.fault.first[m->u.fault.nfirst++]) < 0)
            return -1;
    }
    if (m->u.fault.fired > m->u.fault.asked)
        return bad(f, "fired %llu times of %llu asks", (unsigned long long)m->u.fault.fired,
                   (unsigned long long)m->u.fault.asked);
    return 0;
}

static int parse_settle(fields *f, drip_settle_stats *st)
{
    if (get_u64(f, "samples", &st->samples) < 0 || get_u64(f, "unsettled", &st->unsettled) < 0 ||
        get_u64(f, "total ns", &st->total_ns) < 0 || get_u64(f, "max ns", &st->max_ns) < 0)
        return -1;
    if (st->unsettled > st->samples || st->max_ns > st->total_ns)
        return bad(f, "%llu unsettled of %llu samples, longest %llu ns of %llu",
                   (unsigned long long)st->unsettled, (unsigned long long)st->samples,
                   (unsigned long long)st->max_ns, (unsigned long long)st->total_ns);
    return want_end(f);
}

/* measured M0 .. Mk: which metrics this process can measure (0 or 1). */
static int parse_measured(fields *f, drip_proto_msg *m)
{
    for (int i = 0; i < DRIP_M_COUNT; i++) {
        uint64_t b;
        if (get_u64(f, drip_metrics[i].name, &b) < 0)
            return -1;
        if (b > 1)
            return bad(f, "%s is %llu, not 0 or 1", drip_metrics[i].name,
                       (unsigned long long)b);
        m->u.measured[i] = b == 1;
    }
    return want_end(f);
}

/* profile MODE RATE EARLY LATE STACKS DROPPED PARTIAL */
static int parse_profile(fields *f, drip_proto_msg *m)
{
    uint64_t partial;
    if (get_name(f, "mode", &m->u.profile.mode) < 0 ||
        get_u64(f, "rate", &m->u.profile.rate) < 0 ||
        get_u64(f, "early iteration", &m->u.profile.early_iteration) < 0 ||
        get_u64(f, "late iteration", &m->u.profile.late_iteration) < 0 ||
        get_u64(f, "stacks", &m->u.profile.stacks) < 0 ||
        get_u64(f, "dropped", &m->u.profile.dropped) < 0 ||
        get_u64(f, "partial", &partial) < 0)
        return -1;
    if (partial > 1)
        return bad(f, "partial %llu: 0 or 1", (unsigned long long)partial);
    m->u.profile.partial = partial == 1;
    return want_end(f);
}

/* result K FIRED RC BYTES BLOCKS (the sweep's trial k) */
static int parse_result(fields *f, drip_proto_msg *m)
{
    int64_t rc;
    if (get_u64(f, "k", &m->u.result.k) < 0 || get_u64(f, "fired", &m->u.result.fired) < 0 ||
        get_i64(f, "result", &rc) < 0 || get_u64(f, "bytes", &m->u.result.bytes) < 0 ||
        get_u64(f, "blocks", &m->u.result.blocks) < 0)
        return -1;
    if (rc < INT32_MIN || rc > INT32_MAX)
        return bad(f, "result %lld out of range", (long long)rc);
    m->u.result.rc = (int)rc;
    return want_end(f);
}

static int parse_body(fields *f, drip_proto_msg *m)
{
    switch (m->kind) {
    case DRIP_PROTO_MEASURED:
        return parse_measured(f, m);
    case DRIP_PROTO_SAMPLE:
    case DRIP_PROTO_TEARDOWN:
        return parse_values(f, m->u.sample, &m->ncustom);
    case DRIP_PROTO_METRIC:
        return parse_metric(f, m);
    case DRIP_PROTO_FAULT:
        return parse_fault(f, m);
    case DRIP_PROTO_PROFILE:
        return parse_profile(f, m);
    case DRIP_PROTO_PSITE:
        return parse_psite(f, m);
    case DRIP_PROTO_WARN:
    case DRIP_PROTO_UNUSED:
    case DRIP_PROTO_ERROR:
        m->u.text = f->rest;
        return 0;
    case DRIP_PROTO_CEILING:
        if (get_i64(f, "live bytes", &m->u.ceiling.live_bytes) < 0 ||
            get_u64(f, "iteration", &m->u.ceiling.iteration) < 0)
            return -1;
        return want_end(f);
    case DRIP_PROTO_STOPPED:
    case DRIP_PROTO_TRIAL:
    case DRIP_PROTO_END:
    case DRIP_PROTO_LIMIT:
        if (get_u64(f, m->kind == DRIP_PROTO_STOPPED ? "iteration" : "k", &m->u.n) < 0)
            return -1;
        return want_end(f);
    case DRIP_PROTO_DONE:
        if (get_u64(f, "iterations", &m->u.done.iterations) < 0 ||
            get_u64(f, "failed", &m->u.done.failed) < 0)
            return -1;
        if (m->u.done.failed > m->u.done.iterations)
            return bad(f, "%llu failed of %llu iterations",
                       (unsigned long long)m->u.done.failed,
                       (unsigned long long)m->u.done.iterations);
        return want_end(f);
    case DRIP_PROTO_SETTLE:
        return parse_settle(f, &m->u.settle);
    case DRIP_PROTO_REFERENCE:
        if (get_u64(f, "bytes", &m->u.reference.bytes) < 0 ||
            get_u64(f, "blocks", &m->u.reference.blocks) < 0 ||
            get_u64(f, "allocations", &m->u.reference.allocs) < 0)
            return -1;
        return want_end(f);
    case DRIP_PROTO_RESULT:
        return parse_result(f, m);
    case DRIP_PROTO_SITE:
        if (get_u64(f, "k", &m->u.site.k) < 0 || get_u64(f, "bytes", &m->u.site.bytes) < 0 ||
            get_u64(f, "blocks", &m->u.site.blocks) < 0)
            return -1;
        m->u.site.stack = f->rest;
        return 0;
    case DRIP_PROTO_CRASHMOD:
        if (get_hex(f, "base", &m->u.crashmod.base) < 0)
            return -1;
        if (!*f->rest)
            return bad(f, "path missing");
        m->u.crashmod.path = f->rest;
        return 0;
    case DRIP_PROTO_CRASH:
        return parse_crash(f, m);
    case DRIP_PROTO_KINDS:
        break;
    }
    return bad(f, "unknown kind");
}

int drip_proto_parse(char *line, drip_proto_msg *m, char *why, size_t whylen)
{
    memset(m, 0, sizeof *m);
    if (whylen)
        why[0] = '\0';
    char *sp = strchr(line, ' ');
    size_t klen = sp ? (size_t)(sp - line) : strlen(line);
    int k = 0;
    while (k < DRIP_PROTO_KINDS &&
           !(strlen(kind_names[k]) == klen && memcmp(kind_names[k], line, klen) == 0))
        k++;
    if (k == DRIP_PROTO_KINDS) {
        snprintf(why, whylen, "unknown line '%.*s'", klen > 40 ? 40 : (int)klen, line);
        return -1;
    }
    m->kind = (drip_proto_kind)k;
    fields f = {sp ? sp + 1 : line + klen, why, whylen, kind_names[k]};
    return parse_body(&f, m);
}

/* ---- lines from a stream ------------------------------------------------------- */

int drip_proto_feed(drip_proto_reader *r, const char *data, size_t n,
                    void (*line)(void *arg, char *text), void *arg)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char c = data[i];
        if (c == '\n') {
            if (!r->overlong) {
                r->buf[r->len] = '\0';
                line(arg, r->buf);
            }
            r->len = 0;
            r->overlong = false;
        } else if (r->overlong) {
            continue;
        } else if (r->len == DRIP_PROTO_MAX_LINE - 1) {   /* no room left for the newline */
            r->overlong = true;
            r->len = 0;
            rc = -1;
        } else {
            r->buf[r->len++] = c;
        }
    }
    return rc;
}
