/* json_read.c - results.json back into the results model, with jansson, by
 * the key table (json_keys.c) the writer follows.
 *
 * A key that is missing leaves its field at its zero value (or the table's
 * default), so a report of an older drip, from before a key was added,
 * still reads; a key of the wrong type is an error naming the key's path,
 * such as "r.json: scenarios[2].metrics.heap_bytes.slope: expected a
 * number or null".  The first error stops the read.  Keys the table does
 * not know (a newer drip's) are ignored.
 */
#include "json.h"
#include "json_keys.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and paths --------------------------------------------------------- */

bool drip__jfail(drip_jreader *rd, const char *key, const char *fmt, ...)
{
    if (rd->err)
        return false;
    strbuf sb = {0};
    const char *path = rd->path.buf ? rd->path.buf : "";
    sb_appendf(&sb, "%s: %s%s%s: ", rd->file, path, *path && key ? "." : "", key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    sb_vappendf(&sb, fmt, ap);
    va_end(ap);
    rd->err = sb_take(&sb);
    return false;
}

size_t drip__jpush(drip_jreader *rd, const char *key, long index)
{
    size_t len = rd->path.len;
    if (key)
        sb_appendf(&rd->path, "%s%s", len ? "." : "", key);
    if (index >= 0)
        sb_appendf(&rd->path, "[%ld]", index);
    return len;
}

void drip__jpop(drip_jreader *rd, size_t len)
{
    if (rd->path.buf)
        rd->path.buf[rd->path.len = len] = '\0';
}

/* ---- scalars --------------------------------------------------------------------- */

/* An integer of the text beyond 2^63 - 1, read as a real: its digits. */
static const char *big_digits(const drip_jreader *rd, json_t *v)
{
    for (size_t i = 0; json_is_real(v) && i < rd->nbig; i++)
        if (rd->big[i].value == json_real_value(v) && rd->big[i].digits[0] != '-')
            return rd->big[i].digits;
    return NULL;
}

/* A non-negative integer at most max into *out. */
static bool get_uint(drip_jreader *rd, const drip_jrow *row, json_t *v, uint64_t max,
                     uint64_t *out)
{
    const char *big = big_digits(rd, v);
    if (big && row->kind == DRIP_J_SEED)
        return drip__jfail(rd, row->key, "%s is larger than %llu, the largest seed a report can "
                           "hold (reports of drip before 0.2 could hold it)", big,
                           DRIP_RESULTS_INT_MAX);
    if (big)
        return drip__jfail(rd, row->key, "%s is larger than %llu, the largest integer a report "
                           "can hold", big, DRIP_RESULTS_INT_MAX);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return drip__jfail(rd, row->key, "expected a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    if (*out > max)
        return drip__jfail(rd, row->key, "%llu is too large", (unsigned long long)*out);
    return true;
}

/* v (present, not null for a row that may be absent) into the field f. */
static bool get_scalar(drip_jreader *rd, const drip_jrow *row, json_t *v, void *f)
{
    uint64_t u;
    int e;
    switch (row->kind) {
    case DRIP_J_STR:
        if (json_is_null(v))
            return true;
        if (!json_is_string(v))
            return drip__jfail(rd, row->key, "expected a string or null");
        free(*(char **)f);
        *(char **)f = xstrdup(json_string_value(v));
        return true;
    case DRIP_J_U64:
    case DRIP_J_SEED:
        return get_uint(rd, row, v, UINT64_MAX, f);
    case DRIP_J_UINT:
        if (!get_uint(rd, row, v, UINT32_MAX, &u))
            return false;
        *(unsigned *)f = (unsigned)u;
        return true;
    case DRIP_J_SIZE:
        if (!get_uint(rd, row, v, SIZE_MAX, &u))
            return false;
        *(size_t *)f = (size_t)u;
        return true;
    case DRIP_J_INT:
        if (!get_uint(rd, row, v, INT_MAX, &u))
            return false;
        *(int *)f = (int)u;
        return true;
    case DRIP_J_NUM:
        if (!json_is_null(v) && !json_is_number(v))
            return drip__jfail(rd, row->key, "expected a number or null");
        *(double *)f = json_is_null(v) ? NAN : json_number_value(v);
        return true;
    case DRIP_J_BOOL:
        if (!json_is_boolean(v))
            return drip__jfail(rd, row->key, "expected true or false");
        *(bool *)f = json_is_true(v);
        return true;
    case DRIP_J_ENUM:
        if (json_is_null(v))
            return true;
        if (!json_is_string(v))
            return drip__jfail(rd, row->key, "expected a string or null");
        for (e = 0; e < row->names->count; e++)
            if (row->names->name(e) && strcmp(row->names->name(e), json_string_value(v)) == 0)
                break;
        if (e == row->names->count)
            return drip__jfail(rd, row->key, "unknown value '%s'", json_string_value(v));
        *(int *)f = e;
        return true;
    default:
        return drip__jfail(rd, row->key, "not a scalar (a bug in the key table)");
    }
}

/* ---- containers ------------------------------------------------------------------ */

bool drip__jget_object(drip_jreader *rd, json_t *obj, const drip_jtable *t, void *base, int k,
                       const char *key, long index)
{
    size_t len = drip__jpush(rd, key, index);
    if (!json_is_object(obj))
        return drip__jfail(rd, NULL, "expected an object");
    if (t->init)
        t->init(base);
    for (size_t i = 0; i < t->nrows; i++)
        if (!drip__jget_row(rd, obj, &t->rows[i], base, k))
            return false;
    if (t->check && !t->check(rd, base))
        return false;
    drip__jpop(rd, len);
    return true;
}

/* The elements, allocated zeroed and counted at once: freeing a model read
 * part way frees them all. */
static bool get_array(drip_jreader *rd, const drip_jrow *row, json_t *v, void *base)
{
    size_t n = json_array_size(v), i;
    json_t *e;
    if (!n)
        return true;
    char *elems = xcalloc(n, row->size);
    *(void **)((char *)base + row->off) = elems;
    *(size_t *)((char *)base + row->count) = n;
    json_array_foreach(v, i, e)
        if (!drip__jget_object(rd, e, row->sub, elems + i * row->size, 0, row->key, (long)i))
            return false;
    return true;
}

/* {NAME: {...}} for each name of the row's table, in obj itself. */
static bool get_each(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base)
{
    for (int e = 0; e < row->names->count; e++) {
        const char *name = row->names->name(e);
        json_t *sub = json_object_get(obj, name);
        if (!sub || json_is_null(sub))
            continue;
        if (!json_is_object(sub))
            return drip__jfail(rd, name, "expected an object or null");
        if (!drip__jget_object(rd, sub, row->sub, base, e, name, -1))
            return false;
    }
    return true;
}

/* [{NAME_KEY: name, ...}, ...]: each element's name says its index. */
static bool get_list(drip_jreader *rd, const drip_jrow *row, json_t *v, void *base)
{
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        int k = -1;
        drip_jrow name = {.key = row->name_key, .kind = DRIP_J_ENUM, .names = row->names};
        size_t len = drip__jpush(rd, row->key, (long)i);
        json_t *nv = json_is_object(e) ? json_object_get(e, row->name_key) : NULL;
        if (!json_is_object(e))
            return drip__jfail(rd, NULL, "expected an object");
        if (nv && !get_scalar(rd, &name, nv, &k))
            return false;
        if (k < 0)
            return drip__jfail(rd, row->name_key, "missing");
        drip__jpop(rd, len);
        if (row->mark)
            row->mark(base, k);
        if (!drip__jget_object(rd, e, row->sub, base, k, row->key, (long)i))
            return false;
    }
    return true;
}

/* ---- rows ------------------------------------------------------------------------- */

bool drip__jget_row(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k)
{
    json_t *v = row->key ? json_object_get(obj, row->key) : NULL;
    bool may_be_absent = (row->present || row->flag) && !row->omit;
    if (v && json_is_null(v) && may_be_absent)
        return true;                          /* written null: not there */
    if (v && row->flag)
        *(bool *)((char *)base + row->flag - 1) = true;
    if (row->get)
        return row->get(rd, obj, row, base, k);
    if (row->kind == DRIP_J_EACH)
        return get_each(rd, obj, row, base);
    if (!v || row->kind == DRIP_J_CUSTOM)     /* missing, or derived: not read */
        return true;
    switch (row->kind) {
    case DRIP_J_OBJECT:
        if (json_is_null(v))
            return true;
        if (!json_is_object(v))
            return drip__jfail(rd, row->key, "expected an object or null");
        return drip__jget_object(rd, v, row->sub, (char *)base + row->off, 0, row->key, -1);
    case DRIP_J_ARRAY:
    case DRIP_J_LIST:
        if (json_is_null(v))
            return true;
        if (!json_is_array(v))
            return drip__jfail(rd, row->key, "expected an array or null");
        return row->kind == DRIP_J_ARRAY ? get_array(rd, row, v, base)
                                         : get_list(rd, row, v, base);
    default:
        return get_scalar(rd, row, v,
                          (char *)base + row->off + (size_t)k * drip__jscalar_size(row->kind));
    }
}

/* ---- the document ----------------------------------------------------------------- */

#define DRIP_JBIG_MAX 64       /* integers beyond 2^63 - 1 named; more: the parse error */

/* text[0..len) parsed.  An integer beyond 2^63 - 1 (jansson's "too big
 * integer") is read as a real instead, its digits kept in rd->big, so that
 * the reader can name the key that holds it (a seed of an older drip...).
 * On failure returns NULL with rd->err set: "FILE:LINE:COL: not valid JSON:
 * ...", positioned in the text as given. */
static json_t *parse(drip_jreader *rd, const char *text, size_t len)
{
    json_error_t first, jerr;
    char *cur = NULL;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &first);
    jerr = first;
    while (!root && json_error_code(&jerr) == json_error_numeric_overflow &&
           strncmp(jerr.text, "too big ", 8) == 0 && rd->nbig < DRIP_JBIG_MAX) {
        const char *src = cur ? cur : text;
        size_t end = (size_t)jerr.position, start = end;
        while (start > 0 && strchr("0123456789-", src[start - 1]))
            start--;
        if (start == end || end > len)
            break;
        rd->big = xrealloc(rd->big, (rd->nbig + 1) * sizeof *rd->big);
        drip_jbig *b = &rd->big[rd->nbig++];
        b->digits = xstrndup(src + start, end - start);
        b->value = strtod(b->digits, NULL);
        char *next = xmalloc(len + 3);
        memcpy(next, src, end);
        memcpy(next + end, ".0", 2);                   /* the same number, as a real */
        memcpy(next + end + 2, src + end, len - end);
        free(cur);
        cur = next;
        len += 2;
        root = json_loadb(cur, len, JSON_REJECT_DUPLICATES, &jerr);
    }
    free(cur);
    if (!root && rd->nbig) {        /* another error: say where it is in the text as given */
        json_t *again = json_loadb(text, len - 2 * rd->nbig,
                                   JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
        if (again)
            jerr = first;           /* too many big integers: the first one's error */
        json_decref(again);
    }
    if (!root)
        rd->err = xasprintf("%s:%d:%d: not valid JSON: %s", rd->file, jerr.line, jerr.column,
                            jerr.text);
    return root;
}

int drip_results_json_decode(const char *text, size_t len, const char *name,
                             drip_run_results *run, uint64_t **nsamples, char **err)
{
    drip_jreader rd = {.file = name, .run = run};
    json_t *root = parse(&rd, text, len);
    int rc = -1;
    *nsamples = NULL;
    if (!root)
        goto cleanup;
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "drip_version")) ||
        !json_is_array(json_object_get(root, "scenarios"))) {
        rd.err = xasprintf("%s: not a drip results.json (no drip_version and scenarios)", name);
        goto cleanup;
    }
    if (!drip__jget_object(&rd, root, &drip__j_run, run, 0, NULL, -1))
        goto cleanup;
    rc = 0;
cleanup:
    if (rc == 0) {
        *nsamples = rd.nsamples;
        *err = NULL;
    } else {
        drip_run_results_free(run);
        free(rd.nsamples);
        *err = rd.err;
    }
    for (size_t i = 0; i < rd.nbig; i++)
        free(rd.big[i].digits);
    free(rd.big);
    sb_free(&rd.path);
    json_decref(root);
    return rc;
}
