/* yaml_fields.c - mappings read against a table of known keys.
 *
 * Most of a scenario is plain values under fixed keys; a drip__field row
 * says where each goes, what kind of value it is and its range.  This file
 * turns one mapping's events into stored values by such a table, with the
 * messages for every way a value can be wrong: unknown key (with a
 * did-you-mean), wrong type, malformed, out of range, missing.  Ownership
 * and return values follow yaml_walk.h.
 */
#include "yaml_walk.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char *const kind_want[] = {
    [DRIP__K_STR]    = "a string",
    [DRIP__K_NAME]   = "a string",
    [DRIP__K_UINT]   = "an integer",
    [DRIP__K_NUM]    = "a number",
    [DRIP__K_DUR]    = "a duration with a unit such as 30s or 500ms",
    [DRIP__K_SIZE]   = "a size such as 512MiB",
    [DRIP__K_CUSTOM] = "a value",
};

/* An integer the parser refused only for its range: "-5", or too many
 * digits.  "+1", "010", "1.5" and "0x10" are malformed instead. */
static bool looks_integer(const char *s)
{
    if (*s == '-')
        s++;
    if (s[0] < '1' || s[0] > '9')
        return false;
    return strspn(s, "0123456789") == strlen(s);
}

static void store_uint(void *dst, size_t size, uint64_t u)
{
    if (size == sizeof(uint32_t)) {
        uint32_t u32 = (uint32_t)u;         /* the field's umax keeps it in range */
        memcpy(dst, &u32, sizeof u32);
    } else {
        memcpy(dst, &u, sizeof u);
    }
}

/* Store a number, size or duration read from v (whose text is `text`) at
 * dst, or report why not.  They come only from plain, untagged scalars: a
 * quoted "100" is a string, as in YAML itself.  A malformed value is told
 * the kind wanted; a well-formed one out of range is told the range. */
static void set_number(drip__loader *ld, const drip__field *f, void *dst,
                       const yaml_event_t *v, const char *text, const char *path)
{
    uint64_t u = 0;
    double d = 0;
    int bad = 0;                             /* 1: malformed, 2: out of range */
    char shown[DRIP__SHOWN];

    if (!drip__is_plain(v)) {
        drip__problem(ld, drip__pos(v), "'%s' must be %s, got %s", path, kind_want[f->kind],
                      v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE
                          ? "a string (write it without quotes)"
                          : "a tagged value (YAML tags are not supported)");
        return;
    }
    switch (f->kind) {
    case DRIP__K_UINT:
        if (drip_parse_u64(text, &u) < 0)
            bad = looks_integer(text) ? 2 : 1;
        break;
    case DRIP__K_DUR:
        bad = drip_parse_duration(text, &u) < 0;
        break;
    case DRIP__K_SIZE:
        bad = drip_parse_size(text, &u) < 0;
        break;
    default:
        bad = drip_parse_double(text, &d) < 0;
        if (!bad && (d < f->dmin || d > f->dmax))
            bad = 2;
        break;
    }
    if (!bad && f->kind != DRIP__K_NUM && (u < f->umin || u > f->umax))
        bad = 2;
    if (bad) {
        drip__problem(ld, drip__pos(v), "'%s' must be %s, got '%s'", path,
                      bad == 2 ? f->range : kind_want[f->kind], drip__shown(text, shown));
    } else if (f->kind == DRIP__K_NUM) {
        memcpy(dst, &d, sizeof d);
    } else {
        store_uint(dst, f->size, u);
    }
}

/* See yaml_walk.h.  Strings are copied; a value given twice cannot happen
 * in a mapping (the walker refuses duplicate keys) but would replace the
 * first. */
int drip__read_field(drip__loader *ld, const drip__field *f, void *obj,
                     const yaml_event_t *v, const char *path)
{
    void *dst = (char *)obj + f->off;
    char **str = dst;
    char shown[DRIP__SHOWN];
    const char *text;
    int r;

    if (f->kind == DRIP__K_CUSTOM)
        return f->fn(ld, obj, v, path);
    if (f->kind == DRIP__K_STR && drip__is_null(v))
        return 0;                            /* "description:" says nothing */
    r = drip__text(ld, v, path, kind_want[f->kind], &text);
    if (r <= 0)
        return r;
    if (f->kind == DRIP__K_NAME && !drip_valid_name(text)) {
        drip__problem(ld, drip__pos(v), "'%s' must match [A-Za-z0-9._-]+, got '%s'", path,
                      drip__shown(text, shown));
    } else if (f->kind == DRIP__K_NAME && strlen(text) > DRIP_NAME_MAX) {
        drip__problem(ld, drip__pos(v), "'%s' is %zu bytes long, at most %d allowed: '%s'", path,
                      strlen(text), DRIP_NAME_MAX, drip__shown(text, shown));
    } else if (f->kind == DRIP__K_NAME || f->kind == DRIP__K_STR) {
        free(*str);
        *str = xstrdup(text);
    } else {
        set_number(ld, f, dst, v, text, path);
    }
    return 0;
}

typedef struct fields_ctx {
    const drip__mapwalk *w;
    const char          *where;              /* "in 'run'", or "" */
} fields_ctx;

/* "unknown key 'x' in 'run' (did you mean 'y'?)", suggesting from the table. */
static void unknown_key(drip__loader *ld, const fields_ctx *c, const char *key,
                        const yaml_event_t *k)
{
    const char *names[16];
    size_t n = 0;
    char shown[DRIP__SHOWN];
    strbuf msg = {0};

    for (size_t i = 0; i < c->w->nfields && n + 1 < sizeof names / sizeof names[0]; i++)
        names[n++] = c->w->fields[i].key;
    names[n] = NULL;
    const char *hint = drip_did_you_mean(key, names);

    sb_appendf(&msg, "unknown %s '%s'", c->w->noun, drip__shown(key, shown));
    if (*c->where)
        sb_appendf(&msg, " %s", c->where);
    if (hint)
        sb_appendf(&msg, " (did you mean '%s'?)", hint);
    drip__problem(ld, drip__pos(k), "%s", msg.buf);
    sb_free(&msg);
}

/* One entry of a table-driven mapping: note where the key was (for the
 * required check and for callers that need positions), then read it. */
static int field_entry(drip__loader *ld, void *ctx, const char *key,
                       const yaml_event_t *k, const yaml_event_t *v)
{
    const fields_ctx *c = ctx;
    const drip__mapwalk *w = c->w;

    for (size_t i = 0; i < w->nfields; i++) {
        if (strcmp(key, w->fields[i].key) != 0)
            continue;
        w->seen[i].key = drip__pos(k);
        w->seen[i].val = drip__pos(v ? v : k);
        if (!v)
            return 0;
        char *path = drip__path(w->path, key);
        int rc = drip__read_field(ld, &w->fields[i], w->obj, v, path);
        free(path);
        return rc;
    }
    unknown_key(ld, c, key, k);
    return v ? drip__skip(ld, v) : 0;
}

/* See yaml_walk.h.  Missing keys are reported at the mapping's start, and
 * only when the walk got to the end of the mapping. */
long drip__walk_fields(drip__loader *ld, const yaml_event_t *start,
                       const drip__mapwalk *w)
{
    char *where = w->where ? xstrdup(w->where)
                : *w->path ? xasprintf("in '%s'", w->path) : xstrdup("");
    fields_ctx c = {w, where};
    long n = drip__walk_map(ld, field_entry, &c);

    for (size_t i = 0; n >= 0 && i < w->nfields; i++) {
        if (!w->fields[i].required || w->seen[i].key.line)
            continue;
        if (*w->path)
            drip__problem(ld, drip__pos(start), "%s: missing required key '%s'", w->path,
                          w->fields[i].key);
        else
            drip__problem(ld, drip__pos(start), "missing required key '%s'", w->fields[i].key);
    }
    free(where);
    return n;
}

/* See yaml_walk.h.  seen lives on the stack for the walk. */
int drip__walk_section(drip__loader *ld, const yaml_event_t *start, const char *path,
                       const drip__field *fields, size_t n, void *obj)
{
    drip__seen seen[n];
    memset(seen, 0, sizeof seen);
    drip__mapwalk w = {fields, n, path, "key", NULL, obj, seen};
    return drip__walk_fields(ld, start, &w) < 0 ? -1 : 0;
}

