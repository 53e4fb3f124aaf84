/* json_write.c - the results model as results.json, with jansson, by the
 * key table (json_keys.c): each row's field becomes a jansson value, the
 * document is dumped pretty-printed (2-space indent, keys in table order)
 * and its text put in drip's classic forms (json_text.c).
 */
#include "json.h"
#include "json_keys.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ------------------------------------------------------------------ */

json_t *drip__jnew(json_t *v)
{
    if (!v) {
        fputs("drip: fatal: out of memory (writing results.json)\n", stderr);
        abort();
    }
    return v;
}

void drip__jset(json_t *obj, const char *key, json_t *v)
{
    if (json_object_set_new(obj, key, drip__jnew(v)) != 0)
        drip__jnew(NULL);
}

/* "%.15g" keeps every digit a double reliably holds.  When it prints an
 * integer the value is written as one (jansson would add ".0" to a real);
 * the other values keep the same digits as a real (JSON_REAL_PRECISION). */
json_t *drip__jnumber(double v)
{
    char buf[32];
    if (!isfinite(v))
        return drip__jnew(json_null());
    snprintf(buf, sizeof buf, "%.15g", v);
    if (!strpbrk(buf, ".e"))                      /* at most 15 digits: fits */
        return drip__jnew(json_integer(strtoll(buf, NULL, 10)));
    return drip__jnew(json_real(v));
}

json_t *drip__juint(uint64_t v)
{
    if (v > DRIP_RESULTS_INT_MAX)
        return drip__jnew(json_real((double)v));
    return drip__jnew(json_integer((json_int_t)v));
}

json_t *drip__jstring(const char *s)
{
    if (!s)
        return drip__jnew(json_null());
    strbuf sb = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = drip_utf8_decode(p, &cp);
        if (n)
            sb_appendn(&sb, (const char *)p, n);
        else
            sb_append(&sb, "\xEF\xBF\xBD");          /* one byte, one U+FFFD */
        p += n ? n : 1;
    }
    json_t *v = json_stringn(sb.buf ? sb.buf : "", sb.len);
    sb_free(&sb);
    return drip__jnew(v);
}

/* ---- rows -------------------------------------------------------------------- */

/* The row's field: element k of it inside an EACH or a LIST. */
static const void *field(const drip_jrow *row, const void *base, int k)
{
    return (const char *)base + row->off + (size_t)k * drip__jscalar_size(row->kind);
}

static json_t *put_scalar(const drip_jrow *row, const void *f)
{
    switch (row->kind) {
    case DRIP_J_STR:  return drip__jstring(*(char *const *)f);
    case DRIP_J_U64:
    case DRIP_J_SEED: return drip__juint(*(const uint64_t *)f);
    case DRIP_J_UINT: return drip__juint(*(const unsigned *)f);
    case DRIP_J_SIZE: return drip__juint(*(const size_t *)f);
    case DRIP_J_INT:  return drip__jnew(json_integer(*(const int *)f));
    case DRIP_J_NUM:  return drip__jnumber(*(const double *)f);
    case DRIP_J_BOOL: return drip__jnew(json_boolean(*(const bool *)f));
    case DRIP_J_ENUM: return drip__jstring(row->names->name(*(const int *)f));
    default:          return drip__jnew(NULL);     /* not a scalar: a bug in the table */
    }
}

static json_t *put_array(const drip_jrow *row, const void *base)
{
    const char *elems = *(const void *const *)((const char *)base + row->off);
    size_t n = *(const size_t *)((const char *)base + row->count);
    json_t *arr = drip__jnew(json_array());
    for (size_t i = 0; i < n; i++) {
        json_t *obj = drip__jnew(json_object());
        drip__jput_rows(obj, row->sub, elems + i * row->size, 0);
        if (json_array_append_new(arr, obj) != 0)
            drip__jnew(NULL);
    }
    return arr;
}

/* One object per index that is present: its name first, then its rows. */
static json_t *put_list(const drip_jrow *row, const void *base)
{
    json_t *arr = drip__jnew(json_array());
    for (int k = 0; k < row->names->count; k++) {
        if (row->has && !row->has(base, k))
            continue;
        json_t *obj = drip__jnew(json_object());
        drip__jset(obj, row->name_key, drip__jstring(row->names->name(k)));
        drip__jput_rows(obj, row->sub, base, k);
        if (json_array_append_new(arr, obj) != 0)
            drip__jnew(NULL);
    }
    return arr;
}

json_t *drip__jput_value(const drip_jrow *row, const void *base, int k)
{
    if (row->put)
        return drip__jnew(row->put(row, base, k));
    switch (row->kind) {
    case DRIP_J_OBJECT: {
        json_t *obj = drip__jnew(json_object());
        drip__jput_rows(obj, row->sub, (const char *)base + row->off, 0);
        return obj;
    }
    case DRIP_J_ARRAY: return put_array(row, base);
    case DRIP_J_LIST:  return put_list(row, base);
    default:           return put_scalar(row, field(row, base, k));
    }
}

/* Is the row's value there to write? */
static bool present(const drip_jrow *row, const void *base, int k)
{
    if (row->present)
        return row->present(base, k);
    if (row->flag)
        return *(const bool *)((const char *)base + row->flag - 1);
    return true;
}

void drip__jput_rows(json_t *obj, const drip_jtable *t, const void *base, int k)
{
    for (size_t i = 0; i < t->nrows; i++) {
        const drip_jrow *row = &t->rows[i];
        if (!present(row, base, k)) {
            if (!row->omit)
                drip__jset(obj, row->key, json_null());
        } else if (row->kind == DRIP_J_EACH) {       /* keyed by name, in this object */
            for (int e = 0; e < row->names->count; e++) {
                json_t *sub = drip__jnew(json_object());
                drip__jput_rows(sub, row->sub, base, e);
                drip__jset(obj, row->names->name(e), sub);
            }
        } else if (row->kind != DRIP_J_CUSTOM || row->put) {
            drip__jset(obj, row->key, drip__jput_value(row, base, k));
        }
    }
}

/* ---- the document --------------------------------------------------------------- */

json_t *drip__jdocument(const drip_run_results *run)
{
    json_t *root = drip__jnew(json_object());
    drip__jput_rows(root, &drip__j_run, run, 0);
    return root;
}

char *drip__jtext(json_t *doc, size_t *len)
{
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15);
    size_t n = json_dumpb(doc, NULL, 0, flags);
    char *raw = xmalloc(n + 1);
    if (n == 0 || json_dumpb(doc, raw, n, flags) != n)
        drip__jnew(NULL);                     /* only memory can fail here */
    size_t out_len;
    char *text = drip__jclassic(raw, n, &out_len);
    free(raw);
    text = xrealloc(text, out_len + 2);
    text[out_len++] = '\n';
    text[out_len] = '\0';
    if (len)
        *len = out_len;
    return text;
}

char *drip_results_json_text(const drip_run_results *run, size_t *len)
{
    json_t *doc = drip__jdocument(run);
    char *text = drip__jtext(doc, len);
    json_decref(doc);
    return text;
}

int drip_results_json_write(const drip_run_results *run, FILE *out)
{
    size_t len;
    char *text = drip_results_json_text(run, &len);
    size_t written = fwrite(text, 1, len, out);
    free(text);
    return written != len || ferror(out) ? -1 : 0;
}
