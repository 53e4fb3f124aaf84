/* diag.c - diagnostics: positioned error messages collected for the user.
 *
 * A drip_diags is a plain growable array.  Everything in it is owned by it:
 * drip_diags_add copies the file name and formats its own message, and
 * drip_diags_free releases both.  Nothing here fails except by running out
 * of memory, which the x* allocators treat as fatal.
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/util.h"

/* Append one problem.  `file` is copied (NULL is kept as NULL and printed
 * as "<input>"); `line` and `col` are 1-based, or 0 when the problem has no
 * position in the file (an unreadable file, say).  Can't fail. */
void drip_diags_add(drip_diags *d, const char *file, int line, int col,
                    const char *fmt, ...)
{
    strbuf msg = {0};
    va_list ap;

    va_start(ap, fmt);
    sb_vappendf(&msg, fmt, ap);
    va_end(ap);

    XGROW(d->items, d->cap, d->count);
    d->items[d->count++] = (drip_diag){
        .file = xstrdup(file),
        .line = line,
        .col = col,
        .message = sb_take(&msg),
    };
}

/* Print every problem, in the order found, one per line to `stream` (a
 * FILE *; NULL means stderr):
 *     FILE:LINE:COL: error: MESSAGE      when the problem has a position
 *     FILE: error: MESSAGE               when it has none (line 0)
 * Output errors are the caller's to detect with ferror(). */
void drip_diags_print(const drip_diags *d, void *stream)
{
    FILE *out = stream ? stream : stderr;

    for (size_t i = 0; i < d->count; i++) {
        const drip_diag *g = &d->items[i];
        const char *file = g->file ? g->file : "<input>";
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: error: %s\n", file, g->line, g->col, g->message);
        else
            fprintf(out, "%s: error: %s\n", file, g->message);
    }
}

/* Release every message and the array, leaving *d empty and reusable.
 * drip_diags_free(NULL) is a no-op. */
void drip_diags_free(drip_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].message);
    }
    free(d->items);
    d->items = NULL;
    d->count = d->cap = 0;
}
