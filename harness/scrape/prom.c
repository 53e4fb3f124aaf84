/* prom.c - the Prometheus text exposition format (0.0.4): a page parsed
 * into series, a selector parsed, one series found (prom.h).
 *
 * One cursor walks the text line by line; every reader takes the cursor,
 * advances it past what it read and returns 0, or sets the cursor's error
 * and returns -1.  Allocation failures are errors too: this runs in the
 * runner on whatever a program served.
 */
#define _GNU_SOURCE
#include "prom.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct cursor {
    const char *p, *end;         /* what is left of the current line */
    int         line;
    char       *err;
} cursor;

static int fail(cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cursor *c, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    free(c->err);
    c->err = NULL;
    if (c->line > 0) {
        if (asprintf(&c->err, "line %d: %s", c->line, msg ? msg : "out of memory") < 0)
            c->err = NULL;
        free(msg);
    } else {
        c->err = msg;
    }
    return -1;
}

static bool name_start(char ch, bool colon)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           (colon && ch == ':');
}

static bool name_char(char ch, bool colon)
{
    return name_start(ch, colon) || (ch >= '0' && ch <= '9');
}

static void skip_blanks(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* A metric name (colon true) or a label name, malloc'd into *out. */
static int read_name(cursor *c, bool colon, const char *what, char **out)
{
    const char *start = c->p;

    if (c->p >= c->end || !name_start(*c->p, colon))
        return fail(c, "expected a %s", what);
    while (c->p < c->end && name_char(*c->p, colon))
        c->p++;
    *out = strndup(start, (size_t)(c->p - start));
    return *out ? 0 : fail(c, "out of memory");
}

/* A quoted label value with the escapes \\ \" \n, unescaped into *out. */
static int read_label_value(cursor *c, char **out)
{
    char *buf;
    size_t n = 0;

    if (c->p >= c->end || *c->p != '"')
        return fail(c, "expected a quoted label value");
    c->p++;
    buf = malloc((size_t)(c->end - c->p) + 1);
    if (!buf)
        return fail(c, "out of memory");
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if (ch == '\\') {
            if (c->p >= c->end)
                break;
            ch = *c->p++;
            if (ch == 'n')
                ch = '\n';
            else if (ch != '\\' && ch != '"') {
                free(buf);
                return fail(c, "unknown escape '\\%c' in a label value (\\\\, \\\" and \\n "
                            "are allowed)", ch);
            }
        }
        buf[n++] = ch;
    }
    if (c->p >= c->end) {
        free(buf);
        return fail(c, "label value without its closing quote");
    }
    c->p++;
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static void labels_free(drip_prom_label *labels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(labels[i].name);
        free(labels[i].value);
    }
    free(labels);
}

/* `{a="x",b="y",}` (the cursor is on '{'), into a malloc'd array.  A
 * label given twice is an error, and so are more than DRIP_PROM_MAX_LABELS
 * (the check for twice is quadratic: 20 000 labels on a line took minutes). */
static int read_labels(cursor *c, drip_prom_label **out, size_t *nout)
{
    drip_prom_label *labels = NULL;
    size_t n = 0, cap = 0;

    c->p++;                                          /* '{' */
    for (;;) {
        skip_blanks(c);
        if (c->p < c->end && *c->p == '}')
            break;
        if (n == DRIP_PROM_MAX_LABELS) {
            fail(c, "more than %d labels", DRIP_PROM_MAX_LABELS);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 4;
            drip_prom_label *grown = realloc(labels, cap * sizeof *labels);
            if (!grown) {
                fail(c, "out of memory");
                goto fail;
            }
            labels = grown;
        }
        labels[n] = (drip_prom_label){0};
        if (read_name(c, false, "label name", &labels[n].name) < 0)
            goto fail_item;
        skip_blanks(c);
        if (c->p >= c->end || *c->p != '=') {
            fail(c, "expected '=' after label '%s'", labels[n].name);
            goto fail_item;
        }
        c->p++;
        skip_blanks(c);
        if (read_label_value(c, &labels[n].value) < 0)
            goto fail_item;
        for (size_t i = 0; i < n; i++)
            if (strcmp(labels[i].name, labels[n].name) == 0) {
                fail(c, "label '%s' given twice", labels[n].name);
                n++;
                goto fail;
            }
        n++;
        skip_blanks(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p >= c->end || *c->p != '}') {
            fail(c, "expected ',' or '}' after a label");
            goto fail;
        }
        break;
    }
    c->p++;                                          /* '}' */
    *out = labels;
    *nout = n;
    return 0;
fail_item:
    n++;                                             /* free the partial item too */
fail:
    labels_free(labels, n);
    return -1;
}

/* A float in Go's ParseFloat syntax (as the format says), including NaN
 * and [+-]Inf; the token ends at a blank or the end of the line. */
static int read_value(cursor *c, double *out)
{
    const char *start = c->p;
    char buf[64], *endp;

    while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
        c->p++;
    size_t n = (size_t)(c->p - start);
    if (n == 0)
        return fail(c, "expected a value");
    if (n >= sizeof buf)
        return fail(c, "value too long");
    memcpy(buf, start, n);
    buf[n] = '\0';
    if (strcmp(buf, "NaN") == 0) {
        *out = NAN;
        return 0;
    }
    const char *inf = buf + (buf[0] == '+' || buf[0] == '-');
    if (strcasecmp(inf, "Inf") == 0 || strcasecmp(inf, "Infinity") == 0) {
        *out = buf[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    /* strtod also takes hex, "nan(...)", "infinity" in odd cases: only
     * decimal digits, a sign, a point and an exponent are allowed here. */
    if (strspn(buf, "0123456789+-.eE") != n)
        return fail(c, "value '%s' is not a number", buf);
    errno = 0;
    *out = strtod(buf, &endp);
    if (*endp || endp == buf)
        return fail(c, "value '%s' is not a number", buf);
    return 0;
}

/* An optional timestamp: an integer of milliseconds. */
static int read_timestamp(cursor *c, drip_prom_series *s)
{
    const char *start = c->p;
    char buf[32], *endp;

    while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
        c->p++;
    size_t n = (size_t)(c->p - start);
    if (n == 0)
        return 0;
    if (n >= sizeof buf)
        return fail(c, "timestamp too long");
    memcpy(buf, start, n);
    buf[n] = '\0';
    errno = 0;
    long long ts = strtoll(buf, &endp, 10);
    if (*endp || errno == ERANGE || strspn(buf, "+-0123456789") != n)
        return fail(c, "timestamp '%s' is not an integer", buf);
    s->has_timestamp = true;
    s->timestamp = ts;
    return 0;
}

static void series_free(drip_prom_series *s)
{
    free(s->name);
    labels_free(s->labels, s->nlabels);
}

/* One sample line into *s. */
static int read_sample(cursor *c, drip_prom_series *s)
{
    s->line = c->line;
    if (read_name(c, true, "metric name", &s->name) < 0)
        return -1;
    skip_blanks(c);
    if (c->p < c->end && *c->p == '{' && read_labels(c, &s->labels, &s->nlabels) < 0)
        return -1;
    skip_blanks(c);
    if (read_value(c, &s->value) < 0)
        return -1;
    skip_blanks(c);
    if (read_timestamp(c, s) < 0)
        return -1;
    skip_blanks(c);
    if (c->p < c->end)
        return fail(c, "unexpected text after the value");
    return 0;
}

/* `# HELP name text` and `# TYPE name type`: the name must be well formed
 * and a TYPE one of the format's five. */
static int read_comment(cursor *c)
{
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    char *name = NULL;
    bool help, type;

    c->p++;                                          /* '#' */
    skip_blanks(c);
    help = c->end - c->p >= 5 && memcmp(c->p, "HELP", 4) == 0 && (c->p[4] == ' ' || c->p[4] == '\t');
    type = c->end - c->p >= 5 && memcmp(c->p, "TYPE", 4) == 0 && (c->p[4] == ' ' || c->p[4] == '\t');
    if (!help && !type)
        return 0;                                    /* a plain comment */
    c->p += 4;
    skip_blanks(c);
    if (read_name(c, true, "metric name after HELP or TYPE", &name) < 0)
        return -1;
    free(name);
    if (help)
        return 0;
    skip_blanks(c);
    size_t n = (size_t)(c->end - c->p);
    while (n > 0 && (c->p[n - 1] == ' ' || c->p[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i]) == n && memcmp(types[i], c->p, n) == 0)
            return 0;
    return fail(c, "TYPE must be counter, gauge, histogram, summary or untyped");
}

static int add_series(cursor *c, drip_prom_doc *doc, drip_prom_series *s)
{
    if (doc->count == doc->cap) {
        size_t ncap = doc->cap ? doc->cap * 2 : 64;
        drip_prom_series *grown = realloc(doc->series, ncap * sizeof *grown);
        if (!grown)
            return fail(c, "out of memory");
        doc->series = grown;
        doc->cap = ncap;
    }
    doc->series[doc->count++] = *s;
    return 0;
}

/* See prom.h. */
int drip_prom_parse(const char *text, size_t len, drip_prom_doc *doc, char **err)
{
    cursor c = {0};
    const char *p = text, *end = text + len;

    *err = NULL;
    if (len > DRIP_PROM_MAX_BYTES) {
        fail(&c, "page larger than %u MiB", DRIP_PROM_MAX_BYTES >> 20);
        goto fail;
    }
    if (memchr(text, '\0', len)) {
        fail(&c, "NUL byte in the page");
        goto fail;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        c.line++;
        c.p = p;
        c.end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        p = nl ? nl + 1 : end;
        skip_blanks(&c);
        if (c.p == c.end)
            continue;
        if (*c.p == '#') {
            if (read_comment(&c) < 0)
                goto fail;
            continue;
        }
        drip_prom_series s = {0};
        if (read_sample(&c, &s) < 0 || add_series(&c, doc, &s) < 0) {
            series_free(&s);
            goto fail;
        }
    }
    return 0;
fail:
    drip_prom_doc_free(doc);
    *err = c.err ? c.err : strdup("out of memory");
    return -1;
}

void drip_prom_doc_free(drip_prom_doc *doc)
{
    for (size_t i = 0; i < doc->count; i++)
        series_free(&doc->series[i]);
    free(doc->series);
    memset(doc, 0, sizeof *doc);
}

/* ---- selectors and lookups ------------------------------------------------------ */

/* See prom.h.  The same grammar as a sample line's name and labels. */
int drip_prom_selector_parse(const char *s, drip_prom_selector *sel, char **err)
{
    cursor c = {.p = s, .end = s + strlen(s)};

    *err = NULL;
    if (read_name(&c, true, "metric name such as go_goroutines", &sel->name) < 0)
        goto fail;
    if (c.p < c.end && *c.p == '{' && read_labels(&c, &sel->labels, &sel->nlabels) < 0)
        goto fail;
    if (c.p < c.end) {
        fail(&c, "unexpected '%c' after %s (a selector is name or name{label=\"value\"})",
             *c.p, sel->labels ? "the labels" : "the name");
        goto fail;
    }
    return 0;
fail:
    drip_prom_selector_free(sel);
    *err = c.err ? c.err : strdup("out of memory");
    return -1;
}

void drip_prom_selector_free(drip_prom_selector *sel)
{
    free(sel->name);
    labels_free(sel->labels, sel->nlabels);
    memset(sel, 0, sizeof *sel);
}

static bool has_label(const drip_prom_series *s, const drip_prom_label *want)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(s->labels[i].name, want->name) == 0)
            return strcmp(s->labels[i].value, want->value) == 0;
    return false;
}

static bool matches(const drip_prom_series *s, const drip_prom_selector *sel)
{
    if (strcmp(s->name, sel->name) != 0)
        return false;
    for (size_t i = 0; i < sel->nlabels; i++)
        if (!has_label(s, &sel->labels[i]))
            return false;
    return true;
}

/* See prom.h. */
int drip_prom_lookup(const drip_prom_doc *doc, const drip_prom_selector *sel, double *value,
                     char **err)
{
    size_t found = 0, named = 0;
    double v = 0;

    *err = NULL;
    for (size_t i = 0; i < doc->count; i++) {
        named += strcmp(doc->series[i].name, sel->name) == 0;
        if (matches(&doc->series[i], sel) && found++ == 0)
            v = doc->series[i].value;
    }
    if (found == 1) {
        *value = v;
        return 0;
    }
    int r;
    if (found > 1)
        r = asprintf(err, "%s%s matches %zu series; add labels to pick one", sel->name,
                     sel->nlabels ? "{...}" : "", found);
    else if (named)
        r = asprintf(err, "no series %s with those labels (%s has %zu series with other "
                     "labels)", sel->name, sel->name, named);
    else
        r = asprintf(err, "no series %s", sel->name);
    if (r < 0)
        *err = NULL;
    return -1;
}
