/* goroutines.c - Go's goroutine profile text, read (goroutines.h). */
#define _GNU_SOURCE
#include "goroutines.h"

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

/* Most goroutines first, equal counts in page order (an insertion sort:
 * stable, and a page has few stacks). */
static void sort_by_count(drip_goroutine_stack *s, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        drip_goroutine_stack x = s[i];
        size_t j = i;
        for (; j > 0 && s[j - 1].count < x.count; j--)
            s[j] = s[j - 1];
        s[j] = x;
    }
}

int drip_goroutines_parse(const char *text, size_t len, size_t max_frames,
                          drip_goroutine_stack **out, size_t *n, char **err)
{
    drip_goroutine_stack *s = NULL;
    size_t ns = 0, frames = 0, lineno = 0;
    const char *p = text, *end = text + len;
    *out = NULL;
    *n = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        unsigned long long count;
        char at;
        if (lineno == 1 && strncmp(p, "goroutine profile:", 18) != 0) {
            *err = fmt("line 1: not a goroutine profile (no \"goroutine profile:\" header)");
            goto fail;
        }
        if (lineno > 1 && ll && p[0] != '#' && sscanf(p, "%llu %c", &count, &at) == 2 &&
            at == '@') {
            drip_goroutine_stack *grown = realloc(s, (ns + 1) * sizeof *s);
            char *empty = strdup("");
            if (grown)
                s = grown;
            if (!grown || !empty) {
                free(empty);
                *err = fmt("line %zu: out of memory", lineno);
                goto fail;
            }
            s = grown;
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
    sort_by_count(s, ns);
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
