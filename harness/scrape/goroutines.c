/* goroutines.c - Go's goroutine profile text, read (goroutines.h). */
#define _GNU_SOURCE
#include "goroutines.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'd printf (NULL when memory runs out: the caller's message is
 * then lost, never the process). */
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* Append "fn (file:line)" from a frame line "#\t0xPC\tfn+0xOFF\tpath:line"
 * to *acc (with " < " between frames).  false when memory runs out. */
static bool add_frame(char **acc, const char *line, size_t len)
{
    char *copy = strndup(line, len), *save = NULL;
    if (!copy)
        return false;
    strtok_r(copy, "\t", &save);                     /* "#" */
    strtok_r(NULL, "\t", &save);                     /* the pc */
    char *fn = strtok_r(NULL, "\t", &save), *where = strtok_r(NULL, "\t", &save);
    bool ok = true;
    if (fn) {
        char *plus = strrchr(fn, '+');
        if (plus)
            *plus = '\0';
        const char *base = where ? strrchr(where, '/') : NULL;
        base = base ? base + 1 : where;
        char *next = fmt("%s%s%s%s%s%s", *acc, **acc ? " < " : "", fn, base ? " (" : "",
                         base ? base : "", base ? ")" : "");
        ok = next != NULL;
        if (ok) {
            free(*acc);
            *acc = next;
        }
    }
    free(copy);
    return ok;
}

/* Is the line p[0..ll) a block's first line, "COUNT @ 0xPC ..."?  Then
 * *count is COUNT.  Reads nothing past the line (the page need not end in
 * a NUL, and one scan per line keeps a page's reading linear). */
static bool block_header(const char *p, size_t ll, unsigned long long *count)
{
    size_t i = 0;
    unsigned long long c = 0;
    for (; i < ll && p[i] >= '0' && p[i] <= '9'; i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (c > (ULLONG_MAX - d) / 10)
            return false;                        /* no count is that large */
        c = c * 10 + d;
    }
    if (i == 0 || i == ll || (p[i] != ' ' && p[i] != '\t'))
        return false;
    while (i < ll && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == ll || p[i] != '@')
        return false;
    *count = c;
    return true;
}

/* Most goroutines first, equal counts in page order: a stable merge sort
 * of s[0..n) through tmp (n entries), in n log n: a page of 16 MiB holds
 * millions of stacks, for which an insertion sort never ends. */
static void sort_by_count(drip_goroutine_stack *s, drip_goroutine_stack *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t half = n / 2, i = 0, j = half, k = 0;
    sort_by_count(s, tmp, half);
    sort_by_count(s + half, tmp, n - half);
    while (i < half && j < n)
        tmp[k++] = s[j].count > s[i].count ? s[j++] : s[i++];   /* ties: the first half's */
    while (i < half)
        tmp[k++] = s[i++];
    while (j < n)
        tmp[k++] = s[j++];
    memcpy(s, tmp, n * sizeof *s);
}

int drip_goroutines_parse(const char *text, size_t len, size_t max_frames,
                          drip_goroutine_stack **out, size_t *n, char **err)
{
    drip_goroutine_stack *s = NULL;
    size_t ns = 0, cap = 0, frames = 0, lineno = 0;
    const char *p = text, *end = text + len;
    *out = NULL;
    *n = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        unsigned long long count;
        static const char header[] = "goroutine profile:";
        if (lineno == 1 && (ll < sizeof header - 1 || memcmp(p, header, sizeof header - 1))) {
            *err = fmt("line 1: not a goroutine profile (no \"goroutine profile:\" header)");
            goto fail;
        }
        if (lineno > 1 && block_header(p, ll, &count)) {
            size_t want = ns < cap ? cap : 2 * (cap + 8);  /* doubled: linear in the page */
            drip_goroutine_stack *grown = want == cap ? s : realloc(s, want * sizeof *s);
            char *empty = strdup("");
            if (grown) {
                s = grown;
                cap = want;
            }
            if (!grown || !empty) {
                free(empty);
                *err = fmt("line %zu: out of memory", lineno);
                goto fail;
            }
            s[ns++] = (drip_goroutine_stack){count, empty};
            frames = 0;
        } else if (ll && p[0] == '#' && ns && frames < max_frames) {
            if (!add_frame(&s[ns - 1].frames, p, ll)) {
                *err = fmt("line %zu: out of memory", lineno);
                goto fail;
            }
            frames++;
        }
        p = nl ? nl + 1 : end;
    }
    drip_goroutine_stack *tmp = ns > 1 ? malloc(ns * sizeof *tmp) : NULL;
    if (ns > 1 && !tmp) {
        *err = fmt("out of memory sorting %zu stacks", ns);
        goto fail;
    }
    sort_by_count(s, tmp, ns);
    free(tmp);
    *out = s;
    *n = ns;
    return 0;
fail:
    drip_goroutines_free(s, ns);
    return -1;
}

void drip_goroutines_free(drip_goroutine_stack *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].frames);
    free(s);
}
